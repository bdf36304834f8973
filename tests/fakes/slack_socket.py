"""Slack's Socket Mode WebSocket endpoint, faked over a real local socket.

Point FakeSlack at it (`fake_slack.socket_url = socket_mode.url`): it completes the WebSocket handshake,
says hello, answers pings and counts the connections it accepted. `drop()` closes them, as Slack does
when it rotates connections.
"""

import base64
import contextlib
import hashlib
import json
import socket
import socketserver
import struct
import threading
from types import TracebackType
from typing import Self

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _CLOSE, _PING, _PONG = 0x1, 0x8, 0x9, 0xA


def _frame(opcode: int, payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x80 | opcode, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


def _read_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = _read_exact(sock, 2)
    size = second & 0x7F
    if size == 126:
        (size,) = struct.unpack("!H", _read_exact(sock, 2))
    elif size == 127:
        (size,) = struct.unpack("!Q", _read_exact(sock, 8))
    mask = _read_exact(sock, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(_read_exact(sock, size)))
    return first & 0x0F, payload


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: "FakeSocketMode") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(socketserver.BaseRequestHandler):
    server: _Server
    request: socket.socket

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        headers = dict(line.split(":", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ":" in line)
        key = next((v.strip() for k, v in headers.items() if k.strip().lower() == "sec-websocket-key"), "")
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
        self.request.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.server.fake._opened(self.request)
        hello = {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0FAKE"}}
        self.request.sendall(_frame(_TEXT, json.dumps(hello).encode()))
        try:
            while True:
                opcode, payload = _read_frame(self.request)
                if opcode == _PING:
                    self.request.sendall(_frame(_PONG, payload))
                elif opcode == _CLOSE:
                    self.request.sendall(_frame(_CLOSE, payload[:2]))
                    return
        except OSError:
            return
        finally:
            self.server.fake._closed(self.request)


class FakeSocketMode:
    def __init__(self) -> None:
        self._server: _Server | None = None
        self._cond = threading.Condition()
        self._open: list[socket.socket] = []
        self.accepted = 0

    def __enter__(self) -> Self:
        self._server = _Server(self)
        serve = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        serve.daemon = True
        serve.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.drop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeSocketMode is not started"
        return f"ws://127.0.0.1:{self._server.server_address[1]}/link/?ticket=fake"

    def drop(self) -> None:
        with self._cond:
            sockets, self._open = self._open, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.sendall(_frame(_CLOSE, struct.pack("!H", 1001)))  # "going away"
                sock.shutdown(socket.SHUT_RDWR)

    def wait_for_connections(self, count: int, timeout: float = 10.0) -> None:
        with self._cond:
            if not self._cond.wait_for(lambda: self.accepted >= count, timeout):
                raise AssertionError(f"FakeSocketMode: {self.accepted} of {count} connections in {timeout}s")

    def _opened(self, sock: socket.socket) -> None:
        with self._cond:
            self._open.append(sock)
            self.accepted += 1
            self._cond.notify_all()

    def _closed(self, sock: socket.socket) -> None:
        with self._cond:
            if sock in self._open:
                self._open.remove(sock)
