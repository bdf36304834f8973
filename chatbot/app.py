"""Build the Bolt app. Nothing here runs at import time."""

import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

import commands
from chatbot import listeners
from chatbot.background import BackgroundWork
from chatbot.handlers import Deps
from chatbot.slack.edge import SlackApp, guard_middleware, guarded_client, slack_client

logger = logging.getLogger(__name__)


def build_app(deps: Deps, *, client: WebClient | None = None, local: bool = False) -> App:
    """The Slack app, with every listener registered.

    `local=True` builds the app for the console and `ask`: no Slack workspace, no token check, and a
    Web API client that points nowhere reachable.
    """
    settings = deps.settings
    # One pool for Bolt's listener executor and the work after acks, when the server made one.
    background = deps.run_in_background
    executor = (
        background.executor
        if isinstance(background, BackgroundWork)
        else ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="bolt")
    )
    if local:
        app = SlackApp(
            check_signatures=False,
            signing_secret=settings.signing_secret or "local-console",
            authorize=_local_authorize,
            client=guarded_client(client or WebClient(base_url="http://127.0.0.1:9/api/", timeout=1)),
            listener_executor=executor,
            process_before_response=True,
            ssl_check_enabled=False,
            url_verification_enabled=False,
        )
    else:
        settings.require_slack()
        app = SlackApp(
            # In Socket Mode the request is authenticated by the websocket connection itself.
            check_signatures=not settings.socket_mode,
            token=settings.bot_token,
            signing_secret=settings.signing_secret or "",
            client=guarded_client(client or slack_client(settings.bot_token, settings.slack_api_url)),
            listener_executor=executor,
            # Listeners run on the request thread; those that work after their ack use
            # chatbot.listeners.acks.after_ack (docs/decisions/0001).
            process_before_response=True,
        )
    app.use(guard_middleware)  # before our own middleware and every listener
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
