import io
import json
from typing import Any

from sqlalchemy import Engine

from chatbot.db import make_engine
from chatbot.server import make_wsgi_app


def call(app: Any, method: str, path: str) -> tuple[str, dict[str, Any] | str]:
    captured: dict[str, str] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        captured["status"] = status

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "wsgi.input": io.BytesIO(b""),
        "CONTENT_LENGTH": "0",
    }
    body = b"".join(app(environ, start_response)).decode()
    try:
        return captured["status"], json.loads(body)
    except json.JSONDecodeError:
        return captured["status"], body


def test_socket_mode_health_reports_the_connection(sqlite_engine: Engine) -> None:
    connected = [True]
    app = make_wsgi_app(None, sqlite_engine, connected=lambda: connected[0])
    assert call(app, "GET", "/healthz") == (
        "200 OK",
        {"status": "ok", "database": "ok", "socket_mode": "connected"},
    )
    connected[0] = False
    status, body = call(app, "GET", "/healthz")
    assert status.startswith("503")
    assert isinstance(body, dict) and body["socket_mode"] == "disconnected"


def test_health_fails_when_the_database_is_unreachable() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    status, body = call(make_wsgi_app(None, engine), "GET", "/healthz")
    assert status.startswith("503")
    assert isinstance(body, dict) and body["database"].startswith("error")


def test_socket_mode_serves_no_slack_endpoint(sqlite_engine: Engine) -> None:
    status, _ = call(make_wsgi_app(None, sqlite_engine), "POST", "/slack/events")
    assert status.startswith("404")
