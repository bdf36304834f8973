"""`/innersource project <name>`: one project's card."""

from sqlmodel import Session

from chatbot.catalog.cards import card_for
from chatbot.catalog.queries import find_project_by_name, issue_counts
from chatbot.slack import blocks
from commands.router import CommandContext, Reply, Subcommand, UsageError


def project_command(ctx: CommandContext, args: str) -> Reply:
    name = args.strip().strip("\"'`")
    if not name:
        raise UsageError("Which project? Give its name.")
    with Session(ctx.deps.engine) as session:
        found = find_project_by_name(session, name)
        if not found:
            return Reply(
                text=f"I can't find a project called “{name}”.",
                blocks=blocks.notice(
                    f"I can't find a project called “{blocks.escape(blocks.one_line(name, 100))}”. "
                    f"Try `/innersource find {blocks.escape(blocks.one_line(name, 100))}`."
                ),
            )
        project = found[0]
        assert project.id is not None
        card = card_for(project, issue_counts(session, [project.id])[project.id])
    return Reply(
        text=blocks.project_card_text(card),
        blocks=blocks.project_card(card) + blocks.catalog_findings(card),
    )


SUBCOMMAND = Subcommand(
    name="project",
    summary="Show one project: what it is, how to contribute, who to talk to.",
    usage="project <name>",
    examples=("project payments-sdk",),
    handler=project_command,
)
