"""Block Kit builders: small named functions, each aware of Slack's limits.

Every string that comes from a forge, a catalog file or a user goes through `escape()` before it
is put into mrkdwn, so that it can never become a mention, a broadcast or a disguised link.
"""

import json
from collections.abc import Sequence
from typing import Any

from chatbot.catalog.cards import (
    Committer,
    IssueLine,
    ProjectCard,
    ProjectDetail,
    recent_weeks,
    sparkline,
)
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
    title = link(card.url, one_line(card.title, MAX_HEADER_TEXT))
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
    """The card in one line for notifications and screen readers, escaped like the blocks."""
    return f"{escaped(card.title, 150)} ({escaped(card.full_name, 200)}): {escaped(card.description, 150)}"


def next_page_value(query: str, offset: int, searched: str | None = None) -> str:
    """The Next button's value: the query as typed and the offset. Too long for a button, it is
    `searched` instead (the query as parsed, which searches the same); cut, at a word where it can be,
    to the longest start whose JSON fits when even that is too long."""

    def encoded(kept: str) -> str:
        return json.dumps({"q": kept, "o": offset}, separators=(",", ":"), ensure_ascii=False)

    for candidate in (query, searched):
        if candidate is not None and len(encoded(candidate)) <= MAX_BUTTON_VALUE:
            return encoded(candidate)
    query = searched or query
    fits, too_long = 0, len(query)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if len(encoded(query[:middle])) <= MAX_BUTTON_VALUE:
            fits = middle
        else:
            too_long = middle
    kept = query[:fits]
    if not query[fits].isspace() and " " in kept.strip():
        kept = kept[: kept.rstrip().rfind(" ")]
    return encoded(kept.rstrip())


def find_results(
    query: str,
    cards: Sequence[ProjectCard],
    *,
    offset: int,
    total: int,
    notes: Sequence[str] = (),
    at_least: bool = False,
    pageable: int | None = None,
    searched: str | None = None,
) -> list[Block]:
    """Result cards; `notes` are our own (already escaped) remarks: corrections, ignored filters.

    `pageable`: how many results "Next 5" can reach, when fewer than `total` were ranked.
    `searched`: the query as parsed, for a Next button that can't hold the query as typed.
    """
    shown_to = offset + len(cards)
    count = f"{total}+" if at_least else str(total)
    summary = f"*{count}* project{'s' if total != 1 else ''} for “{escape(one_line(query, 100))}”"
    if total > len(cards):
        summary += f" · showing {offset + 1}–{shown_to}"
    blocks: list[Block] = [section(summary)]
    if notes:
        blocks.append(context(*notes))
    for card in cards:
        blocks.append(divider())
        blocks.extend(project_card(card))
    if shown_to < (total if pageable is None else min(total, pageable)):
        blocks.append(
            actions(
                "find:more", action_button("Next 5", "find_next", next_page_value(query, shown_to, searched))
            )
        )
    return fit(blocks)


def no_results(
    query: str, suggestions: Sequence[str], topics: Sequence[str] = (), notes: Sequence[str] = ()
) -> list[Block]:
    """`suggestions` are whole queries to try; `topics` are catalog topics to browse."""
    lines = [f"No projects match “{escape(one_line(query, 100))}”.", *notes]
    if suggestions:
        lines.append("Try " + " or ".join(f"`/innersource find {escape(s)}`" for s in suggestions) + ".")
    if topics:
        lines.append("Or browse a topic: " + ", ".join(f"`find topic:{escape(t)}`" for t in topics) + ".")
    return [section("\n".join(lines))]


# --- the full project card of `/innersource project <name>` --------------------------------------

MAX_SECTION_FIELDS = 10
MAX_ISSUE_LINE = 1000
MAX_ISSUES_SHOWN = 5


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


def committer_text(person: Committer) -> str:
    login = escaped(f"@{person.github}", 100) if person.github else ""
    name = escaped(person.name, 100)
    text = f"{name} ({login})" if login and person.name and person.name != person.github else login or name
    if person.role:
        text += f", _{escaped(person.role.replace('_', ' '), 60)}_"
    return text


