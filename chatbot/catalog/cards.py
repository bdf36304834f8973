"""What a project card shows, as plain data built from a catalog row."""

from dataclasses import dataclass, field

from chatbot.catalog.activity import activity_band
from chatbot.catalog.queries import IssueCounts
from chatbot.models import Project


@dataclass(frozen=True)
class ProjectCard:
    project_id: int
    full_name: str
    title: str
    url: str
    description: str
    language: str | None
    topics: list[str]
    activity: str
    help_wanted: int
    good_first: int
    contribute_url: str | None
    trusted_committers: list[str] = field(default_factory=list)
    chat_channel: str | None = None
    archived: bool = False
    findings: list[str] = field(default_factory=list)


def readable_name(name: str) -> str:
    words = name.replace("_", "-").split("-")
    return " ".join(w[:1].upper() + w[1:] for w in words if w)


def contribute_url(project: Project) -> str | None:
    """As the portal does: the docs, then CONTRIBUTING, then the repository."""
    if project.docs_url and project.docs_url.startswith(("http://", "https://")):
        return project.docs_url
    if project.guidelines and project.html_url:
        return f"{project.html_url}/blob/{project.default_branch}/{project.guidelines}"
    return project.html_url or None


def card_for(project: Project, counts: IssueCounts) -> ProjectCard:
    assert project.id is not None
    committers = [
        p.get("name") or p.get("github") or "" for p in project.trusted_committers if isinstance(p, dict)
    ]
    return ProjectCard(
        project_id=project.id,
        full_name=project.full_name,
        title=project.title or readable_name(project.name),
        url=project.html_url,
        description=project.motivation or project.description,
        language=project.language,
        topics=list(project.topics),
        activity=activity_band(project.activity_score),
        help_wanted=counts.help_wanted,
        good_first=counts.good_first,
        contribute_url=contribute_url(project),
        trusted_committers=[c for c in committers if c],
        chat_channel=project.chat_channel,
        archived=project.archived,
        findings=list(project.findings),
    )
