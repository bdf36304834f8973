import json
from typing import Any

import pytest

from chatbot.catalog.innersource_json import read_metadata
from chatbot.catalog.records import InnerSourceMetadata
from tests.conftest import shared_data


def load(name: str) -> Any:
    return json.loads(shared_data(f"innersource-json/{name}").read_text(encoding="utf-8"))


# --- the real files in ../shared/data/innersource-json ----------------------------------------------


def test_domino_jnx_project_logo_alias_and_owner_contact() -> None:
    meta, findings = read_metadata(load("HCL-TECH-SOFTWARE-domino-jnx.innersource.json"))

    assert findings == []
    assert meta.title == "DominoJNX"
    assert (
        meta.logo == "https://raw.githubusercontent.com/HCL-TECH-SOFTWARE/domino-jnx/refs/heads/main/logo.png"
    )
    assert meta.contributions == ["Bugfixes", "Features", "Enhancement", "Infrastructure"]
    assert meta.skills == ["Java", "C", "C++"]
    assert meta.owner_contact == "jason.gary@hcl-software.com"
    assert meta.docs == "https://opensource.hcltechsw.com/domino-jnx/"
    assert meta.language == "Java"


def test_domino_rest_sdk_singular_contribution_alias() -> None:
    meta, findings = read_metadata(load("HCL-TECH-SOFTWARE-domino-rest-sdk-node.innersource.json"))

    assert findings == []
    assert meta.contributions == ["Bugfixes", "Features", "Enhancement", "Infrastructure"]
    assert meta.skills == ["JavaScript", "TypeScript", "HTTP"]
    assert meta.language == "NodeJS"  # kept as written, even if it is not a linguist name


def test_crossplane_canonical_file_with_relative_logo() -> None:
    meta, findings = read_metadata(load("SAP-crossplane-provider-cloudfoundry.innersource.json"))

    assert findings == []
    assert meta.title == "CloudFoundry Crossplane provider - CloudOrchestrator"
    assert meta.motivation.startswith("Bring the CloudFoundry experience")
    assert meta.contributions == ["Bugfixes", "Features"]
    assert meta.skills == ["Go", "Crossplane", "IAD", "IAC", "DevOps", "CI/CD"]
    assert meta.logo == "Logo.png"
    assert meta.language == "Go"


def test_codecommit_sample_with_topics() -> None:
    meta, findings = read_metadata(load("aws-samples-codecommit-crawler-innersource.sample_innersource.json"))

    assert findings == []
    assert meta.title == "Gold"
    assert meta.topics == ["Nobel Metals", "Mineral", "Java"]
    assert meta.contributions == ["Bugfixes", "Features", "Infrastructure", "Documentation"]
    assert meta.language == "Node.js"
    assert meta.docs == "https://acmecorp.com/projects/au/docs"


def test_ubatch_canonical_file() -> None:
    meta, findings = read_metadata(load("mercadolibre-ubatch.innersource.json"))

    assert findings == []
    assert meta.title == "ubatch"
    assert meta.contributions == ["Bugfixes", "Feature request", "Questions", "Documentation"]
    assert meta.skills == ["Python"]
    assert meta.logo is None


def test_salesforce_governance_and_trusted_committers() -> None:
    meta, _ = read_metadata(load("salesforce-sa11y.innersource.json"))

    assert meta.description.startswith("Salesforce Accessibility Automated Testing Libraries")
    assert meta.governance_level == "contributions_welcome"
    assert meta.trusted_committers == [
        {"name": "Navateja Alagam", "github": "NavatejAlagam", "role": "Trusted Committer"}
    ]
    assert meta.issues_url == "https://github.com/salesforce/sa11y/issues"


def test_salesforce_todo_channel_placeholder_is_a_finding_not_a_channel() -> None:
    meta, findings = read_metadata(load("salesforce-sa11y.innersource.json"))

    assert meta.chat_channel is None
    assert any("communication.channel" in f for f in findings)


# --- drift and bad values ---------------------------------------------------------------------------


