"""The outbound guard and the builders it backs: properties over any text, and the guard at each edge
(Web API calls, response_url posts, acks) checked on what the fake Slack received."""

import json
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt import BoltResponse

from chatbot.catalog.cards import ProjectCard
from chatbot.catalog.views import project_card_text
from chatbot.slack.blocks import escaped
from chatbot.slack.edge import GuardedRespond, guard_response, slack_client
from chatbot.slack.guard import guard_payload, inert_text
from chatbot.slack.markup import channel_mention, escape, link, mention, plain_echo
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack
from tests.hostile import CORPUS, EVIL_HOST, live_markup

PROPERTIES = settings(max_examples=300, deadline=None, derandomize=True)
# Text with the characters that matter here far more often than chance would give them.
SPECIAL = st.sampled_from(
    ["<", ">", "|", "!", "@", "#", "&", "channel", "here", "everyone", "subteam^S1", "U0EVIL", "C0EVIL",
     "https://", EVIL_HOST, "mailto:", "\u200b", "\u2060", "\uff20", "\u202e", "\x00", "\n", "&lt;", "&gt;"]
)  # fmt: skip
TEXT = st.lists(st.one_of(SPECIAL, st.text(max_size=8)), max_size=30).map("".join) | st.sampled_from(CORPUS)
NO_ONE: set[str] = set()


@PROPERTIES
@given(TEXT)
def test_escaped_text_is_inert_and_the_guard_leaves_it_alone(text: str) -> None:
    safe = escape(text)
    assert "<" not in safe and ">" not in safe
    assert live_markup({"text": safe}, users=NO_ONE, channels=NO_ONE) == []
    assert inert_text(safe) == safe


@PROPERTIES
@given(TEXT)
def test_the_guard_makes_any_text_inert_and_is_idempotent(text: str) -> None:
    safe = inert_text(text)
    assert live_markup({"text": safe}, users=NO_ONE, channels=NO_ONE) == []
    assert inert_text(safe) == safe


@PROPERTIES
@given(TEXT)
def test_plain_echo_is_inert(text: str) -> None:
    assert live_markup({"text": plain_echo(text)}, users=NO_ONE, channels=NO_ONE) == []


@PROPERTIES
@given(TEXT, st.sampled_from(["https://git.example/acme/payments", "http://wiki.example/a?b=c", EVIL_HOST]))
def test_links_keep_their_target_and_an_inert_label(label: str, url: str) -> None:
    made = link(url, label)
    assert guard_payload({"text": made}, "test") == {"text": made}  # a builder's link passes the guard
    if url.startswith("http"):
        assert made.startswith(f"<{url}|") and made.endswith(">")
        assert live_markup({"text": made}, users=NO_ONE, channels=NO_ONE) == []
    else:
        assert made == escape(label)


@PROPERTIES
@given(
    st.recursive(
        TEXT,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "text",
                        "blocks",
                        "elements",
                        "fields",
                        "title",
                        "placeholder",
                        "label",
                        "options",
                        "errors",
                    ]
                ),
                inner,
                max_size=3,
            )
        ),
    )
)
def test_any_payload_leaves_the_guard_inert(payload: Any) -> None:  # fmt: skip
    assert live_markup(guard_payload(payload, "test"), users=NO_ONE, channels=NO_ONE) == []


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("github.com/acme/payments", "git.example/evil/payments"),  # a title that reads like another address
        ("https://git.example/evil/payments", "https://git.example/evil/payments"),  # the same place: kept
        ("Payments SDK", "Payments SDK"),
    ],
)
def test_a_label_that_reads_like_an_address_says_where_the_link_goes(label: str, shown: str) -> None:
    assert link("https://git.example/evil/payments", label) == f"<https://git.example/evil/payments|{shown}>"


def test_mentions_only_of_ids_and_fallback_text_escaped() -> None:
    assert mention("U0NW00001") == "<@U0NW00001>"
    assert mention("<!channel>") == "&lt;!channel&gt;"
    assert channel_mention("C1|x") == "C1|x"
    assert escaped("<!here> @everyone", 100) == "&lt;!here&gt; @\u2060everyone"


def test_project_card_text_is_escaped() -> None:
    card = ProjectCard(
        project_id=1,
        full_name="acme/<!channel>",
        title="<https://evil.example|Click here>",
        description="@here <!subteam^S1|@team>",
        url="https://git.example/acme/x",
        language=None,
        topics=[],
        activity="High",
        help_wanted=0,
        good_first=0,
        contribute_url=None,
    )
    assert live_markup({"text": project_card_text(card)}, users=NO_ONE, channels=NO_ONE) == []


# --- the guard at each edge, as the fake Slack receives it -------------------------------------------


def test_web_api_calls_are_guarded_json_and_form_encoded(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="chatbot.slack.guard")
    client = slack_client(BOT_TOKEN, fake_slack.api_url)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": f"{mention('U1')} <@U0EVIL> <!here>"}}]
    client.chat_postMessage(channel="C1", text="<!channel> @\u200beveryone", blocks=blocks)
    client.api_call("chat.update", data={"channel": "C1", "ts": "1.2", "blocks": json.dumps(blocks)})

    posted, updated = (
        fake_slack.calls("chat.postMessage")[0].params,
        fake_slack.calls("chat.update")[0].params,
    )
    assert posted["text"] == "&lt;!channel&gt; @\u2060everyone"
    for sent in (posted, updated):
        assert (
            sent["blocks"][0]["text"]["text"] == "<@U1> &lt;@U0EVIL&gt; &lt;!here&gt;"
        )  # the built one stays
        assert live_markup(sent, users={"U1"}, channels=NO_ONE) == []
    warnings = [r.getMessage() for r in caplog.records]
    assert any("on chat.postMessage: text, blocks[0].text.text" in w for w in warnings)
    assert any("on chat.update: blocks[0].text.text" in w for w in warnings)


def test_response_url_posts_and_acks_are_guarded(fake_slack: FakeSlack) -> None:
    respond = GuardedRespond(response_url=fake_slack.response_url("r9"))
    respond(text="<https://evil.example|docs>", blocks=[{"type": "context", "elements": [
        {"type": "mrkdwn", "text": "＠here"}]}], replace_original=False)  # fmt: skip
    (call,) = fake_slack.calls("response_url")
    assert call.params["text"] == "&lt;https://evil.example|docs&gt;"
    assert call.params["blocks"][0]["elements"][0]["text"] == "@\u2060here"
    assert call.params["replace_original"] is False

    ack = BoltResponse(status=200, body=json.dumps({"text": "<!everyone>", "response_type": "ephemeral"}),
                       headers={"content-type": "application/json;charset=utf-8"})  # fmt: skip
    assert json.loads(guard_response(ack).body) == {"text": "&lt;!everyone&gt;", "response_type": "ephemeral"}


def test_interactive_clients_wait_out_rate_limits_and_server_errors(fake_slack: FakeSlack) -> None:
    slept: list[float] = []
    client = slack_client(BOT_TOKEN, fake_slack.api_url, sleep=slept.append)
    fake_slack.fail("views.publish", status=429, retry_after=2, times=2)
    fake_slack.fail("views.publish", status=503, times=1)
    view = {"type": "home", "blocks": []}
    assert client.views_publish(user_id="U1", view=view)["ok"] is True
    assert len(fake_slack.calls("views.publish")) == 4
    assert slept[:2] == [2.0, 2.0] and len(slept) == 3
