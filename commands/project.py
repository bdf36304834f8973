"""`/innersource project <name>`: the full card of one project."""

from sqlmodel import Session, col, select

from chatbot.catalog import views as catalog_views
from chatbot.catalog.cards import card_for, detail_for, is_helpable
from chatbot.catalog.names import similar_project_names
from chatbot.catalog.queries import GOOD_FIRST_ISSUE, find_project_by_name, issue_counts, open_labelled_issues
from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.models import Issue, Project
from chatbot.slack import blocks
from commands.router import Subcommand
from commands.views import did_you_mean

ISSUES_SHOWN = 5
GONE = "That project is no longer in the catalog."
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
            guess = blocks.escape(did_you_mean(similar_project_names(session, name)))
            lead = f"I can't find a project called “{shown_name}”." + (f" {guess}" if guess else "")
            return Reply(
                text=f"{lead} Or try /innersource find {shown_name}",
                blocks=blocks.notice(f"{lead} Or try `/innersource find {shown_name}`."),
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


def share_reply(ctx: CommandContext, project_id: int | None) -> Reply:
    """The result card of one project, posted in the channel by the person who pressed Share."""
    with Session(ctx.deps.engine) as session:
        project = session.get(Project, project_id) if project_id is not None else None
        if project is None or project.id is None:
            return Reply(text=GONE)
        card = card_for(project, issue_counts(session, [project.id])[project.id])
    shared = catalog_views.project_card(card, share=False)
    shared.append(blocks.context(f"Shared by {blocks.mention(ctx.user_id)} with `/innersource find`"))
    return Reply(text=catalog_views.project_card_text(card), blocks=shared, response_type="in_channel")


def good_first_issues_reply(ctx: CommandContext, project_id: int | None) -> Reply:
    with Session(ctx.deps.engine) as session:
        project = session.get(Project, project_id) if project_id is not None else None
        if project is None or project.id is None:
            return Reply(text=GONE)
        issues = open_labelled_issues(session, project.id, GOOD_FIRST_ISSUE)
        title = project.title or project.name
    if not issues:
        text = f"{blocks.escape(title)} has no open good first issues right now."
        return Reply(text=text, blocks=blocks.notice(text))
    lines = [f"• {blocks.link(i.url, blocks.one_line(i.title, 150))}" for i in issues]
    text = f"*Good first issues in {blocks.escape(title)}*\n" + "\n".join(lines)
    return Reply(
        text=f"Good first issues in {blocks.escape(title)}", blocks=blocks.notice(text), step="first_issue"
    )
