"""Block Kit for onboarding: the App Home view, the welcome DM with its checklist, DM answers, modals.

Pure functions over plain data. Everything that comes from a forge, a catalog or a person (issue titles,
project names, logins, filters, skills) goes through `blocks.escape` before it becomes mrkdwn.
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from chatbot.catalog import views as catalog_views
from chatbot.catalog.views import FindAction
from chatbot.nudges.queries import WaitingContribution
from chatbot.onboarding.checklist import Progress
from chatbot.onboarding.home import HomeData, SubscriptionLine
from chatbot.onboarding.owners import Contact, ProjectPeople
from chatbot.onboarding.recommend import Recommendation
from chatbot.slack import blocks
from chatbot.slack.blocks import Block, escape, escaped, link, one_line, section
from chatbot.slack.markup import channel_mention, mention

MAX_HOME_BLOCKS = 100
MAX_VIEW_TITLE = 24
RECOMMENDATIONS_SHOWN = 8
WAITING_SHOWN = 10
SUBSCRIPTIONS_SHOWN = 15
MAX_LINKED_URL = 1000  # longer (odd) URLs stay on the Open button, not in the text
EXAMPLES = (
    "how do I contribute?",
    "what is innersource?",
    "find me a python project",
    "good first issues for react",
    "who owns payments-sdk",
    "set my skills to go, rust",
)


class HomeAction(StrEnum):
    """Action ids (and, for the forms, view callback ids) that the Home, the welcome and the forms emit."""

    EDIT_SKILLS = "home_edit_skills"
    LINK_IDENTITY = "home_link_identity"
    SEARCH = "home_search"
    PICK_ISSUE = "pick_first_issue"
    GUIDE = "innersource_guide"


FORGE_CHOICES = (("github", "GitHub"), ("gitlab", "GitLab"), ("gitee", "Gitee"))


# --- small pieces ------------------------------------------------------------------------------------


def skills_text(skills: Sequence[str]) -> str:
    return ", ".join(f"`{escaped(s, 40)}`" for s in skills)


def days_ago(then: datetime | None, now: datetime) -> str:
    if then is None:
        return ""
    days = (now - then).days
    if days <= 0:
        return "today"
    return "yesterday" if days == 1 else f"{days} days ago"


def recommendation_block(rec: Recommendation, now: datetime) -> Block:
    issue = rec.issue
    label = f"#{issue.number} {one_line(issue.title, 150)}"
    title = link(issue.url, label) if len(issue.url) <= MAX_LINKED_URL else escape(label)
    kind = ":seedling: good first issue" if rec.good_first else ":raised_hand: help wanted"
    facts = [f"*{escaped(issue.project_name, 150)}*", kind]
    if rec.matched:
        facts.append("matches " + ", ".join(escaped(s, 40) for s in rec.matched[:3]))
    when = days_ago(issue.fresh_at, now)
    if when:
        facts.append(when)
    button = blocks.url_button("Open", issue.url, HomeAction.PICK_ISSUE)
    if button is not None:
        button["value"] = f"{issue.project_id}:{issue.number}"
    return section(f"{title}\n" + " · ".join(facts), accessory=button)


def recommendation_blocks(
    recs: Sequence[Recommendation],
    skills: Sequence[str],
    now: datetime,
    *,
    shown: int = RECOMMENDATIONS_SHOWN,
) -> list[Block]:
    if skills:
        head = f"*Good first issues for you* (skills: {skills_text(skills[:10])})"
    else:
        head = "*Fresh good first issues* (tell me your skills to see the ones that match them)"
    if not recs:
        what = "match your skills" if skills else "are open"
        return [
            section(head),
            section(
                f"No unassigned good first or help-wanted issues {what} right now. "
                "Browse with `/innersource find has:good-first-issue`, or add skills."
            ),
        ]
    return [section(head), *(recommendation_block(r, now) for r in recs[:shown])]


def checklist_text(progress: Progress) -> str:
    lines = []
    for info, done in progress.items():
        if done:
            lines.append(f":white_check_mark: ~{info.title}~")
        else:
            lines.append(f":white_large_square: *{info.title}*: {info.how}")
    if progress.complete:
        lines.append(":tada: All four done. Thank you for joining in!")
    return "\n".join(lines)


def progress_line(progress: Progress) -> str:
    return f"*Getting started* ({len(progress.done)} of {len(progress.items())} done)"


def waiting_text(item: WaitingContribution) -> str:
    label = f"{one_line(item.project_name, 100)} #{item.number} {one_line(item.title, 120)}"
    flag = " :rotating_light: *past the review SLA*" if item.overdue else ""
    days = f"{item.waited_working_days:.1f}".rstrip("0").rstrip(".")
    return (
        f"• {link(item.url, label)} by {escaped(item.author, 60)}, waiting {days} working "
        f"day{'s' if days != '1' else ''}{flag}"
    )


def subscription_text(line: SubscriptionLine) -> str:
    filters = f" matching `{escaped(line.filters.replace('`', ''), 200)}`" if line.filters else ""
    paused = " · :double_vertical_bar: paused" if line.paused else ""
    return f"• `#{line.id}` {channel_mention(line.channel_id)} {escape(line.schedule)}{filters}{paused}"


def lines_section(lines: Sequence[str]) -> Block:
    """One line per item in one section; past its size limit, "and K more"."""
    return section(blocks.join_within(list(lines), blocks.MAX_SECTION_TEXT - 20, sep="\n"))


def guide_button(guide_url: str | None) -> Block | None:
    return blocks.url_button("InnerSource guide", guide_url, HomeAction.GUIDE) if guide_url else None


# --- the App Home ------------------------------------------------------------------------------------


def home_view(home: HomeData) -> dict[str, Any]:
    """The personal Home tab: published fresh on every `app_home_opened`."""
    b: list[Block] = [
        blocks.header("InnerSource: help other teams, get help with yours"),
        section(
            f"Hi {mention(home.user_id)}! Here are issues you could pick up, what waits on you, "
            "and your settings. "
            "You can also write to me in the *Messages* tab, e.g. "
            + ", ".join(f"“{e}”" for e in EXAMPLES[:4])
            + "."
        ),
        blocks.actions(
            "home:top",
            blocks.action_button("Search projects", HomeAction.SEARCH, "search"),
            blocks.action_button("Edit skills", HomeAction.EDIT_SKILLS, "skills"),
            guide_button(home.guide_url),
        ),
    ]
    if home.notes:
        b.append(blocks.context(*home.notes[:3]))
    if home.progress is not None and not home.progress.complete:
        b += [blocks.divider(), section(progress_line(home.progress) + "\n" + checklist_text(home.progress))]

    b.append(blocks.divider())
    skills = skills_text(home.skills) if home.skills else "_none yet_: add a few to get issues matched to you"
    b.append(
        section(
            f"*Your skills:* {skills}",
            accessory=blocks.action_button("Edit", HomeAction.EDIT_SKILLS, "skills"),
        )
    )
    b.extend(recommendation_blocks(home.recommendations, home.skills, home.now))

    b.append(blocks.divider())
    if home.waiting:
        overdue = sum(1 for w in home.waiting if w.overdue)
        head = f"*Contributions waiting on you as an owner* ({len(home.waiting)}"
        head += f", {overdue} past the SLA)" if overdue else ")"
        b.append(section(head))
        b.append(lines_section([waiting_text(w) for w in home.waiting[:WAITING_SHOWN]]))
        if len(home.waiting) > WAITING_SHOWN:
            b.append(blocks.context(f"and {len(home.waiting) - WAITING_SHOWN} more: `/innersource stale`"))
    elif home.identities:
        b.append(section("*Contributions waiting on you as an owner:* none right now :sparkles:"))
    else:
        b.append(
            section(
                "*Contributions waiting on you as an owner:* link your forge account below and I'll list "
                "pull requests from other teams that wait on your review."
            )
        )

    b.append(blocks.divider())
    if home.subscriptions:
        b.append(section(f"*Digests you set up* ({len(home.subscriptions)})"))
        lines = [subscription_text(s) for s in home.subscriptions[:SUBSCRIPTIONS_SHOWN]]
        b.append(lines_section(lines))
        if len(home.subscriptions) > SUBSCRIPTIONS_SHOWN:
            b.append(
                blocks.context(
                    f"and {len(home.subscriptions) - SUBSCRIPTIONS_SHOWN} more: "
                    "`/innersource subscriptions` in a DM with me"
                )
            )
    else:
        b.append(
            section(
                "*Digests you set up:* none. Run `/innersource subscribe` in your team's channel for a "
                "weekly digest of new projects and help-wanted issues."
            )
        )

    b.append(blocks.divider())
    if home.identities:
        linked = ", ".join(
            f"{escape(forge)} `{escaped(login, 100)}`" for forge, login in home.identities[:10]
        )
        accounts = f"*Your forge accounts:* {linked}"
    else:
        accounts = "*Your forge accounts:* none linked yet"
    b.append(
        section(accounts, accessory=blocks.action_button("Link an account", HomeAction.LINK_IDENTITY, "link"))
    )
    if not home.nudges_enabled:
        b.append(blocks.context("Review reminders are off for you."))
    b.append(blocks.context(f"Updated {home.now:%Y-%m-%d %H:%M} UTC, each time you open this tab."))
    return {"type": "home", "callback_id": "innersource_home", "blocks": blocks.fit(b, MAX_HOME_BLOCKS)}


# --- the welcome DM ----------------------------------------------------------------------------------

DEFAULT_WELCOME = (
    ":wave: Welcome, {user}! I'm the InnerSource bot. Here teams open their code to each other: "
    "anyone can find a project, ask its people and send a change, the way open-source communities work. "
    "I can help you get started."
)


def welcome_message(
    user_id: str,
    progress: Progress | None,
    *,
    guide_url: str | None = None,
    welcome_text: str | None = None,
) -> tuple[str, list[Block]]:
    """The welcome DM; `progress` None leaves the checklist out. Returns (fallback text, blocks)."""
    intro = (welcome_text or DEFAULT_WELCOME).replace("{user}", mention(user_id))
    b: list[Block] = [section(intro)]
    text = intro
    if progress is not None:
        b.append(section(progress_line(progress) + "\n" + checklist_text(progress)))
        text += f" Getting started: {len(progress.done)} of {len(progress.items())} done."
    guide = guide_button(guide_url)
    b.append(blocks.actions("welcome", guide) if guide is not None else blocks.divider())
    b.append(
        blocks.context(
            "Ask me anything here in plain words, e.g. " + ", ".join(f"“{e}”" for e in EXAMPLES[:5]) + "."
        )
    )
    return blocks.truncate(text, blocks.MAX_FALLBACK_TEXT), b


# --- modals ------------------------------------------------------------------------------------------


def _text_input(
    block_id: str, label: str, *, initial: str = "", hint: str = "", optional: bool = False
) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": 1000}
    if initial:
        element["initial_value"] = initial[:1000]
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": blocks.plain(label, 2000),
        "element": element,
    }
    if hint:
        block["hint"] = blocks.plain(hint, 2000)
    if optional:
        block["optional"] = True
    return block


def _modal(callback_id: str, title: str, submit: str, body: list[Block]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": blocks.plain(title, MAX_VIEW_TITLE),
        "submit": blocks.plain(submit, MAX_VIEW_TITLE),
        "close": blocks.plain("Cancel", MAX_VIEW_TITLE),
        "blocks": body,
    }


def skills_modal(skills: Sequence[str]) -> dict[str, Any]:
    return _modal(
        HomeAction.EDIT_SKILLS,
        "Your skills",
        "Save",
        [
            _text_input(
                "skills",
                "Skills, separated by commas",
                initial=", ".join(skills),
                hint="e.g. python, react, terraform. Up to 20; leave empty to clear them.",
                optional=True,
            )
        ],
    )


def link_identity_modal() -> dict[str, Any]:
    forge_options = [{"text": blocks.plain(label), "value": value} for value, label in FORGE_CHOICES]
    return _modal(
        HomeAction.LINK_IDENTITY,
        "Link a forge account",
        "Link",
        [
            {
                "type": "input",
                "block_id": "forge",
                "label": blocks.plain("Forge"),
                "element": {
                    "type": "static_select",
                    "action_id": "value",
                    "options": forge_options,
                    "initial_option": forge_options[0],
                },
            },
            _text_input("login", "Your login there", hint="As in your profile URL, e.g. octocat"),
            blocks.context("Linked accounts let me tell you when contributions wait on your review."),
        ],
    )


def search_modal() -> dict[str, Any]:
    return _modal(
        HomeAction.SEARCH,
        "Search projects",
        "Search",
        [
            _text_input(
                "query",
                "What do you need?",
                hint="Words, and filters such as lang:python or has:good-first-issue. "
                "The results come as a DM.",
            )
        ],
    )


# --- DM answers --------------------------------------------------------------------------------------


def help_blocks(lead: str = "") -> list[Block]:
    examples = "\n".join(f"• “{e}”" for e in EXAMPLES)
    parts = [lead] if lead else []
    parts.append(f"Write to me in plain words, for example:\n{examples}")
    parts.append("Slash commands work too: `/innersource help` lists them.")
    return [section("\n\n".join(parts))]


ROLE_TITLES = {"trusted_committer": "Trusted committers", "codeowner": "Code owners", "admin": "Admins"}


def contact_text(contact: Contact) -> str:
    name = escaped(contact.name, 100)
    extras = []
    if contact.login and contact.login != contact.name:
        extras.append(f"`{escaped(contact.login, 100)}`")
    if contact.slack_user_id:
        extras.append(mention(contact.slack_user_id))
    return f"{name} ({', '.join(extras)})" if extras else name


def owner_blocks(people: ProjectPeople) -> list[Block]:
    """Who to talk to about one project: people by role, its chat, how to contribute."""
    head = f"*{link(people.url, people.title)}* `{escaped(people.full_name.replace('`', ''), 200)}`"
    lines = [head]
    for role, title in ROLE_TITLES.items():
        names = [contact_text(c) for c in people.contacts if c.role == role]
        if names:
            lines.append(f"*{title}:* " + blocks.join_within(names, 800))
    if not people.contacts:
        lines.append("No owners are listed for it yet; its repository's issues are the place to ask.")
    if people.chat_channel:
        lines.append(f"*Chat:* {catalog_views.chat_text(people.chat_channel)}")
    out = [section("\n".join(lines))]
    if people.also:
        others = blocks.join_within([f"`{escaped(n, 200)}`" for n in people.also], 1000)
        out.append(blocks.context(f"Also called that: {others}"))
    out.append(
        blocks.actions(
            f"project:{people.project_id}",
            blocks.url_button("Contribute", people.contribute_url, FindAction.CONTRIBUTE)
            if people.contribute_url
            else None,
            blocks.action_button("Good first issues", FindAction.GOOD_FIRST_ISSUES, str(people.project_id)),
        )
    )
    return out


def owner_text(people: ProjectPeople) -> str:
    names = ", ".join(
        escape(c.name) + (f" ({escape('@' + c.login)})" if c.login and c.login != c.name else "")
        for c in people.contacts
    )
    return f"{escape(people.title)} ({escape(people.full_name)}): " + (names or "no owners listed yet")
