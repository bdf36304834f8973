"""`innersource serve`: the Bolt app behind waitress (HTTP) or over Socket Mode, plus `GET /healthz`.

Waitress serves one process with a thread pool. With `INNERSOURCE_WORKERS` > 1 (HTTP mode, POSIX), a
small supervisor binds the port, forks that many waitress processes sharing the listening socket, and
restarts any that die; only worker 0 runs the scheduler. See docs/decisions/0002.
"""

import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from types import FrameType
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine, text

from chatbot.app import build_app
from chatbot.background import BackgroundWork
from chatbot.handlers import Deps
from chatbot.jobs import JobRegistry
from chatbot.lease import Leader
from chatbot.nudges.jobs import add_nudge_job
from chatbot.onboarding.welcome import add_welcome_job
from chatbot.outbox import RetryBudget
from chatbot.scheduler import build_scheduler
from chatbot.settings import Settings, SettingsError
from chatbot.slack_connection import SlackUnavailable, SocketModeLink, check_bot_token
from chatbot.webhooks import WebhookReceiver, webhook_wsgi_headers
from digests.jobs import DigestOptions, digest_client, sync_digest_jobs

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

logger = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
WEBHOOK_PATH = "/github/webhook"
MAX_WEBHOOK_BYTES = 25 * 1024 * 1024  # GitHub caps payloads at 25 MB
DRAIN_SECONDS = 20.0  # at shutdown, how long work started after an ack may take to finish
WORKER_RESTART_PAUSE = 1.0  # seconds; a worker that dies at once is not restarted faster than this


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
    """Raises SlackUnavailable when Slack rejects a token or cannot be reached at start."""
    check_bot_token(settings)
    workers = settings.workers
    if workers > 1 and settings.socket_mode:
        logger.info("Socket Mode runs in one process; INNERSOURCE_WORKERS=%d is ignored", workers)
        workers = 1
    if workers > 1 and not hasattr(os, "fork"):
        logger.warning("This platform cannot fork; serving from one process")
        workers = 1
    if workers == 1:
        return run_worker(settings, engine)
    return supervise(settings, engine, workers)


