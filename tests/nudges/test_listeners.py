"""The nudge buttons, clicked through the real Bolt app against the fake Slack."""

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.app import build_app
from chatbot.handlers import Deps
from chatbot.models import Contribution, NudgeState, Project
from chatbot.nudges.facts import load_facts, policy_config
from chatbot.nudges.policy import decide
from chatbot.nudges.views import nudge_message
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import signed_headers
from tests.sample_catalog import SampleCatalog

PRIYA = "U0NW00001"  # a trusted committer of identity/scim-sync, in Berlin


@pytest.fixture
def app(deps: Deps, engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog) -> App:
    sample_catalog(engine, FIXED_NOW)
    return build_app(deps, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))


def scim_270(engine: Engine) -> int:
    with Session(engine) as session:
        found = session.exec(
            select(Contribution.id)
            .join(Project, col(Project.id) == col(Contribution.project_id))
            .where(col(Project.full_name) == "identity/scim-sync", col(Contribution.number) == 270)
        ).one()
        assert found is not None
        return found


def priyas_nudge(deps: Deps) -> dict[str, Any]:
    """The DM Priya gets on Monday morning, as the nudge pass would send it."""
    with Session(deps.engine) as session:
        decision = decide(load_facts(session, FIXED_NOW), policy_config(deps.settings), FIXED_NOW)
    [plan] = [p for p in decision.plans if p.recipient == PRIYA]
    text, blocks = nudge_message(plan)
    return {"type": "message", "text": text, "blocks": blocks, "ts": "1700000000.000100"}


def click(app: App, fake_slack: FakeSlack, action_id: str, value: str, message: dict[str, Any] | None) -> int:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T123"},
        "user": {"id": PRIYA},
        "channel": {"id": "D0PRIYA"},
        "trigger_id": "1.2.3",
        "response_url": fake_slack.response_url(),
        "actions": [{"action_id": action_id, "block_id": f"nudge:{value}", "value": value, "type": "button"}],
    }
    if message is not None:
        payload["message"] = message
        payload["container"] = {"type": "message", "message_ts": message["ts"]}
    body = urlencode({"payload": json.dumps(payload)})
    headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in signed_headers(body).items()}
    return app.dispatch(BoltRequest(body=body, headers=headers)).status


def state(engine: Engine, contribution_id: int) -> NudgeState:
    with Session(engine) as session:
        return session.exec(
            select(NudgeState).where(
                col(NudgeState.contribution_id) == contribution_id, col(NudgeState.slack_user_id) == PRIYA
            )
        ).one()


def nudged_about(deps: Deps, contribution_id: int) -> set[str]:
    with Session(deps.engine) as session:
        decision = decide(load_facts(session, FIXED_NOW), policy_config(deps.settings), FIXED_NOW)
    return {p.recipient for p in decision.plans if contribution_id in p.contribution_ids}


def test_snooze_one_day_hides_it_until_tomorrow_and_says_so_in_place(
    app: App, deps: Deps, engine: Engine, fake_slack: FakeSlack
) -> None:
    cid = scim_270(engine)
    message = priyas_nudge(deps)
    assert PRIYA in nudged_about(deps, cid)

    assert click(app, fake_slack, "nudge_snooze_1", str(cid), message) == 200

    [reply] = fake_slack.wait_for("response_url")
    assert reply.params["replace_original"] is True
    shown = json.dumps(reply.params["blocks"])
    assert ":zzz: Snoozed until Tue 17 Nov 11:00 (Europe/Berlin)." in shown
    assert f'"block_id": "nudge:{cid}"' not in shown  # that item's buttons are gone, the others stay
    assert state(engine, cid).snoozed_until is not None
    assert PRIYA not in nudged_about(deps, cid)


def test_im_on_it_stops_every_owners_nudges(
    app: App, deps: Deps, engine: Engine, fake_slack: FakeSlack
) -> None:
    cid = scim_270(engine)
    assert click(app, fake_slack, "nudge_on_it", str(cid), priyas_nudge(deps)) == 200
    [reply] = fake_slack.wait_for("response_url")
    assert f"<@{PRIYA}> is on it" in json.dumps(reply.params["blocks"])
    assert nudged_about(deps, cid) == set()


def test_not_mine_drops_her_and_asks_who_it_should_be(
    app: App, deps: Deps, engine: Engine, fake_slack: FakeSlack
) -> None:
    cid = scim_270(engine)
    assert click(app, fake_slack, "nudge_not_mine", str(cid), priyas_nudge(deps)) == 200
    replaced, follow_up = fake_slack.wait_for("response_url", count=2)
    assert "You said it isn't yours" in json.dumps(replaced.params["blocks"])
    assert follow_up.params["response_type"] == "ephemeral" and follow_up.params["replace_original"] is False
    assert "Who should review" in follow_up.params["text"] and "innersource.json" in follow_up.params["text"]
    assert state(engine, cid).not_mine
    assert PRIYA not in nudged_about(deps, cid)


def test_open_is_only_acknowledged_and_a_broken_button_changes_nothing(
    app: App, engine: Engine, fake_slack: FakeSlack
) -> None:
    assert click(app, fake_slack, "nudge_open", "1", None) == 200
    assert click(app, fake_slack, "nudge_snooze_3", "not-a-number", None) == 200
    [reply] = fake_slack.wait_for("response_url")
    assert reply.params["text"] == "That button has expired."
    assert click(app, fake_slack, "nudge_snooze_3", "999999", None) == 200
    replies = fake_slack.wait_for("response_url", count=2)
    assert "no longer in the catalog" in replies[-1].params["text"]
    with Session(engine) as session:
        assert session.exec(select(NudgeState)).all() == []
