"""Events, actions and forms posted signed through the real Bolt app; Slack's Web API faked over HTTP.

The app gets one listener thread, so listeners run in the order their events arrive: once the answer to
a later message is seen, an earlier event that should get no answer has been handled too.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import count
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.app import build_app
from chatbot.handlers import Deps
from chatbot.models import Welcome
from chatbot.onboarding.config import OnboardingSettings
from chatbot.onboarding.skills import stored_skills
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import BOT_ID, BOT_USER_ID, FakeSlack
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.sample_catalog import SampleCatalog
from tests.slack.block_kit import assert_valid_message, assert_valid_view

NEWCOMER = "UNEW00001"
BUSY_OWNER = "U0NW00007"  # Sam Whitaker in the sample catalog: three contributions wait on them
IDS = count(1)  # event ids and message timestamps, unique across workspaces


class Workspace:
    """Slack's side of the conversation: signed event, command and interaction requests."""

    def __init__(self, app: App, fake: FakeSlack) -> None:
        self.app = app
        self.fake = fake

    def _send(self, body: str, content_type: str, extra: dict[str, str] | None = None) -> Any:
        headers: dict[str, str | Sequence[str]] = {
            k.lower(): v for k, v in signed_headers(body, content_type=content_type).items()
        }
        headers.update(extra or {})
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        assert response.status == 200, response.body
        return json.loads(response.body) if response.body else None

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None) -> str:
        event_id = event_id or f"Ev{next(IDS):06d}"
        body = json.dumps(
            {
                "token": "deprecated",
                "team_id": "T123",
                "api_app_id": "A123",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": 1_763_287_200,
                "event": event,
            }
        )
        extra = {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"} if retry else None
        self._send(body, "application/json", extra)
        return event_id

    def dm(self, text: str, *, user: str = NEWCOMER, **extra: Any) -> str:
        ts = f"1763287200.{next(IDS):06d}"
        event = {
            "type": "message",
            "channel": "D0NEW",
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": ts,
        }
        return self.event(event | extra)

    def command(self, text: str, *, user: str = NEWCOMER, channel: str = "C123") -> dict[str, Any]:
        body = slash_command_body(
            text, response_url=self.fake.response_url(), user_id=user, channel_id=channel
        )
        reply: dict[str, Any] = self._send(body, "application/x-www-form-urlencoded")
        return reply

    def interaction(self, payload: dict[str, Any]) -> Any:
        payload = {"team": {"id": "T123"}, "api_app_id": "A123", "trigger_id": "1.2.3"} | payload
        return self._send(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, action_id: str, *, user: str = NEWCOMER, value: str = "x", **extra: Any) -> Any:
        action = {"action_id": action_id, "block_id": "b", "value": value, "type": "button"}
        return self.interaction({"type": "block_actions", "user": {"id": user}, "actions": [action]} | extra)

    def submit(self, callback_id: str, values: dict[str, dict[str, Any]], *, user: str = NEWCOMER) -> Any:
        state = {block: {"value": value} for block, value in values.items()}
        view = {"id": "V1", "type": "modal", "callback_id": callback_id, "state": {"values": state}}
        return self.interaction({"type": "view_submission", "user": {"id": user}, "view": view})

    def answers(self, count: int = 1) -> list[dict[str, Any]]:
        return [call.params for call in self.fake.wait_for("chat.postMessage", count)]


@pytest.fixture
def catalog(engine: Engine, sample_catalog: SampleCatalog) -> Engine:
    sample_catalog(engine, FIXED_NOW)
    return engine


@pytest.fixture
def app_deps(deps: Deps, catalog: Engine) -> Deps:
    settings = replace(
        deps.settings, threads=1, app=replace(deps.settings.app, guide_url="https://wiki.example/is")
    )
    return replace(deps, settings=settings, run_in_background=lambda work: work())


@pytest.fixture
def slack(app_deps: Deps, fake_slack: FakeSlack) -> Iterator[Workspace]:
    fake_slack.add_user(NEWCOMER, tz="Europe/Berlin")
    fake_slack.add_channel("C123", name="platform", is_member=True)
    app = build_app(app_deps, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    yield Workspace(app, fake_slack)


def text_of(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks") or message.get("text"), ensure_ascii=False)


def test_a_newcomer_is_welcomed_and_the_checklist_ticks_off_as_they_go(
    slack: Workspace, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack.event({"type": "team_join", "user": {"id": NEWCOMER, "name": "newbie", "is_bot": False}})
    (opened,) = fake_slack.wait_for("conversations.open")
    assert opened.params["users"] == NEWCOMER
    (welcome,) = slack.answers()
    assert welcome["channel"].startswith("D")
    assert_valid_message(welcome["blocks"])
    shown = text_of(welcome)
    assert f"<@{NEWCOMER}>" in shown and "0 of 4 done" in shown
    assert ":white_large_square: *Tell me your skills*" in shown
    assert "https://wiki.example/is" in shown

    reply = slack.command("skills python, react")
    assert "Saved your skills" in reply["text"]
    (update,) = fake_slack.wait_for("chat.update")
    with Session(engine) as session:
        row = session.get(Welcome, NEWCOMER)
        assert row is not None and row.message_ts is not None
    assert (update.params["channel"], update.params["ts"]) == (welcome["channel"], row.message_ts)
    assert ":white_check_mark: ~Tell me your skills~" in text_of(update.params)
    assert "1 of 4 done" in text_of(update.params)

    slack.command("find auth library")
    updates = fake_slack.wait_for("chat.update", 2)
    assert ":white_check_mark: ~Find a project~" in text_of(updates[-1].params)
    assert "2 of 4 done" in text_of(updates[-1].params)


def test_bots_and_a_switched_off_welcome_get_no_dm(
    app_deps: Deps, fake_slack: FakeSlack, slack: Workspace
) -> None:
    slack.event({"type": "team_join", "user": {"id": "UBOT2", "is_bot": True}})
    slack.dm("hi")  # a later event: once answered, the team_join above has been handled
    slack.answers(1)
    assert fake_slack.calls("conversations.open") == []

    onboarding = replace(app_deps.settings.app, onboarding=OnboardingSettings(welcome=False))
    quiet = replace(app_deps, settings=replace(app_deps.settings, app=onboarding))
    app = build_app(quiet, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    other = Workspace(app, fake_slack)
    other.event({"type": "team_join", "user": {"id": "UNEW00002"}})
    other.dm("hi")
    slack.answers(2)
    assert fake_slack.calls("conversations.open") == []


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("how do I contribute?", "30-day warranty"),
        ("what is innersource", "trusted committers"),
        ("find me a python project", "AuthKit for Python"),
        ("good first issues for java", "Payments SDK"),
        ("who owns payments-sdk", "Marcus Oyelaran (`moyelaran`, <@U0NW00004>)"),
        ("set my skills to go, rust", "Saved your skills: `go`, `rust`"),
        ("blorp", "I'm not sure what you mean by “blorp”"),
    ],
)
def test_plain_words_in_a_dm_get_an_answer(slack: Workspace, message: str, expected: str) -> None:
    slack.dm(message)
    (answer,) = slack.answers()
    assert answer["channel"] == "D0NEW"
    assert expected in text_of(answer)
    assert_valid_message(answer["blocks"])


def test_the_bot_never_answers_bots_edits_or_itself(slack: Workspace, fake_slack: FakeSlack) -> None:
    slack.dm("help", user="UOTHERBOT", bot_id="B999")
    slack.dm("help", user=BOT_USER_ID, bot_id=BOT_ID)
    slack.dm("help", subtype="message_changed")
    slack.event(
        {"type": "message", "channel": "C123", "channel_type": "channel", "user": NEWCOMER, "text": "help"}
    )
    slack.dm("how do I contribute?")
    (only,) = slack.answers()
    assert "30-day warranty" in text_of(only)
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_a_retried_event_is_answered_once(slack: Workspace, fake_slack: FakeSlack) -> None:
    event = {"type": "message", "channel": "D0NEW", "channel_type": "im", "user": NEWCOMER, "text": "help"}
    event_id = slack.event(event | {"ts": "1763287200.000001"})
    slack.event(event | {"ts": "1763287200.000001"}, event_id=event_id, retry=1)
    slack.event(event | {"ts": "1763287200.000001"}, event_id=event_id, retry=2)
    slack.dm("thanks")
    answers = slack.answers(2)
    assert len(fake_slack.calls("chat.postMessage")) == 2
    assert "Write to me in plain words" in text_of(answers[0])
    assert "You're welcome" in text_of(answers[1])


def test_a_mention_in_a_channel_is_answered_in_a_thread(slack: Workspace) -> None:
    slack.event(
        {
            "type": "app_mention",
            "channel": "C123",
            "user": NEWCOMER,
            "text": f"<@{BOT_USER_ID}> who owns payments-sdk?",
            "ts": "1763287200.000500",
        }
    )
    (answer,) = slack.answers()
    assert (answer["channel"], answer["thread_ts"]) == ("C123", "1763287200.000500")
    assert "Trusted committers" in text_of(answer)


def _published(fake_slack: FakeSlack, count: int = 1) -> dict[str, Any]:
    call = fake_slack.wait_for("views.publish", count)[-1]
    view: dict[str, Any] = call.params["view"]
    assert_valid_view(view)
    return view


def test_the_home_tab_shows_a_busy_owner_what_waits_on_them(slack: Workspace, fake_slack: FakeSlack) -> None:
    slack.event({"type": "app_home_opened", "user": BUSY_OWNER, "channel": "D0SAM", "tab": "home"})
    view = _published(fake_slack)
    assert fake_slack.calls("views.publish")[0].params["user_id"] == BUSY_OWNER
    text = text_of(view)
    assert "*Contributions waiting on you as an owner* (3, 1 past the SLA)" in text
    assert "*Your forge accounts:* github `swhitaker`" in text
    assert "*Fresh good first issues*" in text  # no skills yet: the freshest of every project

    slack.event({"type": "app_home_opened", "user": BUSY_OWNER, "channel": "D0SAM", "tab": "messages"})
    slack.event({"type": "app_home_opened", "user": BUSY_OWNER, "channel": "D0SAM", "tab": "home"})
    _published(fake_slack, 2)  # fresh on every open of the Home tab, not of the Messages tab
    assert len(fake_slack.calls("views.publish")) == 2


def test_skills_edited_from_the_home_tab_change_the_recommendations(
    slack: Workspace, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack.click("home_edit_skills")
    (opened,) = fake_slack.wait_for("views.open")
    assert opened.params["view"]["callback_id"] == "home_edit_skills"

    refused = slack.submit("home_edit_skills", {"skills": {"type": "plain_text_input", "value": "x" * 50}})
    assert refused["response_action"] == "errors" and "too long" in refused["errors"]["skills"]
    with Session(engine) as session:
        assert stored_skills(session, NEWCOMER) == []

    assert (
        slack.submit("home_edit_skills", {"skills": {"type": "plain_text_input", "value": "Java, k8s"}})
        is None
    )
    view = _published(fake_slack)
    text = text_of(view)
    assert "Saved your skills: `java`, `kubernetes`" in text
    assert "*Good first issues for you* (skills: `java`, `kubernetes`)" in text
    assert "Payments SDK" in text


def test_linking_a_forge_account_from_the_home_tab(slack: Workspace, fake_slack: FakeSlack) -> None:
    slack.click("home_link_identity")
    assert fake_slack.wait_for("views.open")[0].params["view"]["callback_id"] == "home_link_identity"
    forge = {"type": "static_select", "selected_option": {"value": "github"}}
    refused = slack.submit(
        "home_link_identity", {"forge": forge, "login": {"type": "plain_text_input", "value": "no way!"}}
    )
    assert (
        refused["response_action"] == "errors"
        and "doesn't look like a github login" in refused["errors"]["login"]
    )

    slack.submit(
        "home_link_identity", {"forge": forge, "login": {"type": "plain_text_input", "value": "newbie-dev"}}
    )
    text = text_of(_published(fake_slack))
    assert "*Your forge accounts:* github `newbie-dev`" in text


def test_search_from_the_home_tab_sends_the_results_as_a_dm(slack: Workspace, fake_slack: FakeSlack) -> None:
    slack.click("home_search")
    assert fake_slack.wait_for("views.open")[0].params["view"]["callback_id"] == "home_search"
    empty = slack.submit("home_search", {"query": {"type": "plain_text_input", "value": "  "}})
    assert empty["response_action"] == "errors"
    slack.submit("home_search", {"query": {"type": "plain_text_input", "value": "auth library"}})
    (results,) = slack.answers()
    assert results["channel"].startswith("D")
    assert "AuthKit for Python" in text_of(results)


def test_opening_a_recommended_issue_ticks_off_the_last_step(
    slack: Workspace, fake_slack: FakeSlack, engine: Engine
) -> None:
    slack.event({"type": "team_join", "user": {"id": NEWCOMER}})
    slack.answers()
    slack.click("pick_first_issue", value="1:144", view={"id": "V1", "type": "home"})
    (update,) = fake_slack.wait_for("chat.update")
    assert ":white_check_mark: ~Pick a first issue~" in text_of(update.params)
    assert "*Getting started* (1 of 4 done)" in text_of(_published(fake_slack))
