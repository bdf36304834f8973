"""Only members of a channel (asked of Slack) or the app's admins change its digests: every path, commands
and buttons, through the real Bolt app against the fake Slack."""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.app import build_app
from chatbot.console import LocalSlack
from chatbot.handlers import Deps
from chatbot.models import Subscription
from chatbot.slack.gateway import MemberCache
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack
from tests.slack.test_events import Workspace

TEAM, OTHER, DM = "C0TEAM", "C0OTHER", "D0DM"
MEMBER, STRANGER, ADMIN = "U0MEMBER", "U0STRANGER", "U0ADMIN"
REFUSAL = f"Only members of <#{TEAM}> or the app's admins can change its digests."
FORM_REFUSAL = "Only members of that channel or the app's admins can change its digests."
CANNOT_TELL = f"I couldn't check with Slack whether you are in <#{TEAM}>, so I changed nothing."


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Team:
    slack: Workspace
    fake: FakeSlack
    engine: Engine
    changes: list[str]
    clock: Clock

    def rows(self) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return [s.model_dump() for s in session.exec(select(Subscription).order_by(col(Subscription.id)))]

    def subscription_id(self) -> int:
        ids = [row["id"] for row in self.rows() if row["channel_id"] == TEAM]
        return int(ids[0])

    def replied(self) -> dict[str, Any]:
        """The last message sent to a button's response_url: what the person who clicked sees."""
        return self.fake.calls("response_url")[-1].params


@pytest.fixture
def team(deps: Deps, fake_slack: FakeSlack, engine: Engine) -> Iterator[Team]:
    changes: list[str] = []
    clock = Clock()
    for user in (MEMBER, STRANGER, ADMIN):
        fake_slack.add_user(user)
    fake_slack.add_channel(TEAM, name="team", members=[MEMBER])
    fake_slack.add_channel(OTHER, name="other", members=[STRANGER, ADMIN])
    app_deps = replace(
        deps,
        settings=replace(deps.settings, threads=1, app=replace(deps.settings.app, admins=(ADMIN,))),
        on_subscriptions_changed=lambda: changes.append("changed"),
        run_in_background=lambda work: work(),
        channel_members=MemberCache(ttl_seconds=60, clock=clock),
    )
    app = build_app(app_deps, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    team = Team(Workspace(app, fake_slack), fake_slack, engine, changes, clock)
    team.slack.command("subscribe weekly lang:python", user=MEMBER, channel=TEAM)
    team.slack.command("subscribe", user=STRANGER, channel=OTHER)  # a second channel's, left alone
    changes.clear()
    yield team


# --- the paths: each does one change as `user` and returns the raw payload that person sees -----------


def subscribe(team: Team, user: str) -> Any:
    return team.slack.command("subscribe daily at 07:00", user=user, channel=TEAM)


def unsubscribe_in_the_channel(team: Team, user: str) -> Any:
    return team.slack.command(f"unsubscribe {team.subscription_id()}", user=user, channel=TEAM)


def unsubscribe_from_another_channel(team: Team, user: str) -> Any:
    return team.slack.command(f"unsubscribe {team.subscription_id()}", user=user, channel=OTHER)


def unsubscribe_in_a_dm(team: Team, user: str) -> Any:
    return team.slack.command(f"unsubscribe #{team.subscription_id()}", user=user, channel=DM)


def unsubscribe_all(team: Team, user: str) -> Any:
    return team.slack.command("unsubscribe all", user=user, channel=TEAM)


def click(team: Team, action_id: str, user: str, channel: str) -> None:
    team.slack.click(
        action_id,
        user=user,
        value=str(team.subscription_id()),
        channel={"id": channel},
        response_url=team.fake.response_url(f"{action_id}-{user}"),
    )


def remove_button_in_the_channel(team: Team, user: str) -> Any:
    click(team, "unsubscribe", user, TEAM)
    return team.replied()


def remove_button_in_a_dm(team: Team, user: str) -> Any:
    click(team, "unsubscribe", user, DM)
    return team.replied()


def edit_button(team: Team, user: str) -> Any:
    click(team, "edit_subscription", user, DM)
    opened = team.fake.calls("views.open")
    return opened[-1].params["view"] if opened else team.replied()


def edit_submission(team: Team, user: str) -> Any:
    values = {
        "frequency": {"type": "static_select", "selected_option": {"value": "daily"}},
        "weekday": {"type": "static_select", "selected_option": {"value": "mon"}},
        "day": {"type": "plain_text_input", "value": "1"},
        "time": {"type": "timepicker", "selected_time": "06:30"},
        "filters": {"type": "plain_text_input", "value": "lang:go"},
    }
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": "edit_subscription",
        "private_metadata": str(team.subscription_id()),
        "state": {"values": {block: {"value": value} for block, value in values.items()}},
    }
    return team.slack.interaction({"type": "view_submission", "user": {"id": user}, "view": view}) or {}


