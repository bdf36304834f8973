"""Plain data that sources produce and the store writes: no database, no HTTP."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class InnerSourceMetadata:
    """`innersource.json` after alias handling (SAP portal schema plus the richer variants)."""

    title: str = ""
    motivation: str = ""
    description: str = ""
    contributions: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    logo: str | None = None
    docs: str | None = None
    language: str | None = None
    guidelines: str | None = None
    participation: list[int] = field(default_factory=list)
    governance_level: str | None = None
    trusted_committers: list[dict[str, str]] = field(default_factory=list)
    chat_channel: str | None = None
    issues_url: str | None = None
    review_sla_days: float | None = None
    owner_contact: str | None = None


@dataclass
class ProjectRecord:
    key: str
    source: str
    origin: str
    external_id: str
    name: str
    full_name: str
    owner_login: str
    html_url: str
    description: str = ""
    language: str | None = None
    default_branch: str = "main"
    stars: int = 0
    forks: int = 0
    watchers: int = 0
    subscribers: int = 0
    open_issues_count: int = 0
    archived: bool = False
    visibility: str = "internal"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    pushed_at: datetime | None = None
    metadata: InnerSourceMetadata = field(default_factory=InnerSourceMetadata)
    raw_metadata: dict[str, Any] = field(default_factory=dict)
    readme_excerpt: str = ""
    has_contributing: bool = False
    has_communication: bool = False
    has_codeowners: bool = False
    findings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EntryProblem:
    index: int
    message: str

    def __str__(self) -> str:
        return f"entry {self.index}: {self.message}"


@dataclass
class ParseResult:
    records: list[ProjectRecord] = field(default_factory=list)
    problems: list[EntryProblem] = field(default_factory=list)
