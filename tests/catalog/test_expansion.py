"""Related projects in the catalog's own words: what the best matches share brings in projects that say
the same thing without the typed word (SQLite's in-memory index)."""

from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.catalog.expansion import expansion_stems
from chatbot.catalog.memory_index import memory_index_for, stem
from chatbot.catalog.search import search_projects
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog


def test_the_best_matches_words_bring_related_projects_after_them(
    sqlite_engine: Engine, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(sqlite_engine, FIXED_NOW)
    with Session(sqlite_engine) as session:
        assert memory_index_for(session) is not None
        page = search_projects(session, "lumberjack", limit=10)
    names = [p.name for p in page.projects]
    assert page.strict == 2 and names[:2] == ["lumberjack-py", "lumberjack"]
    related = page.projects[2:]
    assert related, "no related projects after the two that match"
    assert all("lumberjack" not in f"{p.name} {p.description}".lower() for p in related)
    assert page.total == len(page.projects)


def test_expansion_words_are_shared_rare_and_not_typed(
    sqlite_engine: Engine, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(sqlite_engine, FIXED_NOW)
    with Session(sqlite_engine) as session:
        index = memory_index_for(session)
    assert index is not None
    texts = ["structured logging for services", "logging adapter for services and jobs", "a cli"]
    words = [word for word, _ in expansion_stems(index, texts, ["adapter"])]
    assert stem("logging") in words  # in two of the three
    assert stem("adapter") not in words  # typed
    assert stem("for") not in words and stem("cli") not in words  # common; in one text only
