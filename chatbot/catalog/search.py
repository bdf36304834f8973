"""Catalog search: full-text relevance with field weights, stemming, prefixes and synonyms.

Both databases rank with BM25 from an in-memory copy of the full-text index while it is current
(chatbot.catalog.memory_index); else SQLite uses the FTS5 index (BM25), PostgreSQL the weighted tsvector
(ts_rank_cd); both are kept by triggers (migration 0003). Every word must match (a word matches through
any of its synonyms); when nothing matches them all, projects matching some words are shown and the
reply says so. Relevance gets a mild boost for activity. A query with no match is retried with typos
corrected from the catalog's own vocabulary. Archived and removed projects are left out unless
`is:archived` is asked for.
"""

import dataclasses
import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import BindParameter, TextClause, bindparam, text
from sqlmodel import Session, col, select

from chatbot.catalog.expansion import EXPANSION_WEIGHT, FEEDBACK_PROJECTS, expansion_scores, expansion_stems
from chatbot.catalog.filters import Conditions, filter_conditions, visible
from chatbot.catalog.memory_index import Match, MemoryIndex, Phrase, best_first, memory_index_for
from chatbot.catalog.query import SearchQuery, parse_query, with_words
from chatbot.catalog.synonyms import expand
from chatbot.catalog.vocabulary import corrected_words
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
Params = Mapping[str, Any]


@dataclass
class SearchPage:
    projects: list[Project]
    total: int
    query: SearchQuery
    relaxed: bool = False  # no project matched every word; these match some
    corrected_terms: list[str] | None = None  # the words as typed, typos corrected: "Showing results for"
    total_is_lower_bound: bool = False
    terms: list[str] = field(default_factory=list)
    ranked: int = 0  # how many results can be paged through (at most RERANK_LIMIT)
    strict: int | None = None  # when related projects fill a thin page: how many match every word


class Ranked(NamedTuple):
    """A matching project with what ranking reads: a row of a backend's SELECT (see _select_list)."""

    id: int
    relevance: float  # higher is better
    activity: float
    stars: int | None
    created_at: datetime | str | None  # SQLite's text in a text() query
    name: str | None  # the title, else the name
    # SQLite: name, title and topics in lower case, for the typed-word boost
    name_lower: str | None = None
    title_lower: str | None = None
    topics_lower: str | None = None


COLUMNS = {  # Ranked's fields but relevance, as SQL on `project p`
    "id": "p.id",
    "activity": "p.activity_score",
    "stars": "p.stars",
    "created_at": "p.created_at",
    "name": "coalesce(nullif(p.title, ''), p.name)",
    "name_lower": "lower(p.name)",
    "title_lower": "lower(p.title)",
    "topics_lower": "lower(CAST(p.topics AS TEXT))",
}
TYPED_COLUMNS = ("name_lower", "title_lower", "topics_lower")


def _select_list(relevance: str, *, typed: bool) -> str:
    columns = {**COLUMNS, "relevance": relevance}
    fields = [f for f in Ranked._fields if typed or f not in TYPED_COLUMNS]
    return ", ".join(f"{columns[f]} AS {f}" for f in fields)


@dataclass(frozen=True)
class Matches:
    """What a backend found for one attempt: the best rows by relevance, and every match, if known."""

    rows: list[Ranked]  # at most RERANK_LIMIT
    matched: int | None = None  # counted exactly (the in-memory index); None: at least len(rows)


@dataclass(frozen=True)
class Found:
    """The outcome of a search, before the page is read."""

    ids: list[int]  # in the order asked for (sort:), at most RERANK_LIMIT: what can be paged through
    total: int
    total_is_lower_bound: bool = False
    relaxed: bool = False
    corrected: list[str] | None = None  # the words searched after typo correction
    correction: list[str] | None = None  # the words as typed, typos corrected
    strict: int | None = None  # set when related projects follow the ones that match every word


NOTHING = Found(ids=[], total=0)
FILL_BELOW = 10  # two pages: fewer strict matches than this are followed by the best partial matches