def chat_text(channel: str) -> str:
    if is_http_url(channel):
        linked = link(channel, "chat")
        return linked if len(linked) <= MAX_FIELD_TEXT - 50 else "chat"
    return escaped(channel, 200)


def activity_text(detail: ProjectDetail) -> str:
    band = escape(detail.card.activity)
    weeks = recent_weeks(detail.participation)
    if not weeks:
        return f"*Activity:* {band} · no commit data"
    total = sum(weeks)
    span = f"the last {len(weeks)} weeks" if len(weeks) > 1 else "the last week"
    noun = "commit" if total == 1 else "commits"
    return f"*Activity:* {band} · {total} {noun} over {span}  `{sparkline(weeks)}`"


def issue_text(issue: IssueLine) -> str:
    label = f"#{issue.number} {one_line(issue.title, 150)}"
    labels = " ".join(c for c in (code(x, 40) for x in issue.labels[:4]) if c)
    tail = (f" {labels}" if labels else "") + (" _(assigned)_" if issue.assigned else "")
    line = f"• {link(issue.url, label)}{tail}"
    return line if len(line) <= MAX_ISSUE_LINE else f"• {escape(label)}{tail}"


def issues_section(detail: ProjectDetail) -> Block:
    total = detail.open_issues
    if total == 0 or not detail.issues:
        return section(":seedling: No open help-wanted or good first issues right now.")
    noun = "issue" if total == 1 else "issues"
    head = f"*{total} open help-wanted / good first {noun}*"
    more_url = detail.more_issues_url or detail.issues_url or detail.repo_url
    reserve = len(link(more_url, f"and {total} more")) + 2
    budget = MAX_SECTION_TEXT - len(head) - reserve
    lines: list[str] = []
    used = 0
    for issue in detail.issues[:MAX_ISSUES_SHOWN]:
        line = issue_text(issue)
        if used + len(line) + 1 > budget:
            break
        lines.append(line)
        used += len(line) + 1
    text = "\n".join([head, *lines])
    hidden = total - len(lines)
    if hidden > 0:
        text += "\n" + link(more_url, f"and {hidden} more")
    return section(text)


def links_text(detail: ProjectDetail) -> str:
    candidates = (
        (detail.repo_url, "Repository"),
        (detail.docs_url, "Docs"),
        (detail.contributing_url, "CONTRIBUTING"),
        (detail.issues_url, "Issues"),
    )
    parts = [link(url, label) for url, label in candidates if url and link(url, label) != escape(label)]
    if not parts:
        return ""
    head = "*Links:* "
    return head + join_within(parts, MAX_SECTION_TEXT - len(head), sep=" · ")


def project_detail(detail: ProjectDetail) -> list[Block]:
    """The full card of one project: what it is, how to help, who to talk to, how alive it is."""
    card = detail.card
    facts = [code(card.full_name, 200)]
    if card.language:
        facts.append(escaped(card.language, 100))
    if card.topics:
        topics = [f"#{escaped(t, 50)}" for t in card.topics]
        facts.append(join_within(topics, 500, sep=" "))
    if card.archived:
        facts.append(":file_cabinet: *archived*: read-only, kept for reference")
    blocks: list[Block] = [header(escaped(card.title, MAX_HEADER_TEXT)), context(" · ".join(facts))]
    if detail.also:
        others = join_within([code(name, 200) for name in detail.also], MAX_FIELD_TEXT - 20)
        blocks.append(context(f"Also: {others}"))
    blocks.append(section(escaped_paragraphs(detail.about, MAX_SECTION_TEXT) or "_No description yet._"))

    value_limit = MAX_FIELD_TEXT - 40
    fields = [
        mrkdwn_field(
            "Contributions wanted",
            join_within([escaped(c, 200) for c in detail.contributions_wanted], value_limit),
        )
    ]
    if detail.skills:
        fields.append(
            mrkdwn_field("Skills", join_within([escaped(s, 100) for s in detail.skills], value_limit))
        )
    if detail.governance:
        fields.append(mrkdwn_field("Governance", escaped(detail.governance, 200)))
    if detail.committers:
        people = [committer_text(p) for p in detail.committers]
        fields.append(mrkdwn_field("Trusted committers", join_within(people, value_limit)))
    if card.chat_channel:
        fields.append(mrkdwn_field("Chat", chat_text(card.chat_channel)))
    blocks.append(fields_section(fields) or section("_No contribution details yet._"))

    links = links_text(detail)
    if links:
        blocks.append(section(links))
    blocks.append(section(activity_text(detail)))
    blocks.append(issues_section(detail))
    blocks.extend(catalog_findings(card))
    # The portal's precedence (docs, CONTRIBUTING, repository), skipping any URL Slack would refuse.
    contribute = next(
        (
            url
            for url in (card.contribute_url, detail.docs_url, detail.contributing_url, detail.repo_url)
            if safe_url(url)
        ),
        None,
    )
    blocks.append(
        actions(
            f"project:{card.project_id}",
            url_button("Contribute", contribute, "contribute") if contribute else None,
            action_button("Good first issues", "good_first_issues", str(card.project_id)),
            action_button("Share in channel", "share_project", str(card.project_id)),
        )
    )
    return fit(blocks)


