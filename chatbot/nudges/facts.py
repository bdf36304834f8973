"""Load the policy's inputs from the database: plain frozen dataclasses, nothing attached to a session."""

from collections.abc import Collection
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, and_, col, or_, select

from chatbot.models import Contribution, ForgeIdentity, Nudge, NudgeState, Person, Project, ProjectOwner
from chatbot.nudges.config import NudgeSettings
from chatbot.nudges.policy import (
    PENDING,
    ContributionFacts,
    Facts,
    NudgeConfig,
    Owner,
    OwnerSaid,
    PersonFacts,
    ProjectFacts,
    SentNudge,
)
from chatbot.outbox import STALE_PENDING
from chatbot.settings import Settings

SENT_LOOKBACK = timedelta(days=3)  # enough to know what each person got "today" in any timezone
ONCE_LOOKBACK = timedelta(days=90)  # channel posts and author nudges happen once per contribution


def policy_config(settings: Settings) -> NudgeConfig:
    nudges: NudgeSettings = settings.app.nudges
    return NudgeConfig(
        sla_days=settings.app.review_sla_days,
        calendar=nudges.calendar,
        default_timezone=settings.app.default_timezone,
        bot_logins=frozenset(nudges.bot_logins),
        author_nudge_days=nudges.author_nudge_days,
        escalate_at=nudges.escalate_at,
        channel_at=nudges.channel_at,
    )


def forge_of(project: Project) -> str:
    """The forge whose logins the project's people have; a portal file's projects go by their URL."""
    if project.source in ("github", "gitlab", "gitee"):
        return project.source
    host = (urlsplit(project.html_url).hostname or "").lower()
    return "gitlab" if "gitlab" in host else "gitee" if "gitee" in host else "github"


def load_facts(
    session: Session,
    now: datetime,
    *,
    project_ids: Collection[int] | None = None,
    stale_after: timedelta = STALE_PENDING,
) -> Facts:
    """Open contributions of live catalog projects (only `project_ids`, when given), their owners, the
    people behind forge logins, what owners said, and the nudges of the last few days. A `pending` nudge
    older than `stale_after` is left out, so that the policy plans it again and delivery takes it over."""
    statement = select(Contribution, Project).join(Project, col(Project.id) == col(Contribution.project_id))
    statement = statement.where(
        col(Contribution.state) == "open",
        col(Project.removed_at).is_(None),
        col(Project.archived).is_(False),
    )
    if project_ids is not None:
        statement = statement.where(col(Project.id).in_(sorted(project_ids)))
    rows = session.exec(statement.order_by(col(Contribution.id))).all()
    projects: dict[int, Project] = {p.id: p for _, p in rows if p.id is not None}
    owners: dict[int, list[Owner]] = {}
    if projects:
        for owner in session.exec(
            select(ProjectOwner)
            .where(col(ProjectOwner.project_id).in_(sorted(projects)))
            .order_by(col(ProjectOwner.id))
        ).all():
            owners.setdefault(owner.project_id, []).append(Owner(owner.forge_login, owner.role))
    contribution_ids = [c.id for c, _ in rows if c.id is not None]
    return Facts(
        projects={pid: _project(p, owners.get(pid, [])) for pid, p in projects.items()},
        contributions=[_contribution(c) for c, _ in rows],
        people=load_people(session),
        said=_said(session, contribution_ids),
        sent=_sent(session, now, stale_after),
    )


def load_people(session: Session) -> dict[tuple[str, str], PersonFacts]:
    """(forge, lower-case login) -> the Slack user behind it, for every linked login."""
    rows = session.exec(
        select(ForgeIdentity, Person)
        .join(Person, col(Person.id) == col(ForgeIdentity.person_id))
        .where(col(Person.slack_user_id).is_not(None))
    ).all()
    return {
        (identity.forge, identity.login.lower()): PersonFacts(
            str(person.slack_user_id), person.timezone, person.nudges_enabled
        )
        for identity, person in rows
    }


def _project(project: Project, owners: list[Owner]) -> ProjectFacts:
    assert project.id is not None
    return ProjectFacts(
        id=project.id,
        name=project.full_name,
        url=project.html_url,
        forge=forge_of(project),
        owners=tuple(owners),
        sla_days=project.review_sla_days,
        chat_channel=project.chat_channel,
    )


def _contribution(c: Contribution) -> ContributionFacts:
    assert c.id is not None
    return ContributionFacts(
        id=c.id,
        project_id=c.project_id,
        number=c.number,
        title=c.title,
        url=c.url,
        author=c.author,
        opened_at=c.created_at or c.first_seen_at,
        draft=c.draft,
        requested_reviewers=tuple(c.requested_reviewers),
        author_updated_at=c.author_last_update_at,
        last_response_at=c.last_response_at,
        last_response_by=c.last_response_by,
    )


def _said(session: Session, contribution_ids: list[int]) -> list[OwnerSaid]:
    if not contribution_ids:
        return []
    return [
        OwnerSaid(s.contribution_id, s.slack_user_id, s.snoozed_until, s.on_it_until, s.not_mine)
        for s in session.exec(
            select(NudgeState).where(col(NudgeState.contribution_id).in_(contribution_ids))
        ).all()
    ]


def _sent(session: Session, now: datetime, stale_after: timedelta) -> list[SentNudge]:
    rows = session.exec(
        select(Nudge)
        .where(
            or_(
                col(Nudge.created_at) >= now - SENT_LOOKBACK,
                and_(
                    col(Nudge.kind).in_(("channel", "author")), col(Nudge.created_at) >= now - ONCE_LOOKBACK
                ),
            )
        )
        .order_by(col(Nudge.id))
    ).all()
    return [
        SentNudge(n.recipient, n.kind, n.day_key, tuple(n.contribution_ids), n.created_at, n.status)
        for n in rows
        if not (n.status == PENDING and n.created_at <= now - stale_after)
    ]
