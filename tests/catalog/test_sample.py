from datetime import datetime, timedelta

from sqlalchemy import Engine, func
from sqlmodel import Session, SQLModel, select

from chatbot.catalog.sample import catalog_is_empty, load_sample
from chatbot.models import Contribution, ForgeIdentity, Issue, Person, Project, ProjectOwner
from tests.conftest import FIXED_NOW

TABLES: list[type[SQLModel]] = [Project, Issue, Contribution, Person, ForgeIdentity, ProjectOwner]


def clock() -> datetime:
    return FIXED_NOW


def row_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


def test_sample_loads_a_believable_catalog(engine: Engine) -> None:
    assert catalog_is_empty(engine)

    report = load_sample(engine, clock=clock)

    assert 45 <= report.projects <= 55
    assert report.issues > 0 and report.contributions > 0 and report.people > 0
    counts = row_counts(engine)
    assert counts["Project"] == report.projects
    assert counts["Issue"] == report.issues
    assert counts["Contribution"] == report.contributions
    assert counts["Person"] == report.people
    assert not catalog_is_empty(engine)


def test_sample_is_shifted_so_that_its_newest_day_is_today(engine: Engine) -> None:
    load_sample(engine, clock=clock)

    with Session(engine) as session:
        projects = session.exec(select(Project)).all()
        issues = session.exec(select(Issue)).all()
        prs = session.exec(select(Contribution)).all()
    times = [t for p in projects for t in (p.created_at, p.updated_at, p.pushed_at, p.first_seen_at) if t]
    times += [t for i in issues for t in (i.created_at, i.updated_at) if t]
    times += [t for c in prs for t in (c.created_at, c.updated_at, c.last_response_at) if t]

    assert max(times) <= FIXED_NOW
    assert max(times) >= FIXED_NOW - timedelta(days=2)  # the demo looks current, not years old
    new_this_week = [p for p in projects if FIXED_NOW - timedelta(days=7) <= p.first_seen_at <= FIXED_NOW]
    assert new_this_week, "the demo should show at least one project that is new this week"


def test_loading_the_sample_twice_duplicates_nothing(engine: Engine) -> None:
    first = load_sample(engine, clock=clock)
    counts = row_counts(engine)

    second = load_sample(engine, clock=clock)

    assert second == first
    assert row_counts(engine) == counts
