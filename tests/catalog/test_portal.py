import json
from datetime import UTC, datetime
from typing import Any

import pytest

from chatbot.catalog.portal import NotAPortalFile, parse_repos_json, project_key
from chatbot.catalog.records import ProjectRecord
from chatbot.catalog.store import record_columns
from tests.conftest import shared_data


def load(name: str) -> Any:
    return json.loads(shared_data(name).read_text(encoding="utf-8"))


def by_name(records: list[ProjectRecord]) -> dict[str, ProjectRecord]:
    return {r.full_name: r for r in records}


def entry(full_name: str, **fields: Any) -> dict[str, Any]:
    """A small GitHub-search-shaped entry with an owner and a URL."""
    owner, name = full_name.split("/")
    base: dict[str, Any] = {
        "id": sum(map(ord, full_name)),
        "name": name,
        "full_name": full_name,
        "html_url": f"https://github.example/{full_name}",
        "description": f"{full_name} does things",
        "owner": {"login": owner},
        "_InnerSourceMetadata": {},
    }
    base.update(fields)
    return base


# --- the SAP portal mock ----------------------------------------------------------------------------


def test_sap_mock_parses_all_42_projects_without_problems() -> None:
    result = parse_repos_json(load("sap-portal-repos.json"))

    assert len(result.records) == 42
    assert result.problems == []
    assert len({r.key for r in result.records}) == 42


def test_sap_string_id_is_kept_and_language_comes_from_metadata() -> None:
    neptune = by_name(parse_repos_json(load("sap-portal-repos.json")).records)["Sol/neptune"]

    assert neptune.external_id == "0815"
    assert neptune.language == "Markdown"
    assert neptune.owner_login == "Sol"
    assert neptune.key == "github.instance/sol/neptune"


def test_sap_null_description_becomes_empty_text() -> None:
    hygiea = by_name(parse_repos_json(load("sap-portal-repos.json")).records)["Belt/hygiea"]

    assert hygiea.description == ""
    assert hygiea.findings == []


def test_sap_millisecond_timestamps_are_parsed() -> None:
    projects = by_name(parse_repos_json(load("sap-portal-repos.json")).records)

    assert projects["Jupiter/europa"].updated_at == datetime(2020, 10, 8, 12, 13, 40, tzinfo=UTC)
    assert projects["Colony/auberon"].updated_at == datetime(2020, 10, 8, 8, 54, 39, tzinfo=UTC)
    assert all(r.updated_at is not None and r.created_at is not None for r in projects.values())


def test_sap_metadata_reaches_the_records() -> None:
    projects = by_name(parse_repos_json(load("sap-portal-repos.json")).records)

    assert sum(1 for r in projects.values() if r.language is None) == 4  # five lack it, neptune has metadata
    assert projects["Belt/ceres"].metadata.topics == []
    assert all(len(r.metadata.participation) == 52 for r in projects.values())


# --- the CodeCommit crawler sample ------------------------------------------------------------------


def test_codecommit_sample_uuid_ids_empty_counts_and_offset_times() -> None:
    result = parse_repos_json(load("codecommit-crawler-repos_sample.json"))

    assert result.problems == []
    gold, bare = result.records
    assert gold.external_id == "99ab6129-998e-4a81-bede-08e5ad3f1f88"
    assert (gold.stars, gold.watchers, gold.open_issues_count, gold.forks) == (0, 0, 0, 1)
    # 2021-06-26 14:24:34.508000+05:30 is 08:54:34.508 UTC
    assert gold.created_at == datetime(2021, 6, 26, 8, 54, 34, 508000, tzinfo=UTC)
    assert gold.updated_at == datetime(2021, 6, 26, 8, 58, 11, 694000, tzinfo=UTC)
    assert gold.language == "Node.js"
    assert gold.metadata.topics == ["Nobel Metals", "Mineral", "Java"]
    assert gold.owner_login == "Noble"
    assert gold.key == "git-codecommit.us-east-1.amazonaws.com/v1/repos/gold"
    assert bare.full_name == "RepoWithoutInnerSourceJson"
    assert bare.metadata.title == ""


# --- drift in a small synthetic file ----------------------------------------------------------------


