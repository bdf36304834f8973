"""Exactly-once digest delivery: record the delivery, then send it, then mark it sent.

The `DigestDelivery` row keyed by (subscription, period) is inserted with status `pending` *before*
anything is posted, and committed. Whoever inserts it owns the delivery; a second replica, a retry or a
restart hits the unique key and stops. The owner composes, posts with `chat.postMessage` and marks the row
`sent` (with the message ts), `skipped` (nothing new), or `failed` (with the error text).

A row still `pending` means its owner died between "recorded" and "sent" (or is still sending). Such a
row is taken over once it has not been touched for `stale_after` (default 10 minutes): the takeover is a
conditional UPDATE, so exactly one process wins it. The owner refreshes the row's `created_at` (and
records the error it is retrying and the seconds waited) while it waits on Slack, so that a live send is
never mistaken for a dead one, and `innersource digest status` shows what is happening. See
docs/decisions/0008-digest-exactly-once.md for why this resends (rather than searching the channel) and
what that costs.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chatbot.clock import Clock
from chatbot.db import session_scope
from chatbot.models import DigestDelivery, Subscription
from chatbot.outbox import (
    DEFAULT_BUDGET,
    GAVE_UP,
    PENDING,
    STALE_PENDING,
    UNANSWERED,
    PostResult,
    Progress,
    RetryBudget,
    Sleep,
    claim,
    claim_stale,
    finish,
    post_message,
    safe_error,
    touch,
)
from chatbot.slack.markup import channel_mention
from digests.compose import compose_digest
from digests.render import render_digest
from digests.schedule import Schedule, period_key, previous_run, subscription_schedule

logger = logging.getLogger(__name__)

SENT, SKIPPED, FAILED = "sent", "skipped", "failed"  # as in chatbot.outbox, plus PENDING
PAUSED, DUPLICATE, MISSING = "paused", "duplicate", "missing"  # outcomes that leave no row of their own
ERROR = "error"  # an unexpected exception; a pending row it left is resumed later

ON_DEMAND_PREFIX = "now-"
FIRST_DIGEST_WINDOW = timedelta(days=7)
METADATA_EVENT = "innersource_digest"

# Errors that no retry fixes: the subscription is paused and its creator told how to fix it.
PAUSE_HELP = {
    "not_in_channel": (
        "I'm not a member of {channel}. Invite me there with `/invite @innersource` "
        "(or channel details > Integrations > Add apps)"
    ),
    "channel_not_found": (
        "I can't find {channel}: it was deleted, or it is private and I'm not in it. If it still exists, "
        "invite me there with `/invite @innersource`"
    ),
    "is_archived": "{channel} is archived. Unarchive it, or subscribe another channel instead",
}
# The same, for whoever asked for `digest now` in that channel.
ASKER_HELP = {
    "not_in_channel": "I'm not a member of this channel. Invite me with `/invite @innersource`",
    "channel_not_found": "Slack can't find this channel for me. Invite me with `/invite @innersource`",
    "is_archived": "this channel is archived",
}


@dataclass
class DeliveryReport:
    """What one `deliver_due` run did, by outcome."""

    sent: int = 0
    skipped: int = 0  # nothing new: nothing posted
    failed: int = 0
    paused: int = 0  # the channel refused us: subscription paused, creator told
    missed: int = 0  # due longer ago than the grace period: recorded as skipped, not sent
    resumed: int = 0  # pending rows of a crashed run, taken over (also counted by their outcome)
    duplicate: int = 0  # another run or replica owns the delivery
    outcomes: dict[int, str] = field(default_factory=dict)  # subscription id -> outcome

    def count(self, subscription_id: int, outcome: str) -> None:
        self.outcomes[subscription_id] = outcome
        if outcome in (SENT, SKIPPED, FAILED, PAUSED, DUPLICATE):
            setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        return (
            f"digests: {self.sent} sent, {self.skipped} empty, {self.failed} failed, {self.paused} paused, "
            f"{self.missed} missed (beyond grace), {self.resumed} resumed, {self.duplicate} already handled"
        )


@dataclass(frozen=True)
class Delivered:
    outcome: str
    problem: str | None = None  # why it was not posted, in words for the person who asked


def on_demand_key(at: datetime) -> str:
    """`digest now` gets its own period, so it never takes the place of a scheduled digest."""
    return f"{ON_DEMAND_PREFIX}{int(at.timestamp())}"


def deliver_due(
    engine: Engine,
    client: WebClient,
    *,
    now: datetime,
    grace: timedelta = timedelta(hours=12),
    sleep: Sleep = time.sleep,
    stale_after: timedelta = STALE_PENDING,
    quiet_note: bool = False,
    with_stats: bool = False,
    budget: RetryBudget = DEFAULT_BUDGET,
    clock: Clock | None = None,
) -> DeliveryReport:
    """Deliver every active subscription's latest run at or before `now` that has no delivery yet.

    Runs due within `grace` are sent (catch-up after downtime); older ones are recorded as skipped (the
    next digest still covers their items, since it starts from the last one sent). Pending rows left by a
    crash are taken over first. Safe to run concurrently from several replicas. With a `clock`, each
    delivery is claimed at the time it starts (a run that waits out a storm can take a while).
    """
    report = DeliveryReport()
    options = _Options(sleep, stale_after, quiet_note, with_stats, budget, clock)
    _resume_stale(engine, client, now=now, grace=grace, options=options, report=report)
    with Session(engine) as session:
        subscriptions = session.exec(
            select(Subscription).where(col(Subscription.paused).is_(False)).order_by(col(Subscription.id))
        ).all()
    candidates: list[tuple[Subscription, Schedule, datetime, str]] = []
    for sub in subscriptions:
        try:
            schedule = subscription_schedule(sub)
            run_at = previous_run(schedule, now)
        except (ValueError, KeyError) as exc:  # a timezone that vanished from tzdata, a bad row
            logger.warning("subscription %s has an unusable schedule: %s", sub.id, exc)
            continue
        if run_at is None or run_at < max(sub.created_at, sub.updated_at):
            continue  # nothing was due since it was created or last changed
        candidates.append((sub, schedule, run_at, period_key(schedule, run_at)))
    done = _recorded(engine, {key for _, _, _, key in candidates})
    due: list[tuple[Subscription, datetime]] = []
    for sub, schedule, run_at, key in candidates:
        if (sub.id, key) in done:
            continue
        if now - run_at > grace:
            if _record_missed(engine, sub, schedule, run_at, now):
                report.missed += 1
            continue
        due.append((sub, run_at))
    for sub, run_at in _interleave_channels(due):
        assert sub.id is not None
        try:
            outcome = deliver_one(
                engine,
                client,
                sub.id,
                run_at,
                now=clock() if clock is not None else now,
                sleep=sleep,
                stale_after=stale_after,
                quiet_note=quiet_note,
                with_stats=with_stats,
                budget=budget,
            )
        except Exception:  # e.g. the database went away: the row, if any, stays pending and is resumed
            logger.exception("delivering the digest of subscription %s failed", sub.id)
            outcome = ERROR
        report.count(sub.id, outcome)
    if report.outcomes or report.missed:
        logger.info("%s", report.line())
    return report


def deliver_one(
    engine: Engine,
    client: WebClient,
    subscription_id: int,
    run_at: datetime,
    *,
    now: datetime,
    sleep: Sleep = time.sleep,
    on_demand: bool = False,
    stale_after: timedelta = STALE_PENDING,
    quiet_note: bool = False,
    with_stats: bool = False,
    budget: RetryBudget = DEFAULT_BUDGET,
) -> str:
    """Deliver one subscription's digest for the run at `run_at`, at most once. Returns the outcome:
    sent | skipped | failed | paused | duplicate (another run owns it) | missing (no such subscription).
    """
    options = _Options(sleep, stale_after, quiet_note, with_stats, budget)
    return _deliver(
        engine, client, subscription_id, run_at, now=now, on_demand=on_demand, options=options
    ).outcome


def deliver_now(
    engine: Engine,
    client: WebClient,
    subscription_id: int,
    *,
    now: datetime,
    sleep: Sleep = time.sleep,
    with_stats: bool = False,
    budget: RetryBudget = DEFAULT_BUDGET,
) -> Delivered:
    """`digest now`: the digest as of `now`, posted even when empty; says why when it was not posted."""
    options = _Options(sleep, STALE_PENDING, True, with_stats, budget)
    return _deliver(engine, client, subscription_id, now, now=now, on_demand=True, options=options)


def _deliver(
    engine: Engine,
    client: WebClient,
    subscription_id: int,
    run_at: datetime,
    *,
    now: datetime,
    on_demand: bool,
    options: "_Options",
) -> Delivered:
    with Session(engine) as session:
        sub = session.get(Subscription, subscription_id)
    if sub is None:
        return Delivered(MISSING)
    if sub.paused and not on_demand:
        return Delivered(PAUSED)
    key = on_demand_key(run_at) if on_demand else period_key(subscription_schedule(sub), run_at)
    claimed = claim(engine, _pending(sub, key, run_at, now), now, options.stale_after)
    if claimed.key is None:
        return Delivered(DUPLICATE)
    return _deliver_claimed(engine, client, sub, claimed.key, run_at, now=now, options=options)


# --- owning a delivery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Options:
    sleep: Sleep
    stale_after: timedelta
    quiet_note: bool
    with_stats: bool
    budget: RetryBudget = DEFAULT_BUDGET
    clock: Clock | None = None


def _pending(sub: Subscription, key: str, run_at: datetime, now: datetime) -> DigestDelivery:
    """The row that claims this delivery (outbox.claim)."""
    assert sub.id is not None
    return DigestDelivery(
        subscription_id=sub.id,
        period_key=key,
        status=PENDING,
        scheduled_for=run_at,
        channel_id=sub.channel_id,
        created_at=now,
    )


def _recorded(engine: Engine, keys: set[str]) -> set[tuple[int, str]]:
    """(subscription, period) pairs that already have a delivery row, among these period keys."""
    if not keys:
        return set()
    with Session(engine) as session:
        rows = session.exec(
            select(DigestDelivery.subscription_id, DigestDelivery.period_key).where(
                col(DigestDelivery.period_key).in_(sorted(keys))
            )
        ).all()
    return {(subscription_id, key) for subscription_id, key in rows}


def _record_missed(
    engine: Engine, sub: Subscription, schedule: Schedule, run_at: datetime, now: datetime
) -> bool:
    assert sub.id is not None
    row = DigestDelivery(
        subscription_id=sub.id,
        period_key=period_key(schedule, run_at),
        status=SKIPPED,
        scheduled_for=run_at,
        channel_id=sub.channel_id,
        error=f"missed: not sent by {now.isoformat(timespec='minutes')}, later than the grace period",
        created_at=now,
    )
    try:
        with session_scope(engine) as session:
            session.add(row)
        return True
    except IntegrityError:
        return False


def _resume_stale(
    engine: Engine,
    client: WebClient,
    *,
    now: datetime,
    grace: timedelta,
    options: _Options,
    report: DeliveryReport,
) -> None:
    """Pending rows nobody has touched for `stale_after`: their owner died. Resend within the grace period;
    beyond it (or for an on-demand digest, which was wanted "now"), record the failure instead."""
    with Session(engine) as session:
        stale = session.exec(
            select(DigestDelivery, Subscription)
            .join(Subscription, col(Subscription.id) == col(DigestDelivery.subscription_id))
            .where(
                col(DigestDelivery.status) == PENDING,
                col(DigestDelivery.created_at) <= now - options.stale_after,
            )
            .order_by(col(DigestDelivery.id))
        ).all()
    for delivery, sub in stale:
        assert delivery.id is not None and sub.id is not None
        run_at = delivery.scheduled_for or delivery.created_at
        at = options.clock() if options.clock is not None else now
        if not claim_stale(engine, DigestDelivery, delivery.id, at, options.stale_after):
            continue
        late = now - run_at > grace or delivery.period_key.startswith(ON_DEMAND_PREFIX)
        if sub.paused or late:
            finish(
                engine,
                DigestDelivery,
                delivery.id,
                FAILED,
                error="interrupted before it was confirmed sent; not resent"
                + (" (subscription paused)" if sub.paused else " (too late)"),
            )
            report.count(sub.id, FAILED)
            continue
        report.resumed += 1
        delivered = _deliver_claimed(engine, client, sub, delivery.id, run_at, now=at, options=options)
        report.count(sub.id, delivered.outcome)


def _deliver_claimed(
    engine: Engine,
    client: WebClient,
    sub: Subscription,
    delivery_id: int,
    run_at: datetime,
    *,
    now: datetime,
    options: _Options,
) -> Delivered:
    """Compose and post a delivery this process owns, and record how it ended."""
    try:
        message = _compose(engine, sub, run_at, options)
    except Exception as exc:  # a bug or bad filters: record it rather than leave the row pending
        logger.exception("composing the digest for subscription %s failed", sub.id)
        finish(
            engine,
            DigestDelivery,
            delivery_id,
            FAILED,
            error=safe_error(f"compose failed: {type(exc).__name__}: {exc}"),
        )
        return Delivered(FAILED, "something went wrong on my side while putting it together")
    if message is None:
        finish(engine, DigestDelivery, delivery_id, SKIPPED)
        return Delivered(SKIPPED)
    text, blocks = message
    assert sub.id is not None
    metadata = {
        "event_type": METADATA_EVENT,
        "event_payload": {"subscription_id": sub.id, "delivery_id": delivery_id},
    }
    result = post_message(
        client,
        channel=sub.channel_id,
        text=text,
        blocks=blocks,
        metadata=metadata,
        sleep=options.sleep,
        heartbeat=_heartbeat(engine, delivery_id, now),
        budget=options.budget,
    )
    record = {"attempts": result.attempts, "waited_seconds": round(result.waited)}
    if result.ts is not None:
        sent_at = now + timedelta(seconds=result.waited)
        finish(
            engine,
            DigestDelivery,
            delivery_id,
            SENT,
            message_ts=result.ts,
            sent_at=sent_at,
            error=None,
            **record,
        )
        return Delivered(SENT)
    if result.code in PAUSE_HELP:
        error = safe_error(f"{result.error} (subscription paused)")
        finish(engine, DigestDelivery, delivery_id, FAILED, error=error, **record)
        _pause(engine, client, sub, result.code, now)
        return Delivered(PAUSED, f"{ASKER_HELP[result.code]}. I paused its digest subscription meanwhile")
    finish(engine, DigestDelivery, delivery_id, FAILED, error=safe_error(result.error or "failed"), **record)
    return Delivered(FAILED, post_problem(result))


def _heartbeat(engine: Engine, delivery_id: int, now: datetime) -> Callable[[Progress], None]:
    """While the post waits on Slack: alive (`created_at`), and why it waits, for `digest status`."""

    def beat(progress: Progress) -> None:
        touch(
            engine,
            DigestDelivery,
            delivery_id,
            now + timedelta(seconds=progress.waited),
            attempts=progress.attempts,
            waited_seconds=round(progress.waited),
            error=safe_error(progress.error),
        )

    return beat


def post_problem(result: PostResult) -> str:
    """Why a post did not go out, for a person."""
    said = f" (`{result.code}`)" if result.code else ""
    if result.kind == GAVE_UP:
        return (
            f"Slack kept answering with errors{said} for {_duration(result.waited)}, so I stopped trying. "
            "Try again in a while"
        )
    if result.kind == UNANSWERED:
        return (
            "Slack did not answer in time, so I can't tell whether it went out, and I won't post it twice. "
            "If it isn't in the channel, ask again"
        )
    return f"Slack refused it{said}"


def _duration(seconds: float) -> str:
    if seconds >= 90:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds)} second" + ("" if round(seconds) == 1 else "s")


def _compose(
    engine: Engine, sub: Subscription, run_at: datetime, options: _Options
) -> tuple[str, list[dict[str, Any]]] | None:
    with Session(engine) as session:
        since = window_start(session, sub, run_at)
        digest = compose_digest(session, sub.filters, since, run_at, with_stats=options.with_stats)
    return render_digest(digest, quiet_note=options.quiet_note)


def window_start(session: Session, sub: Subscription, run_at: datetime) -> datetime:
    """The previous scheduled digest that was sent, else 7 days back. On-demand digests don't count: the
    scheduled one still covers its whole period."""
    previous = session.exec(
        select(DigestDelivery.scheduled_for)
        .where(
            col(DigestDelivery.subscription_id) == sub.id,
            col(DigestDelivery.status) == SENT,
            col(DigestDelivery.scheduled_for) < run_at,
            col(DigestDelivery.period_key).not_like(f"{ON_DEMAND_PREFIX}%"),
        )
        .order_by(col(DigestDelivery.scheduled_for).desc())
        .limit(1)
    ).first()
    return previous if previous is not None else run_at - FIRST_DIGEST_WINDOW


# --- talking to Slack --------------------------------------------------------------------------------


def _pause(engine: Engine, client: WebClient, sub: Subscription, code: str, now: datetime) -> None:
    reason = {
        "not_in_channel": "the bot is not in the channel",
        "channel_not_found": "the channel was not found",
        "is_archived": "the channel is archived",
    }[code]
    with session_scope(engine) as session:
        row = session.get(Subscription, sub.id)
        if row is not None:
            row.paused = True
            row.paused_reason = reason
            row.updated_at = now
    _tell_creator(client, sub, code)


def _tell_creator(client: WebClient, sub: Subscription, code: str) -> None:
    """DM the subscription's creator how to fix it. Best effort: a failure here is only logged."""
    problem = PAUSE_HELP[code].format(channel=channel_mention(sub.channel_id))
    text = (
        f":double_vertical_bar: I paused the digest subscription #{sub.id} for "
        f"{channel_mention(sub.channel_id)}, "
        f"because I couldn't post it there. {problem}, then subscribe the channel again with "
        "`/innersource subscribe` (and remove the paused one from `/innersource subscriptions`)."
    )
    try:
        opened = client.conversations_open(users=sub.created_by)
        client.chat_postMessage(channel=str(opened["channel"]["id"]), text=text)
    except (SlackApiError, OSError, KeyError, TypeError) as exc:
        logger.warning("could not tell %s that subscription %s is paused: %s", sub.created_by, sub.id, exc)


def _interleave_channels(due: list[tuple[Subscription, datetime]]) -> list[tuple[Subscription, datetime]]:
    """Round-robin over channels, so consecutive posts go to different channels (Slack allows about one
    message per second per channel)."""
    by_channel: dict[str, list[tuple[Subscription, datetime]]] = {}
    for item in due:
        by_channel.setdefault(item[0].channel_id, []).append(item)
    queues = list(by_channel.values())
    ordered: list[tuple[Subscription, datetime]] = []
    for i in range(max((len(q) for q in queues), default=0)):
        ordered.extend(q[i] for q in queues if i < len(q))
    return ordered