def project_detail_text(detail: ProjectDetail) -> str:
    """The notification and screen-reader fallback: the same facts in one paragraph, escaped."""
    card = detail.card
    archived = " [archived]" if card.archived else ""
    parts = [
        f"{escaped(card.title, 150)} ({escaped(card.full_name, 200)}){archived}: {escaped(detail.about, 300)}"
    ]
    parts.append(
        "Contributions wanted: " + ", ".join(escaped(c, 100) for c in detail.contributions_wanted[:10])
    )
    if detail.skills:
        parts.append("Skills: " + ", ".join(escaped(s, 60) for s in detail.skills[:10]))
    if detail.committers:
        people = [
            escaped(p.name, 60) + (f" ({escaped('@' + p.github, 60)})" if p.github else "")
            for p in detail.committers
        ]
        parts.append("Trusted committers: " + ", ".join(people[:10]))
    parts.append(activity_text(detail).replace("*", "").replace("`", ""))
    noun = "issue" if detail.open_issues == 1 else "issues"
    parts.append(f"{detail.open_issues} open help-wanted / good first {noun}")
    return truncate("\n".join(parts), MAX_FALLBACK_TEXT)


# --- the subscription edit modal ------------------------------------------------------------------

FREQUENCY_OPTIONS = (("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly"))
WEEKDAY_OPTIONS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain(label), "value": value}


def _select(action_id: str, options: Sequence[tuple[str, str]], initial: str) -> dict[str, Any]:
    choices = [_option(v, label) for v, label in options]
    chosen = next((c for c in choices if c["value"] == initial), choices[0])
    return {"type": "static_select", "action_id": action_id, "options": choices, "initial_option": chosen}


def _input(block_id: str, label: str, element: dict[str, Any], hint: str | None = None) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label), "element": element}
    if hint:
        block["hint"] = plain(hint, 150)
    return block


def subscription_edit_modal(
    subscription_id: int,
    frequency: str,
    weekday: str,
    day_of_month: int,
    time_of_day: str,
    filters: str,
    tz: str,
) -> dict[str, Any]:
    """A modal to change one subscription; `private_metadata` carries its id."""
    return {
        "type": "modal",
        "callback_id": "edit_subscription",
        "private_metadata": str(subscription_id),
        "title": plain("Edit digest", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": [
            _input("frequency", "How often", _select("value", FREQUENCY_OPTIONS, frequency)),
            _input("weekday", "Weekday (weekly digests)", _select("value", WEEKDAY_OPTIONS, weekday)),
            _input(
                "day",
                "Day of the month (monthly digests)",
                {"type": "plain_text_input", "action_id": "value", "initial_value": str(day_of_month)},
                "1 to 31; on the 29th to 31st shorter months get it on their last day.",
            ),
            _input(
                "time",
                f"Time ({tz})",
                {"type": "timepicker", "action_id": "value", "initial_time": time_of_day},
            ),
            {
                "type": "input",
                "block_id": "filters",
                "optional": True,
                "label": plain("Filters, as in find"),
                "hint": plain("e.g. lang:python topic:auth has:good-first-issue", 150),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": filters[:3000],
                    "max_length": 500,
                },
            },
        ],
    }
