"""Forge login -> Slack user, stored as `ForgeIdentity` rows pointing at a `Person`.

Sources, strongest first: (1) `/innersource link github <login>` (source `command`), (2) the mapping
file named by `[nudges] mapping_file` (source `mapping`), (3) `users.lookupByEmail` for a person whose
e-mail is known (source `email`; the sample catalog's rows are `sample`). A weaker source never
overwrites a stronger one. E-mail lookups run in the nudge job, never on a request's path.

The mapping file is TOML, one table per forge, login = Slack user id or e-mail address:

    [github]
    octocat = "U012ABCDEF"
    "mona.lisa" = "mona@example.com"

    [gitlab]
    jdoe = "U0456GHIJK"
"""

import logging
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from chatbot.db import session_scope
from chatbot.models import ForgeIdentity, Person
from chatbot.slack.blocks import escape
from chatbot.slack.markup import mention

logger = logging.getLogger(__name__)

FORGES = ("github", "gitlab", "gitee")
COMMAND, MAPPING, EMAIL, SAMPLE = "command", "mapping", "email", "sample"
_STRENGTH = {COMMAND: 3, MAPPING: 2, EMAIL: 1, SAMPLE: 1}
LOGIN_PATTERNS = {
    "github": re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$"),
    "gitlab": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$"),
    "gitee": re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}$"),
}
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOOKUPS_PER_RUN = 40  # users.lookupByEmail is Tier 3 (50+ a minute)
MISS_TTL = timedelta(days=1)


# --- linking by command ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    message: str  # for the person who asked; mrkdwn, forge-supplied text escaped
    forge: str = ""
    login: str = ""


def link_identity(session: Session, slack_user_id: str, forge: str, login: str) -> LinkResult:
    """Link a forge login to a Slack user (`/innersource link`, the App Home form). Commits.

    Refuses, with a message saying why, an unknown forge, a malformed login, and a login that is already
    linked to another Slack user (that person or an admin must unlink it first).
    """
    forge, login = forge.strip().lower(), login.strip().lstrip("@")
    problem = check_login(forge, login)
    if problem:
        return LinkResult(False, problem, forge, login)
    person = person_for(session, slack_user_id)
    existing = find_identity(session, forge, login)
    if existing is not None:
        holder = session.get(Person, existing.person_id)
        if existing.person_id == person.id:
            existing.source = COMMAND
            session.add(existing)
            session.commit()
            return LinkResult(True, f"{_shown(forge, login)} was already linked to you.", forge, login)
        if holder is not None and holder.slack_user_id and holder.slack_user_id != slack_user_id:
            return LinkResult(
                False,
                f"{_shown(forge, login)} is already linked to {mention(holder.slack_user_id)}. "
                "If it is yours, "
                f"ask them to run `/innersource unlink {forge} {_escape(login)}`, or ask an admin.",
                forge,
                login,
            )
        if holder is not None:
            _adopt(person, holder)
        existing.person_id, existing.source = _id(person), COMMAND
        session.add(existing)
    else:
        session.add(ForgeIdentity(person_id=_id(person), forge=forge, login=login, source=COMMAND))
    session.commit()
    return LinkResult(
        True,
        f"Linked {_shown(forge, login)} to you: nudges about its contributions will reach you here.",
        forge,
        login,
    )


def unlink_identity(session: Session, slack_user_id: str, forge: str, login: str) -> LinkResult:
    """Remove one of one's own links. Commits."""
    forge, login = forge.strip().lower(), login.strip().lstrip("@")
    problem = check_login(forge, login)
    if problem:
        return LinkResult(False, problem, forge, login)
    existing = find_identity(session, forge, login)
    holder = session.get(Person, existing.person_id) if existing is not None else None
    if existing is None or holder is None or holder.slack_user_id != slack_user_id:
        return LinkResult(False, f"{_shown(forge, login)} is not linked to you.", forge, login)
    session.delete(existing)
    session.commit()
    return LinkResult(True, f"Unlinked {_shown(forge, login)}.", forge, login)


def links_of(session: Session, slack_user_id: str) -> list[ForgeIdentity]:
    return list(
        session.exec(
            select(ForgeIdentity)
            .join(Person, col(Person.id) == col(ForgeIdentity.person_id))
            .where(col(Person.slack_user_id) == slack_user_id)
            .order_by(col(ForgeIdentity.forge), col(ForgeIdentity.login))
        ).all()
    )