def search_projects(
    session: Session, query: str, *, limit: int = 5, offset: int = 0, memory_index: bool = True
) -> SearchPage:
    """`memory_index=False`: rank with FTS5 / ts_rank_cd even when the in-memory copy is current."""
    parsed = parse_query(query)
    if parsed.is_empty:
        return SearchPage(projects=[], total=0, query=parsed)
    postgres = session.get_bind().dialect.name == "postgresql"
    backend = (
        PostgresSearch(memory_index=memory_index) if postgres else SqliteSearch(memory_index=memory_index)
    )

    found = _match_with_corrections(session, backend, parsed, postgres=postgres)
    found = _filled(session, backend, parsed, found, postgres=postgres)
    page_ids = found.ids[offset : offset + limit]
    rows = session.exec(select(Project).where(col(Project.id).in_(page_ids))).all() if page_ids else []
    by_id = {p.id: p for p in rows}
    return SearchPage(
        projects=[by_id[i] for i in page_ids if i in by_id],
        total=found.total,
        query=parsed,
        relaxed=found.relaxed,
        corrected_terms=found.correction,
        total_is_lower_bound=found.total_is_lower_bound,
        terms=found.corrected or parsed.terms,
        ranked=len(found.ids),
        strict=found.strict,
    )


def _match_with_corrections(
    session: Session, backend: "Backend", parsed: SearchQuery, *, postgres: bool, correct: bool = True
) -> Found:
    """Every word as typed; else the words with typos corrected, searched exactly as if typed so (the same
    results as the correct spelling); else some of the words (relaxed)."""
    filters = find_filters(parsed, postgres=postgres)
    if not parsed.terms:
        return _filtered_only(session, parsed, filters)
    matches = backend.rows(session, parsed, filters, any_word=False)
    if matches.rows:
        return _ranked(matches, parsed.sort)
    fixed = corrected_words(session, parsed) if correct else None
    if fixed is not None:
        retry = with_words(parsed, fixed)
        found = _match_with_corrections(session, backend, retry, postgres=postgres, correct=False)
        if found.ids:
            return dataclasses.replace(found, corrected=retry.terms, correction=fixed)
    if len(parsed.terms) > 1:
        matches = backend.related(session, parsed, filters)
        if matches.rows:
            return _ranked(matches, parsed.sort, relaxed=True)
    return NOTHING


def _filled(
    session: Session, backend: "Backend", parsed: SearchQuery, found: Found, *, postgres: bool
) -> Found:
    """Never a thin page: when few projects match every word, the best of those matching some follow.

    They come from the same narrowing as relaxed matching (the most informative words first), ranked
    after the strict matches; the total counts both, and the reply says how many match every word."""
    terms = found.corrected if found.corrected is not None else parsed.terms
    if found.relaxed or not found.ids or len(found.ids) >= FILL_BELOW:
        return found
    if parsed.sort != "relevance":
        return found
    query = dataclasses.replace(parsed, terms=terms)
    extra = backend.related(session, query, find_filters(parsed, postgres=postgres), beyond=found.ids)
    seen = set(found.ids)
    more = [i for i in _rank(extra.rows, "relevance") if i not in seen]
    if not more:
        return found
    ids = (found.ids + more)[:RERANK_LIMIT]
    lower_bound = extra.matched is None and len(extra.rows) >= RERANK_LIMIT
    total = max(extra.matched or 0, len(found.ids) + len(more))
    return dataclasses.replace(
        found, ids=ids, total=total, total_is_lower_bound=lower_bound, strict=found.total
    )


def find_filters(query: SearchQuery, *, postgres: bool) -> Conditions:
    """The SQL of find's filters: the same as a digest's (chatbot.catalog.filters), is:archived honoured."""
    return visible(include_archived=query.include_archived) + filter_conditions(query, postgres=postgres)


def _ranked(
    matches: Matches, sort: str, *, relaxed: bool = False, corrected: list[str] | None = None
) -> Found:
    ids = _rank(matches.rows, sort)
    if matches.matched is not None:
        return Found(ids, matches.matched, relaxed=relaxed, corrected=corrected)
    # Past RERANK_LIMIT matches the reply says "100+": an exact count costs as much as the search itself.
    return Found(
        ids, len(ids), total_is_lower_bound=len(ids) >= RERANK_LIMIT, relaxed=relaxed, corrected=corrected
    )


def _relaxed_rows(
    session: Session,
    backend: "Backend",
    query: SearchQuery,
    filters: Conditions,
    beyond: Collection[int] = (),
) -> Matches:
    """No project has every word: keep the informative ones.

    Words that match nothing are dropped; then the most common word; at last any of the two rarest.
    Ranking every project that has any one common word would be slow on a large catalog and mostly noise.
    """

    def only(terms: list[str]) -> SearchQuery:
        return dataclasses.replace(query, terms=terms)

    seen = set(beyond)
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
        matches = backend.rows(session, narrowed, filters, any_word=any_word)
        if any(row.id not in seen for row in matches.rows):
            return matches
    return Matches(rows=[])


