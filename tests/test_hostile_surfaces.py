"""Hostile text in every field a forge, a portal file, a person or a user can fill, driven through every
surface of the real Bolt app against the fake Slack. What leaves the process (acks, response_url posts,
Web API calls) is read field by field: nothing from the corpus may become a mention, a broadcast, a user
group, a date or a link, and the outbound guard must have had nothing to neutralise (the builders escape
at the source; the guard is the second wall)."""

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.app import build_app
from chatbot.catalog.importer import import_portal_file
from chatbot.catalog.sample import sample_document
from chatbot.handlers import Deps, normalise_text
from chatbot.models import Contribution, Issue, Person, Project
from chatbot.nudges.jobs import nudge_client, run_nudges
from chatbot.settings import Settings
from chatbot.slack.edge import slack_client
from digests.deliver import deliver_due
from digests.jobs import digest_client
from tests.conftest import BOT_TOKEN
from tests.fakes.slack import FakeSlack
from tests.hostile import CORPUS, EVIL_HOST, live_markup
from tests.sample_catalog import SampleCatalog
from tests.slack.test_events import Workspace

LOADED = datetime(2026, 11, 13, 12, 0, tzinfo=UTC)  # a Friday: by Monday contributions wait past their SLA
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
NEWCOMER = "UNEW00001"
OWNER = "U0NW00001"  # Priya Raman in the sample: owns authkit-python and scim-sync
CHANNEL = "C123"
PEOPLE = {p["slack_user_id"] for p in sample_document()["people"] if p.get("slack_user_id")}
USERS = PEOPLE | {NEWCOMER}
CHANNELS = {CHANNEL, "C0OBSERVE"}
BAD_URLS = ["javascript:alert(1)", f"https://{EVIL_HOST} x", "https://git.example/<!channel>", "mailto:a@b.c"]