def check_login(forge: str, login: str) -> str | None:
    """What is wrong with this forge and login, said for a person; None when fine."""
    if forge not in FORGES:
        return f"I don't know the forge `{_escape(forge[:30])}`: use {', '.join(f'`{f}`' for f in FORGES)}."
    if not LOGIN_PATTERNS[forge].match(login):
        return (
            f"`{_escape(login[:60])}` doesn't look like a {forge} login: letters, digits and hyphens, "
            "as in your profile URL."
        )
    return None


def find_identity(session: Session, forge: str, login: str) -> ForgeIdentity | None:
    """Logins compare case-insensitively, as forges treat them."""
    return session.exec(
        select(ForgeIdentity).where(
            col(ForgeIdentity.forge) == forge, func.lower(ForgeIdentity.login) == login.lower()
        )
    ).first()


def person_for(session: Session, slack_user_id: str) -> Person:
    person = session.exec(select(Person).where(col(Person.slack_user_id) == slack_user_id)).first()
    if person is None:
        person = Person(slack_user_id=slack_user_id)
        session.add(person)
        session.flush()
    return person


# --- the mapping file -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MappingEntry:
    forge: str
    login: str
    slack_user_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Mapping:
    entries: tuple[MappingEntry, ...] = ()
    problems: tuple[str, ...] = ()
    readable: bool = True  # False when the file could not be read: its links are kept, not dropped


def read_mapping(path: Path | None) -> Mapping:
    """Parse the mapping file; broken entries become problems (shown by the dry run), never errors."""
    if path is None:
        return Mapping()
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        return Mapping(problems=(f"{path}: cannot be read ({exc.strerror or exc})",), readable=False)
    except tomllib.TOMLDecodeError as exc:
        return Mapping(problems=(f"{path} is not valid TOML: {exc}",), readable=False)
    entries: list[MappingEntry] = []
    problems: list[str] = []
    for forge, table in document.items():
        if forge not in FORGES or not isinstance(table, dict):
            problems.append(f"{path}: [{forge}] should be a table named after a forge ({', '.join(FORGES)})")
            continue
        for login, target in table.items():
            where = f"{path}: [{forge}] {login}"
            if check_login(forge, login) is not None:
                problems.append(f"{where}: not a valid {forge} login")
            elif isinstance(target, str) and SLACK_USER_ID.match(target.strip()):
                entries.append(MappingEntry(forge, login, slack_user_id=target.strip()))
            elif isinstance(target, str) and EMAIL_ADDRESS.match(target.strip()):
                entries.append(MappingEntry(forge, login, email=target.strip().lower()))
            else:
                problems.append(f'{where}: expected a Slack user id ("U012ABCDEF") or an e-mail address')
    return Mapping(tuple(entries), tuple(problems))


def apply_mapping(session: Session, mapping: Mapping) -> int:
    """Store the mapping file's entries as `mapping` identities (a `command` link wins over them), and
    drop `mapping` identities the file no longer lists. Flushes; the caller commits (or, for a dry run,
    does not). Returns how many rows changed."""
    changed = 0
    wanted = {(e.forge, e.login.lower()) for e in mapping.entries}
    for entry in mapping.entries:
        existing = find_identity(session, entry.forge, entry.login)
        if existing is not None and _STRENGTH.get(existing.source, 0) > _STRENGTH[MAPPING]:
            continue
        person = _mapped_person(session, entry)
        if existing is None:
            session.add(
                ForgeIdentity(person_id=_id(person), forge=entry.forge, login=entry.login, source=MAPPING)
            )
        elif existing.person_id != person.id or existing.source != MAPPING:
            existing.person_id, existing.source = _id(person), MAPPING
            session.add(existing)
        else:
            continue
        changed += 1
    if mapping.readable:
        for row in session.exec(select(ForgeIdentity).where(col(ForgeIdentity.source) == MAPPING)).all():
            if (row.forge, row.login.lower()) not in wanted:
                session.delete(row)
                changed += 1
    session.flush()
    return changed


def _mapped_person(session: Session, entry: MappingEntry) -> Person:
    if entry.slack_user_id:
        return person_for(session, entry.slack_user_id)
    person = session.exec(select(Person).where(func.lower(Person.email) == entry.email)).first()
    if person is None:
        person = Person(email=entry.email)
        session.add(person)
        session.flush()
    return person


# --- e-mail and timezone lookups (off the request path) -------------------------------------------------