def _rank(rows: Sequence[Ranked], sort: str) -> list[int]:
    if sort == "relevance":
        scale = math.log1p(5000)
        scored = [
            (r.relevance * (1 + ACTIVITY_BOOST * min(math.log1p(max(r.activity, 0)) / scale, 1.0)), r.id)
            for r in rows
        ]
        return [i for _, i in sorted(scored, key=lambda s: (-s[0], s[1]))]
    keys = {
        "activity": lambda r: (-r.activity, r.id),
        "stars": lambda r: (-(r.stars or 0), r.id),
        "new": lambda r: (-_timestamp(r.created_at), r.id),
        "name": lambda r: ((r.name or "").lower(), r.id),
    }
    return [r.id for r in sorted(rows, key=keys[sort])]


def _timestamp(value: datetime | str | None) -> float:
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.timestamp() if when else 0.0


def _filtered_only(session: Session, query: SearchQuery, filters: Conditions) -> Found:
    order = SORT_COLUMNS.get(query.sort, SORT_COLUMNS["activity"])
    sql = f"SELECT p.id FROM project p WHERE {filters.sql()} ORDER BY {order}, p.id LIMIT {RERANK_LIMIT}"
    ids = list(session.execute(_bind(sql, filters.params), filters.params).scalars())
    total = len(ids)
    if total >= RERANK_LIMIT:
        count_sql = f"SELECT count(*) FROM project p WHERE {filters.sql()}"
        total = session.execute(_bind(count_sql, filters.params), filters.params).scalar_one()
    return Found(ids, total)


def _bind(sql: str, params: Params) -> TextClause:
    expanding: list[BindParameter[Any]] = [
        bindparam(k, expanding=True) for k, v in params.items() if isinstance(v, tuple)
    ]
    return text(sql).bindparams(*expanding)


class Backend:
    def rows(self, session: Session, query: SearchQuery, filters: Conditions, *, any_word: bool) -> Matches:
        raise NotImplementedError

    def related(
        self, session: Session, query: SearchQuery, filters: Conditions, beyond: Collection[int] = ()
    ) -> Matches:
        """Projects matching some of the words, the most informative first (some not in `beyond`)."""
        return _relaxed_rows(session, self, query, filters, beyond)

    def match(self, query: SearchQuery, *, any_word: bool) -> tuple[str, str, Params]:
        """(FROM clause, full-text condition, its parameters) for this backend."""
        raise NotImplementedError

    def count(self, session: Session, query: SearchQuery, *, any_word: bool) -> int:
        """Matches in the full-text index, counted up to COUNT_CAP: how rare words are (for relaxed
        matching) needs no filter, and checking `has:` on every match cost 90 ms at 100,000 projects."""
        source, condition, extra = self.match(query, any_word=any_word)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {condition} LIMIT {COUNT_CAP}) matches"
        return int(session.execute(_bind(sql, extra), extra).scalar_one())


class IndexedSearch(Backend):
    """BM25 from the in-memory copy of the full-text index (chatbot.catalog.memory_index) when it is
    current; the database's own index otherwise (the subclasses)."""

    def __init__(self, *, memory_index: bool = True) -> None:
        self._index: MemoryIndex | None = None
        self._looked_up = not memory_index

    def index(self, session: Session) -> MemoryIndex | None:
        if not self._looked_up:  # once per search: its retries see the same copy
            self._index, self._looked_up = memory_index_for(session), True
        return self._index

    def related(
        self, session: Session, query: SearchQuery, filters: Conditions, beyond: Collection[int] = ()
    ) -> Matches:
        """In memory, BM25 over any of the words ranks them all in a millisecond, rare words weighing
        most; FTS5 / ts_rank_cd would rank every project with a common word, so they narrow first
        (Backend.related)."""
        index = self.index(session)
        if index is None or query.sort != "relevance":
            return super().related(session, query, filters, beyond)
        return _related_in_memory(session, index, query, beyond)

    def _in_memory(
        self, session: Session, index: MemoryIndex, query: SearchQuery, *, any_word: bool
    ) -> Matches:
        """The best RERANK_LIMIT matches, every filter applied in memory: no row is read to rank.

        The words as typed count again as in rows(), from the index's columns instead of the text."""
        found = _found(index, query, any_word=any_word)
        matched = len(index.visible(found, include_archived=query.include_archived))
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
            rows = [
                Ranked(project_id, score, activity, 0, None, "") for project_id, score, activity in ranked
            ]
            return Matches(rows, matched)
        # Sorted by stars, age or name: those columns, for the ranked ones.
        sql = "SELECT id, stars, created_at, coalesce(nullif(title, ''), name) FROM project WHERE id IN :ids"
        columns = session.execute(_bind(sql, {"ids": tuple(ids.tolist())}), {"ids": tuple(ids.tolist())})
        by_id = {project_id: (stars, created_at, name) for project_id, stars, created_at, name in columns}
        rows = [
            Ranked(project_id, score, activity, *by_id[project_id])
            for project_id, score, activity in ranked
            if project_id in by_id
        ]
        return Matches(rows, matched)


