"""The catalog's full-text index, in memory: BM25 for a search in about a millisecond at 100,000 projects.

FTS5 computes BM25 for every match before `ORDER BY rank LIMIT` returns, and scans each phrase's whole
doclist to weigh it; a common word, or a word with many synonyms, costs 5-30 ms at 100,000 projects, and
PostgreSQL's ts_rank_cd more. This copy holds every stem's postings, each occurrence already weighted by
its column, in a few flat numpy arrays, and scores them with numpy.

One tokenizer on both databases: FTS5's own (`porter unicode61 remove_diacritics 2`). On SQLite the
postings are read from the `project_fts` index through `fts5vocab`; on PostgreSQL the same column texts
are put through the same tokenizer in an in-memory SQLite database (Python's own sqlite3) and read the
same way. Query words go through it too (`tokens`), so the same catalog ranks identically on both.

The score is FTS5's bm25: k1 = 1.2, b = 0.75, the column weights of search.SQLITE_WEIGHTS, the document
length over all columns; `tests/catalog/test_memory_index.py` checks it against `ORDER BY rank`. One
difference: a synonym of several words ("event bus") matches where FTS5 finds it (asked once per
build), scored with the smaller of its words' frequencies rather than the phrase's own.

The copy knows the catalog's search generation (migrations 0005 and 0007) it was read at; a search
compares that with the database's (one row) and uses the copy only when they agree (chatbot.catalog.search).
"""

import gc
import json
import math
import os
import re
import sqlite3
import sys
import threading
import time
import unicodedata
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlmodel import Session

from chatbot.catalog.filters import label_pattern
from chatbot.catalog.rebuilds import Builds
from chatbot.catalog.synonyms import GROUPS

COLUMNS = ("name", "title", "topics", "description", "skills", "readme")  # project_fts, in order
TOKENIZER = "porter unicode61 remove_diacritics 2"  # project_fts's (migration 0003)
WEIGHTS = (10.0, 8.0, 5.0, 2.0, 2.0, 0.5)  # as search.SQLITE_WEIGHTS
K1 = 1.2
B = 0.75
# Sets of ids are merged by sorting when small, through an array over every id past 1/64 of them.
DENSE_ABOVE_SHARE = 64
RECENT_PHRASE_BYTES = 4_000_000  # phrases looked up lately, kept per index (the oldest dropped first)
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
OffsetArray = npt.NDArray[np.int64]
NO_IDS: IdArray = np.zeros(0, dtype=np.int32)
NO_SCORES: FloatArray = np.zeros(0, dtype=np.float32)
NO_BITS: BitsArray = np.zeros(0, dtype=np.uint8)


@dataclass
class Phrase:
    """One alternative of a query word: a word (a prefix, if so marked) or a phrase of several."""

    text: str
    prefix: bool = False


@dataclass
class Match:
    docs: IdArray  # every matching project id, ascending (archived and removed ones included)
    phrases: list[tuple[IdArray, FloatArray]]  # per phrase found: its docs and weighted frequency


class Postings(Mapping[str, tuple[IdArray, FloatArray]]):
    """term -> (project ids ascending, weighted frequency): views into three arrays shared by every term,
    so that workers forked after the build share their pages (a few large buffers, not a million small)."""

    def __init__(
        self,
        slots: Mapping[str, int] | None = None,
        offsets: OffsetArray | None = None,
        docs: IdArray = NO_IDS,
        weights: FloatArray = NO_SCORES,
        bits: BitsArray = NO_BITS,
    ) -> None:
        self.slots = slots or {}  # term -> its number: its postings are offsets[n]:offsets[n + 1]
        self.offsets = offsets if offsets is not None else np.zeros(1, dtype=np.int64)
        self.docs, self.weights, self.bits = docs, weights, bits

    def __getitem__(self, term: str) -> tuple[IdArray, FloatArray]:
        start, end = self._span(term)
        return self.docs[start:end], self.weights[start:end]

    def __contains__(self, term: object) -> bool:
        return term in self.slots

    def __iter__(self) -> Iterator[str]:
        return iter(self.slots)

    def __len__(self) -> int:
        return len(self.slots)

    def column_bits(self, term: str) -> BitsArray:
        start, end = self._span(term)
        return self.bits[start:end]

    def _span(self, term: str) -> tuple[int, int]:
        slot = self.slots[term]
        return int(self.offsets[slot]), int(self.offsets[slot + 1])


