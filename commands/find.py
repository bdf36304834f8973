"""`/innersource find <words>`: search the catalog."""

from sqlmodel import Session

from chatbot.catalog.cards import card_for
from chatbot.catalog.queries import issue_counts
from chatbot.catalog.search import search_projects
from chatbot.slack import blocks
from commands.router import CommandContext, Reply, Subcommand, UsageError

PAGE_SIZE = 5
MAX_QUERY_LENGTH = 500


def find_page(ctx: CommandContext, query: str, offset: int = 0) -> Reply:
    query = query.strip()
    if not query:
        raise UsageError("Tell me what to look for.")
    query = query[:MAX_QUERY_LENGTH]
    with Session(ctx.deps.engine) as session:
        page = search_projects(session, query, limit=PAGE_SIZE, offset=offset)
        ids = [p.id for p in page.projects if p.id is not None]
        counts = issue_counts(session, ids)
        cards = [card_for(p, counts[p.id]) for p in page.projects if p.id is not None]
    if not cards:
        broader = page.terms[:1] if len(page.terms) > 1 else []
        return Reply(
            text=f"No projects match “{query}”.",
            blocks=blocks.no_results(query, broader),
        )
    text = f"{page.total} projects for “{query}”: " + "; ".join(blocks.project_card_text(c) for c in cards)
    return Reply(
        text=blocks.truncate(text, blocks.MAX_FALLBACK_TEXT),
        blocks=blocks.find_results(query, cards, offset=offset, total=page.total),
    )


def find_command(ctx: CommandContext, args: str) -> Reply:
    return find_page(ctx, args)


SUBCOMMAND = Subcommand(
    name="find",
    summary="Search the InnerSource catalog by what a project does, its language or its topics.",
    usage="find <what you need>",
    examples=("find auth library", "find kubernetes operator", "find python scheduler"),
    handler=find_command,
    aliases=("search",),
)
