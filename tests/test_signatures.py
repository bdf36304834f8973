"""Malformed signature headers get 401 on every kind of Slack request and on the GitHub webhook, from the
real server process, with nothing but one calm line in its log."""

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers, slash_command_body
from tests.test_e2e_http import RunningApp, start_app

WEBHOOK_SECRET = "webhook-test-secret"
GOOD_SIGNATURE = "v0=" + "0" * 64
BAD_HEADERS = [
    {"X-Slack-Request-Timestamp": "", "X-Slack-Signature": GOOD_SIGNATURE},
    {"X-Slack-Request-Timestamp": "1700000000.5", "X-Slack-Signature": GOOD_SIGNATURE},
    {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": GOOD_SIGNATURE},
    {"X-Slack-Request-Timestamp": "-5", "X-Slack-Signature": GOOD_SIGNATURE},
    {"X-Slack-Request-Timestamp": "9" * 40, "X-Slack-Signature": GOOD_SIGNATURE},
    {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": ""},
    {"X-Slack-Request-Timestamp": "1700000000", "X-Slack-Signature": "v0=not-hex"},
    {"X-Slack-Request-Timestamp": "1700000000"},
    {"X-Slack-Signature": GOOD_SIGNATURE},
    {},
]


def bodies(fake_slack: FakeSlack) -> dict[str, tuple[str, str]]:
    action = {"action_id": "find_next", "value": '{"q":"auth","o":5}'}
    interaction = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "actions": [action],
        "response_url": fake_slack.response_url(),
    }
    event = {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened", "user": "U1"}}
    return {
        "slash command": (slash_command_body("help", response_url=fake_slack.response_url()), "form"),
        "event": (json.dumps(event), "json"),
        "interactivity": (urlencode({"payload": json.dumps(interaction)}), "form"),
    }


@pytest.fixture
def app(sqlite_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[RunningApp]:
    with start_app(sqlite_url, fake_slack, tmp_path, {"GITHUB_WEBHOOK_SECRET": WEBHOOK_SECRET}) as running:
        yield running


def test_malformed_signatures_get_401_on_every_endpoint(app: RunningApp, fake_slack: FakeSlack) -> None:
    for kind, (body, content) in bodies(fake_slack).items():
        ctype = "application/json" if content == "json" else "application/x-www-form-urlencoded"
        for headers in BAD_HEADERS:
            response = httpx.post(
                f"{app.url}/slack/events", content=body, headers={"Content-Type": ctype, **headers}
            )
            assert response.status_code == 401, (kind, headers, response.text)
        good = httpx.post(
            f"{app.url}/slack/events", content=body, headers=signed_headers(body, content_type=ctype)
        )
        assert good.status_code == 200, kind

    payload = b'{"zen": "Keep it logically awesome."}'
    for signature in ("", "sha256=", "sha256=zz", "sha1=" + "0" * 40, "sha256=" + "0" * 64):
        response = httpx.post(
            f"{app.url}/github/webhook",
            content=payload,
            headers={"X-Hub-Signature-256": signature, "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d1"},
        )
        assert response.status_code == 401, signature
    signed = "sha256=" + hmac.new(WEBHOOK_SECRET.encode(), payload, hashlib.sha256).hexdigest()
    ok = httpx.post(
        f"{app.url}/github/webhook",
        content=payload,
        headers={"X-Hub-Signature-256": signed, "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d2"},
    )
    assert ok.status_code < 300

    log = "".join(app.log)
    assert "Traceback" not in log and " 500 " not in log
    assert SIGNING_SECRET not in log and WEBHOOK_SECRET not in log
