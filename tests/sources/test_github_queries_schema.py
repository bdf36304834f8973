"""Every GraphQL document the GitHub source sends is valid against GitHub's public schema."""

from functools import cache
from pathlib import Path

import pytest
from graphql import GraphQLSchema, build_schema, parse, validate

from chatbot.sources import github_queries

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "github-schema.graphql"


@cache
def _schema() -> GraphQLSchema:
    # The published file repeats some field definitions, so a strict SDL check would reject it; and
    # graphql-core 3.3 also rejects GitHub's deprecated implementations of non-deprecated interface
    # fields (TeamDiscussion.url…), so the schema itself is taken as valid. Documents are still checked.
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True, assume_valid=True)


@pytest.fixture
def schema() -> GraphQLSchema:
    if not SCHEMA_FILE.exists():
        pytest.skip(f"{SCHEMA_FILE} is not here (GitHub's schema comes with ../shared/data)")
    return _schema()


def documents() -> dict[str, str]:
    found = {
        name: value
        for name, value in vars(github_queries).items()
        if name.isupper() and isinstance(value, str) and value.lstrip().startswith("query ")
    }
    found["repositories_by_name(1)"] = github_queries.repositories_by_name(1)
    found["repositories_by_name(3)"] = github_queries.repositories_by_name(3)
    return found


def test_the_module_has_every_query_shape() -> None:
    assert {
        "ORG_REPOSITORIES",
        "OPEN_PULL_REQUESTS",
        "CATALOG_DELTA",
        "REPOSITORIES_BY_ID",
        "PULL_REQUESTS_BY_ID",
        "ORG_TEAMS",
    } <= set(documents())


@pytest.mark.parametrize("name", sorted(documents()))
def test_document_is_valid(schema: GraphQLSchema, name: str) -> None:
    errors = validate(schema, parse(documents()[name]))

    assert [e.message for e in errors] == []


def test_a_wrong_document_is_rejected(schema: GraphQLSchema) -> None:
    wrong = github_queries.ORG_REPOSITORIES.replace("stargazerCount", "starCount")

    errors = validate(schema, parse(wrong))

    assert any("starCount" in e.message for e in errors)


def test_conflicting_field_shapes_are_rejected(schema: GraphQLSchema) -> None:
    # Why CATALOG_DELTA would need aliases if it asked for `state` on both Issue and PullRequest.
    conflicting = """
    query { search(type: ISSUE, query: "org:x", first: 1) {
      nodes { ... on Issue { state } ... on PullRequest { state } } } }
    """

    assert validate(schema, parse(conflicting)) != []
