import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.models import Project
from chatbot.sources.portal import PortalSource
from chatbot.sources.sync import run_sync
from tests.conftest import FIXED_NOW, shared_data


def _projects(engine: Engine) -> dict[str, Project]:
    with Session(engine) as session:
        return {p.full_name: p for p in session.exec(select(Project)).all()}


def test_sync_a_portal_file_then_again_unchanged(engine: Engine) -> None:
    source = PortalSource("sap", str(shared_data("sap-portal-repos.json")))
    first = run_sync(engine, source, clock=lambda: FIXED_NOW)
    assert first.added == 42
    again = run_sync(engine, PortalSource("sap", source.path), clock=lambda: FIXED_NOW + timedelta(hours=1))
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert len(_projects(engine)) == 42


def test_an_entry_gone_from_the_file_is_removed_but_kept(engine: Engine, tmp_path: Path) -> None:
    entries = json.loads(shared_data("sap-portal-repos.json").read_text())
    path = tmp_path / "repos.json"
    path.write_text(json.dumps(entries))
    run_sync(engine, PortalSource("sap", str(path)), clock=lambda: FIXED_NOW)
    gone = entries.pop(0)
    path.write_text(json.dumps(entries))
    summary = run_sync(engine, PortalSource("sap", str(path)), clock=lambda: FIXED_NOW + timedelta(hours=1))
    assert summary.removed == 1
    projects = _projects(engine)
    assert len(projects) == 42
    assert projects[gone["full_name"]].removed_at == FIXED_NOW + timedelta(hours=1)
    assert all(p.removed_at is None for name, p in projects.items() if name != gone["full_name"])


def test_a_project_listed_by_two_sources_appears_once(engine: Engine, tmp_path: Path) -> None:
    entry = {
        "id": 1,
        "name": "ledger",
        "full_name": "payments/ledger",
        "html_url": "https://git.a.example/payments/ledger",
    }
    mirror = {**entry, "html_url": "https://mirror.b.example/payments/ledger"}
    (tmp_path / "a.json").write_text(json.dumps([entry]))
    (tmp_path / "b.json").write_text(json.dumps([mirror]))
    run_sync(engine, PortalSource("a", str(tmp_path / "a.json")), clock=lambda: FIXED_NOW)
    summary = run_sync(engine, PortalSource("b", str(tmp_path / "b.json")), clock=lambda: FIXED_NOW)
    assert summary.mirrors == 1
    with Session(engine) as session:
        rows = session.exec(select(Project).where(col(Project.full_name) == "payments/ledger")).all()
    assert [r.html_url for r in rows] == ["https://git.a.example/payments/ledger"]


def test_a_broken_file_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    from chatbot.catalog.importer import ImportFailed

    path = tmp_path / "repos.json"
    path.write_text("[{")
    with pytest.raises(ImportFailed, match="not valid JSON"):
        run_sync(engine, PortalSource("x", str(path)), clock=lambda: FIXED_NOW)
    assert _projects(engine) == {}


def test_a_first_sync_is_not_a_flood_of_new_projects(engine: Engine, tmp_path: Path) -> None:
    created = "2024-05-01T10:00:00Z"
    entries = [
        {
            "id": 1,
            "name": "old",
            "full_name": "a/old",
            "html_url": "https://g.example/a/old",
            "created_at": created,
        }
    ]
    path = tmp_path / "repos.json"
    path.write_text(json.dumps(entries))
    run_sync(engine, PortalSource("p", str(path)), clock=lambda: FIXED_NOW)
    # A project that appears later is new from the day it is first seen.
    entries.append(
        {
            "id": 2,
            "name": "fresh",
            "full_name": "a/fresh",
            "html_url": "https://g.example/a/fresh",
            "created_at": created,
        }
    )
    path.write_text(json.dumps(entries))
    later = FIXED_NOW + timedelta(days=1)
    run_sync(engine, PortalSource("p", str(path)), clock=lambda: later)
    projects = _projects(engine)
    assert projects["a/old"].first_seen_at.isoformat() == "2024-05-01T10:00:00+00:00"
    assert projects["a/fresh"].first_seen_at == later


def test_a_first_import_is_backdated_too(engine: Engine, tmp_path: Path) -> None:
    from chatbot.catalog.importer import import_portal_file

    import_portal_file(engine, str(shared_data("sap-portal-repos.json")), clock=lambda: FIXED_NOW)
    assert all(p.first_seen_at < FIXED_NOW for p in _projects(engine).values())
