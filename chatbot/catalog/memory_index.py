"""FTS5's index, in memory: BM25 for a search in about a millisecond at 100,000 projects.

FTS5 computes BM25 for every match before `ORDER BY rank LIMIT` returns, and scans each phrase's whole
doclist to weigh it; a common word, or a word with many synonyms, costs 5-30 ms at 100,000 projects.
This copy holds the same postings, read from the index itself through `fts5vocab` (so stems and tokens
are exactly FTS5's), with each occurrence already weighted by its column, and scores them with numpy.

The score is FTS5's bm25: k1 = 1.2, b = 0.75, the column weights of search.SQLITE_WEIGHTS, the document
length over all columns; `tests/catalog/test_memory_index.py` checks it against `ORDER BY rank`. One
difference: a synonym of several words ("event bus") matches where FTS5 finds it (asked once per
build), scored with the smaller of its words' frequencies rather than the phrase's own.

The copy knows the catalog's search generation (migration 0005) it was read at; a search compares that
with the database's (one row) and uses the copy only when they agree (chatbot.catalog.search).
"""

import json
import math
import re
import threading
import time
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import snowballstemmer
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlmodel import Session

from chatbot.catalog.filters import label_pattern
from chatbot.catalog.rebuilds import Builds
from chatbot.catalog.synonyms import GROUPS

COLUMNS = ("name", "title", "topics", "description", "skills", "readme")  # project_fts, in order
WEIGHTS = (10.0, 8.0, 5.0, 2.0, 2.0, 0.5)  # as search.SQLITE_WEIGHTS
K1 = 1.2
B = 0.75
# Sets of ids are merged by sorting when small, through an array over every id past 1/64 of them.
DENSE_ABOVE_SHARE = 64
BACKGROUND_BUILD_ABOVE_SECONDS = 0.5  # a slower build is redone in the background (search uses FTS5)
REBUILD_INTERVAL_SECONDS = 30.0  # ... and at most this often

FACETS = ("language", "owner", "source")
# `has:` labels, tested on the labels' JSON text as filters.has_label's SQL tests it.
LABEL_BITS = {"help wanted": 1, "good first issue": 2}
LABEL_PATTERNS = {label: label_pattern(label) for label in LABEL_BITS}

IdArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]
BitsArray = npt.NDArray[np.uint8]
NO_IDS: IdArray = np.zeros(0, dtype=np.int32)
NO_SCORES: FloatArray = np.zeros(0, dtype=np.float32)


@dataclass
class Phrase:
    """One alternative of a query word: a word (a prefix, if so marked) or a phrase of several."""

    text: str
    prefix: bool = False


@dataclass
class Match:
    docs: IdArray  # every matching project id, ascending (archived and removed ones included)
    phrases: list[tuple[IdArray, FloatArray]]  # per phrase found: its docs and weighted frequency


