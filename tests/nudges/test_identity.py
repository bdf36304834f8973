"""Forge login -> Slack user: the link command, the mapping file, users.lookupByEmail (fake Slack)."""

from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import ForgeIdentity, Person
from chatbot.nudges.facts import load_people
from chatbot.nudges.identity import (
    SlackDirectory,
    apply_mapping,
    link_identity,
    links_of,
    read_mapping,
    unlink_identity,
)
from tests.conftest import BOT_TOKEN, FIXED_NOW
from tests.fakes.slack import FakeSlack


def people(engine: Engine) -> dict[tuple[str, str], str]:
    with Session(engine) as session:
        return {key: p.slack_user_id for key, p in load_people(session).items()}


def identities(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(ForgeIdentity).order_by(col(ForgeIdentity.login))).all()
        return [(r.forge, r.login, r.source) for r in rows]


def add_person(engine: Engine, login: str, *, slack: str | None = None, email: str | None = None) -> None:
    with session_scope(engine) as session:
        person = Person(slack_user_id=slack, email=email)
        session.add(person)
        session.flush()
        assert person.id is not None
        session.add(ForgeIdentity(person_id=person.id, forge="github", login=login, source="sample"))


# --- link / unlink -------------------------------------------------------------------------------------


def test_link_then_unlink(engine: Engine) -> None:
    with Session(engine) as session:
        result = link_identity(session, "U1", "GitHub", "@Octocat")
        assert result.ok and "Linked github `Octocat`" in result.message
        assert [(i.forge, i.login) for i in links_of(session, "U1")] == [("github", "Octocat")]
    assert people(engine) == {("github", "octocat"): "U1"}
    with Session(engine) as session:
        assert link_identity(session, "U1", "github", "octocat").message.endswith("already linked to you.")
        assert not unlink_identity(session, "U2", "github", "octocat").ok
        assert unlink_identity(session, "U1", "github", "OCTOCAT").ok
    assert people(engine) == {}


@pytest.mark.parametrize(
    ("forge", "login", "says"),
    [
        ("bitbucket", "octocat", "I don't know the forge `bitbucket`: use `github`, `gitlab`, `gitee`."),
        ("github", "octo cat!", "doesn't look like a github login"),
        ("github", "<!channel>", "`&lt;!channel&gt;` doesn't look like a github login"),
        ("github", "a" * 40, "doesn't look like a github login"),
    ],
)
def test_bad_links_are_refused_with_a_reason_and_change_nothing(
    engine: Engine, forge: str, login: str, says: str
) -> None:
    with Session(engine) as session:
        result = link_identity(session, "U1", forge, login)
    assert not result.ok and says in result.message
    assert identities(engine) == []


def test_a_login_linked_to_someone_else_is_not_taken_over(engine: Engine) -> None:
    with Session(engine) as session:
        assert link_identity(session, "U1", "github", "octocat").ok
        result = link_identity(session, "U2", "github", "octocat")
    assert not result.ok
    assert (
        "already linked to <@U1>" in result.message and "/innersource unlink github octocat" in result.message
    )
    assert people(engine) == {("github", "octocat"): "U1"}


def test_linking_claims_a_catalog_person_without_slack(engine: Engine) -> None:
    add_person(engine, "kasante", email="kofi@example.com")
    with Session(engine) as session:
        assert link_identity(session, "U9", "github", "kasante").ok
    assert people(engine) == {("github", "kasante"): "U9"}
    assert identities(engine) == [("github", "kasante", "command")]


# --- the mapping file -----------------------------------------------------------------------------------


MAPPING = """
[github]
alice = "U0ALICE"
"bob" = "Bob@Example.com"
broken = 42

[gitlab]
carol = "W0CAROL"

[bitbucket]
dave = "U0DAVE"
"""


