"""The real app in HTTP mode as a subprocess: signed requests in, replies out, Slack faked over HTTP."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from chatbot.catalog.sample import load_sample
from chatbot.db import make_engine
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers, slash_command_body


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[str]
    log: list[str]
    logged: threading.Condition

    def wait_for_log(self, pattern: str, *, count: int = 1, timeout: float = 30) -> list[re.Match[str]]:
        """Block until `count` log lines match `pattern` (a regex); fail the test after `timeout`."""
        with self.logged:
            self.logged.wait_for(lambda: len(self.matches(pattern)) >= count, timeout=timeout)
            found = self.matches(pattern)
        if len(found) < count:
            pytest.fail(f"the log never showed {count} x {pattern!r}:\n" + "".join(self.log))
        return found

    def matches(self, pattern: str) -> list[re.Match[str]]:
        return [m for line in list(self.log) if (m := re.search(pattern, line))]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def start_app(
    database_url: str, fake_slack: FakeSlack, cwd: Path, extra_env: dict[str, str] | None = None
) -> Iterator[RunningApp]:
    engine = make_engine(database_url)
    load_sample(engine)
    engine.dispose()
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "INNERSOURCE_", "DATABASE_URL"))
    }
    env.update(
        {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake_slack.api_url,
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "INNERSOURCE_THREADS": "8",
            **(extra_env or {}),
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "serve"],
        cwd=cwd,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    app = RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=[], logged=threading.Condition())

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            with app.logged:
                app.log.append(line)
                app.logged.notify_all()
        with app.logged:
            app.log.append("(the app exited)\n")
            app.logged.notify_all()

    threading.Thread(target=read_log, daemon=True).start()
    with app.logged:
        app.logged.wait_for(
            lambda: process.poll() is not None or bool(app.matches("Listening for Slack|the app exited")),
            timeout=30,
        )
    if process.poll() is not None or not app.matches("Listening for Slack"):
        process.kill()
        pytest.fail("the app did not start:\n" + "".join(app.log))
    try:
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def running_app(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[RunningApp]:
    with start_app(database_url, fake_slack, tmp_path) as app:
        yield app


def _find(app: RunningApp, fake_slack: FakeSlack, query: str) -> httpx.Response:
    body = slash_command_body(f"find {query}", response_url=fake_slack.response_url())
    return httpx.post(f"{app.url}/slack/events", content=body, headers=signed_headers(body))


def test_worker_processes_share_the_port_and_a_dead_one_is_replaced(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    with start_app(database_url, fake_slack, tmp_path, {"INNERSOURCE_WORKERS": "2"}) as app:
        assert app.matches(r"Search index built in [\d.]+ s for the workers to share")  # before the fork
        started = app.wait_for_log(r"Worker (\d) \(pid (\d+)\) serving", count=2)
        workers = sorted(started, key=lambda m: m.group(1))
        assert [m.group(1) for m in workers] == ["0", "1"]
        for _ in range(6):
            response = _find(app, fake_slack, "auth library")
            assert response.status_code == 200
            assert "AuthKit" in response.json()["text"]

        killed = int(workers[1].group(2))
        os.kill(killed, signal.SIGKILL)
        app.wait_for_log(r"Worker 1 exited", timeout=30)
        replacement = app.wait_for_log(r"Worker 1 \(pid (\d+)\) serving", count=2)[-1]
        assert int(replacement.group(1)) != killed
        for _ in range(4):
            assert _find(app, fake_slack, "kubernetes operator").status_code == 200

        survivors = [int(workers[0].group(2)), int(replacement.group(1))]
        app.process.terminate()
        assert app.process.wait(timeout=20) == 0
        for pid in survivors:  # the supervisor takes its workers down with it
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)


def test_signed_slash_command_gets_its_reply(running_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("find auth library", response_url=fake_slack.response_url())
    response = httpx.post(f"{running_app.url}/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    message = response.json()
    assert message["response_type"] == "ephemeral"
    assert "AuthKit" in message["text"]
    assert any("AuthKit" in json.dumps(block) for block in message["blocks"])
    # The app checked its token with Slack on start, through SLACK_API_URL.
    assert fake_slack.calls("auth.test")


def test_help_over_http(running_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("  help  ", response_url=fake_slack.response_url())
    response = httpx.post(f"{running_app.url}/slack/events", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    assert "/innersource find" in response.json()["text"]


def test_forged_signature_is_rejected(running_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("find auth", response_url=fake_slack.response_url())
    headers = signed_headers(body, secret="not-the-secret")
    response = httpx.post(f"{running_app.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert "AuthKit" not in response.text


def test_request_older_than_five_minutes_is_rejected(running_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("find auth", response_url=fake_slack.response_url())
    headers = signed_headers(body, timestamp=int(time.time()) - 301)
    response = httpx.post(f"{running_app.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401


def test_healthz_reports_the_database(running_app: RunningApp) -> None:
    response = httpx.get(f"{running_app.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_share_button_posts_the_card_publicly(running_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("find payments sdk", response_url=fake_slack.response_url())
    reply = httpx.post(f"{running_app.url}/slack/events", content=body, headers=signed_headers(body)).json()
    share = next(
        element
        for block in reply["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "share_project"
    )
    payload = {
        "type": "block_actions",
        "team": {"id": "T123"},
        "user": {"id": "U777"},
        "channel": {"id": "C123"},
        "api_app_id": "A123",
        "trigger_id": "1.2.3",
        "response_url": fake_slack.response_url("share"),
        "actions": [
            {"action_id": "share_project", "block_id": "b", "value": share["value"], "type": "button"}
        ],
    }
    action_body = urlencode({"payload": json.dumps(payload)})
    response = httpx.post(
        f"{running_app.url}/slack/events", content=action_body, headers=signed_headers(action_body)
    )
    assert response.status_code == 200
    (posted,) = fake_slack.wait_for("response_url")
    assert posted.params["response_type"] == "in_channel"
    assert "Payments SDK" in json.dumps(posted.params["blocks"])
    assert "<@U777>" in json.dumps(posted.params["blocks"])


def test_tokens_never_reach_the_log(running_app: RunningApp, fake_slack: FakeSlack) -> None:
    body = slash_command_body("find auth", response_url=fake_slack.response_url())
    httpx.post(f"{running_app.url}/slack/events", content=body, headers=signed_headers(body))
    running_app.process.terminate()
    running_app.process.wait(timeout=10)
    log = "".join(running_app.log)
    assert BOT_TOKEN not in log
    assert SIGNING_SECRET not in log
