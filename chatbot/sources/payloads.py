"""Reading REST forge payloads (GitLab, Gitee): files in a tree, CODEOWNERS, users, labels, times."""

import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatbot.catalog.codeowners import parse_codeowners
from chatbot.catalog.innersource_json import read_metadata
from chatbot.catalog.records import InnerSourceMetadata
from chatbot.clock import parse_timestamp
from chatbot.sources.readme import excerpt_of, readme_name

Json = Any
MAX_FILE_BYTES = 512 * 1024
SECTION = re.compile(r"^\^?\[[^\]]*\](?:\[\d+\])?\s*(.*)$")


@dataclass
class FileFacts:
    """What a repository's catalog files say, kept in the memo so unchanged blobs are not read again."""

    has_readme: bool = False
    readme_excerpt: str = ""  # of README.md / README / README.rst, whose blob id is ids["README"]
    contributing: str | None = None  # path of CONTRIBUTING, if any
    has_communication: bool = False
    has_codeowners: bool = False
    metadata: Json = None  # innersource.json as parsed; None when absent or unreadable
    findings: list[str] = field(default_factory=list)  # problems reading the file itself
    ids: dict[str, str] = field(default_factory=dict)  # path -> blob or tree id when last read

    def to_memo(self) -> dict[str, Any]:
        return {
            "readme": self.has_readme,
            "readme_excerpt": self.readme_excerpt,
            "contributing": self.contributing,
            "communication": self.has_communication,
            "codeowners": self.has_codeowners,
            "metadata": self.metadata,
            "findings": self.findings,
            "ids": self.ids,
        }

    @classmethod
    def from_memo(cls, value: object) -> "FileFacts":
        if not isinstance(value, Mapping):
            return cls()
        contributing = value.get("contributing")
        excerpt = value.get("readme_excerpt")
        findings = value.get("findings")
        ids = value.get("ids")
        return cls(
            has_readme=value.get("readme") is True,
            readme_excerpt=excerpt if isinstance(excerpt, str) else "",
            contributing=contributing if isinstance(contributing, str) else None,
            has_communication=value.get("communication") is True,
            has_codeowners=value.get("codeowners") is True,
            metadata=value.get("metadata"),
            findings=[str(f) for f in findings] if isinstance(findings, list) else [],
            ids={str(k): str(v) for k, v in ids.items()} if isinstance(ids, Mapping) else {},
        )

    def note_root_names(self, names: Collection[str]) -> None:
        """Set the presence flags from the file names at the repository root."""
        for name in sorted(names):
            lower = name.lower()
            if lower.startswith("readme"):
                self.has_readme = True
            elif lower.startswith("contributing") and self.contributing is None:
                self.contributing = name
            elif lower.startswith("communication"):
                self.has_communication = True


def read_readme(
    facts: FileFacts,
    files: Mapping[str, Mapping[str, Any]],
    id_field: str,
    previous: FileFacts | None,
    read: Callable[[str], bytes | None],
) -> None:
    """Set the README excerpt from the root `files` (name -> entry with a blob id in `id_field`): kept
    from `previous` when the blob id is the same, else `read(name)` once."""
    name = readme_name(files)
    if name is None:
        return
    blob = files[name].get(id_field)
    blob = str(blob) if blob else ""
    if blob:
        facts.ids["README"] = blob
        if previous is not None and previous.ids.get("README") == blob:
            facts.readme_excerpt = previous.readme_excerpt
            return
    facts.readme_excerpt = excerpt_of(read(name))


def read_innersource_json(content: bytes | None) -> tuple[Json, list[str]]:
    """Parse the bytes of innersource.json; problems become findings, never exceptions."""
    if content is None:
        return None, []
    if len(content) > MAX_FILE_BYTES:
        return None, [f"innersource.json is larger than {MAX_FILE_BYTES // 1024} KiB and was not read"]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, ["innersource.json is not UTF-8 text"]
    try:
        return json.loads(text), []
    except json.JSONDecodeError as exc:
        return None, [f"innersource.json is not valid JSON (line {exc.lineno}: {exc.msg})"]


def describe_files(
    facts: FileFacts, forge_topics: list[str], *, empty: bool
) -> tuple[InnerSourceMetadata, dict[str, Any], list[str]]:
    """Metadata, raw metadata and findings for a ProjectRecord from what the files say."""
    meta, meta_findings = read_metadata(facts.metadata)
    meta.topics = list(dict.fromkeys([*forge_topics, *meta.topics]))
    if not meta.guidelines and facts.contributing:
        meta.guidelines = facts.contributing
    findings = [*facts.findings, *meta_findings]
    if not empty and not facts.has_readme:
        findings.append("no README at the repository root")
    raw = dict(facts.metadata) if isinstance(facts.metadata, Mapping) else {}
    return meta, raw, findings


def codeowners_logins(text: str, *, groups: Collection[str] = ()) -> list[str]:
    """User logins in a CODEOWNERS file, GitLab's section default owners (`[Docs][2] @ann`) included.

    Subgroups and teams (`@org/team`), roles (`@@maintainer`), e-mail addresses and the names in `groups`
    (a top-level group reads like a user) are left out.
    """
    lines = []
    for line in text.splitlines():
        section = SECTION.match(line.strip())
        lines.append(f"* {section.group(1)}" if section else line)
    skip = {g.lower() for g in groups}
    return [login for login in parse_codeowners("\n".join(lines)).users if login.lower() not in skip]


def when(value: object, name: str, findings: list[str]) -> datetime | None:
    try:
        return parse_timestamp(value)
    except ValueError:
        findings.append(f"{name} {value!r} is not a timestamp")
        return None


def count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    return 0


def text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def login_of(user: object) -> str:
    if isinstance(user, Mapping):
        return text(user.get("username")) or text(user.get("login"))
    return ""


def logins_of(users: object) -> list[str]:
    if not isinstance(users, list):
        return []
    return [login for login in (login_of(u) for u in users) if login]


def label_names(labels: object) -> list[str]:
    """Labels as GitLab (strings) or Gitee (objects with a name) list them."""
    if not isinstance(labels, list):
        return []
    names = [label.get("name") if isinstance(label, Mapping) else label for label in labels]
    return [name.strip() for name in names if isinstance(name, str) and name.strip()]


def iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat().replace("+00:00", "Z")


def as_list(value: Json) -> list[Any]:
    return value if isinstance(value, list) else []


def has_topic(topics: list[str], topic: str | None) -> bool:
    return topic is None or topic.lower() in {t.lower() for t in topics}


# --- merge request responses ---------------------------------------------------------------------
