import json
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from chatbot.catalog.importer import ImportFailed, import_portal_file, read_document
from chatbot.models import Project, ProjectOwner
from tests.conftest import FIXED_NOW, shared_data


def clock() -> datetime:
    return FIXED_NOW


def project_count(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Project)).one()


def owners(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Project.full_name, ProjectOwner.forge_login, ProjectOwner.role)
            .join(Project, col(Project.id) == col(ProjectOwner.project_id))
            .order_by(col(Project.full_name), col(ProjectOwner.forge_login))
        ).all()
    return [(name, login, role) for name, login, role in rows]


def write_json(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def portal_entry(full_name: str, **metadata: Any) -> dict[str, Any]:
    return {
        "id": sum(map(ord, full_name)),
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "html_url": f"https://github.example/{full_name}",
        "description": f"{full_name} is a useful library",
        "owner": {"login": full_name.split("/")[0]},
        "_InnerSourceMetadata": metadata,
    }


# --- local files ------------------------------------------------------------------------------------


def test_import_of_the_sap_mock_adds_42(engine: Engine) -> None:
    report = import_portal_file(engine, str(shared_data("sap-portal-repos.json")), clock=clock)

    assert (report.stats.added, report.stats.updated, report.stats.unchanged) == (42, 0, 0)
    assert report.problems == []
    assert "42 added, 0 updated, 0 unchanged, 0 skipped" in report.summary()
    assert project_count(engine) == 42


def test_importing_the_same_file_twice_changes_nothing(engine: Engine) -> None:
    path = str(shared_data("sap-portal-repos.json"))
    import_portal_file(engine, path, clock=clock)

    again = import_portal_file(engine, path, clock=clock)

    assert (again.stats.added, again.stats.updated, again.stats.unchanged) == (0, 0, 42)
    assert project_count(engine) == 42


def test_a_changed_description_is_one_update(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "repos.json"
    shutil.copy(shared_data("sap-portal-repos.json"), path)
    import_portal_file(engine, str(path), clock=clock)
    document = json.loads(path.read_text(encoding="utf-8"))
    changed = next(p for p in document if p["full_name"] == "Sol/earth")
    changed["description"] = "Earth now has a brand new description."
    write_json(path, document)

    report = import_portal_file(engine, str(path), clock=clock)

    assert (report.stats.added, report.stats.updated, report.stats.unchanged) == (0, 1, 41)
    with Session(engine) as session:
        earth = session.exec(select(Project).where(col(Project.full_name) == "Sol/earth")).one()
    assert earth.description == "Earth now has a brand new description."
    assert project_count(engine) == 42


def test_a_broken_entry_is_named_and_the_rest_imported(engine: Engine, tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "repos.json",
        [portal_entry("acme/one"), {"description": "nameless"}, portal_entry("acme/three")],
    )

    report = import_portal_file(engine, path, clock=clock)

    assert report.stats.added == 2
    summary = report.summary()
    assert "2 added" in summary and "1 skipped" in summary
    assert "entry 1" in summary
    assert project_count(engine) == 2


def test_trusted_committers_become_owners_once(engine: Engine, tmp_path: Path) -> None:
    committers = [{"name": "Alice", "github": "@alice"}, "bob", {"name": "No login"}]
    path = write_json(tmp_path / "repos.json", [portal_entry("acme/lib", trusted_committers=committers)])

    import_portal_file(engine, path, clock=clock)
    import_portal_file(engine, path, clock=clock)

    expected = [("acme/lib", "alice", "trusted_committer"), ("acme/lib", "bob", "trusted_committer")]
    assert owners(engine) == expected


def test_a_removed_trusted_committer_is_no_longer_an_owner(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "repos.json"
    write_json(path, [portal_entry("acme/lib", trusted_committers=["alice", "bob"])])
    import_portal_file(engine, str(path), clock=clock)
    write_json(path, [portal_entry("acme/lib", trusted_committers=["bob"])])

    report = import_portal_file(engine, str(path), clock=clock)

    assert report.stats.updated == 1
    assert owners(engine) == [("acme/lib", "bob", "trusted_committer")]


# --- errors -----------------------------------------------------------------------------------------


def test_missing_path_fails_clearly(engine: Engine, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"

    with pytest.raises(ImportFailed, match="does not exist"):
        import_portal_file(engine, str(missing), clock=clock)


def test_invalid_json_fails_with_its_position(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "repos.json"
    path.write_text('[{"name": "ok"},\n  {"name": oops}]', encoding="utf-8")

    with pytest.raises(ImportFailed, match=r"is not valid JSON \(line 2, column"):
        import_portal_file(engine, str(path), clock=clock)
    assert project_count(engine) == 0


def test_a_json_object_that_is_not_a_repos_file_fails(engine: Engine, tmp_path: Path) -> None:
    path = write_json(tmp_path / "config.json", {"name": "not a list of projects"})

    with pytest.raises(ImportFailed, match="JSON array"):
        import_portal_file(engine, path, clock=clock)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "repos.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([portal_entry("acme/bom")]).encode())

    assert read_document(str(path)) == [portal_entry("acme/bom")]


# --- URLs -------------------------------------------------------------------------------------------


@pytest.fixture
def portal_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that serves the SAP mock at /repos.json and junk at /broken.json."""
    body = shared_data("sap-portal-repos.json").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            pages = {"/repos.json": body, "/broken.json": b"<html>not json</html>"}
            page = pages.get(self.path)
            self.send_response(200 if page is not None else 404)
            self.send_header("Content-Type", "application/json")
            payload = page if page is not None else b"not found"
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def test_import_from_a_url(engine: Engine, portal_server: str) -> None:
    url = f"{portal_server}/repos.json"

    report = import_portal_file(engine, url, clock=clock)

    assert report.stats.added == 42
    assert report.summary().startswith(f"Imported {url}: 42 added")
    assert project_count(engine) == 42


def test_url_answering_404_fails_clearly(engine: Engine, portal_server: str) -> None:
    with pytest.raises(ImportFailed, match="answered HTTP 404"):
        import_portal_file(engine, f"{portal_server}/missing.json", clock=clock)


def test_url_serving_something_else_than_json_fails_clearly(engine: Engine, portal_server: str) -> None:
    with pytest.raises(ImportFailed, match="is not valid JSON"):
        import_portal_file(engine, f"{portal_server}/broken.json", clock=clock)


def test_unreachable_url_fails_clearly() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(
        ImportFailed, match=r"could not fetch https://portal\.example/repos\.json: ConnectError"
    ):
        read_document("https://portal.example/repos.json", transport=httpx.MockTransport(refuse))
