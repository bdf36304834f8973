"""The slash command and the buttons and form of its replies (find, share, subscriptions)."""

import json
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from chatbot.catalog.views import FindAction
from chatbot.handlers import Deps, Reply, UsageError
from chatbot.listeners.acks import ack_only, after_ack
from chatbot.listeners.context import command_context
from chatbot.onboarding.welcome import tick_off
from chatbot.slack import blocks
from chatbot.slack.markup import plain_echo
from commands import find, project
from commands.router import Registry, dispatch
from commands.subscribe import apply_edit, edit_modal
from digests.views import SubscriptionAction

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps, registry: Registry) -> None:
    app.command("/innersource")(innersource_command)
    app.action(FindAction.SHARE)(after_ack(share_project_action))
    app.action(FindAction.GOOD_FIRST_ISSUES)(after_ack(good_first_issues_action))
    app.action(FindAction.NEXT)(after_ack(find_next_action))
    app.action(FindAction.CONTRIBUTE)(ack_only)
    app.action(SubscriptionAction.UNSUBSCRIBE)(after_ack(unsubscribe_action))
    app.action(SubscriptionAction.EDIT)(after_ack(edit_subscription_action))
    app.view(SubscriptionAction.EDIT)(edit_subscription_submission)


def innersource_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    # The reply goes back in the acknowledgement itself: one round trip, well inside Slack's 3 s.
    reply = dispatch(context["registry"], command_context(context, command), command.get("text", ""))
    ack(**reply.as_message())


def share_project_action(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    reply = project.share_reply(command_context(context, body), _int_value(body))
    respond(
        text=reply.text,
        blocks=reply.blocks,
        response_type=reply.response_type,
        replace_original=False,
        delete_original=False,
    )


def good_first_issues_action(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    ctx = command_context(context, body)
    reply = project.good_first_issues_reply(ctx, _int_value(body))
    respond(text=reply.text, blocks=reply.blocks, replace_original=False)
    tick_off(ctx, reply)


def find_next_action(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    ctx = command_context(context, body)
    try:
        value = json.loads(body["actions"][0]["value"])
        query, offset = str(value["q"]), int(value["o"])
    except (KeyError, IndexError, TypeError, ValueError):
        respond(text="That button has expired; run the search again.", replace_original=False)
        return
    try:
        reply: Reply = find.find_page(ctx, query, offset=max(offset, 0))
    except UsageError as exc:
        respond(text=blocks.escape(str(exc)), replace_original=False)
        return
    respond(text=reply.text, blocks=reply.blocks, replace_original=True)


def unsubscribe_action(ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext) -> None:
    ack()
    ctx = command_context(context, body)
    value = _int_value(body)
    reply = dispatch(context["registry"], ctx, f"unsubscribe {value if value is not None else ''}")
    respond(text=reply.text, blocks=reply.blocks, response_type=reply.response_type, replace_original=False)


def edit_subscription_action(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    subscription_id = _int_value(body)
    if subscription_id is None:
        modal: dict[str, object] | str = "That button has expired: see `/innersource subscriptions`."
    else:
        modal = edit_modal(command_context(context, body), subscription_id)
    if isinstance(modal, str):
        respond(text=modal, blocks=blocks.notice(modal), replace_original=False)
        return
    client.views_open(trigger_id=body["trigger_id"], view=modal)


def edit_subscription_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    values = {
        block_id: _state_value(fields.get("value", {}))
        for block_id, fields in view.get("state", {}).get("values", {}).items()
    }
    try:
        subscription_id = int(view.get("private_metadata", ""))
    except ValueError:
        ack(response_action="errors", errors={"frequency": "This form has expired; open it again."})
        return
    errors = apply_edit(command_context(context, body), subscription_id, values)
    if errors:
        ack(response_action="errors", errors={block: plain_echo(error) for block, error in errors.items()})
    else:
        ack()


def _state_value(field: dict[str, Any]) -> str:
    selected = field.get("selected_option") or {}
    value = selected.get("value") or field.get("selected_time") or field.get("value") or ""
    return str(value)


def _int_value(body: dict[str, Any]) -> int | None:
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
