"""The digest jobs in APScheduler 3: DigestTrigger fire times, sync from the table, leader-only bodies."""

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.clock import utcnow
from chatbot.db import session_scope
from chatbot.jobs import JobRegistry
from chatbot.lease import Leader
from chatbot.models import DigestDelivery, Project, Subscription
from chatbot.onboarding.welcome import WELCOME_JOB
from chatbot.server import build_schedules
from chatbot.settings import AppConfig, Settings, SettingsError, parse_app_config
from digests.jobs import CATCH_UP_JOB, DigestTrigger, sync_digest_jobs
from digests.schedule import Schedule
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack

RUN = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fire_times(trigger: DigestTrigger, now: datetime, count: int) -> list[datetime]:
    """What APScheduler asks a trigger: first with no previous fire time, then after each fire."""
    times: list[datetime] = []
    previous: datetime | None = None
    for _ in range(count):
        previous = trigger.get_next_fire_time(previous, now)
        times.append(previous)
    return times


# --- DigestTrigger ---------------------------------------------------------------------------------


def test_weekly_fire_times_keep_local_time_across_dst_changes() -> None:
    trigger = DigestTrigger(Schedule(weekday="mon", time_of_day="09:00", timezone="Europe/Berlin"))
    # Autumn: CEST (UTC+2) ends on Sunday 25 October 2026; 09:00 local moves from 07:00 to 08:00 UTC.
    assert fire_times(trigger, utc(2026, 10, 12), 3) == [
        utc(2026, 10, 12, 7),
        utc(2026, 10, 19, 7),
        utc(2026, 10, 26, 8),
    ]
    # Spring: CEST starts on Sunday 29 March 2026.
    assert fire_times(trigger, utc(2026, 3, 16), 3) == [
        utc(2026, 3, 16, 8),
        utc(2026, 3, 23, 8),
        utc(2026, 3, 30, 7),
    ]


def test_a_time_skipped_by_the_dst_jump_fires_once_after_the_gap() -> None:
    trigger = DigestTrigger(Schedule(frequency="daily", time_of_day="02:30", timezone="Europe/Berlin"))
    assert fire_times(trigger, utc(2026, 3, 27), 4) == [
        utc(2026, 3, 27, 1, 30),  # 02:30 CET
        utc(2026, 3, 28, 1, 30),
        utc(2026, 3, 29, 1, 30),  # 02:30 does not exist that night: 03:30 CEST
        utc(2026, 3, 30, 0, 30),  # 02:30 CEST
    ]


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    trigger = DigestTrigger(
        Schedule(frequency="monthly", day_of_month=31, time_of_day="09:00", timezone="America/New_York")
    )
    assert fire_times(trigger, utc(2026, 1, 1), 5) == [
        utc(2026, 1, 31, 14),
        utc(2026, 2, 28, 14),
        utc(2026, 3, 31, 13),  # EDT from 8 March
        utc(2026, 4, 30, 13),
        utc(2026, 5, 31, 13),
    ]


def test_a_run_at_exactly_now_counts_when_scheduling_but_not_after_firing() -> None:
    trigger = DigestTrigger(Schedule())
    assert trigger.get_next_fire_time(None, RUN) == RUN
    assert trigger.get_next_fire_time(RUN, RUN) == RUN + timedelta(days=7)
    assert trigger == DigestTrigger(Schedule()) and trigger != DigestTrigger(Schedule(weekday="tue"))
    assert "every Monday at 09:00 (UTC)" in str(trigger)


# --- sync_digest_jobs ------------------------------------------------------------------------------


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    # Started paused: jobs get their next run times computed, but nothing runs on its own.
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.start(paused=True)
    yield scheduler
    scheduler.shutdown(wait=False)


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])


def subscribe(engine: Engine, channel: str = "C1", **fields: Any) -> int:
    created = RUN - timedelta(days=30)
    with session_scope(engine) as session:
        sub = Subscription(
            channel_id=channel, created_by="U1", created_at=created, updated_at=created, **fields
        )
        session.add(sub)
        session.flush()
        assert sub.id is not None
        return sub.id