@dataclass
class MemoryIndex:
    generation: int = 0
    postings: dict[str, tuple[IdArray, FloatArray]] = field(default_factory=dict)  # docs, weighted freq
    column_bits: dict[str, BitsArray] = field(default_factory=dict)  # per posting: a bit per column
    terms: list[str] = field(default_factory=list)  # sorted, for prefixes
    lengths: FloatArray = field(default_factory=lambda: NO_SCORES)  # tokens per project id
    listed: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))  # not archived/removed
    present: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))  # not removed
    activity: FloatArray = field(default_factory=lambda: NO_SCORES)  # activity_score per project id
    labels: BitsArray = field(default_factory=lambda: np.zeros(0, dtype=np.uint8))  # open issues: LABEL_BITS
    # What the other filters test, per project id (filters.filter_conditions, exactly): a code for
    # lower(language), lower(owner_login) and source, and the projects under each lower-cased topic.
    facets: dict[str, tuple[dict[str, int], IdArray]] = field(default_factory=dict)
    topics: dict[str, IdArray] = field(default_factory=dict)
    # Where each multi-word synonym is found as a phrase (words in a row), by its stems.
    phrases: dict[str, IdArray] = field(default_factory=dict)
    rows: int = 0
    average_length: float = 1.0
    build_seconds: float = 0.0

    def match(self, groups: Sequence[Sequence[Phrase]], *, any_word: bool = False) -> Match:
        """Projects with every group (or any, with `any_word`); a group is the alternatives of one word."""
        phrases: list[tuple[IdArray, FloatArray]] = []
        matched: IdArray | None = None
        for alternatives in groups:
            in_group = [found for found in map(self._phrase, alternatives) if len(found[0])]
            phrases += in_group
            group = self._union([docs for docs, _ in in_group])
            if matched is None:
                matched = group
            elif any_word:
                matched = self._union([matched, group])
            else:
                matched = np.intersect1d(matched, group, assume_unique=True)
        return Match(docs=matched if matched is not None else NO_IDS, phrases=phrases)

    def columns_with(self, phrase: Phrase, ids: IdArray) -> BitsArray:
        """For each of `ids`: a bit per column that has the phrase's first word (a prefix, if so)."""
        words = [stem(word) for word in WORD.findall(fold(phrase.text))]
        if not words:
            return np.zeros(len(ids), dtype=np.uint8)
        bits = np.zeros(len(self.lengths), dtype=np.uint8)
        for term in self._terms(words[0], prefix=phrase.prefix):
            bits[self.postings[term][0]] |= self.column_bits[term]
        return bits[ids]

    def keep(self, found: Match, ids: IdArray) -> Match:
        return Match(docs=np.intersect1d(found.docs, ids, assume_unique=True), phrases=found.phrases)

    def of(self, found: Match, facet: str, values: Sequence[str]) -> Match:
        """Only the matches whose `facet` (language, owner, source) is one of `values`."""
        codes_by_value, codes = self.facets[facet]
        wanted = [codes_by_value[v] for v in values if v in codes_by_value]
        return Match(docs=found.docs[np.isin(codes[found.docs], wanted)], phrases=found.phrases)

    def tagged(self, found: Match, topic: str) -> Match:
        return self.keep(found, self.topics.get(topic.lower(), NO_IDS))

    def labelled(self, found: Match, label: str) -> Match:
        """Only the matches with an open issue labelled `label` (query.HAS_VALUES: exactly SQL's test)."""
        bit = LABEL_BITS.get(label, 0)
        return Match(docs=found.docs[(self.labels[found.docs] & bit) != 0], phrases=found.phrases)

    def visible(self, found: Match, *, include_archived: bool) -> IdArray:
        return found.docs[(self.present if include_archived else self.listed)[found.docs]]

    def rank(
        self, found: Match, *, include_archived: bool, limit: int | None = None
    ) -> tuple[IdArray, FloatArray]:
        """(project ids, bm25 scores) of the best `limit` visible matches (all by default), best first."""
        matched = self.visible(found, include_archived=include_archived)
        if not len(matched):
            return NO_IDS, NO_SCORES
        scores = np.zeros(len(matched), dtype=np.float32)
        norm = K1 * (1 - B + B * self.lengths[matched] / self.average_length)
        for docs, frequency in found.phrases:
            idf = max(math.log((self.rows - len(docs) + 0.5) / (len(docs) + 0.5)), 1e-6)
            if len(matched) * DENSE_ABOVE_SHARE < len(self.lengths):
                at = np.minimum(np.searchsorted(docs, matched), len(docs) - 1)
                f = np.where(docs[at] == matched, frequency[at], 0.0)
            else:
                dense = np.zeros(len(self.lengths), dtype=np.float32)
                dense[docs] = frequency
                f = dense[matched]
            scores += idf * (f * (K1 + 1)) / (f + norm)
        if limit is not None and limit < len(matched):
            best = np.argpartition(-scores, limit - 1)[:limit]
            matched, scores = matched[best], scores[best]
        order = np.lexsort((matched, -scores))
        return matched[order], scores[order]

    def _phrase(self, phrase: Phrase) -> tuple[IdArray, FloatArray]:
        words = [stem(word) for word in WORD.findall(fold(phrase.text))]
        if not words:
            return NO_IDS, NO_SCORES
        docs, frequency = self._stem(words[0], prefix=phrase.prefix and len(words) == 1)
        for word in words[1:]:
            other_docs, other_frequency = self._stem(word, prefix=False)
            docs, mine, theirs = np.intersect1d(docs, other_docs, assume_unique=True, return_indices=True)
            frequency = np.minimum(frequency[mine], other_frequency[theirs])
        if len(words) > 1:  # the words in a row: only where FTS5 found the phrase
            where = self.phrases.get(" ".join(words))
            if where is not None:
                inside = np.isin(docs, where, assume_unique=True)
                docs, frequency = docs[inside], frequency[inside]
        return docs, frequency

    def _terms(self, word: str, *, prefix: bool) -> list[str]:
        if not prefix:
            return [word] if word in self.postings else []
        start = end = bisect_left(self.terms, word)
        while end < len(self.terms) and self.terms[end].startswith(word):
            end += 1
        return self.terms[start:end]

    def _stem(self, word: str, *, prefix: bool) -> tuple[IdArray, FloatArray]:
        if not prefix:
            return self.postings.get(word, (NO_IDS, NO_SCORES))
        found = [self.postings[t] for t in self._terms(word, prefix=True)]
        if len(found) <= 1:
            return found[0] if found else (NO_IDS, NO_SCORES)
        # A prefix is one phrase: its occurrences are those of every stem under it.
        all_docs = np.concatenate([d for d, _ in found])
        if len(all_docs) * DENSE_ABOVE_SHARE < len(self.lengths):
            merged, inverse = np.unique(all_docs, return_inverse=True)
            weights = np.concatenate([f for _, f in found])
            summed = np.bincount(inverse, weights=weights, minlength=len(merged)).astype(np.float32)
            return merged.astype(np.int32), summed
        dense = np.zeros(len(self.lengths), dtype=np.float32)
        for docs, frequency in found:
            dense[docs] += frequency  # docs are unique within one stem
        merged = np.flatnonzero(dense).astype(np.int32)
        return merged, dense[merged]

    def _union(self, parts: list[IdArray]) -> IdArray:
        parts = [p for p in parts if len(p)]
        if len(parts) <= 1:
            return parts[0] if parts else NO_IDS
        if sum(len(p) for p in parts) * DENSE_ABOVE_SHARE < len(self.lengths):
            return np.unique(np.concatenate(parts))  # sorting a few thousand ids
        marks = np.zeros(len(self.lengths), dtype=np.bool_)  # one pass over every id
        for docs in parts:
            marks[docs] = True
        return np.flatnonzero(marks).astype(np.int32)


