from chatbot.console import render_message, render_mrkdwn


def test_links_and_mentions_render_readably() -> None:
    assert render_mrkdwn("<https://x.example|AuthKit> by <@U1>") == "AuthKit (https://x.example) by @U1"


def test_escaped_text_is_shown_as_typed() -> None:
    assert render_mrkdwn("&lt;!channel&gt; &amp; co") == "<!channel> & co"


def test_blocks_render_as_lines() -> None:
    message = {
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Title"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*bold* text"}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": "a"}, {"type": "mrkdwn", "text": "b"}],
            },
            {"type": "divider"},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Go"},
                        "url": "https://g.example",
                    }
                ],
            },
        ]
    }
    lines = render_message(message).splitlines()
    assert lines[0] == "Title"
    assert "bold text" in lines
    assert lines[3].strip() == "a  |  b"
    assert "[Go] https://g.example" in lines[-1]


def test_color_only_when_asked() -> None:
    assert "\033[1m" in render_mrkdwn("*x*", color=True)
    assert "\033[" not in render_mrkdwn("*x*")
