"""`/innersource stale | nudges | link | unlink` through the router, on the sample catalog."""

import json
from dataclasses import replace

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.handlers import CommandContext
from chatbot.models import ForgeIdentity, Person
from chatbot.slack.gateway import SlackGateway
from commands import build_registry
from commands.router import dispatch
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack
from tests.sample_catalog import SampleCatalog


@pytest.fixture
def here(
    ctx: CommandContext, engine: Engine, fake_slack: FakeSlack, sample_catalog: SampleCatalog
) -> CommandContext:
    sample_catalog(engine, FIXED_NOW)
    fake_slack.add_user("U123", tz="Europe/Berlin")
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url)
    return replace(ctx, slack=SlackGateway(client))


def run(ctx: CommandContext, text: str) -> tuple[str, str]:
    reply = dispatch(build_registry(), ctx, text)
    assert reply.response_type == "ephemeral"  # nothing about waiting contributions is said in public
    return reply.text, json.dumps(reply.blocks, ensure_ascii=False)


def as_user(ctx: CommandContext, user: str) -> CommandContext:
    return replace(ctx, user_id=user)


def test_stale_lists_what_waits_past_its_goal_longest_first(here: CommandContext) -> None:
    text, rendered = run(here, "stale")
    assert text.endswith("contributions waiting past the review goal.")
    assert "past the review goal" in rendered
    assert rendered.index("scim-sync") < rendered.index("lumberjack")  # September before October
    assert "dependabot" not in rendered  # bots' pull requests are not contributions
    assert "kafka-tail" not in rendered  # drafts neither


def test_stale_for_one_project_shows_all_its_waiting_ones(here: CommandContext) -> None:
    _, rendered = run(here, "stale authkit-python")
    assert "#208" in rendered and "Add retry with jitter" in rendered
    assert "#206" not in rendered  # Priya's own pull request in her project
    _, unknown = run(here, "stale no-such-project")
    assert "There is no project called `no-such-project`" in unknown


def test_stale_escapes_what_people_type(here: CommandContext) -> None:
    _, rendered = run(here, "stale <!channel>")
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered


def test_nudges_off_then_on_and_the_status(here: CommandContext, engine: Engine) -> None:
    priya = as_user(here, "U0NW00001")
    text, _ = run(priya, "nudges")
    assert "Nudges are *on* for you" in text and "github `praman`" in text and "past the review goal" in text
    assert "Nudges are off for you" in run(priya, "nudges off")[0]
    with Session(engine) as session:
        person = session.exec(select(Person).where(col(Person.slack_user_id) == "U0NW00001")).one()
        assert person.nudges_enabled is False
    assert "Nudges are *off* for you" in run(priya, "nudges")[0]
    assert "Nudges are on" in run(priya, "nudges on")[0]
    _, rendered = run(priya, "nudges maybe")
    assert "is neither `on` nor `off`" in rendered and "Usage" in rendered


def test_link_and_unlink_through_the_command(here: CommandContext, engine: Engine) -> None:
    assert "no forge logins linked" in run(here, "link")[0]
    text, _ = run(here, "link github octocat")
    assert "Linked github `octocat` to you" in text
    assert "• github `octocat`" in run(here, "link")[0]
    # Someone else's login is refused, and nothing changes.
    text, rendered = run(here, "link github praman")
    assert "already linked to <@U0NW00001>" in text and "Usage" in rendered
    _, rendered = run(here, "link bitbucket octocat")
    assert "I don't know the forge" in rendered
    _, rendered = run(here, "link github")
    assert "Give a forge" in rendered
    assert "Unlinked github `octocat`" in run(here, "unlink github octocat")[0]
    with Session(engine) as session:
        mine = session.exec(select(ForgeIdentity).where(col(ForgeIdentity.login) == "octocat")).all()
        assert mine == []


def test_help_lists_the_new_commands_with_examples(here: CommandContext) -> None:
    _, rendered = run(here, "help")
    for usage in ("stale [project]", "nudges [on|off]", "link [github|gitlab|gitee &lt;login&gt;]"):
        assert usage in rendered
    assert "/innersource stale payments-sdk" in run(here, "help stale")[1]
    assert "/innersource nudges off" in run(here, "help nudges")[1]


def test_stale_for_a_mistyped_project_suggests_the_closest_name(here: CommandContext) -> None:
    _, rendered = run(here, "stale authkit-pyton")
    assert (
        "There is no project called `authkit-pyton` in the catalog. Did you mean `authkit-python`" in rendered
    )
    _, listed = run(here, "stale authkit-python")
    assert "#208" in listed
    _, unknown = run(here, "stale zzqqxx-vvww")
    assert "Did you mean" not in unknown