class SqliteSearch(IndexedSearch):
    """BM25 from the in-memory copy of the FTS5 index when it is current, else from FTS5 itself."""

    # CROSS JOIN makes SQLite run the full-text match once and join from it; a plain JOIN lets the
    # planner scan `project` and probe the index per row, which took seconds for count(*) at 5,000.
    # `rank MATCH 'bm25(...)'` + ORDER BY rank lets FTS5 rank internally: ~1.5x faster than ORDER BY bm25().
    SELECT = (
        f"SELECT {_select_list('-rank', typed=True)}"
        " FROM project_fts CROSS JOIN project p ON p.id = project_fts.rowid"
        " WHERE project_fts MATCH :match AND rank MATCH 'bm25({weights})' AND {where}"
        " ORDER BY rank LIMIT {limit}"
    )

    def rows(self, session: Session, query: SearchQuery, filters: Conditions, *, any_word: bool) -> Matches:
        index = self.index(session)
        if index is not None:
            return self._in_memory(session, index, query, any_word=any_word)
        sql = self.SELECT.format(weights=SQLITE_WEIGHTS, where=filters.sql(), limit=RERANK_LIMIT)
        bound = {**filters.params, "match": fts5_query(query, any_word=any_word)}
        found = [Ranked._make(row) for row in session.execute(_bind(sql, bound), bound).all()]
        if _has_synonyms(query.terms):
            boost = _typed_word_boost(query.terms)
            found = [row._replace(relevance=row.relevance * boost(row)) for row in found]
        return Matches(found)

    def count(self, session: Session, query: SearchQuery, *, any_word: bool) -> int:
        index = self.index(session)
        if index is not None:
            return len(index.match(memory_groups(query.terms), any_word=any_word).docs)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM project_fts WHERE project_fts MATCH :m LIMIT {COUNT_CAP})"
        found = (
            session.connection().exec_driver_sql(sql, {"m": fts5_query(query, any_word=any_word)}).scalar()
        )
        return int(found or 0)


class PostgresSearch(IndexedSearch):
    """The in-memory BM25 when the copy is current, as SQLite (the same results); else ts_rank_cd over the
    weighted tsvector."""

    RELEVANCE = (
        f"ts_rank_cd('{POSTGRES_WEIGHTS}', p.search_vector, q, 1)"
        f" + {TYPED_WORD_WEIGHT} * ts_rank_cd('{POSTGRES_WEIGHTS}', p.search_vector, t, 1)"
    )

    def rows(self, session: Session, query: SearchQuery, filters: Conditions, *, any_word: bool) -> Matches:
        index = self.index(session)
        if index is not None:
            return self._in_memory(session, index, query, any_word=any_word)
        expression = tsquery_expression(query.terms, any_word=any_word)
        if not expression:
            return Matches(rows=[])
        sql = (
            f"SELECT {_select_list(self.RELEVANCE, typed=False)}"
            " FROM project p, to_tsquery('english', :tsquery) q, to_tsquery('english', :typed) t"
            f" WHERE p.search_vector @@ q AND {filters.sql()}"
            f" ORDER BY relevance DESC LIMIT {RERANK_LIMIT}"
        )
        typed = tsquery_expression(query.terms, any_word=True, synonyms=False) or expression
        bound = {**filters.params, "tsquery": expression, "typed": typed}
        return Matches([Ranked(*row) for row in session.execute(_bind(sql, bound), bound).all()])

    def count(self, session: Session, query: SearchQuery, *, any_word: bool) -> int:
        index = self.index(session)
        if index is not None:
            return len(index.match(memory_groups(query.terms), any_word=any_word).docs)
        return super().count(session, query, any_word=any_word)

    def match(self, query: SearchQuery, *, any_word: bool) -> tuple[str, str, Params]:
        return (
            "project p, to_tsquery('english', :tsquery) q",
            "p.search_vector @@ q",
            {"tsquery": tsquery_expression(query.terms, any_word=any_word)},
        )


