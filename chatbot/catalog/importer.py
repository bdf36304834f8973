"""`innersource import PATH_OR_URL`: load a portal repos.json into the catalog."""

import codecs
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import col, select

from chatbot.catalog.portal import NotAPortalFile, PortalParse, parse_repos_json
from chatbot.catalog.records import EntryProblem, ProjectRecord
from chatbot.catalog.store import UpsertStats, upsert_projects
from chatbot.clock import Clock, utcnow
from chatbot.db import session_scope
from chatbot.models import Project

MAX_INT_DIGITS = 4000  # Python refuses to read longer integers; such a count is read as infinite (0)
STORE_ERRORS = (SQLAlchemyError, ValueError, OverflowError)


class ImportFailed(RuntimeError):
    pass


@dataclass
class ImportReport:
    origin: str
    stats: UpsertStats
    problems: list[EntryProblem] = field(default_factory=list)
    cleaned: list[EntryProblem] = field(default_factory=list)

    def summary(self) -> str:
        s = self.stats
        cleaned = f", {len(self.cleaned)} cleaned" if self.cleaned else ""
        lines = [
            f"Imported {self.origin}: {s.added} added, {s.updated} updated, {s.unchanged} unchanged, "
            f"{len(self.problems)} skipped{cleaned}."
        ]
        notes = [(p.index, f"skipped: {p.message}") for p in self.problems]
        notes += [(c.index, f"cleaned {c.message}") for c in self.cleaned]
        lines += [f"  entry {index}: {note}" for index, note in sorted(notes, key=lambda n: n[0])]
        return "\n".join(lines)


def read_document(path_or_url: str, *, transport: httpx.BaseTransport | None = None) -> object:
    if path_or_url.startswith(("http://", "https://")):
        data = _fetch(path_or_url, transport)
    else:
        data = _read_file(Path(path_or_url))
    return _parse_json(_decode(data, path_or_url), path_or_url)


def _fetch(url: str, transport: httpx.BaseTransport | None) -> bytes:
    try:
        with httpx.Client(transport=transport, timeout=30, follow_redirects=True) as client:
            response = client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            return response.content
    except httpx.HTTPStatusError as exc:
        raise ImportFailed(f"{url} answered HTTP {exc.response.status_code}") from None
    except httpx.HTTPError as exc:
        raise ImportFailed(f"could not fetch {url}: {type(exc).__name__}") from None


def _read_file(path: Path) -> bytes:
    if not path.is_file():
        raise ImportFailed(f"{path} does not exist or is not a file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from None


def _decode(data: bytes, where: str) -> str:
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start
        raise ImportFailed(
            f"{where} is not UTF-8 text (byte 0x{data[offset]:02x} at offset {offset}); "
            "a repos.json file is JSON in UTF-8"
        ) from None


def _parse_json(text: str, where: str) -> object:
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{where} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        ) from None
    except RecursionError:
        raise ImportFailed(f"{where} is nested too deeply to be a repos.json file") from None


def _parse_int(digits: str) -> int | float:
    return int(digits) if len(digits) <= MAX_INT_DIGITS else float(digits)


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
    stats, unstored = store(engine, parsed, clock(), backdate_new=known is None)
    problems = sorted([*parsed.problems, *unstored], key=lambda p: p.index)
    return ImportReport(origin=path_or_url, stats=stats, problems=problems, cleaned=parsed.cleaned)


def store(
    engine: Engine, parsed: PortalParse, now: datetime, *, backdate_new: bool
) -> tuple[UpsertStats, list[EntryProblem]]:
    """All records in one transaction; when the database refuses one, each on its own so that only the
    entries it refuses are skipped."""
    try:
        with session_scope(engine) as session:
            return upsert_projects(session, parsed.records, now, backdate_new=backdate_new), []
    except STORE_ERRORS as exc:
        _raise_if_disconnected(exc)
    stats, unstored = UpsertStats(), []
    for index, record in zip(parsed.indexes, parsed.records, strict=True):
        try:
            _add(stats, _store_one(engine, record, now, backdate_new=backdate_new))
        except STORE_ERRORS as exc:
            _raise_if_disconnected(exc)
            unstored.append(EntryProblem(index, f"the database refused it ({_reason(exc)})"))
    return stats, unstored


def _store_one(engine: Engine, record: ProjectRecord, now: datetime, *, backdate_new: bool) -> UpsertStats:
    with session_scope(engine) as session:
        return upsert_projects(session, [record], now, backdate_new=backdate_new)


def _raise_if_disconnected(exc: Exception) -> None:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        raise exc


def _reason(exc: Exception) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    lines = str(cause).strip().splitlines()
    return (lines[0] if lines else type(cause).__name__)[:200]


def _add(total: UpsertStats, one: UpsertStats) -> None:
    total.added += one.added
    total.updated += one.updated
    total.unchanged += one.unchanged
    total.mirrors += one.mirrors
    total.added_names += one.added_names
