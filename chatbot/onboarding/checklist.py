"""The getting-started checklist: four steps, and which of them each person has done (`Welcome` rows).

A row exists for everyone who got the welcome DM (it remembers that message, to tick steps off in place)
and for everyone who did a step without one, so that the App Home can show their progress too.

The welcome is claimed before it is sent: `claimed_at` set, `message_ts` empty, until Slack takes it
(chatbot.onboarding.welcome resumes a claim that went stale). `update_pending` marks a step that the DM
does not show yet; it is cleared only by an update that showed every step done.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeGuard, get_args

from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import Welcome

Step = Literal["skills", "find", "subscribe", "first_issue"]


@dataclass(frozen=True)
class StepInfo:
    step: Step
    title: str
    how: str  # mrkdwn: how to do it


STEPS: tuple[StepInfo, ...] = (
    StepInfo(
        "skills",
        "Tell me your skills",
        "`/innersource skills python, react` (or *Edit skills* in my Home tab)",
    ),
    StepInfo("find", "Find a project", "`/innersource find &lt;what you need&gt;`, or just ask me here"),
    StepInfo(
        "subscribe",
        "Subscribe a channel to a digest",
        "`/innersource subscribe` in your team's channel: new projects and help wanted, weekly",
    ),
    StepInfo("first_issue", "Pick a first issue", "open one of the good first issues in my Home tab"),
)


STEP_NAMES: tuple[Step, ...] = get_args(Step)


@dataclass(frozen=True)
class Progress:
    done: frozenset[Step]

    @property
    def complete(self) -> bool:
        return all(step in self.done for step in STEP_NAMES)

    def items(self) -> list[tuple[StepInfo, bool]]:
        return [(info, info.step in self.done) for info in STEPS]


def progress(done: Iterable[str]) -> Progress:
    return Progress(frozenset(s for s in STEP_NAMES if s in set(done)))


def load_progress(session: Session, slack_user_id: str) -> Progress | None:
    """None when this person has neither a welcome nor any step done."""
    row = session.get(Welcome, slack_user_id)
    return progress(row.done_steps) if row is not None else None


def pending_welcome(slack_user_id: str, now: datetime) -> Welcome:
    """The row that claims this person's welcome DM (outbox.claim): whoever records it sends the DM."""
    return Welcome(slack_user_id=slack_user_id, created_at=now, updated_at=now, claimed_at=now)


def claim_welcome(engine: Engine, slack_user_id: str, now: datetime) -> bool:
    """Record that this person is being welcomed; False when they already were (or did a step already)."""
    try:
        with session_scope(engine) as session:
            session.add(pending_welcome(slack_user_id, now))
    except IntegrityError:
        return False
    return True


def remember_message(
    engine: Engine, slack_user_id: str, channel_id: str, ts: str, now: datetime, shown: Iterable[str] = ()
) -> None:
    """The welcome was sent, showing the steps `shown` as done."""
    with session_scope(engine) as session:
        row = session.get(Welcome, slack_user_id, with_for_update=True)
        if row is not None:
            row.channel_id, row.message_ts, row.claimed_at, row.updated_at = channel_id, ts, None, now
            row.update_pending = set(row.done_steps) != set(shown)
            session.add(row)


def give_up_welcome(engine: Engine, slack_user_id: str, now: datetime) -> None:
    """No welcome for this person after all (Slack refused it, or it may have gone out unconfirmed)."""
    with session_scope(engine) as session:
        session.execute(
            update(Welcome)
            .where(col(Welcome.slack_user_id) == slack_user_id, col(Welcome.message_ts).is_(None))
            .values(claimed_at=None, updated_at=now)
        )


def remember_update(engine: Engine, slack_user_id: str, shown: Iterable[str], now: datetime) -> None:
    """The welcome DM now shows the steps `shown`; more to show only if a step came in meanwhile."""
    with session_scope(engine) as session:
        row = session.get(Welcome, slack_user_id, with_for_update=True)
        if row is not None:
            row.update_pending = set(row.done_steps) != set(shown)
            row.updated_at = now
            session.add(row)


def forget_update(engine: Engine, slack_user_id: str, now: datetime) -> None:
    """The welcome DM cannot be updated (deleted, or the person left): nothing to tick off."""
    with session_scope(engine) as session:
        session.execute(
            update(Welcome)
            .where(col(Welcome.slack_user_id) == slack_user_id)
            .values(update_pending=False, updated_at=now)
        )


def unsent_welcomes(session: Session, claimed_before: datetime) -> list[str]:
    """People whose welcome was claimed before then and is still not sent."""
    return list(
        session.exec(
            select(Welcome.slack_user_id)
            .where(
                col(Welcome.message_ts).is_(None),
                col(Welcome.claimed_at).is_not(None),
                col(Welcome.claimed_at) <= claimed_before,
            )
            .order_by(col(Welcome.claimed_at))
        ).all()
    )


def expire_welcomes(engine: Engine, first_claimed_before: datetime, now: datetime) -> int:
    """Welcomes first claimed before then and never sent are not sent any more."""
    with session_scope(engine) as session:
        result = session.execute(
            update(Welcome)
            .where(
                col(Welcome.message_ts).is_(None),
                col(Welcome.claimed_at).is_not(None),
                col(Welcome.created_at) <= first_claimed_before,
            )
            .values(claimed_at=None, updated_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def pending_updates(session: Session) -> list[str]:
    """People whose welcome DM does not show every step they have done yet."""
    return list(
        session.exec(
            select(Welcome.slack_user_id)
            .where(col(Welcome.update_pending).is_(True), col(Welcome.message_ts).is_not(None))
            .order_by(col(Welcome.updated_at))
        ).all()
    )


def _done_steps(engine: Engine, slack_user_id: str) -> list[str]:
    with engine.connect() as connection:
        raw = connection.execute(
            select(Welcome.done_steps).where(col(Welcome.slack_user_id) == slack_user_id)
        ).scalar_one_or_none()
    return list(raw or [])


def record_step(engine: Engine, slack_user_id: str, step: Step, now: datetime) -> Welcome | None:
    """Mark the step done; returns the row when that changed something (None when it was done already)."""
    if step in _done_steps(engine, slack_user_id):
        return None  # the common case (every find calls this): one indexed read, no transaction
    for _attempt in range(2):
        try:
            with session_scope(engine) as session:
                row = session.get(Welcome, slack_user_id, with_for_update=True)
                if row is None:
                    row = Welcome(slack_user_id=slack_user_id, created_at=now)
                elif step in row.done_steps:
                    return None
                row.done_steps = [s for s in STEP_NAMES if s in {*row.done_steps, step}]
                row.update_pending = bool(row.message_ts)
                row.updated_at = now
                session.add(row)
                return row
        except IntegrityError:  # the row was created at the same moment: go again and update it
            continue
    return None


def is_step(name: str | None) -> TypeGuard[Step]:
    return name in STEP_NAMES