def _related_in_memory(
    session: Session, index: MemoryIndex, query: SearchQuery, beyond: Collection[int]
) -> Matches:
    """BM25 over any of the words (rare words weigh most), plus the words the best matches share
    (chatbot.catalog.expansion): projects that say the same thing in the catalog's own words."""
    found = _found(index, query, any_word=True)
    ids, scores = index.scores(found, include_archived=query.include_archived)
    combined = np.zeros(len(index.lengths), dtype=np.float32)
    combined[ids] = scores
    # The projects matching every word, when there are some: the best of those matching some drift.
    best_some = best_first(ids, scores, limit=FEEDBACK_PROJECTS)[0]
    feedback = list(beyond)[:FEEDBACK_PROJECTS] or best_some.tolist()
    stems = expansion_stems(index, _texts(session, feedback), query.terms)
    if stems:
        extra, extra_scores = expansion_scores(index, stems, include_archived=query.include_archived)
        extra = _filtered(index, extra, query)
        best = float(extra_scores[extra.docs].max()) if len(extra.docs) else 0.0
        if best > 0:
            top = float(scores.max()) if len(scores) else 1.0
            combined[extra.docs] += EXPANSION_WEIGHT * top * extra_scores[extra.docs] / best
    candidates = index.visible(
        Match(docs=np.flatnonzero(combined != 0).astype(np.int32), phrases=[]),
        include_archived=query.include_archived,
    )
    order, _ = best_first(candidates, combined[candidates], limit=RERANK_LIMIT)
    rows = [Ranked(int(i), float(combined[i]), float(index.activity[i]), 0, None, "") for i in order]
    return Matches(rows, len(candidates))


def _texts(session: Session, ids: Sequence[int]) -> list[str]:
    """What the feedback projects say about themselves: name, title, description and topics."""
    if not ids:
        return []
    sql = "SELECT name, title, description, CAST(topics AS TEXT) FROM project WHERE id IN :ids"
    rows = session.execute(_bind(sql, {"ids": tuple(ids)}), {"ids": tuple(ids)})
    return [" ".join(part or "" for part in row) for row in rows]


def _found(index: MemoryIndex, query: SearchQuery, *, any_word: bool) -> Match:
    """The matches in memory that pass the filters: the same tests as find_filters' SQL."""
    return _filtered(index, index.match(memory_groups(query.terms), any_word=any_word), query)


def _filtered(index: MemoryIndex, found: Match, query: SearchQuery) -> Match:
    for facet, values in (("language", query.languages), ("owner", query.orgs), ("source", query.sources)):
        if values:
            found = index.of(found, facet, values)
    for topic in query.topics:
        found = index.tagged(found, topic)
    for label in query.labels:
        found = index.labelled(found, label)
    return found


def _typed_word_boost(terms: Sequence[str]) -> Callable[[Ranked], float]:
    """For a row of SqliteSearch.SELECT: how much more relevant the words as typed make it.

    The words as typed count again (BM25 of a second MATCH restricted to these rows would make FTS5
    re-run it per row): a field-weighted check of name, title and topics for each typed word."""
    typed = [re.compile(r"\b" + re.escape(term[: max(4, len(term) - 2)])) for term in terms]
    return lambda row: (
        1 + TYPED_WORD_WEIGHT * typed_share(typed, (row.name_lower, row.title_lower, row.topics_lower))
    )


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
    narrowing = [f"{{topics}} : {_fts5_phrase(topic)}" for topic in query.topics if FTS5_WORD.search(topic)]
    if query.languages and all(FTS5_WORD.search(language) for language in query.languages):
        # One of them (lang:go,rust), while every topic: is asked for.
        narrowing.append("{skills} : (" + " OR ".join(map(_fts5_phrase, query.languages)) + ")")
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
