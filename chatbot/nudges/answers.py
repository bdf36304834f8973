"""What an owner answers to a nudge (snooze, "I'm on it", "not mine"), stored as their `NudgeState`."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import Contribution, NudgeState, Person, Project, ProjectOwner
from chatbot.nudges.calendar import add_working_days, zone
from chatbot.nudges.facts import forge_of, load_people
from chatbot.nudges.policy import Owner, ProjectFacts, effective_owners
from chatbot.settings import Settings
from chatbot.slack.blocks import code
from chatbot.slack.markup import mention

SNOOZE, ON_IT, NOT_MINE = "snooze", "on_it", "not_mine"


@dataclass(frozen=True)
class Answered:
    ok: bool
    note: str  # mrkdwn that takes the place of the item's buttons
    follow_up: str | None = None  # one more message for the person who answered


def record_answer(
    engine: Engine,
    slack_user_id: str,
    contribution_id: int,
    what: str,
    *,
    now: datetime,
    settings: Settings,
    days: float = 1.0,
) -> Answered:
    """Store the answer; say (in the person's timezone) what happens next."""
    with Session(engine) as session:
        found = session.exec(
            select(Contribution, Project)
            .join(Project, col(Project.id) == col(Contribution.project_id))
            .where(col(Contribution.id) == contribution_id)
        ).first()
        person = session.exec(select(Person).where(col(Person.slack_user_id) == slack_user_id)).first()
        if found is None:
            return Answered(False, "That contribution is no longer in the catalog.")
        contribution, project = found
        owners = [
            Owner(o.forge_login, o.role)
            for o in session.exec(
                select(ProjectOwner).where(col(ProjectOwner.project_id) == project.id)
            ).all()
        ]
        people = load_people(session) if what == NOT_MINE else {}
    nudges = settings.app.nudges
    tz = zone(person.timezone if person else None, settings.app.default_timezone)
    what_it_is = f"{code(project.full_name, 120)}#{contribution.number}"
    if contribution.state != "open":
        return Answered(False, f"{what_it_is} is {contribution.state} already: nothing to do.")
    if what == SNOOZE:
        until = add_working_days(now, days, tz, nudges.calendar)
        _store(engine, contribution_id, slack_user_id, now, snoozed_until=until)
        return Answered(True, f":zzz: Snoozed until {until.astimezone(tz):%a %d %b %H:%M} ({tz.key}).")
    if what == ON_IT:
        until = add_working_days(now, nudges.on_it_days, tz, nudges.calendar)
        _store(engine, contribution_id, slack_user_id, now, on_it_until=until)
        return Answered(
            True,
            f":raised_hands: {mention(slack_user_id)} is on it: no more nudges about it to anyone until "
            f"{until.astimezone(tz):%a %d %b}. Thank you!",
        )
    _store(engine, contribution_id, slack_user_id, now, not_mine=True)
    facts = ProjectFacts(project.id or 0, project.full_name, forge=forge_of(project), owners=tuple(owners))
    others = []
    for owner in effective_owners(facts, nudges.bot_logins):
        linked = people.get((facts.forge, owner.login.lower()))
        if linked is None:
            others.append(f"{facts.forge} {code(owner.login, 60)}")
        elif linked.slack_user_id != slack_user_id:
            others.append(mention(linked.slack_user_id))
    who = (
        f"Its other owners are {', '.join(others)}: if one of them should look, a word to them helps."
        if others
        else "I know of no other owner for it."
    )
    follow_up = (
        f"Thanks for saying so. Who should review {what_it_is}? {who} If the owners I know of are wrong, "
        f"fix `trusted_committers` in the repository's innersource.json (or its CODEOWNERS file); "
        "I pick that up at the next sync."
    )
    return Answered(True, ":ok_hand: You said it isn't yours: I won't nudge you about it again.", follow_up)


def _store(engine: Engine, contribution_id: int, slack_user_id: str, now: datetime, **values: object) -> None:
    for _ in range(2):  # two clicks at once: the second insert hits the unique key, then updates
        try:
            with session_scope(engine) as session:
                state = session.exec(
                    select(NudgeState).where(
                        col(NudgeState.contribution_id) == contribution_id,
                        col(NudgeState.slack_user_id) == slack_user_id,
                    )
                ).first() or NudgeState(contribution_id=contribution_id, slack_user_id=slack_user_id)
                for name, value in values.items():
                    setattr(state, name, value)
                state.updated_at = now
                session.add(state)
            return
        except IntegrityError:
            continue
