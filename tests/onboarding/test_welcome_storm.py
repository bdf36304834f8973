"""A welcome DM and its checklist survive Slack's storms: `team_join` through the real Bolt app, the welcome
job run as the scheduler would, the fake Slack answering 429s and 5xx. Sleeps and clocks are injected."""

import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import count
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.app import build_app
from chatbot.db import make_engine
from chatbot.handlers import Deps
from chatbot.models import Welcome
from chatbot.onboarding.checklist import claim_welcome
from chatbot.onboarding.welcome import WelcomePass, mark_done, resume_welcomes
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import signed_headers

NEWCOMER = "UNEW00001"
EVENT_IDS = count(1)


class Slack:
    """Signed `team_join` events into the app; the welcome job as each replica's scheduler runs it."""

    def __init__(self, app: App, fake: FakeSlack, deps: Deps) -> None:
        self.app, self.fake, self.deps = app, fake, deps
        self.client = WebClient(token=BOT_TOKEN, base_url=fake.api_url, retry_handlers=[])
        self.sleeps: list[float] = []

    def team_join(self, user: str = NEWCOMER) -> None:
        body = json.dumps(
            {
                "token": "deprecated",
                "team_id": "T123",
                "api_app_id": "A123",
                "type": "event_callback",
                "event_id": f"Ev{next(EVENT_IDS):06d}",
                "event_time": 1_763_287_200,
                "event": {"type": "team_join", "user": {"id": user, "name": "newbie", "is_bot": False}},
            }
        )
        headers: dict[str, str | Sequence[str]] = {
            k.lower(): v for k, v in signed_headers(body, content_type="application/json").items()
        }
        assert self.app.dispatch(BoltRequest(body=body, headers=headers)).status == 200

    def welcome_job(self, at: datetime, engine: Engine | None = None) -> WelcomePass:
        return resume_welcomes(
            engine or self.deps.engine,
            self.client,
            self.deps.settings,
            clock=lambda: at,
            sleep=self.sleeps.append,
        )

    def welcomes(self) -> list[dict[str, Any]]:
        """Every chat.postMessage that carried the welcome, refused or not."""
        return [
            c.params for c in self.fake.calls("chat.postMessage") if "Welcome" in str(c.params.get("text"))
        ]


@pytest.fixture
def slack(deps: Deps, fake_slack: FakeSlack) -> Iterator[Slack]:
    fake_slack.add_user(NEWCOMER, tz="Europe/Berlin")
    sleeps: list[float] = []
    inline = replace(
        deps,
        settings=replace(deps.settings, threads=1),
        run_in_background=lambda work: work(),
        sleep=sleeps.append,
    )
    app = build_app(inline, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    workspace = Slack(app, fake_slack, inline)
    workspace.sleeps = sleeps
    yield workspace


def welcome_row(engine: Engine, user: str = NEWCOMER) -> Welcome:
    with Session(engine) as session:
        row = session.get(Welcome, user)
        assert row is not None
        return row


def test_a_welcome_outlasts_429_then_503s_and_is_posted_once(
    slack: Slack, fake_slack: FakeSlack, engine: Engine, database_url: str
) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    fake_slack.fail("chat.postMessage", status=503, times=5)

    slack.team_join()
    # On the event: Retry-After, then backoff 2, 4, 8 s; the next 16 s would pass its 30 s, so the
    # welcome is handed to the welcome job rather than lost.
    assert slack.sleeps == [1, 2, 4, 8]
    assert len(slack.welcomes()) == 5
    row = welcome_row(engine)
    assert row.message_ts is None and row.claimed_at is not None

    # The job on another replica (its own connection to the same database) sends it a minute later.
    other = make_engine(database_url)
    try:
        report = slack.welcome_job(FIXED_NOW + timedelta(minutes=1), engine=other)
    finally:
        other.dispose()
    assert (report.sent, report.later, report.failed) == (1, 0, 0)
    assert slack.sleeps[4:] == [2]  # the fifth 503, then Slack took it

    posts = slack.welcomes()
    assert len(posts) == 7
    accepted = posts[-1]
    assert accepted["channel"].startswith("D") and "metadata" not in accepted
    assert f"<@{NEWCOMER}>" in json.dumps(accepted["blocks"]) and "0 of 4 done" in accepted["text"]
    row = welcome_row(engine)
    assert row.message_ts and row.channel_id == accepted["channel"] and row.claimed_at is None

    # A repeated event, and the job on either replica, never post a second welcome.
    slack.team_join()
    assert slack.welcome_job(FIXED_NOW + timedelta(minutes=20)).sent == 0
    assert len(slack.welcomes()) == 7


def test_a_welcome_left_claimed_by_a_crash_is_sent_once_by_one_of_two_replicas(
    slack: Slack, fake_slack: FakeSlack, engine: Engine, database_url: str
) -> None:
    assert claim_welcome(engine, NEWCOMER, FIXED_NOW)  # ...and the process died before posting
    assert slack.welcome_job(FIXED_NOW + timedelta(minutes=5)).sent == 0  # it may still be sending
    later = FIXED_NOW + timedelta(minutes=11)
    other = make_engine(database_url)
    barrier = threading.Barrier(2)
    reports: list[WelcomePass] = []

    def replica(replica_engine: Engine) -> None:
        barrier.wait()
        reports.append(slack.welcome_job(later, engine=replica_engine))

    try:
        threads = [threading.Thread(target=replica, args=(e,)) for e in (engine, other)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        other.dispose()

    assert sorted(r.sent for r in reports) == [0, 1]
    assert len(slack.welcomes()) == 1
    slack.team_join()  # Slack's event arriving late changes nothing
    assert len(slack.welcomes()) == 1


def test_a_person_slack_cannot_dm_is_not_retried(slack: Slack, fake_slack: FakeSlack, engine: Engine) -> None:
    fake_slack.fail("conversations.open", error="cannot_dm_bot")
    slack.team_join()
    assert slack.sleeps == [] and slack.welcomes() == []
    assert slack.welcome_job(FIXED_NOW + timedelta(hours=1)).failed == 0
    assert welcome_row(engine).claimed_at is None and fake_slack.calls("chat.postMessage") == []


def test_a_welcome_slack_refused_for_two_days_is_given_up(
    slack: Slack, fake_slack: FakeSlack, engine: Engine
) -> None:
    assert claim_welcome(engine, NEWCOMER, FIXED_NOW - timedelta(days=3))
    report = slack.welcome_job(FIXED_NOW)
    assert (report.expired, report.sent) == (1, 0) and slack.welcomes() == []


def test_a_checklist_update_that_failed_is_redone_by_the_welcome_job(
    slack: Slack, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack.team_join()
    assert len(slack.welcomes()) == 1
    fake_slack.fail("chat.update", status=503)

    assert mark_done(slack.deps, slack.client, NEWCOMER, "skills")
    assert len(fake_slack.calls("chat.update")) == 1  # refused, and remembered

    assert slack.welcome_job(FIXED_NOW + timedelta(minutes=1)).updated == 1
    refused, redone = fake_slack.calls("chat.update")
    assert refused.params == redone.params
    assert ":white_check_mark: ~Tell me your skills~" in json.dumps(redone.params["blocks"])
    assert "1 of 4 done" in redone.params["text"]
    assert slack.welcome_job(FIXED_NOW + timedelta(minutes=2)).updated == 0
    assert len(fake_slack.calls("chat.update")) == 2
