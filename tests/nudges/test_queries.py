"""What waits on whom, as the App Home and `/innersource stale` ask it (the sample catalog)."""

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import NudgeState, Project
from chatbot.nudges.queries import contributions_waiting_on, stale_contributions
from chatbot.settings import Settings
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog

NOW = FIXED_NOW + timedelta(days=1)  # Tuesday


def test_what_waits_on_a_trusted_committer(
    engine: Engine, settings: Settings, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(engine, FIXED_NOW)
    with Session(engine) as session:
        tomas = contributions_waiting_on(session, "U0NW00002", now=NOW, settings=settings)
        nobody = contributions_waiting_on(session, "U0NOBODY", now=NOW, settings=settings)
    assert [(w.project_name, w.number) for w in tomas] == [
        ("identity/authkit-python", 208),
        ("identity/authkit-go", 293),
    ]
    python = tomas[0]
    assert python.author == "jellis" and python.title == "Add retry with jitter to token refresh"
    assert python.url.endswith("/pull/208") and python.overdue and python.waited_working_days > 2
    assert not tomas[1].overdue  # the author pushed an update last week: a new, shorter wait
    assert nobody == []


def test_not_mine_leaves_that_persons_list(
    engine: Engine, settings: Settings, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(engine, FIXED_NOW)
    with Session(engine) as session:
        [first, *_] = contributions_waiting_on(session, "U0NW00002", now=NOW, settings=settings)
    with session_scope(engine) as session:
        session.add(
            NudgeState(contribution_id=first.contribution_id, slack_user_id="U0NW00002", not_mine=True)
        )
    with Session(engine) as session:
        left = contributions_waiting_on(session, "U0NW00002", now=NOW, settings=settings)
    assert [w.number for w in left] == [293]


def test_a_projects_own_review_goal_comes_from_innersource_json(
    engine: Engine, settings: Settings, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(engine, FIXED_NOW)
    with Session(engine) as session:
        sla = session.exec(
            select(Project.review_sla_days).where(col(Project.full_name) == "platform/terraform-modules")
        ).one()
        listed = stale_contributions(
            session, now=NOW, settings=settings, timezone="Europe/Berlin", project="terraform-modules"
        )
    assert sla == 3
    assert [(w.number, w.sla_days) for w in listed] == [(379, 3.0)]
