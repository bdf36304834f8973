"""The README excerpt kept for search, shared by every forge source (GitHub, GitLab, Gitee)."""

from collections.abc import Collection

README_EXCERPT_CHARS = 1500
README_NAMES = ("readme.md", "readme", "readme.rst")  # the one read, in this order, case-insensitive
MAX_README_BYTES = 64 * 1024  # plenty for an excerpt of README_EXCERPT_CHARS characters


def readme_excerpt(text: str, limit: int = README_EXCERPT_CHARS) -> str:
    """The start of a README, cut at a word boundary (with "…") when it is longer than `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ", limit - 200)
    return (cut[:space] if space > 0 else cut).rstrip() + "…"


def readme_name(names: Collection[str]) -> str | None:
    """The README to read among the file names at a repository root: README.md, else README, else
    README.rst, whatever their case (the first in sorted order if two differ only by case)."""
    by_lower: dict[str, str] = {}
    for name in sorted(names):
        by_lower.setdefault(name.lower(), name)
    return next((by_lower[wanted] for wanted in README_NAMES if wanted in by_lower), None)


def excerpt_of(content: bytes | None) -> str:
    """The excerpt of a README's raw bytes; empty for a missing or binary file."""
    if not content:
        return ""
    head = content[:MAX_README_BYTES]
    if b"\0" in head[:8000]:  # git's own test for binary content
        return ""
    return readme_excerpt(head.decode("utf-8-sig", "replace"))
