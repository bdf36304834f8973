"""Build the Bolt app. Nothing here runs at import time."""

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

import commands
from chatbot.slack import listeners
from commands.router import Deps

logger = logging.getLogger(__name__)


def build_app(deps: Deps, *, client: WebClient | None = None, local: bool = False) -> App:
    """The Slack app, with every listener registered.

    `local=True` builds the app for the console and `ask`: no Slack workspace, no token check, and a
    Web API client that points nowhere reachable.
    """
    settings = deps.settings
    executor = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="bolt")
    if local:
        app = App(
            signing_secret=settings.signing_secret or "local-console",
            authorize=_local_authorize,
            client=client or WebClient(base_url="http://127.0.0.1:9/api/", timeout=1),
            listener_executor=executor,
            process_before_response=True,
            request_verification_enabled=False,
            ssl_check_enabled=False,
            url_verification_enabled=False,
        )
    else:
        settings.require_slack()
        app = App(
            token=settings.bot_token,
            signing_secret=settings.signing_secret or "",
            client=client or WebClient(token=settings.bot_token, base_url=settings.slack_api_url),
            listener_executor=executor,
            # In Socket Mode the request is authenticated by the websocket connection itself.
            request_verification_enabled=not settings.socket_mode,
            # Listeners run on the request thread; those that work after their ack use
            # chatbot.slack.acks.after_ack (docs/decisions/0001).
            process_before_response=True,
        )
    listeners.register(app, deps, commands.build_registry(), slack_api=not local)
    return app


def _local_authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=enterprise_id,
        team_id=team_id or "TLOCAL",
        bot_token="xoxb-local-console",
        bot_user_id="ULOCALBOT",
        bot_id="BLOCAL",
    )
