import json
from collections.abc import Sequence
from dataclasses import replace

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.handlers import CommandContext, Deps
from chatbot.models import Subscription
from chatbot.slack.gateway import SlackGateway
from commands import build_registry
from commands.router import dispatch
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack


@pytest.fixture
def changes() -> list[str]:
    return []


@pytest.fixture
def here(ctx: CommandContext, fake_slack: FakeSlack, changes: list[str]) -> CommandContext:
    fake_slack.add_user("U123", tz="Europe/Berlin")
    fake_slack.add_channel("C123", name="platform", is_member=True, members=["U123"])
    deps = replace(
        ctx.deps,
        on_subscriptions_changed=lambda: changes.append("changed"),
        run_in_background=lambda work: work(),  # inline, so the test sees the call at once
    )
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    return replace(ctx, deps=deps, slack=SlackGateway(client))


def run(ctx: CommandContext, text: str) -> tuple[str, str, str]:
    reply = dispatch(build_registry(), ctx, text)
    return reply.text, json.dumps(reply.blocks, ensure_ascii=False), reply.response_type


def stored(engine: Engine) -> list[Subscription]:
    with Session(engine) as session:
        return list(session.exec(select(Subscription)))


def test_default_subscription_is_weekly_monday_nine_in_the_users_timezone(
    here: CommandContext, engine: Engine, changes: list[str]
) -> None:
    text, rendered, response_type = run(here, "subscribe")
    (sub,) = stored(engine)
    assert (sub.frequency, sub.weekday, sub.time_of_day, sub.timezone) == (
        "weekly",
        "mon",
        "09:00",
        "Europe/Berlin",
    )
    assert response_type == "in_channel"  # the confirmation is posted in the channel
    assert "<@U123> subscribed this channel" in text
    assert "Monday 23 November at 09:00 (Europe/Berlin)" in text  # FIXED_NOW is Monday 16th, 10:00 UTC
    assert '"action_id": "unsubscribe"' in rendered
    assert changes == ["changed"]


def test_subscribe_with_schedule_and_filters(here: CommandContext, engine: Engine) -> None:
    run(here, "subscribe weekly on friday at 4pm lang:python has:good-first-issue")
    (sub,) = stored(engine)
    assert (sub.weekday, sub.time_of_day, sub.filters) == ("fri", "16:00", "lang:python has:good-first-issue")


def test_the_same_subscription_twice_is_not_duplicated(here: CommandContext, engine: Engine) -> None:
    run(here, "subscribe daily at 08:00")
    text, _, _ = run(here, "subscribe daily at 08:00")
    assert "already" in text
    assert len(stored(engine)) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("subscribe at 99:00", "not a time of day"),
        ("subscribe has:cookies", "can't use"),
        ("subscribe on blursday", "on blursday"),
    ],
)
def test_bad_subscriptions_are_explained_and_change_nothing(
    here: CommandContext, engine: Engine, text: str, message: str, changes: list[str]
) -> None:
    reply_text, _, response_type = run(here, text)
    assert message in reply_text
    assert response_type == "ephemeral"
    assert stored(engine) == [] and changes == []


def test_private_channel_without_the_bot_says_how_to_invite(
    here: CommandContext, engine: Engine, fake_slack: FakeSlack
) -> None:
    fake_slack.add_channel("C123", name="secret", is_private=True, is_member=False)
    text, _, response_type = run(here, "subscribe")
    assert "/invite @innersource" in text
    assert response_type == "ephemeral"
    assert stored(engine) == []


def test_subscribing_from_a_dm_is_explained(here: CommandContext, engine: Engine) -> None:
    text, _, _ = run(replace(here, channel_id="D123"), "subscribe")
    assert "run this in the channel" in text


def test_list_and_remove(here: CommandContext, engine: Engine, changes: list[str]) -> None:
    run(here, "subscribe")
    run(here, "subscribe daily topic:auth")
    text, rendered, _ = run(here, "subscriptions")
    assert "2 digest subscriptions in this channel" in text
    assert rendered.count('"action_id": "unsubscribe"') == 2
    first = stored(engine)[0]
    text, _, response_type = run(here, f"unsubscribe {first.id}")
    assert f"removed digest subscription #{first.id}" in text and response_type == "in_channel"
    assert len(stored(engine)) == 1
    run(here, "unsubscribe all")
    assert stored(engine) == []
    assert changes.count("changed") == 4


def test_in_a_dm_subscriptions_lists_what_you_created(here: CommandContext, engine: Engine) -> None:
    run(here, "subscribe")
    text, rendered, _ = run(replace(here, channel_id="D999"), "subscriptions")
    assert "you created" in text and "<#C123>" in rendered


def test_another_channels_subscription_cannot_be_removed_by_a_stranger(
    here: CommandContext, engine: Engine, deps: Deps
) -> None:
    run(here, "subscribe")
    (sub,) = stored(engine)
    stranger = replace(here, user_id="U999", channel_id="C777")
    text, _, _ = run(stranger, f"unsubscribe {sub.id}")
    assert text == "Only members of <#C123> or the app's admins can change its digests."
    assert len(stored(engine)) == 1
    admin_settings = replace(deps.settings, app=replace(deps.settings.app, admins=("U999",)))
    admin = replace(stranger, deps=replace(here.deps, settings=admin_settings))
    run(admin, f"unsubscribe {sub.id}")
    assert stored(engine) == []


