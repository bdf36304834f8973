"""Record, then send, then mark: what digests, nudges and welcome DMs share to post each message once.

A row (`DigestDelivery`, `Nudge`, `Welcome`) is recorded pending under a unique key and committed before
anything is posted: whoever records it owns the message. A pending row untouched for `stale_after`
belongs to a process that died; one conditional UPDATE lets exactly one other process take it over. The
owner touches the row while it waits, so that a live send is never taken for a dead one.

Sending retries what Slack did not take: a 429 after its `Retry-After`, 5xx answers, transient error
codes and connections that never reached Slack (backing off 2, 4, 8 … 120 s), until the `RetryBudget`
of waiting is spent. A request that may have reached Slack without an answer is not resent. See
docs/decisions/0008-digest-exactly-once.md.
"""

import copy
import http.client
import re
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar, overload

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import ColumnElement, Engine, and_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import DigestDelivery, Nudge, Welcome

Sleep = Callable[[float], None]
OutboxRow = DigestDelivery | Nudge | Welcome
OutboxModel = type[DigestDelivery] | type[Nudge] | type[Welcome]
K = TypeVar("K", int, str)

SENT, SKIPPED, FAILED, PENDING = "sent", "skipped", "failed", "pending"
STALE_PENDING = timedelta(minutes=10)
HEARTBEAT_EVERY = 60.0  # seconds: a longer wait is slept in pieces, and the row touched before each
MAX_ERROR_LENGTH = 500
# Answers that mean "not now" rather than "no"; retried within the budget, like 429 and 5xx.
TRANSIENT_CODES = frozenset(
    {"ratelimited", "service_unavailable", "internal_error", "request_timeout", "team_added_to_org"}
)
# How a call that did not succeed ended.
REFUSED = "refused"  # Slack said no: a code no retry changes
GAVE_UP = "gave_up"  # still failing for a reason worth retrying when the budget ran out
UNANSWERED = "unanswered"  # the request may have reached Slack: not resent
_RETRY = "retry"
_TOKEN = re.compile(r"xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+")
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,60}$")
# The unique key that makes each message exactly-once (a Welcome's is its primary key).
_UNIQUE: dict[type[DigestDelivery] | type[Nudge], tuple[str, ...]] = {
    DigestDelivery: ("subscription_id", "period_key"),
    Nudge: ("recipient", "kind", "day_key"),
}


# --- owning a row ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim(Generic[K]):
    key: K | None  # the row this process now owns (a Welcome's Slack user id); None: someone else owns it
    resumed: bool = False  # taken over from an owner that died (or handed it over)


@overload
def claim(engine: Engine, row: Welcome, now: datetime, stale_after: timedelta = ...) -> Claim[str]: ...
@overload
def claim(
    engine: Engine, row: DigestDelivery | Nudge, now: datetime, stale_after: timedelta = ...
) -> Claim[int]: ...
def claim(
    engine: Engine, row: OutboxRow, now: datetime, stale_after: timedelta = STALE_PENDING
) -> Claim[int] | Claim[str]:
    """Own the message `row` stands for: record it pending, or, when its unique key exists already, take
    that row over if it is pending and untouched for `stale_after`. Of several racers, one owns it."""
    if isinstance(row, Welcome):
        user_id = row.slack_user_id
        return _claim(engine, row, lambda: user_id, lambda: user_id, now, stale_after)
    unique = _UNIQUE[type(row)]
    return _claim(engine, row, lambda: row.id, lambda: _existing(engine, row, unique), now, stale_after)


def _claim(
    engine: Engine,
    row: OutboxRow,
    new_key: Callable[[], K | None],
    existing_key: Callable[[], K | None],
    now: datetime,
    stale_after: timedelta,
) -> Claim[K]:
    try:
        with session_scope(engine) as session:
            session.add(row)
            session.flush()
            return Claim(new_key())
    except IntegrityError:
        pass
    existing = existing_key()
    if existing is None or not claim_stale(engine, type(row), existing, now, stale_after):
        return Claim(None)
    return Claim(existing, resumed=True)


