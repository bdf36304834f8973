import hashlib
import hmac
import json
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.models import Project
from chatbot.sources.base import RequestStats, SyncBatch
from chatbot.webhooks import WebhookReceiver, repository_to_refresh, signature_is_valid
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog

SECRET = "webhook-secret"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_signature_check_matches_githubs_example() -> None:
    # The test vector from GitHub's "Validating webhook deliveries" documentation.
    assert signature_is_valid(
        "It's a Secret to Everybody",
        b"Hello, World!",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )
    assert not signature_is_valid("It's a Secret to Everybody", b"Hello, World!", "sha256=00")
    assert not signature_is_valid(SECRET, b"{}", None)
    assert not signature_is_valid(SECRET, b"{}", "sha1=" + "0" * 40)


REPO = {"full_name": "northwind/ledger", "default_branch": "main"}


@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        ("issues", {"action": "labeled", "repository": REPO}, "northwind/ledger"),
        ("pull_request", {"action": "opened", "repository": REPO}, "northwind/ledger"),
        ("pull_request_review", {"action": "submitted", "repository": REPO}, "northwind/ledger"),
        ("issue_comment", {"action": "created", "repository": REPO}, "northwind/ledger"),
        ("label", {"action": "edited", "repository": REPO}, "northwind/ledger"),
        ("repository", {"action": "renamed", "repository": REPO}, "northwind/ledger"),
        (
            "push",
            {"ref": "refs/heads/main", "repository": REPO, "commits": [{"modified": ["innersource.json"]}]},
            "northwind/ledger",
        ),
        (
            "push",
            {"ref": "refs/heads/main", "repository": REPO, "commits": [{"added": [".github/CODEOWNERS"]}]},
            "northwind/ledger",
        ),
        (
            "push",
            {"ref": "refs/heads/main", "repository": REPO, "commits": [{"modified": ["src/app.py"]}]},
            None,
        ),
        (
            "push",
            {"ref": "refs/heads/feature", "repository": REPO, "commits": [{"modified": ["README.md"]}]},
            None,
        ),
        ("star", {"action": "created", "repository": REPO}, None),
        ("issues", {"action": "opened"}, None),
    ],
)
def test_which_events_refresh_a_project(event: str, payload: dict[str, Any], expected: str | None) -> None:
    assert repository_to_refresh(event, payload) == expected


class RecordingSource:
    """A source at the network edge's place: it records which repositories it was asked to refresh."""

    name = "github-northwind"
    org = "northwind"

    def __init__(self) -> None:
        self.stats = RequestStats()
        self.asked: list[list[str]] = []

    def refresh(self, full_names: list[str]) -> SyncBatch:
        self.asked.append(full_names)
        return SyncBatch()


@pytest.fixture
def receiver(sqlite_engine: Engine) -> tuple[WebhookReceiver, RecordingSource]:
    source = RecordingSource()
    return WebhookReceiver(sqlite_engine, SECRET, [source], clock=lambda: FIXED_NOW), source


def test_bad_signature_gets_401_and_queues_nothing(receiver: tuple[WebhookReceiver, RecordingSource]) -> None:
    hook, source = receiver
    body = json.dumps({"action": "opened", "repository": REPO}).encode()
    outcome = hook.handle({"x-github-event": "issues", "x-hub-signature-256": sign(body, "wrong")}, body)
    assert outcome.status == 401
    assert hook.drain() == 0
    assert source.asked == []


def test_events_in_a_burst_are_collapsed_into_one_refresh(
    receiver: tuple[WebhookReceiver, RecordingSource],
) -> None:
    hook, source = receiver
    for event in ("issues", "issue_comment", "pull_request"):
        body = json.dumps({"action": "x", "repository": REPO}).encode()
        assert hook.handle({"x-github-event": event, "x-hub-signature-256": sign(body)}, body).status == 202
    assert hook.drain() == 1
    assert source.asked == [["northwind/ledger"]]


def test_other_organisations_are_ignored(receiver: tuple[WebhookReceiver, RecordingSource]) -> None:
    hook, _ = receiver
    body = json.dumps({"action": "x", "repository": {"full_name": "elsewhere/x"}}).encode()
    outcome = hook.handle({"x-github-event": "issues", "x-hub-signature-256": sign(body)}, body)
    assert (outcome.status, outcome.message) == (200, "not a configured organisation")


def test_ping_and_garbage(receiver: tuple[WebhookReceiver, RecordingSource]) -> None:
    hook, _ = receiver
    assert hook.handle({"x-github-event": "ping", "x-hub-signature-256": sign(b"{}")}, b"{}").status == 200
    assert (
        hook.handle({"x-github-event": "issues", "x-hub-signature-256": sign(b"nope")}, b"nope").status == 400
    )


def test_a_deleted_repository_leaves_search_but_stays_in_history(
    sqlite_engine: Engine, sample_catalog: SampleCatalog
) -> None:
    sample_catalog(sqlite_engine, FIXED_NOW)
    with Session(sqlite_engine) as session:
        project = session.exec(select(Project)).first()
        assert project is not None
        project.source = "github"
        session.add(project)
        session.commit()
        name = project.full_name
    hook = WebhookReceiver(sqlite_engine, SECRET, [RecordingSource()], clock=lambda: FIXED_NOW)
    body = json.dumps({"action": "deleted", "repository": {"full_name": name}}).encode()
    assert (
        hook.handle({"x-github-event": "repository", "x-hub-signature-256": sign(body)}, body).status == 202
    )
    with Session(sqlite_engine) as session:
        stored = session.exec(select(Project).where(Project.full_name == name)).one()
    assert stored.removed_at == FIXED_NOW
