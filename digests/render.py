"""A composed digest as a Slack message: Block Kit blocks and the notification / screen-reader text.

Every string from the catalog (titles, descriptions, names, labels, URLs) and the subscription's filters go
through `blocks.escape` (via `link`, `escaped`, `code`), so that nothing in them can mention, broadcast or
disguise a link. Long digests stay within Slack's limits: each list is packed into at most a few sections
of at most 3,000 characters, and whatever does not fit is counted in its "and K more" line.
"""

import dataclasses
from datetime import UTC, datetime, timedelta

from chatbot.catalog.queries import GOOD_FIRST_ISSUE, HELP_WANTED
from chatbot.catalog.query import parse_query
from chatbot.slack.blocks import (
    MAX_FALLBACK_TEXT,
    MAX_SECTION_TEXT,
    Block,
    code,
    context,
    divider,
    escaped,
    fit,
    header,
    link,
    section,
    truncate,
)
from chatbot.slack.markup import date_token
from digests.compose import ContributionStats, Digest, DigestIssue, DigestProject

TITLE = "InnerSource digest"
MAX_SECTIONS_PER_LIST = 3
MAX_ITEM_LINE = 1000  # a longer line (an absurd URL) is shown without its link
MAX_FIND_COMMAND = 300
MAX_LABELS_SHOWN = 3


def render_digest(
    digest: Digest, *, channel_name: str = "", quiet_note: bool = False
) -> tuple[str, list[Block]] | None:
    """(fallback text, blocks), or None when there is nothing new and no "quiet week" note is wanted."""
    if digest.is_empty:
        if not quiet_note:
            return None
        return quiet_text(digest, plain=True), [section(quiet_text(digest, plain=False))]

    blocks: list[Block] = [header(TITLE)]
    intro = intro_text(digest, channel_name)
    if intro:
        blocks.append(context(intro))
    has_projects = bool(digest.new_projects or digest.more_projects)
    if has_projects:
        lines = [project_line(p) for p in digest.new_projects]
        blocks.extend(
            list_blocks(
                f":sparkles: *New projects* ({len(digest.new_projects) + digest.more_projects})",
                lines,
                more=digest.more_projects,
                commands=find_commands(digest.filters, issues=False),
                noun="new project",
            )
        )
    if digest.new_issues or digest.more_issues:
        if has_projects:
            blocks.append(divider())
        total = len(digest.new_issues) + digest.more_issues
        blocks.extend(
            list_blocks(
                f":raised_hand: *New help-wanted and good first issues* ({total})",
                [issue_line(i) for i in digest.new_issues],
                more=digest.more_issues,
                commands=find_commands(digest.filters, issues=True),
                noun="issue",
            )
        )
    stats = stats_text(digest.contribution_stats)
    if stats:
        blocks.append(context(stats))
    blocks.append(context(footer_text(digest)))
    return fallback_text(digest), fit(blocks)


# --- the parts -----------------------------------------------------------------------------------


def project_line(project: DigestProject) -> str:
    facts = [code(project.full_name, 200)]
    if project.language:
        facts.append(escaped(project.language, 60))
    about = escaped(project.description, 200)
    tail = f" ({', '.join(facts)})" + (f": {about}" if about else "")
    title = project.title or project.full_name
    line = f"• *{link(project.url, _one_line(title, 150))}*{tail}"
    return line if len(line) <= MAX_ITEM_LINE else f"• *{escaped(title, 150)}*{tail}"


def issue_line(issue: DigestIssue) -> str:
    label = f"#{issue.number} {_one_line(issue.title, 150)}"
    labels = " ".join(c for c in (code(x, 40) for x in issue.labels[:MAX_LABELS_SHOWN]) if c)
    tail = (f" {labels}" if labels else "") + (" _(assigned)_" if issue.assigned else "")
    project = link(issue.project_url, issue.project_full_name)
    line = f"• {link(issue.url, label)} in {project}{tail}"
    if len(line) <= MAX_ITEM_LINE:
        return line
    return f"• {escaped(label, 200)} in {code(issue.project_full_name, 200)}{tail}"


def list_blocks(heading: str, lines: list[str], *, more: int, commands: list[str], noun: str) -> list[Block]:
    """The heading and item lines packed into sections; then "and K more" with the find to see them."""
    texts: list[str] = []
    current = heading
    shown = 0
    for line in lines:
        if len(current) + 1 + len(line) > MAX_SECTION_TEXT:
            if len(texts) + 1 >= MAX_SECTIONS_PER_LIST:
                break
            texts.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
        shown += 1
    texts.append(current)
    out = [section(t) for t in texts]
    hidden = more + len(lines) - shown
    if hidden > 0:
        out.append(context(more_text(hidden, commands, noun)))
    return out


