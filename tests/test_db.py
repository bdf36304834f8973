from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from chatbot.db import (
    SchemaOutOfDate,
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
    normalise_url,
    require_current_schema,
    session_scope,
    upgrade,
)
from chatbot.models import DigestDelivery, Issue, Project, Subscription


def test_models_and_migrations_agree(engine: Engine) -> None:
    # Fails when a model changes without a migration (alembic's own drift check).
    command.check(alembic_config(engine))
    assert current_revision(engine) == head_revision()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 10000


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(Issue(project_id=999, number=1, title="orphan"))


def test_times_come_back_as_aware_utc(engine: Engine) -> None:
    berlin = timezone(timedelta(hours=1))
    with session_scope(engine) as session:
        project = Project(
            key="k",
            source="portal",
            name="n",
            full_name="o/n",
            created_at=datetime(2026, 1, 1, 12, tzinfo=berlin),
        )
        session.add(project)
    with Session(engine) as session:
        stored = session.get(Project, project.id)
        assert stored is not None
        assert stored.created_at == datetime(2026, 1, 1, 11, tzinfo=UTC)
        assert stored.created_at.tzinfo is UTC


def test_a_digest_is_recorded_once_per_subscription_and_period(engine: Engine) -> None:
    with session_scope(engine) as session:
        subscription = Subscription(channel_id="C1", created_by="U1")
        session.add(subscription)
        session.flush()
        assert subscription.id is not None
        session.add(DigestDelivery(subscription_id=subscription.id, period_key="2026-W47"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        session.add(DigestDelivery(subscription_id=subscription.id, period_key="2026-W47"))


def test_an_empty_database_is_refused_with_instructions(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh' / 'db.sqlite'}")
    with pytest.raises(SchemaOutOfDate, match="innersource db upgrade"):
        require_current_schema(engine)
    upgrade(engine)
    require_current_schema(engine)


def test_an_old_schema_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaOutOfDate, match="revision 0000"):
        require_current_schema(engine)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_postgres_urls_use_psycopg3(url: str, expected: str) -> None:
    assert normalise_url(url) == expected