class ColumnBits(Mapping[str, BitsArray]):
    """term -> per posting, a bit per column that has the term (bit i: COLUMNS[i])."""

    def __init__(self, postings: Postings) -> None:
        self._postings = postings

    def __getitem__(self, term: str) -> BitsArray:
        return self._postings.column_bits(term)

    def __iter__(self) -> Iterator[str]:
        return iter(self._postings)

    def __len__(self) -> int:
        return len(self._postings)


@dataclass
class MemoryIndex:
    generation: int = 0
    postings: Postings = field(default_factory=Postings)
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

    def __post_init__(self) -> None:
        # BM25's length normalisation per project id, as scores() would compute it for each match.
        self.norms: FloatArray = K1 * (1 - B + B * self.lengths / self.average_length)
        # The last phrases looked up: a search asks for the same ones for all words, then for any word.
        self._recent: dict[tuple[str, bool], tuple[IdArray, FloatArray]] = {}
        self._recent_lock = threading.Lock()

    @property
    def column_bits(self) -> ColumnBits:
        return ColumnBits(self.postings)

    def nbytes(self) -> tuple[int, int]:
        """(bytes of numpy arrays, bytes of the Python objects that find them: terms and their slots)."""
        arrays: list[npt.NDArray[Any]] = [
            self.norms,
            self.postings.docs,
            self.postings.weights,
            self.postings.bits,
            self.postings.offsets,
            self.lengths,
            self.listed,
            self.present,
            self.activity,
            self.labels,
            *(codes for _, codes in self.facets.values()),
            *self.topics.values(),
            *self.phrases.values(),
        ]
        objects = sys.getsizeof(self.terms) + sys.getsizeof(self.postings.slots)
        objects += sum(sys.getsizeof(term) for term in self.terms)
        objects += sum(sys.getsizeof(topic) + 112 for topic in self.topics)  # key and array header
        return sum(a.nbytes for a in arrays), objects

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
        words = tokens(phrase.text)
        if not words:
            return np.zeros(len(ids), dtype=np.uint8)
        bits = np.zeros(len(self.lengths), dtype=np.uint8)
        for term in self._terms(words[0], prefix=phrase.prefix):
            bits[self.postings[term][0]] |= self.postings.column_bits(term)
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
        return best_first(*self.scores(found, include_archived=include_archived), limit=limit)

    def scores(self, found: Match, *, include_archived: bool) -> tuple[IdArray, FloatArray]:
        """(project ids ascending, bm25 scores) of every visible match: rank() without the ordering."""
        shown = (self.present if include_archived else self.listed)[found.docs]
        matched = found.docs[shown]
        if not len(matched):
            return NO_IDS, NO_SCORES
        scores = np.zeros(len(matched), dtype=np.float32)
        norm = self.norms[matched]
        for docs, frequency in found.phrases:
            idf = max(math.log((self.rows - len(docs) + 0.5) / (len(docs) + 0.5)), 1e-6)
            if docs is found.docs:  # one phrase's own postings (a word's, as expansion ranks them)
                f = frequency[shown]
            elif len(matched) * DENSE_ABOVE_SHARE < len(self.lengths):
                at = np.minimum(np.searchsorted(docs, matched), len(docs) - 1)
                f = np.where(docs[at] == matched, frequency[at], 0.0)
            else:
                dense = np.zeros(len(self.lengths), dtype=np.float32)
                dense[docs] = frequency
                f = dense[matched]
            scores += idf * (f * (K1 + 1)) / (f + norm)
        return matched, scores

    def add_scores(self, into: FloatArray, term: str, weight: float = 1.0) -> None:
        """into[project id] += weight x the stem's bm25, for every project that has it, visible or not (the
        caller masks once): a word's part of scores(), without its per-word filtering."""
        docs, frequency = self.postings[term]
        idf = max(math.log((self.rows - len(docs) + 0.5) / (len(docs) + 0.5)), 1e-6)
        into[docs] += weight * (idf * (frequency * (K1 + 1)) / (frequency + self.norms[docs]))

    def _phrase(self, phrase: Phrase) -> tuple[IdArray, FloatArray]:
        key = (phrase.text, phrase.prefix)
        found = self._recent.get(key)
        if found is None:
            found = self._look_up(phrase)
            with self._recent_lock:
                self._recent[key] = found
                kept = sum(docs.nbytes + frequency.nbytes for docs, frequency in self._recent.values())
                while kept > RECENT_PHRASE_BYTES and len(self._recent) > 1:
                    docs, frequency = self._recent.pop(next(iter(self._recent)))
                    kept -= docs.nbytes + frequency.nbytes
        return found

    def _look_up(self, phrase: Phrase) -> tuple[IdArray, FloatArray]:
        words = tokens(phrase.text)
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
        merged = np.flatnonzero(dense > 0).astype(np.int32)  # a bool array: 8x faster than the floats
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


