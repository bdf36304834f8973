"""An entry with text a database cannot store (lone surrogates, NUL, control characters) is cleaned, and
one the database still refuses is skipped; either way it is named by its index and the rest is imported."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from chatbot.catalog.importer import import_portal_file
from chatbot.catalog.storable import storable_json, storable_text
from chatbot.models import Project, ProjectOwner
from tests.conftest import FIXED_NOW

UNSTORABLE = {chr(c) for c in range(0x20) if chr(c) not in "\n\t"} | {chr(c) for c in range(0xD800, 0xE000)}


def clock() -> datetime:
    return FIXED_NOW


def entry(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "full_name": f"acme/{name}",
        "html_url": f"https://github.example/acme/{name}",
        "description": f"{name} is a library",
        "owner": {"login": "acme"},
        **fields,
    }


def write(path: Path, entries: list[Any]) -> str:
    path.write_text(json.dumps(entries), encoding="ascii")  # lone surrogates as \\ud800 escapes, as found
    return str(path)


def stored(engine: Engine) -> dict[str, Project]:
    with Session(engine) as session:
        return {p.name: p for p in session.exec(select(Project)).all()}


def test_unstorable_text_is_removed_and_the_entry_named(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "repos.json",
        [
            entry("zero"),
            entry("one", description="Fast \ud800JSON\udfff parser"),
            entry(
                "two",
                description="nul\x00here",
                _InnerSourceMetadata={"title": "T\x07itle", "topics": ["a\x00b"]},
            ),
            entry("three", description="keeps\nnew lines\tand tabs"),
        ],
    )

    report = import_portal_file(engine, path, clock=clock)

    assert report.stats.added == 4 and report.problems == []
    assert report.summary().splitlines() == [
        f"Imported {path}: 4 added, 0 updated, 0 unchanged, 0 skipped, 2 cleaned.",
        "  entry 1: cleaned description (removed lone surrogates)",
        "  entry 2: cleaned description, _InnerSourceMetadata.title, _InnerSourceMetadata.topics[0] "
        "(removed NUL, control characters)",
    ]
    projects = stored(engine)
    assert projects["one"].description == "Fast JSON parser"
    assert projects["two"].description == "nulhere"
    assert projects["two"].title == "Title" and projects["two"].topics == ["ab"]
    assert projects["two"].innersource_metadata["title"] == "Title"
    assert projects["three"].description == "keeps\nnew lines\tand tabs"


def test_a_cleaned_file_imported_again_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "repos.json", [entry("one", owner={"login": "ac\x00me\ud83d"}), entry("two")])
    import_portal_file(engine, path, clock=clock)

    again = import_portal_file(engine, path, clock=clock)

    assert (again.stats.added, again.stats.updated, again.stats.unchanged) == (0, 0, 2)
    assert "entry 0: cleaned owner.login (removed NUL, lone surrogates)" in again.summary()


def test_an_entry_the_database_refuses_is_skipped_and_the_rest_imported(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "repos.json",
        [
            entry("zero"),
            entry("one", stargazers_count=10**20),
            entry("two", description="t\x00wo"),
            entry("three"),
        ],
    )

    report = import_portal_file(engine, path, clock=clock)

    lines = report.summary().splitlines()
    assert lines[0] == f"Imported {path}: 3 added, 0 updated, 0 unchanged, 1 skipped, 1 cleaned."
    assert lines[1].startswith("  entry 1: skipped: the database refused it (")
    assert lines[2] == "  entry 2: cleaned description (removed NUL)"
    assert sorted(stored(engine)) == ["three", "two", "zero"]


def test_a_refused_entry_leaves_the_stored_project_as_it_was(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "repos.json"
    write(path, [entry("one", stargazers_count=5, _InnerSourceMetadata={"trusted_committers": ["alice"]})])
    import_portal_file(engine, str(path), clock=clock)
    write(path, [entry("one", stargazers_count=10**20, description="changed"), entry("two")])

    report = import_portal_file(engine, str(path), clock=clock)

    assert (report.stats.added, report.stats.updated) == (1, 0)
    one = stored(engine)["one"]
    assert (one.stars, one.description) == (5, "one is a library")
    with Session(engine) as session:
        logins = session.exec(
            select(ProjectOwner.forge_login).where(col(ProjectOwner.project_id) == one.id)
        ).all()
    assert logins == ["alice"]


def test_counts_json_cannot_hold_as_integers_read_as_zero(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "repos.json"
    text = json.dumps([entry("one", forks_count=1), entry("two", watchers_count=2)])
    path.write_text(text.replace('"forks_count": 1', '"forks_count": 1e999').replace("2}", "9" * 5000 + "}"))

    report = import_portal_file(engine, str(path), clock=clock)

    assert report.stats.added == 2 and report.problems == []
    assert (stored(engine)["one"].forks, stored(engine)["two"].watchers) == (0, 0)


@given(st.text())
def test_storable_text_holds_nothing_unstorable_and_keeps_the_rest(text: str) -> None:
    cleaned, kinds = storable_text(text)

    cleaned.encode("utf-8")
    assert not set(cleaned) & UNSTORABLE
    assert cleaned == "".join(c for c in text if c not in UNSTORABLE)
    assert bool(kinds) == (cleaned != text)
    assert storable_text(cleaned) == (cleaned, set())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for item in value.values() for s in strings(item))]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


@given(json_values)
def test_storable_json_cleans_every_string_and_key(value: object) -> None:
    cleaned, removed = storable_json(value)

    assert all(not set(text) & UNSTORABLE for text in strings(cleaned))
    assert bool(removed) == (strings(cleaned) != strings(value))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(description=st.text(max_size=40), title=st.text(max_size=20))
def test_any_text_in_an_entry_is_imported(
    engine: Engine, tmp_path: Path, description: str, title: str
) -> None:
    with Session(engine) as session:
        session.exec(delete(ProjectOwner))
        session.exec(delete(Project))
        session.commit()
    path = write(
        tmp_path / "repos.json",
        [entry("one", description=description, _InnerSourceMetadata={"title": title})],
    )

    report = import_portal_file(engine, path, clock=clock)

    assert report.stats.added == 1 and report.problems == []
    project = stored(engine)["one"]
    assert project.description == storable_text(description)[0].strip()
    assert project.title == storable_text(title)[0].strip()
