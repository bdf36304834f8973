"""Listeners run on the request thread; those that call Slack after their ack answer Slack first."""

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.app import build_app
from chatbot.handlers import Deps
from chatbot.models import Project
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import signed_headers
from tests.sample_catalog import SampleCatalog


def signed(body: str) -> dict[str, str | Sequence[str]]:
    return {k.lower(): v for k, v in signed_headers(body).items()}


def test_a_button_is_acknowledged_before_its_work_runs(
    deps: Deps, engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(engine, FIXED_NOW)
    later: list[Callable[[], None]] = []
    deferred = dataclasses.replace(deps, run_in_background=later.append)
    app = build_app(deferred, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    with Session(engine) as session:
        project_id = session.exec(select(Project.id).where(col(Project.name) == "payments-sdk")).one()
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T123"},
        "user": {"id": "U123"},
        "channel": {"id": "C123"},
        "trigger_id": "1.2.3",
        "response_url": fake_slack.response_url(),
        "actions": [
            {"action_id": "share_project", "block_id": "b", "value": str(project_id), "type": "button"}
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})

    response = app.dispatch(BoltRequest(body=body, headers=signed(body)))

    assert response.status == 200
    assert fake_slack.calls("response_url") == []  # Slack has its answer; nothing was posted yet
    assert len(later) == 1
    later.pop()()
    [shared] = fake_slack.calls("response_url")
    assert shared.params["response_type"] == "in_channel"
    assert "Payments SDK" in shared.params["text"]


def test_a_slash_command_answers_in_its_acknowledgement(
    deps: Deps, engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(engine, FIXED_NOW)
    app = build_app(deps, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    body = urlencode(
        {
            "command": "/innersource",
            "text": "find payments sdk",
            "user_id": "U123",
            "channel_id": "C123",
            "team_id": "T123",
            "response_url": fake_slack.response_url(),
            "trigger_id": "1.2.3",
        }
    )

    response = app.dispatch(BoltRequest(body=body, headers=signed(body)))

    assert response.status == 200
    assert "Payments SDK" in json.loads(response.body)["text"]
