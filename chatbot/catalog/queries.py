"""Read-side queries over the catalog."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from chatbot.models import Issue, Project

HELP_WANTED = "help wanted"
GOOD_FIRST_ISSUE = "good first issue"


@dataclass(frozen=True)
class IssueCounts:
    help_wanted: int = 0
    good_first: int = 0


def normalise_label(label: str) -> str:
    return " ".join(label.lower().replace("-", " ").replace("_", " ").split())


def issue_counts(session: Session, project_ids: list[int]) -> dict[int, IssueCounts]:
    if not project_ids:
        return {}
    rows = session.exec(
        select(Issue.project_id, Issue.labels).where(
            col(Issue.project_id).in_(project_ids), col(Issue.state) == "open"
        )
    ).all()
    help_wanted: dict[int, int] = defaultdict(int)
    good_first: dict[int, int] = defaultdict(int)
    for project_id, labels in rows:
        names = {normalise_label(label) for label in labels}
        if HELP_WANTED in names:
            help_wanted[project_id] += 1
        if GOOD_FIRST_ISSUE in names:
            good_first[project_id] += 1
    return {pid: IssueCounts(help_wanted[pid], good_first[pid]) for pid in project_ids}


def open_labelled_issues(session: Session, project_id: int, label: str, limit: int = 10) -> list[Issue]:
    issues = session.exec(
        select(Issue)
        .where(col(Issue.project_id) == project_id, col(Issue.state) == "open")
        .order_by(col(Issue.created_at).desc())
    ).all()
    wanted = normalise_label(label)
    return [i for i in issues if wanted in {normalise_label(x) for x in i.labels}][:limit]


def find_project_by_name(session: Session, name: str) -> list[Project]:
    """Exact full name, then exact name or title, then a prefix: the closest matches first."""
    wanted = name.strip().lower()
    visible = col(Project.removed_at).is_(None)
    for condition in (
        func.lower(Project.full_name) == wanted,
        (func.lower(Project.name) == wanted) | (func.lower(Project.title) == wanted),
        func.lower(Project.name).startswith(wanted, autoescape=True),
    ):
        found = session.exec(
            select(Project).where(visible, condition).order_by(col(Project.activity_score).desc()).limit(5)
        ).all()
        if found:
            return list(found)
    return []


def count_projects(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Project)).one()
