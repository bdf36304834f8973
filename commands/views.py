"""The router's views: the help overview, one command's help and a usage problem."""

from collections.abc import Sequence

from chatbot.slack.blocks import (
    MAX_SECTION_TEXT,
    Block,
    context,
    fit,
    header,
    one_line,
    section,
)
from chatbot.slack.markup import escape


def help_overview(entries: Sequence[tuple[str, str, str, str]]) -> list[Block]:
    """entries: (name, summary, usage, example)."""
    lines = [
        f"*`/innersource {escape(usage)}`*\n{escape(summary)}  _e.g._ `/innersource {escape(example)}`"
        for _, summary, usage, example in entries
    ]
    blocks: list[Block] = [header("InnerSource: find projects, help them, get help")]
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 2 for x in chunk) + len(line) > MAX_SECTION_TEXT - 100:
            blocks.append(section("\n\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n\n".join(chunk)))
    blocks.append(context("Type `/innersource help &lt;command&gt;` for more about one command."))
    return fit(blocks)


def subcommand_help(usage: str, summary: str, examples: Sequence[str]) -> list[Block]:
    example_lines = "\n".join(f"• `/innersource {escape(e)}`" for e in examples)
    return [section(f"*`/innersource {escape(usage)}`*\n{escape(summary)}\n\n*Examples*\n{example_lines}")]


def usage_problem(problem: str, usage: str, examples: Sequence[str]) -> list[Block]:
    text = f":information_source: {escape(problem)}\n*Usage:* `/innersource {escape(usage)}`"
    if examples:
        text += "\n*For example:* " + ", ".join(f"`/innersource {escape(e)}`" for e in examples[:3])
    return [section(text)]


def did_you_mean(names: Sequence[str]) -> str:
    """The "Did you mean `a`, `b` or `c`?" after a name that found nothing; not yet escaped for mrkdwn."""
    quoted = ["`" + one_line(name, 100).replace("`", "'") + "`" for name in names]
    if not quoted:
        return ""
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f"Did you mean {listed}?"
