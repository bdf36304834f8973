"""The `innersource` command as a real subprocess, given what it cannot use: one line on stderr saying
what is wrong, a non-zero exit, nothing changed, never a traceback."""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from chatbot.db import make_engine
from chatbot.models import Project

CLOSED_STDOUT = 141


def environment(database_url: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INNERSOURCE_", "DATABASE_URL"))
    }
    return env | {"DATABASE_URL": database_url, "PYTHONUNBUFFERED": ""}


def innersource(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatbot.cli", *args],
        cwd=cwd,
        env=environment(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


def project_count(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(Project)).one()
    finally:
        engine.dispose()


def latin1_file(path: Path) -> int:
    text = json.dumps([{"name": "café", "full_name": "acme/café"}], ensure_ascii=False)
    path.write_bytes(text.encode("latin-1"))
    return text.index("é")


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(latin1_file, "is not UTF-8 text (byte 0xe9 at offset {offset})", id="latin-1"),
        pytest.param(PNG, "is not UTF-8 text (byte 0x89 at offset 0)", id="png"),
        pytest.param(
            b'[{"name": "ok"}]' + random.Random(12).randbytes(2000),
            "is not UTF-8 text (byte 0x",
            id="random-bytes",
        ),
        pytest.param(
            b"name,stars\nauth,3\n", "is not valid JSON (line 1, column 1): Expecting value", id="csv"
        ),
        pytest.param(b"", "is not valid JSON (line 1, column 1): Expecting value", id="empty"),
        pytest.param(b"[" * 100_000, "is nested too deeply to be a repos.json file", id="deep-nesting"),
        pytest.param(
            b'{"name": "one project"}', "a repos.json file holds a JSON array of projects", id="object"
        ),
    ],
)
def test_an_unreadable_import_file_gets_one_line(
    sqlite_url: str, tmp_path: Path, content: bytes | object, expected: str
) -> None:
    path = tmp_path / "repos.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        assert callable(content)
        expected = expected.format(offset=content(path))

    result = innersource(sqlite_url, tmp_path, "import", str(path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"Import failed: {path}")
    assert expected in result.stderr
    assert project_count(sqlite_url) == 0


def test_import_keeps_good_entries_and_names_cleaned_and_skipped_ones(
    database_url: str, tmp_path: Path
) -> None:
    def entry(name: str, **fields: object) -> dict[str, object]:
        return {
            "name": name,
            "full_name": f"acme/{name}",
            "html_url": f"https://git.example/acme/{name}",
            **fields,
        }

    path = tmp_path / "repos.json"
    entries = [
        entry("zero"),
        entry("one", description="lone \ud800 surrogate"),
        entry("two", _InnerSourceMetadata={"title": "NUL\x00 and \x1b[31m escape"}),
        entry("three", stargazers_count=10**20),
        None,
        entry("five"),
    ]
    path.write_text(json.dumps(entries), encoding="ascii")

    result = innersource(database_url, tmp_path, "import", str(path))

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Imported {path}: 4 added, 0 updated, 0 unchanged, 2 skipped, 2 cleaned."
    assert lines[1:3] == [
        "  entry 1: cleaned description (removed lone surrogates)",
        "  entry 2: cleaned _InnerSourceMetadata.title (removed NUL, control characters)",
    ]
    assert lines[3].startswith("  entry 3: skipped: the database refused it (")
    assert lines[4:] == ["  entry 4: skipped: empty entry (null)"]
    assert project_count(database_url) == 4


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        pytest.param(("ask", "find auth"), "", id="ask"),
        pytest.param(("ask", "help"), "", id="ask-help"),
        pytest.param(("console",), "help\nfind auth\nexit\n", id="console"),
    ],
)
def test_a_closed_stdout_ends_quietly(
    sqlite_url: str, tmp_path: Path, args: tuple[str, ...], stdin: str
) -> None:
    """As `innersource ask "find auth" | head -1` when head has gone before the answer is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # no reader: the first write fails with EPIPE
    try:
        process = subprocess.run(
            [sys.executable, "-m", "chatbot.cli", *args],
            cwd=tmp_path,
            env=environment(sqlite_url),
            input=stdin,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(write_end)

    assert process.returncode == CLOSED_STDOUT
    assert process.stderr == ""


def test_sync_of_an_unreadable_portal_file_gets_one_line(sqlite_url: str, tmp_path: Path) -> None:
    offset = latin1_file(tmp_path / "repos.json")
    (tmp_path / "innersource.toml").write_text(
        '[[sources]]\nkind = "portal"\nname = "portal"\npath = "repos.json"\n'
    )

    result = innersource(sqlite_url, tmp_path, "sync")

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"portal: sync stopped: repos.json is not UTF-8 text (byte 0xe9 at offset {offset}); "
        "a repos.json file is JSON in UTF-8"
    ]
    assert project_count(sqlite_url) == 0