def more_text(count: int, commands: list[str], noun: str) -> str:
    text = f"…and {_count(count, noun).replace(' ', ' more ', 1)}"
    if not commands:
        return text + "."
    return text + ": " + " or ".join(code(f"/innersource find {c}", MAX_FIND_COMMAND) for c in commands)


def find_commands(filters: str, *, issues: bool) -> list[str]:
    """The `/innersource find` queries (after `find `) that show more of a section, if find can run them."""
    query = dataclasses.replace(parse_query(filters), include_archived=False, sort="relevance", problems=[])
    if not issues:
        if query.is_empty:  # find refuses `sort:new` alone: it needs words or a filter
            return []
        return [dataclasses.replace(query, sort="new").text()]
    if query.labels:
        return [query.text()]
    return [dataclasses.replace(query, labels=[label]).text() for label in (HELP_WANTED, GOOD_FIRST_ISSUE)]


def intro_text(digest: Digest, channel_name: str) -> str:
    parts = []
    channel = channel_name.strip().lstrip("#")
    if channel:
        parts.append(f"New in the catalog for #{escaped(channel, 80)}")
    if digest.filters:
        parts.append(f"filters: {code(digest.filters, 300)}")
    return " · ".join(parts)


def stats_text(stats: ContributionStats | None) -> str:
    """One line of aggregated figures; never a name."""
    if stats is None or stats.is_empty:
        return ""
    text = (
        f":handshake: Cross-team contributions: {_count(stats.opened, 'pull request')} opened "
        f"in {_count(stats.projects, 'project')} by people outside the owning teams, "
        f"{stats.closed} merged or closed"
    )
    if stats.median_first_response_hours is not None:
        text += f"; median first response within {_hours(stats.median_first_response_hours)}"
    return text + "."


def footer_text(digest: Digest) -> str:
    start, end = digest.period_start, digest.period_end
    return (
        f"New since {_slack_date(start)}, up to {_slack_date(end)} ({_span(start, end)}). "
        "Manage this channel's digests with `/innersource subscriptions`."
    )


def quiet_text(digest: Digest, *, plain: bool) -> str:
    span = digest.period_end - digest.period_start
    word = (
        "day"
        if span <= timedelta(hours=36)
        else "week"
        if span <= timedelta(days=8)
        else "month"
        if span <= timedelta(days=32)
        else "period"
    )
    since = _plain_date(digest.period_start) if plain else _slack_date(digest.period_start)
    filters = f" matching {code(digest.filters, 300)}" if digest.filters else ""
    return f":zzz: Quiet {word}: no new projects or help-wanted issues{filters} since {since}."


def fallback_text(digest: Digest) -> str:
    """The notification and screen-reader text: counts and the first items, escaped like the blocks."""
    parts = [f"{TITLE} for the last {_span(digest.period_start, digest.period_end)}"]
    project_total = len(digest.new_projects) + digest.more_projects
    if project_total:
        names = ", ".join(escaped(p.title, 80) for p in digest.new_projects[:5])
        parts.append(f"{_count(project_total, 'new project')}" + (f": {names}" if names else ""))
    issue_total = len(digest.new_issues) + digest.more_issues
    if issue_total:
        titles = ", ".join(
            f"#{i.number} {escaped(i.title, 80)} ({escaped(i.project_full_name, 80)})"
            for i in digest.new_issues[:5]
        )
        noun = _count(issue_total, "new help-wanted or good first issue")
        parts.append(noun + (f": {titles}" if titles else ""))
    return truncate(". ".join(parts) + ".", MAX_FALLBACK_TEXT)


# --- words ---------------------------------------------------------------------------------------


def _one_line(text: str, limit: int) -> str:
    return truncate(" ".join(text.split()), limit)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _hours(hours: float) -> str:
    if hours < 1:
        return "an hour"
    if hours < 48:
        return _count(round(hours), "hour")
    return _count(round(hours / 24), "day")


def _plain_date(when: datetime) -> str:
    utc = when.astimezone(UTC)
    return f"{utc:%A} {utc.day} {utc:%B %Y, %H:%M} UTC"


def _slack_date(when: datetime) -> str:
    """Shown in each reader's own timezone by Slack; the plain UTC words are the fallback."""
    return date_token(int(when.timestamp()), "{date_long_pretty} {time}", _plain_date(when))


def _span(start: datetime, end: datetime) -> str:
    hours = round((end - start).total_seconds() / 3600)
    if hours > 0 and hours % 24 == 0:
        return _count(hours // 24, "day")
    return f"{hours / 24:.1f} days" if hours >= 48 else _count(hours, "hour")
