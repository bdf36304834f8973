"""Block Kit for nudges: the batched DM, the channel post, and the `/innersource stale` listing.

The wording helps and never shames: it says what waits, for how long against the team's own goal, and
offers one-click answers. Forge-supplied text (titles, logins, repository names) is escaped.
"""

from collections.abc import Sequence
from enum import StrEnum

from chatbot.nudges.calendar import describe_working_days
from chatbot.nudges.policy import AUTHOR, CHANNEL, ESCALATION, Item, Plan
from chatbot.nudges.queries import WaitingContribution
from chatbot.slack.blocks import (
    Block,
    action_button,
    actions,
    code,
    context,
    divider,
    escaped,
    fit,
    link,
    one_line,
    section,
    truncate,
    url_button,
)

MAX_ITEMS = 10  # per message; the rest are counted and pointed at `/innersource stale`


class NudgeAction(StrEnum):
    OPEN = "nudge_open"
    SNOOZE_1 = "nudge_snooze_1"
    SNOOZE_3 = "nudge_snooze_3"
    ON_IT = "nudge_on_it"
    NOT_MINE = "nudge_not_mine"


ANSWER_ACTIONS = (NudgeAction.SNOOZE_1, NudgeAction.SNOOZE_3, NudgeAction.ON_IT, NudgeAction.NOT_MINE)
BLOCK_PREFIX = "nudge:"

_LEADS = {
    "owner": (
        ":wave: Hi! {count} from other teams {verb} waiting for a first response from you. A quick look, "
        "or a short note saying when you'll get to it, keeps contributors coming back."
    ),
    "escalation": (
        ":hourglass_flowing_sand: {count} from other teams {verb} waiting well past the team's review goal. "
        "As an owner of the project, could you find someone to take a first look?"
    ),
    "author": ":seedling: The owners answered your contribution; {count} {verb} waiting on your update.",
    "channel": (
        ":seedling: {count} from other teams {verb} waiting a while for a first response. "
        "Could someone here take a first look, or say when the team will get to it?"
    ),
}


def nudge_message(plan: Plan) -> tuple[str, list[Block]]:
    """(fallback text, blocks) for one plan: a person's DM or a channel post."""
    items = list(plan.items)
    count = _count(len(items))
    verb = "is" if len(items) == 1 else "are"
    lead = _LEADS[plan.kind].format(count=count, verb=verb)
    blocks: list[Block] = [section(lead)]
    for item in items[:MAX_ITEMS]:
        blocks.append(divider())
        blocks.append(section(item_text(item)))
        blocks.append(item_actions(item, in_channel=plan.kind == CHANNEL))
    hidden = len(items) - MAX_ITEMS
    if hidden > 0:
        blocks.append(context(f"…and {hidden} more: see them all with `/innersource stale`."))
    blocks.append(context(_footer(plan.kind)))
    first = items[0] if items else None
    text = lead.split(". ")[0].removeprefix(":wave: ")
    if first is not None:
        c = first.contribution
        text += f": {escaped(first.project.name, 120)}#{c.number} {escaped(c.title, 100)}"  # notifications
    return truncate(text, 3000), fit(blocks)


def item_text(item: Item) -> str:
    c, project = item.contribution, item.project
    title = link(c.url, f"#{c.number} {one_line(c.title, 150)}")
    marker = ":hourglass_flowing_sand: " if item.level in (ESCALATION, CHANNEL) else ""
    author = "" if item.level == AUTHOR else f" · by {code(c.author, 60)}"
    return f"{marker}*{title}* · {code(project.name, 120)}{author}\n{escaped(item.why, 500)}"


def item_actions(item: Item, *, in_channel: bool = False) -> Block:
    cid = item.contribution.id
    opener = url_button("Open", item.contribution.url, NudgeAction.OPEN)
    if item.level == AUTHOR:
        return actions(f"{BLOCK_PREFIX}{cid}", opener)
    if in_channel:
        return actions(
            f"{BLOCK_PREFIX}{cid}", opener, action_button("I'm on it", NudgeAction.ON_IT, str(cid), "primary")
        )
    return actions(
        f"{BLOCK_PREFIX}{cid}",
        opener,
        action_button("Snooze 1 day", NudgeAction.SNOOZE_1, str(cid)),
        action_button("Snooze 3 days", NudgeAction.SNOOZE_3, str(cid)),
        action_button("I'm on it", NudgeAction.ON_IT, str(cid), "primary"),
        action_button("Not mine", NudgeAction.NOT_MINE, str(cid)),
    )


def answered(blocks: Sequence[Block], contribution_id: int, note: str) -> list[Block]:
    """The message again, with one item's buttons replaced by what was answered (`note`, our mrkdwn)."""
    block_id = f"{BLOCK_PREFIX}{contribution_id}"
    return [context(note) if b.get("block_id") == block_id else dict(b) for b in blocks]


def stale_listing(entries: Sequence[WaitingContribution], *, project: str | None) -> list[Block]:
    """The waiting contributions (longest wait first), with how long each waited against its goal."""
    where = f" in {code(project, 120)}" if project else ""
    if not entries:
        text = (
            f":white_check_mark: Nothing waits on its owners{where} right now."
            if project
            else ":white_check_mark: No contribution waits past its review goal right now."
        )
        return [section(text)]
    noun = "contribution waits" if len(entries) == 1 else "contributions wait"
    head = (
        f"*{len(entries)} {noun} on the owners{where}*"
        if project
        else f"*{len(entries)} {noun} past the review goal*"
    )
    blocks: list[Block] = [section(head)]
    lines: list[str] = []
    for e in entries[: MAX_ITEMS * 3]:
        flag = ":hourglass_flowing_sand: " if e.overdue else ""
        title = link(e.url, f"#{e.number} {one_line(e.title, 120)}")
        lines.append(
            f"{flag}{title} · {code(e.project_name, 120)} · by {code(e.author, 60)} · waiting "
            f"{describe_working_days(e.waited_working_days)} (goal {describe_working_days(e.sla_days)})"
        )
    blocks.extend(section(chunk) for chunk in _chunks(lines))
    hidden = len(entries) - MAX_ITEMS * 3
    if hidden > 0:
        blocks.append(context(f"…and {hidden} more. `/innersource stale <project>` shows one project's."))
    blocks.append(context("Waiting = working days since it was opened or last updated by its author."))
    return fit(blocks)


def _chunks(lines: Sequence[str], limit: int = 2900) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks


def _count(n: int) -> str:
    return f"{n} contribution{'s' if n != 1 else ''}"


def _footer(kind: str) -> str:
    if kind == CHANNEL:
        return "Sent once per contribution. Each project sets its review goal in innersource.json."
    return (
        "At most one of these a day, in your working hours. `/innersource nudges off` turns them off; "
        "`/innersource stale` lists everything waiting."
    )
