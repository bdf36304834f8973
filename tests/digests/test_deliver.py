"""Exactly-once digest delivery against the fake Slack, on SQLite and PostgreSQL, with an injected clock."""

import socket
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.db import make_engine, session_scope
from chatbot.models import DigestDelivery, Project, Subscription
from chatbot.outbox import RetryBudget
from digests import compose as compose_module
from digests import deliver as deliver_module
from digests.deliver import (
    DUPLICATE,
    FAILED,
    SENT,
    SKIPPED,
    deliver_due,
    deliver_one,
    on_demand_key,
)
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack

RUN = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC: the weekly run
LAST_WEEK = RUN - timedelta(days=7)


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])


def subscribe(engine: Engine, channel: str = "C1", *, creator: str = "U1", **fields: Any) -> int:
    created = fields.pop("created_at", RUN - timedelta(days=30))
    with session_scope(engine) as session:
        sub = Subscription(
            channel_id=channel, created_by=creator, created_at=created, updated_at=created, **fields
        )
        session.add(sub)
        session.flush()
        assert sub.id is not None
        return sub.id


def add_project(engine: Engine, name: str, first_seen: datetime) -> None:
    with session_scope(engine) as session:
        session.add(
            Project(
                key=f"https://git.example.com/acme/{name}",
                source="sample",
                name=name,
                full_name=f"acme/{name}",
                html_url=f"https://git.example.com/acme/{name}",
                description=f"The {name} project",
                activity_score=50,
                first_seen_at=first_seen,
            )
        )


def deliveries(engine: Engine, subscription_id: int | None = None) -> list[DigestDelivery]:
    with Session(engine) as session:
        statement = select(DigestDelivery).order_by(col(DigestDelivery.id))
        if subscription_id is not None:
            statement = statement.where(col(DigestDelivery.subscription_id) == subscription_id)
        return list(session.exec(statement).all())


def subscription(engine: Engine, subscription_id: int) -> Subscription:
    with Session(engine) as session:
        sub = session.get(Subscription, subscription_id)
        assert sub is not None
        return sub


def posts(fake: FakeSlack, channel: str | None = None) -> list[dict[str, Any]]:
    return [
        c.params
        for c in fake.calls("chat.postMessage")
        if channel is None or c.params.get("channel") == channel
    ]


# --- exactly once ----------------------------------------------------------------------------------


