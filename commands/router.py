"""Parse `/innersource ...` text and dispatch it to a subcommand. No Slack or HTTP in here."""

import difflib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chatbot.handlers import CommandContext, Handler, Reply, UsageError, normalise_text
from chatbot.onboarding.welcome import tick_off
from chatbot.slack import blocks
from commands import views as command_views

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subcommand:
    name: str
    summary: str
    usage: str
    examples: tuple[str, ...]
    handler: Handler
    aliases: tuple[str, ...] = ()


class Registry:
    def __init__(self, subcommands: Sequence[Subcommand] = ()) -> None:
        self._ordered: list[Subcommand] = []
        self._by_name: dict[str, Subcommand] = {}
        for subcommand in subcommands:
            self.add(subcommand)

    def add(self, subcommand: Subcommand) -> None:
        for name in (subcommand.name, *subcommand.aliases):
            if name in self._by_name:
                raise ValueError(f"subcommand {name!r} registered twice")
            self._by_name[name] = subcommand
        self._ordered.append(subcommand)

    def __iter__(self) -> Any:
        return iter(self._ordered)

    def get(self, name: str) -> Subcommand | None:
        return self._by_name.get(name)

    def suggestions(self, name: str) -> list[str]:
        names = [s.name for s in self._ordered]
        close = difflib.get_close_matches(name, names, n=2, cutoff=0.6)
        prefixed = [n for n in names if n.startswith(name[:3])] if len(name) >= 3 else []
        return list(dict.fromkeys(close + prefixed))[:2]


def split_subcommand(text: str) -> tuple[str, str]:
    head, _, rest = normalise_text(text).partition(" ")
    return head.lower(), rest.strip()


def dispatch(registry: Registry, ctx: CommandContext, text: str) -> Reply:
    name, rest = split_subcommand(text)
    if not name:
        return help_reply(registry)
    if name in ("help", "?", "-h", "--help"):
        return help_reply(registry, topic=rest.lower() or None)
    subcommand = registry.get(name)
    if subcommand is None:
        return unknown_reply(registry, name)
    try:
        return tick_off(ctx, subcommand.handler(ctx, rest))
    except UsageError as exc:
        return Reply(
            text=f"{blocks.escape(str(exc))} Usage: {blocks.escape(subcommand.usage)}",
            blocks=command_views.usage_problem(str(exc), subcommand.usage, subcommand.examples),
        )
    except Exception:
        logger.exception("subcommand %s failed", subcommand.name)
        return Reply(
            text="Sorry, something went wrong on our side while running that command. Nothing was changed.",
            blocks=blocks.notice(
                ":warning: Sorry, something went wrong on our side while running that command. "
                "Nothing was changed; please try again in a minute. If it keeps happening, "
                "tell the app's admins."
            ),
        )


def help_reply(registry: Registry, topic: str | None = None) -> Reply:
    if topic:
        subcommand = registry.get(topic.split()[0])
        if subcommand is not None:
            return Reply(
                text=f"/innersource {subcommand.name}: {subcommand.summary}",
                blocks=command_views.subcommand_help(
                    subcommand.usage, subcommand.summary, subcommand.examples
                ),
            )
    entries = [(s.name, s.summary, s.usage, s.examples[0] if s.examples else s.usage) for s in registry]
    text = "InnerSource commands:\n" + "\n".join(
        f"/innersource {blocks.escape(usage)}: {blocks.escape(summary)}" for _, summary, usage, _ in entries
    )
    return Reply(text=text, blocks=command_views.help_overview(entries))


def unknown_reply(registry: Registry, name: str) -> Reply:
    suggestions = registry.suggestions(name)
    help_ = help_reply(registry)
    shown = blocks.escape(blocks.one_line(name, 40).replace("`", "'"))
    if suggestions:
        guess = " or ".join(f"`/innersource {s}`" for s in suggestions)
        lead = f"I don't know the command `{shown}`. Did you mean {guess}?"
    else:
        lead = f"I don't know the command `{shown}`."
    return Reply(text=f"{lead}\n\n{help_.text}", blocks=blocks.notice(lead) + help_.blocks)
