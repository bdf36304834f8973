"""Read `innersource.json` metadata as found in the wild, tolerating its drift.

Known drift: `contribution` for `contributions`, `project_logo` for `logo`, `owner_Id` as an owner
contact, null entries inside lists, a comma-separated `language`, Salesforce's richer variant
(`governance_level`, `trusted_committers`, `communication.channel`). Odd fields never raise: they
become findings that are shown to the project's owners.
"""

import re
from collections.abc import Mapping
from typing import Any

from chatbot.catalog.records import InnerSourceMetadata

GOVERNANCE_LEVELS = {
    "bug_reports": "bug_reports",
    "bug_reports_and_issues_welcome": "bug_reports",
    "issues_welcome": "bug_reports",
    "contributions_welcome": "contributions_welcome",
    "shared_write": "shared_write",
    "shared_write_access": "shared_write",
    "shared_ownership": "shared_ownership",
}
PLACEHOLDERS = {"todo", "tbd", "n/a", "none", "-", "changeme"}
PLACEHOLDER_MARKERS = re.compile(r"<!--|\bTODO\b|\bTBD\b|\bFIXME\b|your[ -]team", re.IGNORECASE)


def read_metadata(raw: object) -> tuple[InnerSourceMetadata, list[str]]:
    findings: list[str] = []
    if raw is None:
        return InnerSourceMetadata(), findings
    if not isinstance(raw, Mapping):
        return InnerSourceMetadata(), [f"innersource metadata is a {type(raw).__name__}, not an object"]

    meta = InnerSourceMetadata(
        title=_text(raw, "title", findings),
        motivation=_text(raw, "motivation", findings),
        description=_text(raw, "description", findings),
        contributions=_strings(raw, ("contributions", "contribution"), findings),
        skills=_strings(raw, ("skills",), findings),
        topics=_strings(raw, ("topics",), findings),
        logo=_optional_text(raw, ("logo", "project_logo"), findings),
        docs=_optional_text(raw, ("docs", "documentation"), findings),
        language=_optional_text(raw, ("language",), findings),
        guidelines=_optional_text(raw, ("guidelines",), findings),
        participation=_participation(raw.get("participation"), findings),
        owner_contact=_optional_text(raw, ("owner_Id", "owner_id", "owner"), findings),
    )
    meta.governance_level = _governance(raw.get("governance_level"), findings)
    meta.trusted_committers = _trusted_committers(raw.get("trusted_committers"), findings)
    communication = raw.get("communication")
    if isinstance(communication, Mapping):
        meta.chat_channel = _placeholder_free(communication.get("channel"), "communication.channel", findings)
        meta.issues_url = _placeholder_free(communication.get("issues"), "communication.issues", findings)
    elif communication is not None:
        findings.append("communication should be an object with channel and issues")
    if meta.chat_channel is None:
        meta.chat_channel = _placeholder_free(raw.get("chat_channel"), "chat_channel", findings)
    meta.review_sla_days = _sla(raw.get("review_sla_days"), findings)
    return meta, findings


def _text(raw: Mapping[str, Any], key: str, findings: list[str]) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    findings.append(f"{key} should be text")
    return ""


def _optional_text(raw: Mapping[str, Any], keys: tuple[str, ...], findings: list[str]) -> str | None:
    for key in keys:
        value = raw.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, str):
            return value.strip()
        findings.append(f"{key} should be text")
    return None


def _strings(raw: Mapping[str, Any], keys: tuple[str, ...], findings: list[str]) -> list[str]:
    for key in keys:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            items = [str(item).strip() for item in value if item is not None and str(item).strip()]
            if len(items) < len([item for item in value if item is not None]):
                findings.append(f"{key} has empty entries")
            return list(dict.fromkeys(items))
        findings.append(f"{key} should be a list of text")
    return []


def _participation(value: object, findings: list[str]) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list):
        findings.append("participation should be a list of weekly commit counts")
        return []
    weeks: list[int] = []
    for item in value:
        if isinstance(item, int | float) and not isinstance(item, bool) and item >= 0:
            weeks.append(int(item))
        else:
            weeks.append(0)
    return weeks[-52:]


def _governance(value: object, findings: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        level = GOVERNANCE_LEVELS.get(value.strip().lower().replace(" ", "_").replace("-", "_"))
        if level:
            return level
    findings.append(
        f"governance_level {value!r} is not one of {', '.join(sorted(set(GOVERNANCE_LEVELS.values())))}"
    )
    return None


def _trusted_committers(value: object, findings: list[str]) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        findings.append("trusted_committers should be a list")
        return []
    people: list[dict[str, str]] = []
    for item in value:
        if isinstance(item, str) and item.strip():
            people.append({"github": item.strip().lstrip("@")})
        elif isinstance(item, Mapping):
            person = {k: str(v).strip() for k, v in item.items() if isinstance(v, str) and v.strip()}
            if "github" in person:
                person["github"] = person["github"].lstrip("@")
            if person:
                people.append(person)
        elif item is not None:
            findings.append("trusted_committers has an entry that is neither a login nor an object")
    return people


def _placeholder_free(value: object, name: str, findings: list[str]) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        findings.append(f"{name} should be text")
        return None
    text = value.strip()
    if text.lower() in PLACEHOLDERS or PLACEHOLDER_MARKERS.search(text):
        findings.append(f"{name} is still a placeholder ({text!r})")
        return None
    return text


def _sla(value: object, findings: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 60:
        return float(value)
    findings.append("review_sla_days should be a number of working days between 0 and 60")
    return None