def test_one_digest_per_period_even_when_run_twice(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    sleeps: list[float] = []

    first = deliver_due(engine, client, now=RUN + timedelta(seconds=5), sleep=sleeps.append)
    second = deliver_due(engine, client, now=RUN + timedelta(minutes=5), sleep=sleeps.append)

    assert (first.sent, second.sent) == (1, 0)
    [post] = posts(fake_slack, "C1")
    assert post["text"] and post["blocks"]
    assert post["metadata"]["event_type"] == "innersource_digest"
    [row] = deliveries(engine, sub_id)
    assert (row.status, row.period_key, row.scheduled_for, row.attempts) == (SENT, "2026-11-16", RUN, 1)
    assert row.message_ts and row.sent_at == RUN + timedelta(seconds=5)
    assert sleeps == []
    # The scheduled job firing for the same run afterwards finds the row and does nothing.
    assert deliver_one(engine, client, sub_id, RUN, now=RUN + timedelta(minutes=6)) == DUPLICATE
    assert len(posts(fake_slack)) == 1


def test_two_replicas_on_one_database_send_each_digest_once(
    engine: Engine, database_url: str, fake_slack: FakeSlack, client: WebClient
) -> None:
    """Two processes' engines on the same database race through the same due list (on PostgreSQL these
    are real concurrent transactions; the unique key decides)."""
    ids = [subscribe(engine, f"C{i % 7}") for i in range(24)]
    add_project(engine, "ledger", RUN - timedelta(days=1))
    other = make_engine(database_url)
    barrier = threading.Barrier(2)
    reports: dict[str, Any] = {}

    def replica(name: str, replica_engine: Engine) -> None:
        own_client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
        barrier.wait()
        reports[name] = deliver_due(replica_engine, own_client, now=RUN + timedelta(seconds=1), sleep=noop)

    try:
        threads = [
            threading.Thread(target=replica, args=("a", engine)),
            threading.Thread(target=replica, args=("b", other)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        other.dispose()

    assert reports["a"].sent + reports["b"].sent == len(ids)
    assert len(posts(fake_slack)) == len(ids)
    rows = deliveries(engine)
    assert sorted(r.subscription_id for r in rows) == ids
    assert {r.status for r in rows} == {SENT}


def noop(seconds: float) -> None:
    pass


def test_kill_between_recorded_and_sent_then_restart_sends_exactly_one(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    # The process recorded the delivery at 09:00:01 and died before posting.
    with session_scope(engine) as session:
        session.add(
            DigestDelivery(
                subscription_id=sub_id,
                period_key="2026-11-16",
                status="pending",
                scheduled_for=RUN,
                channel_id="C1",
                created_at=RUN + timedelta(seconds=1),
            )
        )

    # Restarted two minutes later: the row might still belong to a live sender, so it is left alone.
    early = deliver_due(engine, client, now=RUN + timedelta(minutes=2), sleep=noop)
    assert (early.sent, early.resumed) == (0, 0) and posts(fake_slack) == []

    # Once it is older than stale_after (10 minutes), it is taken over and sent, once.
    later = deliver_due(engine, client, now=RUN + timedelta(minutes=15), sleep=noop)
    again = deliver_due(engine, client, now=RUN + timedelta(minutes=20), sleep=noop)
    assert (later.resumed, later.sent, again.sent) == (1, 1, 0)
    assert len(posts(fake_slack, "C1")) == 1
    [row] = deliveries(engine, sub_id)
    assert row.status == SENT and row.message_ts


def test_a_crashed_delivery_beyond_grace_is_recorded_not_resent(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    with session_scope(engine) as session:
        session.add(
            DigestDelivery(
                subscription_id=sub_id,
                period_key="2026-11-16",
                scheduled_for=RUN,
                channel_id="C1",
                created_at=RUN,
            )
        )
    deliver_due(engine, client, now=RUN + timedelta(hours=13), sleep=noop)
    assert posts(fake_slack) == []
    [row] = deliveries(engine, sub_id)
    assert row.status == FAILED and row.error and "not resent" in row.error


# --- missed runs ------------------------------------------------------------------------------------


def test_catch_up_within_grace_and_skip_beyond_it(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    within = subscribe(engine, "C1")  # Monday 09:00 UTC
    beyond = subscribe(engine, "C2", time_of_day="08:00", timezone="America/Los_Angeles")  # = 16:00 UTC
    beyond_too = subscribe(engine, "C3", frequency="daily", time_of_day="07:00")
    add_project(engine, "ledger", RUN - timedelta(days=1))

    # Down from Sunday until Tuesday 02:00 UTC: C1 is 17 h late, C2 is 10 h late (Monday 16:00 UTC)...
    now = datetime(2026, 11, 17, 2, 0, tzinfo=UTC)
    report = deliver_due(engine, client, now=now, sleep=noop)
    # ...and C3's latest run (Monday 07:00 UTC) is 19 h old.
    assert report.sent == 1 and report.missed == 2
    assert [p["channel"] for p in posts(fake_slack)] == ["C2"]
    assert [r.status for r in deliveries(engine, beyond)] == [SENT]
    [missed] = deliveries(engine, within)
    assert missed.status == SKIPPED and missed.error and missed.error.startswith("missed")
    assert [r.status for r in deliveries(engine, beyond_too)] == [SKIPPED]

    # C1's next run covers everything since the last digest actually sent (none yet: the last 7 days).
    seen: list[tuple[datetime, datetime]] = []
    real = compose_module.compose_digest

    def spy(session: Session, filters: str, since: datetime, until: datetime, **kw: Any) -> Any:
        seen.append((since, until))
        return real(session, filters, since, until, **kw)

    add_project(engine, "quota", RUN + timedelta(days=2))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(deliver_module, "compose_digest", spy)
        next_run = RUN + timedelta(days=7)
        assert deliver_one(engine, client, within, next_run, now=next_run, sleep=noop) == SENT
    assert seen == [(next_run - timedelta(days=7), next_run)]


def test_since_is_the_previous_sent_digest_and_on_demand_does_not_count(
    engine: Engine, fake_slack: FakeSlack, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", LAST_WEEK - timedelta(days=1))
    add_project(engine, "quota", LAST_WEEK + timedelta(days=1))
    seen: list[tuple[datetime, datetime]] = []
    real = compose_module.compose_digest

    def spy(session: Session, filters: str, since: datetime, until: datetime, **kw: Any) -> Any:
        seen.append((since, until))
        return real(session, filters, since, until, **kw)

    monkeypatch.setattr(deliver_module, "compose_digest", spy)
    assert deliver_one(engine, client, sub_id, LAST_WEEK, now=LAST_WEEK, sleep=noop) == SENT
    asked = LAST_WEEK + timedelta(days=3, hours=2)
    assert deliver_one(engine, client, sub_id, asked, now=asked, sleep=noop, on_demand=True) == SENT
    assert deliver_one(engine, client, sub_id, RUN, now=RUN, sleep=noop) == SENT

    assert seen == [
        (LAST_WEEK - timedelta(days=7), LAST_WEEK),
        (LAST_WEEK, asked),  # on demand: since the last scheduled digest
        (LAST_WEEK, RUN),  # the scheduled one still covers the whole week
    ]
    keys = [r.period_key for r in deliveries(engine, sub_id)]
    assert keys == ["2026-11-09", on_demand_key(asked), "2026-11-16"]
    assert len(posts(fake_slack, "C1")) == 3


def test_runs_before_the_subscription_existed_are_not_caught_up(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    subscribe(engine, created_at=RUN + timedelta(minutes=30))
    add_project(engine, "ledger", RUN - timedelta(days=1))
    report = deliver_due(engine, client, now=RUN + timedelta(hours=1), sleep=noop)
    assert (report.sent, report.missed) == (0, 0) and deliveries(engine) == []


def test_an_empty_digest_posts_nothing_unless_a_quiet_note_is_wanted(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    quiet = subscribe(engine, "C1")
    noted = subscribe(engine, "C2", time_of_day="10:00")
    assert deliver_one(engine, client, quiet, RUN, now=RUN, sleep=noop) == SKIPPED
    assert posts(fake_slack) == []
    later = RUN + timedelta(hours=1)
    assert deliver_one(engine, client, noted, later, now=later, sleep=noop, quiet_note=True) == SENT
    assert [p["channel"] for p in posts(fake_slack)] == ["C2"]
    assert [r.status for r in deliveries(engine)] == [SKIPPED, SENT]


# --- Slack failures ---------------------------------------------------------------------------------


def test_429_waits_retry_after_then_posts(engine: Engine, fake_slack: FakeSlack, client: WebClient) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", status=429, retry_after=7)
    sleeps: list[float] = []
    assert deliver_one(engine, client, sub_id, RUN, now=RUN, sleep=sleeps.append) == SENT
    assert sleeps == [7.0]
    assert len(fake_slack.calls("chat.postMessage")) == 2
    [row] = deliveries(engine, sub_id)
    assert (row.status, row.attempts) == (SENT, 1)  # waiting on a rate limit is not a failed attempt


@pytest.mark.parametrize(
    ("problem", "reason", "advice"),
    [
        ("not_in_channel", "the bot is not in the channel", "/invite @innersource"),
        ("is_archived", "the channel is archived", "Unarchive it"),
        ("channel_not_found", "the channel was not found", "/invite @innersource"),
    ],
)
def test_a_channel_that_refuses_pauses_the_subscription_and_dms_its_creator(
    engine: Engine, fake_slack: FakeSlack, client: WebClient, problem: str, reason: str, advice: str
) -> None:
    sub_id = subscribe(engine, "C1", creator="U42")
    add_project(engine, "ledger", RUN - timedelta(days=1))
    if problem == "not_in_channel":
        fake_slack.add_channel("C1", name="general", is_member=False)
    elif problem == "is_archived":
        fake_slack.add_channel("C1", name="general", is_archived=True)
    else:
        fake_slack.fail("chat.postMessage", error="channel_not_found")
    sleeps: list[float] = []

    report = deliver_due(engine, client, now=RUN + timedelta(seconds=1), sleep=sleeps.append)

    assert report.paused == 1 and sleeps == []  # no retries: waiting does not fix it
    sub = subscription(engine, sub_id)
    assert sub.paused and sub.paused_reason == reason
    [opened] = fake_slack.calls("conversations.open")
    assert opened.params["users"] == "U42"
    dm = posts(fake_slack)[-1]
    assert dm["channel"].startswith("D") and "<#C1>" in dm["text"] and advice in dm["text"]
    assert "/innersource subscribe" in dm["text"]
    [row] = deliveries(engine, sub_id)
    assert row.status == FAILED and row.error and problem in row.error
    # Paused subscriptions are left alone until someone fixes them.
    assert deliver_due(engine, client, now=RUN + timedelta(days=7), sleep=noop).outcomes == {}


def test_500_twice_then_success(engine: Engine, fake_slack: FakeSlack, client: WebClient) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", status=500, times=2)
    sleeps: list[float] = []
    assert deliver_one(engine, client, sub_id, RUN, now=RUN, sleep=sleeps.append) == SENT
    assert sleeps == [2.0, 4.0]  # backoff
    [row] = deliveries(engine, sub_id)
    assert (row.status, row.attempts, row.error) == (SENT, 3, None)
    assert len(posts(fake_slack, "C1")) == 3


def test_500_forever_is_tried_for_ten_minutes_then_recorded_as_failed_without_the_token(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", status=503, times=100)
    sleeps: list[float] = []
    report = deliver_due(engine, client, now=RUN, sleep=sleeps.append)
    # 2, 4 … 64, then 120 s three times, slept in pieces of at most a minute (the row is touched before
    # each); one more 120 s would pass the 600 s budget.
    assert report.failed == 1 and sleeps == [2, 4, 8, 16, 32, 60, 4] + [60] * 6
    assert len(fake_slack.calls("chat.postMessage")) == 10
    [row] = deliveries(engine, sub_id)
    assert (row.status, row.attempts, row.waited_seconds) == (FAILED, 10, 486)
    assert row.error == "chat.postMessage: HTTP 503; gave up after 486 s"
    assert BOT_TOKEN not in row.error and "xoxb" not in row.error
    # A failed period is not retried by later runs (it stays visible in `innersource digest status`).
    assert deliver_due(engine, client, now=RUN + timedelta(minutes=15), sleep=noop).outcomes == {}
    assert not subscription(engine, sub_id).paused


def test_the_budget_is_configurable(engine: Engine, fake_slack: FakeSlack, client: WebClient) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", status=500, times=100)
    sleeps: list[float] = []
    brief = RetryBudget(seconds=10)
    assert deliver_one(engine, client, sub_id, RUN, now=RUN, sleep=sleeps.append, budget=brief) == FAILED
    assert sleeps == [2, 4] and len(fake_slack.calls("chat.postMessage")) == 3


def test_rate_limits_wait_retry_after_without_a_count_limit(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    """Twenty 429s (the old cap was ten) cost 40 s of the budget and use no attempts."""
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", status=429, retry_after=2, times=20)
    sleeps: list[float] = []
    assert deliver_one(engine, client, sub_id, RUN, now=RUN, sleep=sleeps.append) == SENT
    assert sleeps == [2.0] * 20
    [row] = deliveries(engine, sub_id)
    assert (row.status, row.attempts, row.waited_seconds) == (SENT, 1, 40)
    assert row.sent_at == RUN + timedelta(seconds=40)
    assert len(posts(fake_slack)) == 21


def test_an_answer_that_refuses_is_not_retried(
    engine: Engine, fake_slack: FakeSlack, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", error="invalid_blocks")
    sleeps: list[float] = []
    assert deliver_one(engine, client, sub_id, RUN, now=RUN, sleep=sleeps.append) == FAILED
    assert sleeps == [] and len(posts(fake_slack)) == 1
    [row] = deliveries(engine, sub_id)
    assert row.error == "chat.postMessage: HTTP 200 invalid_blocks"


def test_a_long_retry_after_keeps_the_row_alive_so_no_replica_takes_it_over(
    engine: Engine, database_url: str, fake_slack: FakeSlack, client: WebClient
) -> None:
    """A 15-minute Retry-After is longer than the 10 minutes after which a pending row counts as
    abandoned: the owner touches the row while it sleeps, so another replica's catch-up, running every
    minute of that wait, leaves it alone. The digest goes out once."""
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    fake_slack.fail("chat.postMessage", status=429, retry_after=900)
    other = make_engine(database_url)
    other_client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    elapsed = [0.0]
    seen: list[str] = []

    def sleep_while_the_other_replica_runs(seconds: float) -> None:
        elapsed[0] += seconds
        report = deliver_due(other, other_client, now=RUN + timedelta(seconds=elapsed[0]), sleep=noop)
        seen.append(f"{report.resumed} {report.sent}")
        seen.extend(r.error or "" for r in deliveries(engine, sub_id) if r.status == "pending")

    try:
        outcome = deliver_one(
            engine,
            client,
            sub_id,
            RUN,
            now=RUN,
            sleep=sleep_while_the_other_replica_runs,
            budget=RetryBudget(seconds=3600),
        )
    finally:
        other.dispose()

    assert outcome == SENT and elapsed == [900.0]
    assert seen[::2] == ["0 0"] * 15  # the other replica never resumed nor sent anything
    assert set(seen[1::2]) == {"chat.postMessage: HTTP 429 ratelimited"}  # what `digest status` shows
    assert len(posts(fake_slack)) == 2  # the 429, then the digest
    [row] = deliveries(engine, sub_id)
    assert (row.status, row.waited_seconds, row.error) == (SENT, 900, None)


def test_a_connection_slack_never_saw_is_retried_within_the_budget(engine: Engine) -> None:
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    with socket.socket() as closed:  # a port nobody listens on: connection refused, nothing sent
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    nowhere = WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[])
    sleeps: list[float] = []
    brief = RetryBudget(seconds=30)
    assert deliver_one(engine, nowhere, sub_id, RUN, now=RUN, sleep=sleeps.append, budget=brief) == FAILED
    assert sleeps == [2, 4, 8, 16]
    [row] = deliveries(engine, sub_id)
    assert (
        row.error and row.error.startswith("chat.postMessage: cannot reach Slack") and "gave up" in row.error
    )


def test_a_request_whose_answer_was_lost_is_not_resent(engine: Engine) -> None:
    """Slack may have posted it: a second post could be a duplicate, so it is recorded failed instead."""
    sub_id = subscribe(engine)
    add_project(engine, "ledger", RUN - timedelta(days=1))
    requests: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def hang_up() -> None:
            connection, _ = server.accept()
            with connection:
                requests.append(connection.recv(65536))  # read the request, answer nothing

        listener = threading.Thread(target=hang_up, daemon=True)
        listener.start()
        lost = WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{port}/api/", retry_handlers=[])
        sleeps: list[float] = []
        assert deliver_one(engine, lost, sub_id, RUN, now=RUN, sleep=sleeps.append) == FAILED
        listener.join(timeout=5)
    assert len(requests) == 1 and b"chat.postMessage" in requests[0] and sleeps == []
    [row] = deliveries(engine, sub_id)
    assert row.error == "chat.postMessage: no answer from Slack (RemoteDisconnected); not resent"
