"""Catalog search: full-text relevance with field weights, stemming, prefixes and synonyms.

SQLite uses the FTS5 index (BM25); PostgreSQL the weighted tsvector (ts_rank_cd); both are kept by
triggers (migration 0003). Every word must match (a word matches through any of its synonyms); when
nothing matches them all, projects matching some words are shown and the reply says so. Relevance gets
a mild boost for activity. A query with no match is retried with typos corrected from the catalog's
own vocabulary. Archived and removed projects are left out unless `is:archived` is asked for.
"""

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlmodel import Session, col, select

from chatbot.catalog.memory_index import Match, MemoryIndex, Phrase, memory_index_for
from chatbot.catalog.query import SearchQuery, parse_query
from chatbot.catalog.synonyms import expand
from chatbot.catalog.vocabulary import correct_terms
from chatbot.models import Project

COUNT_CAP = 2000  # word rarity only needs an order: counting stops here
RERANK_LIMIT = 100  # rows fetched in relevance order before the activity boost re-sorts them
ACTIVITY_BOOST = 0.25  # at most +25 % relevance for the most active projects
TYPED_WORD_WEIGHT = 3.0  # up to x4 relevance when the words as typed are in name, title and topics
# bm25 weights for FTS5 columns: name, title, topics, description, skills, readme
SQLITE_WEIGHTS = "10.0, 8.0, 5.0, 2.0, 2.0, 0.5"
POSTGRES_WEIGHTS = "{0.05, 0.3, 0.6, 1.0}"  # D (readme), C (text), B (topics), A (name, title)
SORT_COLUMNS = {
    "activity": "p.activity_score DESC",
    "stars": "p.stars DESC",
    "new": "p.created_at DESC",
    "name": "lower(coalesce(nullif(p.title, ''), p.name)) ASC",
}
TSQUERY_WORD = re.compile(r"[a-z0-9]+")
Where = list[str]
Params = dict[str, Any]


@dataclass
class SearchPage:
    projects: list[Project]
    total: int
    query: SearchQuery
    relaxed: bool = False  # no project matched every word; these match some
    corrected_terms: list[str] | None = None  # the words actually searched, after typo correction
    total_is_lower_bound: bool = False
    terms: list[str] = field(default_factory=list)
    ranked: int = 0  # how many results can be paged through (at most RERANK_LIMIT)


