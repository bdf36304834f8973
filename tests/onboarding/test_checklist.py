import json
from dataclasses import replace

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.handlers import Deps
from chatbot.models import Welcome
from chatbot.onboarding.checklist import claim_welcome, load_progress, progress, record_step, remember_message
from chatbot.onboarding.config import OnboardingSettings
from chatbot.onboarding.welcome import mark_done, send_welcome
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack


@pytest.fixture
def inline(deps: Deps) -> Deps:
    return replace(deps, run_in_background=lambda work: work())


@pytest.fixture
def client(fake_slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)


def with_onboarding(deps: Deps, **options: object) -> Deps:
    app = replace(deps.settings.app, onboarding=OnboardingSettings(**options))  # type: ignore[arg-type]
    return replace(deps, settings=replace(deps.settings, app=app))


def test_progress_keeps_the_four_steps_in_order() -> None:
    state = progress(["first_issue", "skills", "something else"])
    assert [(info.step, done) for info, done in state.items()] == [
        ("skills", True),
        ("find", False),
        ("subscribe", False),
        ("first_issue", True),
    ]
    assert not state.complete
    assert progress(["skills", "find", "subscribe", "first_issue"]).complete


def test_a_step_is_recorded_once_even_without_a_welcome(engine: Engine) -> None:
    assert record_step(engine, "U1", "find", FIXED_NOW) is not None
    assert record_step(engine, "U1", "find", FIXED_NOW) is None
    assert record_step(engine, "U1", "skills", FIXED_NOW) is not None
    with Session(engine) as session:
        state = load_progress(session, "U1")
        assert state is not None and state.done == {"skills", "find"}
        assert load_progress(session, "U2") is None


def test_a_person_is_welcomed_once(engine: Engine) -> None:
    assert claim_welcome(engine, "U1", FIXED_NOW)
    assert not claim_welcome(engine, "U1", FIXED_NOW)


def test_a_new_step_ticks_the_welcome_off_in_place(
    engine: Engine, inline: Deps, client: WebClient, fake_slack: FakeSlack
) -> None:
    claim_welcome(engine, "U1", FIXED_NOW)
    remember_message(engine, "U1", "D1", "1700000000.000100", FIXED_NOW)
    assert mark_done(inline, client, "U1", "subscribe")
    (update,) = fake_slack.wait_for("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("D1", "1700000000.000100")
    assert ":white_check_mark: ~Subscribe a channel to a digest~" in json.dumps(update.params["blocks"])
    assert "1 of 4 done" in update.params["text"]

    assert not mark_done(inline, client, "U1", "subscribe")  # done already: the message stays as it is
    assert len(fake_slack.calls("chat.update")) == 1


def test_no_update_without_a_welcome_message_or_with_the_checklist_off(
    engine: Engine, inline: Deps, client: WebClient, fake_slack: FakeSlack
) -> None:
    assert mark_done(inline, client, "U1", "find")  # recorded, nothing to update
    claim_welcome(engine, "U2", FIXED_NOW)
    remember_message(engine, "U2", "D2", "1.2", FIXED_NOW)
    assert mark_done(with_onboarding(inline, checklist=False), client, "U2", "find")
    assert fake_slack.calls("chat.update") == []


def test_a_deleted_welcome_does_not_break_the_step(
    engine: Engine, inline: Deps, client: WebClient, fake_slack: FakeSlack
) -> None:
    claim_welcome(engine, "U1", FIXED_NOW)
    remember_message(engine, "U1", "D1", "1.2", FIXED_NOW)
    fake_slack.fail("chat.update", error="message_not_found")
    assert mark_done(inline, client, "U1", "find")
    with Session(engine) as session:
        row = session.get(Welcome, "U1")
        assert row is not None and row.done_steps == ["find"]


def test_welcome_skips_bots_and_respects_the_switch(
    engine: Engine, inline: Deps, client: WebClient, fake_slack: FakeSlack
) -> None:
    assert send_welcome(inline, client, {"id": "UB", "is_bot": True}) == "not a person"
    assert send_welcome(inline, client, {"id": "USLACKBOT"}) == "not a person"
    assert send_welcome(with_onboarding(inline, welcome=False), client, {"id": "U1"}) == "welcome is off"
    assert fake_slack.calls("chat.postMessage") == []
    assert send_welcome(inline, client, {"id": "U1"}) == "sent"
    assert send_welcome(inline, client, {"id": "U1"}) == "already welcomed"
    assert len(fake_slack.calls("chat.postMessage")) == 1


def test_a_failed_welcome_is_logged_not_raised(
    engine: Engine, inline: Deps, client: WebClient, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("conversations.open", error="cannot_dm_bot")
    assert send_welcome(inline, client, {"id": "U1"}) == "failed"
