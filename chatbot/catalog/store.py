"""Writing project records into the catalog tables, idempotently."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from chatbot.catalog.activity import ActivityInputs, activity_score
from chatbot.catalog.records import ProjectRecord
from chatbot.models import Project, ProjectOwner


@dataclass
class UpsertStats:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    mirrors: int = 0
    added_names: list[str] = field(default_factory=list)


def record_columns(record: ProjectRecord) -> dict[str, Any]:
    """The Project columns a source decides (everything but ids, first-seen and the score)."""
    meta = record.metadata
    return {
        "source": record.source,
        "origin": record.origin,
        "external_id": record.external_id,
        "name": record.name,
        "full_name": record.full_name,
        "owner_login": record.owner_login,
        "html_url": record.html_url,
        "description": record.description,
        "title": meta.title,
        "motivation": meta.motivation,
        "language": record.language,
        "topics": meta.topics,
        "skills": meta.skills,
        "contributions_wanted": meta.contributions,
        "docs_url": meta.docs,
        "logo": meta.logo,
        "guidelines": meta.guidelines,
        "default_branch": record.default_branch,
        "stars": record.stars,
        "forks": record.forks,
        "watchers": record.watchers,
        "subscribers": record.subscribers,
        "open_issues_count": record.open_issues_count,
        "participation": meta.participation,
        "governance_level": meta.governance_level,
        "chat_channel": meta.chat_channel,
        "review_sla_days": meta.review_sla_days,
        "trusted_committers": meta.trusted_committers,
        "readme_excerpt": record.readme_excerpt,
        "has_contributing": record.has_contributing,
        "has_communication": record.has_communication,
        "has_codeowners": record.has_codeowners,
        "archived": record.archived,
        "visibility": record.visibility,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "pushed_at": record.pushed_at,
        "innersource_metadata": record.raw_metadata,
        "findings": record.findings,
        "removed_at": None,
    }


def score_of(project: Project, now: datetime) -> int:
    return activity_score(
        ActivityInputs(
            forks=project.forks,
            subscribers=project.subscribers or project.watchers,
            stars=project.stars,
            open_issues=project.open_issues_count,
            created_at=project.created_at,
            updated_at=project.updated_at,
            participation=tuple(project.participation),
            description=project.description,
            motivation=project.motivation,
            has_guidelines=bool(project.guidelines),
        ),
        now,
    )


def find_existing(session: Session, record: ProjectRecord) -> Project | None:
    """The stored project this record is: same key, else same forge id (a rename or transfer)."""
    project = session.exec(select(Project).where(col(Project.key) == record.key)).first()
    if project is None and record.external_id and record.source not in ("portal", "sample"):
        project = session.exec(
            select(Project).where(
                col(Project.origin) == record.origin, col(Project.external_id) == record.external_id
            )
        ).first()
    return project


def is_mirror(session: Session, record: ProjectRecord) -> bool:
    """A project mirrored on two forges appears once: the first source to list it keeps it."""
    other = session.exec(
        select(Project.id).where(
            func.lower(Project.full_name) == record.full_name.lower(),
            col(Project.origin) != record.origin,
            col(Project.removed_at).is_(None),
        )
    ).first()
    return other is not None


def upsert_projects(
    session: Session, records: list[ProjectRecord], now: datetime, *, backdate_new: bool = False
) -> UpsertStats:
    """Insert or update. `backdate_new` (a source's first sync): a new project counts as first seen when it
    was created, so a digest does not announce a whole existing catalog as new."""
    stats = UpsertStats()
    for record in records:
        columns = record_columns(record)
        project = find_existing(session, record)
        if project is None and is_mirror(session, record):
            stats.mirrors += 1
            continue
        if project is None:
            first_seen = now
            if backdate_new and record.created_at is not None and record.created_at < now:
                first_seen = record.created_at
            project = Project(key=record.key, first_seen_at=first_seen, last_seen_at=now, **columns)
            session.add(project)
            stats.added += 1
            stats.added_names.append(record.full_name)
        elif project.key != record.key or any(getattr(project, n) != v for n, v in columns.items()):
            project.key = record.key
            for name, value in columns.items():
                setattr(project, name, value)
            stats.updated += 1
        else:
            stats.unchanged += 1
        project.last_seen_at = now
        project.activity_score = score_of(project, now)
        session.flush()
        _replace_trusted_committers(session, project, record)
    return stats


def _replace_trusted_committers(session: Session, project: Project, record: ProjectRecord) -> None:
    assert project.id is not None
    logins = {p["github"] for p in record.metadata.trusted_committers if p.get("github")}
    session.exec(
        delete(ProjectOwner).where(
            col(ProjectOwner.project_id) == project.id, col(ProjectOwner.role) == "trusted_committer"
        )
    )
    for login in sorted(logins):
        session.add(ProjectOwner(project_id=project.id, forge_login=login, role="trusted_committer"))