def search_projects(
    session: Session, query: str, *, limit: int = 5, offset: int = 0, memory_index: bool = True
) -> SearchPage:
    """`memory_index=False`: on SQLite, rank with FTS5 even when the in-memory copy is current."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return SearchPage(projects=[], total=0, query=parsed)
    postgres = session.get_bind().dialect.name == "postgresql"
    backend = PostgresSearch() if postgres else SqliteSearch(memory_index=memory_index)

    ids, total, relaxed, corrected = _match_with_corrections(session, backend, parsed)
    page_ids = ids[offset : offset + limit]
    rows = session.exec(select(Project).where(col(Project.id).in_(page_ids))).all() if page_ids else []
    by_id = {p.id: p for p in rows}
    exact = backend.matched if parsed.terms else None
    return SearchPage(
        projects=[by_id[i] for i in page_ids if i in by_id],
        total=exact if exact is not None else max(total, len(ids)),
        query=parsed,
        relaxed=relaxed,
        corrected_terms=corrected,
        # Text searches stop at RERANK_LIMIT matches; only the in-memory index counts the rest for free.
        total_is_lower_bound=bool(parsed.terms) and exact is None and len(ids) >= RERANK_LIMIT,
        terms=corrected or parsed.terms,
        ranked=len(ids),
    )


def _match_with_corrections(
    session: Session, backend: "Backend", parsed: SearchQuery
) -> tuple[list[int], int, bool, list[str] | None]:
    """Every word as typed; else every word with typos corrected; else some of the words (relaxed)."""
    where, params = _filters(parsed)
    if not parsed.terms:
        return (*_filtered_only(session, parsed, where, params), None)
    rows = backend.rows(session, parsed, where, params, any_word=False)
    if rows:
        return _ranked(rows, parsed.sort, relaxed=False, corrected=None)
    fixed = correct_terms(session, parsed.terms)
    retry = SearchQuery(**{**parsed.__dict__, "terms": fixed}) if fixed != parsed.terms else None
    if retry is not None:
        rows = backend.rows(session, retry, where, params, any_word=False)
        if rows:
            return _ranked(rows, parsed.sort, relaxed=False, corrected=fixed)
    for query, corrected in ((parsed, None), (retry, fixed)):
        if query is not None and len(query.terms) > 1:
            rows, _ = _relaxed_rows(session, backend, query, where, params)
            if rows:
                return _ranked(rows, parsed.sort, relaxed=True, corrected=corrected)
    return [], 0, False, None


def _ranked(
    rows: Sequence[Any], sort: str, *, relaxed: bool, corrected: list[str] | None
) -> tuple[list[int], int, bool, list[str] | None]:
    ids = _rank(rows, sort)
    # Past RERANK_LIMIT matches the reply says "100+": an exact count costs as much as the search itself.
    return ids, len(ids), relaxed, corrected


def _relaxed_rows(
    session: Session, backend: "Backend", query: SearchQuery, where: Where, params: Params
) -> tuple[Sequence[Any], SearchQuery]:
    """No project has every word: keep the informative ones.

    Words that match nothing are dropped; then the most common word; at last any of the two rarest.
    Ranking every project that has any one common word would be slow on a large catalog and mostly noise.
    """

    def only(terms: list[str]) -> SearchQuery:
        return SearchQuery(**{**query.__dict__, "terms": terms})

    counts = {t: backend.count(session, only([t]), any_word=False) for t in query.terms}
    by_rarity = sorted((t for t in query.terms if counts[t] > 0), key=lambda t: counts[t])
    attempts: list[tuple[list[str], bool]] = []
    if 1 < len(by_rarity) < len(query.terms):
        attempts.append((by_rarity, False))
    if len(by_rarity) >= 3:
        attempts.append((by_rarity[:-1], False))
    if by_rarity:
        attempts.append((by_rarity[:2], True))
    for terms, any_word in attempts:
        narrowed = only([t for t in query.terms if t in terms])
        rows = backend.rows(session, narrowed, where, params, any_word=any_word)
        if rows:
            return rows, narrowed
    return [], query


def _rank(rows: Sequence[Any], sort: str) -> list[int]:
    """rows: (id, relevance (higher is better), activity, stars, created_at, name)."""
    if sort == "relevance":
        scale = math.log1p(5000)
        scored = [
            (r[1] * (1 + ACTIVITY_BOOST * min(math.log1p(max(r[2], 0)) / scale, 1.0)), r[0]) for r in rows
        ]
        return [i for _, i in sorted(scored, key=lambda s: (-s[0], s[1]))]
    keys = {
        "activity": lambda r: (-r[2], r[0]),
        "stars": lambda r: (-r[3], r[0]),
        "new": lambda r: (-(r[4].timestamp() if r[4] else 0), r[0]),
        "name": lambda r: ((r[5] or "").lower(), r[0]),
    }
    return [r[0] for r in sorted(rows, key=keys[sort])]


def _filters(query: SearchQuery) -> tuple[list[str], dict[str, Any]]:
    where = ["p.removed_at IS NULL"]
    params: dict[str, Any] = {}
    if not query.include_archived:
        where.append("p.archived = :not_archived")
        params["not_archived"] = False
    if query.languages:
        where.append("lower(coalesce(p.language, '')) IN :languages")
        params["languages"] = tuple(query.languages)
    if query.orgs:
        where.append("lower(p.owner_login) IN :orgs")
        params["orgs"] = tuple(query.orgs)
    if query.sources:
        where.append("p.source IN :sources")
        params["sources"] = tuple(query.sources)
    for i, topic in enumerate(query.topics):
        where.append(f"lower(CAST(p.topics AS TEXT)) LIKE :topic{i} ESCAPE '\\'")
        params[f"topic{i}"] = f'%"{like_escape(topic)}"%'
    for i, label in enumerate(query.labels):
        where.append(
            "EXISTS (SELECT 1 FROM issue i WHERE i.project_id = p.id AND i.state = 'open'"
            f" AND (lower(CAST(i.labels AS TEXT)) LIKE :label{i}a"
            f" OR lower(CAST(i.labels AS TEXT)) LIKE :label{i}b))"
        )
        params[f"label{i}a"] = f'%"{label}"%'
        params[f"label{i}b"] = f'%"{label.replace(" ", "-")}"%'
    return where, params


def like_escape(value: str) -> str:
    """For `LIKE ... ESCAPE '\\'` inside a JSON string: % and _ literal, a double quote dropped."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('"', "")