Path = Callable[[Team, str], Any]
COMMANDS: list[Path] = [
    subscribe,
    unsubscribe_in_the_channel,
    unsubscribe_from_another_channel,
    unsubscribe_in_a_dm,
    unsubscribe_all,
]
BUTTONS: list[Path] = [remove_button_in_the_channel, remove_button_in_a_dm, edit_button]
DONE: dict[Path, str] = {
    subscribe: "subscribed this channel to a digest",
    edit_button: '"callback_id": "edit_subscription"',
    edit_submission: "",  # an empty ack closes the form
}


@pytest.mark.parametrize("path", [*COMMANDS, *BUTTONS], ids=lambda p: p.__name__)
def test_a_stranger_is_refused_and_nothing_changes(team: Team, path: Path) -> None:
    before = team.rows()
    seen = path(team, STRANGER)
    assert seen["text"] == REFUSAL
    assert json.dumps(seen["blocks"]).count(REFUSAL) == 1
    assert seen.get("response_type", "ephemeral") == "ephemeral"  # only the person who asked sees it
    assert team.rows() == before and team.changes == []
    assert team.fake.calls("views.open") == []


def test_a_strangers_form_submission_is_refused_in_the_form(team: Team) -> None:
    before = team.rows()
    seen = edit_submission(team, STRANGER)
    assert seen == {"response_action": "errors", "errors": {"frequency": FORM_REFUSAL}}
    assert team.rows() == before and team.changes == []


@pytest.mark.parametrize("user", [MEMBER, ADMIN])
@pytest.mark.parametrize("path", [*COMMANDS, *BUTTONS, edit_submission], ids=lambda p: p.__name__)
def test_a_member_or_an_admin_may(team: Team, path: Path, user: str) -> None:
    before = team.rows()
    seen = path(team, user)
    assert DONE.get(path, "removed digest subscription") in json.dumps(seen)
    if path is edit_button:
        assert team.rows() == before  # the form is open; nothing is saved until it is submitted
    else:
        assert team.rows() != before and team.changes == ["changed"]
        assert [r for r in team.rows() if r["channel_id"] == OTHER] == [
            r for r in before if r["channel_id"] == OTHER
        ]


def test_listing_stays_open_to_everyone(team: Team) -> None:
    seen = team.slack.command("subscriptions", user=STRANGER, channel=TEAM)
    assert seen["text"] == "1 digest subscriptions in this channel."


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 200, "error": "not_in_channel"},  # a private channel I was removed from
        {"status": 500},
        {"status": 429, "retry_after": 1},
    ],
    ids=["not_in_channel", "server_error", "rate_limited"],
)
@pytest.mark.parametrize(
    "path", [subscribe, unsubscribe_in_a_dm, remove_button_in_a_dm], ids=lambda p: p.__name__
)
def test_when_slack_cannot_tell_nothing_changes(team: Team, path: Path, failure: dict[str, Any]) -> None:
    before = team.rows()
    team.clock.now += 61  # past what the set-up cached
    team.fake.fail("conversations.members", **failure)
    seen = path(team, MEMBER)
    assert seen["text"].startswith(CANNOT_TELL)
    assert team.rows() == before and team.changes == []


def test_membership_is_asked_once_a_minute_per_channel(team: Team) -> None:
    team.clock.now += 61  # past what the set-up cached
    asked = len(team.fake.calls("conversations.members"))
    assert unsubscribe_all(team, STRANGER)["text"] == REFUSAL
    team.fake.add_channel(TEAM, name="team", members=[MEMBER, STRANGER])  # they join
    assert remove_button_in_a_dm(team, STRANGER)["text"] == REFUSAL  # Slack's answer of a moment ago
    assert len(team.fake.calls("conversations.members")) == asked + 1
    team.clock.now += 61
    assert "removed digest subscription" in remove_button_in_a_dm(team, STRANGER)["text"]
    assert len(team.fake.calls("conversations.members")) == asked + 2


def test_admins_are_not_asked_about(team: Team) -> None:
    asked = len(team.fake.calls("conversations.members"))
    assert "removed" in unsubscribe_all(team, ADMIN)["text"]
    assert len(team.fake.calls("conversations.members")) == asked


def test_a_big_channels_members_are_read_page_by_page(team: Team) -> None:
    crowd = [f"U{n:08d}" for n in range(2_500)]
    team.fake.add_channel(TEAM, name="team", members=[*crowd, STRANGER])
    team.clock.now += 61
    asked = len(team.fake.calls("conversations.members"))
    assert "removed digest subscription" in unsubscribe_all(team, STRANGER)["text"]
    pages = team.fake.calls("conversations.members")[asked:]
    assert [p.params.get("cursor") for p in pages] == [None, "next:1000", "next:2000"]


def test_the_local_console_treats_you_as_a_member(deps: Deps, engine: Engine) -> None:
    console = LocalSlack(build_app(replace(deps, run_in_background=lambda work: work()), local=True))
    assert "subscribed this channel" in console.command("subscribe")["text"]
    assert "removed digest subscription" in console.command("unsubscribe all")["text"]
    with Session(engine) as session:
        assert session.exec(select(Subscription)).all() == []
