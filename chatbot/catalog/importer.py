"""`innersource import PATH_OR_URL`: load a portal repos.json into the catalog."""

import json
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlmodel import col, select

from chatbot.catalog.portal import NotAPortalFile, parse_repos_json
from chatbot.catalog.records import EntryProblem
from chatbot.catalog.store import UpsertStats, upsert_projects
from chatbot.clock import Clock, utcnow
from chatbot.db import session_scope
from chatbot.models import Project


class ImportFailed(RuntimeError):
    pass


@dataclass
class ImportReport:
    origin: str
    stats: UpsertStats
    problems: list[EntryProblem] = field(default_factory=list)

    def summary(self) -> str:
        s = self.stats
        lines = [
            f"Imported {self.origin}: {s.added} added, {s.updated} updated, {s.unchanged} unchanged, "
            f"{len(self.problems)} skipped."
        ]
        lines += [f"  skipped {problem}" for problem in self.problems]
        return "\n".join(lines)


def read_document(path_or_url: str, *, transport: httpx.BaseTransport | None = None) -> object:
    if path_or_url.startswith(("http://", "https://")):
        try:
            with httpx.Client(transport=transport, timeout=30, follow_redirects=True) as client:
                response = client.get(path_or_url, headers={"Accept": "application/json"})
                response.raise_for_status()
                text = response.text
        except httpx.HTTPStatusError as exc:
            raise ImportFailed(f"{path_or_url} answered HTTP {exc.response.status_code}") from None
        except httpx.HTTPError as exc:
            raise ImportFailed(f"could not fetch {path_or_url}: {type(exc).__name__}") from None
    else:
        path = Path(path_or_url)
        if not path.is_file():
            raise ImportFailed(f"{path} does not exist or is not a file")
        text = path.read_text(encoding="utf-8-sig")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{path_or_url} is not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None


def import_portal_file(
    engine: Engine,
    path_or_url: str,
    *,
    clock: Clock = utcnow,
    transport: httpx.BaseTransport | None = None,
) -> ImportReport:
    document = read_document(path_or_url, transport=transport)
    try:
        parsed = parse_repos_json(document, source="portal", origin=path_or_url)
    except NotAPortalFile as exc:
        raise ImportFailed(f"{path_or_url}: {exc}") from None
    with session_scope(engine) as session:
        # A file imported for the first time is an existing catalog, not a week of new projects.
        known = session.exec(select(Project.id).where(col(Project.origin) == path_or_url).limit(1)).first()
        stats = upsert_projects(session, parsed.records, clock(), backdate_new=known is None)
    return ImportReport(origin=path_or_url, stats=stats, problems=parsed.problems)
