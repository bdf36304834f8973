"""A filter means the same in a search and in a digest, on SQLite (in memory and FTS5) and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.catalog.search import search_projects
from chatbot.db import session_scope
from chatbot.models import Issue, Project
from digests.compose import compose_digest
from tests.conftest import FIXED_NOW

SINCE = FIXED_NOW - timedelta(days=7)
WORD = "zorblax"  # in every description: a search with a word and a filter, next to the filter alone

# name: (language, owner, source, topics, archived, open issues' labels, closed issues' labels)
CATALOG: dict[str, tuple[str | None, str, str, list[str], bool, list[list[str]], list[list[str]]]] = {
    "auth-py": ("Python", "identity", "github", ["auth", "oauth"], False, [["Help_Wanted"]], []),
    "kafka-go": ("Go", "data", "gitlab", ["kafka", "event-streaming"], False, [["good-first-issue"]], []),
    "vault-rs": ("Rust", "security", "github", ["secrets"], False, [["bug", "HELP WANTED"]], []),
    "dash-ts": (
        "TypeScript",
        "UI",
        "github",
        ["Dashboards"],
        False,
        [["help wanted please"]],
        [["help wanted"]],
    ),
    "docs": (None, "docs", "portal", ["machineXlearning"], False, [["good_first_issue"]], []),
    "ml-kit": ("Python", "ml", "portal", ["machine_learning"], False, [["Good First Issue"]], []),
    "old-kafka": ("Java", "data", "github", ["kafka"], True, [["help wanted"]], []),
}
LISTED = ["auth-py", "dash-ts", "docs", "kafka-go", "ml-kit", "vault-rs"]


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        for name, (language, owner, source, topics, archived, open_labels, closed_labels) in CATALOG.items():
            project = Project(
                key=f"git.example/{owner}/{name}",
                source=source,
                name=name,
                full_name=f"{owner}/{name}",
                owner_login=owner,
                html_url=f"https://git.example/{owner}/{name}",
                description=f"The {WORD} of {name}",
                language=language,
                topics=topics,
                archived=archived,
                first_seen_at=SINCE + timedelta(days=1),
            )
            session.add(project)
            session.flush()
            assert project.id is not None
            issues = [(labels, "open") for labels in open_labels] + [
                (labels, "closed") for labels in closed_labels
            ]
            for number, (labels, state) in enumerate(issues, start=1):
                session.add(
                    Issue(
                        project_id=project.id,
                        number=number,
                        title="An issue",
                        url=f"https://git.example/{owner}/{name}/issues/{number}",
                        labels=labels,
                        state=state,
                        labeled_at=SINCE + timedelta(days=1),
                    )
                )
    return engine


def digest_names(engine: Engine, filters: str) -> list[str]:
    with Session(engine) as session:
        digest = compose_digest(session, filters, SINCE, FIXED_NOW, per_section=50)
    return sorted(p.full_name.split("/")[1] for p in digest.new_projects)


def found_names(engine: Engine, query: str, *, memory_index: bool = True) -> list[str]:
    with Session(engine) as session:
        page = search_projects(session, query, limit=50, memory_index=memory_index)
    return sorted(p.name for p in page.projects)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("", LISTED),
        ("lang:python", ["auth-py", "ml-kit"]),
        ("lang:go,RUST", ["kafka-go", "vault-rs"]),
        ("lang:cobol", []),
        ("topic:kafka", ["kafka-go"]),  # the archived one never in a digest, not in find without is:archived
        ("topic:dashboards", ["dash-ts"]),
        ("topic:machine_learning", ["ml-kit"]),  # "_" is literal
        ("topic:event", []),  # a whole topic, not a part of one
        ("org:data", ["kafka-go"]),
        ("team:ui", ["dash-ts"]),
        ("source:portal", ["docs", "ml-kit"]),
        ("has:help-wanted", ["auth-py", "vault-rs"]),  # any case, "_" or " " between the words; open only
        ("has:good-first-issue", ["docs", "kafka-go", "ml-kit"]),
        ("has:help-wanted lang:rust", ["vault-rs"]),
        ("has:good-first-issue source:portal topic:machine_learning", ["ml-kit"]),
    ],
)
def test_a_filter_means_the_same_in_find_and_in_a_digest(
    catalog: Engine, filters: str, expected: list[str]
) -> None:
    with_word = f"{WORD} {filters}"
    assert digest_names(catalog, filters) == expected
    assert digest_names(catalog, with_word) == expected
    if filters:
        assert found_names(catalog, filters) == expected
    assert found_names(catalog, with_word) == expected
    assert found_names(catalog, with_word, memory_index=False) == expected  # SQLite: FTS5 and SQL filters


def test_is_archived_lets_archived_projects_into_find_and_never_into_a_digest(catalog: Engine) -> None:
    assert found_names(catalog, "topic:kafka is:archived") == ["kafka-go", "old-kafka"]
    assert found_names(catalog, f"{WORD} has:help-wanted is:archived") == ["auth-py", "old-kafka", "vault-rs"]
    assert digest_names(catalog, "topic:kafka is:archived") == ["kafka-go"]
