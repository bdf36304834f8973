"""The Slack side of onboarding: sending the welcome DM, and ticking its checklist off in place.

The welcome goes through the outbox rules (chatbot/outbox.py): the `Welcome` row is claimed before the DM
is sent and marked with the message once Slack took it. `team_join` tries for a short while; a welcome
that Slack kept refusing for a reason worth retrying (429, 5xx, no connection) is handed to the welcome
job, which runs every minute on the scheduler's leader and resends claims that went stale, each exactly
once across replicas. A checklist update that failed stays marked (`update_pending`) and is redone by
the same job.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.clock import Clock, utcnow
from chatbot.handlers import CommandContext, Deps, Reply
from chatbot.jobs import JobRegistry
from chatbot.models import Welcome
from chatbot.onboarding.checklist import (
    Step,
    expire_welcomes,
    forget_update,
    give_up_welcome,
    is_step,
    pending_updates,
    pending_welcome,
    progress,
    record_step,
    remember_message,
    remember_update,
    unsent_welcomes,
)
from chatbot.onboarding.views import welcome_message
from chatbot.outbox import (
    GAVE_UP,
    STALE_PENDING,
    Progress,
    RetryBudget,
    Sleep,
    call_slack,
    claim,
    claim_stale,
    post_message,
    touch,
    without_retries,
)
from chatbot.settings import Settings

logger = logging.getLogger(__name__)

SLACKBOT = "USLACKBOT"
SENT, LATER, FAILED = "sent", "left for the welcome job", "failed"
EVENT_BUDGET = RetryBudget(seconds=30)  # on team_join; the job takes over after that
JOB_BUDGET = RetryBudget(seconds=120)  # per welcome in one pass of the job, which runs every minute
ONE_TRY = RetryBudget(seconds=0)  # a checklist update as someone acts: the job retries one that failed
EXPIRES = timedelta(days=2)  # a welcome not sent by then is not sent at all
WELCOME_JOB = "welcome-resume"
WELCOME_JOB_EVERY = timedelta(minutes=1)


def is_person(user: dict[str, Any]) -> bool:
    """A human member: not a bot, an app, Slackbot or a deactivated account."""
    return bool(user.get("id")) and not (
        user.get("is_bot") or user.get("is_app_user") or user.get("deleted") or user.get("id") == SLACKBOT
    )


def send_welcome(deps: Deps, client: WebClient, user: dict[str, Any]) -> str:
    """DM a newcomer the welcome, once per person; returns what happened, for the log."""
    if not deps.settings.app.onboarding.welcome:
        return "welcome is off"
    if not is_person(user):
        return "not a person"
    user_id, now = str(user["id"]), deps.clock()
    claimed = claim(deps.engine, pending_welcome(user_id, now), now)  # or one claimed and never sent
    if claimed.key is None:
        return "already welcomed"
    resumed = "resumed: " if claimed.resumed else ""
    outcome = send_claimed(
        deps.engine,
        without_retries(client),
        deps.settings,
        user_id,
        now=now,
        sleep=deps.sleep,
        budget=EVENT_BUDGET,
    )
    return resumed + outcome


def send_claimed(
    engine: Engine,
    client: WebClient,
    settings: Settings,
    user_id: str,
    *,
    now: datetime,
    sleep: Sleep,
    budget: RetryBudget,
) -> str:
    """Send a welcome this process has claimed: sent | left for the welcome job | failed."""
    onboarding = settings.app.onboarding
    with Session(engine) as session:
        row = session.get(Welcome, user_id)
    steps = list(row.done_steps) if row is not None else []
    text, blocks = welcome_message(
        user_id,
        progress(steps) if onboarding.checklist else None,
        guide_url=settings.app.guide_url,
        welcome_text=onboarding.welcome_text,
    )
    opened = call_slack(
        lambda: client.conversations_open(users=user_id),
        method="conversations.open",
        sleep=sleep,
        heartbeat=_heartbeat(engine, user_id, now),
        budget=budget,
        idempotent=True,
    )
    if opened.failure is not None:
        return _not_sent(engine, user_id, now, opened.failure.kind, opened.failure.error)
    posted = post_message(
        client,
        channel=str(opened.response["channel"]["id"]),
        text=text,
        blocks=blocks,
        sleep=sleep,
        heartbeat=_heartbeat(engine, user_id, now, opened.waited),
        budget=replace(budget, seconds=max(0.0, budget.seconds - opened.waited)),
    )
    if posted.ts is None:
        return _not_sent(engine, user_id, now, posted.kind, posted.error)
    sent_at = now + timedelta(seconds=opened.waited + posted.waited)
    remember_message(engine, user_id, str(posted.channel), posted.ts, sent_at, steps)
    return SENT


def _heartbeat(
    engine: Engine, user_id: str, now: datetime, offset: float = 0.0
) -> Callable[[Progress], None]:
    return lambda progress: touch(engine, Welcome, user_id, now + timedelta(seconds=offset + progress.waited))


def _not_sent(engine: Engine, user_id: str, now: datetime, kind: str | None, error: str | None) -> str:
    if kind == GAVE_UP:  # worth retrying: hand the claim over at once, the welcome job sends it
        touch(engine, Welcome, user_id, now - STALE_PENDING)
        logger.info("welcome DM to %s not sent yet (%s); the welcome job retries it", user_id, error)
        return LATER
    give_up_welcome(engine, user_id, now)
    logger.warning("welcome DM to %s failed: %s", user_id, error)
    return FAILED


# --- the welcome job ---------------------------------------------------------------------------------


@dataclass
class WelcomePass:
    sent: int = 0
    later: int = 0
    failed: int = 0
    expired: int = 0
    updated: int = 0

    def count(self, outcome: str) -> None:
        if outcome == SENT:
            self.sent += 1
        elif outcome == LATER:
            self.later += 1
        else:
            self.failed += 1

    def line(self) -> str:
        return (
            f"welcomes: {self.sent} sent, {self.later} still waiting on Slack, {self.failed} failed, "
            f"{self.expired} expired; {self.updated} checklists updated"
        )


def resume_welcomes(
    engine: Engine,
    client: WebClient,
    settings: Settings,
    *,
    clock: Clock = utcnow,
    sleep: Sleep = time.sleep,
    budget: RetryBudget = JOB_BUDGET,
    stale_after: timedelta = STALE_PENDING,
) -> WelcomePass:
    """Send the welcomes whose claim went stale (their sender died, or handed them over), then redo the
    checklist updates that failed. Stops at the first that Slack still turns away: the next pass goes on."""
    report = WelcomePass()
    onboarding = settings.app.onboarding
    if onboarding.welcome:
        report.expired = expire_welcomes(engine, clock() - EXPIRES, clock())
        with Session(engine) as session:
            unsent = unsent_welcomes(session, clock() - stale_after)
        for user_id in unsent:
            now = clock()
            if not claim_stale(engine, Welcome, user_id, now, stale_after):
                continue  # another replica took it
            outcome = send_claimed(engine, client, settings, user_id, now=now, sleep=sleep, budget=budget)
            report.count(outcome)
            if outcome == LATER:
                break
    if onboarding.checklist and report.later == 0:
        with Session(engine) as session:
            stale_checklists = pending_updates(session)
        for user_id in stale_checklists:
            done = update_welcome(engine, client, settings, user_id, clock=clock, sleep=sleep, budget=budget)
            if not done:
                break
            report.updated += 1
    if report.sent or report.later or report.failed or report.expired or report.updated:
        logger.info("%s", report.line())
    return report


def add_welcome_job(jobs: JobRegistry, engine: Engine, client: WebClient, settings: Settings) -> None:
    jobs.add(
        WELCOME_JOB,
        IntervalTrigger(seconds=int(WELCOME_JOB_EVERY.total_seconds())),
        partial(resume_welcomes, engine, without_retries(client), settings),
        name="welcome DMs and checklist updates that Slack turned away",
        misfire_grace_time=int(WELCOME_JOB_EVERY.total_seconds()),
    )


# --- the checklist -----------------------------------------------------------------------------------


def mark_done(deps: Deps, client: WebClient | None, user_id: str, step: Step) -> bool:
    """Record a checklist step; when it is new and there is a welcome DM, tick it off there.

    Called where people do things (skills, find, subscribe, picking an issue): it never fails the
    caller, and the `chat.update` runs off the request path. True when the step was new.
    """
    try:
        row = record_step(deps.engine, user_id, step, deps.clock())
    except Exception:
        logger.exception("could not record checklist step %s", step)
        return False
    if row is None:
        return False
    if row.message_ts and client is not None and deps.settings.app.onboarding.checklist:

        def tick_off() -> None:
            update_welcome(deps.engine, client, deps.settings, user_id, clock=deps.clock)

        deps.run_in_background(tick_off)
    return True


def tick_off(ctx: CommandContext, reply: Reply) -> Reply:
    """The one place a reply's checklist step is ticked off; returns the reply."""
    if is_step(reply.step):
        mark_done(ctx.deps, ctx.slack.client, ctx.user_id, reply.step)
    return reply


