"""What one digest contains: the catalog's new projects and help-wanted / good first issues in a period.

`compose_digest(session, filters, since, until)` reads the catalog with one query per section (the
matching rows materialised once, then counted for "and K more" and ranked with LIMIT; new projects come
through the first_seen_at index) and returns plain data that `digests.render` turns into a message.
The filters are those of `/innersource find`, parsed by the same `parse_query`: lang:, topic:, org:,
source:, has: and words. Every word must match the project's name, title, topics or
description/motivation through the catalog's full-text index (FTS5 on SQLite, the tsvector on
PostgreSQL): case-insensitive, stemmed, a prefix for words of 3+ letters; no synonyms, no typo
correction and no "some of the words" fallback, which suit a search but would blur a subscription.
Labels are matched case-insensitively with "-", "_" and " " alike.

Ranking, both sections: the project's activity band (the catalog's "Very high", "High", ... bands of
the activity score) first, the freshest item within a band next, then the raw score. Issues that
nobody is assigned to come before assigned ones. Archived and removed projects never appear.
"""

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlmodel import Session, col, select

from chatbot.catalog.activity import ACTIVITY_BANDS, activity_band
from chatbot.catalog.cards import readable_name
from chatbot.catalog.filters import Conditions, filter_conditions, has_label, visible
from chatbot.catalog.queries import GOOD_FIRST_ISSUE, HELP_WANTED, normalise_label
from chatbot.catalog.query import SearchQuery, parse_query
from chatbot.models import Issue, Project, UTCDateTime

HELPABLE = (HELP_WANTED, GOOD_FIRST_ISSUE)
FTS_COLUMNS = "{name title topics description}"  # of project_fts; not skills or the README
TS_WEIGHTS = "ABC"  # of project.search_vector: name and title, topics, description; not the README (D)
WORD_PART = re.compile(r"[^\W_]+")  # letters and digits only: nothing a tsquery would read as an operator
# 6 for "Extremely high" down to 0 for "None"; the thresholds are integers from activity.py.
ACTIVITY_RANK = (
    "CASE "
    + " ".join(
        f"WHEN p.activity_score > {int(threshold)} THEN {len(ACTIVITY_BANDS) - i}"
        for i, (threshold, _) in enumerate(ACTIVITY_BANDS)
    )
    + " ELSE 0 END"
)
ISSUE_SINCE = "coalesce(i.labeled_at, i.first_seen_at)"  # when it became news


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
    postgres = session.get_bind().dialect.name == "postgresql"
    query = parse_query(filters)
    conditions = project_filters(query, postgres=postgres)
    params = {**conditions.params, "since": start, "until": end}

    project_ids, project_total = _page(session, _new_projects(conditions.where), per_section, params)
    # has: is asked of each issue itself, which implies its project has one.
    issue_where = project_filters(dataclasses.replace(query, labels=[]), postgres=postgres).where
    issue_rows = _new_issues(query, issue_where, postgres=postgres)
    issue_ids, issue_total = _page(session, issue_rows, per_section, params)
    stats = (
        _contribution_stats(session, query, postgres=postgres, since=start, until=end) if with_stats else None
    )
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


def project_filters(query: SearchQuery, *, postgres: bool) -> Conditions:
    """SQL conditions on `project p` for a parsed find query, with their parameters.

    find's filters (chatbot.catalog.filters), except that archived and removed projects are always left
    out (`is:` and `sort:` do not apply), and the words are strict (see the module docstring)."""
    return visible(include_archived=False, range_first=True) + _matching(query, postgres=postgres)


def _matching(query: SearchQuery, *, postgres: bool, many_rows: bool = False) -> Conditions:
    """The conditions the filters and words add, if any."""
    filters = filter_conditions(query, postgres=postgres, range_first=True, many_rows=many_rows)
    if query.terms and postgres:
        words = "p.search_vector @@ to_tsquery('english', :f_words)"
        return filters + Conditions((words,), {"f_words": tsquery_words(query.terms)})
    if query.terms:
        words = "p.id IN (SELECT rowid FROM project_fts WHERE project_fts MATCH :f_words)"
        return filters + Conditions((words,), {"f_words": fts5_words(query.terms)})
    return filters