def _filtered_only(
    session: Session, query: SearchQuery, where: list[str], params: dict[str, Any]
) -> tuple[list[int], int, bool]:
    order = SORT_COLUMNS.get(query.sort, SORT_COLUMNS["activity"])
    sql = (
        f"SELECT p.id FROM project p WHERE {' AND '.join(where)} ORDER BY {order}, p.id LIMIT {RERANK_LIMIT}"
    )
    ids = [row[0] for row in session.execute(_bind(sql, params), params).all()]
    total = len(ids)
    if total >= RERANK_LIMIT:
        count_sql = f"SELECT count(*) FROM project p WHERE {' AND '.join(where)}"
        total = session.execute(_bind(count_sql, params), params).scalar_one()
    return ids, total, False


def _bind(sql: str, params: Params) -> TextClause:
    expanding: list[BindParameter[Any]] = [
        bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, tuple)
    ]
    return text(sql).bindparams(*expanding)


class Backend:
    matched: int | None = None  # every match of the last rows(), when known exactly (the in-memory index)

    def rows(
        self,
        session: Session,
        query: SearchQuery,
        where: list[str],
        params: dict[str, Any],
        *,
        any_word: bool,
    ) -> Sequence[Any]:
        raise NotImplementedError

    def match(self, query: SearchQuery, *, any_word: bool) -> tuple[str, str, Params]:
        """(FROM clause, full-text condition, its parameters) for this backend."""
        raise NotImplementedError

    def count(self, session: Session, query: SearchQuery, *, any_word: bool) -> int:
        """Matches in the full-text index, counted up to COUNT_CAP: how rare words are (for relaxed
        matching) needs no filter, and checking `has:` on every match cost 90 ms at 100,000 projects."""
        source, condition, extra = self.match(query, any_word=any_word)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {condition} LIMIT {COUNT_CAP}) matches"
        return int(session.execute(_bind(sql, extra), extra).scalar_one())


