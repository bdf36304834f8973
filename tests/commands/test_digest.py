import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.app import build_app
from chatbot.handlers import CommandContext, Deps
from chatbot.models import DigestDelivery
from chatbot.slack.gateway import SlackGateway
from commands import build_registry
from commands.router import dispatch
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import signed_headers, slash_command_body
from tests.sample_catalog import SampleCatalog


@pytest.fixture
def here(
    ctx: CommandContext, engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog
) -> CommandContext:
    sample_catalog(engine, FIXED_NOW)
    fake_slack.add_user("U123", tz="Europe/Berlin")
    fake_slack.add_channel("C123", name="platform", members=["U123"])
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    inline = replace(ctx.deps, run_in_background=lambda work: work())
    return replace(ctx, deps=inline, slack=SlackGateway(client))


def test_preview_shows_the_digest_only_to_the_asker(here: CommandContext) -> None:
    dispatch(build_registry(), here, "subscribe lang:python")
    reply = dispatch(build_registry(), here, "digest preview")
    assert reply.response_type == "ephemeral"
    text = json.dumps(reply.blocks, ensure_ascii=False)
    assert "only you can see this" in text
    assert "New help-wanted and good first issues" in text


def test_now_posts_in_the_channel_and_keeps_the_schedule(
    here: CommandContext, engine: Engine, fake_slack: FakeSlack
) -> None:
    dispatch(build_registry(), here, "subscribe")
    reply = dispatch(build_registry(), here, "digest now")
    assert "Posting this channel's digest now" in reply.text
    (posted,) = fake_slack.calls("chat.postMessage")
    assert posted.params["channel"] == "C123"
    assert "InnerSource digest" in json.dumps(posted.params["blocks"], ensure_ascii=False)
    with Session(engine) as session:
        (delivery,) = session.exec(select(DigestDelivery)).all()
    assert delivery.status == "sent" and delivery.period_key.startswith("now-")


def test_without_a_subscription_it_says_how_to_start(here: CommandContext) -> None:
    assert "/innersource subscribe" in dispatch(build_registry(), here, "digest preview").text


@pytest.mark.parametrize("text", ["digest", "digest later"])
def test_digest_needs_preview_or_now(here: CommandContext, text: str) -> None:
    assert "`preview`" in dispatch(build_registry(), here, text).text


# --- storms and failures ------------------------------------------------------------------------------


def delivery(engine: Engine) -> DigestDelivery:
    with Session(engine) as session:
        (row,) = session.exec(select(DigestDelivery)).all()
    return row


def test_now_outlasts_a_storm_of_429s_then_503s(
    here: CommandContext, engine: Engine, fake_slack: FakeSlack
) -> None:
    dispatch(build_registry(), here, "subscribe")
    fake_slack.fail("chat.postMessage", status=429, retry_after=1, times=5)
    fake_slack.fail("chat.postMessage", status=503, times=3)
    sleeps: list[float] = []
    storm = replace(here, deps=replace(here.deps, sleep=sleeps.append))

    dispatch(build_registry(), storm, "digest now")

    tries = fake_slack.calls("chat.postMessage")
    assert len(tries) == 9  # 8 refused, then the one Slack took: posted once
    assert {t.params["channel"] for t in tries} == {"C123"}
    assert "InnerSource digest" in json.dumps(tries[-1].params["blocks"], ensure_ascii=False)
    assert sleeps == [1, 1, 1, 1, 1, 2, 4, 8]  # Retry-After, then backoff
    assert fake_slack.calls("chat.postEphemeral") == []  # nothing to apologise for
    row = delivery(engine)
    assert (row.status, row.waited_seconds, row.error) == ("sent", 19, None)


def bolt_command(app: App, fake: FakeSlack, text: str, user: str = "U123") -> dict[str, Any]:
    body = slash_command_body(text, response_url=fake.response_url(), user_id=user, channel_id="C123")
    headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in signed_headers(body).items()}
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 200, response.body
    reply: dict[str, Any] = json.loads(response.body)
    return reply


@pytest.fixture
def app(
    deps: Deps, engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog
) -> tuple[App, list[float]]:
    sample_catalog(engine, FIXED_NOW)
    fake_slack.add_user("U123", tz="Europe/Berlin")
    fake_slack.add_channel("C123", name="platform", members=["U123"])
    sleeps: list[float] = []
    inline = replace(deps, settings=replace(deps.settings, threads=1), run_in_background=lambda work: work())
    inline = replace(inline, sleep=sleeps.append)
    app = build_app(inline, client=WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url))
    bolt_command(app, fake_slack, "subscribe")
    return app, sleeps


def test_the_asker_is_told_when_slack_kept_failing_until_the_budget_ran_out(
    app: tuple[App, list[float]], engine: Engine, fake_slack: FakeSlack
) -> None:
    bolt_app, sleeps = app
    fake_slack.fail("chat.postMessage", status=503, times=100)

    reply = bolt_command(bolt_app, fake_slack, "digest now")

    assert "Posting this channel's digest now" in reply["text"]
    assert sum(sleeps) <= 600 and sum(sleeps) == 486  # 2, 4 … 120 s: the next wait would pass 10 minutes
    (told,) = fake_slack.calls("chat.postEphemeral")
    assert (told.params["channel"], told.params["user"]) == ("C123", "U123")
    assert told.params["text"] == (
        ":warning: I couldn't post this channel's digest: Slack kept answering with errors for 8 minutes, "
        "so I stopped trying. Try again in a while."
    )
    assert told.params["blocks"][0]["text"]["text"] == told.params["text"]
    row = delivery(engine)
    assert (
        row.status == "failed"
        and row.error
        and "HTTP 503" in row.error
        and "gave up after 486 s" in row.error
    )


def test_the_asker_is_told_in_a_dm_when_the_channel_refuses_and_hides_ephemerals(
    app: tuple[App, list[float]], engine: Engine, fake_slack: FakeSlack
) -> None:
    bolt_app, sleeps = app
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    fake_slack.fail("chat.postEphemeral", error="not_in_channel")

    bolt_command(bolt_app, fake_slack, "digest now")

    assert sleeps == []  # no retry fixes a refusal
    assert "U123" in [c.params.get("users") for c in fake_slack.calls("conversations.open")]
    dms = [c.params for c in fake_slack.calls("chat.postMessage") if c.params["channel"].startswith("D")]
    assert dms[-1]["text"] == (
        ":warning: I couldn't post this channel's digest: I'm not a member of this channel. Invite me with "
        "`/invite @innersource`. I paused its digest subscription meanwhile."
    )
    assert delivery(engine).status == "failed"


def test_a_refusal_is_not_retried_and_the_asker_is_told(
    here: CommandContext, engine: Engine, fake_slack: FakeSlack
) -> None:
    dispatch(build_registry(), here, "subscribe")
    fake_slack.fail("chat.postMessage", error="msg_too_long")
    sleeps: list[float] = []
    dispatch(build_registry(), replace(here, deps=replace(here.deps, sleep=sleeps.append)), "digest now")
    assert sleeps == [] and len(fake_slack.calls("chat.postMessage")) == 1
    (told,) = fake_slack.calls("chat.postEphemeral")
    assert (
        told.params["text"]
        == ":warning: I couldn't post this channel's digest: Slack refused it (`msg_too_long`)."
    )
