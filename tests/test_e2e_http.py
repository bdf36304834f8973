"""The real app in HTTP mode as a subprocess: signed requests in, replies out, Slack faked over HTTP."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from chatbot.catalog.sample import load_sample
from chatbot.db import make_engine
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, signed_headers, slash_command_body
from tests.fakes.slack import FakeSlack


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[str]
    log: list[str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def running_app(database_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[RunningApp]:
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
        }
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "serve"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "Listening for Slack" in line:
                ready.set()
        ready.set()

    threading.Thread(target=read_log, daemon=True).start()
    ready.wait(timeout=30)
    if process.poll() is not None or not any("Listening for Slack" in line for line in log):
        process.kill()
        pytest.fail("the app did not start:\n" + "".join(log))
    yield RunningApp(url=f"http://127.0.0.1:{port}", process=process, log=log)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


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