def best_first(ids: IdArray, scores: FloatArray, *, limit: int | None = None) -> tuple[IdArray, FloatArray]:
    """The best `limit` (all by default), by score then id: one sort of 64-bit keys (the score's bits, which
    order as the scores do since none is negative, above the id), several times faster than a lexsort."""
    if not len(ids):
        return NO_IDS, NO_SCORES
    inverted = np.uint64(0xFFFFFFFF) - np.ascontiguousarray(scores, dtype=np.float32).view(np.uint32)
    keys = inverted.astype(np.uint64) << np.uint64(32) | ids.astype(np.uint64)
    if limit is not None and limit < len(keys):
        keys = np.partition(keys, limit - 1)[:limit]
    keys.sort()
    best = (keys & np.uint64(0xFFFFFFFF)).astype(np.int32)
    bits = (np.uint64(0xFFFFFFFF) - (keys >> np.uint64(32))).astype(np.uint32)
    return best, bits.view(np.float32)


# --- words, made by the index's own tokenizer ----------------------------------------------------

Run = Callable[[str, tuple[Any, ...]], Iterable[Sequence[Any]]]  # SQL with ? parameters -> rows


class _Tokenizer:
    """FTS5's tokenizer on any text, in an in-memory SQLite database of this process (one per process:
    a SQLite connection must not cross a fork)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __call__(self, text: str) -> tuple[str, ...]:
        with self._lock:
            if self._db is None or self._pid != os.getpid():
                self._db, self._pid = _tokenizer_database(), os.getpid()
            self._db.execute("INSERT INTO words(rowid, text) VALUES (1, ?)", (text,))
            try:
                rows = self._db.execute("SELECT term FROM temp.word_instances ORDER BY offset").fetchall()
            finally:
                self._db.execute("DELETE FROM words")
        return tuple(str(term) for (term,) in rows)


def _tokenizer_database() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    db.execute(f"CREATE VIRTUAL TABLE words USING fts5(text, tokenize = '{TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE temp.word_instances USING fts5vocab(main, words, 'instance')")
    return db


_tokenize = _Tokenizer()


@lru_cache(maxsize=50_000)
def tokens(text: str) -> tuple[str, ...]:
    """The stems FTS5 makes of `text` (folded, split, Porter-stemmed), in order: what the index holds."""
    return _tokenize(text)


def stem(word: str) -> str:
    """The index's stem of one word (SQLite's Porter stemmer leaves words under 3 letters alone)."""
    found = tokens(word)
    return found[0] if len(found) == 1 else word


# Near FTS5's splitting, for reading text word by word; `tokens` is exact.
WORD = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without diacritics."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- reading the index --------------------------------------------------------------------------


def generation_of(connection: Connection) -> int:
    """The catalog's search generation; on PostgreSQL with the row's version (migration 0007)."""
    if connection.dialect.name == "postgresql":
        row = connection.exec_driver_sql(
            "SELECT generation, CAST(CAST(xmin AS TEXT) AS BIGINT) FROM search_generation"
            " ORDER BY generation DESC LIMIT 1"
        ).first()
        return int(row[0]) << 32 | int(row[1]) if row is not None else 0
    row = connection.exec_driver_sql("SELECT generation FROM search_generation").first()
    return int(row[0]) if row is not None else 0


@dataclass
class _Postings:
    """Being read: each term's postings, to be put end to end."""

    terms: list[str] = field(default_factory=list)
    docs: list[IdArray] = field(default_factory=list)
    weights: list[FloatArray] = field(default_factory=list)
    bits: list[BitsArray] = field(default_factory=list)

    def packed(self) -> Postings:
        order = sorted(range(len(self.terms)), key=self.terms.__getitem__)
        sizes = np.array([len(self.docs[i]) for i in order], dtype=np.int64)

        def joined(parts: list[Any], dtype: type) -> Any:
            return np.concatenate([parts[i] for i in order]) if order else np.zeros(0, dtype=dtype)

        return Postings(
            slots={self.terms[i]: slot for slot, i in enumerate(order)},
            offsets=np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(sizes)]),
            docs=joined(self.docs, np.int32),
            weights=joined(self.weights, np.float32),
            bits=joined(self.bits, np.uint8),
        )


