"""The in-memory copy of the full-text index: the same ranking as FTS5, on both databases, never stale."""

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.catalog.memory_index import build_memory_index, memory_index_for, stem
from chatbot.catalog.search import (
    SQLITE_WEIGHTS,
    SearchPage,
    fts5_expression,
    memory_groups,
    search_projects,
)
from chatbot.db import session_scope
from chatbot.models import Issue, Project
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog


@pytest.fixture
def sample(sqlite_engine: Engine, sample_catalog: SampleCatalog) -> Engine:
    return sample_catalog(sqlite_engine, FIXED_NOW)


@pytest.mark.parametrize(
    "terms",
    [
        ["auth"],  # 15 synonyms
        ["kubernetes", "operator"],
        ["logging"],  # a prefix over several stems
        ["ci", "pipeline"],  # synonyms of several words ("continuous integration")
        ["payments"],
        ["data"],
        ["go"],  # under three letters: no prefix, no stemming
        ["flags", "react"],
        ["webassembly"],  # SQLite's Porter stems it "webassembl" (Snowball's: "webassembli")
    ],
)
def test_ranks_and_scores_as_fts5_does(sample: Engine, terms: list[str]) -> None:
    expression = fts5_expression(terms, any_word=False)
    with Session(sample) as session:
        connection = session.connection()
        fts5 = connection.exec_driver_sql(
            "SELECT p.id, -rank FROM project_fts CROSS JOIN project p ON p.id = project_fts.rowid"
            f" WHERE project_fts MATCH ? AND rank MATCH 'bm25({SQLITE_WEIGHTS})'"
            " AND p.archived = 0 AND p.removed_at IS NULL ORDER BY rank, p.id",
            (expression,),
        ).all()
        index = build_memory_index(connection)
    ids, scores = index.rank(index.match(memory_groups(terms)), include_archived=False)
    assert fts5, "the sample has matches for every case"
    assert [round(float(s), 4) for s in scores] == [round(float(score), 4) for _, score in fts5]
    assert ids.tolist() == [project_id for project_id, _ in fts5]


def test_any_word_and_archived_projects(sample: Engine) -> None:
    with Session(sample) as session:
        index = build_memory_index(session.connection())
        connection = session.connection()
        archived = connection.exec_driver_sql("SELECT count(*) FROM project WHERE archived").scalar()
    both = index.match(memory_groups(["kafka", "terraform"]), any_word=False)
    either = index.match(memory_groups(["kafka", "terraform"]), any_word=True)
    assert len(either.docs) > len(index.match(memory_groups(["kafka"])).docs) > len(both.docs)
    everything = index.match(memory_groups(["the"]))
    assert archived and len(index.visible(everything, include_archived=True)) > len(
        index.visible(everything, include_archived=False)
    )


def test_stems_as_the_porter_tokenizer_does() -> None:
    words = ("platforms", "running", "libraries", "legacy", "go", "ds", "technology", "Straße", "Café")
    assert [stem(w) for w in words] == [
        "platform",
        "run",
        "librari",
        "legaci",
        "go",
        "ds",
        "technolog",
        "straß",
        "cafe",
    ]


def test_a_change_is_seen_by_the_next_search(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Project(key="t:1", source="t", name="quasar-one", full_name="a/quasar-one"))
    with Session(engine) as session:
        assert [p.name for p in search_projects(session, "quasar").projects] == ["quasar-one"]
        first = memory_index_for(session)
        assert first is not None
    with session_scope(engine) as session:
        session.add(Project(key="t:2", source="t", name="quasar-two", full_name="a/quasar-two"))
        stored = session.exec(select(Project).where(Project.key == "t:1")).one()
        stored.archived = True
    with Session(engine) as session:
        assert [p.name for p in search_projects(session, "quasar").projects] == ["quasar-two"]
        assert memory_index_for(session) is not first  # rebuilt: a small catalog is rebuilt at once