def test_bare_todo_channel_placeholder_is_a_finding() -> None:
    meta, findings = read_metadata(
        {"communication": {"channel": "TODO", "issues": "https://x.example/issues"}}
    )

    assert meta.chat_channel is None
    assert meta.issues_url == "https://x.example/issues"
    assert any("communication.channel" in f and "placeholder" in f for f in findings)


def test_null_entries_inside_lists_are_dropped() -> None:
    meta, _ = read_metadata(
        {"skills": ["Go", None, "Rust"], "contributions": [None, "Docs"], "topics": [None, "auth", None]}
    )

    assert meta.skills == ["Go", "Rust"]
    assert meta.contributions == ["Docs"]
    assert meta.topics == ["auth"]


def test_comma_separated_text_and_duplicates_become_a_clean_list() -> None:
    meta, findings = read_metadata(
        {"skills": "Java, ReactNative ,", "contributions": ["Docs", "Docs", "Tests"]}
    )

    assert findings == []
    assert meta.skills == ["Java", "ReactNative"]
    assert meta.contributions == ["Docs", "Tests"]


def test_trusted_committers_as_logins_or_objects() -> None:
    meta, findings = read_metadata(
        {"trusted_committers": ["@alice", {"github": "@bob", "name": "Bob"}, None, {"name": "No Login"}]}
    )

    assert findings == []
    assert meta.trusted_committers == [
        {"github": "alice"},
        {"github": "bob", "name": "Bob"},
        {"name": "No Login"},
    ]


@pytest.mark.parametrize(
    ("raw", "level"),
    [("contributions_welcome", "contributions_welcome"), ("Shared Write Access", "shared_write"), ("", None)],
)
def test_governance_level_aliases(raw: str, level: str | None) -> None:
    meta, findings = read_metadata({"governance_level": raw})

    assert meta.governance_level == level
    assert findings == []


@pytest.mark.parametrize(
    ("key", "value", "mentions"),
    [
        ("skills", 5, "skills"),
        ("contributions", {"bugfixes": True}, "contributions"),
        ("participation", "x", "participation"),
        ("trusted_committers", "bob", "trusted_committers"),
        ("trusted_committers", [5], "trusted_committers"),
        ("title", 42, "title"),
        ("logo", ["logo.png"], "logo"),
        ("governance_level", "anything goes", "governance_level"),
        ("communication", "#team-chat", "communication"),
        ("review_sla_days", -1, "review_sla_days"),
        ("review_sla_days", "two", "review_sla_days"),
    ],
)
def test_wrong_types_become_findings_not_exceptions(key: str, value: object, mentions: str) -> None:
    meta, findings = read_metadata({"title": "Fine", key: value})

    assert any(mentions in f for f in findings), findings
    assert isinstance(meta, InnerSourceMetadata)


def test_wrong_types_keep_the_good_fields() -> None:
    meta, findings = read_metadata(
        {"title": "Payments SDK", "skills": 5, "participation": "x", "language": "Go"}
    )

    assert meta.title == "Payments SDK"
    assert meta.language == "Go"
    assert meta.skills == []
    assert meta.participation == []
    assert len(findings) == 2


def test_participation_keeps_the_last_52_weeks_and_zeroes_odd_values() -> None:
    meta, findings = read_metadata({"participation": [9] * 10 + [1, None, "x", -2, 3.7] + [0] * 47})

    assert findings == []
    assert len(meta.participation) == 52
    # 62 weeks given: the oldest 10 (the 9s) fall off; None, "x" and -2 count as 0; 3.7 as 3
    assert meta.participation[:5] == [1, 0, 0, 0, 3]
    assert meta.participation[-1] == 0


@pytest.mark.parametrize("raw", [["title"], "a string", 7, True])
def test_non_object_metadata_is_a_finding(raw: object) -> None:
    meta, findings = read_metadata(raw)

    assert meta == InnerSourceMetadata()
    assert len(findings) == 1
    assert "not an object" in findings[0]


def test_missing_metadata_is_empty_and_fine() -> None:
    assert read_metadata(None) == (InnerSourceMetadata(), [])
    assert read_metadata({}) == (InnerSourceMetadata(), [])
