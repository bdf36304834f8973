from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.catalog.search import fts5_expression, search_projects, tsquery_expression
from chatbot.db import session_scope
from chatbot.models import Project
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog


@pytest.fixture
def sample(engine: Engine, sample_catalog: SampleCatalog) -> Engine:
    return sample_catalog(engine, FIXED_NOW)


def names(engine: Engine, query: str, limit: int = 5) -> list[str]:
    with Session(engine) as session:
        return [p.name for p in search_projects(session, query, limit=limit).projects]


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("auth library", "authkit-"),
        ("kubernetes operator", "nw-operator"),
        ("k8s operator", "nw-operator"),
        ("python logging", "lumberjack-py"),
        ("feature flags react", "flagship-client-js"),
        ("db migrations", "dbshift"),
        ("rate limiter", "ratelimit"),
    ],
)
def test_the_project_meant_comes_first(sample: Engine, query: str, expected_first: str) -> None:
    # "authkit-" accepts either AuthKit library (Python or Go): both are what was meant.
    first = names(sample, query)[0]
    assert first == expected_first or (expected_first.endswith("-") and first.startswith(expected_first))


def test_stemming_and_prefixes(sample: Engine) -> None:
    assert "tempo-scheduler" in names(sample, "scheduling")
    assert "tempo-scheduler" in names(sample, "schedul")


def test_a_typo_is_corrected(sample: Engine) -> None:
    with Session(sample) as session:
        page = search_projects(session, "authentification")
    assert page.corrected_terms == ["authentication"]
    assert "authkit-python" in [p.name for p in page.projects]


def test_filler_words_do_not_change_the_ranking(sample: Engine) -> None:
    assert names(sample, "find me an auth library for a tool") == names(sample, "auth")


def test_when_no_project_has_every_word_some_words_count(sample: Engine) -> None:
    with Session(sample) as session:
        page = search_projects(session, "kubernetes zanzibarian")
    assert page.relaxed
    assert "nw-operator" in [p.name for p in page.projects]


def test_filters(sample: Engine) -> None:
    with Session(sample) as session:
        go = search_projects(session, "lang:go", limit=50).projects
        assert go and all((p.language or "").lower() == "go" for p in go)
        payments = search_projects(session, "topic:payments", limit=50).projects
        assert payments and all("payments" in [t.lower() for t in p.topics] for p in payments)
        identity = search_projects(session, "org:identity", limit=50).projects
        assert identity and all(p.owner_login == "identity" for p in identity)
        assert search_projects(session, "source:gitlab").projects == []
        assert search_projects(session, "auth lang:cobol").projects == []


def test_has_good_first_issue(sample: Engine) -> None:
    with Session(sample) as session:
        with_issue = {p.name for p in search_projects(session, "has:good-first-issue", limit=100).projects}
    assert "authkit-python" in with_issue
    assert "session-store-js" not in with_issue  # archived, and its issues are closed


@pytest.mark.parametrize(("sort", "key"), [("stars", "stars"), ("activity", "activity_score")])
def test_sorting(sample: Engine, sort: str, key: str) -> None:
    with Session(sample) as session:
        projects = search_projects(session, f"lang:python sort:{sort}", limit=20).projects
    values = [getattr(p, key) for p in projects]
    assert values == sorted(values, reverse=True)


def test_sort_new(sample: Engine) -> None:
    with Session(sample) as session:
        projects = search_projects(session, "sort:new lang:typescript", limit=20).projects
    created = [p.created_at.timestamp() if p.created_at else 0.0 for p in projects]
    assert len(created) > 1
    assert created == sorted(created, reverse=True)


@pytest.mark.parametrize("memory_index", [True, False])
def test_sort_new_with_words(sample: Engine, memory_index: bool) -> None:
    # memory_index=False: FTS5 ranks (SQLite), as while the in-memory copy is rebuilt
    with Session(sample) as session:
        projects = search_projects(session, "sdk sort:new", limit=20, memory_index=memory_index).projects
    created = [p.created_at.timestamp() if p.created_at else 0.0 for p in projects]
    assert len(created) > 1
    assert created == sorted(created, reverse=True)


def test_archived_only_when_asked_and_removed_never(sample: Engine) -> None:
    assert "session-store-js" not in names(sample, "session store")
    assert "session-store-js" in names(sample, "session store is:archived")
    with session_scope(sample) as session:
        project = session.exec(select(Project).where(col(Project.name) == "authkit-python")).one()
        project.removed_at = FIXED_NOW + timedelta(days=1)
    assert "authkit-python" not in names(sample, "authkit", limit=20)