def update_welcome(
    engine: Engine,
    client: WebClient,
    settings: Settings,
    user_id: str,
    *,
    clock: Clock = utcnow,
    sleep: Sleep = time.sleep,
    budget: RetryBudget = ONE_TRY,
) -> bool:
    """Re-render the welcome from the stored state (so that the last update always shows every step).
    False when Slack turned it away for now: it stays marked, and the welcome job tries again."""
    with Session(engine) as session:
        row = session.get(Welcome, user_id)
    if row is None or not row.channel_id or not row.message_ts:
        return True
    channel, ts, shown = row.channel_id, row.message_ts, list(row.done_steps)
    onboarding = settings.app.onboarding
    text, blocks = welcome_message(
        user_id, progress(shown), guide_url=settings.app.guide_url, welcome_text=onboarding.welcome_text
    )
    try:
        answer = call_slack(
            lambda: client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
            method="chat.update",
            sleep=sleep,
            heartbeat=lambda progress: None,
            budget=budget,
            idempotent=True,  # the same update twice shows the same message
        )
    except Exception:  # runs in the background: log it, never let the thread die noisily
        logger.exception("welcome checklist update for %s failed", user_id)
        return False
    if answer.failure is None:
        remember_update(engine, user_id, shown, clock())
        return True
    if answer.failure.kind == GAVE_UP:
        logger.info("welcome checklist update for %s not done yet: %s", user_id, answer.failure.error)
        return False
    # The DM was deleted, the person left: nothing to tick off.
    logger.info("welcome checklist update for %s failed: %s", user_id, answer.failure.error)
    forget_update(engine, user_id, clock())
    return True
