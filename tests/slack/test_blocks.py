import pytest

from chatbot.slack import blocks
from commands import views as command_views


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ("<!channel> hi", "<!channel>"),
        ("<!here|here>", "<!here"),
        ("ping <@U123ABC>", "<@U123ABC>"),
        ("<!subteam^S0123|@team>", "<!subteam"),
        ("<https://evil.example|click here>", "<https://evil.example"),
        ("hey @here and @channel and @everyone", "@here"),
    ],
)
def test_escape_neutralises_mentions_and_links(raw: str, forbidden: str) -> None:
    escaped = blocks.escape(raw)
    assert forbidden not in escaped
    assert "<" not in escaped and ">" not in escaped


def test_escape_keeps_ordinary_text_readable() -> None:
    assert blocks.escape("Fish & Chips: 3 > 2") == "Fish &amp; Chips: 3 &gt; 2"
    assert blocks.escape(None) == ""


def test_link_only_links_http_urls_and_escapes_the_label() -> None:
    assert blocks.link("https://ok.example/x", "a <b>") == "<https://ok.example/x|a &lt;b&gt;>"
    assert blocks.link("javascript:alert(1)", "x") == "x"
    assert blocks.link("https://evil.example/|<!channel>", "x") == "x"


def test_section_text_is_truncated_to_slacks_limit() -> None:
    block = blocks.section("x" * 5000)
    assert len(block["text"]["text"]) == blocks.MAX_SECTION_TEXT


def test_header_and_button_text_limits() -> None:
    assert len(blocks.header("h" * 400)["text"]["text"]) == blocks.MAX_HEADER_TEXT
    assert len(blocks.action_button("b" * 200, "a", "v")["text"]["text"]) == blocks.MAX_BUTTON_TEXT


def test_fit_keeps_a_message_within_fifty_blocks_and_says_so() -> None:
    many = [blocks.divider() for _ in range(80)]
    fitted = blocks.fit(many)
    assert len(fitted) == 50
    assert "31 more blocks" in fitted[-1]["elements"][0]["text"]


def test_help_overview_escapes_angle_brackets_in_usage() -> None:
    overview = command_views.help_overview([("find", "Search.", "find <what>", "find auth")])
    assert "find &lt;what&gt;" in str(overview)
