"""`innersource digest status`: each subscription's schedule, the last digest sent, and every digest that is
being posted, retrying, left pending by a crash, or failed."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.models import DigestDelivery, Subscription
from chatbot.outbox import FAILED, PENDING, SENT, STALE_PENDING
from digests.deliver import ON_DEMAND_PREFIX
from digests.schedule import subscription_schedule

FAILURES_SHOWN = 5


def status_report(engine: Engine, *, now: datetime, grace: timedelta) -> list[str]:
    with Session(engine) as session:
        subscriptions = session.exec(select(Subscription).order_by(col(Subscription.id))).all()
        deliveries = session.exec(select(DigestDelivery).order_by(col(DigestDelivery.id))).all()
    return status_lines(subscriptions, deliveries, now=now, grace=grace)


def status_lines(
    subscriptions: Sequence[Subscription],
    deliveries: Sequence[DigestDelivery],
    *,
    now: datetime,
    grace: timedelta,
    stale_after: timedelta = STALE_PENDING,
) -> list[str]:
    if not subscriptions:
        return ["No digest subscriptions."]
    lines: list[str] = []
    for sub in subscriptions:
        mine = [d for d in deliveries if d.subscription_id == sub.id]
        sent = [d for d in mine if d.status == SENT]
        failed = [d for d in mine if d.status == FAILED]
        filters = f", filters: {sub.filters}" if sub.filters else ""
        lines.append(f"#{sub.id} channel {sub.channel_id}: {_schedule(sub)}{filters}")
        if sub.paused:
            lines.append(f"  PAUSED: {sub.paused_reason or 'paused'}")
        lines.append(f"  last sent: {_when(sent[-1].sent_at) if sent else 'never'}")
        for delivery in mine:
            if delivery.status == PENDING:
                lines.append(f"  {pending_line(delivery, now=now, grace=grace, stale_after=stale_after)}")
        if failed:
            lines.append(f"  failures: {len(failed)}")
        for delivery in failed[-FAILURES_SHOWN:]:
            due, error = _when(delivery.scheduled_for), delivery.error or "unknown error"
            lines.append(f"    {_label(delivery)} (due {due}): failed: {error}")
    return lines


def pending_line(delivery: DigestDelivery, *, now: datetime, grace: timedelta, stale_after: timedelta) -> str:
    """A pending row's `created_at` is when its owner last showed it was alive (chatbot.outbox)."""
    label, due = _label(delivery), delivery.scheduled_for or delivery.created_at
    quiet = now - delivery.created_at
    if quiet >= stale_after:
        late = delivery.period_key.startswith(ON_DEMAND_PREFIX) or now - due > grace
        then = (
            "the next catch-up records it failed, not sent late" if late else "the next catch-up resends it"
        )
        return (
            f"{label}: pending since {_when(due)}, no sign of its sender for {_minutes(quiet)} "
            f"(it may have died; {then})"
        )
    if delivery.error:
        return f"{label}: retrying: {delivery.error}, waited {delivery.waited_seconds} s so far"
    return f"{label}: being posted (since {_when(due)})"


def _label(delivery: DigestDelivery) -> str:
    return "on demand" if delivery.period_key.startswith(ON_DEMAND_PREFIX) else delivery.period_key


def _schedule(sub: Subscription) -> str:
    try:
        return subscription_schedule(sub).describe()
    except (ValueError, KeyError) as exc:  # a timezone gone from tzdata: say so, show the rest
        return f"unusable schedule ({exc})"


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if at is not None else "never"


def _minutes(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"
