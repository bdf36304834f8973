"""`/innersource skills [python, react, terraform | clear]`: what you know, for issues matched to you."""

from sqlmodel import Session

from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.onboarding.recommend import recommended_issues
from chatbot.onboarding.skills import SkillsError, parse_skills, save_skills, stored_skills
from chatbot.onboarding.views import recommendation_blocks, skills_text
from chatbot.onboarding.welcome import mark_done
from chatbot.slack import blocks
from commands.router import Subcommand

CLEAR_WORDS = ("clear", "none", "reset", "remove", "delete")
SHOWN_AFTER_SAVE = 3


def store_skills(ctx: CommandContext, text: str) -> list[str]:
    """Parse and save the person's skills (empty text clears them); raises SkillsError on bad input."""
    skills = [] if text.strip().lower() in ("", *CLEAR_WORDS) else parse_skills(text)
    with Session(ctx.deps.engine) as session:
        save_skills(session, ctx.user_id, skills, ctx.deps.clock())
    if skills:
        mark_done(ctx.deps, ctx.slack.client, ctx.user_id, "skills")
    return skills


def skills_command(ctx: CommandContext, args: str) -> Reply:
    args = args.strip()
    if not args:
        with Session(ctx.deps.engine) as session:
            skills = stored_skills(session, ctx.user_id)
        if not skills:
            text = (
                "You haven't told me your skills yet. "
                "For example: `/innersource skills python, react, terraform`."
            )
            return Reply(text=text, blocks=blocks.notice(text))
        text = (
            f"Your skills: {skills_text(skills)}. Change them with `/innersource skills …` or `skills clear`."
        )
        return Reply(text=text, blocks=blocks.notice(text))
    if args.lower() in CLEAR_WORDS:
        store_skills(ctx, "")
        text = (
            "Cleared your skills. Recommendations now show the freshest good first issues of every project."
        )
        return Reply(text=text, blocks=blocks.notice(text))
    try:
        skills = store_skills(ctx, args)
    except SkillsError as exc:
        raise UsageError(str(exc)) from None
    with Session(ctx.deps.engine) as session:
        recs = recommended_issues(session, skills, limit=SHOWN_AFTER_SAVE)
    saved = f":white_check_mark: Saved your skills: {skills_text(skills)}."
    found = recommendation_blocks(recs, skills, ctx.deps.clock(), shown=SHOWN_AFTER_SAVE) if recs else []
    more = blocks.context("More in my Home tab; they change as new issues are labelled.") if recs else None
    return Reply(
        text=f"Saved your skills: {blocks.escape(', '.join(skills))}.",
        blocks=[blocks.section(saved), *found, *([more] if more else [])],
    )


SUBCOMMAND = Subcommand(
    name="skills",
    summary=(
        "Tell me what you know, to get good first issues that match it (in the App Home and in DMs). "
        "Alone: show yours; `clear` forgets them."
    ),
    usage="skills [skill, skill, ...|clear]",
    examples=("skills python, react, terraform", "skills", "skills clear"),
    handler=skills_command,
)
