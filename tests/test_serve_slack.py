"""`innersource serve` against a Slack that rejects a token, cannot be reached, or refuses Socket Mode for
a while: one line naming the variable and what Slack answered, or a retry with backoff while /healthz
says "disconnected"."""

import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient

from chatbot.slack_connection import SocketModeLink
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET
from tests.fakes.slack_socket import FakeSocketMode

APP_TOKEN = "xapp-1-A0FAKE-1-test"


@pytest.fixture
def socket_mode(fake_slack: FakeSlack) -> Iterator[FakeSocketMode]:
    with FakeSocketMode() as fake:
        fake_slack.socket_url = fake.url
        yield fake


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve_env(database_url: str, api_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "INNERSOURCE_", "DATABASE_URL"))
    }
    return env | {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **extra,
    }


def serve(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`innersource serve` that is expected to stop by itself (pytest-timeout fails it otherwise)."""
    return subprocess.run(
        [sys.executable, "-m", "chatbot.cli", "serve"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def explanation(stderr: str, variable: str) -> str:
    """The one line that names `variable`; also the last line, after whatever was logged before it."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    naming = [line for line in lines if variable in line]
    assert len(naming) == 1, stderr
    assert lines[-1] == naming[0]
    return naming[0]


# --- the bot token and the route to Slack, checked before anything starts ------------------------------


@pytest.mark.parametrize("error", ["invalid_auth", "token_revoked", "account_inactive"])
@pytest.mark.parametrize("app_token", [None, APP_TOKEN], ids=["http", "socket-mode"])
def test_a_rejected_bot_token_is_one_line(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path, error: str, app_token: str | None
) -> None:
    fake_slack.fail("auth.test", error=error)
    extra = {"SLACK_APP_TOKEN": app_token} if app_token else {}

    result = serve(serve_env(sqlite_url, fake_slack.api_url, free_port(), **extra), tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"SLACK_BOT_TOKEN was rejected by Slack (auth.test: {error}): copy the Bot User OAuth Token (xoxb-…) "
        "from https://api.slack.com/apps > your app > OAuth & Permissions."
    ]
    assert [c.method for c in fake_slack.calls()] == ["auth.test"]  # nothing else started


def test_no_route_to_slack_is_one_line(sqlite_url: str, tmp_path: Path) -> None:
    api_url = f"http://127.0.0.1:{free_port()}/api/"  # nothing listens there

    result = serve(serve_env(sqlite_url, api_url, free_port()), tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Slack at SLACK_API_URL={api_url} did not answer auth.test (Connection refused)."
    ]


def test_slack_answering_500_at_start_is_one_line(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.fail("auth.test", status=503)

    result = serve(serve_env(sqlite_url, fake_slack.api_url, free_port()), tmp_path)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Slack at SLACK_API_URL={fake_slack.api_url} did not answer auth.test (HTTP 503)."
    ]


# --- Socket Mode ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("error", ["invalid_auth", "not_allowed_token_type", "token_revoked"])
def test_a_rejected_app_token_is_one_line(
    sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path, error: str
) -> None:
    fake_slack.fail("apps.connections.open", error=error)

    result = serve(
        serve_env(sqlite_url, fake_slack.api_url, free_port(), SLACK_APP_TOKEN=APP_TOKEN), tmp_path
    )

    assert result.returncode == 2
    assert explanation(result.stderr, "SLACK_APP_TOKEN") == (
        f"SLACK_APP_TOKEN was rejected by Slack (apps.connections.open: {error}): create an app-level token "
        "(xapp-…) with the connections:write scope at https://api.slack.com/apps > your app > "
        "Basic Information > App-Level Tokens."
    )
    assert len(fake_slack.calls("apps.connections.open")) == 1


class Serving:
    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.health_url = f"http://127.0.0.1:{port}/healthz"
        self.log: list[str] = []
        self._logged = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._logged:
                self.log.append(line.rstrip("\n"))
                self._logged.notify_all()

    def wait_for_log(self, pattern: str, count: int = 1, timeout: float = 30) -> None:
        def seen() -> bool:
            return sum(1 for line in self.log if re.search(pattern, line)) >= count

        with self._logged:
            if not self._logged.wait_for(seen, timeout):
                pytest.fail(f"the log never showed {count} x {pattern!r}:\n" + "\n".join(self.log))

    def health(self) -> tuple[int, str]:
        response = httpx.get(self.health_url, timeout=5)
        return response.status_code, response.json()["socket_mode"]


@contextmanager
def serving(env: dict[str, str], cwd: Path, port: int) -> Iterator[Serving]:
    process = subprocess.Popen(
        [sys.executable, "-m", "chatbot.cli", "serve"], cwd=cwd, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        yield Serving(process, port)
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_socket_mode_retries_a_refused_connect_and_reports_it_on_healthz(
    sqlite_url: str, fake_slack: FakeSlack, socket_mode: FakeSocketMode, tmp_path: Path
) -> None:
    fake_slack.fail("apps.connections.open", status=500)
    fake_slack.fail("apps.connections.open", error="internal_error")
    port = free_port()

    with serving(
        serve_env(sqlite_url, fake_slack.api_url, port, SLACK_APP_TOKEN=APP_TOKEN), tmp_path, port
    ) as app:
        app.wait_for_log(r"Socket Mode; health check on port")
        app.wait_for_log(r"could not connect to Slack \(apps\.connections\.open: HTTP 500\); retrying in 1 s")
        assert app.health() == (503, "disconnected")
        app.wait_for_log(
            r"could not connect to Slack \(apps\.connections\.open: internal_error\); retrying in 2 s"
        )

        app.wait_for_log(r"Connected to Slack in Socket Mode")
        assert app.health() == (200, "connected")
        assert socket_mode.accepted == 1

        socket_mode.drop()  # Slack closes the connection; the app reconnects
        socket_mode.wait_for_connections(2)
        app.wait_for_log(r"Connected to Slack in Socket Mode", count=2)
        assert app.health() == (200, "connected")
        assert app.process.poll() is None

        fake_slack.fail("apps.connections.open", error="token_revoked")
        socket_mode.drop()
        assert app.process.wait(timeout=30) == 2
        app.wait_for_log(r"SLACK_APP_TOKEN was rejected")
    assert explanation("\n".join(app.log), "SLACK_APP_TOKEN").startswith(
        "SLACK_APP_TOKEN was rejected by Slack (apps.connections.open: token_revoked): "
    )
    assert len(fake_slack.calls("apps.connections.open")) == 5


# --- the backoff, with the wait injected ---------------------------------------------------------------


def run_link(fake_slack: FakeSlack, rejected: list[str]) -> list[float]:
    """SocketModeLink.run until connected (or rejected); the waits it asked for."""
    client = SocketModeClient(
        app_token=APP_TOKEN, web_client=WebClient(base_url=fake_slack.api_url), auto_reconnect_enabled=False
    )
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return client.is_connected()

    try:
        SocketModeLink(client, fake_slack.api_url, wait=wait).run(0.0, rejected.append)
    finally:
        client.close()
    return waits


def test_backoff_doubles_up_to_a_minute(fake_slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    fake_slack.fail("apps.connections.open", status=500, times=8)
    rejected: list[str] = []

    waits = run_link(fake_slack, rejected)

    assert waits == [0.0, 1, 2, 4, 8, 16, 32, 60, 60, 2]  # the last: the next look at the open connection
    assert rejected == []
    assert socket_mode.accepted == 1


def test_backoff_waits_at_least_retry_after(fake_slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    fake_slack.fail("apps.connections.open", status=429, retry_after=7)
    fake_slack.fail("apps.connections.open", status=502)

    waits = run_link(fake_slack, [])

    assert waits == [0.0, 7, 2, 2]


def test_a_handshake_that_fails_is_retried_too(fake_slack: FakeSlack, socket_mode: FakeSocketMode) -> None:
    socket_url, fake_slack.socket_url = fake_slack.socket_url, f"ws://127.0.0.1:{free_port()}/link/"
    rejected: list[str] = []
    client = SocketModeClient(
        app_token=APP_TOKEN, web_client=WebClient(base_url=fake_slack.api_url), auto_reconnect_enabled=False
    )
    waits: list[float] = []

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        if len(waits) > 1:
            fake_slack.socket_url = socket_url  # after one failed handshake, tickets point to a live endpoint
        return client.is_connected()

    try:
        SocketModeLink(client, fake_slack.api_url, wait=wait).run(0.0, rejected.append)
    finally:
        client.close()

    assert waits == [0.0, 1, 2]
    assert socket_mode.accepted == 1


def test_a_rejection_after_transient_failures_stops_the_link(fake_slack: FakeSlack) -> None:
    fake_slack.fail("apps.connections.open", status=500, times=2)
    fake_slack.fail("apps.connections.open", error="token_revoked")
    rejected: list[str] = []

    waits = run_link(fake_slack, rejected)

    assert waits == [0.0, 1, 2]
    assert len(rejected) == 1 and rejected[0].startswith("SLACK_APP_TOKEN was rejected by Slack")