# --- words, as the index's tokenizer ('porter unicode61 remove_diacritics 2') makes them ------------

WORD = re.compile(r"[^\W_]+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("porter")
_stemmer_lock = threading.Lock()  # a snowball stemmer keeps its state on the instance


def fold(text: str) -> str:
    """Lower case without diacritics."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The Porter stem, as SQLite's `porter` tokenizer makes it (it leaves words under 3 letters alone)."""
    if len(word) < 3:
        return word
    with _stemmer_lock:
        return str(_stemmer.stemWord(word))


# --- reading the index --------------------------------------------------------------------------


def generation_of(connection: Connection) -> int:
    row = connection.exec_driver_sql("SELECT generation FROM search_generation").first()
    return int(row[0]) if row is not None else 0


def build_memory_index(connection: Connection) -> MemoryIndex:
    """Every (stem, project, column) occurrence in `project_fts` (about 4 s at 100,000 projects)."""
    started = time.perf_counter()
    generation = generation_of(connection)  # read first: a change made meanwhile makes this one stale
    size = connection.exec_driver_sql("SELECT coalesce(max(id), 0), count(*) FROM project").first()
    top, rows = (int(size[0]), int(size[1])) if size is not None else (0, 0)
    listed = np.zeros(top + 1, dtype=np.bool_)
    present = np.zeros(top + 1, dtype=np.bool_)
    activity = np.zeros(top + 1, dtype=np.float32)
    facets = {name: ({"": 0}, np.zeros(top + 1, dtype=np.int32)) for name in FACETS}
    tagged: dict[str, list[int]] = {}
    for project_id, archived, removed, score, *values, topics in connection.exec_driver_sql(
        "SELECT id, archived, removed_at IS NOT NULL, activity_score,"
        " lower(coalesce(language, '')), lower(owner_login), source, CAST(topics AS TEXT) FROM project"
    ):
        present[project_id] = not removed
        listed[project_id] = not removed and not archived
        activity[project_id] = score or 0
        for (codes_by_value, code_of), value in zip(facets.values(), values, strict=True):
            code_of[project_id] = codes_by_value.setdefault(value or "", len(codes_by_value))
        for topic in _strings(topics):
            tagged.setdefault(topic.lower(), []).append(project_id)
    labels = np.zeros(top + 1, dtype=np.uint8)
    for project_id, issue_labels in connection.exec_driver_sql(
        "SELECT project_id, labels FROM issue WHERE state = 'open'"
    ):
        labels[project_id] |= _label_bits(issue_labels)
    lengths = np.zeros(top + 1, dtype=np.float64)
    column_weights = np.array(WEIGHTS, dtype=np.float32)
    postings: dict[str, tuple[IdArray, FloatArray]] = {}
    column_bits: dict[str, BitsArray] = {}
    connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.project_fts_instances"
        " USING fts5vocab(main, project_fts, 'instance')"
    )
    # One row per stem, its occurrences as text (in the index's order: project, column, offset): turning
    # 5.8 million rows into Python tuples would take ten times as long at 100,000 projects.
    column_codes = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(COLUMNS))
    stems = connection.exec_driver_sql(
        f"SELECT term, group_concat(doc, ' '), group_concat(CASE col {column_codes} END, '')"
        " FROM temp.project_fts_instances GROUP BY term"
    )
    for term, doc_text, column_text in stems:
        docs = np.array(doc_text.split(" "), dtype=np.int32)
        codes = np.frombuffer(column_text.encode("ascii"), dtype=np.uint8) - ord("0")
        if len(docs) > 1 and bool((docs[1:] < docs[:-1]).any()):  # not in project order: make it so
            order = np.argsort(docs, kind="stable")
            docs, codes = docs[order], codes[order]
        weights = column_weights[codes]
        starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
        unique = docs[starts]
        keep = unique <= top
        counts = np.diff(np.r_[starts, len(docs)])
        postings[term] = (unique[keep], np.add.reduceat(weights, starts)[keep].astype(np.float32))
        column_bits[term] = np.bitwise_or.reduceat(np.left_shift(1, codes).astype(np.uint8), starts)[keep]
        lengths[unique[keep]] += counts[keep]
    total = float(lengths.sum())
    return MemoryIndex(
        generation=generation,
        postings=postings,
        column_bits=column_bits,
        terms=sorted(postings),
        lengths=lengths.astype(np.float32),
        listed=listed,
        present=present,
        activity=activity,
        labels=labels,
        facets=facets,
        topics={topic: np.array(ids, dtype=np.int32) for topic, ids in tagged.items()},
        phrases=_synonym_phrases(connection),
        rows=rows,
        average_length=total / rows if rows else 1.0,
        build_seconds=time.perf_counter() - started,
    )


