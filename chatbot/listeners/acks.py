"""Acknowledge first, work after: for listeners whose work follows the ack (posting, opening modals).

The app runs its listeners on the request thread (`process_before_response=True`): no hand-over to
Bolt's executor and no 10 ms polling for the ack, which halved the CPU a slash command costs. The price
is that Slack's HTTP request is answered only when the listener returns, so a listener that calls the
Web API after acknowledging is wrapped here: it acknowledges at once and runs the rest through
`Deps.run_in_background` (a thread in the app; inline in tests).
"""

import inspect
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack
from slack_bolt.kwargs_injection.args import Args

from chatbot.handlers import Deps

logger = logging.getLogger(__name__)


def after_ack(handler: Callable[..., None]) -> Callable[[Args], None]:
    """A Bolt listener that acks, then runs `handler` (same arguments as a listener) in the background.

    `handler` may still call `ack()`: after the real ack that does nothing.
    """
    names = list(inspect.signature(handler).parameters)

    def listener(args: Args) -> None:
        args.ack()
        deps: Deps = args.context["deps"]
        values: dict[str, Any] = {name: getattr(args, name) for name in names}
        if "ack" in values:
            values["ack"] = _acknowledged

        def work() -> None:
            try:
                handler(**values)
            except Exception:  # in the background: log it, the ack went out long ago
                logger.exception("%s failed after its ack", handler.__name__)

        deps.run_in_background(work)

    listener.__name__ = handler.__name__
    return listener


def ack_only(ack: Ack) -> None:
    """For buttons that only open a link (Slack still wants them acknowledged)."""
    ack()


def _acknowledged(*args: Any, **kwargs: Any) -> None:
    """`ack()` for work that runs after the acknowledgement went out."""
