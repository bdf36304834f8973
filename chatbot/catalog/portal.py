"""Parse an InnerSource Portal `repos.json` (the SAP project-portal format) into project records.

Every entry is parsed on its own: a broken one is reported with its index and skipped; text a database
cannot store (NUL, lone surrogates, control characters) is removed and the entry reported as cleaned.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatbot.catalog.innersource_json import read_metadata
from chatbot.catalog.records import EntryProblem, ParseResult, ProjectRecord
from chatbot.catalog.storable import describe_removed, storable_json
from chatbot.clock import parse_timestamp


class NotAPortalFile(ValueError):
    pass


@dataclass
class PortalParse(ParseResult):
    indexes: list[int] = field(default_factory=list)  # the entry each record came from
    cleaned: list[EntryProblem] = field(default_factory=list)  # entries imported without unstorable text


def parse_repos_json(document: object, *, source: str = "portal", origin: str = "") -> PortalParse:
    if isinstance(document, Mapping):
        # Some crawlers wrap the list: {"items": [...]} (GitHub search) or {"repos": [...]}.
        for key in ("items", "repos", "projects"):
            if isinstance(document.get(key), list):
                document = document[key]
                break
    if not isinstance(document, list):
        raise NotAPortalFile("a repos.json file holds a JSON array of projects")

    result = PortalParse()
    seen: dict[str, int] = {}
    for index, raw in enumerate(document):
        entry, removed = storable_json(raw)
        try:
            record = parse_entry(entry, source=source, origin=origin)
        except ValueError as exc:
            result.problems.append(EntryProblem(index, str(exc)))
            continue
        if record.key in seen:
            result.problems.append(EntryProblem(index, f"same project as entry {seen[record.key]}"))
            continue
        seen[record.key] = index
        result.records.append(record)
        result.indexes.append(index)
        if removed:
            result.cleaned.append(EntryProblem(index, describe_removed(removed)))
    return result


def parse_entry(entry: object, *, source: str = "portal", origin: str = "") -> ProjectRecord:
    if entry is None:
        raise ValueError("empty entry (null)")
    if not isinstance(entry, Mapping):
        raise ValueError(f"expected an object, found {type(entry).__name__}")

    findings: list[str] = []
    raw_meta = entry.get("_InnerSourceMetadata")
    meta, meta_findings = read_metadata(raw_meta)
    findings.extend(meta_findings)

    full_name = _string(entry, "full_name")
    name = _string(entry, "name")
    html_url = _string(entry, "html_url")
    if not full_name and not name:
        raise ValueError("has neither name nor full_name")
    if not name:
        name = full_name.rsplit("/", 1)[-1]
    if not full_name:
        full_name = name

    owner = entry.get("owner")
    owner_login = ""
    if isinstance(owner, Mapping) and isinstance(owner.get("login"), str):
        owner_login = owner["login"]
    elif "/" in full_name:
        owner_login = full_name.split("/", 1)[0]

    raw_id = entry.get("id")
    external_id = "" if raw_id is None or isinstance(raw_id, bool) else str(raw_id)

    timestamps = {}
    for field_name in ("created_at", "updated_at", "pushed_at"):
        try:
            timestamps[field_name] = parse_timestamp(entry.get(field_name))
        except ValueError:
            timestamps[field_name] = None
            findings.append(f"{field_name} {entry.get(field_name)!r} is not a timestamp")

    description = entry.get("description")
    if not isinstance(description, str):
        description = meta.description or ""
    meta.topics = meta.topics or _string_list(entry.get("topics"))
    language = entry.get("language") if isinstance(entry.get("language"), str) else None
    language = language or meta.language

    return ProjectRecord(
        key=project_key(html_url, full_name, source),
        source=source,
        origin=origin,
        external_id=external_id,
        name=name,
        full_name=full_name,
        owner_login=owner_login,
        html_url=html_url,
        description=description.strip(),
        language=language,
        default_branch=_string(entry, "default_branch") or "main",
        stars=_count(entry.get("stargazers_count")),
        forks=_count(entry.get("forks_count")),
        watchers=_count(entry.get("watchers_count")),
        subscribers=_count(entry.get("subscribers_count")),
        open_issues_count=_count(entry.get("open_issues_count")),
        archived=entry.get("archived") is True,
        visibility=_string(entry, "visibility") or "internal",
        created_at=timestamps["created_at"],
        updated_at=timestamps["updated_at"],
        pushed_at=timestamps["pushed_at"],
        metadata=meta,
        raw_metadata=dict(raw_meta) if isinstance(raw_meta, Mapping) else {},
        has_contributing=bool(meta.guidelines),
        findings=findings,
    )


def project_key(html_url: str, full_name: str, source: str) -> str:
    """The identity of a project: its URL without scheme, `.git` or trailing slash, lower-cased."""
    if html_url:
        key = re.sub(r"^[a-z][a-z0-9+.-]*://", "", html_url.strip().lower())
        key = re.sub(r"(\.git)?/*$", "", key)
        if key:
            return key
    return f"{source}:{full_name.strip().lower()}"


def _string(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} should be text, found {type(value).__name__}")
    return value.strip()


def _string_list(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _count(value: object) -> int:
    # Crawlers write counts as numbers, numeric strings, or "" (CodeCommit).
    if isinstance(value, bool):
        return 0
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    if isinstance(value, int | float):
        return max(int(value), 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return 0
