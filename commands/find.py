"""`/innersource find <words> [filters]`: search the catalog."""

from sqlmodel import Session

from chatbot.catalog import views as catalog_views
from chatbot.catalog.cards import card_for
from chatbot.catalog.queries import issue_counts
from chatbot.catalog.search import SearchPage, search_projects
from chatbot.catalog.vocabulary import vocabulary_for
from chatbot.handlers import CommandContext, Reply, UsageError
from chatbot.slack import blocks
from commands.router import Subcommand

PAGE_SIZE = 5
MAX_QUERY_LENGTH = 500
BROWSE_TOPICS = 8


def find_page(ctx: CommandContext, query: str, offset: int = 0) -> Reply:
    query = query.strip()[:MAX_QUERY_LENGTH]
    if not query:
        raise UsageError("Tell me what to look for.")
    in_memory = ctx.deps.settings.search_in_memory
    with Session(ctx.deps.engine) as session:
        page = search_projects(session, query, limit=PAGE_SIZE, offset=offset, memory_index=in_memory)
        if page.query.is_empty:
            raise UsageError("Tell me what to look for: words, or filters such as lang:python.")
        ids = [p.id for p in page.projects if p.id is not None]
        counts = issue_counts(session, ids)
        cards = [card_for(p, counts[p.id]) for p in page.projects if p.id is not None]
        notes = result_notes(query, page)
        if not cards:
            return Reply(
                text=f"No projects match “{blocks.escaped(query, 100)}”.",
                blocks=catalog_views.no_results(
                    query, broader_queries(session, page, in_memory), popular_topics(session), notes
                ),
            )
    total = f"{page.total}+" if page.total_is_lower_bound else str(page.total)
    text = f"{total} projects for “{blocks.escaped(query, 100)}”: " + "; ".join(
        catalog_views.project_card_text(c) for c in cards
    )
    return Reply(
        text=blocks.truncate(text, blocks.MAX_FALLBACK_TEXT),
        blocks=catalog_views.find_results(
            query,
            cards,
            offset=offset,
            total=page.total,
            notes=notes,
            at_least=page.total_is_lower_bound,
            pageable=page.ranked,
            searched=page.query.text(),
        ),
    )


def result_notes(query: str, page: SearchPage) -> list[str]:
    notes: list[str] = []
    if page.corrected_terms:
        corrected = " ".join(page.corrected_terms)
        notes.append(f"Showing results for *{blocks.escape(corrected)}* (nothing matched what you typed).")
    if page.relaxed:
        notes.append("No project matches every word, so these match some of them.")
    elif page.strict is not None:
        noun = "project matches" if page.strict == 1 else "projects match"
        notes.append(
            f"{page.strict} {noun} every word; after {'it' if page.strict == 1 else 'them'}, related ones."
        )
    if page.query.problems:
        ignored = ", ".join(_ignored(p) for p in page.query.problems)
        notes.append(f"I ignored {ignored}.")
    return notes


def _ignored(problem: str) -> str:
    """`sort:vibes` (try sort:activity, …): what was typed as code, then why."""
    typed, _, why = problem.partition(" (")
    return blocks.code(typed) + (f" ({blocks.escape(why)}" if why else "")


def broader_queries(session: Session, page: SearchPage, in_memory: bool) -> list[str]:
    """At most two queries to try instead, each checked to find something: a suggestion never leads to
    another "No projects match"."""
    query = page.query
    options: list[str] = []
    if query.has_filters and query.terms:
        options += [" ".join(query.terms), query.describe_filters()]
    if len(query.terms) > 1:
        options.append(" ".join(query.terms[:-1]))
    finds = [
        o
        for o in dict.fromkeys(options)
        if search_projects(session, o, limit=1, memory_index=in_memory).total
    ]
    return finds[:2]


def popular_topics(session: Session) -> list[str]:
    return vocabulary_for(session).popular_topics[:BROWSE_TOPICS]


def find_command(ctx: CommandContext, args: str) -> Reply:
    reply = find_page(ctx, args)
    reply.step = "find"
    return reply


SUBCOMMAND = Subcommand(
    name="find",
    summary=(
        "Search the catalog by what a project does. Filters: lang:, topic:, org:, source:, "
        "has:help-wanted, has:good-first-issue, sort:activity|stars|new|name, is:archived."
    ),
    usage="find <what you need> [filters]",
    examples=("find auth library", "find k8s operator lang:go", "find has:good-first-issue lang:python"),
    handler=find_command,
    aliases=("search",),
)