@pytest.mark.parametrize("text", ["unsubscribe", "unsubscribe abc", "unsubscribe 424242"])
def test_unsubscribe_bad_targets(here: CommandContext, text: str) -> None:
    reply_text, _, response_type = run(here, text)
    assert response_type == "ephemeral" and "something went wrong" not in reply_text


def test_edit_changes_the_schedule_and_filters(
    here: CommandContext, engine: Engine, changes: list[str]
) -> None:
    from commands.subscribe import apply_edit, edit_modal

    run(here, "subscribe")
    (sub,) = stored(engine)
    assert sub.id is not None
    modal = edit_modal(here, sub.id)
    assert isinstance(modal, dict) and modal["private_metadata"] == str(sub.id)
    values = {
        "frequency": "monthly",
        "weekday": "mon",
        "day": "31",
        "time": "07:45",
        "filters": " topic:auth ",
    }
    assert apply_edit(here, sub.id, values) == {}
    (edited,) = stored(engine)
    assert (edited.frequency, edited.day_of_month, edited.time_of_day, edited.filters) == (
        "monthly",
        31,
        "07:45",
        "topic:auth",
    )
    assert changes[-1] == "changed"


def test_edit_errors_are_shown_in_the_form(here: CommandContext, engine: Engine) -> None:
    from commands.subscribe import apply_edit, edit_modal

    run(here, "subscribe")
    (sub,) = stored(engine)
    assert sub.id is not None
    errors = apply_edit(
        here, sub.id, {"frequency": "weekly", "day": "40", "time": "09:00", "filters": "has:x"}
    )
    assert set(errors) == {"day", "filters"}
    assert stored(engine)[0].time_of_day == "09:00"
    refused = edit_modal(replace(here, user_id="U999", channel_id="C777"), sub.id)
    assert refused == "Only members of <#C123> or the app's admins can change its digests."


def test_the_edit_button_opens_the_form_through_the_app(
    here: CommandContext, engine: Engine, fake_slack: FakeSlack
) -> None:
    from urllib.parse import urlencode

    from slack_bolt import BoltRequest

    from chatbot.app import build_app
    from tests.fakes.slack_requests import signed_headers

    run(here, "subscribe")
    (sub,) = stored(engine)
    app = build_app(here.deps, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    payload = {
        "type": "block_actions",
        "team": {"id": "T123"},
        "user": {"id": "U123"},
        "channel": {"id": "C123"},
        "trigger_id": "1.2.3",
        "response_url": fake_slack.response_url(),
        "actions": [
            {"action_id": "edit_subscription", "block_id": "b", "value": str(sub.id), "type": "button"}
        ],
    }
    body = urlencode({"payload": json.dumps(payload)})
    headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in signed_headers(body).items()}
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
    (opened,) = fake_slack.wait_for("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == "edit_subscription" and view["private_metadata"] == str(sub.id)

    submission = {
        "type": "view_submission",
        "team": {"id": "T123"},
        "user": {"id": "U123"},
        "view": {
            "id": "V123",
            "type": "modal",
            "callback_id": "edit_subscription",
            "private_metadata": str(sub.id),
            "state": {
                "values": {
                    "frequency": {"value": {"type": "static_select", "selected_option": {"value": "daily"}}},
                    "weekday": {"value": {"type": "static_select", "selected_option": {"value": "mon"}}},
                    "day": {"value": {"type": "plain_text_input", "value": "1"}},
                    "time": {"value": {"type": "timepicker", "selected_time": "06:30"}},
                    "filters": {"value": {"type": "plain_text_input", "value": "lang:go"}},
                }
            },
        },
    }
    body = urlencode({"payload": json.dumps(submission)})
    headers = {k.lower(): v for k, v in signed_headers(body).items()}
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200
    (edited,) = stored(engine)
    assert (edited.frequency, edited.time_of_day, edited.filters) == ("daily", "06:30", "lang:go")


def test_a_slow_slack_api_cannot_delay_the_answer_past_three_seconds(
    ctx: CommandContext, engine: Engine, deps: Deps
) -> None:
    import socket
    import time

    # A server that accepts connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        client = WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{silent.getsockname()[1]}/api/")
        slow = replace(ctx, slack=SlackGateway(client))
        started = time.monotonic()
        text, _, _ = run(slow, "subscribe")
        assert time.monotonic() - started < 3.0
        assert text.startswith("I couldn't check with Slack whether you are in <#C123>")
        assert stored(engine) == []

        admin_settings = replace(deps.settings, app=replace(deps.settings.app, admins=("U123",)))
        admin = replace(slow, deps=replace(deps, settings=admin_settings))  # admins need no membership
        started = time.monotonic()
        text, _, _ = run(admin, "subscribe")
        assert time.monotonic() - started < 3.0
        assert "subscribed this channel" in text  # fell back to the default timezone, UTC
        assert stored(engine)[0].timezone == "UTC"
    finally:
        silent.close()