def test_the_mapping_file_links_logins_and_says_what_it_could_not_read(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "people.toml"
    path.write_text(MAPPING)
    mapping = read_mapping(path)
    assert [(e.forge, e.login, e.slack_user_id, e.email) for e in mapping.entries] == [
        ("github", "alice", "U0ALICE", None),
        ("github", "bob", None, "bob@example.com"),
        ("gitlab", "carol", "W0CAROL", None),
    ]
    assert any("[github] broken" in p and "Slack user id" in p for p in mapping.problems)
    assert any("[bitbucket]" in p for p in mapping.problems)
    with session_scope(engine) as session:
        apply_mapping(session, mapping)
    # bob has only an e-mail so far: no Slack user until the lookup runs.
    assert people(engine) == {("github", "alice"): "U0ALICE", ("gitlab", "carol"): "W0CAROL"}

    # A link by command is stronger than the file; an entry removed from the file goes away.
    with Session(engine) as session:
        assert link_identity(session, "U0OTHER", "gitlab", "carol").ok is False  # linked to W0CAROL
        assert unlink_identity(session, "W0CAROL", "gitlab", "carol").ok
        assert link_identity(session, "U0MINE", "gitlab", "carol").ok
    path.write_text('[gitlab]\ncarol = "W0CAROL"\n')
    with session_scope(engine) as session:
        apply_mapping(session, read_mapping(path))
    assert people(engine) == {("gitlab", "carol"): "U0MINE"}


def test_an_unreadable_mapping_file_keeps_the_links_it_made(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "people.toml"
    path.write_text('[github]\nalice = "U0ALICE"\n')
    with session_scope(engine) as session:
        apply_mapping(session, read_mapping(path))
    path.write_text("[github\n")
    broken = read_mapping(path)
    assert broken.problems and "not valid TOML" in broken.problems[0]
    with session_scope(engine) as session:
        apply_mapping(session, broken)
    assert people(engine) == {("github", "alice"): "U0ALICE"}


# --- users.lookupByEmail ---------------------------------------------------------------------------------


@pytest.fixture
def directory(fake_slack: FakeSlack) -> SlackDirectory:
    return SlackDirectory(WebClient(token=BOT_TOKEN, base_url=fake_slack.api_url, retry_handlers=[]))


def test_an_email_is_looked_up_once_and_remembered(
    engine: Engine, fake_slack: FakeSlack, directory: SlackDirectory
) -> None:
    fake_slack.add_user("U0KOFI", tz="Africa/Accra", email="kofi@example.com")
    add_person(engine, "kasante", email="kofi@example.com")
    add_person(engine, "nobody", email="nobody@example.com")

    report = directory.resolve(engine, FIXED_NOW)

    assert (report.found, report.missed) == (1, 1)
    assert people(engine) == {("github", "kasante"): "U0KOFI"}
    assert ("github", "kasante", "email") in identities(engine)
    with Session(engine) as session:
        kofi = session.exec(select(Person).where(col(Person.slack_user_id) == "U0KOFI")).one()
        assert kofi.timezone == "Africa/Accra"
    # The next pass asks Slack nothing: one is known, the other missed less than a day ago.
    directory.resolve(engine, FIXED_NOW + timedelta(minutes=15))
    assert len(fake_slack.calls("users.lookupByEmail")) == 2
    directory.resolve(engine, FIXED_NOW + timedelta(days=1, minutes=1))
    assert len(fake_slack.calls("users.lookupByEmail")) == 3


def test_an_email_match_joins_the_person_slack_already_knows(
    engine: Engine, fake_slack: FakeSlack, directory: SlackDirectory
) -> None:
    fake_slack.add_user("U0KOFI", tz="Africa/Accra", email="kofi@example.com")
    with session_scope(engine) as session:
        session.add(Person(slack_user_id="U0KOFI", display_name="Kofi"))
    add_person(engine, "kasante", email="kofi@example.com")
    directory.resolve(engine, FIXED_NOW)
    assert people(engine) == {("github", "kasante"): "U0KOFI"}
    with Session(engine) as session:
        assert len(session.exec(select(Person)).all()) == 1


def test_lookups_stop_on_a_rate_limit_and_fill_missing_timezones(
    engine: Engine, fake_slack: FakeSlack, directory: SlackDirectory
) -> None:
    add_person(engine, "kasante", email="kofi@example.com")
    fake_slack.fail("users.lookupByEmail", status=429, retry_after=30)
    assert directory.resolve(engine, FIXED_NOW).stopped == "users.lookupByEmail: ratelimited"
    assert people(engine) == {}

    fake_slack.add_user("U0ALICE", tz="Europe/Berlin")
    add_person(engine, "alice", slack="U0ALICE")
    assert directory.resolve(engine, FIXED_NOW).timezones == 1
    with Session(engine) as session:
        alice = session.exec(select(Person).where(col(Person.slack_user_id) == "U0ALICE")).one()
        assert alice.timezone == "Europe/Berlin"
