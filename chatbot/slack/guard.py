"""The outbound guard: the last wall between what the app sends and what Slack would parse.

Every payload that leaves for Slack (acks, `response_url` posts, Web API calls) passes through
`guard_payload`, called by the Slack edge (chatbot/slack/edge.py). It walks every string a person
could see and neutralises what the app never sends on purpose:

- a `<…>` token that no builder in chatbot/slack/markup.py made (a mention, a broadcast, a user group,
  a date or a link that came in inside text) is escaped, so that it shows as typed;
- `@here`, `@channel` and `@everyone`, also spelt with full-width letters or hidden characters, are broken
  with a word joiner, as `markup.escape` does;
- control characters and bidirectional overrides are dropped.

Builders escape at the source; the guard is the second wall. When it has to change something it logs a
warning naming the surface and the field, so that the builder bug shows.
"""

import json
import logging
import re
from typing import Any

from chatbot.slack.markup import break_broadcasts, clean, is_built

logger = logging.getLogger(__name__)

# Keys whose values Slack never shows as text (ids, URLs, button values, form prefills, metadata).
NOT_SHOWN = frozenset(
    {
        "action_id",
        "block_id",
        "callback_id",
        "channel",
        "email",
        "event_type",
        "external_id",
        "hash",
        "image_url",
        "initial_date",
        "initial_time",
        "initial_value",
        "metadata",
        "private_metadata",
        "response_action",
        "response_type",
        "style",
        "team_id",
        "thread_ts",
        "token",
        "trigger_id",
        "ts",
        "type",
        "url",
        "user",
        "user_id",
        "users",
        "value",
        "view_id",
    }
)
# Keys whose string values are JSON that Slack decodes (form-encoded Web API calls).
JSON_STRINGS = frozenset({"blocks", "attachments", "view", "unfurls"})

_TOKEN = re.compile(r"<[^<>]*>")


def guard_payload(payload: Any, surface: str) -> Any:
    """A copy of `payload` with every shown string made inert; logs a warning if anything changed."""
    changed: list[str] = []
    guarded = _walk(payload, "", changed)
    if changed:
        logger.warning(
            "outbound guard neutralised %d field(s) on %s: %s", len(changed), surface, ", ".join(changed[:10])
        )
    return guarded


def inert_text(text: str) -> str:
    """One shown string made inert: what the guard does to each field."""
    text = clean(text)
    kept: list[str] = []
    start = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        built = is_built(token)
        kept.append(_brackets(text[start : match.start()]) + (token if built else _brackets(token)))
        start = match.end()
    kept.append(_brackets(text[start:]))
    return break_broadcasts("".join(kept))


def _walk(value: Any, path: str, changed: list[str]) -> Any:
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if key in NOT_SHOWN:
                out[key] = item
            elif key in JSON_STRINGS and isinstance(item, str):
                out[key] = _walk_json_string(item, where, changed)
            else:
                out[key] = _walk(item, where, changed)
        return out
    if isinstance(value, list | tuple):
        return [_walk(item, f"{path}[{i}]", changed) for i, item in enumerate(value)]
    if isinstance(value, str):
        safe = inert_text(value)
        if safe != value:
            changed.append(path or "text")
            logger.debug("guard changed %s: %r", path or "text", _difference(value, safe))
        return safe
    return value


def _walk_json_string(raw: str, path: str, changed: list[str]) -> str:
    try:
        decoded = json.loads(raw)
    except ValueError:
        return str(_walk(raw, path, changed))
    before = len(changed)
    guarded = _walk(decoded, path, changed)
    return raw if len(changed) == before else json.dumps(guarded)


def _difference(before: str, after: str) -> str:
    start = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), 0)
    return before[max(0, start - 40) : start + 60]


def _brackets(text: str) -> str:
    """Angle brackets outside a builder's token open or close nothing: shown as typed."""
    return text.replace("<", "&lt;").replace(">", "&gt;")
