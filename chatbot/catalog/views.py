"""The catalog's views: result cards of find, the full card of `project`, and their fallback texts.

Every string that comes from a forge, a catalog file or a user is escaped before it is put into mrkdwn.
"""

import json
from collections.abc import Sequence
from enum import StrEnum

from chatbot.catalog.cards import Committer, IssueLine, ProjectCard, ProjectDetail, recent_weeks, sparkline
from chatbot.slack.blocks import (
    MAX_BUTTON_VALUE,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    Block,
    action_button,
    actions,
    code,
    context,
    divider,
    escaped,
    escaped_paragraphs,
    fields_section,
    fit,
    header,
    join_within,
    mrkdwn_field,
    one_line,
    safe_url,
    section,
    truncate,
    url_button,
)
from chatbot.slack.markup import escape, is_http_url, link


class FindAction(StrEnum):
    """The buttons of result cards and of the project card."""

    SHARE = "share_project"
    GOOD_FIRST_ISSUES = "good_first_issues"
    NEXT = "find_next"
    CONTRIBUTE = "contribute"


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
        url_button("Contribute", card.contribute_url, FindAction.CONTRIBUTE) if card.contribute_url else None,
        action_button("Good first issues", FindAction.GOOD_FIRST_ISSUES, str(card.project_id)),
        action_button("Share in channel", FindAction.SHARE, str(card.project_id)) if share else None,
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
                "find:more",
                action_button("Next 5", FindAction.NEXT, next_page_value(query, shown_to, searched)),
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

MAX_ISSUE_LINE = 1000
MAX_ISSUES_SHOWN = 5


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
            url_button("Contribute", contribute, FindAction.CONTRIBUTE) if contribute else None,
            action_button("Good first issues", FindAction.GOOD_FIRST_ISSUES, str(card.project_id)),
            action_button("Share in channel", FindAction.SHARE, str(card.project_id)),
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