def add_project(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(
            Project(
                key="https://git.example.com/acme/ledger",
                source="sample",
                name="ledger",
                full_name="acme/ledger",
                html_url="https://git.example.com/acme/ledger",
                first_seen_at=RUN - timedelta(days=1),
            )
        )


def digest_jobs(scheduler: BackgroundScheduler) -> dict[str, Any]:
    return {job.id: job for job in scheduler.get_jobs() if job.id.startswith("digest-")}


def test_sync_adds_replaces_and_removes_jobs(
    engine: Engine, scheduler: BackgroundScheduler, client: WebClient
) -> None:
    weekly = subscribe(engine, "C1")
    daily = subscribe(engine, "C2", frequency="daily", time_of_day="07:30", timezone="Asia/Tokyo")
    monthly = subscribe(engine, "C3", frequency="monthly", day_of_month=31)
    leader = Leader(engine, holder="me", clock=lambda: RUN)

    ids = sync_digest_jobs(JobRegistry(scheduler, leader), engine, client, lambda: RUN)

    assert ids == sorted(f"digest-{i}" for i in (weekly, daily, monthly))
    jobs = digest_jobs(scheduler)
    assert set(jobs) == {*ids, CATCH_UP_JOB}
    job = jobs[f"digest-{daily}"]
    assert job.trigger == DigestTrigger(
        Schedule(frequency="daily", time_of_day="07:30", timezone="Asia/Tokyo")
    )
    assert (job.misfire_grace_time, job.coalesce, job.max_instances) == (12 * 3600, True, 1)
    assert job.next_run_time == job.trigger.get_next_fire_time(None, datetime.now(UTC))
    assert jobs[CATCH_UP_JOB].trigger.interval == timedelta(minutes=1)
    unchanged_next = jobs[f"digest-{weekly}"].next_run_time

    with session_scope(engine) as session:
        changed = session.get(Subscription, daily)
        assert changed is not None
        changed.frequency, changed.weekday, changed.time_of_day = "weekly", "fri", "17:00"
        paused = session.get(Subscription, monthly)
        assert paused is not None
        paused.paused, paused.paused_reason = True, "the bot is not in the channel"
        session.delete(session.get(Subscription, weekly))
    added = subscribe(engine, "C4", frequency="daily")

    ids = sync_digest_jobs(JobRegistry(scheduler, leader), engine, client, lambda: RUN)

    assert ids == sorted([f"digest-{daily}", f"digest-{added}"])
    jobs = digest_jobs(scheduler)
    assert set(jobs) == {*ids, CATCH_UP_JOB}
    assert jobs[f"digest-{daily}"].trigger == DigestTrigger(
        Schedule(weekday="fri", time_of_day="17:00", timezone="Asia/Tokyo")
    )
    # Syncing again without changes keeps every job (and its next run time) as it is.
    before = {job_id: job.next_run_time for job_id, job in jobs.items()}
    sync_digest_jobs(JobRegistry(scheduler, leader), engine, client, lambda: RUN)
    assert {job_id: job.next_run_time for job_id, job in digest_jobs(scheduler).items()} == before
    assert unchanged_next is not None


def test_job_bodies_run_only_on_the_leader(engine: Engine, fake_slack: FakeSlack, client: WebClient) -> None:
    """Two replicas, each with its own scheduler and the same jobs: only the lease holder delivers."""
    sub_id = subscribe(engine)
    add_project(engine)
    clock = [RUN + timedelta(seconds=1)]
    schedulers = [BackgroundScheduler(timezone=UTC), BackgroundScheduler(timezone=UTC)]
    leaders = [Leader(engine, holder=name, clock=lambda: clock[0]) for name in ("one", "two")]
    try:
        for scheduler, leader in zip(schedulers, leaders, strict=True):
            scheduler.start(paused=True)
            sync_digest_jobs(JobRegistry(scheduler, leader), engine, client, lambda: clock[0])
        assert leaders[1].renew()  # replica two holds the lease
        for scheduler in schedulers:
            scheduler.get_job(f"digest-{sub_id}").func()
        assert len(fake_slack.calls("chat.postMessage")) == 1

        # Replica two dies; a minute later replica one takes over. The week's digest is not sent again.
        clock[0] += timedelta(minutes=2)
        schedulers[0].get_job(f"digest-{sub_id}").func()
        schedulers[0].get_job(CATCH_UP_JOB).func()
        assert leaders[0].is_leader and not leaders[1].renew()
        assert len(fake_slack.calls("chat.postMessage")) == 1
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)


