"""What a project card shows, as plain data built from a catalog row."""

import math
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

from chatbot.catalog.activity import activity_band
from chatbot.catalog.innersource_json import read_metadata
from chatbot.catalog.queries import GOOD_FIRST_ISSUE, HELP_WANTED, IssueCounts, normalise_label
from chatbot.models import Issue, Project
from chatbot.slack.markup import is_http_url


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
    if is_http_url(project.docs_url):
        return project.docs_url
    return contributing_url(project) or project.html_url or None


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


# --- the full card of `/innersource project <name>` ----------------------------------------------

GOVERNANCE_WORDS = {
    "bug_reports": "Bug reports and issues welcome",
    "contributions_welcome": "Contributions welcome",
    "shared_write": "Shared write access",
    "shared_ownership": "Shared ownership",
}
SPARK_LEVELS = "▁▂▃▄▅▆▇█"
RECENT_WEEKS = 12
HELPABLE_LABELS = (HELP_WANTED, GOOD_FIRST_ISSUE)


@dataclass(frozen=True)
class Committer:
    name: str
    github: str = ""
    role: str = ""


@dataclass(frozen=True)
class IssueLine:
    number: int
    title: str
    url: str
    labels: list[str] = field(default_factory=list)
    assigned: bool = False


@dataclass(frozen=True)
class ProjectDetail:
    """Everything the full project card shows; `card` is the compact card (findings, buttons)."""

    card: ProjectCard
    about: str  # the motivation, else the description
    contributions_wanted: list[str]
    skills: list[str]
    governance: str | None
    committers: list[Committer]
    repo_url: str
    docs_url: str | None
    contributing_url: str | None
    issues_url: str | None
    participation: list[int]  # weekly commit counts, oldest first
    issues: list[IssueLine] = field(default_factory=list)  # open help-wanted / good first, best first
    open_issues: int = 0  # how many such issues are open in all
    more_issues_url: str | None = None
    also: list[str] = field(default_factory=list)  # full names of other projects that matched


def governance_words(level: str | None) -> str | None:
    if not level:
        return None
    return GOVERNANCE_WORDS.get(level, level.replace("_", " ").capitalize())


def recent_weeks(participation: list[int], weeks: int = RECENT_WEEKS) -> list[int]:
    return [max(int(w), 0) for w in participation[-weeks:]] if weeks > 0 else []


def sparkline(weeks: list[int]) -> str:
    """One character per week: empty weeks at the bottom, the busiest week at the top."""
    peak = max(weeks, default=0)
    if peak <= 0:
        return SPARK_LEVELS[0] * len(weeks)
    top = len(SPARK_LEVELS) - 1
    return "".join(
        SPARK_LEVELS[0] if w <= 0 else SPARK_LEVELS[max(1, math.ceil(w * top / peak))] for w in weeks
    )


def _forge_path(project: Project, path: str) -> str:
    """GitLab puts repository pages under `/-/`; GitHub, Gitee and the portal do not."""
    base = project.html_url.rstrip("/")
    return f"{base}/-/{path}" if project.source == "gitlab" else f"{base}/{path}"


def contributing_url(project: Project) -> str | None:
    guidelines = (project.guidelines or "").strip()
    if not guidelines:
        return None
    if is_http_url(guidelines):
        return guidelines
    if not project.html_url:
        return None
    path = quote(guidelines.lstrip("/"), safe="/")
    return _forge_path(project, f"blob/{quote(project.default_branch, safe='/')}/{path}")


def issues_url(project: Project) -> str | None:
    """The tracker the project names in innersource.json (communication.issues), else the forge's."""
    meta, _ = read_metadata(project.innersource_metadata or None)
    if meta.issues_url and is_http_url(meta.issues_url):
        return meta.issues_url
    return _forge_path(project, "issues") if project.html_url else None


def labelled_issues_url(project: Project, labels: list[str]) -> str | None:
    """The repository's open issues with any of these labels, as its forge spells the filter."""
    if not project.html_url:
        return None
    wanted = list(dict.fromkeys(label for label in labels if label.strip()))[:5]
    if not wanted:
        return _forge_path(project, "issues")
    if project.source == "gitlab":
        # GitLab's label filter is AND, so filter by the most used label.
        return _forge_path(project, f"issues?state=opened&label_name[]={quote(wanted[0])}")
    if project.source == "gitee":
        return _forge_path(project, "issues")
    names = ",".join('"' + label.replace('"', "") + '"' for label in wanted)
    return _forge_path(project, "issues?q=" + quote_plus(f"is:issue is:open label:{names}"))


def is_helpable(labels: list[str]) -> bool:
    return any(normalise_label(label) in HELPABLE_LABELS for label in labels)


def issue_line(issue: Issue) -> IssueLine:
    return IssueLine(
        number=issue.number,
        title=issue.title,
        url=issue.url,
        labels=list(issue.labels),
        assigned=bool(issue.assignees),
    )


def detail_for(
    project: Project,
    counts: IssueCounts,
    helpable: list[Issue],
    *,
    shown: int = 5,
    also: list[str] | None = None,
) -> ProjectDetail:
    """The full card. `helpable`: the open help-wanted / good first issues, best first."""
    card = card_for(project, counts)
    committers = []
    for person in project.trusted_committers:
        if not isinstance(person, dict):
            continue
        name = str(person.get("name") or "").strip()
        github = str(person.get("github") or "").strip().lstrip("@")
        if name or github:
            committers.append(
                Committer(name=name or github, github=github, role=str(person.get("role") or ""))
            )
    skills = list(project.skills) or ([project.language] if project.language else [])
    # The labels of the issues not shown, most used first, filter the "and K more" link.
    hidden_labels: dict[str, int] = {}
    for issue in helpable[shown:]:
        for label in issue.labels:
            if normalise_label(label) in HELPABLE_LABELS:
                hidden_labels[label] = hidden_labels.get(label, 0) + 1
    ranked_labels = sorted(hidden_labels, key=lambda label: -hidden_labels[label])
    return ProjectDetail(
        card=card,
        about=project.motivation or project.description,
        contributions_wanted=list(project.contributions_wanted) or ["Any"],
        skills=skills,
        governance=governance_words(project.governance_level),
        committers=committers,
        repo_url=project.html_url,
        docs_url=project.docs_url if is_http_url(project.docs_url) else None,
        contributing_url=contributing_url(project),
        issues_url=issues_url(project),
        participation=list(project.participation),
        issues=[issue_line(i) for i in helpable[:shown]],
        open_issues=len(helpable),
        more_issues_url=labelled_issues_url(project, ranked_labels) if len(helpable) > shown else None,
        also=list(also or []),
    )