def _synonym_phrases(connection: Connection) -> dict[str, IdArray]:
    found: dict[str, IdArray] = {}
    for group in GROUPS:
        for phrase in group:
            words = [stem(word) for word in WORD.findall(fold(phrase))]
            if len(words) > 1 and " ".join(words) not in found:
                rows = connection.exec_driver_sql(
                    "SELECT rowid FROM project_fts WHERE project_fts MATCH ? ORDER BY rowid",
                    ('"' + phrase.replace('"', '""') + '"',),
                )
                found[" ".join(words)] = np.array([row[0] for row in rows], dtype=np.int32)
    return found


def _strings(stored: object) -> list[str]:
    """A JSON list column's strings."""
    try:
        values = json.loads(stored) if isinstance(stored, str) else stored
    except ValueError:
        return []
    return [v for v in values if isinstance(v, str)] if isinstance(values, list) else []


def _label_bits(stored: object) -> int:
    text = stored if isinstance(stored, str) else json.dumps(stored)
    return sum(bit for label, bit in LABEL_BITS.items() if LABEL_PATTERNS[label].search(text))


# --- the copy per database ----------------------------------------------------------------------

_cache: dict[str, MemoryIndex] = {}
# A busy catalog (webhooks every few seconds) must not keep a core rebuilding: FTS5 answers in between.
_builds = Builds("search-index", at_most_every_seconds=REBUILD_INTERVAL_SECONDS)


def memory_index_for(session: Session) -> MemoryIndex | None:
    """The in-memory copy, if it is current; else None and the search goes to FTS5.

    A stale copy is rebuilt at once when that was quick (small catalogs: results are never stale), else
    in the background, the searches meanwhile going to FTS5 (slower, never stale).
    """
    engine = session.get_bind().engine
    key = str(engine.url)
    connection = session.connection()
    generation = generation_of(connection)
    cached = _cache.get(key)
    if cached is not None and cached.generation == generation:
        return cached
    if cached is not None and cached.build_seconds > BACKGROUND_BUILD_ABOVE_SECONDS:
        build_in_background(engine)
        return None
    with _builds.claim(key) as claimed:
        if not claimed:
            return None  # being built: FTS5 answers meanwhile
        index = _cache[key] = build_memory_index(connection)
    return index if index.generation == generation else None


def build_in_background(engine: Engine) -> None:
    """Start building the copy (as `serve` does at start), unless that is under way or was started less
    than REBUILD_INTERVAL_SECONDS ago; searches use FTS5 until it is there."""
    key = str(engine.url)

    def build() -> None:
        with Session(engine) as session:
            _cache[key] = build_memory_index(session.connection())

    _builds.in_background(key, build)
