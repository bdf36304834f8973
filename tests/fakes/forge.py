"""Plumbing for fake REST forges served over real local HTTP: routing, failures, pagination."""

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.fakes.loopback import LoopbackServer

GROUP_BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


def json_reply(payload: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
    return Reply(status, json.dumps(payload).encode(), dict(headers or {}))


@dataclass
class _Failure:
    path_part: str
    reply: Reply
    times: int


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: "FakeForge") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body in two writes cost a delayed ACK (~40 ms)
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            reply = self.server.fake.handle(self.path, headers)
        except Exception as exc:  # a bug in the fake: answer instead of hanging the client
            reply = Reply(
                500, f"fake forge error: {type(exc).__name__}: {exc}".encode(), content_type="text/plain"
            )
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(reply.body)


class FakeForge(LoopbackServer):
    """A forge API on 127.0.0.1 (port 0) in a thread. Subclasses implement `authorised` and `route`."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()  # raw request path (no query) -> requests
        self.log: list[str] = []  # "path?query" of every request, token parameters left out
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()

    def _new_server(self) -> ThreadingHTTPServer:
        return _Server(self)

    @property
    def requests(self) -> int:
        return sum(self.calls.values())

    def count(self, path_part: str) -> int:
        """Requests whose path contains `path_part`."""
        return sum(n for path, n in self.calls.items() if path_part in path)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()
            self.log.clear()

    def fail(
        self,
        path_part: str,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next `times` requests whose path and query contain `path_part` get `status` instead."""
        extra = dict(headers or {})
        if retry_after is not None:
            extra["Retry-After"] = str(retry_after)
        reply = json_reply({"message": f"{status} injected failure"}, status, extra)
        with self._lock:
            self._failures.append(_Failure(path_part, reply, times))

    def handle(self, raw_path: str, headers: Mapping[str, str]) -> Reply:
        parts = urlsplit(raw_path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            self.calls[parts.path] += 1
            shown = {k: v for k, v in query.items() if k not in ("access_token", "private_token")}
            self.log.append(f"{parts.path}?{urlencode(shown)}" if shown else parts.path)
            if not self.authorised(headers, query):
                return json_reply({"message": "401 Unauthorized"}, 401)
            for failure in self._failures:
                if failure.path_part in raw_path and failure.times > 0:
                    failure.times -= 1
                    return failure.reply
            return self.route(parts.path, query)

    def authorised(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        raise NotImplementedError

    def route(self, path: str, query: Mapping[str, str]) -> Reply:
        raise NotImplementedError


def git_blob_id(content: str) -> str:
    data = content.encode("utf-8", "surrogateescape")  # "\udcff" stands for the byte 0xff
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_entries(files: Mapping[str, str], directory: str) -> list[tuple[str, str, str]]:
    """(name, "blob" | "tree", id) of the entries right inside `directory` ("" for the root)."""
    prefix = f"{directory}/" if directory else ""
    children: dict[str, dict[str, str]] = {}
    blobs: dict[str, str] = {}
    for path, content in files.items():
        if not path.startswith(prefix):
            continue
        rest = path[len(prefix) :]
        if "/" in rest:
            name, _, below = rest.partition("/")
            children.setdefault(name, {})[below] = content
        else:
            blobs[rest] = git_blob_id(content)
    entries = [(name, "blob", blob) for name, blob in blobs.items()]
    for name, inside in children.items():
        listing = json.dumps(sorted(tree_entries(inside, "")))
        entries.append((name, "tree", hashlib.sha1(listing.encode()).hexdigest()))
    return sorted(entries)


def paginate(
    items: list[Any], query: Mapping[str, str], default_per_page: int = 20
) -> tuple[list[Any], int, int, int]:
    """(page items, page, per_page, total pages) for page/per_page query parameters (100 at most)."""
    per_page = min(max(int(query.get("per_page") or default_per_page), 1), 100)
    page = max(int(query.get("page") or 1), 1)
    pages = max((len(items) + per_page - 1) // per_page, 1)
    return items[(page - 1) * per_page : page * per_page], page, per_page, pages


def timestamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
