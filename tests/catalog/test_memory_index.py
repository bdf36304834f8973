"""The in-memory copy of the FTS5 index: the same ranking as FTS5, never stale."""

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.catalog.memory_index import build_memory_index, memory_index_for, stem
from chatbot.catalog.sample import load_sample
from chatbot.catalog.search import SQLITE_WEIGHTS, fts5_expression, memory_groups, search_projects
from chatbot.db import session_scope
from chatbot.models import Project
from tests.conftest import FIXED_NOW


@pytest.fixture
def sample(sqlite_engine: Engine) -> Engine:
    load_sample(sqlite_engine, clock=lambda: FIXED_NOW)
    return sqlite_engine


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
    assert [stem(w) for w in ("platforms", "running", "libraries", "legacy", "go", "ds")] == [
        "platform",
        "run",
        "librari",
        "legaci",
        "go",
        "ds",
    ]


def test_a_change_is_seen_by_the_next_search(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Project(key="t:1", source="t", name="quasar-one", full_name="a/quasar-one"))
    with Session(sqlite_engine) as session:
        assert [p.name for p in search_projects(session, "quasar").projects] == ["quasar-one"]
        first = memory_index_for(session)
    with session_scope(sqlite_engine) as session:
        session.add(Project(key="t:2", source="t", name="quasar-two", full_name="a/quasar-two"))
        stored = session.get(Project, 1)
        assert stored is not None
        stored.archived = True
    with Session(sqlite_engine) as session:
        assert [p.name for p in search_projects(session, "quasar").projects] == ["quasar-two"]
        assert memory_index_for(session) is not first  # rebuilt: a small catalog is rebuilt at once


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


def test_a_topic_or_language_keeps_only_projects_with_it_in_that_column(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        session.add(Project(key="1", source="t", name="stream-a", full_name="a/stream-a", topics=["kafka"]))
        session.add(
            Project(key="2", source="t", name="stream-b", full_name="a/stream-b", description="kafka")
        )
        session.add(Project(key="3", source="t", name="stream-c", full_name="a/stream-c", language="Go"))
    with Session(sqlite_engine) as session:
        index = build_memory_index(session.connection())
    found = index.match(memory_groups(["stream"]))
    assert len(found.docs) == 3
    assert index.within(found, "kafka", "topics").docs.tolist() == [1]
    assert index.within(found, "go", "skills").docs.tolist() == [3]
    assert index.within(found, "+++", "topics").docs.tolist() == [1, 2, 3]  # no word: nothing to keep to
