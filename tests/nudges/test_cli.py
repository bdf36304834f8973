"""`innersource nudges [--dry-run|--send]`, in-process, on the seeded sample catalog."""

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from chatbot.cli import main
from chatbot.db import make_engine
from chatbot.models import Nudge
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack


@pytest.fixture(autouse=True)
def logging_levels() -> Iterator[None]:
    """`main` quietens httpx and friends process-wide; later tests read their logs, so put them back."""
    loggers = [logging.getLogger(name) for name in ("", "alembic", "httpx", "httpcore")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture(autouse=True)
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INNERSOURCE_DATA_DIR", str(tmp_path / "data"))
    for name in ("DATABASE_URL", "SLACK_BOT_TOKEN", "SLACK_API_URL", "INNERSOURCE_CONFIG", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["db", "upgrade"]) == 0 and main(["seed"]) == 0
    capsys.readouterr()
    return tmp_path / "data" / "innersource.db"


def nudge_rows(db: Path) -> list[Nudge]:
    engine = make_engine(f"sqlite:///{db}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(Nudge)).all())
    finally:
        engine.dispose()


def test_the_dry_run_shows_and_changes_nothing(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nudges", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "(dry run: nothing sent)" in out and re.search(r"Would send \d+ message", out)
    assert "identity/scim-sync#270" in out  # waiting since September, whoever's working hours it is
    assert nudge_rows(seeded) == []


def test_send_runs_one_real_pass(
    seeded: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack
) -> None:
    assert main(["nudges", "--send"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err

    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.api_url)
    assert main(["nudges", "--send"]) == 0
    out = capsys.readouterr().out
    sent = int(re.findall(r"nudges: (\d+) sent", out)[0])
    assert sent == len(fake_slack.calls("chat.postMessage")) == len(nudge_rows(seeded))
    assert main(["nudges", "--send"]) == 0  # a second pass right after sends nothing new
    assert len(fake_slack.calls("chat.postMessage")) == sent


def test_a_dry_run_as_of_another_time(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime, timedelta

    today = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    monday = saturday + timedelta(days=2)

    assert main(["nudges", "--dry-run", "--at", saturday.strftime("%Y-%m-%dT%H:%MZ")]) == 0
    out = capsys.readouterr().out
    assert "Would send 0 messages" in out and "not a working day there (Sat" in out
    assert main(["nudges", "--at", monday.isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"Nudges at {monday:%Y-%m-%d} 10:00 UTC" in out and "DM to U0NW" in out
    assert nudge_rows(seeded) == []

    assert main(["nudges", "--at", "next tuesday"]) == 2
    assert "is not a date and time" in capsys.readouterr().err
    assert main(["nudges", "--send", "--at", monday.isoformat()]) == 2