class SqliteSearch(Backend):
    """BM25 from the in-memory copy of the FTS5 index when it is current, else from FTS5 itself."""

    # CROSS JOIN makes SQLite run the full-text match once and join from it; a plain JOIN lets the
    # planner scan `project` and probe the index per row, which took seconds for count(*) at 5,000.
    # `rank MATCH 'bm25(...)'` + ORDER BY rank lets FTS5 rank internally: ~1.5x faster than ORDER BY bm25().
    SELECT = (
        "SELECT p.id, -rank AS relevance, p.activity_score, p.stars, p.created_at,"
        " coalesce(nullif(p.title, ''), p.name), lower(p.name), lower(p.title), lower(CAST(p.topics AS TEXT))"
        " FROM project_fts CROSS JOIN project p ON p.id = project_fts.rowid"
        " WHERE project_fts MATCH :match AND rank MATCH 'bm25({weights})' AND {where}"
        " ORDER BY rank LIMIT {limit}"
    )

    def __init__(self, *, memory_index: bool = True) -> None:
        self._index: MemoryIndex | None = None
        self._looked_up = not memory_index

    def index(self, session: Session) -> MemoryIndex | None:
        if not self._looked_up:  # once per search: its retries see the same copy
            self._index, self._looked_up = memory_index_for(session), True
        return self._index

    def rows(
        self,
        session: Session,
        query: SearchQuery,
        where: list[str],
        params: dict[str, Any],
        *,
        any_word: bool,
    ) -> Sequence[Any]:
        index = self.index(session)
        self.matched = None
        if index is not None:
            return self._in_memory(session, index, query, any_word=any_word)
        sql = self.SELECT.format(weights=SQLITE_WEIGHTS, where=" AND ".join(where), limit=RERANK_LIMIT)
        bound = {**params, "match": fts5_query(query, any_word=any_word)}
        rows = session.execute(_bind(sql, bound), bound).all()
        if not _has_synonyms(query.terms):
            return rows
        # The words as typed count again (BM25 of a second MATCH restricted to these rows would make FTS5
        # re-run it per row): a field-weighted check of name, title and topics for each typed word.
        typed = [re.compile(r"\b" + re.escape(term[: max(4, len(term) - 2)])) for term in query.terms]
        return [(r[0], r[1] * (1 + TYPED_WORD_WEIGHT * typed_share(typed, r[6:9])), *r[2:6]) for r in rows]

    def _in_memory(
        self, session: Session, index: MemoryIndex, query: SearchQuery, *, any_word: bool
    ) -> list[Any]:
        """The best RERANK_LIMIT matches, every filter applied in memory: no row is read to rank.

        The words as typed count again as in rows(), from the index's columns instead of the text."""
        found = _found(index, query, any_word=any_word)
        self.matched = len(index.visible(found, include_archived=query.include_archived))
        ids, scores = index.rank(found, include_archived=query.include_archived, limit=RERANK_LIMIT)
        if _has_synonyms(query.terms):
            share = np.zeros(len(ids), dtype=np.float32)
            for term in query.terms:
                bits = index.columns_with(Phrase(term, prefix=len(term) >= 3 and " " not in term), ids)
                for column, weight in enumerate(TYPED_FIELD_WEIGHTS):  # name, title, topics
                    share += weight * ((bits & (1 << column)) != 0)
            scores = scores * (1 + TYPED_WORD_WEIGHT * share / (TYPED_FIELD_TOTAL * len(query.terms)))
        ranked = zip(ids.tolist(), scores.tolist(), index.activity[ids].tolist(), strict=True)
        if query.sort == "relevance":
            return [(project_id, score, activity, 0, None, "") for project_id, score, activity in ranked]
        # Sorted by stars, age or name: those columns, for the ranked ones.
        columns = session.connection().exec_driver_sql(
            "SELECT id, stars, created_at, coalesce(nullif(title, ''), name) FROM project"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(ids.tolist()),),
        )
        by_id = {row[0]: row[1:] for row in columns}
        return [
            (project_id, score, activity, *_sortable(*by_id[project_id]))
            for project_id, score, activity in ranked
            if project_id in by_id
        ]

    def count(self, session: Session, query: SearchQuery, *, any_word: bool) -> int:
        index = self.index(session)
        if index is not None:
            return len(index.match(memory_groups(query.terms), any_word=any_word).docs)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM project_fts WHERE project_fts MATCH :m LIMIT {COUNT_CAP})"
        row = session.connection().exec_driver_sql(sql, {"m": fts5_query(query, any_word=any_word)}).first()
        return int(row[0]) if row is not None else 0


class PostgresSearch(Backend):
    def rows(
        self,
        session: Session,
        query: SearchQuery,
        where: list[str],
        params: dict[str, Any],
        *,
        any_word: bool,
    ) -> Sequence[Any]:
        expression = tsquery_expression(query.terms, any_word=any_word)
        if not expression:
            return []
        sql = (
            f"SELECT p.id, ts_rank_cd('{POSTGRES_WEIGHTS}', p.search_vector, q, 1)"
            f" + {TYPED_WORD_WEIGHT} * ts_rank_cd('{POSTGRES_WEIGHTS}', p.search_vector, t, 1) AS relevance,"
            " p.activity_score, p.stars, p.created_at, coalesce(nullif(p.title, ''), p.name)"
            " FROM project p, to_tsquery('english', :tsquery) q, to_tsquery('english', :typed) t"
            f" WHERE p.search_vector @@ q AND {' AND '.join(where)}"
            f" ORDER BY relevance DESC LIMIT {RERANK_LIMIT}"
        )
        typed = tsquery_expression(query.terms, any_word=True, synonyms=False) or expression
        bound = {**params, "tsquery": expression, "typed": typed}
        return session.execute(_bind(sql, bound), bound).all()

    def match(self, query: SearchQuery, *, any_word: bool) -> tuple[str, str, Params]:
        return (
            "project p, to_tsquery('english', :tsquery) q",
            "p.search_vector @@ q",
            {"tsquery": tsquery_expression(query.terms, any_word=any_word)},
        )