def build_memory_index(connection: Connection) -> MemoryIndex:
    """Every (stem, project, column) occurrence of the catalog (about 4 s at 100,000 projects)."""
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
        if project_id > top:
            continue  # added since: the next build has it
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
        if project_id <= top:
            labels[project_id] |= _label_bits(issue_labels)
    lengths = np.zeros(top + 1, dtype=np.float64)
    with _full_text(connection) as run:
        postings = _read_postings(run, top, lengths)
        phrases = _synonym_phrases(run)
    total = float(lengths.sum())
    return MemoryIndex(
        generation=generation,
        postings=postings,
        terms=list(postings.slots),  # in slot order: sorted
        lengths=lengths.astype(np.float32),
        listed=listed,
        present=present,
        activity=activity,
        labels=labels,
        facets=facets,
        topics={topic: np.array(ids, dtype=np.int32) for topic, ids in tagged.items()},
        phrases=phrases,
        rows=rows,
        average_length=total / rows if rows else 1.0,
        build_seconds=time.perf_counter() - started,
    )


@contextmanager
def _full_text(connection: Connection) -> Iterator[Run]:
    """SQL on an FTS5 table `project_fts` of the catalog: SQLite's own; for PostgreSQL, one built from
    the same column texts in an in-memory SQLite database (contentless: the index alone)."""
    if connection.dialect.name == "sqlite":
        yield connection.exec_driver_sql
        return
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute(
            f"CREATE VIRTUAL TABLE project_fts USING fts5({', '.join(COLUMNS)},"
            f" tokenize = '{TOKENIZER}', content = '')"
        )
        db.executemany(
            f"INSERT INTO project_fts(rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            map(indexed_text, connection.exec_driver_sql(INDEXED_ROWS)),
        )
        yield db.execute


INDEXED_ROWS = (
    "SELECT id, name, full_name, title, CAST(topics AS TEXT), description, motivation, language,"
    " CAST(skills AS TEXT), readme_excerpt FROM project"
)


