"""Onboarding through the real app as a subprocess behind HTTP: signed events in, Slack faked over HTTP."""

import json
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.test_e2e_http import start_app


def _event(url: str, event: Mapping[str, object], event_id: str, retry: int | None = None) -> None:
    body = json.dumps({"type": "event_callback", "team_id": "T123", "event_id": event_id, "event": event})
    headers = signed_headers(body, content_type="application/json")
    if retry:
        headers["X-Slack-Retry-Num"] = str(retry)
    assert httpx.post(f"{url}/slack/events", content=body, headers=headers).status_code == 200


def test_welcome_checklist_and_a_dm_over_http(
    database_url: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    with start_app(database_url, fake_slack, tmp_path) as app:
        _event(app.url, {"type": "team_join", "user": {"id": "UNEW1"}}, "Ev1")
        (welcome,) = fake_slack.wait_for("chat.postMessage")
        assert "0 of 4 done" in json.dumps(welcome.params["blocks"])

        body = slash_command_body("skills python", response_url=fake_slack.response_url(), user_id="UNEW1")
        reply = httpx.post(f"{app.url}/slack/events", content=body, headers=signed_headers(body)).json()
        assert "Saved your skills" in reply["text"]
        (update,) = fake_slack.wait_for("chat.update")
        assert update.params["channel"] == welcome.params["channel"]
        assert ":white_check_mark: ~Tell me your skills~" in json.dumps(update.params["blocks"])

        dm = {
            "type": "message",
            "channel_type": "im",
            "channel": "D1",
            "user": "UNEW1",
            "text": "what is innersource?",
        }
        _event(app.url, dm | {"ts": "1.1"}, "Ev2")
        _event(app.url, dm | {"ts": "1.1"}, "Ev2", retry=1)  # Slack's retry of the same event
        _event(app.url, dm | {"ts": "1.2", "text": "thanks"}, "Ev3")
        answers = json.dumps([call.params["blocks"] for call in fake_slack.wait_for("chat.postMessage", 3)])
        assert "What is InnerSource?" in answers and "You're welcome" in answers
        app.wait_for_log(r"event Ev2 was delivered again")
        assert len(fake_slack.calls("chat.postMessage")) == 3