def supervise(settings: Settings, engine: Engine, workers: int) -> int:
    """Bind the port once, fork `workers` waitress processes onto it, keep them running until a signal."""
    listener = socket.create_server((settings.host, settings.port), backlog=1024)
    if settings.search_in_memory:
        share_search_index(engine)
    engine.dispose()  # each worker opens its own connections after the fork
    children: dict[int, int] = {}  # pid -> worker index
    started_at: dict[int, float] = {}
    stopping = False

    def start(index: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                code = run_worker(settings, engine, listener=listener, schedules=index == 0, index=index)
            except BaseException:
                logger.exception("worker %d crashed", index)
            finally:
                os._exit(code)
        children[pid] = index
        started_at[index] = time.monotonic()

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        logger.info("Stopping %d workers (signal %s)", len(children), signum)
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for index in range(workers):
        start(index)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info(
        "Listening for Slack on http://%s:%s%s with %d worker processes",
        settings.host,
        settings.port,
        EVENTS_PATH,
        workers,
    )
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        if pid not in children:
            continue
        index = children.pop(pid)
        if stopping:
            continue
        logger.warning(
            "Worker %d exited (code %d); starting a new one", index, os.waitstatus_to_exitcode(status)
        )
        if time.monotonic() - started_at[index] < WORKER_RESTART_PAUSE:
            time.sleep(WORKER_RESTART_PAUSE)  # a worker that dies at once must not fork-loop
        start(index)
    listener.close()
    return 0


def run_worker(
    settings: Settings,
    engine: Engine,
    *,
    listener: socket.socket | None = None,
    schedules: bool = True,
    index: int = 0,
) -> int:
    """One serving process: Bolt behind waitress (on `listener` when the supervisor bound the port)."""
    from waitress.server import create_server

    # Other workers leave schedule changes to worker 0's catch-up job (every minute), as other replicas do.
    scheduler, subscriptions_changed = build_schedules(settings, engine) if schedules else (None, None)
    background = BackgroundWork(settings.threads)
    deps = Deps(
        engine=engine,
        settings=settings,
        on_subscriptions_changed=subscriptions_changed,
        run_in_background=background,
    )
    app = build_app(deps)
    webhook = build_webhook_receiver(settings, engine)
    stopping = threading.Event()
    link, first_look = socket_mode_link(app, settings, stopping) if settings.socket_mode else (None, 0.0)
    if link is not None:
        wsgi = make_wsgi_app(None, engine, connected=link.is_connected, webhook=webhook)
    else:
        wsgi = make_wsgi_app(app, engine, webhook=webhook)

    if listener is not None:
        server = create_server(wsgi, sockets=[listener], threads=settings.threads, ident="innersource")
        logger.info("Worker %d (pid %d) serving", index, os.getpid())
    else:
        server = create_server(
            wsgi, host=settings.host, port=settings.port, threads=settings.threads, ident="innersource"
        )
    if link is not None:
        logger.info("Socket Mode; health check on port %s%s", settings.port, HEALTH_PATH)
    elif listener is None:
        logger.info("Listening for Slack on http://%s:%s%s", settings.host, settings.port, EVENTS_PATH)

    def stop(signum: int, frame: FrameType | None) -> None:
        logger.info("Stopping (signal %s)", signum)
        server.close()

    rejected: list[str] = []

    def reject(message: str) -> None:
        rejected.append(message)
        server.close()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if link is not None:
        threading.Thread(target=link.run, args=(first_look, reject), name="socket-mode", daemon=True).start()
    if scheduler is not None:
        scheduler.start()
    threading.Thread(
        target=warm_up, args=(engine, settings.search_in_memory), name="warm-up", daemon=True
    ).start()
    if webhook is not None:
        webhook.start()
    try:
        server.run()
    except (OSError, ValueError):
        # waitress raises once its sockets are closed by stop(); that is the normal way out.
        pass
    finally:
        stopping.set()
        background.drain(timeout=DRAIN_SECONDS)
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if webhook is not None:
            webhook.stop()
        if link is not None:
            link.client.close()
    if rejected:
        raise SlackUnavailable(rejected[0])
    return 0


def socket_mode_link(app: App, settings: Settings, stopping: threading.Event) -> tuple[SocketModeLink, float]:
    """The Socket Mode client after a first attempt to connect, and when to look again (`link.run` keeps
    it connected). A rejected app token raises SlackUnavailable here, before anything starts."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    assert settings.app_token is not None
    handler = SocketModeHandler(app, settings.app_token, auto_reconnect_enabled=False)
    link = SocketModeLink(handler.client, settings.slack_api_url, wait=stopping.wait)
    try:
        return link, link.attempt()
    except SlackUnavailable:
        handler.client.close()
        raise


def build_schedules(settings: Settings, engine: Engine) -> tuple[BackgroundScheduler, Callable[[], None]]:
    """The scheduler with its sync, digest, nudge and welcome jobs (not started), and the call that rebuilds
    the digest jobs after subscriptions change."""
    leader = Leader(engine)
    scheduler = build_scheduler(settings, engine, leader)
    jobs = JobRegistry(scheduler, leader)
    slack = digest_client(settings)
    options = DigestOptions(
        grace=timedelta(hours=settings.app.digest_grace_hours),
        quiet_note=settings.app.digest_quiet_note,
        with_stats=settings.app.digest_contribution_stats,
        budget=RetryBudget(seconds=settings.app.digest_retry_minutes * 60),
    )

    def subscriptions_changed() -> None:
        sync_digest_jobs(jobs, engine, slack, options=options)

    subscriptions_changed()  # one job per subscription, rebuilt from the table at every start
    add_nudge_job(jobs, engine, slack, settings)
    add_welcome_job(jobs, engine, slack, settings)
    return scheduler, subscriptions_changed


def share_search_index(engine: Engine) -> None:
    """The supervisor builds the in-memory search index before it forks: the workers share its arrays."""
    from chatbot.catalog.memory_index import build_before_fork

    try:
        index = build_before_fork(engine)
    except Exception:
        logger.exception("building the search index failed; each worker builds its own")
        return
    arrays, objects = index.nbytes()
    logger.info(
        "Search index built in %.1f s for the workers to share: %.0f MB of arrays, %.0f MB of terms",
        index.build_seconds,
        arrays / 1e6,
        objects / 1e6,
    )


def warm_up(engine: Engine, search_in_memory: bool = True) -> None:
    """Build what the first searches would otherwise wait for: the typo vocabulary, and the in-memory copy
    of the search index unless this worker inherited a current one (searches use the database's index
    until it is there)."""
    from sqlmodel import Session

    from chatbot.catalog.memory_index import keep_current
    from chatbot.catalog.vocabulary import vocabulary_for

    try:
        if search_in_memory:
            keep_current(engine)
        with Session(engine) as session:
            vocabulary_for(session)
    except Exception:
        logger.exception("warming up the search failed")


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
