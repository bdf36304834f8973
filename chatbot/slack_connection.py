"""Slack at start-up and while serving.

`serve` asks Slack about the bot token before anything starts, and keeps the Socket Mode connection open:
a failed connect is retried after 1, 2, 4 … 60 seconds (or Slack's Retry-After) while `/healthz` says
"disconnected". Only a token Slack rejects ends `serve`, with one line naming the variable.
"""

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient

from chatbot.settings import SLACK_APPS_PAGE, Settings

logger = logging.getLogger(__name__)

REJECTED_TOKEN = frozenset(
    {
        "access_denied",
        "account_inactive",
        "invalid_auth",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "not_authed",
        "token_expired",
        "token_revoked",
    }
)
BACKOFF_FIRST = 1.0  # seconds
BACKOFF_CAP = 60.0
LOOK_EVERY = 2.0  # seconds between looks at an open connection
TIMEOUT = 15  # seconds for one Web API call
HINTS = {
    "SLACK_BOT_TOKEN": f"copy the Bot User OAuth Token (xoxb-…) from {SLACK_APPS_PAGE} > your app > "
    "OAuth & Permissions",
    "SLACK_APP_TOKEN": f"create an app-level token (xapp-…) with the connections:write scope at "
    f"{SLACK_APPS_PAGE} > your app > Basic Information > App-Level Tokens",
}
# slack_sdk logs every failed request itself; these calls say once, in their own words, what went wrong.
_QUIET = logging.Logger("innersource.slack_quiet", logging.CRITICAL + 1)


class SlackUnavailable(RuntimeError):
    """Slack rejected a token or did not answer; the message is one line for whoever runs `serve`."""


@dataclass(frozen=True)
class Refusal:
    answer: str  # what Slack answered, e.g. "invalid_auth", "HTTP 503", "Connection refused"
    rejected_token: bool = False
    retry_after: float | None = None


def refusal(exc: Exception) -> Refusal:
    if isinstance(exc, SlackApiError):
        return _api_refusal(exc.response)
    if isinstance(exc, URLError):
        return Refusal(_os_reason(exc.reason) if isinstance(exc.reason, OSError) else str(exc.reason))
    if isinstance(exc, OSError):
        return Refusal(_os_reason(exc))
    return Refusal(type(exc).__name__)


def _api_refusal(response: object) -> Refusal:
    status = getattr(response, "status_code", None)
    data = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, Mapping) else None
    code = error if isinstance(error, str) and re.fullmatch(r"[a-z0-9_]+", error) else None
    if code in REJECTED_TOKEN:
        return Refusal(code, rejected_token=True)
    retry_after = None
    if status == 429:
        headers = getattr(response, "headers", None) or {}
        retry_after = _seconds(headers.get("Retry-After") or headers.get("retry-after"))
    if code and status == 200:
        return Refusal(code)
    return Refusal(f"HTTP {status}: {code}" if code else f"HTTP {status}", retry_after=retry_after)


def _os_reason(exc: OSError) -> str:
    return str(exc.strerror or exc or type(exc).__name__)


def _seconds(value: object) -> float | None:
    try:
        return max(float(str(value)), 0.0)
    except ValueError:
        return None


def explain(variable: str, method: str, why: Refusal, api_url: str) -> str:
    if why.rejected_token:
        return f"{variable} was rejected by Slack ({method}: {why.answer}): {HINTS[variable]}."
    shown = re.sub(r"//[^/@]*@", "//", api_url)  # no credentials from the URL in the log
    return f"Slack at SLACK_API_URL={shown} did not answer {method} ({why.answer})."


def backoff_delay(failures: int) -> float:
    """Seconds to wait after the `failures`-th failed attempt in a row: 1, 2, 4 … at most 60."""
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2.0 ** min(max(failures - 1, 0), 16))


def check_bot_token(settings: Settings) -> None:
    """Ask Slack who the bot token belongs to (auth.test), before anything starts."""
    client = WebClient(
        token=settings.bot_token, base_url=settings.slack_api_url, timeout=TIMEOUT, logger=_QUIET
    )
    try:
        client.auth_test()
    except Exception as exc:  # whatever the Web API client raises, the operator gets one line
        raise SlackUnavailable(
            explain("SLACK_BOT_TOKEN", "auth.test", refusal(exc), settings.slack_api_url)
        ) from None


class SocketModeLink:
    """Keeps a Socket Mode client connected. `wait(seconds)` returns True when serving stops."""

    def __init__(self, client: SocketModeClient, api_url: str, *, wait: Callable[[float], bool]) -> None:
        self.client = client
        self.api_url = api_url
        self.api = WebClient(base_url=api_url, timeout=TIMEOUT, logger=_QUIET)
        self.wait = wait
        self.failures = 0
        self.ever_connected = False

    def is_connected(self) -> bool:
        return self.client.is_connected()

    def attempt(self) -> float:
        """Connect if not connected; the seconds until the next look. Raises SlackUnavailable when Slack
        rejects the app token."""
        if self.client.is_connected():
            return LOOK_EVERY
        if self.ever_connected and self.failures == 0:
            logger.warning("Socket Mode: the connection to Slack closed; reconnecting")
        try:
            url = self.api.apps_connections_open(app_token=self.client.app_token)["url"]
        except Exception as exc:  # each failure is reported, never raised to the caller but a rejection
            return self._failed("apps.connections.open", refusal(exc))
        if not self._open(str(url)):
            return self._failed("WebSocket", Refusal(f"no connection to {urlsplit(str(url)).netloc}"))
        self.failures = 0
        self.ever_connected = True
        logger.info("Connected to Slack in Socket Mode")
        return LOOK_EVERY

    def run(self, delay: float, on_rejected: Callable[[str], None]) -> None:
        """Look again after `delay`, and so on until serving stops or Slack rejects the app token."""
        while not self.wait(delay):
            try:
                delay = self.attempt()
            except SlackUnavailable as exc:
                on_rejected(str(exc))
                return

    def _open(self, url: str) -> bool:
        with self.client.connect_operation_lock:
            self.client.wss_uri = url
            try:
                self.client.connect()
            except Exception:  # the handshake failed; slack_sdk has logged why
                return False
        return self.client.is_connected()

    def _failed(self, step: str, why: Refusal) -> float:
        if why.rejected_token:
            raise SlackUnavailable(explain("SLACK_APP_TOKEN", step, why, self.api_url))
        self.failures += 1
        delay = max(backoff_delay(self.failures), why.retry_after or 0.0)
        logger.warning(
            "Socket Mode: could not connect to Slack (%s: %s); retrying in %g s", step, why.answer, delay
        )
        return delay
