from datetime import UTC, datetime
from pathlib import Path

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from chatbot.lease import Leader, leader_only
from chatbot.scheduler import build_scheduler
from chatbot.settings import AppConfig, Settings, SourceConfig


def test_syncs_are_scheduled_hourly_and_weekly(sqlite_engine: Engine, tmp_path: Path) -> None:
    config = AppConfig(sources=(SourceConfig("portal", "p", {"path": str(tmp_path / "r.json")}),))
    scheduler = build_scheduler(Settings(app=config), sqlite_engine, Leader(sqlite_engine, holder="me"))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"leader-lease", "sync-incremental", "sync-full"}
    assert jobs["sync-incremental"].trigger.interval.total_seconds() == 3600
    full = jobs["sync-full"].trigger
    assert isinstance(full, CronTrigger)
    # Sundays 03:00 UTC (weekday names: APScheduler 3 counts Monday as 0).
    assert full.get_next_fire_time(None, datetime(2026, 11, 18, tzinfo=UTC)) == datetime(
        2026, 11, 22, 3, tzinfo=UTC
    )


def test_no_sources_no_sync_jobs(sqlite_engine: Engine) -> None:
    scheduler = build_scheduler(Settings(), sqlite_engine, Leader(sqlite_engine))
    assert [job.id for job in scheduler.get_jobs()] == ["leader-lease"]


def test_only_the_leader_runs_a_job(sqlite_engine: Engine) -> None:
    now = [datetime(2026, 11, 16, 9, tzinfo=UTC)]
    ran: list[str] = []
    first = Leader(sqlite_engine, holder="one", clock=lambda: now[0])
    second = Leader(sqlite_engine, holder="two", clock=lambda: now[0])
    leader_only(first, lambda: ran.append("one"))()
    leader_only(second, lambda: ran.append("two"))()
    assert ran == ["one"]
