"""The background schedules, run by whichever replica holds the leader lease.

APScheduler 3 keeps jobs in memory only: they are rebuilt from configuration (and, for digests, from
the subscriptions table) at every start, so nothing depends on pickled jobs. Every job body first
checks the lease, so a second replica's scheduler does nothing until the leader stops renewing it.
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from chatbot.clock import Clock, utcnow
from chatbot.lease import try_acquire
from chatbot.settings import Settings

logger = logging.getLogger(__name__)
LEADER_LEASE = "scheduler-leader"
LEASE_TTL = timedelta(seconds=60)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leader:
    def __init__(self, engine: Engine, *, holder: str | None = None, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.holder = holder or holder_id()
        self.clock = clock
        self.is_leader = False

    def renew(self) -> bool:
        was = self.is_leader
        self.is_leader = try_acquire(self.engine, LEADER_LEASE, self.holder, LEASE_TTL, self.clock())
        if self.is_leader != was:
            logger.info(
                "This replica %s the scheduler leader", "is now" if self.is_leader else "is no longer"
            )
        return self.is_leader


def leader_only(leader: Leader, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        if not leader.renew():
            return
        try:
            job()
        except Exception:
            logger.exception("scheduled job failed")

    return run


def build_scheduler(settings: Settings, engine: Engine, leader: Leader) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=ZoneInfo("UTC"), job_defaults={"coalesce": True, "max_instances": 1}
    )
    # Renewed every 20 s with a 60 s lease: a standby takes over within a minute of the leader dying.
    scheduler.add_job(leader.renew, IntervalTrigger(seconds=20), id="leader-lease", replace_existing=True)
    if settings.app.sources:
        from chatbot.sources.registry import build_sources
        from chatbot.sources.sync import run_sync

        def sync_all(full: bool) -> None:
            for source in build_sources(settings.app.sources):
                logger.info("%s", run_sync(engine, source, full=full).line())

        scheduler.add_job(
            leader_only(leader, lambda: sync_all(False)),
            IntervalTrigger(minutes=settings.app.sync_interval_minutes),
            id="sync-incremental",
            replace_existing=True,
            misfire_grace_time=600,
        )
        scheduler.add_job(
            leader_only(leader, lambda: sync_all(True)),
            CronTrigger(day_of_week="sun", hour=3, minute=0, timezone=ZoneInfo("UTC")),
            id="sync-full",
            replace_existing=True,
            misfire_grace_time=6 * 3600,
        )
    return scheduler
