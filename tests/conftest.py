import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from chatbot.db import make_engine, upgrade
from chatbot.handlers import CommandContext, Deps
from chatbot.settings import Settings
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.sample_catalog import SampleCatalog

BOT_TOKEN = "xoxb-test-token"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PG_URL = os.environ.get("INNERSOURCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXED_NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # a Monday


def shared_data(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the ../shared/data test files come beside the project)")
    return path


# --- databases -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def sample_catalog(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[SampleCatalog]:
    """`sample_catalog(engine, now)`: the bundled sample as loaded at `now`, copied from a template."""
    catalog = SampleCatalog(tmp_path_factory.mktemp("sample"), sqlite_template)
    yield catalog
    catalog.close()


@contextmanager
def fresh_pg_schema(prefix: str) -> Iterator[str]:
    """The URL of a new, empty schema in the test database (skipped without PostgreSQL), dropped after."""
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}: {exc.orig}")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A fresh schema in the test database, migrated once for the whole run."""
    with fresh_pg_schema("test") as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def _truncate_pg(engine: Engine) -> None:
    with engine.begin() as connection:
        query = text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [t for t in connection.execute(query).scalars() if t != "alembic_version"]
        names = ", ".join(f'"{t}"' for t in tables)
        if names:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "innersource.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The same test on an SQLite file and on PostgreSQL, each migrated and empty."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    url: str = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    _truncate_pg(engine)
    engine.dispose()
    yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


# --- app wiring ----------------------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        database_url=f"sqlite:///{tmp_path / 'unused.db'}",
        data_dir=tmp_path,
        threads=4,
    )


@pytest.fixture
def deps(engine: Engine, settings: Settings) -> Deps:
    return Deps(engine=engine, settings=settings, clock=lambda: FIXED_NOW)


@pytest.fixture
def ctx(deps: Deps) -> CommandContext:
    return CommandContext(deps=deps, user_id="U123", channel_id="C123", team_id="T123")


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake
