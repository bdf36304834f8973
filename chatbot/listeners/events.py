"""Event and App Home listeners: the welcome on `team_join`, DMs and mentions in plain words, the Home tab.

Bolt acknowledges events before these run. Slack redelivers an event it thinks was lost (same
`event_id`, with `X-Slack-Retry-Num`); a `SlackEventReceipt` row per event_id makes sure each is answered
once, whichever process or replica gets the retry.
"""

import html
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from chatbot.db import session_scope
from chatbot.handlers import CommandContext, Deps, Reply
from chatbot.listeners.acks import ack_only, after_ack
from chatbot.listeners.context import command_context
from chatbot.models import SlackEventReceipt
from chatbot.nudges.identity import link_identity
from chatbot.onboarding import views as home_views
from chatbot.onboarding.home import load_home
from chatbot.onboarding.skills import SkillsError, stored_skills
from chatbot.onboarding.views import HomeAction
from chatbot.onboarding.welcome import mark_done, send_welcome
from chatbot.slack.markup import plain_echo
from commands.plain_words.answers import answer
from commands.plain_words.intents import Intent, classify
from commands.router import Registry
from commands.skills import store_skills

logger = logging.getLogger(__name__)

RECEIPTS_KEPT = timedelta(days=2)  # Slack retries within minutes; older receipts are pruned


def register(app: App, deps: Deps, registry: Registry) -> None:
    # Events and buttons acknowledge at once and work afterwards (chatbot.listeners.acks); form submissions
    # answer in their acknowledgement (validation errors) and hand what follows to the background.
    app.event("team_join")(after_ack(team_join))
    app.event("message")(after_ack(direct_message))
    app.event("app_mention")(after_ack(mention))
    app.event("app_home_opened")(after_ack(home_opened))
    app.action(HomeAction.EDIT_SKILLS)(after_ack(open_skills_form))
    app.view(HomeAction.EDIT_SKILLS)(skills_form_submitted)
    app.action(HomeAction.LINK_IDENTITY)(after_ack(form_opener(home_views.link_identity_modal)))
    app.view(HomeAction.LINK_IDENTITY)(link_form_submitted)
    app.action(HomeAction.SEARCH)(after_ack(form_opener(home_views.search_modal)))
    app.view(HomeAction.SEARCH)(search_form_submitted)
    app.action(HomeAction.PICK_ISSUE)(after_ack(issue_picked))
    app.action(HomeAction.GUIDE)(ack_only)


# --- events ------------------------------------------------------------------------------------------


