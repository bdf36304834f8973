"""Who to talk to about a project: its trusted committers and other owners, with their Slack accounts."""

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from chatbot.catalog.cards import contribute_url, readable_name
from chatbot.models import Person, Project, ProjectOwner
from chatbot.nudges.facts import forge_of
from chatbot.nudges.identity import find_identity
from chatbot.nudges.policy import OWNER_ROLES

MAX_PEOPLE = 12


@dataclass(frozen=True)
class Contact:
    name: str
    login: str = ""
    role: str = "trusted_committer"  # trusted_committer | codeowner | admin
    slack_user_id: str | None = None


@dataclass(frozen=True)
class ProjectPeople:
    project_id: int
    title: str
    full_name: str
    url: str
    contacts: list[Contact] = field(default_factory=list)
    chat_channel: str | None = None
    contribute_url: str | None = None
    also: list[str] = field(default_factory=list)  # full names of other projects that matched the name


def people_of(session: Session, project: Project, also: list[str] | None = None) -> ProjectPeople:
    assert project.id is not None
    contacts: dict[str, Contact] = {}
    for entry in project.trusted_committers:
        if not isinstance(entry, dict):
            continue
        login = str(entry.get("github") or "").strip().lstrip("@")
        name = str(entry.get("name") or "").strip() or login
        if name:
            contacts[(login or name).lower()] = Contact(name=name, login=login)
    owners = session.exec(select(ProjectOwner).where(col(ProjectOwner.project_id) == project.id)).all()
    for owner in sorted(owners, key=lambda o: _rank(o.role)):
        key = owner.forge_login.lower()
        if key not in contacts:
            contacts[key] = Contact(name=owner.forge_login, login=owner.forge_login, role=owner.role)
    forge = forge_of(project)
    found = [
        Contact(c.name, c.login, c.role, _slack_user(session, forge, c.login) if c.login else None)
        for c in sorted(contacts.values(), key=lambda c: _rank(c.role))[:MAX_PEOPLE]
    ]
    return ProjectPeople(
        project_id=project.id,
        title=project.title or readable_name(project.name),
        full_name=project.full_name,
        url=project.html_url,
        contacts=found,
        chat_channel=project.chat_channel,
        contribute_url=contribute_url(project),
        also=list(also or []),
    )


def _rank(role: str) -> int:
    return OWNER_ROLES.index(role) if role in OWNER_ROLES else len(OWNER_ROLES)


def _slack_user(session: Session, forge: str, login: str) -> str | None:
    identity = find_identity(session, forge, login)
    if identity is None:
        return None
    person = session.get(Person, identity.person_id)
    return person.slack_user_id if person is not None else None
