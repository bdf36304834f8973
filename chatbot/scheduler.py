"""The background scheduler: the leader lease renewal and the source sync jobs.

APScheduler 3 keeps jobs in memory only: they are rebuilt from configuration (and, for digests, from
the subscriptions table) at every start, so nothing depends on pickled jobs. Every job body first
checks the lease (chatbot/lease.py), so a second replica's scheduler does nothing until the leader stops
renewing it. Features add their jobs through a `chatbot.jobs.JobRegistry`, wired in chatbot/server.py.
"""

import logging
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from chatbot.jobs import JobRegistry
from chatbot.lease import Leader
from chatbot.settings import Settings

logger = logging.getLogger(__name__)


def build_scheduler(settings: Settings, engine: Engine, leader: Leader) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=ZoneInfo("UTC"), job_defaults={"coalesce": True, "max_instances": 1}
    )
    # Renewed every 20 s with a 60 s lease: a standby takes over within a minute of the leader dying.
    scheduler.add_job(leader.renew, IntervalTrigger(seconds=20), id="leader-lease", replace_existing=True)
    add_sync_jobs(JobRegistry(scheduler, leader), engine, settings)
    return scheduler


def add_sync_jobs(jobs: JobRegistry, engine: Engine, settings: Settings) -> None:
    if not settings.app.sources:
        return
    from chatbot.sources.registry import build_sources
    from chatbot.sources.sync import run_sync

    def sync_all(full: bool) -> None:
        for source in build_sources(settings.app.sources):
            logger.info("%s", run_sync(engine, source, full=full).line())

    jobs.add(
        "sync-incremental",
        IntervalTrigger(minutes=settings.app.sync_interval_minutes),
        lambda: sync_all(False),
        misfire_grace_time=600,
    )
    jobs.add(
        "sync-full",
        CronTrigger(day_of_week="sun", hour=3, minute=0, timezone=ZoneInfo("UTC")),
        lambda: sync_all(True),
        misfire_grace_time=6 * 3600,
    )
