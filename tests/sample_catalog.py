"""The bundled sample catalog, loaded once per clock and copied into each test's empty database.

SQLite: a template file per clock, copied in with SQLite's backup API (every page: FTS5 index, triggers,
search generation). PostgreSQL: the first load's tables are kept in a schema of their own, copied back
with `INSERT … SELECT` in foreign-key order, and the sequences are set to where the load left them.
"""

import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, MetaData

from chatbot.catalog.sample import load_sample
from chatbot.db import make_engine

# search_generation is moved on by triggers (migration 0007) once per transaction, as for the load itself.
NOT_COPIED = {"alembic_version", "search_generation"}


@dataclass(frozen=True)
class PostgresTemplate:
    schema: str
    tables: list[str]  # foreign-key order
    sequences: dict[str, int]  # the ones the load moved: last value


class SampleCatalog:
    def __init__(self, directory: Path, sqlite_template: Path) -> None:
        self._directory = directory
        self._sqlite_template = sqlite_template
        self._sqlite: dict[datetime, Path] = {}
        self._postgres: dict[datetime, PostgresTemplate] = {}
        self._admin: Engine | None = None

    def __call__(self, engine: Engine, now: datetime) -> Engine:
        """The sample as `load_sample(engine, clock=lambda: now)` leaves it, in an empty database."""
        if engine.dialect.name == "sqlite":
            self._copy_sqlite(self._sqlite_file(now), engine)
        elif now in self._postgres:
            self._copy_postgres(self._postgres[now], engine)
        else:
            load_sample(engine, clock=lambda: now)
            self._postgres[now] = self._keep_postgres(engine)
        return engine

    def close(self) -> None:
        for template in self._postgres.values():
            assert self._admin is not None
            with self._admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{template.schema}" CASCADE')
        if self._admin is not None:
            self._admin.dispose()

    def _sqlite_file(self, now: datetime) -> Path:
        if now not in self._sqlite:
            path = self._directory / f"sample-{len(self._sqlite)}.db"
            shutil.copy(self._sqlite_template, path)
            engine = make_engine(f"sqlite:///{path}")
            load_sample(engine, clock=lambda: now)
            engine.dispose()
            self._sqlite[now] = path
        return self._sqlite[now]

    @staticmethod
    def _copy_sqlite(template: Path, engine: Engine) -> None:
        source = sqlite3.connect(template)
        try:
            with engine.connect() as connection:
                target = connection.connection.driver_connection
                assert isinstance(target, sqlite3.Connection)
                source.backup(target)
        finally:
            source.close()

    def _keep_postgres(self, engine: Engine) -> PostgresTemplate:
        if self._admin is None:
            self._admin = make_engine(engine.url.render_as_string(hide_password=False))
        schema = f"sample_{uuid.uuid4().hex[:10]}"
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            tables = [t.name for t in metadata.sorted_tables if t.name not in NOT_COPIED]
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            for table in tables:
                connection.exec_driver_sql(f'CREATE TABLE "{schema}"."{table}" AS TABLE "{table}"')
            moved = connection.exec_driver_sql(
                "SELECT sequencename, last_value FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
            sequences = {str(name): int(value) for name, value in moved}
        return PostgresTemplate(schema, tables, sequences)

    @staticmethod
    def _copy_postgres(template: PostgresTemplate, engine: Engine) -> None:
        inserts = [f'INSERT INTO "{t}" SELECT * FROM "{template.schema}"."{t}"' for t in template.tables]
        setvals = [f"SELECT setval('\"{name}\"', {value})" for name, value in template.sequences.items()]
        with engine.begin() as connection:
            connection.exec_driver_sql("; ".join(inserts + setvals))
