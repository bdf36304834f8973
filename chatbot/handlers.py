"""The handler kernel: what every handler takes and returns, whichever front end called it.

Slash commands (commands/), plain words in a DM (commands/plain_words.py), buttons and forms
(chatbot/listeners/) all work on a `CommandContext` and answer with a `Reply`; bad input raises
`UsageError`. Nothing here knows Bolt.
"""

import re
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from chatbot.clock import Clock, utcnow
from chatbot.settings import Settings
from chatbot.slack.gateway import MemberCache, SlackGateway

SMART_CHARACTERS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\u2060": "",
        "\ufeff": "",
    }
)
COMMAND_PREFIX = re.compile(r"^/innersource\b\s*", re.IGNORECASE)


def start_thread(work: Callable[[], None]) -> None:
    threading.Thread(target=work, name="background", daemon=True).start()


@dataclass(frozen=True)
class Deps:
    """What handlers need from the outside world, injected once when the app is built."""

    engine: Engine
    settings: Settings
    clock: Clock = utcnow
    # Called after subscriptions change, so the scheduler rebuilds its jobs from the table.
    on_subscriptions_changed: Callable[[], None] | None = None
    # Work that must not hold up Slack's 3-second ack (tests pass a runner that runs it inline).
    run_in_background: Callable[[Callable[[], None]], None] = start_thread
    # How background work waits (on Slack's rate limits, say); tests pass one that records instead.
    sleep: Callable[[float], None] = time.sleep
    # Who is in which channel, as Slack said a moment ago: outlives the per-request SlackGateway.
    channel_members: MemberCache = field(default_factory=MemberCache)

    def subscriptions_changed(self) -> None:
        """Tell the scheduler, off the request path (it reloads every subscription)."""
        if self.on_subscriptions_changed is not None:
            self.run_in_background(self.on_subscriptions_changed)


@dataclass(frozen=True)
class CommandContext:
    deps: Deps
    user_id: str
    channel_id: str = ""
    team_id: str = ""
    channel_name: str = ""
    slack: SlackGateway = field(default_factory=lambda: SlackGateway(None))

    @property
    def is_admin(self) -> bool:
        return self.user_id in self.deps.settings.app.admins


@dataclass
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    response_type: str = "ephemeral"
    # The getting-started checklist step this reply completes (chatbot/onboarding/checklist.Step); the
    # front end that sends the reply ticks it off (chatbot.onboarding.welcome.tick_off).
    step: str | None = None

    def as_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"text": self.text, "response_type": self.response_type}
        if self.blocks:
            message["blocks"] = self.blocks
        return message


class UsageError(ValueError):
    """Bad input from the user: the message is shown to them, with the subcommand's usage."""


Handler = Callable[[CommandContext, str], Reply]


def normalise_text(text: str) -> str:
    """Straight quotes, plain spaces, no zero-width characters, one space between words."""
    text = unicodedata.normalize("NFKC", text).translate(SMART_CHARACTERS)
    text = " ".join(text.split())
    return COMMAND_PREFIX.sub("", text)
