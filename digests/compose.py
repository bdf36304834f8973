"""What one digest contains: the catalog's new projects and help-wanted / good first issues in a period.

`compose_digest(session, filters, since, until)` reads the catalog with a few indexed queries (the
window on `first_seen_at`, LIMIT, a window-function count for "and K more") and returns plain data that
`digests.render` turns into a message. The filters are those of `/innersource find`, parsed by the same
`parse_query`: lang:, topic:, org:, source:, has: and words. Words match a project's name, title,
description, motivation or topics (case-insensitive substring); every word must match.

Ranking, both sections: the project's activity band (the catalog's "Very high", "High", ... bands of
the activity score) first, the freshest item within a band next, then the raw score. Issues that
nobody is assigned to come before assigned ones. Archived and removed projects never appear.
"""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BindParameter, TextClause, bindparam, column, text
from sqlmodel import Session, col, select

from chatbot.catalog.activity import ACTIVITY_BANDS, activity_band
from chatbot.catalog.cards import readable_name
from chatbot.catalog.queries import GOOD_FIRST_ISSUE, HELP_WANTED, normalise_label
from chatbot.catalog.query import SearchQuery, parse_query
from chatbot.models import Issue, Project, UTCDateTime

HELPABLE = (HELP_WANTED, GOOD_FIRST_ISSUE)
# A JSON list of labels, lower-cased with "-" and "_" read as spaces, as `normalise_label` does.
NORMALISED_LABELS = "lower(replace(replace(CAST(i.labels AS TEXT), '-', ' '), '_', ' '))"
# 6 for "Extremely high" down to 0 for "None"; the thresholds are integers from activity.py.
ACTIVITY_RANK = (
    "CASE "
    + " ".join(
        f"WHEN p.activity_score > {int(threshold)} THEN {len(ACTIVITY_BANDS) - i}"
        for i, (threshold, _) in enumerate(ACTIVITY_BANDS)
    )
    + " ELSE 0 END"
)
ISSUE_SINCE = "coalesce(i.labeled_at, i.first_seen_at)"
ESCAPE = "ESCAPE '\\'"  # LIKE patterns escape % and _ with a backslash (SQLite and PostgreSQL alike)


@dataclass(frozen=True)
class DigestProject:
    project_id: int
    full_name: str
    title: str
    url: str
    description: str  # the description, else the motivation; untrusted, escape it
    language: str | None
    topics: list[str]
    activity: str  # the activity band: "Very high", "High", ..., "None"
    activity_score: int
    first_seen_at: datetime


@dataclass(frozen=True)
class DigestIssue:
    issue_id: int
    number: int
    title: str
    url: str
    labels: list[str]  # the help-wanted / good first labels as the forge spells them, then the others
    assigned: bool
    since: datetime  # when it was labelled (or first seen, when that is not known)
    project_id: int
    project_full_name: str
    project_title: str
    project_url: str
    project_activity: str


@dataclass(frozen=True)
class ContributionStats:
    """Aggregated cross-team pull request figures for the period: counts only, never people."""

    opened: int  # opened in the period by someone outside the owning team
    closed: int  # such pull requests merged or closed in the period (the sync does not tell them apart)
    projects: int  # distinct projects that received one of the `opened`
    # Median hours from opening to the response the sync recorded, over the `opened` that got one. The
    # catalog keeps the latest response, not the first, so this is an upper bound of the first response.
    median_first_response_hours: float | None = None

    @property
    def is_empty(self) -> bool:
        return self.opened == 0 and self.closed == 0


@dataclass(frozen=True)
class Digest:
    period_start: datetime  # inclusive, aware UTC
    period_end: datetime  # exclusive, aware UTC
    filters: str
    new_projects: list[DigestProject] = field(default_factory=list)
    new_issues: list[DigestIssue] = field(default_factory=list)
    more_projects: int = 0  # matching new projects not listed
    more_issues: int = 0
    contribution_stats: ContributionStats | None = None

    @property
    def is_empty(self) -> bool:
        """Nothing new to post (contribution figures alone are not news)."""
        return not (self.new_projects or self.new_issues or self.more_projects or self.more_issues)


def compose_digest(
    session: Session,
    filters: str,
    since: datetime,
    until: datetime,
    *,
    per_section: int = 8,
    with_stats: bool = False,
) -> Digest:
    """The digest of [since, until) for a subscription with these find-style filters."""
    start, end = _utc(since, "since"), _utc(until, "until")
    if start > end:
        raise ValueError("since must not be after until")
    if per_section < 0:
        raise ValueError("per_section must not be negative")
    query = parse_query(filters)
    where, params = project_filters(query)
    params = {**params, "since": start, "until": end}

    project_ids, project_total = _page(session, "p.id", _new_projects(where), per_section, params)
    issue_ids, issue_total = _page(session, "i.id", _new_issues(query, where, params), per_section, params)
    stats = _contribution_stats(session, where, params, start, end) if with_stats else None
    projects = _load_projects(session, project_ids)
    issues = _load_issues(session, issue_ids)
    return Digest(
        period_start=start,
        period_end=end,
        filters=" ".join(filters.split()),
        new_projects=projects,
        new_issues=issues,
        more_projects=max(project_total - len(projects), 0),
        more_issues=max(issue_total - len(issues), 0),
        contribution_stats=stats,
    )


