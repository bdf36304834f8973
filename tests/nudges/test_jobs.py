"""The scheduled nudge pass end to end: the sample catalog, the fake Slack, an injected clock."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.catalog.sample import sample_document
from chatbot.db import session_scope
from chatbot.jobs import JobRegistry
from chatbot.lease import Leader
from chatbot.models import Nudge
from chatbot.nudges.config import NudgeSettings
from chatbot.nudges.jobs import NUDGE_JOB, add_nudge_job, describe_pass, dry_run
from chatbot.settings import AppConfig, Settings
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack
from tests.sample_catalog import SampleCatalog

LOADED = datetime(2026, 11, 13, 12, 0, tzinfo=UTC)  # the sample's newest day: a Friday
SATURDAY = datetime(2026, 11, 14, 10, 0, tzinfo=UTC)
MONDAY_EARLY = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # 03:00 in Berlin, 11:00 in Tokyo
MONDAY_EUROPE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # 10:00 in Berlin, 03:00 in Chicago
MONDAY_AMERICAS = datetime(2026, 11, 16, 15, 0, tzinfo=UTC)  # 09:00 in Chicago, 16:00 in Berlin
ZONES = {p["slack_user_id"]: ZoneInfo(p["tz"]) for p in sample_document()["people"] if p.get("slack_user_id")}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(LOADED)


@pytest.fixture
def sample(engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog) -> Engine:
    sample_catalog(engine, LOADED)
    fake_slack.add_channel("C0OBSERVE", name="observability")
    return engine


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)  # jobs are added, nothing runs on its own
    yield scheduler
    scheduler.shutdown(wait=False)


@pytest.fixture
def run_job(
    sample: Engine, fake_slack: FakeSlack, settings: Settings, clock: Clock, scheduler: BackgroundScheduler
) -> Any:
    """Fire the scheduled job at the clock's time, as APScheduler would."""
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    leader = Leader(sample, holder="me", clock=clock)
    assert add_nudge_job(JobRegistry(scheduler, leader), sample, client, settings, clock)
    job = scheduler.get_job(NUDGE_JOB)
    assert job is not None and job.trigger.interval == timedelta(minutes=15)
    # The first pass comes one interval after start: a restart never sends a burst of nudges.
    assert job.next_run_time > datetime.now(UTC) + timedelta(minutes=14)

    def run(at: datetime) -> list[dict[str, Any]]:
        clock.now = at
        before = len(fake_slack.calls("chat.postMessage"))
        job.func()
        return [c.params for c in fake_slack.calls("chat.postMessage")[before:]]

    return run


def dms(posts: list[dict[str, Any]]) -> list[str]:
    return [p["channel"] for p in posts if str(p["channel"]).startswith("U")]


def test_dms_arrive_inside_working_hours_never_on_a_weekend_and_never_twice(run_job: Any) -> None:
    assert run_job(SATURDAY) == []  # nobody works on Saturday
    early = run_job(MONDAY_EARLY)
    europe = run_job(MONDAY_EUROPE)
    europe_again = run_job(MONDAY_EUROPE + timedelta(minutes=15))
    americas = run_job(MONDAY_AMERICAS)

    sent = {"early": early, "europe": europe, "again": europe_again, "americas": americas}
    at = {"early": MONDAY_EARLY, "europe": MONDAY_EUROPE, "again": MONDAY_EUROPE, "americas": MONDAY_AMERICAS}
    everyone: list[str] = []
    for name, posts in sent.items():
        for user in dms(posts):
            local = at[name].astimezone(ZONES[user])
            assert local.weekday() < 5 and 9 <= local.hour < 18, f"{user} nudged at {local} local"
            everyone.append(user)
    assert len(everyone) == len(set(everyone))  # one DM a day each
    assert "U0NW00001" not in dms(early)  # 03:00 in Berlin
    assert "U0NW00001" in dms(europe)  # 10:00 in Berlin: Priya owns scim-sync#270, waiting since September
    assert "U0NW00007" in dms(americas) and "U0NW00007" not in dms(europe)  # Sam in Chicago
    assert europe_again == []

    [priya] = [p for p in europe if p["channel"] == "U0NW00001"]
    assert "scim-sync" in str(priya["blocks"]) and "#270" in str(priya["blocks"])
    buttons = [e["action_id"] for b in priya["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert {"nudge_open", "nudge_snooze_1", "nudge_snooze_3", "nudge_on_it", "nudge_not_mine"} <= set(buttons)

    # The long-waiting log adapter in sre/lumberjack gets one friendly post in its channel, once.
    channel_posts = [p for posts in sent.values() for p in posts if p["channel"] == "#observability"]
    assert len(channel_posts) == 1 and "lumberjack" in str(channel_posts[0]["blocks"])


def test_a_pass_killed_after_recording_is_resumed_by_a_later_pass_once(
    run_job: Any, sample: Engine, fake_slack: FakeSlack
) -> None:
    with session_scope(sample) as session:  # recorded at 09:00, then the process was killed
        session.add(
            Nudge(recipient="U0NW00001", kind="escalation", day_key="2026-11-16", created_at=MONDAY_EUROPE)
        )

    assert "U0NW00001" not in dms(run_job(MONDAY_EUROPE + timedelta(minutes=5)))
    assert dms(run_job(MONDAY_EUROPE + timedelta(minutes=15))).count("U0NW00001") == 1
    assert "U0NW00001" not in dms(run_job(MONDAY_EUROPE + timedelta(minutes=30)))
    with Session(sample) as session:
        [row] = session.exec(select(Nudge).where(Nudge.recipient == "U0NW00001")).all()
        assert row.status == "sent" and row.contribution_ids


def test_the_dry_run_says_who_why_and_who_cannot_be_reached(sample: Engine, settings: Settings) -> None:
    with session_scope(sample) as session:  # Kofi owns dbt-macros and has no Slack user
        from chatbot.models import Contribution, Project

        project = session.exec(select(Project).where(Project.full_name == "data/dbt-macros")).one()
        assert project.id is not None
        session.add(
            Contribution(
                project_id=project.id,
                number=41,
                title="Add a surrogate_key macro",
                url="https://git.northwind.example/data/dbt-macros/pull/41",
                author="praman",
                created_at=MONDAY_EUROPE - timedelta(days=7),
            )
        )
    lines = "\n".join(describe_pass(dry_run(sample, settings, now=MONDAY_EUROPE)))
    assert "dry run: nothing sent" in lines
    assert "DM to U0NW00001 (escalation; Europe/Berlin, 2026-11-16)" in lines
    assert (
        'identity/scim-sync#270 "Retry Workday 429 responses with exponential backoff" by obrennan' in lines
    )
    assert "outside working hours (Mon 03:00 America/Chicago)" in lines
    assert "github kasante, about data/dbt-macros#41" in lines and "/innersource link github kasante" in lines
    with Session(sample) as session:
        assert session.exec(select(Nudge)).all() == []  # nothing recorded


def test_no_job_when_nudges_are_off(
    sample: Engine, settings: Settings, scheduler: BackgroundScheduler
) -> None:
    off = replace(settings, app=AppConfig(nudges=NudgeSettings(enabled=False)))
    client = WebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/api/")
    assert not add_nudge_job(JobRegistry(scheduler, Leader(sample)), sample, client, off)
    assert scheduler.get_job(NUDGE_JOB) is None
