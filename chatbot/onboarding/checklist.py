"""The getting-started checklist: four steps, and which of them each person has done (`Welcome` rows).

A row exists for everyone who got the welcome DM (it remembers that message, to tick steps off in place)
and for everyone who did a step without one, so that the App Home can show their progress too.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Engine
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


def claim_welcome(engine: Engine, slack_user_id: str, now: datetime) -> bool:
    """Record that this person is being welcomed; False when they already were (or did a step already)."""
    try:
        with session_scope(engine) as session:
            session.add(Welcome(slack_user_id=slack_user_id, created_at=now, updated_at=now))
    except IntegrityError:
        return False
    return True


def remember_message(engine: Engine, slack_user_id: str, channel_id: str, ts: str, now: datetime) -> None:
    with session_scope(engine) as session:
        row = session.get(Welcome, slack_user_id)
        if row is not None:
            row.channel_id, row.message_ts, row.updated_at = channel_id, ts, now
            session.add(row)


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
                row.updated_at = now
                session.add(row)
                return row
        except IntegrityError:  # the row was created at the same moment: go again and update it
            continue
    return None