def _existing(engine: Engine, row: DigestDelivery | Nudge, unique: tuple[str, ...]) -> int | None:
    """The id of the row holding `row`'s unique key."""
    model = type(row)
    with Session(engine) as session:
        return session.exec(
            select(model.id).where(*(getattr(model, name) == getattr(row, name) for name in unique))
        ).first()


def _row(model: OutboxModel, row_id: int | str) -> tuple[ColumnElement[bool], str]:
    """The row's pending condition, and the column its owner refreshes to show it is alive."""
    if model is Welcome:
        pending = and_(
            col(Welcome.slack_user_id) == row_id,
            col(Welcome.message_ts).is_(None),
            col(Welcome.claimed_at).is_not(None),
        )
        return pending, "claimed_at"
    assert model is DigestDelivery or model is Nudge
    return and_(col(model.id) == row_id, col(model.status) == PENDING), "created_at"


def claim_stale(
    engine: Engine,
    model: OutboxModel,
    row_id: int | str,
    now: datetime,
    stale_after: timedelta = STALE_PENDING,
) -> bool:
    """Take over a pending row untouched for `stale_after`. Atomic: of several racers, one wins."""
    pending, beat = _row(model, row_id)
    with session_scope(engine) as session:
        result = session.execute(
            update(model).where(pending, getattr(model, beat) <= now - stale_after).values({beat: now})
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def touch(engine: Engine, model: OutboxModel, row_id: int | str, at: datetime, **values: Any) -> None:
    """Show that the owner is alive (while it waits on Slack), with whatever else it wants recorded.
    Touching it with a time `stale_after` in the past hands it over to whoever claims it next."""
    pending, beat = _row(model, row_id)
    with session_scope(engine) as session:
        session.execute(update(model).where(pending).values({beat: at, **values}))


def finish(
    engine: Engine, model: type[DigestDelivery] | type[Nudge], row_id: int, status: str, **values: Any
) -> None:
    with session_scope(engine) as session:
        session.execute(update(model).where(col(model.id) == row_id).values(status=status, **values))


def safe_error(error: str) -> str:
    """Error text fit for the database and status commands: no tokens, bounded length."""
    return _TOKEN.sub("[token]", error)[:MAX_ERROR_LENGTH]


def without_retries(client: WebClient) -> WebClient:
    """The same client (token, address, outbound guard) without slack_sdk's retry handlers: the outbox
    retries itself, and slack_sdk's connection handler would resend a message whose answer was lost."""
    if not client.retry_handlers:
        return client
    copied = copy.copy(client)
    copied.retry_handlers = []
    return copied


# --- when to try again -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryBudget:
    """How long a send keeps trying: the waits on rate limits and the backoff after errors, together."""

    seconds: float = 600.0
    first_backoff: float = 2.0
    max_backoff: float = 120.0

    def backoff(self, failures: int) -> float:
        return min(self.max_backoff, self.first_backoff * 2.0 ** (failures - 1))

    def next_wait(self, failure: "Failure", failures: int, waited: float) -> float | None:
        """Seconds to wait before the next try; None to stop. `failures` counts those not rate limited."""
        if failure.kind != _RETRY:
            return None
        wait = failure.retry_after if failure.retry_after is not None else self.backoff(failures)
        return wait if waited + wait <= self.seconds else None


DEFAULT_BUDGET = RetryBudget()


@dataclass(frozen=True)
class Failure:
    kind: str  # REFUSED | GAVE_UP | UNANSWERED, or retry while there is budget left
    error: str  # what to record: the method, the HTTP status and Slack's code
    code: str | None = None  # Slack's error code, when it gave one
    retry_after: float | None = None  # a rate limit: wait this long rather than the backoff


def classify(exc: Exception, method: str, *, idempotent: bool = False) -> Failure:
    """What a failed call means for trying again."""
    if isinstance(exc, SlackApiError):
        return _answered(exc, method)
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        # Raised while connecting or sending the request: Slack never saw it.
        return Failure(_RETRY, f"{method}: cannot reach Slack: {exc.reason}")
    if idempotent and isinstance(exc, OSError | http.client.HTTPException):
        return Failure(_RETRY, f"{method}: no answer from Slack ({type(exc).__name__})")
    # A read timeout, a connection dropped mid-answer: it may have been posted.
    return Failure(UNANSWERED, f"{method}: no answer from Slack ({type(exc).__name__}); not resent")


def _answered(exc: SlackApiError, method: str) -> Failure:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    raw = str(data.get("error") or "") if isinstance(data, dict) else ""
    code = raw if _CODE.match(raw) else None  # not the "non-JSON response" text slack_sdk makes up
    error = f"{method}: HTTP {status}" + (f" {code}" if code else "")
    if status == 429 or code == "ratelimited":
        return Failure(_RETRY, error, code, retry_after(getattr(response, "headers", None)))
    if status >= 500 or code in TRANSIENT_CODES:
        return Failure(_RETRY, error, code)
    return Failure(REFUSED, error, code)


def retry_after(headers: Any) -> float:
    lowered = {str(k).lower(): v for k, v in dict(headers or {}).items()}
    value = lowered.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(1.0, float(value)) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0


# --- talking to Slack ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a send stands while it waits; given to the heartbeat."""

    attempts: int  # requests that failed other than on a rate limit
    waited: float  # seconds
    error: str  # the failure being waited out


@dataclass(frozen=True)
class Answer:
    response: Any  # Slack's answer (a SlackResponse) when the call succeeded
    attempts: int
    waited: float
    failure: Failure | None = None


def call_slack(
    request: Callable[[], Any],
    *,
    method: str,
    sleep: Sleep,
    heartbeat: Callable[[Progress], None],
    budget: RetryBudget = DEFAULT_BUDGET,
    idempotent: bool = False,
) -> Answer:
    """Call until Slack answers yes, says no, or the budget of waiting is spent. `idempotent` calls
    (conversations.open, chat.update) are also retried when an answer was lost."""
    attempts = failures = 0
    waited = 0.0
    while True:
        try:
            return Answer(request(), attempts + 1, waited)
        except Exception as exc:
            failure = classify(exc, method, idempotent=idempotent)
        if failure.retry_after is None:
            attempts += 1
            failures += 1
        wait = budget.next_wait(failure, failures, waited)
        if wait is None:
            if failure.kind == _RETRY:
                failure = replace(
                    failure, kind=GAVE_UP, error=f"{failure.error}; gave up after {waited:.0f} s"
                )
            return Answer(None, attempts, waited, failure)
        _wait(wait, sleep, heartbeat, Progress(attempts, waited, failure.error))
        waited += wait


def _wait(seconds: float, sleep: Sleep, heartbeat: Callable[[Progress], None], progress: Progress) -> None:
    done = 0.0
    while done < seconds:
        heartbeat(replace(progress, waited=progress.waited + done))
        piece = min(seconds - done, HEARTBEAT_EVERY)
        sleep(piece)
        done += piece


@dataclass(frozen=True)
class PostResult:
    ts: str | None
    attempts: int
    waited: float = 0.0
    channel: str | None = None  # where Slack put it (a DM's D… id when posted to a user)
    kind: str | None = None  # REFUSED | GAVE_UP | UNANSWERED when not posted
    code: str | None = None  # Slack's error code, when it gave one
    error: str | None = None  # what to record


def post_message(
    client: WebClient,
    *,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]],
    sleep: Sleep,
    heartbeat: Callable[[Progress], None],
    metadata: dict[str, Any] | None = None,
    budget: RetryBudget = DEFAULT_BUDGET,
) -> PostResult:
    """chat.postMessage under the retry rules of `call_slack` (never resent when the answer was lost)."""

    def request() -> Any:
        return client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            metadata=metadata,
            unfurl_links=False,
            unfurl_media=False,
        )

    answer = call_slack(request, method="chat.postMessage", sleep=sleep, heartbeat=heartbeat, budget=budget)
    if answer.failure is None:
        posted = answer.response
        return PostResult(
            ts=str(posted["ts"]),
            attempts=answer.attempts,
            waited=answer.waited,
            channel=str(posted.get("channel") or channel),
        )
    failure = answer.failure
    return PostResult(
        ts=None,
        attempts=answer.attempts,
        waited=answer.waited,
        kind=failure.kind,
        code=failure.code,
        error=failure.error,
    )