def fts5_words(terms: Sequence[str]) -> str:
    """Every word, quoted (no FTS5 operator gets through), in the name, title, topics or description."""
    quoted = []
    for term in terms:
        parts = WORD_PART.findall(term)
        prefix = "*" if parts and len(parts[-1]) >= 3 else ""
        quoted.append('"' + term.replace('"', '""') + '"' + prefix)
    return f"{FTS_COLUMNS} : (" + " AND ".join(quoted) + ")"


def tsquery_words(terms: Sequence[str]) -> str:
    """Every word, as lexemes of letters and digits only, in the name, title, topics or description."""
    groups = []
    for term in terms:
        parts = WORD_PART.findall(term)
        if not parts:
            continue
        lexemes = [
            f"{part}:{'*' if i == len(parts) - 1 and len(part) >= 3 else ''}{TS_WEIGHTS}"
            for i, part in enumerate(parts)
        ]
        groups.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(groups) or "''"


@dataclass(frozen=True)
class _Rows:
    """One section's query: the id, FROM ... WHERE ..., and the ranking as (expression, descending)."""

    id_column: str
    from_where: str
    ranking: tuple[tuple[str, bool], ...]


def _new_projects(where: Sequence[str]) -> _Rows:
    """The window on the first_seen_at index, then the filters."""
    window = "p.first_seen_at >= :since AND p.first_seen_at < :until"
    return _Rows(
        "p.id",
        f"FROM project p WHERE {window} AND {' AND '.join(where)}",
        ((ACTIVITY_RANK, True), ("p.first_seen_at", True), ("p.activity_score", True), ("p.id", False)),
    )


def _new_issues(query: SearchQuery, where: Sequence[str], *, postgres: bool) -> _Rows:
    """Open issues labelled help wanted / good first (only the labels has: names, if any) in the window.

    There is no index on labeled_at, so this scans the issue table; the cheap conditions come first."""
    if query.labels:  # has:a has:b asks for both, as find does
        labels = " AND ".join(has_label("i", label, postgres=postgres) for label in query.labels)
    else:
        labels = " OR ".join(has_label("i", label, postgres=postgres) for label in HELPABLE)
    window = f"{ISSUE_SINCE} >= :since AND {ISSUE_SINCE} < :until"
    assigned = "CASE WHEN length(CAST(i.assignees AS TEXT)) > 2 THEN 1 ELSE 0 END"  # "[]" is nobody
    return _Rows(
        "i.id",
        "FROM issue i JOIN project p ON p.id = i.project_id"
        f" WHERE i.state = 'open' AND {window} AND ({labels}) AND {' AND '.join(where)}",
        (
            (assigned, False),
            (ACTIVITY_RANK, True),
            (ISSUE_SINCE, True),
            ("p.activity_score", True),
            ("i.id", False),
        ),
    )


