"""The Slack side of onboarding: sending the welcome DM, and ticking its checklist off in place."""

import logging
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from chatbot.models import Welcome
from chatbot.onboarding.checklist import Step, claim_welcome, progress, record_step, remember_message
from chatbot.slack.home_blocks import welcome_message

if TYPE_CHECKING:  # commands import this module to tick steps off
    from commands.router import Deps

logger = logging.getLogger(__name__)

SLACKBOT = "USLACKBOT"


def is_person(user: dict[str, Any]) -> bool:
    """A human member: not a bot, an app, Slackbot or a deactivated account."""
    return bool(user.get("id")) and not (
        user.get("is_bot") or user.get("is_app_user") or user.get("deleted") or user.get("id") == SLACKBOT
    )


def send_welcome(deps: "Deps", client: WebClient, user: dict[str, Any]) -> str:
    """DM a newcomer the welcome, once per person; returns what happened, for the log."""
    onboarding = deps.settings.app.onboarding
    if not onboarding.welcome:
        return "welcome is off"
    if not is_person(user):
        return "not a person"
    user_id = str(user["id"])
    if not claim_welcome(deps.engine, user_id, deps.clock()):
        return "already welcomed"
    text, blocks = welcome_message(
        user_id,
        progress(()) if onboarding.checklist else None,
        guide_url=deps.settings.app.guide_url,
        welcome_text=onboarding.welcome_text,
    )
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        posted = client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
    except (SlackApiError, OSError, KeyError, TypeError) as exc:
        logger.warning("welcome DM to %s failed: %s", user_id, _reason(exc))
        return "failed"
    remember_message(deps.engine, user_id, str(posted["channel"]), str(posted["ts"]), deps.clock())
    return "sent"


def mark_done(deps: "Deps", client: WebClient | None, user_id: str, step: Step) -> bool:
    """Record a checklist step; when it is new and there is a welcome DM, tick it off there.

    Called where people do things (skills, find, subscribe, picking an issue): it never fails the
    caller, and the `chat.update` runs off the request path. True when the step was new.
    """
    try:
        row = record_step(deps.engine, user_id, step, deps.clock())
    except Exception:
        logger.exception("could not record checklist step %s", step)
        return False
    if row is None:
        return False
    if row.message_ts and client is not None and deps.settings.app.onboarding.checklist:
        deps.run_in_background(lambda: update_welcome(deps, client, user_id))
    return True


def update_welcome(deps: "Deps", client: WebClient, user_id: str) -> None:
    """Re-render the welcome from the stored state (so that the last update always shows every step)."""
    with Session(deps.engine) as session:
        row = session.get(Welcome, user_id)
    if row is None or not row.channel_id or not row.message_ts:
        return
    onboarding = deps.settings.app.onboarding
    text, blocks = welcome_message(
        user_id,
        progress(row.done_steps),
        guide_url=deps.settings.app.guide_url,
        welcome_text=onboarding.welcome_text,
    )
    try:
        client.chat_update(channel=row.channel_id, ts=row.message_ts, text=text, blocks=blocks)
    except (SlackApiError, OSError) as exc:  # the DM was deleted, the user left: nothing to tick off
        logger.info("welcome checklist update for %s failed: %s", user_id, _reason(exc))
    except Exception:  # runs in the background: log it, never let the thread die noisily
        logger.exception("welcome checklist update for %s failed", user_id)


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__
