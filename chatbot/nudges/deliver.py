"""Exactly-once nudges: record the `Nudge` row, then post, then mark it sent (as digests do, 0008).

The row's unique key is (recipient, kind, day_key), the day being the recipient's local date: a second
run, a restart or a second replica cannot send the same day's nudge twice. A row left `pending` by a
process that died is not counted as sent by `facts.load_facts` once it is `stale_after` old, so the next
run plans that nudge again and takes the row over here (a conditional UPDATE: one process wins). A row
still pending after `EXPIRE_PENDING` is recorded failed instead of being sent late.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine, update
from sqlmodel import col

from chatbot.db import session_scope
from chatbot.models import Nudge
from chatbot.nudges.policy import Plan
from chatbot.nudges.views import nudge_message
from chatbot.outbox import (
    DEFAULT_BUDGET,
    FAILED,
    PENDING,
    SENT,
    STALE_PENDING,
    Progress,
    RetryBudget,
    Sleep,
    claim,
    finish,
    post_message,
    safe_error,
    touch,
)

logger = logging.getLogger(__name__)

DUPLICATE, ERROR = "duplicate", "error"
EXPIRE_PENDING = timedelta(hours=12)
METADATA_EVENT = "innersource_nudge"


@dataclass
class NudgeReport:
    sent: int = 0
    failed: int = 0
    duplicate: int = 0  # another run or replica owns that nudge
    resumed: int = 0  # pending rows of a crashed run, taken over (also counted by their outcome)
    expired: int = 0  # pending too long: recorded failed, not sent late
    outcomes: dict[str, str] = field(default_factory=dict)  # "recipient kind" -> outcome

    def line(self) -> str:
        return (
            f"nudges: {self.sent} sent, {self.failed} failed, {self.resumed} resumed, "
            f"{self.expired} expired, {self.duplicate} already handled"
        )


def deliver_plans(
    engine: Engine,
    client: WebClient,
    plans: tuple[Plan, ...] | list[Plan],
    *,
    now: datetime,
    sleep: Sleep = time.sleep,
    stale_after: timedelta = STALE_PENDING,
    budget: RetryBudget = DEFAULT_BUDGET,
) -> NudgeReport:
    report = NudgeReport()
    report.expired = expire_pending(engine, now)
    for plan in plans:
        try:
            outcome = deliver_plan(
                engine, client, plan, now=now, sleep=sleep, stale_after=stale_after, budget=budget
            )
        except Exception:  # e.g. the database went away: the row, if any, stays pending and is resumed
            logger.exception("sending the %s nudge to %s failed", plan.kind, plan.recipient)
            outcome = ERROR
        report.outcomes[f"{plan.recipient} {plan.kind}"] = outcome
        if outcome.startswith("resumed "):
            report.resumed += 1
            outcome = outcome.removeprefix("resumed ")
        if outcome in (SENT, FAILED, DUPLICATE):
            setattr(report, outcome, getattr(report, outcome) + 1)
    if report.outcomes or report.expired:
        logger.info("%s", report.line())
    return report


def deliver_plan(
    engine: Engine,
    client: WebClient,
    plan: Plan,
    *,
    now: datetime,
    sleep: Sleep = time.sleep,
    stale_after: timedelta = STALE_PENDING,
    budget: RetryBudget = DEFAULT_BUDGET,
) -> str:
    """Send one plan at most once. Returns sent | failed | duplicate, prefixed "resumed " when it took
    over the pending row of a crashed run."""
    row = Nudge(
        recipient=plan.recipient,
        kind=plan.kind,
        day_key=plan.day_key,
        contribution_ids=plan.contribution_ids,
        status=PENDING,
        created_at=now,
    )
    claimed = claim(engine, row, now, stale_after)
    if claimed.key is None:
        return DUPLICATE
    nudge_id, resumed = claimed.key, "resumed " if claimed.resumed else ""
    if claimed.resumed:
        with session_scope(engine) as session:
            session.exec(
                update(Nudge).where(col(Nudge.id) == nudge_id).values(contribution_ids=plan.contribution_ids)
            )
    text, blocks = nudge_message(plan)
    result = post_message(
        client,
        channel=plan.recipient,
        text=text,
        blocks=blocks,
        metadata={"event_type": METADATA_EVENT, "event_payload": {"nudge_id": nudge_id, "kind": plan.kind}},
        sleep=sleep,
        heartbeat=_heartbeat(engine, nudge_id, now),
        budget=budget,
    )
    if result.ts is not None:
        sent_at = now + timedelta(seconds=result.waited)
        finish(engine, Nudge, nudge_id, SENT, sent_at=sent_at, attempts=result.attempts, error=None)
        return resumed + SENT
    finish(
        engine, Nudge, nudge_id, FAILED, attempts=result.attempts, error=safe_error(result.error or "failed")
    )
    return resumed + FAILED


def _heartbeat(engine: Engine, nudge_id: int, now: datetime) -> Callable[[Progress], None]:
    def beat(progress: Progress) -> None:
        at = now + timedelta(seconds=progress.waited)
        touch(engine, Nudge, nudge_id, at, attempts=progress.attempts, error=safe_error(progress.error))

    return beat


def expire_pending(engine: Engine, now: datetime, older_than: timedelta = EXPIRE_PENDING) -> int:
    """Pending rows nobody finished for half a day: recorded failed (a nudge that late is not sent)."""
    with session_scope(engine) as session:
        result = session.exec(
            update(Nudge)
            .where(col(Nudge.status) == PENDING, col(Nudge.created_at) <= now - older_than)
            .values(status=FAILED, error="interrupted before it was confirmed sent; not resent (too late)")
        )
        return int(result.rowcount)
