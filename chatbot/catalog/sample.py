"""The bundled demo catalog of a fictional company, loaded so that its newest day is today."""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.catalog.portal import parse_repos_json
from chatbot.catalog.store import upsert_projects
from chatbot.clock import Clock, parse_timestamp, utcnow
from chatbot.db import session_scope
from chatbot.models import Contribution, ForgeIdentity, Issue, Person, Project

SAMPLE_ORIGIN = "bundled sample"


@dataclass(frozen=True)
class SampleReport:
    projects: int
    issues: int
    contributions: int
    people: int


def sample_document() -> dict[str, Any]:
    text = resources.files("chatbot").joinpath("sample/catalog.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def catalog_is_empty(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.exec(select(Project.id).limit(1)).first() is None


def load_sample(engine: Engine, *, clock: Clock = utcnow) -> SampleReport:
    document = sample_document()
    now = clock()
    anchor = parse_timestamp(document["anchor"])
    assert anchor is not None
    shift = now - anchor
    shifted = _shift_times(document, shift)

    parsed = parse_repos_json(shifted["projects"], source="sample", origin=SAMPLE_ORIGIN)
    if parsed.problems:
        raise ValueError(f"the bundled sample has broken entries: {parsed.problems}")
    with session_scope(engine) as session:
        upsert_projects(session, parsed.records, now)
        session.flush()
        # First seen = created, so that "new this week" in the demo means what it says.
        by_name = {p.full_name: p for p in session.exec(select(Project)).all()}
        for project in by_name.values():
            if project.created_at is not None and project.origin == SAMPLE_ORIGIN:
                project.first_seen_at = project.created_at
        issues = _load_issues(session, shifted["issues"], by_name)
        contributions = _load_contributions(session, shifted["pull_requests"], by_name)
        people = _load_people(session, shifted["people"])
    return SampleReport(len(parsed.records), issues, contributions, people)


def _shift_times(value: Any, shift: timedelta) -> Any:
    if isinstance(value, dict):
        return {k: _shift_value(k, v, shift) for k, v in value.items()}
    if isinstance(value, list):
        return [_shift_times(v, shift) for v in value]
    return value


def _shift_value(key: str, value: Any, shift: timedelta) -> Any:
    if key.endswith("_at") and isinstance(value, str):
        parsed = parse_timestamp(value)
        return (parsed + shift).isoformat() if parsed else value
    return _shift_times(value, shift)


def _time(value: object) -> datetime | None:
    return parse_timestamp(value)


def _load_issues(session: Session, rows: list[dict[str, Any]], projects: dict[str, Project]) -> int:
    count = 0
    for row in rows:
        project = projects.get(row["repo"])
        if project is None or project.id is None:
            continue
        issue = session.exec(
            select(Issue).where(col(Issue.project_id) == project.id, col(Issue.number) == row["number"])
        ).first() or Issue(project_id=project.id, number=row["number"], title=row["title"])
        issue.title = row["title"]
        issue.url = row.get("url", "")
        issue.labels = list(row.get("labels", []))
        issue.author = row.get("author", "")
        issue.assignees = list(row.get("assignees", []))
        issue.created_at = _time(row.get("created_at"))
        issue.updated_at = _time(row.get("updated_at"))
        issue.labeled_at = issue.created_at
        issue.first_seen_at = issue.created_at or issue.first_seen_at
        session.add(issue)
        count += 1
    return count


def _load_contributions(session: Session, rows: list[dict[str, Any]], projects: dict[str, Project]) -> int:
    count = 0
    for row in rows:
        project = projects.get(row["repo"])
        if project is None or project.id is None:
            continue
        pr = session.exec(
            select(Contribution).where(
                col(Contribution.project_id) == project.id, col(Contribution.number) == row["number"]
            )
        ).first() or Contribution(project_id=project.id, number=row["number"], title=row["title"])
        pr.title = row["title"]
        pr.url = row.get("url", "")
        pr.author = row.get("author", "")
        pr.draft = bool(row.get("draft", False))
        pr.requested_reviewers = list(row.get("requested_reviewers", []))
        pr.created_at = _time(row.get("created_at"))
        pr.updated_at = _time(row.get("updated_at"))
        pr.author_last_update_at = _time(row.get("author_last_update_at"))
        pr.last_response_at = _time(row.get("last_response_at"))
        pr.last_response_by = row.get("last_response_by")
        session.add(pr)
        count += 1
    return count


def _load_people(session: Session, rows: list[dict[str, Any]]) -> int:
    for row in rows:
        identity = session.exec(
            select(ForgeIdentity).where(
                col(ForgeIdentity.forge) == "github", col(ForgeIdentity.login) == row["github"]
            )
        ).first()
        person = session.get(Person, identity.person_id) if identity else None
        if person is None:
            person = Person()
        person.display_name = row.get("name", "")
        person.email = row.get("email")
        person.timezone = row.get("tz")
        person.team = row.get("team")
        person.slack_user_id = row.get("slack_user_id")
        session.add(person)
        session.flush()
        assert person.id is not None
        if identity is None:
            session.add(
                ForgeIdentity(person_id=person.id, forge="github", login=row["github"], source="sample")
            )
    return len(rows)
