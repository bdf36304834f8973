"""GitHub webhooks through the WSGI app into the real GitHub source, against the fake GitHub over HTTP."""

import hashlib
import hmac
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.models import Issue, Project
from chatbot.server import make_wsgi_app
from chatbot.sources.github import GitHubSource
from chatbot.sources.sync import run_sync
from chatbot.webhooks import WebhookReceiver
from tests.fakes.github import FakeGitHub

SECRET = "hook-secret"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    fake = FakeGitHub.generate("acme", 5, seed=3)
    with fake:
        yield fake


@pytest.fixture
def synced(engine: Engine, github: FakeGitHub) -> GitHubSource:
    source = GitHubSource("github-acme", "acme", github.token, api_url=github.api_url)
    run_sync(engine, source, full=True)
    return source


def post(app: Any, event: str, payload: dict[str, Any], secret: str = SECRET) -> tuple[str, Any]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/github/webhook",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "HTTP_X_GITHUB_EVENT": event,
        "HTTP_X_HUB_SIGNATURE_256": signature,
    }
    status: list[str] = []
    raw = b"".join(app(environ, lambda s, headers: status.append(s)))
    return status[0], json.loads(raw) if raw.startswith(b"{") else raw.decode()


def open_issue_titles(engine: Engine, full_name: str) -> set[str]:
    with Session(engine) as session:
        project = session.exec(select(Project).where(col(Project.full_name) == full_name)).one()
        issues = session.exec(
            select(Issue).where(col(Issue.project_id) == project.id, col(Issue.state) == "open")
        ).all()
        return {i.title for i in issues}


def test_a_labelled_issue_reaches_the_catalog(
    engine: Engine, github: FakeGitHub, synced: GitHubSource
) -> None:
    repo = next(iter(github.repos.values()))
    github.add_issue(repo.full_name, "Add a dark mode", labels=["good first issue"])
    receiver = WebhookReceiver(engine, SECRET, [synced])
    app = make_wsgi_app(None, engine, webhook=receiver)

    status, body = post(app, "issues", {"action": "labeled", "repository": {"full_name": repo.full_name}})

    assert (status, body) == ("202 Accepted", {"result": "queued"})
    assert receiver.drain() == 1
    assert "Add a dark mode" in open_issue_titles(engine, repo.full_name)


def test_a_forged_webhook_changes_nothing(engine: Engine, github: FakeGitHub, synced: GitHubSource) -> None:
    repo = next(iter(github.repos.values()))
    github.add_issue(repo.full_name, "Sneaky", labels=["help wanted"])
    receiver = WebhookReceiver(engine, SECRET, [synced])
    app = make_wsgi_app(None, engine, webhook=receiver)
    requests_before = github.requests

    status, _ = post(app, "issues", {"repository": {"full_name": repo.full_name}}, secret="guess")

    assert status == "401 Unauthorized"
    assert receiver.drain() == 0
    assert github.requests == requests_before
    assert "Sneaky" not in open_issue_titles(engine, repo.full_name)


def test_without_a_secret_the_endpoint_is_not_there(sqlite_engine: Engine) -> None:
    status, _ = post(make_wsgi_app(None, sqlite_engine), "ping", {})
    assert status.startswith("404")
