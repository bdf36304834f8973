"""The Slack edge: the only ways a payload leaves for Slack, each through the outbound guard.

- `GuardedWebClient`: every Web API call (chat.*, views.*, files.*, chat.unfurl, …).
- `GuardedRespond`: every `respond()` post to a `response_url`.
- `guard_response`: the body of every acknowledgement (slash command replies, modal errors).

`slack_client` builds the app's Web API clients, with slack_sdk's retry handlers for rate limits
(honouring `Retry-After`), server errors and connection errors, and an injectable sleep for tests.
"""

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookResponse

from chatbot.slack.guard import guard_payload

logger = logging.getLogger(__name__)
Sleep = Callable[[float], None]

MAX_RETRY_AFTER_SECONDS = 30.0  # an interactive answer that would wait longer is better failed and said so
# slack_sdk counts retries once per request across its handlers: each handler retries while the request's
# retries so far are fewer than its own maximum.
RATE_LIMIT_RETRIES = 5
SERVER_ERROR_RETRIES = 4
CONNECTION_RETRIES = 4


class GuardedWebClient(WebClient):
    """A WebClient whose every call's payload passes the outbound guard."""

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        return super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=guard_payload(data, api_method) if data else data,
            params=guard_payload(params, api_method) if params else params,
            json=guard_payload(json, api_method) if json else json,
            headers=headers,
            auth=auth,
        )


def guarded_client(client: WebClient) -> GuardedWebClient:
    """`client` itself when it is guarded already, else a guarded client with the same settings."""
    if isinstance(client, GuardedWebClient):
        return client
    return GuardedWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        ssl=client.ssl,
        proxy=client.proxy,
        headers=client.headers,
        retry_handlers=list(client.retry_handlers),
    )


class GuardedRespond(Respond):
    """`respond()` whose message passes the outbound guard before it is posted to the response_url."""

    def __call__(  # type: ignore[override]
        self, text: str | dict[str, Any] = "", **kwargs: Any
    ) -> WebhookResponse:
        if isinstance(text, dict):
            return super().__call__(guard_payload(text, "response_url"))
        message = guard_payload({"text": text, **kwargs}, "response_url")
        return super().__call__(**message)


class SlackApp(App):
    """Bolt's App with the edge's two duties around `dispatch`: a request whose signature headers are
    malformed gets 401 (Bolt would raise on them and answer 500), and every ack body is guarded."""

    def __init__(self, *, check_signatures: bool, **kwargs: Any) -> None:
        super().__init__(request_verification_enabled=check_signatures, **kwargs)
        self._check_signatures = check_signatures

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        if self._check_signatures and malformed_signature(req):
            logger.info("refused a request with malformed signature headers")
            return BoltResponse(status=401, body="")
        return guard_response(super().dispatch(req))


_TIMESTAMP = re.compile(r"^[0-9]{1,15}$")
_SIGNATURE = re.compile(r"^v0=[0-9a-fA-F]{64}$")


def malformed_signature(req: BoltRequest) -> bool:
    """A signature header is there but not of the shape Slack sends (empty, fractional, not a number).

    Missing headers and wrong signatures are Bolt's to refuse (with 401 too)."""
    timestamp = req.headers.get("x-slack-request-timestamp")
    signature = req.headers.get("x-slack-signature")
    if timestamp is None and signature is None:
        return False
    return not (
        timestamp is not None
        and signature is not None
        and len(timestamp) == 1
        and len(signature) == 1
        and bool(_TIMESTAMP.match(timestamp[0]))
        and bool(_SIGNATURE.match(signature[0]))
    )


def guard_middleware(context: BoltContext, next: Callable[[], None]) -> None:
    """First middleware: the request's client and `respond` are the guarded ones."""
    client = guarded_client(context.client)
    context["client"] = client
    if context.response_url:
        context["respond"] = GuardedRespond(
            response_url=context.response_url, proxy=client.proxy, ssl=client.ssl
        )
    next()


def guard_response(response: BoltResponse) -> BoltResponse:
    """The acknowledgement's JSON body through the guard (other bodies are left as they are)."""
    content_type = "".join(response.headers.get("content-type", []))
    if not response.body or "json" not in content_type:
        return response
    try:
        body = json.loads(response.body)
    except ValueError:
        return response
    guarded = guard_payload(body, "ack")
    if guarded == body:
        return response
    response.body = json.dumps(guarded)
    return response


# --- retries -------------------------------------------------------------------------------------


class _SleepsThrough(RetryHandler):
    """A retry handler whose waits go through an injected `sleep` (tests pass one that records)."""

    sleep: Sleep = time.sleep

    def wait_for(self, response: HttpResponse | None, state: RetryState) -> float:
        return float(self.interval_calculator.calculate_sleep_duration(state.current_attempt))

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.sleep(self.wait_for(response, state))
        state.increment_current_attempt()


class RateLimitRetry(_SleepsThrough, RateLimitErrorRetryHandler):
    """429: wait what `Retry-After` says (at most MAX_RETRY_AFTER_SECONDS; longer waits fail instead)."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code == 429 and retry_after(response) is not None

    def wait_for(self, response: HttpResponse | None, state: RetryState) -> float:
        return (retry_after(response) if response is not None else None) or 1.0


class ServerErrorRetry(_SleepsThrough, ServerErrorRetryHandler):
    pass


class ConnectionErrorRetry(_SleepsThrough, ConnectionErrorRetryHandler):
    pass


def retry_after(response: HttpResponse) -> float | None:
    """Seconds to wait from a 429's `Retry-After` (1 when absent or unreadable); None when too long."""
    values = next((v for k, v in response.headers.items() if k.lower() == "retry-after"), None)
    raw = values[0] if isinstance(values, list) and values else values
    try:
        seconds = max(1.0, float(str(raw)))
    except (TypeError, ValueError):
        seconds = 1.0
    return seconds if seconds <= MAX_RETRY_AFTER_SECONDS else None


def retry_handlers(sleep: Sleep = time.sleep) -> list[RetryHandler]:
    handlers: list[_SleepsThrough] = [
        RateLimitRetry(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetry(max_retry_count=SERVER_ERROR_RETRIES),
        ConnectionErrorRetry(max_retry_count=CONNECTION_RETRIES),
    ]
    for handler in handlers:
        handler.sleep = sleep
    return list(handlers)


def slack_client(
    token: str | None,
    base_url: str,
    *,
    retries: bool = True,
    timeout: int = 30,
    sleep: Sleep = time.sleep,
) -> GuardedWebClient:
    """A guarded Web API client. `retries=False` for the outbox, which owns its retry policy."""
    return GuardedWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(sleep) if retries else [],
    )