class Recorder(Workspace):
    """The workspace, keeping every acknowledgement body the app answered with."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.acks: list[Any] = []

    def interaction(self, payload: dict[str, Any]) -> Any:
        return super().interaction({"response_url": self.fake.response_url()} | payload)

    def _send(self, body: str, content_type: str, extra: dict[str, str] | None = None) -> Any:
        reply = super()._send(body, content_type, extra)
        self.acks.append(reply)
        return reply


def poison(engine: Engine) -> None:
    """Every text field of the catalog filled from the corpus, as a hostile sync or import would."""
    words = cycle(CORPUS)
    with Session(engine) as session:
        for i, project in enumerate(session.exec(select(Project).order_by(col(Project.id))).all()):
            if i % 2:
                project.name = next(words)
            project.title = next(words)
            project.description = next(words)
            project.motivation = next(words)
            project.language = next(words)[:100]
            project.topics = [next(words), next(words), "auth"]
            project.skills = [next(words), next(words)]
            project.contributions_wanted = [next(words), next(words)]
            project.governance_level = next(words)[:60]
            if project.chat_channel != "#observability":  # where the nudge escalation goes
                project.chat_channel = next(words)[:200]
            project.trusted_committers = [
                {"name": next(words), "github": next(words)[:100], "role": next(words)[:60]}
            ]
            project.readme_excerpt = next(words)
            project.findings = [next(words)]
            if i % 5 == 0:
                project.docs_url = BAD_URLS[i % len(BAD_URLS)]
            session.add(project)
        for issue in session.exec(select(Issue)).all():
            issue.title = next(words)
            issue.labels = [*issue.labels, next(words)[:100]]
            issue.author = next(words)[:200]
            session.add(issue)
        for contribution in session.exec(select(Contribution)).all():
            contribution.title = next(words)
            session.add(contribution)
        for person in session.exec(select(Person)).all():
            person.display_name = next(words)[:300]
            person.team = next(words)[:200]
            session.add(person)
        session.commit()


def hostile_portal_file(path: Path) -> Path:
    """A repos.json whose every field is hostile: the import path of an InnerSource Portal file."""
    words = cycle(CORPUS)
    entries = []
    for i in range(len(CORPUS) // 4):
        entries.append(
            {
                "name": f"hostile-{i}",
                "full_name": f"evil/hostile-{i}",
                "html_url": f"https://git.northwind.example/evil/hostile-{i}",
                "description": next(words),
                "language": next(words)[:100],
                "_InnerSourceMetadata": {
                    "title": next(words),
                    "motivation": next(words),
                    "contributions": [next(words)],
                    "skills": [next(words)],
                    "topics": [next(words), "auth"],
                    "docs": BAD_URLS[i % len(BAD_URLS)],
                    "trusted_committers": [{"name": next(words), "github": next(words)[:100]}],
                },
            }
        )
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


@pytest.fixture
def hostile(sqlite_engine: Engine, sample_catalog: SampleCatalog, tmp_path: Path) -> Engine:
    sample_catalog(sqlite_engine, LOADED)
    poison(sqlite_engine)
    import_portal_file(sqlite_engine, str(hostile_portal_file(tmp_path / "repos.json")))
    return sqlite_engine


@pytest.fixture
def app_deps(settings: Settings, hostile: Engine, fake_slack: FakeSlack) -> Deps:
    settings = replace(
        settings,
        threads=1,
        slack_api_url=fake_slack.api_url,
        app=replace(settings.app, guide_url="https://wiki.example/is"),
    )
    return Deps(
        engine=hostile, settings=settings, clock=lambda: MONDAY, run_in_background=lambda work: work()
    )


@pytest.fixture
def slack(app_deps: Deps, fake_slack: FakeSlack) -> Iterator[Recorder]:
    for user in USERS:
        fake_slack.add_user(user, tz="Europe/Berlin")
    fake_slack.add_channel(CHANNEL, name="platform", is_member=True, members=sorted(USERS))
    fake_slack.add_channel("C0OBSERVE", name="observability", members=sorted(USERS))
    app = build_app(app_deps, client=slack_client(BOT_TOKEN, fake_slack.api_url, retries=False))
    yield Recorder(app, fake_slack)


@pytest.fixture
def guard_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.WARNING, logger="chatbot.slack.guard")
    return caplog


def everything_sent(slack: Recorder, fake: FakeSlack) -> list[tuple[str, Any]]:
    sent: list[tuple[str, Any]] = [("ack", ack) for ack in slack.acks if ack]
    sent += [(call.method, call.params) for call in fake.calls()]
    return sent


def assert_inert(slack: Recorder, fake: FakeSlack, guard_log: pytest.LogCaptureFixture) -> int:
    sent = everything_sent(slack, fake)
    problems = [
        f"{where}: {p}"
        for where, payload in sent
        for p in live_markup(payload, users=USERS, channels=CHANNELS)
    ]
    assert problems == [], "\n".join(problems[:40])
    neutralised = [r.getMessage() for r in guard_log.records if r.name == "chatbot.slack.guard"]
    assert neutralised == [], "the guard had to step in; a builder lets text through:\n" + "\n".join(
        neutralised
    )
    return len(sent)


def project_names(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [p.name for p in session.exec(select(Project).order_by(col(Project.id))).all()]


def project_ids(engine: Engine) -> list[int]:
    with Session(engine) as session:
        return [
            p.id for p in session.exec(select(Project).order_by(col(Project.id))).all() if p.id is not None
        ]


def buttons(message: Any, action_id: str) -> list[dict[str, Any]]:
    found = []
    for block in (message or {}).get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                found.append(element)
        accessory = block.get("accessory")
        if isinstance(accessory, dict) and accessory.get("action_id") == action_id:
            found.append(accessory)
    return found


# --- the surfaces ----------------------------------------------------------------------------------


def test_find_with_next_share_and_good_first_issues(
    slack: Recorder, fake_slack: FakeSlack, hostile: Engine, guard_log: pytest.LogCaptureFixture
) -> None:
    queries = [
        *CORPUS,
        "auth",
        "sort:stars",
        "has:good-first-issue",
        "has:help-wanted sort:new",
        "auth sort:name",
    ]
    replies = [slack.command(f"find {q}", user=NEWCOMER) for q in queries]
    for reply in replies:
        for button in buttons(reply, "find_next"):
            slack.click("find_next", value=button["value"])
    assert any(buttons(r, "find_next") for r in replies), "no search reached a second page"
    for project_id in project_ids(hostile):
        slack.click("share_project", value=str(project_id))
        slack.click("good_first_issues", value=str(project_id))
    assert len(fake_slack.calls("response_url")) >= 2 * len(project_ids(hostile))
    assert assert_inert(slack, fake_slack, guard_log) > 250


def test_project_cards_and_error_replies(
    slack: Recorder, fake_slack: FakeSlack, hostile: Engine, guard_log: pytest.LogCaptureFixture
) -> None:
    for name in project_names(hostile):
        reply = slack.command(f"project {name}")
        if name == normalise_text(name):  # what a person can type (no hidden characters)
            assert "I can't find" not in reply["text"], name
    for text in CORPUS:
        for command in ("project", "help", "nudges", "stale", "unsubscribe", "digest", "skills", ""):
            slack.command(f"{command} {text}".strip(), channel=CHANNEL)
    assert_inert(slack, fake_slack, guard_log)


def test_subscriptions_digests_and_their_forms(
    slack: Recorder,
    fake_slack: FakeSlack,
    hostile: Engine,
    app_deps: Deps,
    guard_log: pytest.LogCaptureFixture,
) -> None:
    assert "subscribed" in slack.command("subscribe daily", user=OWNER, channel=CHANNEL)["text"]
    report = deliver_due(hostile, digest_client(app_deps.settings), now=MONDAY + timedelta(days=1))
    assert report.sent == 1  # the scheduled digest
    for text in CORPUS[:20]:
        slack.command(f"subscribe weekly {text}", user=OWNER, channel=CHANNEL)
    listing = slack.command("subscriptions", user=OWNER, channel=CHANNEL)
    slack.command("subscriptions", user=OWNER, channel="D0NEW")
    slack.command("digest preview", user=OWNER, channel=CHANNEL)
    slack.command("digest now", user=OWNER, channel=CHANNEL)
    fake_slack.wait_for("chat.postMessage", 2)
    for edit in buttons(listing, "edit_subscription"):
        slack.click("edit_subscription", user=OWNER, value=edit["value"])
        fake_slack.wait_for("views.open")
        for text in CORPUS[:10]:
            slack.submit(
                "edit_subscription",
                {"frequency": {"selected_option": {"value": "daily"}}, "filters": {"value": text}},
                user=OWNER,
            )
    for remove in buttons(listing, "unsubscribe"):
        slack.click("unsubscribe", user=OWNER, value=remove["value"])
    assert_inert(slack, fake_slack, guard_log)


def test_app_home_dm_answers_mentions_welcome_and_modals(
    slack: Recorder, fake_slack: FakeSlack, hostile: Engine, guard_log: pytest.LogCaptureFixture
) -> None:
    slack.event({"type": "team_join", "user": {"id": NEWCOMER, "name": "<!channel>", "real_name": "@here"}})
    for user in (OWNER, NEWCOMER):
        slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0NEW"})
    posted = 1
    for name in project_names(hostile)[:30]:
        slack.dm(f"who owns {name}")
        posted += 1
    for text in CORPUS:
        slack.dm(text)
        slack.dm(f"good first issues for {text}")
        slack.event(
            {
                "type": "app_mention",
                "user": NEWCOMER,
                "channel": CHANNEL,
                "text": f"<@UBOT> {text}",
                "ts": "1.2",
            }
        )
        posted += 3
    fake_slack.wait_for("chat.postMessage", posted)
    for text in CORPUS[:25]:
        slack.click("home_edit_skills", user=NEWCOMER)
        slack.submit("home_edit_skills", {"skills": {"value": text}}, user=NEWCOMER)
        slack.submit(
            "home_link_identity",
            {"forge": {"selected_option": {"value": "github"}}, "login": {"value": text}},
            user=NEWCOMER,
        )
        slack.submit("home_search", {"query": {"value": text}}, user=NEWCOMER)
    assert fake_slack.calls("views.publish") and fake_slack.calls("views.open")
    assert_inert(slack, fake_slack, guard_log)


def test_nudge_dms_the_channel_escalation_and_the_answers(
    slack: Recorder,
    fake_slack: FakeSlack,
    hostile: Engine,
    app_deps: Deps,
    guard_log: pytest.LogCaptureFixture,
) -> None:
    client = nudge_client(app_deps.settings)
    for at in (MONDAY.replace(hour=9), MONDAY.replace(hour=15)):
        run_nudges(hostile, client, app_deps.settings, now=at, sleep=lambda seconds: None)
    nudges = [c.params for c in fake_slack.calls("chat.postMessage")]
    assert any(str(n["channel"]).startswith("U") for n in nudges), "no owner was nudged"
    assert any(n["channel"] == "#observability" for n in nudges), "no channel escalation"
    for nudge in nudges:
        for action_id in ("nudge_snooze_1", "nudge_on_it"):
            for button in buttons(nudge, action_id)[:2]:
                message = {"type": "message", "text": nudge["text"], "blocks": nudge["blocks"]}
                slack.click(action_id, user=str(nudge["channel"]), value=button["value"], message=message)
    assert_inert(slack, fake_slack, guard_log)
