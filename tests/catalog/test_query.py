import pytest

from chatbot.catalog.query import parse_query
from chatbot.catalog.synonyms import expand


@pytest.mark.parametrize(
    ("raw", "terms"),
    [
        ("find me a library for auth", ["auth"]),
        ("something to schedule cron jobs", ["schedule", "cron", "jobs"]),
        ("Kubernetes   Operator", ["kubernetes", "operator"]),
        ('"unbalanced quote', ["unbalanced", "quote"]),
        ("auth* NEAR -login ^x", ["auth", "near", "login", "x"]),
        ("c++ and c# and node.js", ["c++", "c#", "node.js"]),
        ("a library", ["library"]),  # all filler: keep what was typed
        ("🚀 rocket", ["rocket"]),
        ("数据 管道", ["数据", "管道"]),
        ("поиск логов", ["поиск", "логов"]),
    ],
)
def test_words_people_type(raw: str, terms: list[str]) -> None:
    assert parse_query(raw).terms == terms


def test_filters_are_taken_out_of_the_words() -> None:
    query = parse_query(
        "auth lang:Python topic:sso,oauth org:identity source:github has:good-first-issue sort:stars"
    )
    assert query.terms == ["auth"]
    assert query.languages == ["python"]
    assert query.topics == ["sso", "oauth"]
    assert query.orgs == ["identity"]
    assert query.sources == ["github"]
    assert query.labels == ["good first issue"]
    assert query.sort == "stars"
    assert not query.include_archived


def test_unknown_filter_values_are_reported_not_fatal() -> None:
    query = parse_query("auth has:cookies sort:vibes is:shiny")
    assert query.terms == ["auth"]
    assert len(query.problems) == 3
    assert query.sort == "relevance"


def test_unknown_filter_keys_are_reported_not_searched() -> None:
    query = parse_query("title:auth ledger")
    assert query.terms == ["ledger"]
    assert query.problems == ["title:auth (filters are lang:, topic:, org:, source:, has:, is:, sort:)"]


@pytest.mark.parametrize(
    ("raw", "terms"),
    [
        ("https://git.example/auth", ["https", "git.example", "auth"]),
        ("standup 10:30", ["standup", "10", "30"]),
        ("localhost:8080 proxy", ["localhost", "8080", "proxy"]),
        ("std::vector", ["std", "vector"]),
        ("c++: parser", ["c++", "parser"]),
        ("note: auth", ["note", "auth"]),
    ],
)
def test_words_with_colons_that_are_not_filters_stay_words(raw: str, terms: list[str]) -> None:
    query = parse_query(raw)
    assert query.terms == terms
    assert query.problems == []


def test_filters_only_query_has_no_terms() -> None:
    query = parse_query("find lang:go")
    assert query.terms == []
    assert not query.is_empty


def test_long_queries_are_capped() -> None:
    query = parse_query(" ".join(f"word{i}" for i in range(500)) + " " + "x" * 2000)
    assert len(query.terms) == 8
    assert all(len(t) <= 40 for t in query.terms)


def test_synonyms_start_with_the_typed_word() -> None:
    assert expand("k8s")[0] == "k8s" and "kubernetes" in expand("k8s")
    assert "authentication" in expand("auth") and "sso" in expand("auth")
    assert expand("zebra") == ("zebra",)
