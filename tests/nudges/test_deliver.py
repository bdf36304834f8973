"""Exactly-once nudges against the fake Slack, on SQLite and PostgreSQL, with an injected clock."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import Nudge
from chatbot.nudges.deliver import DUPLICATE, deliver_plan, deliver_plans
from chatbot.nudges.policy import ContributionFacts, Item, Plan, ProjectFacts
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PROJECT = ProjectFacts(1, "payments/ledger", "https://git.example/payments/ledger")


def item(number: int = 7, title: str = "Fix rounding", level: str = "owner") -> Item:
    contribution = ContributionFacts(
        id=number,
        project_id=1,
        number=number,
        title=title,
        url=f"https://git.example/payments/ledger/pull/{number}",
        author="carol",
        opened_at=NOW - timedelta(days=4),
    )
    return Item(contribution, PROJECT, level, 2.5, 2.0, "waiting 2.5 working days for a first response")


def plan(recipient: str = "UALICE", *items: Item, kind: str = "owner") -> Plan:
    return Plan(recipient, kind, "2026-11-16", "Europe/Berlin", items or (item(),))


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])


def rows(engine: Engine) -> list[Nudge]:
    with Session(engine) as session:
        return list(session.exec(select(Nudge).order_by(col(Nudge.id))).all())


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls("chat.postMessage")]


def noop(seconds: float) -> None:
    pass


def test_a_nudge_is_sent_once_even_when_delivered_twice(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    first = deliver_plans(engine, client, [plan()], now=NOW, sleep=noop)
    second = deliver_plans(engine, client, [plan()], now=NOW + timedelta(minutes=15), sleep=noop)

    assert (first.sent, second.sent, second.duplicate) == (1, 0, 1)
    [post] = posts(fake_slack)
    assert post["channel"] == "UALICE"  # a DM: chat.postMessage to the user id
    assert "Fix rounding" in json.dumps(post["blocks"]) and post["text"]
    assert post["metadata"]["event_type"] == "innersource_nudge"
    [row] = rows(engine)
    assert (row.recipient, row.kind, row.day_key, row.contribution_ids, row.status) == (
        "UALICE",
        "owner",
        "2026-11-16",
        [7],
        "sent",
    )
    assert row.sent_at == NOW and row.attempts == 1


def test_a_crash_between_recorded_and_sent_is_resumed_once(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    with session_scope(engine) as session:  # recorded at 09:00, then the process died
        session.add(
            Nudge(
                recipient="UALICE", kind="owner", day_key="2026-11-16", contribution_ids=[7], created_at=NOW
            )
        )

    # Two minutes later the row might belong to a live sender: left alone.
    assert deliver_plan(engine, client, plan(), now=NOW + timedelta(minutes=2), sleep=noop) == DUPLICATE
    assert posts(fake_slack) == []
    # Past ten minutes it is taken over and sent, once.
    report = deliver_plans(engine, client, [plan()], now=NOW + timedelta(minutes=15), sleep=noop)
    again = deliver_plans(engine, client, [plan()], now=NOW + timedelta(minutes=30), sleep=noop)
    assert (report.resumed, report.sent, again.sent) == (1, 1, 0)
    assert len(posts(fake_slack)) == 1
    assert [r.status for r in rows(engine)] == ["sent"]


def test_a_pending_row_left_for_half_a_day_is_recorded_failed_not_sent(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    with session_scope(engine) as session:
        session.add(
            Nudge(
                recipient="UALICE", kind="owner", day_key="2026-11-15", created_at=NOW - timedelta(hours=13)
            )
        )
    report = deliver_plans(engine, client, [], now=NOW, sleep=noop)
    assert report.expired == 1 and posts(fake_slack) == []
    [row] = rows(engine)
    assert row.status == "failed" and row.error and "not resent" in row.error


def test_429_waits_retry_after_then_sends(engine: Engine, fake_slack: FakeSlack, client: WebClient) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)
    sleeps: list[float] = []
    assert deliver_plan(engine, client, plan(), now=NOW, sleep=sleeps.append) == "sent"
    assert sleeps == [7.0]
    [row] = rows(engine)
    assert (row.status, row.attempts) == ("sent", 1)


def test_500_twice_then_success_with_backoff(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    fake_slack.fail("chat.postMessage", status=500, times=2)
    sleeps: list[float] = []
    assert deliver_plan(engine, client, plan(), now=NOW, sleep=sleeps.append) == "sent"
    assert sleeps == [2.0, 4.0]
    assert len(posts(fake_slack)) == 3 and rows(engine)[0].attempts == 3


def test_503_forever_is_recorded_failed_without_the_token_and_not_retried_that_day(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    fake_slack.fail("chat.postMessage", status=503, times=100)
    sleeps: list[float] = []
    report = deliver_plans(engine, client, [plan()], now=NOW, sleep=sleeps.append)
    assert report.failed == 1 and len(posts(fake_slack)) == 10  # backoff 2, 4 … 120 s within 10 minutes
    assert sum(sleeps) == 486
    [row] = rows(engine)
    assert row.status == "failed" and row.error == "chat.postMessage: HTTP 503; gave up after 486 s"
    assert deliver_plans(engine, client, [plan()], now=NOW + timedelta(minutes=15), sleep=noop).duplicate == 1
    assert len(posts(fake_slack)) == 10


def test_a_person_slack_cannot_reach_fails_at_once(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    fake_slack.fail("chat.postMessage", error="user_not_found")
    sleeps: list[float] = []
    report = deliver_plans(engine, client, [plan("UGONE"), plan("UBOB")], now=NOW, sleep=sleeps.append)
    assert (report.failed, report.sent, sleeps) == (1, 1, [])
    assert [(r.recipient, r.status) for r in rows(engine)] == [("UGONE", "failed"), ("UBOB", "sent")]


def test_forge_text_can_never_ping_or_disguise_a_link(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    sneaky = item(9, title="<!channel> urgent <https://evil.example|docs> @here")
    deliver_plans(engine, client, [plan("UALICE", sneaky)], now=NOW, sleep=noop)
    [post] = posts(fake_slack)
    rendered = json.dumps(post["blocks"]) + post["text"]
    assert "<!channel>" not in rendered and "<https://evil" not in rendered and "@here" not in rendered
    # A title that reads like a web address is shown as where its link really goes (decision 0012).
    assert "<https://git.example/payments/ledger/pull/9|git.example/payments/ledger/pull/9>" in json.dumps(
        post["blocks"]
    )
