"""`POST /github/webhook`: verified GitHub events refresh the affected project within seconds.

The request only verifies, parses and enqueues (202); a worker thread collapses bursts and re-fetches
the named repositories through the GitHub source, so the webhook never waits on the forge.
"""

import hashlib
import hmac
import json
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlmodel import col, select

from chatbot.clock import Clock, utcnow
from chatbot.db import session_scope
from chatbot.models import Project
from chatbot.sources.base import RequestStats, SyncBatch
from chatbot.sources.sync import SyncSummary, store_batch

logger = logging.getLogger(__name__)

CATALOG_FILES = ("innersource.json", "readme", "contributing", "codeowners", "communication")
EVENTS = {
    "repository",
    "push",
    "issues",
    "label",
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
}


class RefreshableSource(Protocol):
    name: str
    org: str
    stats: RequestStats

    def refresh(self, full_names: list[str]) -> SyncBatch: ...


@dataclass(frozen=True)
class WebhookOutcome:
    status: int
    message: str
    repository: str | None = None


def signature_is_valid(secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def repository_to_refresh(event: str, payload: dict[str, Any]) -> str | None:
    """The `owner/name` whose catalog entry this event changes, or None when it changes nothing we keep."""
    if event not in EVENTS:
        return None
    repository = payload.get("repository")
    if not isinstance(repository, dict) or not isinstance(repository.get("full_name"), str):
        return None
    if event == "push":
        ref = payload.get("ref", "")
        default = repository.get("default_branch") or repository.get("master_branch") or "main"
        if ref != f"refs/heads/{default}":
            return None
        touched: set[str] = set()
        for commit in payload.get("commits") or []:
            for key in ("added", "modified", "removed"):
                touched.update(str(path).lower() for path in commit.get(key) or [])
        if touched and not any(path.rsplit("/", 1)[-1].startswith(CATALOG_FILES) for path in touched):
            return None
    full_name: str = repository["full_name"]
    return full_name


class WebhookReceiver:
    def __init__(
        self,
        engine: Engine,
        secret: str,
        sources: list[RefreshableSource],
        *,
        clock: Clock = utcnow,
    ) -> None:
        self.engine = engine
        self.secret = secret
        self.sources = {s.org.lower(): s for s in sources}
        self.clock = clock
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    def handle(self, headers: dict[str, str], body: bytes) -> WebhookOutcome:
        if not signature_is_valid(self.secret, body, headers.get("x-hub-signature-256")):
            return WebhookOutcome(401, "invalid signature")
        event = headers.get("x-github-event", "")
        if event == "ping":
            return WebhookOutcome(200, "pong")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return WebhookOutcome(400, "the body is not JSON")
        if not isinstance(payload, dict):
            return WebhookOutcome(400, "the body is not a JSON object")
        if event == "repository" and payload.get("action") == "deleted":
            name = str((payload.get("repository") or {}).get("full_name", ""))
            self.mark_deleted(name)
            return WebhookOutcome(202, "removed", name)
        target = repository_to_refresh(event, payload)
        if target is None:
            return WebhookOutcome(200, "nothing to update")
        if target.split("/", 1)[0].lower() not in self.sources:
            return WebhookOutcome(200, "not a configured organisation", target)
        self._queue.put(target)
        return WebhookOutcome(202, "queued", target)

    def mark_deleted(self, full_name: str) -> None:
        with session_scope(self.engine) as session:
            for project in session.exec(select(Project).where(col(Project.full_name) == full_name)).all():
                if project.source == "github" and project.removed_at is None:
                    project.removed_at = self.clock()
                    session.add(project)

    def start(self) -> None:
        self._worker = threading.Thread(target=self._run, name="github-webhooks", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        self._queue.put(None)
        if self._worker is not None:
            self._worker.join(timeout=10)

    def drain(self) -> int:
        """Refresh everything queued so far, in this thread; returns how many repositories."""
        names: list[str] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                names.append(item)
        self.refresh(names)
        return len(set(names))

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            names = [first]
            # Collapse a burst (a push touching many issues, a label storm) into one fetch.
            while len(names) < 100:
                try:
                    item = self._queue.get(timeout=0.5)
                except queue.Empty:
                    break
                if item is None:
                    self.refresh(names)
                    return
                names.append(item)
            self.refresh(names)

    def refresh(self, names: list[str]) -> None:
        by_org: dict[str, list[str]] = {}
        for name in dict.fromkeys(names):
            by_org.setdefault(name.split("/", 1)[0].lower(), []).append(name)
        for org, org_names in by_org.items():
            source = self.sources.get(org)
            if source is None:
                continue
            try:
                batch = source.refresh(org_names)
                with session_scope(self.engine) as session:
                    store_batch(session, source.name, batch, SyncSummary(source.name), self.clock(), None)
            except Exception:
                logger.exception("refreshing %d repositories from a webhook failed", len(org_names))


def webhook_wsgi_headers(environ: dict[str, Any]) -> dict[str, str]:
    return {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }


WebhookHandler = Callable[[dict[str, str], bytes], WebhookOutcome]
