"""Fuzz the `/innersource` command line through the real Bolt app: every text gets a friendly answer.

Each text is a signed slash command; the ack must be a JSON reply with text, valid blocks, no internals,
never the "something went wrong on our side" answer, and nothing may be logged at ERROR.
"""

import json
import logging
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import Engine

from chatbot.app import build_app
from chatbot.catalog import views as catalog_views
from chatbot.db import make_engine
from chatbot.handlers import Deps
from chatbot.settings import Settings
from chatbot.slack import blocks
from commands import build_registry
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers, slash_command_body
from tests.sample_catalog import SampleCatalog
from tests.slack.block_kit import assert_valid_message

USER = "U0FUZZ001"
# Many public channels, so that subscriptions spread below the per-channel limit; then a private channel
# without the bot, one Slack doesn't know and a DM.
PUBLIC = tuple(f"C0FUZZ{n:03d}" for n in range(30))
CHANNELS = (*PUBLIC, "CPRIVATE", "CGONE", "D0FUZZ")
CRASHED = "something went wrong on our side"
INTERNALS = ("Traceback", "Exception", "Error:", 'File "', "sqlalchemy", "sqlite3", "psycopg", "NoneType")
MAX_FALLBACK_TEXT = 4000
EXAMPLES_PER_WORD = 150

REGISTRY = build_registry()
SUBCOMMANDS = [name for s in REGISTRY for name in (s.name, *s.aliases)]
WORDS = [*SUBCOMMANDS, "help", "?", "--help", "FIND", "Search", "/innersource find", "", "unknown", "fnid"]

OPERATORS = [
    '"', "'", "*", "NEAR(", "NEAR(a b, 2)", ")", "(", "OR", "AND", "NOT", "AND NOT", "--", "-", ";", "^", ":",
    "$(id)", "`id`", "|", "&&", "||", "\\", "%", "_", "{", "}", "[", "]", "+", "#", "@", "<", ">", "&",
    "'; DROP TABLE project; --", "' OR '1'='1", "\\u0000", "%00", "NULL", "null", "0", "-0",
    "“", "”", "‘", "’", "«", "»", "＂", "＊", "<!channel>", "@here", "<@U123>", "<#C123>", "<https://x|y>",
]  # fmt: skip
FILTER_KEYS = [
    "lang", "language", "topic", "tag", "org", "owner", "team", "source", "from", "has", "sort", "is",
]  # fmt: skip
FILTER_VALUES = [
    "", '"', '"unclosed', '"a b"', "bogus", "python", "good-first-issue", "help-wanted", "archived", "*",
    "stars", "-1", ":", "::", "lang:", "漢字", "😀", "\u202e", "\x00",
]  # fmt: skip
NUMBERS = [
    "99999999999999999999", "-1", "0", "0x10", "1e309", "1.5", "NaN", "inf", "٣", "²", "𝟙", "１",
    "00000000000000000000001", "#1", "##1", "9" * 400, "-9223372036854775809", "9223372036854775808",
]  # fmt: skip

unicode_anything = st.characters(codec=None)  # every plane, lone surrogates included
ascii_ = st.characters(max_codepoint=0x7F)
cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
rtl = st.sampled_from("\u05d0\u05d1\u05e9\u0627\u0644\u0639\u0631\u0628\u202e\u202b\u200f\u061c")
emoji = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
combining = st.characters(categories=["Mn", "Me"])
controls = st.characters(categories=["Cc", "Cf"])
spaces = st.sampled_from([" ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2028", "\u200b", "  "])
KEYWORDS = [
    "python", "auth", "library", "daily", "weekly", "monthly", "on", "at", "friday", "10:00", "all",
    "preview", "now", "off", "github", "gitlab", "gitee", "clear", "payments-sdk",
]  # fmt: skip
# How each subcommand's valid input starts, so that generated text also gets past the first check.
HEADS = {
    "find": ["python", "auth library", "lang:python", "has:good-first-issue", "sort:stars", "topic:payments"],
    "project": ["payments-sdk", "authkit-python", "sso-gateway", "Payments SDK"],
    "subscribe": ["daily", "weekly on friday", "monthly on 31", "at 10:00", "weekly at 7pm", "lang:go"],
    "subscriptions": [""],
    "unsubscribe": ["all", "1", "#2", "3"],
    "digest": ["preview", "now"],
    "stale": ["payments-sdk", "authkit-go"],
    "nudges": ["on", "off", "status"],
    "link": ["github", "gitlab", "gitee"],
    "unlink": ["github", "gitlab", "gitee"],
    "skills": ["python,", "clear", "react, terraform,"],
    "help": SUBCOMMANDS,
    "?": SUBCOMMANDS,
    "--help": SUBCOMMANDS,
}