def test_drift_in_entries_is_tolerated() -> None:
    document = [
        entry("acme/string-id", id="abc-123"),
        entry("acme/no-description", description=None),
        entry("acme/nulls", _InnerSourceMetadata={"topics": ["auth", None], "skills": [None, "Go"]}),
        entry("acme/singular", _InnerSourceMetadata={"contribution": ["Docs"], "project_logo": "logo.svg"}),
        {
            "name": "no-owner",
            "full_name": "platform/no-owner",
            "html_url": "https://github.example/platform/no-owner",
        },
    ]

    result = parse_repos_json(document)

    assert result.problems == []
    projects = by_name(result.records)
    assert projects["acme/string-id"].external_id == "abc-123"
    assert projects["acme/no-description"].description == ""
    assert projects["acme/nulls"].metadata.topics == ["auth"]
    assert projects["acme/nulls"].metadata.skills == ["Go"]
    assert projects["acme/singular"].metadata.contributions == ["Docs"]
    assert projects["acme/singular"].metadata.logo == "logo.svg"
    assert projects["platform/no-owner"].owner_login == "platform"
    assert projects["platform/no-owner"].external_id == ""


def test_name_alone_or_full_name_alone_is_enough() -> None:
    result = parse_repos_json([{"full_name": "acme/only-full"}, {"name": "only-name"}])

    first, second = result.records
    assert (first.name, first.owner_login, first.key) == ("only-full", "acme", "portal:acme/only-full")
    assert (second.full_name, second.owner_login, second.key) == ("only-name", "", "portal:only-name")


def test_broken_entries_are_reported_with_their_index_and_skipped() -> None:
    document = [
        entry("acme/first"),
        None,
        42,
        {"description": "no name at all"},
        entry("acme/bad-name", name=["not", "text"]),
        entry("acme/last"),
    ]

    result = parse_repos_json(document)

    assert [r.full_name for r in result.records] == ["acme/first", "acme/last"]
    assert [p.index for p in result.problems] == [1, 2, 3, 4]
    messages = [str(p) for p in result.problems]
    assert messages[0].startswith("entry 1:") and "null" in messages[0]
    assert "int" in messages[1]
    assert "name" in messages[2]
    assert "name" in messages[3]


def test_bad_timestamp_is_a_finding_not_a_skip() -> None:
    result = parse_repos_json([entry("acme/odd-time", created_at="last tuesday")])

    (record,) = result.records
    assert record.created_at is None
    assert any("created_at" in f for f in record.findings)


def test_duplicates_in_one_file_are_reported() -> None:
    document = [
        entry("acme/dup"),
        entry("acme/other"),
        entry("acme/dup", html_url="HTTPS://github.example/ACME/dup.git"),
    ]

    result = parse_repos_json(document)

    assert [r.full_name for r in result.records] == ["acme/dup", "acme/other"]
    (problem,) = result.problems
    assert problem.index == 2
    assert "same project as entry 0" in str(problem)


@pytest.mark.parametrize("key", ["items", "repos", "projects"])
def test_wrapped_list_is_accepted(key: str) -> None:
    result = parse_repos_json({"total_count": 1, key: [entry("acme/wrapped")]})

    assert [r.full_name for r in result.records] == ["acme/wrapped"]


def test_top_level_github_topics_are_kept_without_metadata() -> None:
    item = {"name": "authkit", "full_name": "acme/authkit", "html_url": "https://github.example/acme/authkit"}
    result = parse_repos_json({"items": [{**item, "topics": ["auth", "oauth"]}]})

    (record,) = result.records
    assert record_columns(record)["topics"] == ["auth", "oauth"]


@pytest.mark.parametrize("document", [{"name": "not a list"}, "repos", 42, None])
def test_not_a_portal_file(document: object) -> None:
    with pytest.raises(NotAPortalFile, match="JSON array"):
        parse_repos_json(document)


@pytest.mark.parametrize(
    ("html_url", "full_name", "key"),
    [
        ("https://github.com/Org/Repo", "Org/Repo", "github.com/org/repo"),
        ("http://github.com/org/repo/", "org/repo", "github.com/org/repo"),
        ("HTTPS://GitHub.com/Org/Repo.git", "Org/Repo", "github.com/org/repo"),
        ("https://github.com/org/repo.git/", "org/repo", "github.com/org/repo"),
        ("  git+ssh://gitlab.example/group/sub/proj//  ", "group/sub/proj", "gitlab.example/group/sub/proj"),
        ("", "Org/Repo", "portal:org/repo"),
    ],
)
def test_project_key_normalisation(html_url: str, full_name: str, key: str) -> None:
    assert project_key(html_url, full_name, "portal") == key


def test_the_same_repo_written_differently_gets_one_key() -> None:
    spellings = [
        "https://github.com/acme/lib",
        "HTTP://GITHUB.COM/acme/lib.git",
        "https://github.com/Acme/Lib/",
    ]

    assert len({project_key(url, "acme/lib", "portal") for url in spellings}) == 1
