"""Read a CODEOWNERS file: who owns a repository, as forge logins and `org/team` slugs.

GitHub looks for the file in `.github/`, the root and `docs/`, in that order, and uses the first one it
finds. Emails (owners without a forge login) are ignored, as are comments and GitLab section headers.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")


@dataclass(frozen=True)
class CodeOwners:
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()  # "org/team-slug", as written after the @

    def __bool__(self) -> bool:
        return bool(self.users or self.teams)


def parse_codeowners(text: str) -> CodeOwners:
    users: dict[str, None] = {}
    teams: dict[str, None] = {}
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line or line.startswith(("#", "[", "^[")):
            continue
        tokens = line.split()
        for token in tokens[1:]:  # the first token is the path pattern
            if token.startswith("#"):
                break  # an inline comment
            if not token.startswith("@"):
                continue  # an email address, or noise
            name = token[1:]
            if "/" in name:
                org, _, slug = name.partition("/")
                if _LOGIN.match(org) and _LOGIN.match(slug):
                    teams[f"{org}/{slug}"] = None
            elif _LOGIN.match(name):
                users[name] = None
    return CodeOwners(users=tuple(users), teams=tuple(teams))


def pick_codeowners(files: Mapping[str, str | None]) -> tuple[str, str] | None:
    """The (path, text) GitHub would use, from the candidate files found (path -> text or None)."""
    for path in CODEOWNERS_PATHS:
        text = files.get(path)
        if text is not None:
            return path, text
    return None
