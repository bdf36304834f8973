"""`/innersource stale | nudges | link | unlink`: waiting contributions, and one's own nudge settings."""

from sqlmodel import Session, col, select

from chatbot.catalog.names import similar_project_names
from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.models import Person
from chatbot.nudges.identity import FORGES, link_identity, links_of, person_for, unlink_identity
from chatbot.nudges.queries import contributions_waiting_on, find_projects, stale_contributions
from chatbot.nudges.views import stale_listing
from chatbot.slack import blocks
from commands.router import Subcommand
from commands.views import did_you_mean


def stale_command(ctx: CommandContext, args: str) -> Reply:
    project = args.strip() or None
    settings = ctx.deps.settings
    with Session(ctx.deps.engine) as session:
        if project is not None and not find_projects(session, project):
            guess = did_you_mean(similar_project_names(session, project))
            raise UsageError(f"There is no project called `{project[:100]}` in the catalog. {guess}".strip())
        timezone = _timezone(session, ctx)
        entries = stale_contributions(
            session, now=ctx.deps.clock(), settings=settings, timezone=timezone, project=project
        )
    listing = stale_listing(entries, project=project)
    what = f" in {blocks.escape(project)}" if project else " past the review goal"
    return Reply(text=f"{len(entries)} contributions waiting{what}.", blocks=listing)


def nudges_command(ctx: CommandContext, args: str) -> Reply:
    choice = args.strip().lower()
    if choice not in ("", "on", "off", "status"):
        raise UsageError(f"`{choice[:40]}` is neither `on` nor `off`.")
    with Session(ctx.deps.engine) as session:
        person: Person | None
        if choice in ("on", "off"):
            person = person_for(session, ctx.user_id)
            person.nudges_enabled = choice == "on"
            person.updated_at = ctx.deps.clock()
            session.add(person)
            session.commit()
        else:
            person = _person(session, ctx.user_id)
        enabled = person.nudges_enabled if person is not None else True
        links = [f"{i.forge} {blocks.code(i.login, 60)}" for i in links_of(session, ctx.user_id)]
        waiting = contributions_waiting_on(
            session, ctx.user_id, now=ctx.deps.clock(), settings=ctx.deps.settings
        )
    lines = []
    if choice == "off":
        lines.append(":no_bell: Nudges are off for you. `/innersource nudges on` turns them back on.")
    elif choice == "on":
        lines.append(":bell: Nudges are on: at most one DM a day, in your working hours.")
    else:
        state = "on" if enabled else "off"
        lines.append(f"Nudges are *{state}* for you (`/innersource nudges {'off' if enabled else 'on'}`).")
    if links:
        lines.append("You are linked as " + ", ".join(links) + ".")
    else:
        lines.append("You have no forge login linked yet: `/innersource link github <your-login>`.")
    overdue = sum(1 for w in waiting if w.overdue)
    if waiting:
        lines.append(
            f"{len(waiting)} contribution{'s' if len(waiting) != 1 else ''} wait on you "
            f"({overdue} past the review goal): `/innersource stale` lists them."
        )
    text = "\n".join(lines)
    return Reply(text=text, blocks=blocks.notice(text))


def link_command(ctx: CommandContext, args: str) -> Reply:
    words = args.split()
    with Session(ctx.deps.engine) as session:
        if not words:
            links = links_of(session, ctx.user_id)
            if not links:
                text = "You have no forge logins linked. Link one: `/innersource link github <your-login>`."
            else:
                shown = "\n".join(f"• {i.forge} {blocks.code(i.login, 60)}" for i in links)
                text = f"*Your linked forge logins*\n{shown}"
            return Reply(text=text, blocks=blocks.notice(text))
        if len(words) != 2:
            raise UsageError(f"Give a forge ({', '.join(FORGES)}) and your login on it.")
        result = link_identity(session, ctx.user_id, words[0], words[1])
    return _result_reply(result.ok, result.message, LINK)


def unlink_command(ctx: CommandContext, args: str) -> Reply:
    words = args.split()
    if len(words) != 2:
        raise UsageError(f"Give the forge ({', '.join(FORGES)}) and the login to unlink.")
    with Session(ctx.deps.engine) as session:
        result = unlink_identity(session, ctx.user_id, words[0], words[1])
    return _result_reply(result.ok, result.message, UNLINK)


def _result_reply(ok: bool, message: str, subcommand: Subcommand) -> Reply:
    """`message` is mrkdwn already (escaped by identity), so it is not passed through UsageError."""
    if ok:
        return Reply(text=message, blocks=blocks.notice(f":link: {message}"))
    usage = f"*Usage:* `/innersource {blocks.escape(subcommand.usage)}`"
    return Reply(text=message, blocks=blocks.notice(f":information_source: {message}\n{usage}"))


def _person(session: Session, slack_user_id: str) -> Person | None:
    return session.exec(select(Person).where(col(Person.slack_user_id) == slack_user_id)).first()


def _timezone(session: Session, ctx: CommandContext) -> str | None:
    person = _person(session, ctx.user_id)
    return (person.timezone if person else None) or ctx.slack.user_timezone(ctx.user_id)


STALE = Subcommand(
    name="stale",
    summary=(
        "Contributions from other teams waiting past their review goal (working days since opened or "
        "last updated); name a project to see all of its waiting ones."
    ),
    usage="stale [project]",
    examples=("stale", "stale payments-sdk"),
    handler=stale_command,
)
NUDGES = Subcommand(
    name="nudges",
    summary="Your nudges about contributions waiting on you: on, off, or (alone) where you stand.",
    usage="nudges [on|off]",
    examples=("nudges", "nudges off", "nudges on"),
    handler=nudges_command,
)
LINK = Subcommand(
    name="link",
    summary="Link your forge login, so that nudges about your projects reach you; alone: your links.",
    usage="link [github|gitlab|gitee <login>]",
    examples=("link github octocat", "link gitlab jdoe", "link"),
    handler=link_command,
)
UNLINK = Subcommand(
    name="unlink",
    summary="Remove one of your linked forge logins.",
    usage="unlink github|gitlab|gitee <login>",
    examples=("unlink github octocat",),
    handler=unlink_command,
)
