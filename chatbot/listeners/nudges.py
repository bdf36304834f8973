"""The buttons of a nudge: Open (a link: only acknowledged), Snooze 1 / 3 days, I'm on it, Not mine."""

import logging
from typing import Any

from slack_bolt import App, Respond

from chatbot.handlers import Deps
from chatbot.listeners.acks import ack_only, after_ack
from chatbot.nudges.answers import NOT_MINE, ON_IT, SNOOZE, record_answer
from chatbot.nudges.views import NudgeAction, answered
from chatbot.slack import blocks
from chatbot.slack.markup import remember_markup
from commands.router import Registry

logger = logging.getLogger(__name__)

ANSWERS = {
    NudgeAction.SNOOZE_1: (SNOOZE, 1.0),
    NudgeAction.SNOOZE_3: (SNOOZE, 3.0),
    NudgeAction.ON_IT: (ON_IT, 0.0),
    NudgeAction.NOT_MINE: (NOT_MINE, 0.0),
}


def register(app: App, deps: Deps, registry: Registry) -> None:
    def on_answer(body: dict[str, Any], respond: Respond) -> None:
        answer_nudge(deps, body, respond)

    app.action(NudgeAction.OPEN)(ack_only)
    for action_id in ANSWERS:
        app.action(action_id)(after_ack(on_answer))


def answer_nudge(deps: Deps, body: dict[str, Any], respond: Respond) -> None:
    """Store what the clicker answered, then show it in place of the item's buttons."""
    try:
        action = body["actions"][0]
        what, days = ANSWERS[action["action_id"]]
        contribution_id = int(action["value"])
        user = str(body["user"]["id"])
    except (KeyError, IndexError, TypeError, ValueError):
        respond(text="That button has expired.", replace_original=False, response_type="ephemeral")
        return
    result = record_answer(
        deps.engine, user, contribution_id, what, now=deps.clock(), settings=deps.settings, days=days
    )
    message = body.get("message") or {}
    if result.ok and isinstance(message.get("blocks"), list):
        # Slack sends a button press only to the app whose message holds the button: this is our own
        # nudge, echoed in a signed request, so its mentions and links may go out again.
        remember_markup(message["blocks"])
        respond(
            text=str(message.get("text") or "Nudge"),
            blocks=answered(message["blocks"], contribution_id, result.note),
            replace_original=True,
        )
    else:
        respond(text=result.note, blocks=blocks.notice(result.note), replace_original=False)
    if result.follow_up:
        respond(
            text=result.follow_up,
            blocks=blocks.notice(result.follow_up),
            replace_original=False,
            response_type="ephemeral",
        )