def project_filters(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on `project p` for a parsed find query: find's filters, plus every word.

    The same conditions as find's (chatbot/catalog/search.py), except that archived and removed projects
    are always left out, `is:` and `sort:` do not apply, and words are matched with LIKE instead of the
    full-text index (the window on first_seen_at has already narrowed the rows down).
    """
    # `NOT p.archived` rather than `p.archived = false`: an equality on the low-selectivity archived index
    # would tempt SQLite's planner away from the first_seen_at range.
    where = ["p.removed_at IS NULL", "NOT p.archived"]
    params: dict[str, Any] = {}
    if query.languages:
        where.append("lower(coalesce(p.language, '')) IN :f_languages")
        params["f_languages"] = tuple(query.languages)
    if query.orgs:
        where.append("lower(p.owner_login) IN :f_orgs")
        params["f_orgs"] = tuple(query.orgs)
    if query.sources:
        # `|| ''`: the source index has a handful of values; scanning it is slower than the window.
        where.append("p.source || '' IN :f_sources")
        params["f_sources"] = tuple(query.sources)
    for i, topic in enumerate(query.topics):
        where.append(f"lower(CAST(p.topics AS TEXT)) LIKE :f_topic{i} {ESCAPE}")
        params[f"f_topic{i}"] = f'%"{_like_escape(topic)}"%'
    for i, label in enumerate(query.labels):
        where.append(
            f"EXISTS (SELECT 1 FROM issue i WHERE i.project_id = p.id AND i.state = 'open'"
            f" AND {NORMALISED_LABELS} LIKE :f_label{i} {ESCAPE})"
        )
        params[f"f_label{i}"] = f'%"{_like_escape(normalise_label(label))}"%'
    for i, term in enumerate(query.terms):
        fields = ("p.name", "p.title", "p.description", "p.motivation", "CAST(p.topics AS TEXT)")
        where.append("(" + " OR ".join(f"lower({f}) LIKE :f_word{i} {ESCAPE}" for f in fields) + ")")
        params[f"f_word{i}"] = f"%{_like_escape(term)}%"
    return where, params


def _new_projects(where: Sequence[str]) -> tuple[str, str]:
    """FROM/WHERE and ORDER BY of the new projects: the window on the first_seen_at index, then filters."""
    window = "p.first_seen_at >= :since AND p.first_seen_at < :until"
    rows = f"FROM project p WHERE {window} AND {' AND '.join(where)}"
    return rows, f"{ACTIVITY_RANK} DESC, p.first_seen_at DESC, p.activity_score DESC, p.id"


def _new_issues(query: SearchQuery, where: Sequence[str], params: dict[str, Any]) -> tuple[str, str]:
    """Open issues labelled help wanted / good first (only the labels has: names, if any) in the window."""
    wanted = [normalise_label(label) for label in query.labels] or list(HELPABLE)
    for i, label in enumerate(wanted):
        params[f"i_label{i}"] = f'%"{_like_escape(label)}"%'
    joined = " AND " if query.labels else " OR "  # has:a has:b asks for both, as find does
    labels = joined.join(f"{NORMALISED_LABELS} LIKE :i_label{i} {ESCAPE}" for i in range(len(wanted)))
    window = (
        "((i.labeled_at >= :since AND i.labeled_at < :until)"
        " OR (i.labeled_at IS NULL AND i.first_seen_at >= :since AND i.first_seen_at < :until))"
    )
    assigned = "CASE WHEN CAST(i.assignees AS TEXT) LIKE '%\"%' THEN 1 ELSE 0 END"
    rows = (
        "FROM issue i JOIN project p ON p.id = i.project_id"
        f" WHERE i.state = 'open' AND {window} AND ({labels}) AND {' AND '.join(where)}"
    )
    return rows, f"{assigned}, {ACTIVITY_RANK} DESC, {ISSUE_SINCE} DESC, p.activity_score DESC, i.id"


def _page(
    session: Session, id_column: str, rows: tuple[str, str], limit: int, params: dict[str, Any]
) -> tuple[list[int], int]:
    """The first `limit` ids in order and how many rows match in all, in one query."""
    from_where, order = rows
    if limit == 0:
        count = f"SELECT count(*) {from_where}"
        return [], int(session.execute(_bind(count, params), params).scalar_one())
    sql = f"SELECT {id_column}, count(*) OVER () {from_where} ORDER BY {order} LIMIT {int(limit)}"
    found = session.execute(_bind(sql, params), params).all()
    return [int(r[0]) for r in found], int(found[0][1]) if found else 0


def _load_projects(session: Session, ids: list[int]) -> list[DigestProject]:
    if not ids:
        return []
    by_id = {p.id: p for p in session.exec(select(Project).where(col(Project.id).in_(ids))).all()}
    return [_digest_project(by_id[i]) for i in ids if i in by_id]


def _digest_project(project: Project) -> DigestProject:
    assert project.id is not None
    return DigestProject(
        project_id=project.id,
        full_name=project.full_name,
        title=project.title or readable_name(project.name),
        url=project.html_url,
        description=project.description or project.motivation,
        language=project.language,
        topics=list(project.topics),
        activity=activity_band(project.activity_score),
        activity_score=project.activity_score,
        first_seen_at=project.first_seen_at,
    )


def _load_issues(session: Session, ids: list[int]) -> list[DigestIssue]:
    if not ids:
        return []
    rows = session.exec(
        select(Issue, Project)
        .join(Project, col(Project.id) == col(Issue.project_id))
        .where(col(Issue.id).in_(ids))
    ).all()
    by_id = {issue.id: (issue, project) for issue, project in rows}
    return [_digest_issue(*by_id[i]) for i in ids if i in by_id]


def _digest_issue(issue: Issue, project: Project) -> DigestIssue:
    assert issue.id is not None and project.id is not None
    helpable = [label for label in issue.labels if normalise_label(label) in HELPABLE]
    return DigestIssue(
        issue_id=issue.id,
        number=issue.number,
        title=issue.title,
        url=issue.url,
        labels=helpable + [label for label in issue.labels if label not in helpable],
        assigned=bool(issue.assignees),
        since=issue.labeled_at or issue.first_seen_at,
        project_id=project.id,
        project_full_name=project.full_name,
        project_title=project.title or readable_name(project.name),
        project_url=project.html_url,
        project_activity=activity_band(project.activity_score),
    )


def _contribution_stats(
    session: Session, where: Sequence[str], params: dict[str, Any], start: datetime, end: datetime
) -> ContributionStats:
    """Pull requests in the period whose author is neither an owner of the project (trusted committer,
    CODEOWNER, admin) nor, as far as the people directory knows, on the team that owns it. Bots excluded."""
    sql = (
        "SELECT c.project_id, c.state, c.created_at, c.closed_at, c.last_response_at"
        " FROM contribution c JOIN project p ON p.id = c.project_id"
        " WHERE ((c.created_at >= :since AND c.created_at < :until)"
        " OR (c.closed_at >= :since AND c.closed_at < :until))"
        " AND c.author <> '' AND lower(c.author) NOT LIKE '%[bot]'"
        " AND NOT EXISTS (SELECT 1 FROM projectowner o"
        " WHERE o.project_id = c.project_id AND lower(o.forge_login) = lower(c.author))"
        " AND NOT EXISTS (SELECT 1 FROM forgeidentity f JOIN person pe ON pe.id = f.person_id"
        " WHERE lower(f.login) = lower(c.author) AND lower(coalesce(pe.team, '')) = lower(p.owner_login))"
        f" AND {' AND '.join(where)}"
    )
    typed = _bind(sql, params).columns(
        column("project_id"),
        column("state"),
        column("created_at", UTCDateTime),
        column("closed_at", UTCDateTime),
        column("last_response_at", UTCDateTime),
    )
    opened_projects: set[int] = set()
    opened = closed = 0
    hours: list[float] = []
    for project_id, state, created_at, closed_at, responded_at in session.execute(typed, params).all():
        if created_at is not None and start <= created_at < end:
            opened += 1
            opened_projects.add(int(project_id))
            if responded_at is not None and responded_at >= created_at:
                hours.append((responded_at - created_at).total_seconds() / 3600)
        if state != "open" and closed_at is not None and start <= closed_at < end:
            closed += 1
    median = round(statistics.median(hours), 1) if hours else None
    return ContributionStats(opened, closed, len(opened_projects), median)


def _bind(sql: str, params: dict[str, Any]) -> TextClause:
    bound: list[BindParameter[Any]] = []
    for key, value in params.items():
        if isinstance(value, tuple):
            bound.append(bindparam(key, expanding=True))
        elif isinstance(value, datetime):
            bound.append(bindparam(key, type_=UTCDateTime()))
    return text(sql).bindparams(*bound)


def _like_escape(value: str) -> str:
    """For `LIKE ... ESCAPE '\\'`; a double quote would end the JSON string, so it is dropped."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', "")


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)
