"""The reply to each `Intent`: short explanations, search, recommendations, owners, skills."""

import logging
from collections.abc import Callable

from sqlmodel import Session

from chatbot.catalog.queries import find_project_by_name
from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.onboarding.checklist import load_progress, progress
from chatbot.onboarding.owners import people_of
from chatbot.onboarding.recommend import recommended_issues
from chatbot.onboarding.skills import stored_skills
from chatbot.onboarding.views import (
    checklist_text,
    help_blocks,
    owner_blocks,
    owner_text,
    progress_line,
    recommendation_blocks,
)
from chatbot.onboarding.welcome import tick_off
from chatbot.slack import blocks
from chatbot.slack.blocks import escape, escaped, link
from chatbot.slack.markup import mention
from commands import find, skills
from commands.plain_words.intents import Intent

logger = logging.getLogger(__name__)

RECOMMENDED = 5

WHAT_IS_INNERSOURCE = (
    "*What is InnerSource?*\n"
    "It is open source's way of working, used inside the company. A team's code is open to every other "
    "team: when you need a change in someone else's service or library, you can propose it yourself "
    "instead of filing a request and waiting, or quietly building your own copy.\n\n"
    "The owning team stays in charge. Its *trusted committers* review what comes in, help contributors "
    "get it right and merge it; discussions happen in the open, so the next person can find them.\n\n"
    "What it buys us: less duplicated work, fixes made where they belong, and people who know each "
    "other's systems. Ask me “how do I contribute?” for the practical side."
)
HOW_TO_CONTRIBUTE = (
    "*How contributing works here*\n"
    "1. *Find the project and its people.* Ask me (“find me a python project”, “who owns payments-sdk”) "
    "or use `/innersource find`; each project card links its CONTRIBUTING guide and chat.\n"
    "2. *Read CONTRIBUTING first.* It says how the project takes changes: which checks must pass, how "
    "large a change may be, what needs an issue before code.\n"
    "3. *Talk to the trusted committers before anything big.* They are the host team's reviewers and "
    "mentors; an issue or a message in the project's channel saves you a rewrite.\n"
    "4. *Fork or branch, then open a pull request.* Fork the repository (or push a branch if you have "
    "write access), keep the change small and focused, and link the issue.\n"
    "5. *The 30-day warranty.* After your change is merged you stay reachable for about 30 days to fix "
    "what it breaks; after that the host team owns it like its own code.\n\n"
    "Want something small to start with? Ask me for “good first issues”."
)


def answer(intent: Intent, ctx: CommandContext) -> Reply:
    """The reply for one message; never raises (a failure becomes an apology that changes nothing)."""
    try:
        return tick_off(ctx, ANSWERS[intent.kind](intent, ctx))
    except UsageError as exc:
        return _notice(f":information_source: {escape(str(exc))}")
    except Exception:
        logger.exception("answering a %s message failed", intent.kind)
        return _notice(
            ":warning: Sorry, something went wrong on my side. Nothing was changed; try again in a minute."
        )


def _notice(text: str) -> Reply:
    return Reply(text=text, blocks=blocks.notice(text))


def _with_guide(text: str, ctx: CommandContext) -> Reply:
    guide = ctx.deps.settings.app.guide_url
    if guide:
        text += f"\n\nOur company's guide has the details: {link(guide, 'InnerSource guide')}"
    return _notice(text)


def _help(intent: Intent, ctx: CommandContext) -> Reply:
    lead = ""
    if intent.argument:
        lead = f"I'm not sure what you mean by “{escaped(intent.argument, 100)}”."
    return Reply(text=(lead + " Try “how do I contribute?” or “help”.").strip(), blocks=help_blocks(lead))


def _hello(intent: Intent, ctx: CommandContext) -> Reply:
    lead = f":wave: Hi {mention(ctx.user_id)}! I help you find InnerSource projects and your way into them."
    return Reply(text=lead, blocks=help_blocks(lead))


def _thanks(intent: Intent, ctx: CommandContext) -> Reply:
    return _notice("You're welcome! Write “help” any time to see what I can do.")


def _checklist(intent: Intent, ctx: CommandContext) -> Reply:
    with Session(ctx.deps.engine) as session:
        state = load_progress(session, ctx.user_id) or progress(())
    return _notice(progress_line(state) + "\n" + checklist_text(state))


def _about(intent: Intent, ctx: CommandContext) -> Reply:
    return _with_guide(WHAT_IS_INNERSOURCE, ctx)


def _contribute(intent: Intent, ctx: CommandContext) -> Reply:
    return _with_guide(HOW_TO_CONTRIBUTE, ctx)


def _search(intent: Intent, ctx: CommandContext) -> Reply:
    if not intent.argument:
        return _notice(
            "What should I look for? For example “find me a python project” or “find auth library”."
        )
    return find.find_command(ctx, intent.argument)


def _recommend(intent: Intent, ctx: CommandContext) -> Reply:
    with Session(ctx.deps.engine) as session:
        stored = stored_skills(session, ctx.user_id)
        wanted = list(intent.skills) or stored
        recs = recommended_issues(session, wanted, limit=RECOMMENDED)
    found = recommendation_blocks(recs, wanted, ctx.deps.clock(), shown=RECOMMENDED)
    if not wanted:
        found.append(
            blocks.context("Tell me your skills (“set my skills to python, react”) to get matching ones.")
        )
    elif intent.skills and not stored:
        found.append(
            blocks.context("Save these as your skills with “set my skills to …” to see them in my Home tab.")
        )
    return Reply(
        text=f"{len(recs)} good first issues"
        + (f" for {blocks.escape(', '.join(wanted))}" if wanted else ""),
        blocks=found,
    )


def _owner(intent: Intent, ctx: CommandContext) -> Reply:
    shown = escaped(intent.argument, 100)
    with Session(ctx.deps.engine) as session:
        found = find_project_by_name(session, intent.argument)
        if not found:
            return _notice(f"I can't find a project called “{shown}”. Try “find {shown}”.")
        people = people_of(session, found[0], also=[p.full_name for p in found[1:]])
    return Reply(
        text=blocks.truncate(owner_text(people), blocks.MAX_FALLBACK_TEXT), blocks=owner_blocks(people)
    )


def _skills(argument: Callable[[Intent], str]) -> Callable[[Intent, CommandContext], Reply]:
    def run(intent: Intent, ctx: CommandContext) -> Reply:
        return skills.skills_command(ctx, argument(intent))

    return run


ANSWERS: dict[str, Callable[[Intent, CommandContext], Reply]] = {
    "help": _help,
    "hello": _hello,
    "thanks": _thanks,
    "checklist": _checklist,
    "about": _about,
    "contribute": _contribute,
    "search": _search,
    "recommend": _recommend,
    "owner": _owner,
    "set_skills": _skills(lambda intent: intent.argument),
    "show_skills": _skills(lambda intent: ""),
    "clear_skills": _skills(lambda intent: "clear"),
}