def team_join(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    deps: Deps = context["deps"]
    user = event.get("user")
    if not isinstance(user, dict) or not first_delivery(deps, body):
        return
    outcome = send_welcome(deps, client, user)
    logger.info("team_join %s: %s", user.get("id"), outcome)


def direct_message(
    event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    """A message in the bot's DM (the Messages tab); everything else that reaches `message` is ignored."""
    if event.get("channel_type") != "im" or not from_a_person(event, context):
        return
    if not first_delivery(context["deps"], body):
        return
    reply_to(event, context, client, thread_ts=event.get("thread_ts"))


def mention(event: dict[str, Any], body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """@innersource in a channel: the answer goes in a thread under the mention."""
    if str(event.get("channel", "")).startswith("D") or not from_a_person(event, context):
        return
    if not first_delivery(context["deps"], body):
        return
    reply_to(event, context, client, thread_ts=event.get("thread_ts") or event.get("ts"))


def home_opened(event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    if event.get("tab") == "home" and event.get("user"):
        publish_home(context["deps"], client, str(event["user"]))


def from_a_person(event: dict[str, Any], context: BoltContext) -> bool:
    """Not a bot (ourselves included), and a plain message, not an edit, a join or a file share."""
    user = event.get("user")
    return bool(user) and not event.get("bot_id") and not event.get("subtype") and user != context.bot_user_id


def first_delivery(deps: Deps, body: dict[str, Any]) -> bool:
    """True the first time an event_id is seen; a retry of it (or one without an id) is answered once."""
    event_id = str(body.get("event_id") or "")
    if not event_id:
        return True
    now = deps.clock()
    try:
        with session_scope(deps.engine) as session:
            session.add(SlackEventReceipt(event_id=event_id[:100], received_at=now))
            session.flush()
            session.exec(
                delete(SlackEventReceipt).where(col(SlackEventReceipt.received_at) < now - RECEIPTS_KEPT)
            )
    except IntegrityError:
        logger.info("event %s was delivered again; answered already", event_id)
        return False
    return True


def reply_to(
    event: dict[str, Any], context: BoltContext, client: WebClient, *, thread_ts: str | None
) -> None:
    channel = str(event.get("channel", ""))
    ctx = command_context(context, event)
    reply = answer(classify(str(event.get("text") or "")), ctx)
    post(client, channel, reply, thread_ts=thread_ts)


def post(client: WebClient, channel: str, reply: Reply, *, thread_ts: str | None = None) -> None:
    try:
        client.chat_postMessage(
            channel=channel, text=reply.text, blocks=reply.blocks, thread_ts=thread_ts, unfurl_links=False
        )
    except SlackApiError as exc:
        logger.warning("could not answer in %s: %s", channel, exc.response.get("error"))


# --- the Home tab ------------------------------------------------------------------------------------


def publish_home(deps: Deps, client: WebClient, user_id: str, notes: Sequence[str] = ()) -> None:
    """Build the person's Home from the database as it is now, and publish it."""
    try:
        with Session(deps.engine) as session:
            home = load_home(session, user_id, now=deps.clock(), settings=deps.settings, notes=notes)
        client.views_publish(user_id=user_id, view=home_views.home_view(home))
    except SlackApiError as exc:
        logger.warning("views.publish for %s failed: %s", user_id, exc.response.get("error"))
    except Exception:
        logger.exception("could not build the Home of %s", user_id)


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


def _value(view: dict[str, Any], block_id: str) -> str:
    field = view.get("state", {}).get("values", {}).get(block_id, {}).get("value", {})
    if not isinstance(field, dict):
        return ""
    selected = field.get("selected_option") or {}
    return str(selected.get("value") or field.get("value") or "") if isinstance(selected, dict) else ""


def _open(body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except (SlackApiError, KeyError) as exc:
        logger.warning("could not open the form: %s", type(exc).__name__)


def open_skills_form(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    ack()
    with Session(context["deps"].engine) as session:
        skills = stored_skills(session, _user(body))
    _open(body, client, home_views.skills_modal(skills))


def skills_form_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ctx = command_context(context, body)
    try:
        skills = store_skills(ctx, _value(view, "skills"))
    except SkillsError as exc:
        ack(response_action="errors", errors={"skills": plain_echo(str(exc))})
        return
    ack()
    note = f"Saved your skills: {home_views.skills_text(skills)}." if skills else "Cleared your skills."
    ctx.deps.run_in_background(lambda: publish_home(ctx.deps, client, ctx.user_id, notes=[note]))


def form_opener(build: Callable[[], dict[str, Any]]) -> Callable[[Ack, dict[str, Any], WebClient], None]:
    """A button listener that opens the modal `build()` makes."""

    def open_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _open(body, client, build())

    return open_form


def link_form_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    deps: Deps = context["deps"]
    user_id = _user(body)
    with Session(deps.engine) as session:
        result = link_identity(session, user_id, _value(view, "forge"), _value(view, "login"))
    if not result.ok:
        # Modal errors are plain text: the message's mrkdwn code marks and escapes would show as typed.
        message = plain_echo(html.unescape(result.message.replace("`", "")))
        ack(response_action="errors", errors={"login": message})
        return
    ack()
    deps.run_in_background(lambda: publish_home(deps, client, user_id, notes=[result.message]))


def search_form_submitted(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    query = " ".join(_value(view, "query").split())
    if not query:
        ack(response_action="errors", errors={"query": "Tell me what to look for."})
        return
    ack()
    ctx = command_context(context, body)
    ctx.deps.run_in_background(lambda: send_search_results(ctx, client, query))


def send_search_results(ctx: CommandContext, client: WebClient, query: str) -> None:
    reply = answer(Intent("search", query), ctx)
    try:
        channel = client.conversations_open(users=ctx.user_id)["channel"]["id"]
    except (SlackApiError, KeyError, TypeError) as exc:
        logger.warning("could not open a DM for search results: %s", type(exc).__name__)
        return
    post(client, str(channel), reply)


def issue_picked(ack: Ack, body: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    """A click on a recommended issue's Open button (Slack opens the link; we tick "pick a first issue")."""
    ack()
    deps: Deps = context["deps"]
    user_id = _user(body)
    if mark_done(deps, client, user_id, "first_issue") and (body.get("view") or {}).get("type") == "home":
        publish_home(deps, client, user_id)
