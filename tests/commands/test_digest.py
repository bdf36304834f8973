import json
from dataclasses import replace

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.catalog.sample import load_sample
from chatbot.models import DigestDelivery
from chatbot.slack.gateway import SlackGateway
from commands import build_registry
from commands.router import CommandContext, dispatch
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack


@pytest.fixture
def here(ctx: CommandContext, engine: Engine, fake_slack: FakeSlack) -> CommandContext:
    load_sample(engine, clock=lambda: FIXED_NOW)
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
