"""Text both databases can store: no NUL (PostgreSQL rejects it in text and JSON), no lone surrogates
(they have no UTF-8 form), no C0 control characters but newline and tab."""

import re
from collections.abc import Mapping

_UNSTORABLE = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
FIELDS_NAMED = 5


def storable_text(text: str) -> tuple[str, set[str]]:
    """The text without what cannot be stored, and what kinds of character were removed."""
    found = set(_UNSTORABLE.findall(text))
    if not found:
        return text, set()
    return _UNSTORABLE.sub("", text), {_kind(char) for char in found}


def _kind(char: str) -> str:
    if char == "\x00":
        return "NUL"
    if "\ud800" <= char <= "\udfff":
        return "lone surrogates"
    return "control characters"


def storable_json(value: object) -> tuple[object, dict[str, set[str]]]:
    """A decoded JSON value with every string (keys too) made storable, and what was removed where
    (e.g. {"_InnerSourceMetadata.title": {"NUL"}})."""
    removed: dict[str, set[str]] = {}
    return _clean(value, "", removed), removed


def _clean(value: object, path: str, removed: dict[str, set[str]]) -> object:
    if isinstance(value, str):
        text, kinds = storable_text(value)
        if kinds:
            removed.setdefault(path or "(value)", set()).update(kinds)
        return text
    if isinstance(value, Mapping):
        cleaned: dict[str, object] = {}
        for key, item in value.items():
            name, kinds = storable_text(str(key))
            where = f"{path}.{name}" if path else name
            if kinds:
                removed.setdefault(where, set()).update(kinds)
            cleaned[name] = _clean(item, where, removed)
        return cleaned
    if isinstance(value, list):
        return [_clean(item, f"{path}[{i}]", removed) for i, item in enumerate(value)]
    return value


def describe_removed(removed: dict[str, set[str]]) -> str:
    """E.g. "description, owner.login (removed NUL, lone surrogates)"."""
    fields = list(removed)
    named = ", ".join(fields[:FIELDS_NAMED])
    if len(fields) > FIELDS_NAMED:
        named += f" and {len(fields) - FIELDS_NAMED} more fields"
    kinds = sorted(set().union(*removed.values()))
    return f"{named} (removed {', '.join(kinds)})"
