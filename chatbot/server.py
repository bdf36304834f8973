"""`innersource serve`: the Bolt app behind waitress (HTTP) or over Socket Mode, plus `GET /healthz`.

Waitress is a production WSGI server that runs in one process with a thread pool, so the scheduler
(which must run once) lives beside the request handlers without a fork. See docs/decisions/0002.
"""

import json
import logging
import signal
import threading
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from types import FrameType
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text

from chatbot.app import build_app
from chatbot.scheduler import Leader, build_scheduler
from chatbot.settings import Settings, SettingsError
from chatbot.webhooks import WebhookReceiver, webhook_wsgi_headers
from commands.router import Deps
from digests.jobs import DigestOptions, digest_client, sync_digest_jobs

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
WEBHOOK_PATH = "/github/webhook"
MAX_WEBHOOK_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB


def make_wsgi_app(
    app: App | None,
    engine: Engine,
    *,
    connected: Callable[[], bool] | None = None,
    webhook: WebhookReceiver | None = None,
) -> Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]:
    """Routes /healthz and /github/webhook here, /slack/events to Bolt (when `app` is given: HTTP mode)."""
    slack = SlackRequestHandler(app, path=EVENTS_PATH) if app is not None else None

    def wsgi(environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == WEBHOOK_PATH and environ.get("REQUEST_METHOD") == "POST" and webhook is not None:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(min(length, MAX_WEBHOOK_BYTES)) if length else b""
            outcome = webhook.handle(webhook_wsgi_headers(dict(environ)), body)
            payload = json.dumps({"result": outcome.message}).encode()
            start_response(
                f"{outcome.status} {HTTPStatus(outcome.status).phrase}",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        if path == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            status, body = health(engine, connected)
            payload = json.dumps(body).encode()
            start_response(
                "200 OK" if status else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]
        if slack is not None:
            return slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"Not Found"]

    return wsgi


def health(engine: Engine, connected: Callable[[], bool] | None) -> tuple[bool, dict[str, Any]]:
    body: dict[str, Any] = {"status": "ok", "database": "ok"}
    healthy = True
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # the health check reports, it never raises
        body["database"] = f"error: {type(exc).__name__}"
        healthy = False
    if connected is not None:
        body["socket_mode"] = "connected" if connected() else "disconnected"
        healthy = healthy and connected()
    if not healthy:
        body["status"] = "unhealthy"
    return healthy, body


def serve(settings: Settings, engine: Engine) -> int:
    from waitress.server import create_server

    leader = Leader(engine)
    scheduler = build_scheduler(settings, engine, leader)
    digest_slack = digest_client(settings)

    options = DigestOptions(
        grace=timedelta(hours=settings.app.digest_grace_hours),
        quiet_note=settings.app.digest_quiet_note,
        with_stats=settings.app.digest_contribution_stats,
    )

    def subscriptions_changed() -> None:
        sync_digest_jobs(scheduler, engine, leader, digest_slack, options=options)

    subscriptions_changed()  # one job per subscription, rebuilt from the table at every start
    deps = Deps(engine=engine, settings=settings, on_subscriptions_changed=subscriptions_changed)
    app = build_app(deps)
    webhook = build_webhook_receiver(settings, engine)
    connected: Callable[[], bool] | None = None
    socket_handler = None
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        socket_handler = SocketModeHandler(app, settings.app_token)
        socket_handler.connect()  # type: ignore[no-untyped-call]
        connected = socket_handler.client.is_connected
        wsgi = make_wsgi_app(None, engine, connected=connected, webhook=webhook)
    else:
        wsgi = make_wsgi_app(app, engine, webhook=webhook)

    server = create_server(
        wsgi, host=settings.host, port=settings.port, threads=settings.threads, ident="innersource"
    )
    if settings.socket_mode:
        logger.info(
            "Connected to Slack in Socket Mode; health check on port %s%s", settings.port, HEALTH_PATH
        )
    else:
        logger.info("Listening for Slack on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH)

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("Stopping (signal %s)", signum)
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.start()
    threading.Thread(target=warm_up, args=(engine,), name="warm-up", daemon=True).start()
    if webhook is not None:
        webhook.start()
    try:
        server.run()
    except (OSError, ValueError):
        # waitress raises once its sockets are closed by stop(); that is the normal way out.
        pass
    finally:
        scheduler.shutdown(wait=False)
        if webhook is not None:
            webhook.stop()
        if socket_handler is not None:
            socket_handler.close()  # type: ignore[no-untyped-call]
    return 0


def warm_up(engine: Engine) -> None:
    """Build what the first searches would otherwise wait for (the typo vocabulary)."""
    from sqlmodel import Session

    from chatbot.catalog.vocabulary import vocabulary_for

    try:
        with Session(engine) as session:
            vocabulary_for(session)
    except Exception:
        logger.exception("warming up the search vocabulary failed")


def build_webhook_receiver(settings: Settings, engine: Engine) -> WebhookReceiver | None:
    if not settings.github_webhook_secret:
        return None
    from chatbot.sources.github import GitHubSource
    from chatbot.sources.registry import build_sources

    github = [c for c in settings.app.sources if c.kind == "github"]
    try:
        sources = [s for s in build_sources(tuple(github)) if isinstance(s, GitHubSource)]
    except SettingsError as exc:
        logger.warning("GitHub webhooks are off: %s", exc)
        return None
    logger.info("GitHub webhooks on %s for %d organisation(s)", WEBHOOK_PATH, len(sources))
    return WebhookReceiver(engine, settings.github_webhook_secret, list(sources))
