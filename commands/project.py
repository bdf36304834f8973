"""`/innersource project <name>`: the full card of one project."""

from sqlmodel import Session, col, select

from chatbot.catalog import views as catalog_views
from chatbot.catalog.cards import detail_for, is_helpable
from chatbot.catalog.queries import find_project_by_name, issue_counts
from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.models import Issue
from chatbot.slack import blocks
from commands.router import Subcommand

ISSUES_SHOWN = 5
QUOTES = "\"'`“”‘’«»"


def helpable_issues(session: Session, project_id: int) -> list[Issue]:
    """Open help-wanted and good first issues: unassigned ones first, then the newest."""
    issues = session.exec(
        select(Issue)
        .where(col(Issue.project_id) == project_id, col(Issue.state) == "open")
        .order_by(col(Issue.created_at).desc(), col(Issue.number).desc())
    ).all()
    return sorted((i for i in issues if is_helpable(i.labels)), key=lambda i: bool(i.assignees))


def project_command(ctx: CommandContext, args: str) -> Reply:
    name = " ".join(args.split()).strip(QUOTES).strip()
    if not name:
        raise UsageError("Which project? Give its name.")
    shown_name = blocks.escape(blocks.one_line(name, 100))
    with Session(ctx.deps.engine) as session:
        found = find_project_by_name(session, name)
        if not found:
            return Reply(
                text=f"I can't find a project called “{shown_name}”. Try /innersource find {shown_name}",
                blocks=blocks.notice(
                    f"I can't find a project called “{shown_name}”. Try `/innersource find {shown_name}`."
                ),
            )
        project, others = found[0], found[1:]
        assert project.id is not None
        detail = detail_for(
            project,
            issue_counts(session, [project.id])[project.id],
            helpable_issues(session, project.id),
            shown=ISSUES_SHOWN,
            also=[p.full_name for p in others],
        )
    return Reply(text=catalog_views.project_detail_text(detail), blocks=catalog_views.project_detail(detail))


SUBCOMMAND = Subcommand(
    name="project",
    summary="Show one project: what it is, how to contribute, who to talk to.",
    usage="project <name>",
    examples=("project payments-sdk",),
    handler=project_command,
)