def indexed_text(row: Sequence[Any]) -> tuple[Any, ...]:
    """A row of INDEXED_ROWS as project_fts's columns: what migration 0003's SQLite triggers index."""
    project_id, name, full_name, title, topics, description, motivation, language, skills, readme = row
    return (
        project_id,
        f"{name} {full_name.replace('/', ' ').replace('_', ' ')}",
        title,
        " ".join(_strings(topics)),
        f"{description} {motivation}",
        f"{language or ''} {' '.join(_strings(skills))}",
        readme,
    )


def _read_postings(run: Run, top: int, lengths: npt.NDArray[np.float64]) -> Postings:
    """Each stem's postings from `project_fts` (adds every project's tokens to `lengths`)."""
    run(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.project_fts_instances"
        " USING fts5vocab(main, project_fts, 'instance')",
        (),
    )
    column_weights = np.array(WEIGHTS, dtype=np.float32)
    read = _Postings()
    # One row per stem, its occurrences as text (in the index's order: project, column, offset): turning
    # 5.8 million rows into Python tuples would take ten times as long at 100,000 projects.
    column_codes = " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(COLUMNS))
    stems = run(
        f"SELECT term, group_concat(doc, ' '), group_concat(CASE col {column_codes} END, '')"
        " FROM temp.project_fts_instances GROUP BY term",
        (),
    )
    for term, doc_text, column_text in stems:
        docs = np.fromstring(doc_text, dtype=np.int32, sep=" ")
        codes = np.frombuffer(column_text.encode("ascii"), dtype=np.uint8) - ord("0")
        if len(docs) > 1 and bool((docs[1:] < docs[:-1]).any()):  # not in project order: make it so
            order = np.argsort(docs, kind="stable")
            docs, codes = docs[order], codes[order]
        starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
        unique = docs[starts]
        keep = unique <= top
        if not keep.any():
            continue
        counts = np.diff(np.r_[starts, len(docs)])
        read.terms.append(str(term))
        read.docs.append(unique[keep])
        read.weights.append(np.add.reduceat(column_weights[codes], starts)[keep].astype(np.float32))
        read.bits.append(np.bitwise_or.reduceat(np.left_shift(1, codes).astype(np.uint8), starts)[keep])
        lengths[unique[keep]] += counts[keep]
    return read.packed()


def _synonym_phrases(run: Run) -> dict[str, IdArray]:
    found: dict[str, IdArray] = {}
    for group in GROUPS:
        for phrase in group:
            words = tokens(phrase)
            if len(words) > 1 and " ".join(words) not in found:
                rows = run(
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
    """The in-memory copy, if it is current; else None and the search goes to the database's index.

    A stale copy is rebuilt at once when that was quick (small catalogs: results are never stale), else
    in the background, the searches meanwhile going to FTS5 / ts_rank_cd (slower, never stale).
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
            return None  # being built: the database's index answers meanwhile
        index = _cache[key] = build_memory_index(connection)
    return index if index.generation == generation else None


def build_in_background(engine: Engine) -> None:
    """Start building the copy, unless that is under way or was started less than
    REBUILD_INTERVAL_SECONDS ago; searches use the database's index until it is there."""
    key = str(engine.url)

    def build() -> None:
        with Session(engine) as session:
            _cache[key] = build_memory_index(session.connection())

    _builds.in_background(key, build)


def keep_current(engine: Engine) -> None:
    """As `serve` starts: build the copy in the background, unless this process already has a current
    one (a worker forked after the supervisor built it)."""
    with Session(engine) as session:
        cached = _cache.get(str(engine.url))
        if cached is not None and cached.generation == generation_of(session.connection()):
            return
    build_in_background(engine)


def build_before_fork(engine: Engine) -> MemoryIndex:
    """Build the copy now, in a process about to fork its workers: they inherit it, and share its arrays'
    pages for as long as neither side writes them (`gc.freeze()` keeps the collector off them)."""
    with Session(engine) as session:
        index = _cache[str(engine.url)] = build_memory_index(session.connection())
    gc.freeze()
    return index
