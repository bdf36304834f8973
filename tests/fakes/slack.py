"""A fake Slack Web API served over real local HTTP, for slack_sdk / slack_bolt tests.

Point ``WebClient(token="xoxb-...", base_url=fake.api_url)`` at it and use ``fake.response_url()`` as a
slash command's response_url. Every request is recorded as a :class:`Call`, whose ``params`` merge the
query string with a form, multipart or JSON body; string values holding a JSON object/array (slack_sdk
form-encodes ``blocks``/``view``) are decoded. Token values are never kept: in headers, params and body
they are replaced by :func:`redact_token` fingerprints.
"""

import hashlib
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.loopback import LoopbackServer

BOT_SCOPES = "commands,chat:write,im:write,users:read,users:read.email"
TEAM_ID = "T0FAKE"
BOT_USER_ID = "UBOT"
BOT_ID = "B0BOT"
_TS_BASE_US = 1_700_000_000_000_000


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    params: dict[str, Any]
    body: bytes
    at: float


@dataclass(frozen=True)
class _Failure:
    status: int
    error: str | None
    retry_after: int | None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def redact_token(token: str) -> str:
    """Stable, non-reversible stand-in for a token, e.g. "xoxb-redacted-1a2b3c4d" (what Call records)."""
    prefix = token.split("-", 1)[0] + "-" if "-" in token else ""
    return f"{prefix}redacted-{hashlib.sha256(token.encode()).hexdigest()[:8]}"


