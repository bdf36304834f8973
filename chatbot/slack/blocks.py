"""Block Kit builders: small named functions, each aware of Slack's limits.

Every string that comes from a forge, a catalog file or a user goes through `escape()` before it
is put into mrkdwn, so that it can never become a mention, a broadcast or a disguised link.
"""

import json
import re
from collections.abc import Sequence
from typing import Any

from chatbot.catalog.cards import ProjectCard

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 4000

_BROADCASTS = re.compile(r"@(?=(here|channel|everyone)\b)", re.IGNORECASE)


def escape(text: str | None) -> str:
    """Make untrusted text inert in mrkdwn: `& < >` escaped, `@here`/`@channel`/`@everyone` broken."""
    if not text:
        return ""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCASTS.sub("@\u2060", text)


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def one_line(text: str | None, limit: int = 200) -> str:
    return truncate(" ".join((text or "").split()), limit)


def link(url: str | None, label: str) -> str:
    """A mrkdwn link whose label is escaped; only http(s) URLs become links."""
    safe_label = escape(label)
    if not url or not re.match(r"^https?://[^\s<>|]+$", url) or len(url) > MAX_URL:
        return safe_label
    return f"<{url}|{safe_label}>"


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
    if not re.match(r"^https?://", url) or len(url) > MAX_URL:
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


def help_overview(entries: Sequence[tuple[str, str, str, str]]) -> list[Block]:
    """entries: (name, summary, usage, example)."""
    lines = [
        f"*`/innersource {escape(usage)}`*\n{escape(summary)}  _e.g._ `/innersource {escape(example)}`"
        for _, summary, usage, example in entries
    ]
    blocks: list[Block] = [header("InnerSource: find projects, help them, get help")]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 2 for x in chunk) + len(line) > MAX_SECTION_TEXT - 100:
            blocks.append(section("\n\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n\n".join(chunk)))
    blocks.append(context("Type `/innersource help &lt;command&gt;` for more about one command."))
    return fit(blocks)


def subcommand_help(usage: str, summary: str, examples: Sequence[str]) -> list[Block]:
    example_lines = "\n".join(f"• `/innersource {escape(e)}`" for e in examples)
    return [section(f"*`/innersource {escape(usage)}`*\n{escape(summary)}\n\n*Examples*\n{example_lines}")]


def usage_problem(problem: str, usage: str, examples: Sequence[str]) -> list[Block]:
    text = f":information_source: {escape(problem)}\n*Usage:* `/innersource {escape(usage)}`"
    if examples:
        text += "\n*For example:* " + ", ".join(f"`/innersource {escape(e)}`" for e in examples[:3])
    return [section(text)]


def project_card(card: ProjectCard, *, share: bool = True) -> list[Block]:
    title = link(card.url, card.title)
    description = escape(one_line(card.description, 280)) or "_No description yet._"
    archived = "  :file_cabinet: _archived_" if card.archived else ""
    facts = [f"`{escape(card.full_name)}`"]
    if card.language:
        facts.append(escape(card.language))
    if card.topics:
        facts.append(" ".join(f"#{escape(t)}" for t in card.topics[:5]))
    facts.append(f"activity: {card.activity.lower()}")
    wanted = f":raised_hand: {card.help_wanted} help wanted · :seedling: {card.good_first} good first"
    people = ""
    if card.chat_channel:
        people = f"chat: {escape(card.chat_channel)}"
    elif card.trusted_committers:
        people = "trusted committers: " + ", ".join(escape(n) for n in card.trusted_committers[:3])
    buttons = actions(
        f"project:{card.project_id}",
        url_button("Contribute", card.contribute_url, "contribute") if card.contribute_url else None,
        action_button("Good first issues", "good_first_issues", str(card.project_id)),
        action_button("Share in channel", "share_project", str(card.project_id)) if share else None,
    )
    return [
        section(f"*{title}*{archived}\n{description}"),
        context(" · ".join(facts), wanted, people),
        buttons,
    ]


def catalog_findings(card: ProjectCard) -> list[Block]:
    """Problems found in the project's metadata, so that its owners see what to fix."""
    if not card.findings:
        return []
    shown = "; ".join(escape(one_line(f, 200)) for f in card.findings[:5])
    more = f" (and {len(card.findings) - 5} more)" if len(card.findings) > 5 else ""
    return [context(f":warning: Catalog problems its owners can fix in innersource.json: {shown}{more}")]


def project_card_text(card: ProjectCard) -> str:
    return f"{card.title} ({card.full_name}): {one_line(card.description, 150)}"


def find_results(query: str, cards: Sequence[ProjectCard], *, offset: int, total: int) -> list[Block]:
    shown_to = offset + len(cards)
    summary = f"*{total}* project{'s' if total != 1 else ''} for “{escape(one_line(query, 100))}”"
    if total > len(cards):
        summary += f" · showing {offset + 1}–{shown_to}"
    blocks: list[Block] = [section(summary)]
    for card in cards:
        blocks.append(divider())
        blocks.extend(project_card(card))
    if shown_to < total:
        blocks.append(
            actions("find:more", action_button("Next 5", "find_next", {"q": query[:1500], "o": shown_to}))
        )
    return fit(blocks)


def no_results(query: str, suggestions: Sequence[str]) -> list[Block]:
    text = f"No projects match “{escape(one_line(query, 100))}”."
    if suggestions:
        text += " Try " + ", ".join(f"`/innersource find {escape(s)}`" for s in suggestions) + "."
    return [section(text)]
