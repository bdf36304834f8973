"""What every listener needs first: who and where, as a `CommandContext`, from any kind of payload."""

from typing import Any

from slack_bolt import BoltContext

from chatbot.handlers import CommandContext, Deps
from chatbot.slack.gateway import SlackGateway


def command_context(context: BoltContext, payload: dict[str, Any]) -> CommandContext:
    """From a slash command, an interaction or an event (`context.client` carries the bot token)."""
    deps: Deps = context["deps"]
    return CommandContext(
        deps=deps,
        user_id=str(payload.get("user_id") or _id(payload.get("user"))),
        channel_id=str(payload.get("channel_id") or _id(payload.get("channel"))),
        team_id=str(payload.get("team_id") or _id(payload.get("team")) or context.team_id or ""),
        channel_name=str(payload.get("channel_name") or ""),
        slack=SlackGateway(context.client if context.get("slack_api") else None, deps.channel_members),
    )


def _id(value: object) -> str:
    """Slack gives an id as a string in events and as {"id": …} in interactions."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")