@dataclass
class LookupReport:
    found: int = 0
    missed: int = 0
    timezones: int = 0
    stopped: str | None = None  # why lookups stopped early (a rate limit, an error)


class SlackDirectory:
    """users.lookupByEmail and users.info, with a per-process memory of misses (retried after a day)."""

    def __init__(self, client: WebClient, *, per_run: int = LOOKUPS_PER_RUN) -> None:
        self.client = client
        self.per_run = per_run
        self._misses: dict[str, datetime] = {}

    def resolve(self, engine: Engine, now: datetime) -> LookupReport:
        """Fill in Slack ids of linked people known only by e-mail, and missing timezones."""
        report = LookupReport()
        budget = self.per_run
        with Session(engine) as session:
            linked = (
                select(Person)
                .where(col(Person.id).in_(select(ForgeIdentity.person_id)))
                .order_by(col(Person.id))
            )
            by_email = session.exec(
                linked.where(col(Person.slack_user_id).is_(None), col(Person.email).is_not(None))
            ).all()
            no_tz = session.exec(
                linked.where(col(Person.slack_user_id).is_not(None), col(Person.timezone).is_(None))
            ).all()
        for person in by_email:
            assert person.email is not None and person.id is not None
            missed_at = self._misses.get(person.email)
            if missed_at is not None and now - missed_at < MISS_TTL:
                continue
            if budget <= 0:
                break
            budget -= 1
            try:
                user = self.client.users_lookupByEmail(email=person.email)["user"]
            except SlackApiError as exc:
                code = exc.response.get("error") if exc.response is not None else None
                if code == "users_not_found":
                    self._misses[person.email] = now
                    report.missed += 1
                    continue
                report.stopped = f"users.lookupByEmail: {code or exc.response.status_code}"
                return report
            except (OSError, KeyError, TypeError) as exc:
                report.stopped = f"users.lookupByEmail: {type(exc).__name__}"
                return report
            if _remember_slack_user(engine, person.id, user):
                report.found += 1
        for person in no_tz:
            if budget <= 0:
                break
            budget -= 1
            try:
                user = self.client.users_info(user=str(person.slack_user_id))["user"]
            except (SlackApiError, OSError, KeyError, TypeError) as exc:
                report.stopped = f"users.info: {type(exc).__name__}"
                return report
            tz = user.get("tz") if isinstance(user, dict) else None
            if isinstance(tz, str) and tz:
                with session_scope(engine) as session:
                    row = session.get(Person, person.id)
                    if row is not None:
                        row.timezone = tz
                        report.timezones += 1
        return report


def _remember_slack_user(engine: Engine, person_id: int, user: object) -> bool:
    """Store what users.lookupByEmail answered; merge into the person who already has that Slack id."""
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or user.get("deleted"):
        return False
    slack_id, tz = str(user["id"]), user.get("tz")
    with session_scope(engine) as session:
        person = session.get(Person, person_id)
        if person is None:
            return False
        other = session.exec(select(Person).where(col(Person.slack_user_id) == slack_id)).first()
        target = other or person
        if other is not None and other.id != person.id:
            _adopt(other, person)
            for identity in session.exec(
                select(ForgeIdentity).where(col(ForgeIdentity.person_id) == person.id)
            ).all():
                identity.person_id = _id(other)
                session.add(identity)
            session.flush()
            session.delete(person)
        else:
            person.slack_user_id = slack_id
        if target.timezone is None and isinstance(tz, str) and tz:
            target.timezone = tz
        for identity in session.exec(select(ForgeIdentity).where(col(ForgeIdentity.person_id) == target.id)):
            if _STRENGTH.get(identity.source, 0) <= _STRENGTH[EMAIL]:
                identity.source = EMAIL
                session.add(identity)
        session.add(target)
    return True


def _adopt(person: Person, other: Person) -> None:
    """Fill what `person` does not know from `other` (an unlinked person whose identity moves over)."""
    for name in ("email", "timezone", "team"):
        if getattr(person, name) is None and getattr(other, name) is not None:
            setattr(person, name, getattr(other, name))
    if not person.display_name and other.display_name:
        person.display_name = other.display_name


def _id(person: Person) -> int:
    assert person.id is not None
    return person.id


def _shown(forge: str, login: str) -> str:
    return f"{forge} `{_escape(login)}`"


def _escape(text: str) -> str:
    return escape(text).replace("`", "'")