def _found(index: MemoryIndex, query: SearchQuery, *, any_word: bool) -> Match:
    """The matches in memory that pass the filters: the same tests as _filters' SQL."""
    found = index.match(memory_groups(query.terms), any_word=any_word)
    for facet, values in (("language", query.languages), ("owner", query.orgs), ("source", query.sources)):
        if values:
            found = index.of(found, facet, values)
    for topic in query.topics:
        found = index.tagged(found, topic)
    for label in query.labels:
        found = index.labelled(found, label)
    return found


def _sortable(stars: int | None, created_at: object, name: str | None) -> tuple[int, Any, str]:
    # The driver hands back SQLite's text for a datetime column.
    when = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at
    return stars or 0, when, name or ""


def memory_groups(terms: Sequence[str]) -> list[list[Phrase]]:
    """The words for MemoryIndex, as fts5_expression writes them: what was typed is a prefix."""
    return [
        [
            Phrase(word, prefix=i == 0 and len(word) >= 3 and " " not in word)
            for i, word in enumerate(expand(term))
        ]
        for term in terms
    ]


TYPED_FIELD_WEIGHTS = (3.0, 2.0, 2.0)  # name, title, topics
TYPED_FIELD_TOTAL = sum(TYPED_FIELD_WEIGHTS)


def typed_share(patterns: Sequence[re.Pattern[str]], fields: Sequence[str | None]) -> float:
    """How much of name/title/topics the typed words (not their synonyms) account for, from 0 to 1."""
    found = 0.0
    for weight, value in zip(TYPED_FIELD_WEIGHTS, fields, strict=True):
        if value:
            for pattern in patterns:
                if pattern.search(value):
                    found += weight
    return found / (TYPED_FIELD_TOTAL * len(patterns))


def _has_synonyms(terms: Sequence[str]) -> bool:
    return any(len(expand(term)) > 1 for term in terms)


def fts5_query(query: SearchQuery, *, any_word: bool) -> str:
    """The MATCH for a search: its words, narrowed by the topic and language filters' words.

    The column filters only narrow what FTS5 has to rank (a topic's or language's words in that column);
    the exact filter is still applied in SQL, so a word-level match can't let a wrong project through.
    """
    narrowing = [
        f"{{{column}}} : {_fts5_phrase(value)}"
        for column, values in (("topics", query.topics), ("skills", query.languages))
        for value in values
        if FTS5_WORD.search(value)
    ]
    words = fts5_expression(query.terms, any_word=any_word)
    return " AND ".join([*narrowing, f"({words})"]) if narrowing else words


FTS5_WORD = re.compile(r"[^\W_]", re.UNICODE)


def _fts5_phrase(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def fts5_expression(terms: Sequence[str], *, any_word: bool) -> str:
    """An FTS5 MATCH expression in which every user word is a quoted string: no operator gets through."""
    groups = []
    for term in terms:
        alternatives = []
        for i, word in enumerate(expand(term)):
            quoted = _fts5_phrase(word)
            # Prefix matching for what the person typed (not for synonyms), when long enough.
            if i == 0 and len(word) >= 3 and " " not in word:
                quoted += "*"
            alternatives.append(quoted)
        groups.append("(" + " OR ".join(alternatives) + ")")
    return (" OR " if any_word else " AND ").join(groups)


def tsquery_expression(terms: Sequence[str], *, any_word: bool, synonyms: bool = True) -> str:
    """A to_tsquery string built only from [a-z0-9] words: user input can't inject operators."""
    groups = []
    for term in terms:
        alternatives = []
        for i, word in enumerate(expand(term) if synonyms else (term,)):
            parts = TSQUERY_WORD.findall(word.lower())
            if not parts:
                continue
            phrase = " <-> ".join(parts)
            if i == 0 and len(parts) == 1 and len(parts[0]) >= 3:
                phrase += ":*"
            alternatives.append(phrase if len(parts) == 1 else f"({phrase})")
        if alternatives:
            groups.append("(" + " | ".join(alternatives) + ")")
    return (" | " if any_word else " & ").join(groups)
