"""The per-session copy of the sample that tests use is the sample as `load_sample` leaves it."""

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text

from chatbot.catalog.sample import load_sample
from chatbot.db import make_engine
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog

Snapshot = dict[str, list[str]]
# Stamped with the real clock by the models' defaults, so they differ between any two loads.
WALL_CLOCK = {"person": {"created_at", "updated_at"}, "contribution": {"first_seen_at"}}


def rows(connection: Connection, table: str) -> list[str]:
    result = connection.execute(text(f'SELECT * FROM "{table}"'))
    masked = [i for i, column in enumerate(result.keys()) if column in WALL_CLOCK.get(table, set())]
    return sorted(repr([None if i in masked else v for i, v in enumerate(row)]) for row in result)


def snapshot(engine: Engine) -> Snapshot:
    """Every table's rows (FTS5's own tables and the search generation included) and, on PostgreSQL,
    where each sequence stands."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        else:
            query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        tables = list(connection.execute(text(query)).scalars())
        found = {t: rows(connection, t) for t in tables}
        if engine.dialect.name == "postgresql":
            sequences = (
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema()"
            )
            found["sequences"] = sorted(map(repr, connection.execute(text(sequences))))
    return found


def loaded(engine: Engine, at: timedelta) -> Snapshot:
    load_sample(engine, clock=lambda: FIXED_NOW + at)
    return snapshot(engine)


def emptied(engine: Engine) -> Engine:
    with engine.begin() as connection:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        tables = ", ".join(
            f'"{t}"' for t in connection.execute(text(query)).scalars() if t != "alembic_version"
        )
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return engine


@pytest.mark.parametrize("at", [timedelta(0), timedelta(days=3, minutes=7)])
def test_a_copy_is_the_sample_as_loaded(
    engine: Engine, sample_catalog: SampleCatalog, sqlite_template: Path, tmp_path: Path, at: timedelta
) -> None:
    if engine.dialect.name == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "fresh.db")
        fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        expected = loaded(fresh, at)
        fresh.dispose()
    else:
        sample_catalog(engine, FIXED_NOW + at)  # the first one at this time is loaded and kept
        expected = loaded(emptied(engine), at)
        emptied(engine)
    copied = snapshot(sample_catalog(engine, FIXED_NOW + at))
    assert "project" in expected and len(expected["project"]) > 10
    assert copied == expected
