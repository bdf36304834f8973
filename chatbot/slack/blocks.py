"""Block Kit builders: small named functions, each aware of Slack's limits.

Every string that comes from a forge, a catalog file or a user goes through `escape()` before it
is put into mrkdwn, so that it can never become a mention, a broadcast or a disguised link.
"""

import json
from collections.abc import Sequence
from typing import Any

from chatbot.slack.markup import channel_mention, date_token, escape, is_http_url, link, mention

__all__ = ["channel_mention", "date_token", "escape", "link", "mention"]  # the builders, re-exported

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 4000
MAX_SECTION_FIELDS = 10


def truncate(text: str, limit: int) -> str:
    """At most `limit` characters, with "…" where it was cut; never cuts a `<…>` token in two."""
    if len(text) <= limit:
        return text
    kept = text[: max(limit - 1, 0)]
    opened = kept.rfind("<")
    if opened > kept.rfind(">"):
        kept = kept[:opened]
    return kept.rstrip() + "…"


def one_line(text: str | None, limit: int = 200) -> str:
    return truncate(" ".join((text or "").split()), limit)


def plain(text: str, limit: int = MAX_BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def section(text: str, accessory: Block | None = None) -> Block:
    block: Block = {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}
    if accessory is not None:
        block["accessory"] = accessory
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, MAX_HEADER_TEXT)}


def context(*parts: str) -> Block:
    elements = [{"type": "mrkdwn", "text": truncate(p, MAX_FIELD_TEXT)} for p in parts if p]
    return {"type": "context", "elements": elements[:MAX_CONTEXT_ELEMENTS]}


def divider() -> Block:
    return {"type": "divider"}


def url_button(text: str, url: str, action_id: str) -> Block | None:
    if not is_http_url(url):
        return None
    return {"type": "button", "text": plain(text), "url": url, "action_id": action_id}


def action_button(text: str, action_id: str, value: object, style: str | None = None) -> Block:
    encoded = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if len(encoded) > MAX_BUTTON_VALUE:
        raise ValueError("button value too long")
    button: Block = {"type": "button", "text": plain(text), "action_id": action_id, "value": encoded}
    if style:
        button["style"] = style
    return button


def actions(block_id: str | None, *elements: Block | None) -> Block:
    block: Block = {"type": "actions", "elements": [e for e in elements if e is not None][:25]}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def notice(text: str) -> list[Block]:
    return [section(text)]


def fit(blocks: Sequence[Block], limit: int = MAX_BLOCKS) -> list[Block]:
    """Keep within the message's block limit, saying so when something had to be left out."""
    if len(blocks) <= limit:
        return list(blocks)
    kept = list(blocks[: limit - 1])
    kept.append(context(f"_{len(blocks) - limit + 1} more blocks were left out to fit Slack's limits._"))
    return kept


def safe_url(url: str | None) -> str | None:
    """The URL if `link()` would link it (http(s), no spaces or mrkdwn delimiters, not too long)."""
    return url if url and link(url, "x") != "x" else None


def escaped(text: str | None, limit: int) -> str:
    """`escape(one_line(text))`, cut before escaping so that the escaped result fits in `limit`."""
    raw = one_line(text, limit)
    out = escape(raw)
    while len(out) > limit:
        shorter = len(raw) - (len(out) - limit)
        if shorter <= 1:
            return ""
        raw = truncate(raw, shorter)
        out = escape(raw)
    return out


def escaped_paragraphs(text: str | None, limit: int) -> str:
    """Like `escaped()`, keeping paragraph breaks."""
    paragraphs = [" ".join(p.split()) for p in (text or "").replace("\r", "").split("\n\n")]
    kept = "\n\n".join(p for p in paragraphs if p)
    out = escape(truncate(kept, limit))
    while len(out) > limit:
        shorter = len(kept) - (len(out) - limit)
        if shorter <= 1:
            return ""
        kept = truncate(kept, shorter)
        out = escape(kept)
    return out


def code(text: str | None, limit: int = 100) -> str:
    """Untrusted text as inline code; backticks are dropped so that it cannot close the span."""
    inner = escaped((text or "").replace("`", "'"), limit)
    return f"`{inner}`" if inner else ""


def join_within(parts: Sequence[str], limit: int, sep: str = ", ") -> str:
    """Join rendered parts, as many as fit in `limit`, then "and K more" for the rest."""
    out = ""
    for i, part in enumerate(parts):
        candidate = part if not out else out + sep + part
        left = len(parts) - i - 1
        suffix = f" and {left} more" if left else ""
        if len(candidate) + len(suffix) > limit:
            return f"{out} and {len(parts) - i} more" if out else f"{len(parts)} entries, too long to show"
        out = candidate
    return out


def mrkdwn_field(label: str, value: str) -> dict[str, Any]:
    head = f"*{label}*\n"
    return {"type": "mrkdwn", "text": truncate(head + value, MAX_FIELD_TEXT)}


def fields_section(fields: Sequence[dict[str, Any]]) -> Block | None:
    if not fields:
        return None
    return {"type": "section", "fields": list(fields[:MAX_SECTION_FIELDS])}
