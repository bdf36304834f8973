"""What find's filters mean, as SQL conditions on `project p`: one builder for a search and a digest.

lang: and org: are one of the values in any case, source: one of them as stored; topic: is one of the
project's topics in any case, with LIKE's wildcards literal; has: is an open issue with that label in any
case, any one character between its words ("help wanted", "help-wanted", "Help_Wanted"); archived
projects are listed only with is:archived, removed ones never.

`range_first`: the caller narrows by a time range of its own (digests: first seen in the period), which
must drive the query; an equality on the low-selectivity archived or source index would tempt SQLite's
planner away from it. find has no such range and keeps the plain equalities (a filter-only listing at
100,000 projects, measured both ways: neither form wins everywhere). The meaning is the same.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chatbot.catalog.query import SearchQuery

LABEL_NAME = re.compile(r"[a-z]+(?: [a-z]+)*")  # has: values are mapped to our own names by parse_query


@dataclass(frozen=True)
class Conditions:
    where: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def __add__(self, other: "Conditions") -> "Conditions":
        return Conditions((*self.where, *other.where), {**self.params, **other.params})

    def sql(self) -> str:
        return " AND ".join(self.where)


def visible(*, include_archived: bool, range_first: bool = False) -> Conditions:
    """Never removed projects; archived ones only when asked for (is:archived)."""
    if include_archived:
        return Conditions(("p.removed_at IS NULL",))
    if range_first:
        return Conditions(("p.removed_at IS NULL", "NOT p.archived"))
    return Conditions(("p.removed_at IS NULL", "p.archived = :f_not_archived"), {"f_not_archived": False})


def filter_conditions(
    query: SearchQuery, *, postgres: bool, range_first: bool = False, many_rows: bool = False
) -> Conditions:
    """lang:, topic:, org:, source: and has:, for find and for digests alike.

    `many_rows`: the conditions will be checked for many rows (every pull request of a period), so has:
    is checked against the set of projects with such issues, built once, rather than per row."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if query.languages:
        where.append("lower(coalesce(p.language, '')) IN :f_languages")
        params["f_languages"] = tuple(query.languages)
    if query.orgs:
        where.append("lower(p.owner_login) IN :f_orgs")
        params["f_orgs"] = tuple(query.orgs)
    if query.sources:
        # `|| ''` keeps SQLite off the source index: a handful of values, slower to scan than the range.
        source = "p.source || ''" if range_first else "p.source"
        where.append(f"{source} IN :f_sources")
        params["f_sources"] = tuple(query.sources)
    for i, topic in enumerate(query.topics):
        where.append(f"{_case_blind_like('CAST(p.topics AS TEXT)', postgres)} :f_topic{i} ESCAPE '\\'")
        params[f"f_topic{i}"] = f'%"{like_escape(topic)}"%'
    for label in query.labels:
        has = f"li.state = 'open' AND {has_label('li', label, postgres=postgres)}"
        if many_rows:
            where.append(f"p.id IN (SELECT li.project_id FROM issue li WHERE {has})")
        else:
            where.append(f"EXISTS (SELECT 1 FROM issue li WHERE li.project_id = p.id AND {has})")
    return Conditions(tuple(where), params)


def has_label(alias: str, label: str, *, postgres: bool) -> str:
    """The labels of issue `alias` include this one (a name of ours: see LABEL_NAME) as has: means it.

    The JSON text is matched directly: LIKE's "_" (any one character) stands for each space."""
    pattern = _label_name(label).replace(" ", "_")
    return f"""{_case_blind_like(f"CAST({alias}.labels AS TEXT)", postgres)} '%"{pattern}"%'"""


def _case_blind_like(expression: str, postgres: bool) -> str:
    """`expression LIKE`, blind to case, for a lower-case pattern.

    SQLite's LIKE ignores ASCII case, as its lower() folds only ASCII: adding lower() would change nothing
    but the time (+75 % on a scan of the open issues' labels). PostgreSQL's LIKE sees case: lower() of
    the text, as ILIKE does, in the form its statistics on lower(issue.labels) describe (migration 0005).
    """
    return f"lower({expression}) LIKE" if postgres else f"{expression} LIKE"


def label_pattern(label: str) -> re.Pattern[str]:
    """has_label's test in Python, on the labels' JSON text as SQLite stores it (the in-memory index)."""
    words = _label_name(label).split(" ")
    return re.compile('"' + ".".join(map(re.escape, words)) + '"', re.IGNORECASE | re.ASCII | re.DOTALL)


def _label_name(label: str) -> str:
    if not LABEL_NAME.fullmatch(label):
        raise ValueError(f"not a label name of has: {label!r}")
    return label


def like_escape(value: str) -> str:
    """For `LIKE ... ESCAPE '\\'` inside a JSON string: % and _ literal, a double quote dropped."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', "")
