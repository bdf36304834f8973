"""The same catalog on SQLite and on PostgreSQL answers every search identically: the same projects in
the same order, the same totals, the same replies (both rank from the in-memory index)."""

import json
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from benchmarks.corpus import build_catalog, load
from chatbot.catalog.memory_index import memory_index_for
from chatbot.catalog.search import search_projects
from chatbot.db import make_engine, session_scope, upgrade
from chatbot.handlers import CommandContext, Deps, Reply, UsageError
from chatbot.models import Project
from chatbot.settings import Settings
from commands.find import find_page
from tests.conftest import FIXED_NOW, fresh_pg_schema
from tests.sample_catalog import SampleCatalog

pytestmark = pytest.mark.postgres

QUERIES = [
    # plain words, one and several
    "auth",
    "python library",
    "kafka consumer",
    "data",
    "service",
    "go",
    "webassembly",
    "feature flags react",
    # filters, alone and with words
    "lang:go",
    "lang:python logging",
    "topic:kafka consumer",
    "org:platform sdk",
    "source:sample",
    "has:help-wanted",
    "has:good-first-issue lang:typescript",
    "is:archived sdk",
    "sort:stars sdk",
    "sort:new sdk",
    "sort:name data",
    "sort:activity",
    # synonyms and abbreviations
    "k8s operator",
    "ci pipeline",
    "authentication",
    "e2e tests",
    "message queue",
    # typos
    "kubernetse",
    "authentification",
    "auth lirbary",
    "find me an auth lirbary lang:python",
    "terrafrom modules",
    # some words only: relaxed matching, filled pages
    "payments webhooks retries",
    "quantum kafka terraform",
    "convert markdown to html",
    "show a progress bar in the terminal",
    # nothing, and odd input
    "qzxv",
    "café naïve Straße",
    'NEAR(a b) "unbalanced',
]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema of its own in the test database, dropped afterwards."""
    with fresh_pg_schema("side") as url:
        yield url


@pytest.fixture
def catalogs(
    sqlite_url: str, postgres_url: str, sample_catalog: SampleCatalog
) -> Iterator[tuple[Engine, Engine]]:
    """The sample plus 300 generated projects, loaded the same way into both databases."""
    generated = build_catalog(300, seed=7)
    engines = (make_engine(sqlite_url), make_engine(postgres_url))
    upgrade(engines[1])
    for engine in engines:
        sample_catalog(engine, FIXED_NOW)
        load(engine, generated, now=FIXED_NOW)
    yield engines
    for engine in engines:
        engine.dispose()


def context(engine: Engine, settings: Settings) -> CommandContext:
    deps = Deps(engine=engine, settings=settings, clock=lambda: FIXED_NOW)
    return CommandContext(deps=deps, user_id="U1", channel_id="C1")


class Searched(NamedTuple):
    """What a search finds, in order, with everything the reply says about it."""

    ids: list[int]
    names: list[str]
    total: int
    at_least: bool
    relaxed: bool
    corrected: list[str] | None
    terms: list[str]


def searched(engine: Engine, query: str) -> Searched:
    with Session(engine) as session:
        assert memory_index_for(session) is not None  # ranked in memory
        page = search_projects(session, query, limit=100)
    return Searched(
        ids=[p.id for p in page.projects if p.id is not None],
        names=[p.full_name for p in page.projects],
        total=page.total,
        at_least=page.total_is_lower_bound,
        relaxed=page.relaxed,
        corrected=page.corrected_terms,
        terms=page.terms,
    )


def replies(ctx: CommandContext, query: str) -> list[str]:
    """The first two pages of `find`, as Slack receives them (or the usage, for filters alone)."""
    shown = []
    for offset in (0, 5):
        try:
            reply = find_page(ctx, query, offset=offset)
        except UsageError as usage:
            reply = Reply(text=str(usage))
        shown.append(json.dumps({"text": reply.text, "blocks": reply.blocks}, sort_keys=True))
    return shown


def test_the_same_catalog_ranks_identically_on_both_databases(
    catalogs: tuple[Engine, Engine], settings: Settings
) -> None:
    sqlite, postgres = catalogs
    found = {query: searched(sqlite, query) for query in QUERIES}
    assert sum(1 for f in found.values() if f.total > 5) > len(QUERIES) / 2  # most fill a page or more
    assert any(f.relaxed for f in found.values()) and any(f.corrected for f in found.values())
    assert [query for query in QUERIES if searched(postgres, query) != found[query]] == []
    lite, pg = context(sqlite, settings), context(postgres, settings)
    assert [query for query in QUERIES if replies(lite, query) != replies(pg, query)] == []


def test_both_databases_follow_a_change_at_once(catalogs: tuple[Engine, Engine]) -> None:
    for engine in catalogs:
        searched(engine, "auth")  # the copy is built
        with session_scope(engine) as session:
            session.add(Project(key="t:new", source="t", name="quasar-auth", full_name="t/quasar-auth"))
            archived = session.get(Project, 1)
            assert archived is not None
            archived.archived = True
            gone = archived.full_name
    found = [searched(engine, "auth") for engine in catalogs]
    assert found[0] == found[1]
    assert "t/quasar-auth" in found[0].names and gone not in found[0].names
