"""A first, simple catalog search: every word must appear in one of the project's text fields.

Ranked by activity. (Full-text ranking, synonyms and typo tolerance replace this in the `find` work.)
"""

import re
from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from chatbot.models import Project

FILLER_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "for",
        "me",
        "some",
        "find",
        "search",
        "show",
        "any",
        "tool",
        "tools",
        "library",
        "libraries",
        "lib",
        "project",
        "projects",
        "something",
        "to",
        "of",
        "with",
        "that",
        "which",
        "i",
        "need",
        "want",
        "looking",
        "please",
    ]
)
MAX_TERMS = 8


@dataclass(frozen=True)
class SearchPage:
    projects: list[Project]
    total: int
    terms: list[str]


def query_terms(query: str) -> list[str]:
    words = re.findall(r"[\w+#.-]+", query.lower())
    terms = [w.strip(".-") for w in words if w.strip(".-") and w not in FILLER_WORDS]
    return list(dict.fromkeys(terms))[:MAX_TERMS]


def search_projects(session: Session, query: str, *, limit: int = 5, offset: int = 0) -> SearchPage:
    terms = query_terms(query)
    statement = select(Project).where(col(Project.removed_at).is_(None), col(Project.archived).is_(False))
    searchable = [
        Project.name,
        Project.full_name,
        Project.title,
        Project.description,
        Project.motivation,
        cast(Project.topics, String),
        cast(Project.skills, String),
        func.coalesce(Project.language, ""),
    ]
    for term in terms:
        statement = statement.where(
            or_(*(func.lower(field).contains(term, autoescape=True) for field in searchable))
        )
    total = session.exec(select(func.count()).select_from(statement.subquery())).one()
    rows = session.exec(
        statement.order_by(col(Project.activity_score).desc(), col(Project.name)).offset(offset).limit(limit)
    ).all()
    return SearchPage(projects=list(rows), total=total, terms=terms)
