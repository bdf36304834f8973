"""Record, then send, then mark: what digests and nudges share to post each message exactly once.

A row (`DigestDelivery`, `Nudge`) is inserted `pending` under a unique key and committed before
anything is posted: whoever inserts it owns the message. A `pending` row untouched for `stale_after`
belongs to a process that died; one conditional UPDATE lets exactly one other process take it over. The
owner refreshes `created_at` while it sleeps on rate limits. See docs/decisions/0008-digest-exactly-once.md.
"""

import re
import urllib.error
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, update
from sqlalchemy.exc import IntegrityError

from chatbot.db import session_scope
from chatbot.models import DigestDelivery, Nudge

Sleep = Callable[[float], None]
OutboxModel = type[DigestDelivery] | type[Nudge]

SENT, SKIPPED, FAILED, PENDING = "sent", "skipped", "failed", "pending"
STALE_PENDING = timedelta(minutes=10)
MAX_ATTEMPTS = 3  # for errors other than rate limits
BACKOFF_SECONDS = 2.0  # 2 s, then 4 s
MAX_RATE_LIMIT_WAITS = 10
MAX_ERROR_LENGTH = 500
_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")


# --- owning a row ----------------------------------------------------------------------------------------


def claim_new(engine: Engine, row: DigestDelivery | Nudge) -> int | None:
    """Insert the pending row; None when its unique key exists already (someone else owns it)."""
    try:
        with session_scope(engine) as session:
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def claim_stale(
    engine: Engine, model: OutboxModel, row_id: int, now: datetime, stale_after: timedelta = STALE_PENDING
) -> bool:
    """Take over a pending row untouched for `stale_after`. Atomic: of several racers, one wins."""
    with session_scope(engine) as session:
        result = session.execute(
            update(model)
            .where(
                model.id == row_id,  # type: ignore[arg-type]
                model.status == PENDING,  # type: ignore[arg-type]
                model.created_at <= now - stale_after,  # type: ignore[arg-type]
            )
            .values(created_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def touch(engine: Engine, model: OutboxModel, row_id: int, at: datetime) -> None:
    """Show that the owner is alive (while it sleeps on a rate limit)."""
    with session_scope(engine) as session:
        session.execute(
            update(model)
            .where(model.id == row_id, model.status == PENDING)  # type: ignore[arg-type]
            .values(created_at=at)
        )


def finish(engine: Engine, model: OutboxModel, row_id: int, status: str, **values: Any) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(model)
            .where(model.id == row_id)  # type: ignore[arg-type]
            .values(status=status, **values)
        )


def safe_error(error: str) -> str:
    """Error text fit for the database and status commands: no tokens, bounded length."""
    return _TOKEN.sub("[token]", error)[:MAX_ERROR_LENGTH]


# --- talking to Slack ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostResult:
    ts: str | None
    attempts: int
    code: str | None = None  # Slack's error code, when it gave one
    error: str | None = None  # what to record


def post_message(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    metadata: dict[str, Any],
    sleep: Sleep,
    heartbeat: Callable[[float], None],
    final_codes: Collection[str] = (),
) -> PostResult:
    """chat.postMessage with the retry rules: 429 waits Retry-After (not counted as an attempt); an error
    in `final_codes` (a channel or person that refuses us) stops at once; other errors are retried with
    backoff up to MAX_ATTEMPTS. A request that may have reached Slack without an answer (a read timeout,
    a dropped connection) is not retried: resending it could post the message twice."""
    attempts = failures = rate_waits = 0
    slept = 0.0
    while True:
        attempts += 1
        try:
            response = client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
            return PostResult(ts=str(response["ts"]), attempts=attempts)
        except SlackApiError as exc:
            status = exc.response.status_code
            data = exc.response.data
            code = str(data.get("error") or "") if isinstance(data, dict) else ""
            if status == 429 and rate_waits < MAX_RATE_LIMIT_WAITS:
                rate_waits += 1
                attempts -= 1
                wait = retry_after(exc.response.headers)
                sleep(wait)
                slept += wait
                heartbeat(slept)
                continue
            error = f"chat.postMessage: HTTP {status} {code or 'error'}"
            if code in final_codes:
                return PostResult(ts=None, attempts=attempts, code=code, error=error)
        except urllib.error.URLError as exc:  # raised while connecting or sending: Slack never saw it
            code, error = None, f"chat.postMessage: cannot reach Slack: {exc.reason}"
        except Exception as exc:  # read timeout, connection dropped mid-answer: it may have been posted
            error = f"chat.postMessage: no answer from Slack ({type(exc).__name__}); not retried"
            return PostResult(ts=None, attempts=attempts, error=error)
        failures += 1
        if failures >= MAX_ATTEMPTS:
            return PostResult(
                ts=None, attempts=attempts, code=code, error=f"{error} (after {failures} tries)"
            )
        wait = BACKOFF_SECONDS * 2 ** (failures - 1)
        sleep(wait)
        slept += wait
        heartbeat(slept)


def retry_after(headers: Any) -> float:
    lowered = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    value = lowered.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
