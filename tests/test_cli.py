"""The `innersource` command, run in-process through `chatbot.cli.main` against an SQLite file."""

from pathlib import Path

import pytest

from chatbot.cli import main
from tests.conftest import shared_data

UNSET = (
    "DATABASE_URL",
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "INNERSOURCE_CONFIG",
    "PORT",
    "INNERSOURCE_THREADS",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INNERSOURCE_DATA_DIR", str(tmp_path / "data"))
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def migrated(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 0, err


@pytest.fixture
def seeded(migrated: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "seed")
    assert code == 0, err


def test_db_upgrade_then_current(capsys: pytest.CaptureFixture[str], workdir: Path) -> None:
    code, out, _ = run(capsys, "db", "current")
    assert code == 1
    assert "empty" in out and "innersource db upgrade" in out

    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert "upgraded empty ->" in out
    assert (workdir / "data" / "innersource.db").is_file()

    code, out, _ = run(capsys, "db", "current")
    assert code == 0
    assert "up to date" in out

    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert "upgraded" not in out  # nothing left to do


def test_import_before_upgrade_asks_for_db_upgrade(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "import", str(shared_data("sap-portal-repos.json")))

    assert code == 2
    assert out == ""
    assert "no schema yet" in err
    assert "Run `innersource db upgrade`" in err


def test_import_a_portal_file(migrated: None, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(shared_data("sap-portal-repos.json"))

    code, out, _ = run(capsys, "import", path)
    assert code == 0
    assert "42 added" in out

    code, out, _ = run(capsys, "import", path)
    assert code == 0
    assert "0 added, 0 updated, 42 unchanged" in out


def test_import_of_a_missing_file_fails_cleanly(
    migrated: None, capsys: pytest.CaptureFixture[str], workdir: Path
) -> None:
    code, _, err = run(capsys, "import", str(workdir / "repos.json"))

    assert code == 2
    assert err.startswith("Import failed:")
    assert "does not exist" in err
    assert "Traceback" not in err


def test_seed_if_empty_loads_once(migrated: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "seed", "--if-empty")
    assert code == 0
    assert out.startswith("Loaded the sample catalog:")
    assert "projects" in out and "open pull requests" in out

    code, out, _ = run(capsys, "seed", "--if-empty")
    assert code == 0
    assert "already has projects" in out
    assert "Loaded" not in out


def test_ask_help_lists_the_commands(migrated: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "/innersource help")

    assert code == 0
    assert "/innersource find" in out
    assert "/innersource project" in out


def test_ask_find_finds_the_sample_auth_library(seeded: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "/innersource find auth library")

    assert code == 0
    assert "AuthKit" in out
    assert "\033[" not in out  # no colour codes when the output is not a terminal


def test_ask_accepts_unquoted_words(seeded: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "find", "auth", "library")

    assert code == 0
    assert "AuthKit" in out


def test_ask_with_a_typo_suggests_the_command(migrated: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "ask", "findd auth")

    assert code == 0
    assert "Did you mean" in out
    assert "/innersource find" in out


def test_serve_without_tokens_explains_and_does_not_start(
    migrated: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Were the check to pass by mistake, serve would block here and pytest-timeout would fail the test.
    code, _, err = run(capsys, "serve")

    assert code == 2
    assert "SLACK_BOT_TOKEN is not set" in err
    assert "OAuth & Permissions" in err


def test_bad_configuration_is_reported_before_anything_runs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, workdir: Path
) -> None:
    monkeypatch.setenv("PORT", "three thousand")

    code, _, err = run(capsys, "db", "upgrade")

    assert code == 2
    assert err.startswith("Configuration problems:")
    assert "PORT" in err
    assert not (workdir / "data" / "innersource.db").exists()


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)

    assert code == 0
    assert "usage: innersource" in out


def test_sync_without_sources_says_how_to_configure(
    migrated: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "sync")
    assert code == 2
    assert "[[sources]]" in err


def test_sync_a_configured_portal_source(
    migrated: None, capsys: pytest.CaptureFixture[str], workdir: Path
) -> None:
    path = shared_data("sap-portal-repos.json")
    (workdir / "innersource.toml").write_text(
        f'[[sources]]\nkind = "portal"\nname = "sap"\npath = "{path}"\n'
    )
    code, out, _ = run(capsys, "sync", "--full")
    assert code == 0
    assert "sap: 42 added, 0 updated, 0 unchanged, 0 removed" in out
    code, out, _ = run(capsys, "sync", "--source", "sap")
    assert code == 0
    assert "sap: 0 added" in out
    code, _, err = run(capsys, "sync", "--source", "nope")
    assert code == 2
    assert "Configured: sap" in err


def test_sync_names_the_missing_token(
    migrated: None, capsys: pytest.CaptureFixture[str], workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    (workdir / "innersource.toml").write_text('[[sources]]\nkind = "github"\norg = "acme"\n')
    code, _, err = run(capsys, "sync")
    assert code == 2
    assert "GITHUB_TOKEN" in err