def test_the_catch_up_job_resyncs_and_sends_a_missed_run(
    engine: Engine, fake_slack: FakeSlack, scheduler: BackgroundScheduler, client: WebClient
) -> None:
    add_project(engine)
    now = [RUN - timedelta(days=1)]
    leader = Leader(engine, holder="me", clock=lambda: now[0])
    sync_digest_jobs(JobRegistry(scheduler, leader), engine, client, lambda: now[0])
    # A subscription made through another replica: this one's scheduler has not heard of it.
    sub_id = subscribe(engine, "C9")
    assert scheduler.get_job(f"digest-{sub_id}") is None

    now[0] = RUN + timedelta(hours=3)  # this replica was down at 09:00
    scheduler.get_job(CATCH_UP_JOB).func()

    assert scheduler.get_job(f"digest-{sub_id}") is not None
    [post] = fake_slack.calls("chat.postMessage")
    assert post.params["channel"] == "C9"


def test_a_job_firing_late_beyond_grace_sends_nothing(
    engine: Engine, fake_slack: FakeSlack, scheduler: BackgroundScheduler, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    add_project(engine)
    now = [RUN + timedelta(hours=13)]
    leader = Leader(engine, holder="me", clock=lambda: now[0])
    sync_digest_jobs(JobRegistry(scheduler, leader), engine, client, lambda: now[0])
    scheduler.get_job(f"digest-{sub_id}").func()
    assert fake_slack.calls("chat.postMessage") == []


def test_syncing_before_the_scheduler_starts_leaves_one_job_per_subscription(
    engine: Engine, client: WebClient
) -> None:
    sub_id = subscribe(engine)
    scheduler = BackgroundScheduler(timezone=UTC)
    leader = Leader(engine, holder="me")
    sync_digest_jobs(JobRegistry(scheduler, leader), engine, client)
    with session_scope(engine) as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        sub.weekday = "wed"
    sync_digest_jobs(JobRegistry(scheduler, leader), engine, client)
    scheduler.start(paused=True)
    try:
        jobs = [job for job in scheduler.get_jobs() if job.id == f"digest-{sub_id}"]
        assert [job.trigger for job in jobs] == [DigestTrigger(Schedule(weekday="wed"))]
        assert [job.id for job in scheduler.get_jobs()].count(CATCH_UP_JOB) == 1
    finally:
        scheduler.shutdown(wait=False)


def test_the_retry_budget_comes_from_innersource_toml(
    engine: Engine, settings: Settings, fake_slack: FakeSlack
) -> None:
    assert parse_app_config({"digests": {"retry_minutes": 3}}).digest_retry_minutes == 3.0
    assert AppConfig().digest_retry_minutes == 10.0
    with pytest.raises(SettingsError, match=r"\[digests\] retry_minutes must be a number of minutes"):
        parse_app_config({"digests": {"retry_minutes": "soon"}})

    # With no time to wait at all, the catch-up job records a 503 as failed at once.
    hour_ago = utcnow() - timedelta(hours=1)
    with session_scope(engine) as session:
        created = hour_ago - timedelta(days=30)
        session.add(
            Subscription(
                channel_id="C1",
                created_by="U1",
                frequency="daily",
                time_of_day=hour_ago.strftime("%H:%M"),
                created_at=created,
                updated_at=created,
            )
        )
    fake_slack.fail("chat.postMessage", status=503, times=2)
    impatient = replace(
        settings,
        slack_api_url=fake_slack.api_url,
        app=parse_app_config({"digests": {"retry_minutes": 0, "quiet_note": True}}),
    )
    scheduler, _ = build_schedules(impatient, engine)
    assert WELCOME_JOB in {job.id for job in scheduler.get_jobs()}
    catch_up = scheduler.get_job(CATCH_UP_JOB)
    catch_up.func()
    assert len(fake_slack.calls("chat.postMessage")) == 1
    with Session(engine) as session:
        (delivery,) = session.exec(select(DigestDelivery)).all()
    assert delivery.status == "failed" and delivery.error == "chat.postMessage: HTTP 503; gave up after 0 s"