def words_of(alphabet: st.SearchStrategy[str], max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=max_size)


def long_text(piece: str, length: int) -> str:
    return (piece * (length // max(len(piece), 1) + 1))[:length]


def joined(parts: list[tuple[str, str]]) -> str:
    return "".join(w + s for w, s in parts)


word = st.one_of(
    words_of(unicode_anything),
    words_of(ascii_),
    words_of(cjk),
    words_of(rtl),
    words_of(emoji, 4),
    st.builds(str.__add__, words_of(ascii_, 3), words_of(combining, 6)),
    words_of(controls, 4),
    st.sampled_from(OPERATORS),
    st.builds(
        lambda key, value: f"{key}:{value}",
        st.sampled_from(FILTER_KEYS),
        st.sampled_from(FILTER_VALUES) | words_of(unicode_anything, 8),
    ),
    st.sampled_from(NUMBERS),
    st.integers().map(str),
    st.sampled_from(KEYWORDS),
)
long_word = st.builds(
    long_text,
    words_of(st.one_of(unicode_anything, cjk, emoji), 3),
    st.integers(min_value=300, max_value=4000),
)
arguments = st.lists(st.tuples(word, spaces), max_size=8).map(joined)


def arguments_for(subcommand: str) -> st.SearchStrategy[str]:
    """Free text, one very long word, or a valid start followed by free text or one word."""
    registered = REGISTRY.get(subcommand.lower())
    heads = HEADS.get(registered.name if registered else subcommand.lower(), [""])
    return st.one_of(
        arguments,
        st.builds(str.__add__, arguments, long_word),
        st.builds(lambda head, rest: f"{head} {rest}", st.sampled_from(heads), arguments | word),
    )


def nasty_cases() -> list[str]:
    cases = [
        "", " ", "\x00", "\ud800", "\udfff\ud800", "help", "help help", "help nonexistent", "help find",
        "?", "-h", "--help", "/innersource", "/INNERSOURCE find auth", "FIND auth", "Find", "search auth",
        "find", 'find "', "find '", 'find "unbalanced', 'find auth"', 'find ""', "find *", "find auth*",
        "find NEAR(a b)", "find NEAR(", "find a OR", "find OR", "find AND NOT", "find NOT",
        "find a AND NOT b", "find --", "find -", "find ;", "find '; DROP TABLE project; --",
        "find $(rm -rf /)", "find `id`",
        "find a | b", "find a && b", "find ^", "find :", "find lang:", 'find lang:"', "find sort:bogus",
        "find sort:", "find has:", "find has:nothing", 'find topic:"unclosed', 'find topic:"a b"', "find is:",
        "find is:bogus", "find org:", "find source:", "find lang:python lang:go", "find ()", "find (",
        "find )", "find {}", "find [", "find \\", "find %", "find _", "find ％", "find “smart quotes”",
        "find ‘single’", "find «guillemets»", "find ＡＵＴＨ", "find \u202eevil", "find <!channel>",
        "find @here", "find python " + "漢" * 400, "find python " + "😀" * 250, "find python " + "\x01" * 490,
        "find python " + '"' * 490, "find python " + "\\" * 490, "find python " + "a\u0301" * 250,
        "find python " + "\ud800" * 300, "find python sort:stars " + "漢字 " * 160, "find " + "漢" * 4000,
        "unsubscribe", "unsubscribe #", "unsubscribe all all", "unsubscribe ALL", "unsubscribe 1 2",
        "subscribe monthly on 99999999999999999999", "subscribe monthly on 0", "subscribe monthly on -1",
        "subscribe at 25:00", "subscribe at 99:99", "subscribe at 9999999999999:00", "subscribe at :",
        "subscribe at", "subscribe on", "subscribe weekly on", "subscribe weekly on funday",
        "subscribe daily daily", "subscribe lang:", "subscribe sort:bogus", 'subscribe topic:"x',
        "subscribe at 0x10:00", "subscribe at ٠٩:٣٠", "subscribe at 9:5", "subscribe on 31 monthly",
        "project", 'project "', "project ''", "project %", "project *", "project ../../etc/passwd",
        "project " + "漢" * 4000, "digest", "digest bogus", "digest now now", "digest preview",
        "digest PREVIEW", "stale", 'stale "', "stale %", "stale *", "stale '; --", "stale " + "x" * 4000,
        "nudges maybe", "nudges on", "nudges off", "nudges " + "x" * 4000, "link github", "link github a b",
        "link bogus x", "link github " + "x" * 4000, "link github @here", "link gitlab <!channel>",
        "link github ../x", "link github \x00", "link gitee 漢字", "unlink", "unlink github nobody",
        "unlink github " + "😀" * 1000, "skills", "skills clear", "skills ,,,",
        "skills " + ", ".join(["x"] * 1000), "skills " + "漢" * 4000, "skills \x00",
        "skills <!channel>, @everyone", "help " + "x" * 4000, "x" * 4000, "漢" * 4000, "😀" * 2000,
        "a\u0301" * 2000, "\x00" * 4000, "<!channel>", "@everyone", "subscribe", "subscriptions",
        "digest now", "unsubscribe all",
    ]  # fmt: skip
    cases += [f"unsubscribe {n}" for n in NUMBERS] + [f"subscribe monthly on {n}" for n in NUMBERS]
    cases += [f"{word} {long_text(piece, 4000)}" for word in SUBCOMMANDS for piece in ("a ", "漢", "\x00")]
    return cases


class Slack:
    """Sends signed slash commands to the app and reads the ack's JSON body."""

    def __init__(self, app: App, fake: FakeSlack) -> None:
        self.app = app
        self.fake = fake

    def command(self, text: str, channel: str = "C123") -> tuple[int, Any]:
        body = slash_command_body(
            text, response_url=self.fake.response_url(), user_id=USER, channel_id=channel
        )
        response = self._send(body)
        return response.status, json.loads(response.body) if response.body else None

    def _send(self, body: str) -> BoltResponse:
        headers: dict[str, str | Sequence[str]] = {k.lower(): v for k, v in signed_headers(body).items()}
        return self.app.dispatch(BoltRequest(body=body, headers=headers))

    def press(self, button: dict[str, Any]) -> dict[str, Any]:
        """Press a button of an ephemeral reply; returns what the app posted to the response URL."""
        before = len(self.fake.calls("response_url"))
        key = f"press-{before}"
        action = {"action_id": button["action_id"], "block_id": "find:more", "value": button["value"]}
        payload = {
            "type": "block_actions",
            "team": {"id": "T123"},
            "user": {"id": USER},
            "channel": {"id": "C123"},
            "api_app_id": "A123",
            "trigger_id": "1.2.3",
            "response_url": self.fake.response_url(key),
            "actions": [action | {"type": "button"}],
        }
        assert self._send(urlencode({"payload": json.dumps(payload)})).status == 200
        calls = self.fake.wait_for("response_url", before + 1)
        (posted,) = [c.params for c in calls if c.params["_key"] == key]
        return posted


@pytest.fixture(scope="module")
def catalog_engine(
    sqlite_template: Path, sample_catalog: SampleCatalog, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("fuzz") / "innersource.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    sample_catalog(engine, FIXED_NOW)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def slack(catalog_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slack]:
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    settings_ = Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        database_url=str(catalog_engine.url),
        data_dir=data_dir,
        threads=1,
    )
    deps = Deps(
        engine=catalog_engine, settings=settings_, clock=lambda: FIXED_NOW, run_in_background=lambda w: w()
    )
    with FakeSlack() as fake:
        fake.add_user(USER, tz="Europe/Berlin")
        for channel in ("C123", *PUBLIC):
            fake.add_channel(channel, name=channel.lower(), is_member=True, members=[USER])
        fake.add_channel("CPRIVATE", name="secret", is_private=True, is_member=False)
        yield Slack(build_app(deps, client=WebClient(token=BOT_TOKEN, base_url=fake.api_url)), fake)


def assert_friendly(slack: Slack, caplog: pytest.LogCaptureFixture, text: str, channel: str = "C123") -> None:
    caplog.clear()
    status, reply = slack.command(text, channel)
    assert status == 200, reply
    assert isinstance(reply, dict) and isinstance(reply.get("text"), str) and reply["text"].strip(), reply
    shown = json.dumps(reply, ensure_ascii=False)
    assert CRASHED not in shown, f"{text!r} crashed its handler"
    typed = text.lower()
    leaked = [m for m in INTERNALS if m in shown and m.lower() not in typed]
    assert not leaked, f"{text!r} answered with internals {leaked}: {shown[:500]}"
    assert len(reply["text"]) <= MAX_FALLBACK_TEXT, f"{text[:80]!r}: text of {len(reply['text'])} characters"
    if "blocks" in reply:
        assert reply["blocks"], "an empty blocks list"
        assert_valid_message(reply["blocks"])
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=EXAMPLES_PER_WORD,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@pytest.mark.parametrize("word", WORDS)
@FUZZ
@given(data=st.data(), channel=st.sampled_from(CHANNELS))
def test_every_subcommand_answers_generated_text_kindly(
    slack: Slack, caplog: pytest.LogCaptureFixture, word: str, data: st.DataObject, channel: str
) -> None:
    args = data.draw(arguments_for(word), label="args")
    assert_friendly(slack, caplog, f"{word} {args}" if word else args, channel)


@pytest.mark.parametrize("text", nasty_cases(), ids=lambda t: repr(t[:40]))
def test_nasty_commands_get_a_friendly_answer(
    slack: Slack, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    assert_friendly(slack, caplog, text)


def next_button(reply: dict[str, Any]) -> dict[str, Any]:
    button: dict[str, Any]
    (button,) = [
        e
        for b in reply["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "find_next"
    ]
    return button


@pytest.mark.parametrize("tail", ["漢" * 400, "😀" * 400, "مرحبا " * 80])
def test_next_pages_on_through_a_long_non_ascii_search(slack: Slack, tail: str) -> None:
    status, first = slack.command(f"find python {tail}")
    assert status == 200 and "showing 1–5" in json.dumps(first["blocks"], ensure_ascii=False)
    button = next_button(first)
    assert len(button["value"]) <= 2000
    assert json.loads(button["value"])["q"] == " ".join(f"python {tail}".split())  # the search as run

    second = slack.press(button)
    assert_valid_message(second["blocks"])
    assert "showing 6–10" in json.dumps(second["blocks"], ensure_ascii=False)


@pytest.mark.parametrize(
    ("typed", "searched"),
    [("python sort:name " + "\x01" * 490, "python sort:name"), ("\x01" * 400 + " python", "python")],
)
def test_a_search_too_long_for_its_next_button_pages_on_as_it_was_searched(
    slack: Slack, typed: str, searched: str
) -> None:
    _, first = slack.command(f"find {typed}")
    button = next_button(first)
    assert len(button["value"]) <= 2000
    assert json.loads(button["value"])["q"] == searched

    second = slack.press(button)
    assert "showing 6–10" in json.dumps(second["blocks"], ensure_ascii=False)


def test_next_with_nothing_left_to_search_says_what_to_do(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    answer = slack.press({"action_id": "find_next", "value": json.dumps({"q": "\x01", "o": 5})})
    assert answer["text"].startswith("Tell me what to look for")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


escaped_in_json = st.characters(max_codepoint=0x1F) | st.sampled_from('"\\')  # 2 to 6 characters each


@FUZZ
@given(
    query=st.text(unicode_anything | escaped_in_json, max_size=500)
    | st.builds(
        long_text, words_of(escaped_in_json | st.just(" "), 6), st.integers(min_value=300, max_value=500)
    )
)
def test_the_next_button_value_always_fits_and_keeps_the_search_where_it_can(query: str) -> None:
    value = catalog_views.next_page_value(query, 5)
    assert len(value) <= blocks.MAX_BUTTON_VALUE
    kept = json.loads(value)
    assert kept["o"] == 5 and query.startswith(kept["q"])
    if len(json.dumps({"q": query, "o": 5}, ensure_ascii=False, separators=(",", ":"))) <= 2000:
        assert kept["q"] == query
