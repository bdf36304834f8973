"""`innersource digest status`, run in-process through `chatbot.cli.main`, while digests are posted,
retrying, left pending by a crash, or failed."""

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from chatbot.cli import main
from chatbot.clock import utcnow
from chatbot.db import session_scope
from chatbot.models import DigestDelivery, Subscription
from digests.deliver import SENT, deliver_one, on_demand_key
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack


@pytest.fixture(autouse=True)
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("INNERSOURCE_DATA_DIR", str(tmp_path / "data"))
    for name in ("INNERSOURCE_CONFIG", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)


def status(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["digest", "status"]) == 0
    out = capsys.readouterr().out
    return out.splitlines()


def subscribe(engine: Engine, channel: str = "C1", created: datetime | None = None) -> int:
    created = created or utcnow() - timedelta(days=30)
    with session_scope(engine) as session:
        sub = Subscription(channel_id=channel, created_by="U1", created_at=created, updated_at=created)
        session.add(sub)
        session.flush()
        assert sub.id is not None
        return sub.id


def record(
    engine: Engine, sub_id: int, key: str, *, due: datetime, touched: datetime, **fields: object
) -> None:
    with session_scope(engine) as session:
        session.add(
            DigestDelivery(
                subscription_id=sub_id,
                period_key=key,
                scheduled_for=due,
                channel_id="C1",
                created_at=touched,
                **fields,  # type: ignore[arg-type]
            )
        )


def at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def test_a_digest_waiting_out_a_storm_shows_as_retrying_with_the_time_waited(
    engine: Engine, fake_slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    sub_id = subscribe(engine)
    fake_slack.fail("chat.postMessage", status=429, retry_after=5, times=2)
    fake_slack.fail("chat.postMessage", status=503, times=1)
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[])
    shown: list[list[str]] = []
    now = utcnow()

    outcome = deliver_one(
        engine,
        client,
        sub_id,
        now,
        now=now,
        on_demand=True,
        quiet_note=True,
        sleep=lambda s: shown.append(status(capsys)),
    )

    assert outcome == SENT
    assert [lines[2] for lines in shown] == [
        "  on demand: retrying: chat.postMessage: HTTP 429 ratelimited, waited 0 s so far",
        "  on demand: retrying: chat.postMessage: HTTP 429 ratelimited, waited 5 s so far",
        "  on demand: retrying: chat.postMessage: HTTP 503, waited 10 s so far",
    ]
    assert status(capsys) == [
        f"#{sub_id} channel C1: every Monday at 09:00 (UTC)",
        f"  last sent: {at(now + timedelta(seconds=12))}",
    ]


def test_crashed_pending_and_failed_digests_are_all_shown(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    now = utcnow()
    sub_id = subscribe(engine)
    crashed = now - timedelta(minutes=25)
    record(engine, sub_id, "2026-11-09", due=crashed, touched=crashed)  # its sender died 25 minutes ago
    asked = now - timedelta(minutes=12)
    record(engine, sub_id, on_demand_key(asked), due=asked, touched=asked)  # wanted "now", 12 minutes ago
    record(engine, sub_id, "2026-11-02", due=now - timedelta(minutes=1), touched=now - timedelta(seconds=5))
    record(
        engine,
        sub_id,
        "2026-10-26",
        due=now - timedelta(days=7),
        touched=now - timedelta(days=7),
        status="failed",
        error="chat.postMessage: HTTP 503; gave up after 486 s",
    )

    lines = status(capsys)

    assert lines == [
        f"#{sub_id} channel C1: every Monday at 09:00 (UTC)",
        "  last sent: never",
        f"  2026-11-09: pending since {at(crashed)}, no sign of its sender for 25 min "
        "(it may have died; the next catch-up resends it)",
        f"  on demand: pending since {at(asked)}, no sign of its sender for 12 min "
        "(it may have died; the next catch-up records it failed, not sent late)",
        f"  2026-11-02: being posted (since {at(now - timedelta(minutes=1))})",
        "  failures: 1",
        f"    2026-10-26 (due {at(now - timedelta(days=7))}): "
        "failed: chat.postMessage: HTTP 503; gave up after 486 s",
    ]


def test_no_subscriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert status(capsys) == ["No digest subscriptions."]
