"""Good first issues for one person: open good-first / help-wanted issues in projects that match their skills.

`rank()` is pure: it keeps unassigned helpable issues whose project's language, topics or skills match
one of the person's skills (any project when they have none yet), freshest first. `recommended_issues()`
loads the candidates from the catalog and ranks them.
"""

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, cast, func, or_
from sqlmodel import Session, col, select

from chatbot.catalog.cards import readable_name
from chatbot.catalog.queries import GOOD_FIRST_ISSUE, HELP_WANTED, normalise_label
from chatbot.models import Issue, Project
from chatbot.onboarding.skills import canonical_skill, skill_keys

SHOWN = 10
PER_PROJECT = 3  # so that one busy project does not fill the whole list
MAX_CANDIDATES = 3000  # the freshest labelled open issues looked at


@dataclass(frozen=True)
class Candidate:
    """One open issue and what its project is about."""

    project_id: int
    project_name: str
    number: int
    title: str
    url: str
    labels: tuple[str, ...] = ()
    assigned: bool = False
    fresh_at: datetime | None = None  # when it was labelled, else opened
    language: str | None = None
    topics: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    issue: Candidate
    matched: tuple[str, ...]  # the person's skills that this project matches
    good_first: bool  # labelled good first issue (else only help wanted)


def rank(
    candidates: Iterable[Candidate],
    skills: Sequence[str],
    *,
    limit: int = SHOWN,
    per_project: int = PER_PROJECT,
) -> list[Recommendation]:
    wanted = [(skill, skill_keys(skill)) for skill in dict.fromkeys(canonical_skill(s) for s in skills)]
    found: list[Recommendation] = []
    for candidate in candidates:
        labels = {normalise_label(label) for label in candidate.labels}
        if candidate.assigned or not labels & {GOOD_FIRST_ISSUE, HELP_WANTED}:
            continue
        about = project_keys(candidate)
        matched = tuple(skill for skill, keys in wanted if keys & about)
        if wanted and not matched:
            continue
        found.append(Recommendation(candidate, matched, GOOD_FIRST_ISSUE in labels))
    found.sort(
        key=lambda r: (
            -(r.issue.fresh_at.timestamp() if r.issue.fresh_at else 0.0),
            not r.good_first,
            -len(r.matched),
            r.issue.project_name.lower(),
            r.issue.number,
        )
    )
    per: Counter[int] = Counter()
    chosen: list[Recommendation] = []
    for recommendation in found:
        if per[recommendation.issue.project_id] >= per_project:
            continue
        per[recommendation.issue.project_id] += 1
        chosen.append(recommendation)
        if len(chosen) >= limit:
            break
    return chosen


def project_keys(candidate: Candidate) -> set[str]:
    """The project's language, topics and skills in every form a person's skill might take."""
    keys: set[str] = set()
    values = [candidate.language or "", *candidate.topics, *candidate.skills]
    for value in values:
        value = " ".join(value.lower().split())
        if not value:
            continue
        keys.update(skill_keys(value))
        words = re.split(r"[\s/,]+", value)
        if len(words) > 1:
            keys.update(canonical_skill(w) for w in words if len(w) >= 3)
    return keys


def load_candidates(session: Session, *, limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """The freshest open issues that look helpable, in live projects (labels are checked again in `rank`)."""
    labels = func.lower(cast(Issue.labels, Text))
    fresh = func.coalesce(Issue.labeled_at, Issue.created_at, Issue.first_seen_at)
    rows = session.exec(
        select(Issue, Project)
        .join(Project, col(Issue.project_id) == col(Project.id))
        .where(
            col(Issue.state) == "open",
            col(Project.removed_at).is_(None),
            col(Project.archived).is_(False),
            or_(labels.like("%good%first%"), labels.like("%help%wanted%")),
        )
        .order_by(fresh.desc(), col(Issue.id).desc())
        .limit(limit)
    ).all()
    return [
        Candidate(
            project_id=project.id or 0,
            project_name=project.title or readable_name(project.name),
            number=issue.number,
            title=issue.title,
            url=issue.url,
            labels=tuple(issue.labels),
            assigned=bool(issue.assignees),
            fresh_at=issue.labeled_at or issue.created_at or issue.first_seen_at,
            language=project.language,
            topics=tuple(project.topics),
            skills=tuple(project.skills),
        )
        for issue, project in rows
    ]


def recommended_issues(
    session: Session, skills: Sequence[str], *, limit: int = SHOWN
) -> list[Recommendation]:
    return rank(load_candidates(session), skills, limit=limit)
