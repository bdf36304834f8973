"""What one person's App Home shows, loaded from the database as plain data (rendered by home_blocks)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from chatbot.models import Person, Subscription
from chatbot.nudges.identity import links_of
from chatbot.nudges.queries import WaitingContribution, contributions_waiting_on
from chatbot.onboarding.checklist import Progress, load_progress
from chatbot.onboarding.recommend import Recommendation, recommended_issues
from chatbot.settings import Settings
from digests.schedule import subscription_schedule

RECOMMENDED = 8
SUBSCRIPTIONS = 50


@dataclass(frozen=True)
class SubscriptionLine:
    id: int
    channel_id: str
    schedule: str  # "weekly on Monday at 09:00 (Europe/Berlin)"
    filters: str = ""
    paused: bool = False


@dataclass(frozen=True)
class HomeData:
    user_id: str
    now: datetime
    skills: Sequence[str] = ()
    recommendations: Sequence[Recommendation] = ()
    subscriptions: Sequence[SubscriptionLine] = ()
    waiting: Sequence[WaitingContribution] = ()
    identities: Sequence[tuple[str, str]] = ()  # (forge, login)
    progress: Progress | None = None
    guide_url: str | None = None
    nudges_enabled: bool = True
    notes: Sequence[str] = ()  # our own remarks, already mrkdwn-safe (e.g. what a form just saved)


def load_home(
    session: Session, user_id: str, *, now: datetime, settings: Settings, notes: Sequence[str] = ()
) -> HomeData:
    person = session.exec(select(Person).where(col(Person.slack_user_id) == user_id)).first()
    skills = list(person.skills) if person is not None else []
    subscriptions = session.exec(
        select(Subscription)
        .where(col(Subscription.created_by) == user_id)
        .order_by(col(Subscription.id))
        .limit(SUBSCRIPTIONS)
    ).all()
    return HomeData(
        user_id=user_id,
        now=now,
        skills=skills,
        recommendations=recommended_issues(session, skills, limit=RECOMMENDED),
        subscriptions=[
            SubscriptionLine(
                id=s.id or 0,
                channel_id=s.channel_id,
                schedule=subscription_schedule(s).describe(),
                filters=s.filters,
                paused=s.paused,
            )
            for s in subscriptions
        ],
        waiting=contributions_waiting_on(session, user_id, now=now, settings=settings),
        identities=[(i.forge, i.login) for i in links_of(session, user_id)],
        progress=load_progress(session, user_id),
        guide_url=settings.app.guide_url,
        nudges_enabled=person.nudges_enabled if person is not None else True,
        notes=notes,
    )