def test_updates_are_searchable_at_once(sample: Engine) -> None:
    with session_scope(sample) as session:
        project = session.exec(select(Project).where(col(Project.name) == "dbshift")).one()
        project.description = "Now also speaks quaternionic telemetry"
    assert names(sample, "quaternionic") == ["dbshift"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR(a b)",
        "-",
        ":",
        "^",
        "a OR b AND NOT c",
        "' OR 1=1 --",
        "col:x",
        "!@#$%^&*()",
        "\\",
        "x" * 2000,
    ],
)
def test_operators_and_garbage_never_break_the_search(sample: Engine, query: str) -> None:
    with Session(sample) as session:
        search_projects(session, query)


def test_expressions_quote_every_word() -> None:
    assert fts5_expression(["bar-ui"], any_word=False) == '("bar-ui"*)'
    assert fts5_expression(['a"b'], any_word=False) == '("a""b"*)'
    assert tsquery_expression(["c++", "x:*|!"], any_word=True) == "(c) | (x)"
    assert "<->" in tsquery_expression(["ml"], any_word=False)  # "machine learning" as a phrase


def test_topics_with_underscores_and_wildcards(engine: Engine) -> None:
    from chatbot.catalog.portal import parse_repos_json
    from chatbot.catalog.store import upsert_projects

    entries = [
        {
            "id": 1,
            "name": "ml-kit",
            "full_name": "ml/ml-kit",
            "html_url": "https://g.example/ml/ml-kit",
            "_InnerSourceMetadata": {"topics": ["machine_learning"]},
        },
        {
            "id": 2,
            "name": "mlx",
            "full_name": "ml/mlx",
            "html_url": "https://g.example/ml/mlx",
            "_InnerSourceMetadata": {"topics": ["machineXlearning"]},
        },
    ]
    with session_scope(engine) as session:
        upsert_projects(session, parse_repos_json(entries).records, FIXED_NOW)
    assert names(engine, "topic:machine_learning") == ["ml-kit"]  # "_" is literal, not a wildcard
    assert names(engine, "topic:machine%") == []


def test_topic_and_language_filters_with_text_and_odd_values(engine: Engine) -> None:
    from chatbot.catalog.portal import parse_repos_json
    from chatbot.catalog.store import upsert_projects

    def entry(n: int, name: str, language: str, topics: list[str]) -> dict[str, object]:
        return {
            "id": n,
            "name": name,
            "full_name": f"acme/{name}",
            "html_url": f"https://g.example/acme/{name}",
            "description": "A streaming consumer library",
            "language": language,
            "_InnerSourceMetadata": {"topics": topics},
        }

    entries = [
        entry(1, "cpp-stream", "C++", ["event-streaming"]),
        entry(2, "py-stream", "Python", ["event-streaming", "kafka"]),
        entry(3, "go-stream", "Go", ["kafka"]),
    ]
    with session_scope(engine) as session:
        upsert_projects(session, parse_repos_json(entries).records, FIXED_NOW)
    assert names(engine, "consumer topic:event-streaming lang:c++") == ["cpp-stream"]
    assert sorted(names(engine, "consumer topic:kafka")) == ["go-stream", "py-stream"]
    assert names(engine, "consumer topic:kafka lang:go") == ["go-stream"]
    assert (
        names(engine, "consumer topic:+++") == []
    )  # a value with no word in it narrows nothing, breaks nothing


def test_a_very_common_word_ranks_every_match_and_counts_them(engine: Engine) -> None:
    # 630 matches: more than are ranked for paging (RERANK_LIMIT), every one counted (the in-memory index
    # knows them all, on both databases); the projects named for it come first.
    from chatbot.catalog.search import RERANK_LIMIT

    projects = [
        Project(
            key=f"t:{n}",
            source="test",
            name=f"service-{n}",
            full_name=f"acme/service-{n}",
            description="Keeps a ledger.",
            readme_excerpt="Quasar events.",
        )
        for n in range(600)
    ]
    projects += [
        Project(key=f"l:{n}", source="t", name=f"ledger-{n}", full_name=f"a/ledger-{n}", description="Ledger")
        for n in range(30)
    ]
    with session_scope(engine) as session:
        session.add_all(projects)
    with Session(engine) as session:
        ledger = search_projects(session, "ledger", limit=10)
        quasar = search_projects(session, "quasar", limit=10)
    assert [p.name.split("-")[0] for p in ledger.projects] == ["ledger"] * 10
    assert ledger.ranked == RERANK_LIMIT  # "Next 5" pages through these
    assert (ledger.total, ledger.total_is_lower_bound) == (630, False)
    assert len(quasar.projects) == 10
    assert all("Quasar" in p.readme_excerpt for p in quasar.projects)