def _page(session: Session, rows: _Rows, limit: int, params: Mapping[str, Any]) -> tuple[list[int], int]:
    """The first `limit` ids in order and how many rows match in all, in one query.

    The matching rows are materialised once with their ranking keys, then counted and ranked: cheaper
    than count(*) OVER (), which buffers and sorts every row a second time."""
    if limit == 0:
        count = f"SELECT count(*) {rows.from_where}"
        return [], int(session.execute(_bind(count, params), params).scalar_one())
    keys = ", ".join(f"{expression} AS k{i}" for i, (expression, _) in enumerate(rows.ranking))
    order = ", ".join(
        f"k{i}{' DESC' if descending else ''}" for i, (_, descending) in enumerate(rows.ranking)
    )
    sql = (
        f"WITH matched AS MATERIALIZED (SELECT {rows.id_column} AS id, {keys} {rows.from_where})"
        " SELECT id, (SELECT count(*) FROM matched) AS total"
        f" FROM matched ORDER BY {order} LIMIT {int(limit)}"
    )
    found = session.execute(_bind(sql, params), params).all()
    return [int(r.id) for r in found], int(found[0].total) if found else 0


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
    session: Session, query: SearchQuery, *, postgres: bool, since: datetime, until: datetime
) -> ContributionStats:
    """Pull requests in the period whose author is neither an owner of the project (trusted committer,
    CODEOWNER, admin) nor, as far as the people directory knows, on the team that owns it. Bots excluded.

    Pull requests to archived and removed projects count as well (they were opened and answered all the
    same), so without filters the project table is only read for authors the directory puts in a team."""
    conditions = _matching(query, postgres=postgres, many_rows=True)
    where = conditions.where
    params = {**conditions.params, "since": since, "until": until}
    opened = "c.created_at >= :since AND c.created_at < :until"
    closed = "c.state <> 'open' AND c.closed_at >= :since AND c.closed_at < :until"
    if postgres:
        hours = "EXTRACT(EPOCH FROM (c.last_response_at - c.created_at)) / 3600.0"
    else:
        hours = "(julianday(c.last_response_at) - julianday(c.created_at)) * 24.0"
    owner_team = (
        "lower(p.owner_login)"
        if where
        else "(SELECT lower(p.owner_login) FROM project p WHERE p.id = c.project_id)"
    )
    rows = (
        f"SELECT c.project_id, CASE WHEN {opened} THEN 1 ELSE 0 END AS opened,"
        f" CASE WHEN {closed} THEN 1 ELSE 0 END AS closed,"
        f" CASE WHEN {opened} AND c.last_response_at >= c.created_at THEN {hours} END AS waited"
        " FROM contribution c"
        + (" JOIN project p ON p.id = c.project_id" if where else "")
        # One team per login: the people directory, small next to the pull requests.
        + " LEFT JOIN (SELECT lower(f.login) AS login, max(lower(pe.team)) AS team FROM forgeidentity f"
        " JOIN person pe ON pe.id = f.person_id WHERE pe.team <> '' GROUP BY lower(f.login)) teammate"
        " ON teammate.login = lower(c.author)"
        f" WHERE (({opened}) OR ({closed}))"
        " AND c.author <> '' AND lower(c.author) NOT LIKE '%[bot]'"
        + "".join(f" AND {condition}" for condition in where)
        + f" AND (teammate.team IS NULL OR teammate.team <> {owner_team})"
        # Last, as the dearest: one index search per pull request left.
        " AND NOT EXISTS (SELECT 1 FROM projectowner o"
        " WHERE o.project_id = c.project_id AND lower(o.forge_login) = lower(c.author))"
    )
    # Aggregated in SQL, the median too (the middle one or two of the ranked waits): one row comes back.
    sql = (
        f"WITH pr AS MATERIALIZED ({rows})"
        " SELECT (SELECT count(*) FROM pr WHERE opened = 1), (SELECT count(*) FROM pr WHERE closed = 1),"
        " (SELECT count(DISTINCT project_id) FROM pr WHERE opened = 1),"
        " (SELECT avg(waited) FROM (SELECT waited, row_number() OVER (ORDER BY waited) AS n,"
        " count(*) OVER () AS total FROM pr WHERE waited IS NOT NULL) ranked"
        " WHERE n IN ((total + 1) / 2, (total + 2) / 2))"
    )
    opened_count, closed_count, projects, median = session.execute(_bind(sql, params), params).one()
    return ContributionStats(
        int(opened_count),
        int(closed_count),
        int(projects),
        None if median is None else round(float(median), 1),
    )


def _bind(sql: str, params: Mapping[str, Any]) -> TextClause:
    bound: list[BindParameter[Any]] = []
    for key, value in params.items():
        if isinstance(value, tuple):
            bound.append(bindparam(key, expanding=True))
        elif isinstance(value, datetime):
            bound.append(bindparam(key, type_=UTCDateTime()))
    return text(sql).bindparams(*bound)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value.astimezone(UTC)
