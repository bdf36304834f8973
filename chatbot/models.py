"""The database tables for the whole mission.

Times are stored as naive UTC and come back as aware UTC (`UTCDateTime`), the same on SQLite and
PostgreSQL. Lists and free-form metadata are JSON columns.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, Text, UniqueConstraint, func, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from chatbot.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _when(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _created() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def _json_list() -> Any:
    return Field(default_factory=list, sa_type=JSON, nullable=False)


def _json_dict() -> Any:
    return Field(default_factory=dict, sa_type=JSON, nullable=False)


class Project(SQLModel, table=True):
    __table_args__ = (
        # Mirror detection looks projects up by lower(full_name), rename detection by forge id.
        Index("ix_project_full_name_lower", func.lower(text("full_name"))),
        Index("ix_project_origin_external_id", "origin", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The identity of a project across sources and re-imports: the normalised repository URL.
    key: str = Field(unique=True, max_length=500)
    source: str = Field(index=True, max_length=40)  # portal | github | gitlab | gitee | sample
    origin: str = Field(default="", max_length=200)  # the configured source (or file) it came from
    external_id: str = Field(default="", max_length=200)
    name: str = Field(max_length=300)
    full_name: str = Field(index=True, max_length=500)
    owner_login: str = Field(default="", index=True, max_length=200)
    html_url: str = Field(default="", max_length=1000)
    description: str = Field(default="", sa_type=Text)
    title: str = Field(default="", max_length=300)
    motivation: str = Field(default="", sa_type=Text)
    language: str | None = Field(default=None, max_length=100)
    topics: list[str] = _json_list()
    skills: list[str] = _json_list()
    contributions_wanted: list[str] = _json_list()
    docs_url: str | None = Field(default=None, max_length=1000)
    logo: str | None = Field(default=None, max_length=1000)
    guidelines: str | None = Field(default=None, max_length=300)  # path of CONTRIBUTING, if any
    default_branch: str = Field(default="main", max_length=200)
    stars: int = 0
    forks: int = 0
    watchers: int = 0
    subscribers: int = 0
    open_issues_count: int = 0
    participation: list[int] = _json_list()  # weekly commit counts, oldest first
    activity_score: int = Field(default=0, index=True)
    governance_level: str | None = Field(default=None, max_length=60)
    chat_channel: str | None = Field(default=None, max_length=200)
    review_sla_days: float | None = None
    trusted_committers: list[dict[str, Any]] = _json_list()
    readme_excerpt: str = Field(default="", sa_type=Text)
    has_contributing: bool = False
    has_communication: bool = False
    has_codeowners: bool = False
    archived: bool = Field(default=False, index=True)
    visibility: str = Field(default="internal", max_length=40)
    created_at: datetime | None = _when()
    updated_at: datetime | None = _when()
    pushed_at: datetime | None = _when()
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    last_seen_at: datetime = _created()
    removed_at: datetime | None = _when()  # gone from its source: hidden from search, kept for history
    innersource_metadata: dict[str, Any] = _json_dict()  # the raw innersource.json as found
    findings: list[str] = _json_list()  # problems found in the metadata, shown to owners


class Issue(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    number: int
    title: str = Field(max_length=1000)
    url: str = Field(default="", max_length=1000)
    labels: list[str] = _json_list()
    author: str = Field(default="", max_length=200)
    assignees: list[str] = _json_list()
    state: str = Field(default="open", max_length=20)
    created_at: datetime | None = _when()
    updated_at: datetime | None = _when()
    labeled_at: datetime | None = _when()  # when it got a help-wanted / good-first label, if known
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    closed_at: datetime | None = _when()


class Contribution(SQLModel, table=True):
    """An open pull or merge request."""

    __table_args__ = (UniqueConstraint("project_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    number: int
    title: str = Field(max_length=1000)
    url: str = Field(default="", max_length=1000)
    author: str = Field(default="", index=True, max_length=200)
    draft: bool = False
    state: str = Field(default="open", max_length=20)
    requested_reviewers: list[str] = _json_list()
    created_at: datetime | None = _when()
    updated_at: datetime | None = _when()
    author_last_update_at: datetime | None = _when()
    last_response_at: datetime | None = _when()  # last response by someone other than the author
    last_response_by: str | None = Field(default=None, max_length=200)
    first_seen_at: datetime = _created()
    closed_at: datetime | None = _when()


class ProjectOwner(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("project_id", "forge_login", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id", index=True, ondelete="CASCADE")
    forge_login: str = Field(index=True, max_length=200)
    role: str = Field(max_length=40)  # trusted_committer | codeowner | admin


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slack_user_id: str | None = Field(default=None, unique=True, max_length=40)
    display_name: str = Field(default="", max_length=300)
    email: str | None = Field(default=None, index=True, max_length=300)
    timezone: str | None = Field(default=None, max_length=64)
    team: str | None = Field(default=None, max_length=200)
    skills: list[str] = _json_list()
    nudges_enabled: bool = True
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ForgeIdentity(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("forge", "login"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    forge: str = Field(max_length=40)  # github | gitlab | gitee
    login: str = Field(max_length=200)
    source: str = Field(default="command", max_length=40)  # command | mapping | email | sample


class Subscription(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=40)
    channel_id: str = Field(index=True, max_length=40)
    created_by: str = Field(max_length=40)
    frequency: str = Field(default="weekly", max_length=20)  # daily | weekly | monthly
    weekday: str = Field(default="mon", max_length=3)
    day_of_month: int | None = None
    time_of_day: str = Field(default="09:00", max_length=5)
    timezone: str = Field(default="UTC", max_length=64)
    filters: str = Field(default="", max_length=1000)
    paused: bool = False
    paused_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class DigestDelivery(SQLModel, table=True):
    """One digest for one subscription and period; the unique key makes delivery exactly-once."""

    __table_args__ = (UniqueConstraint("subscription_id", "period_key"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="subscription.id", index=True, ondelete="CASCADE")
    period_key: str = Field(max_length=60)
    status: str = Field(default="pending", index=True, max_length=20)  # pending | sent | failed | skipped
    attempts: int = 0
    scheduled_for: datetime | None = _when()
    channel_id: str = Field(default="", max_length=40)
    message_ts: str | None = Field(default=None, max_length=40)
    error: str | None = Field(default=None, max_length=500)  # pending: why it is retrying; failed: why
    waited_seconds: int = 0  # on rate limits and backoff, so far
    created_at: datetime = _created()  # while pending: when its owner last showed it is alive
    sent_at: datetime | None = _when()


class Nudge(SQLModel, table=True):
    """One batched DM to one person on one day (or one escalation message)."""

    __table_args__ = (UniqueConstraint("recipient", "kind", "day_key"),)

    id: int | None = Field(default=None, primary_key=True)
    recipient: str = Field(max_length=40)  # Slack user or channel id
    kind: str = Field(default="owner", max_length=40)  # owner | escalation | channel | author
    day_key: str = Field(max_length=20)
    contribution_ids: list[int] = _json_list()
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    error: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    sent_at: datetime | None = _when()


class NudgeState(SQLModel, table=True):
    """What one owner said about one contribution: snoozed, on it, not mine."""

    __table_args__ = (UniqueConstraint("contribution_id", "slack_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    slack_user_id: str = Field(max_length=40)
    snoozed_until: datetime | None = _when()
    on_it_until: datetime | None = _when()
    not_mine: bool = False
    updated_at: datetime = _created()


class SyncState(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    source_name: str = Field(unique=True, max_length=200)
    checkpoint: dict[str, Any] = _json_dict()  # where a sync killed halfway resumes
    memo: dict[str, Any] = _json_dict()  # what the source keeps between runs: watermarks, ETags, blob ids
    last_full_sync_at: datetime | None = _when()
    last_incremental_sync_at: datetime | None = _when()
    requests_used: int = 0
    rate_limit_remaining: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    updated_at: datetime = _created()


class Welcome(SQLModel, table=True):
    """One person's onboarding: the welcome DM (if one was sent) and the checklist steps they have done."""

    slack_user_id: str = Field(primary_key=True, max_length=40)
    channel_id: str | None = Field(default=None, max_length=40)  # the DM the welcome went to
    message_ts: str | None = Field(default=None, max_length=40)  # set once Slack accepted the welcome
    # Set while the welcome is claimed and not sent yet, refreshed by its sender (chatbot.outbox).
    claimed_at: datetime | None = _when(index=True)
    done_steps: list[str] = _json_list()
    update_pending: bool = Field(default=False, index=True)  # a step the welcome DM does not show yet
    created_at: datetime = _created()
    updated_at: datetime = _created()


class SlackEventReceipt(SQLModel, table=True):
    """Slack retries events it thinks were lost; we handle each event_id once."""

    event_id: str = Field(primary_key=True, max_length=100)
    received_at: datetime = _created()


class Lease(SQLModel, table=True):
    """A leader lease, so that exactly one replica runs the schedules."""

    name: str = Field(primary_key=True, max_length=100)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
