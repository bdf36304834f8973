"""The digest schedules in APScheduler 3: one job per active subscription, plus a catch-up job.

Jobs live in memory and are rebuilt from the subscriptions table (`sync_digest_jobs`) at start and after
every change, so nothing depends on pickled jobs. Times come from `digests.schedule.next_run` through
`DigestTrigger`, never from a crontab (APScheduler 3 counts weekdays from Monday = 0, and cron has no
"last day of a short month"). Every job body runs only on the replica holding the leader lease, and the
delivery itself is exactly-once (digests.deliver), so a job that fires twice or on two replicas is
harmless.

The catch-up job runs every minute on the leader: it re-syncs the jobs (a replica that just became
leader may have missed changes made through another replica) and calls `deliver_due`, which sends runs
missed while no replica was up (within the grace period) and takes over deliveries left by a crash.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.clock import Clock, utcnow
from chatbot.jobs import JobRegistry
from chatbot.models import Subscription
from chatbot.outbox import DEFAULT_BUDGET, RetryBudget
from chatbot.settings import Settings
from chatbot.slack.edge import slack_client
from digests.deliver import DeliveryReport, deliver_due, deliver_one
from digests.schedule import Schedule, next_run, previous_run, subscription_schedule

logger = logging.getLogger(__name__)

JOB_PREFIX = "digest-"
CATCH_UP_JOB = "digest-catch-up"
CATCH_UP_EVERY = timedelta(minutes=1)
GRACE = timedelta(hours=12)
_SUBSCRIPTION_JOB = re.compile(r"^digest-(\d+)$")


class DigestTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no type hints
    """Fires at a subscription's scheduled times, as computed by `digests.schedule.next_run`."""

    __slots__ = ("schedule",)

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime:
        # After a fire, the next run strictly after it; on (re)scheduling, a run at exactly `now` counts.
        after = previous_fire_time if previous_fire_time is not None else now - timedelta(microseconds=1)
        return next_run(self.schedule, after)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DigestTrigger) and other.schedule == self.schedule

    def __hash__(self) -> int:
        return hash(self.schedule)

    def __str__(self) -> str:
        return f"digest[{self.schedule.describe()}]"

    def __repr__(self) -> str:
        return f"<DigestTrigger ({self.schedule!r})>"


@dataclass(frozen=True)
class DigestOptions:
    grace: timedelta = GRACE
    quiet_note: bool = False
    with_stats: bool = False
    budget: RetryBudget = DEFAULT_BUDGET  # how long one digest keeps trying through Slack's errors


def digest_client(settings: Settings) -> WebClient:
    """A WebClient for digests without slack_sdk's own retry handlers: `deliver` does its own retries,
    and the built-in connection retry would resend a message whose answer was lost (a duplicate)."""
    return slack_client(settings.bot_token, settings.slack_api_url, retries=False)


def run_scheduled_digest(
    engine: Engine, client: WebClient, subscription_id: int, clock: Clock, options: DigestOptions
) -> str:
    """The body of a subscription's job: deliver its latest scheduled run (the one that just fired)."""
    now = clock()
    with Session(engine) as session:
        sub = session.get(Subscription, subscription_id)
    if sub is None or sub.paused:
        return "missing" if sub is None else "paused"
    run_at = previous_run(subscription_schedule(sub), now)
    if run_at is None or now - run_at > options.grace:
        return "missed"
    return deliver_one(
        engine,
        client,
        subscription_id,
        run_at,
        now=now,
        quiet_note=options.quiet_note,
        with_stats=options.with_stats,
        budget=options.budget,
    )


def sync_digest_jobs(
    jobs: JobRegistry,
    engine: Engine,
    client: WebClient,
    clock: Clock = utcnow,
    options: DigestOptions | None = None,
) -> list[str]:
    """Make the scheduler's digest jobs match the active subscriptions; returns their job ids.

    Adds jobs for new subscriptions, replaces those whose schedule changed, removes those of deleted or
    paused ones, and adds the catch-up job if it is missing. Call it at start and after every change.
    """
    options = options or DigestOptions()
    with Session(engine) as session:
        active = session.exec(
            select(Subscription).where(col(Subscription.paused).is_(False)).order_by(col(Subscription.id))
        ).all()
    wanted: dict[str, tuple[int, Schedule]] = {}
    for sub in active:
        assert sub.id is not None
        try:
            schedule = subscription_schedule(sub)
            schedule.zone  # noqa: B018  # fails here, not in the scheduler thread, for a bad timezone
        except (ValueError, KeyError) as exc:
            logger.warning("subscription %s has an unusable schedule: %s", sub.id, exc)
            continue
        wanted[f"{JOB_PREFIX}{sub.id}"] = (sub.id, schedule)

    scheduled = jobs.ids()
    for job_id in scheduled:
        if _SUBSCRIPTION_JOB.match(job_id) and job_id not in wanted:
            jobs.remove(job_id)
    for job_id, (subscription_id, schedule) in wanted.items():
        trigger = DigestTrigger(schedule)
        existing = jobs.trigger(job_id)
        if existing is not None:
            if existing == trigger:
                continue  # unchanged: keep its next fire time
            # Remove, then add: before start(), replace_existing would queue a second copy of the job.
            jobs.remove(job_id)
        jobs.add(
            job_id,
            trigger,
            partial(run_scheduled_digest, engine, client, subscription_id, clock, options),
            name=f"digest for subscription {subscription_id}",
            misfire_grace_time=int(options.grace.total_seconds()),
        )
    if CATCH_UP_JOB not in scheduled:
        _add_catch_up(jobs, engine, client, clock, options)
    return sorted(wanted)


def catch_up(
    jobs: JobRegistry, engine: Engine, client: WebClient, clock: Clock, options: DigestOptions
) -> DeliveryReport:
    """Re-sync the jobs, then deliver whatever is due and not delivered (missed runs, crashed sends)."""
    sync_digest_jobs(jobs, engine, client, clock, options)
    return deliver_due(
        engine,
        client,
        now=clock(),
        grace=options.grace,
        quiet_note=options.quiet_note,
        with_stats=options.with_stats,
        budget=options.budget,
        clock=clock,
    )


def _add_catch_up(
    jobs: JobRegistry, engine: Engine, client: WebClient, clock: Clock, options: DigestOptions
) -> None:
    jobs.add(
        CATCH_UP_JOB,
        IntervalTrigger(seconds=int(CATCH_UP_EVERY.total_seconds())),
        partial(catch_up, jobs, engine, client, clock, options),
        name="digest catch-up",
        first_run=utcnow(),  # once right at start: runs missed while the app was down
        misfire_grace_time=int(CATCH_UP_EVERY.total_seconds()),
    )
