"""An httpx client for forge APIs that is polite: it honours rate limits and retries what is worth it.

- 429, or 403 with a rate-limit sign: wait `retry-after`; else, when `x-ratelimit-remaining` is 0,
  until `x-ratelimit-reset`; else at least a minute, doubling each time.
- Timeouts, connection errors and 5xx: retry with exponential backoff.
- When the last response said no requests are left, wait for the reset before sending the next one.
- Tokens never appear in errors or logs (query strings are dropped from URLs we report).

Sleeping and the clock are injected, so tests control time instead of waiting.
"""

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from chatbot.sources.base import RequestStats

logger = logging.getLogger(__name__)

USER_AGENT = "innersource-chatops (+https://github.com/innersource-chatops)"
TOKEN_PARAMS = ("access_token", "private_token", "token")


class _TokenFreeUrls(logging.Filter):
    """httpx logs every request URL at INFO; drop token query parameters from those lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(_without_token(a) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


def _without_token(url: httpx.URL) -> str:
    for name in TOKEN_PARAMS:
        url = url.copy_remove_param(name)
    return str(url)


def hide_tokens_in_httpx_logs() -> None:
    httpx_logger = logging.getLogger("httpx")
    if not any(isinstance(f, _TokenFreeUrls) for f in httpx_logger.filters):
        httpx_logger.addFilter(_TokenFreeUrls())


class ForgeError(RuntimeError):
    """A forge request that failed for good. The message never contains a token."""


class ForgeHttp:
    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        stats: RequestStats | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_attempts: int = 6,
        timeout: float = 30.0,
        max_wait: float = 3600.0,
    ) -> None:
        hide_tokens_in_httpx_logs()
        self.stats = stats or RequestStats()
        self._sleep = sleep
        self._clock = clock
        self._max_attempts = max_attempts
        self._max_wait = max_wait
        self._blocked_until = 0.0
        self._client = httpx.Client(
            base_url=base_url,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            params=dict(params or {}),
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=10.0),
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        problem = "no attempt made"
        rate_limit_waits = 0
        for attempt in range(self._max_attempts):
            self._wait_for_reset()
            try:
                response = self._client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                problem = "timed out"
                self._backoff(attempt, problem, url)
                continue
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
                self._backoff(attempt, problem, url)
                continue
            self.stats.requests += 1
            self._note_rate_limit(response)
            if self._is_rate_limited(response):
                problem = f"rate limited (HTTP {response.status_code})"
                self._wait_rate_limit(response, rate_limit_waits)
                rate_limit_waits += 1
                continue
            if response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
                self._backoff(attempt, problem, url)
                continue
            return response
        raise ForgeError(f"{method} {safe_url(self._client.base_url.join(url))} failed: {problem}")

    def _is_rate_limited(self, response: httpx.Response) -> bool:
        if response.status_code == 429:
            return True
        if response.status_code != 403:
            return False
        headers = response.headers
        if "retry-after" in headers or headers.get("x-ratelimit-remaining") == "0":
            return True
        return "rate limit" in response.text[:500].lower()

    def _note_rate_limit(self, response: httpx.Response) -> None:
        headers = response.headers
        remaining = headers.get("x-ratelimit-remaining") or headers.get("ratelimit-remaining")
        reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
        if remaining is not None and remaining.isdigit():
            self.stats.rate_limit_remaining = int(remaining)
        if reset is not None and reset.isdigit():
            self.stats.rate_limit_reset = datetime.fromtimestamp(int(reset), UTC)
            if remaining == "0":
                self._blocked_until = max(self._blocked_until, float(reset) + 1)

    def note_exhausted_until(self, epoch_seconds: float) -> None:
        """For GraphQL bodies that say the budget is used up (`rateLimit.remaining` 0)."""
        self._blocked_until = max(self._blocked_until, epoch_seconds + 1)

    def _wait_for_reset(self) -> None:
        wait = self._blocked_until - self._clock()
        if wait > 0:
            logger.warning("Rate limit used up; waiting %.0f s for the reset", wait)
            self._pause(min(wait, self._max_wait))
        self._blocked_until = 0.0

    def _wait_rate_limit(self, response: httpx.Response, previous_waits: int) -> None:
        headers = response.headers
        retry_after = headers.get("retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            wait = float(retry_after)
        elif (
            headers.get("x-ratelimit-remaining") == "0" and (headers.get("x-ratelimit-reset") or "").isdigit()
        ):
            wait = float(headers["x-ratelimit-reset"]) - self._clock() + 1
        else:
            wait = 60.0 * (2**previous_waits)
        wait = min(max(wait, 1.0), self._max_wait)
        logger.warning("Rate limited by the forge; waiting %.0f s", wait)
        self._pause(wait)

    def _backoff(self, attempt: int, problem: str, url: str) -> None:
        if attempt + 1 >= self._max_attempts:
            return
        wait = min(2.0**attempt, 60.0)
        logger.warning("%s %s; retrying in %.0f s", safe_url(httpx.URL(url)), problem, wait)
        self._pause(wait)

    def _pause(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        self._sleep(seconds)


def safe_url(url: httpx.URL) -> str:
    """The URL without its query string (Gitee and some GitLab setups put tokens there)."""
    return str(url.copy_with(query=None, fragment=None))
