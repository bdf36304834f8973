import pytest

from chatbot.handlers import CommandContext, Handler, Reply, UsageError, normalise_text
from commands import build_registry
from commands.router import Registry, Subcommand, dispatch, split_subcommand


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  find   auth\tlibrary  ", "find auth library"),
        ("find \u201cauth library\u201d", 'find "auth library"'),
        ("project \u2018payments-sdk\u2019", "project 'payments-sdk'"),
        ("find\u00a0auth\u200b", "find auth"),
        ("/innersource find auth", "find auth"),
        ("FIND auth", "FIND auth"),
        ("", ""),
    ],
)
def test_normalise_text(raw: str, expected: str) -> None:
    assert normalise_text(raw) == expected


def test_subcommand_name_is_case_insensitive() -> None:
    assert split_subcommand(" FIND  auth ") == ("find", "auth")


def _registry(handler: Handler) -> Registry:
    return Registry(
        [
            Subcommand("find", "Search.", "find <text>", ("find auth",), handler),
            Subcommand("project", "One project.", "project <name>", ("project x",), handler),
        ]
    )


def echo(ctx: CommandContext, args: str) -> Reply:
    return Reply(text=f"args={args}")


def test_empty_command_shows_help(ctx: CommandContext) -> None:
    reply = dispatch(_registry(echo), ctx, "   ")
    assert "/innersource find" in reply.text
    assert "/innersource project" in reply.text
    assert reply.response_type == "ephemeral"


def test_help_lists_every_subcommand_with_an_example(ctx: CommandContext) -> None:
    registry = build_registry()
    reply = dispatch(registry, ctx, "help")
    rendered = str(reply.blocks)
    for subcommand in registry:
        assert f"/innersource {subcommand.name}" in reply.text
        assert subcommand.examples[0] in rendered


def test_help_about_one_command(ctx: CommandContext) -> None:
    reply = dispatch(_registry(echo), ctx, "help find")
    assert reply.text.startswith("/innersource find")
    assert "find auth" in str(reply.blocks)


def test_unknown_subcommand_suggests_the_closest(ctx: CommandContext) -> None:
    reply = dispatch(_registry(echo), ctx, "fnd auth")
    assert "Did you mean `/innersource find`?" in reply.text
    assert "/innersource project" in reply.text  # followed by the help


def test_unknown_subcommand_without_a_close_match(ctx: CommandContext) -> None:
    reply = dispatch(_registry(echo), ctx, "zzzz")
    assert "Did you mean" not in reply.text
    assert "I don't know the command" in reply.text


def test_unknown_subcommand_is_escaped(ctx: CommandContext) -> None:
    reply = dispatch(_registry(echo), ctx, "<!channel>")
    assert "<!channel>" not in str(reply.blocks)


def test_arguments_reach_the_handler_normalised(ctx: CommandContext) -> None:
    assert dispatch(_registry(echo), ctx, "find  \u201cauth\u201d ").text == 'args="auth"'


def test_usage_error_answers_with_the_usage(ctx: CommandContext) -> None:
    def needs_args(ctx: CommandContext, args: str) -> Reply:
        raise UsageError("Tell me what to look for.")

    reply = dispatch(_registry(needs_args), ctx, "find")
    assert "Tell me what to look for." in reply.text
    assert "find &lt;text&gt;" in reply.text  # Slack shows "find <text>"; raw <…> would be a link
    assert reply.response_type == "ephemeral"


def test_unexpected_error_gets_a_friendly_answer_not_a_traceback(
    ctx: CommandContext, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: CommandContext, args: str) -> Reply:
        raise RuntimeError("database exploded")

    reply = dispatch(_registry(broken), ctx, "find auth")
    assert "something went wrong" in reply.text
    assert "exploded" not in reply.text
    assert "Traceback" not in str(reply.blocks)
    assert "database exploded" in caplog.text  # but the operator sees it


def test_registering_a_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        Registry(
            [
                Subcommand("find", "a", "find", ("find",), echo),
                Subcommand("search", "b", "search", ("search",), echo, aliases=("find",)),
            ]
        )