@pytest.mark.postgres
def test_writers_do_not_wait_for_each_other_to_move_the_generation(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    with session_scope(engine) as session:
        session.add_all(
            [Project(key=f"t:{n}", source="t", name=f"quasar-{n}", full_name=f"a/quasar-{n}") for n in (1, 2)]
        )
    with Session(engine) as session:
        assert len(search_projects(session, "quasar").projects) == 2
    with engine.connect() as sync, engine.connect() as webhook:
        sync.exec_driver_sql("UPDATE project SET description = 'pulsar' WHERE key = 't:1'")  # still open
        webhook.exec_driver_sql("SET lock_timeout = '2s'")
        webhook.exec_driver_sql("UPDATE project SET description = 'nebula' WHERE key = 't:2'")
        webhook.commit()  # doesn't wait for the open transaction
        with Session(engine) as session:
            assert [p.name for p in search_projects(session, "nebula").projects] == ["quasar-2"]
            assert search_projects(session, "pulsar").projects == []  # not committed yet
        sync.commit()
    with Session(engine) as session:
        assert [p.name for p in search_projects(session, "pulsar").projects] == ["quasar-1"]


def test_a_slow_copy_is_rebuilt_in_the_background_while_fts5_answers(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Project(key="t:1", source="t", name="quasar-one", full_name="a/quasar-one"))
    with Session(sqlite_engine) as session:
        built = memory_index_for(session)
        assert built is not None
        built.build_seconds = 60.0  # as if this catalog took a minute to read
    with session_scope(sqlite_engine) as session:
        session.add(Project(key="t:2", source="t", name="quasar-two", full_name="a/quasar-two"))
    with Session(sqlite_engine) as session:
        assert memory_index_for(session) is None  # stale: not used
        found = sorted(p.name for p in search_projects(session, "quasar").projects)  # FTS5 answers
    assert found == ["quasar-one", "quasar-two"]
    for thread in threading.enumerate():
        if thread.name == "search-index-build":
            thread.join(timeout=30)
    with Session(sqlite_engine) as session:
        rebuilt = memory_index_for(session)
    assert rebuilt is not None and rebuilt is not built


def test_filters_are_applied_in_memory_as_sql_applies_them(sample: Engine) -> None:
    queries = [
        "lang:go",
        "lang:python logging",
        "topic:kafka consumer",
        "topic:Kafka",
        "org:platform",
        "source:sample sdk",
        "has:help-wanted",
        "has:good-first-issue lang:typescript",
        "is:archived sdk",
    ]
    with Session(sample) as session:
        index = memory_index_for(session)
        assert index is not None
        in_memory = {q: search_projects(session, q, limit=50) for q in queries}
        for query, page in in_memory.items():
            in_sql = search_projects(session, query, limit=50, memory_index=False)  # FTS5, SQL filters
            assert page.total > 0, query
            # Those matching every word; related ones may follow, found in memory from more words.
            assert matching_every_word(page) == matching_every_word(in_sql), query


def matching_every_word(page: SearchPage) -> list[str]:
    strict = page.projects if page.strict is None else page.projects[: page.strict]
    return sorted(p.name for p in strict)


def test_has_a_label_follows_the_issues(engine: Engine) -> None:
    with session_scope(engine) as session:
        for n in (1, 2):
            session.add(Project(key=str(n), source="t", name=f"stream-{n}", full_name=f"a/stream-{n}"))
    with session_scope(engine) as session:
        session.add(Issue(project_id=1, number=7, title="Docs", labels=["Help Wanted"]))
        session.add(Issue(project_id=2, number=8, title="Typo", labels=["good-first-issue"]))

    def found(query: str) -> list[str]:
        with Session(engine) as session:
            assert memory_index_for(session) is not None  # answered from memory
            return [p.name for p in search_projects(session, query).projects]

    assert found("stream has:help-wanted") == ["stream-1"]
    assert found("stream has:good-first-issue") == ["stream-2"]
    with session_scope(engine) as session:
        issue = session.exec(select(Issue).where(Issue.number == 7)).one()
        issue.state = "closed"
    assert found("stream has:help-wanted") == []