def _json(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> _Reply:
    return _Reply(status, json.dumps(payload).encode(), headers=headers or {})


def _error(error: str) -> _Reply:
    return _json({"ok": False, "error": error})


def _ratelimited(retry_after: int, error: str = "ratelimited") -> _Reply:
    return _json({"ok": False, "error": error}, 429, {"Retry-After": str(retry_after)})


def _stable_id(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()[:10].upper()


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value


def _parse_params(query: str, content_type: str, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    ctype = content_type.split(";", 1)[0].strip().lower()
    if ctype == "application/json" and body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            params.update(data)
    elif ctype == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif ctype == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message: Message = BytesParser().parsebytes(head + body)
        for part in message.walk():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                params[name] = payload if part.get_filename() else payload.decode("utf-8", "replace")
    return {key: _maybe_json(value) for key, value in params.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: "FakeSlack") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes; without this each costs ~40 ms
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            reply = self.server.fake._dispatch(self.path, headers, body)
        except Exception as exc:  # a bug in the fake: answer instead of hanging the client
            reply = _Reply(500, f"FakeSlack error: {type(exc).__name__}".encode(), "text/plain")
        self._send(reply)

    do_GET = do_POST

    def do_HEAD(self) -> None:
        self._send(_Reply(200, b""), head=True)

    def _send(self, reply: _Reply, head: bool = False) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(reply.body)


class FakeSlack(LoopbackServer):
    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self._cond = threading.Condition()
        self._calls: list[Call] = []
        self._failures: dict[str, deque[_Failure]] = {}
        self._rate: tuple[float, Callable[[], float]] | None = None
        self._last_post: dict[str, float] = {}
        self._seq = 0
        self.socket_url = "wss://127.0.0.1:9/link/?ticket=fake"  # what apps.connections.open hands out
        self._routes: dict[str, Callable[[dict[str, Any]], _Reply | dict[str, Any]]] = {
            "apps.connections.open": lambda p: {"ok": True, "url": self.socket_url},
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update_message,
            "chat.postEphemeral": lambda p: {"ok": True, "message_ts": self._next_ts()},
            "conversations.open": self._open_conversation,
            "conversations.info": self._conversation_info,
            "conversations.members": self._conversation_members,
            "users.info": self._user_info,
            "users.lookupByEmail": self._lookup_by_email,
            "views.publish": self._view,
            "views.open": self._view,
            "views.update": self._view,
            "views.push": self._view,
        }

    # lifecycle

    def _new_server(self) -> ThreadingHTTPServer:
        return _Server(self)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.url}/response/{key}"

    # test set-up

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "UTC",
        email: str | None = None,
        is_bot: bool = False,
    ) -> None:
        offset = datetime.now(ZoneInfo(tz)).utcoffset()
        name = name or user_id.lower()
        profile: dict[str, Any] = {"display_name": name, "real_name": real_name or name}
        if email is not None:
            profile["email"] = email
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": real_name or name,
            "deleted": False,
            "tz": tz,
            "tz_offset": int(offset.total_seconds()) if offset else 0,
            "is_bot": is_bot,
            "profile": profile,
        }
        with self._cond:
            self.users[user_id] = user

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_private: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
        members: list[str] | None = None,
    ) -> None:
        channel = {
            "id": channel_id,
            "name": name,
            "is_private": is_private,
            "is_member": is_member,
            "is_archived": is_archived,
            "members": list(members or []),
        }
        with self._cond:
            self.channels[channel_id] = channel

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` fail (before auth checks and default answers)."""
        if status == 200 and error is None:
            raise ValueError("fail() with status 200 needs an error code")
        with self._cond:
            self._failures.setdefault(method, deque()).extend([_Failure(status, error, retry_after)] * times)

    def limit_channel_rate(
        self, per_seconds: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        with self._cond:
            self._rate = (per_seconds, clock)
            self._last_post.clear()

    def reset(self) -> None:
        with self._cond:
            self._calls.clear()
            self._failures.clear()
            self._last_post.clear()

    # inspection

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.calls(method)) >= count, timeout):
                seen = dict(Counter(c.method for c in self._calls))
                raise AssertionError(
                    f"FakeSlack: expected {count} {method!r} call(s) within {timeout}s, "
                    f"got {len(self.calls(method))}; calls so far: {seen or 'none'}"
                )
            return self.calls(method)

    # request handling (runs on server threads)

    def _dispatch(self, raw_path: str, headers: dict[str, str], body: bytes) -> _Reply:
        parts = urlsplit(raw_path)
        params = _parse_params(parts.query, headers.get("content-type", ""), body)
        if parts.path.startswith("/api/"):
            method = parts.path.removeprefix("/api/")
        elif parts.path.startswith("/response/"):
            method = "response_url"
            params["_key"] = parts.path.removeprefix("/response/")
        else:
            method = parts.path
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        token = token or str(params.get("token") or "")
        if auth:
            headers["authorization"] = f"Bearer {redact_token(token)}" if token else "(redacted)"
        if params.get("token"):
            params["token"] = redact_token(str(params["token"]))
        if token:
            body = body.replace(token.encode(), redact_token(token).encode())
        with self._cond:
            if method.startswith("/"):
                reply = _Reply(404, b"not found", "text/plain")
            else:
                reply = self._answer(method, token, params)
            self._calls.append(Call(method, parts.path, headers, params, body, time.time()))
            self._cond.notify_all()
        return reply

    def _answer(self, method: str, token: str, params: dict[str, Any]) -> _Reply:
        queue = self._failures.get(method)
        if queue:
            return self._failure_reply(queue.popleft())
        if method == "response_url":
            return _Reply(200, b"ok", "text/plain; charset=utf-8")
        if not token:
            return _error("not_authed")
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return _error("not_allowed_token_type" if token.startswith("xox") else "invalid_auth")
        elif not token.startswith(("xoxb-", "xoxp-")):
            return _error("invalid_auth")
        route = self._routes.get(method)
        reply = route(params) if route else {"ok": True}
        return reply if isinstance(reply, _Reply) else _json(reply)

    @staticmethod
    def _failure_reply(failure: _Failure) -> _Reply:
        if failure.status == 429:
            return _ratelimited(failure.retry_after or 1, failure.error or "ratelimited")
        if failure.status >= 500:
            return _Reply(
                failure.status, f"{failure.status} FakeSlack injected failure".encode(), "text/plain"
            )
        return _json({"ok": False, "error": failure.error or "fatal_error"}, failure.status)

    def _next_ts(self) -> str:
        self._seq += 1
        micros = _TS_BASE_US + self._seq * 100
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _find_channel(self, channel: str) -> dict[str, Any] | None:
        name = channel.removeprefix("#")
        return self.channels.get(channel) or next(
            (c for c in self.channels.values() if c["name"] == name), None
        )

    def _auth_test(self, params: dict[str, Any]) -> _Reply:
        body = {"ok": True, "url": "https://fake.slack.example/", "team": "Fake", "user": "innersource"}
        body |= {"team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID}
        return _json(body, headers={"x-oauth-scopes": BOT_SCOPES})

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
        return message | {"text": params.get("text", ""), "blocks": params.get("blocks", [])}

    def _post_message(self, params: dict[str, Any]) -> _Reply | dict[str, Any]:
        channel = str(params.get("channel", ""))
        info = self._find_channel(channel)
        if info is not None:
            if info["is_archived"]:
                return _error("is_archived")
            if not info["is_member"]:
                return _error("not_in_channel")
            channel = info["id"]
        elif channel.startswith(("U", "W")):
            channel = "D" + _stable_id(channel)
        elif not channel.startswith(("C", "G", "D")):
            return _error("channel_not_found")
        if self._rate is not None:
            per_seconds, clock = self._rate
            now, last = clock(), self._last_post.get(channel)
            if last is not None and now - last < per_seconds:
                return _ratelimited(1)
            self._last_post[channel] = now
        ts = self._next_ts()
        return {"ok": True, "channel": channel, "ts": ts, "message": self._message(params, ts)}

    def _update_message(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = str(params.get("ts", ""))
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        channel = params.get("channel", "")
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": params.get("text", ""),
            "message": self._message(params, ts),
        }

    def _open_conversation(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = sorted(u.strip() for u in str(params.get("users", "")).split(",") if u.strip())
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        channel_id = "D" + _stable_id(users[0]) if len(users) == 1 else "G" + _stable_id(",".join(users))
        return {"ok": True, "channel": {"id": channel_id}}

    def _conversation_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.channels.get(str(params.get("channel", "")))
        if info is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": {k: v for k, v in info.items() if k != "members"}}

    def _conversation_members(self, params: dict[str, Any]) -> dict[str, Any]:
        info = self.channels.get(str(params.get("channel", "")))
        if info is None:
            return {"ok": False, "error": "channel_not_found"}
        members: list[str] = info["members"]
        limit = int(params.get("limit") or 100)
        start = int(str(params.get("cursor") or "0").removeprefix("next:"))
        end = start + limit
        cursor = f"next:{end}" if end < len(members) else ""
        return {"ok": True, "members": members[start:end], "response_metadata": {"next_cursor": cursor}}

    def _user_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _lookup_by_email(self, params: dict[str, Any]) -> dict[str, Any]:
        email = str(params.get("email", "")).lower()
        for user in self.users.values():
            if email and str(user["profile"].get("email", "")).lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _view(self, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        self._seq += 1
        view_id = str(params.get("view_id") or f"V{self._seq:08d}")
        return {"ok": True, "view": {**view, "id": view_id, "team_id": TEAM_ID, "hash": f"{self._seq}.fake"}}
