"""Read-only answers about waiting contributions, for the App Home and `/innersource stale`.

`contributions_waiting_on` is imported by the App Home: keep its signature stable.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func
from sqlmodel import Session, col, select

from chatbot.models import ForgeIdentity, Person, Project, ProjectOwner
from chatbot.nudges.calendar import zone
from chatbot.nudges.facts import load_facts, policy_config
from chatbot.nudges.policy import WAITS_ON_OWNERS, Waiting, waiting
from chatbot.settings import Settings


@dataclass(frozen=True)
class WaitingContribution:
    project_name: str
    number: int
    title: str
    url: str
    author: str
    waited_working_days: float
    overdue: bool
    sla_days: float = 2.0
    contribution_id: int = 0
    project_id: int = 0


def contributions_waiting_on(
    session: Session, slack_user_id: str, *, now: datetime, settings: Settings
) -> list[WaitingContribution]:
    """Contributions waiting on this person as one of their owners (not those they said are not theirs),
    longest wait first, with waits in working days of the person's own timezone."""
    person = session.exec(select(Person).where(col(Person.slack_user_id) == slack_user_id)).first()
    if person is None:
        return []
    logins = {
        (i.forge, i.login.lower())
        for i in session.exec(select(ForgeIdentity).where(col(ForgeIdentity.person_id) == person.id)).all()
    }
    if not logins:
        return []
    project_ids = set(
        session.exec(
            select(ProjectOwner.project_id).where(
                func.lower(ProjectOwner.forge_login).in_(sorted({login for _, login in logins}))
            )
        ).all()
    )
    if not project_ids:
        return []
    facts = load_facts(session, now, project_ids=project_ids)
    not_mine = {s.contribution_id for s in facts.said if s.slack_user_id == slack_user_id and s.not_mine}
    config = policy_config(settings)
    tz = zone(person.timezone, settings.app.default_timezone)
    found = [
        w
        for w in waiting(facts, config)
        if w.waits_on == WAITS_ON_OWNERS
        and w.contribution.id not in not_mine
        and any((w.project.forge, o.login.lower()) in logins for o in w.owners)
    ]
    return _listed(found, now, tz, settings)


def stale_contributions(
    session: Session, *, now: datetime, settings: Settings, timezone: str | None, project: str | None = None
) -> list[WaitingContribution]:
    """Contributions waiting on their owners: past the SLA, or all of one project's when it is named
    (`project` matches a full name or a name, case-insensitively). Longest wait first."""
    project_ids: set[int] | None = None
    if project is not None:
        project_ids = {pid for pid in session.exec(select(Project.id).where(_named(project))).all() if pid}
    facts = load_facts(session, now, project_ids=project_ids)
    tz = zone(timezone, settings.app.default_timezone)
    found = [w for w in waiting(facts, policy_config(settings)) if w.waits_on == WAITS_ON_OWNERS]
    listed = _listed(found, now, tz, settings)
    return listed if project is not None else [w for w in listed if w.overdue]


def find_projects(session: Session, name: str) -> list[str]:
    """Full names of catalog projects called `name` (full or short name), for "did you mean"."""
    return sorted(session.exec(select(Project.full_name).where(_named(name))).all())


def _named(name: str) -> ColumnElement[bool]:
    """A project called `name`: its full name or its short name, case-insensitively."""
    wanted = name.strip().lower()
    return (func.lower(Project.full_name) == wanted) | (func.lower(Project.name) == wanted)


def _listed(
    found: list[Waiting], now: datetime, tz: ZoneInfo, settings: Settings
) -> list[WaitingContribution]:
    calendar = settings.app.nudges.calendar
    out: list[WaitingContribution] = []
    for w in found:
        waited = w.waited(now, tz, calendar)
        c = w.contribution
        out.append(
            WaitingContribution(
                project_name=w.project.name,
                number=c.number,
                title=c.title,
                url=c.url,
                author=c.author,
                waited_working_days=waited,
                overdue=waited >= w.sla_days,
                sla_days=w.sla_days,
                contribution_id=c.id,
                project_id=w.project.id,
            )
        )
    out.sort(key=lambda x: (-x.waited_working_days, x.project_name, x.number))
    return out
