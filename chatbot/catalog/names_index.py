"""BM25 over names, titles and topics, in memory: the ranking for searches whose words are very common.

FTS5 scores every match before `ORDER BY rank LIMIT` returns and, for each phrase, scans its whole doclist
to count the projects that have it; a word in 20,000 project names costs 5-30 ms that way. This index holds
the postings of `project_fts_names` (migration 0005), read from the index itself through `fts5vocab`, so
the stems and tokens are exactly FTS5's, and scores them with numpy: well under a millisecond.

The score is FTS5's bm25 (k1 = 1.2, b = 0.75, the same column weights, document length over the three
columns), so the order matches `ORDER BY rank` on `project_fts_names`. One difference: a phrase of several
words (a synonym such as "event bus") matches when all its words are there, in any order, with the
smallest of their frequencies.
"""

import math
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from sqlalchemy.engine import Connection

from chatbot.catalog.estimate import WORD, stem

COLUMNS = ("name", "title", "topics")
WEIGHTS = np.array([10.0, 8.0, 5.0], dtype=np.float64)  # as search.SQLITE_NAME_WEIGHTS
K1 = 1.2
B = 0.75
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class Postings:
    docs: IntArray  # project ids, ascending
    frequencies: FloatArray  # shape (len(docs), 3): occurrences in name, title, topics
    _weighted: dict[tuple[bool, ...], tuple[IntArray, FloatArray]] = field(default_factory=dict)

    def weighted(self, mask: tuple[bool, ...]) -> tuple[IntArray, FloatArray]:
        """The docs with the stem in the masked columns, and its column-weighted frequency there."""
        cached = self._weighted.get(mask)
        if cached is None:
            frequency = self.frequencies @ (WEIGHTS * np.array(mask, dtype=np.float64))
            visible = frequency > 0
            cached = self._weighted[mask] = (self.docs[visible], frequency[visible])
        return cached


@dataclass
class Phrase:
    """One alternative of a query word: a stem (or all stems under a prefix), or a multi-word phrase."""

    word: str
    prefix: bool = False


@dataclass
class Match:
    docs: IntArray  # every matching project id, ascending
    phrases: list[tuple[IntArray, FloatArray]]  # per phrase found: docs and weighted frequency


EMPTY_DOCS: IntArray = np.zeros(0, dtype=np.int64)
EMPTY_SCORES: FloatArray = np.zeros(0, dtype=np.float64)


@dataclass
class NamesIndex:
    postings: dict[str, Postings] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)  # sorted, for prefixes
    lengths: IntArray = field(default_factory=lambda: EMPTY_DOCS)  # tokens per project id
    rows: int = 0
    average_length: float = 1.0

    def match(
        self, groups: Sequence[Sequence[Phrase]], *, columns: Sequence[str], any_word: bool = False
    ) -> Match:
        """The projects with every group (or any, with `any_word`) within `columns`; a group is the
        alternatives of one word."""
        mask = tuple(c in columns for c in COLUMNS)
        phrases: list[tuple[IntArray, FloatArray]] = []
        matched: IntArray | None = None
        for alternatives in groups:
            in_group = [found for found in (self._phrase(p, mask) for p in alternatives) if len(found[0])]
            phrases += in_group
            if not in_group:
                group_docs = EMPTY_DOCS
            elif len(in_group) == 1:
                group_docs = in_group[0][0]
            else:
                marks = np.zeros(len(self.lengths), dtype=np.bool_)
                for docs, _ in in_group:
                    marks[docs] = True
                group_docs = np.flatnonzero(marks)
            if matched is None:
                matched = group_docs
            elif any_word:
                matched = np.union1d(matched, group_docs)
            else:
                matched = np.intersect1d(matched, group_docs, assume_unique=True)
        return Match(docs=matched if matched is not None else EMPTY_DOCS, phrases=phrases)

    def rank(self, found: Match, limit: int | None = None) -> tuple[IntArray, FloatArray]:
        """(project ids, bm25 scores) of the best `limit` matches (all by default), best first."""
        matched = found.docs
        if not len(matched):
            return EMPTY_DOCS, EMPTY_SCORES
        scores = np.zeros(len(matched), dtype=np.float64)
        norm = K1 * (1 - B + B * self.lengths[matched] / self.average_length)
        for docs, frequency in found.phrases:
            idf = max(math.log((self.rows - len(docs) + 0.5) / (len(docs) + 0.5)), 1e-6)
            if len(docs) == len(matched):  # the one phrase of a one-word search: the same docs
                f = frequency
            else:
                dense = np.zeros(len(self.lengths), dtype=np.float64)
                dense[docs] = frequency
                f = dense[matched]
            scores += idf * (f * (K1 + 1)) / (f + norm)
        if limit is not None and limit < len(matched):
            best = np.argpartition(-scores, limit - 1)[:limit]
            matched, scores = matched[best], scores[best]
        order = np.lexsort((matched, -scores))
        return matched[order], scores[order]

    def _phrase(self, phrase: Phrase, mask: tuple[bool, ...]) -> tuple[IntArray, FloatArray]:
        words = [stem(fold(w)) for w in WORD.findall(phrase.word)]
        if not words:
            return EMPTY_DOCS, EMPTY_SCORES
        per_word = [self._stem(w, mask, prefix=phrase.prefix and len(words) == 1) for w in words]
        docs, frequency = per_word[0]
        for other_docs, other_frequency in per_word[1:]:
            docs, mine, theirs = np.intersect1d(docs, other_docs, assume_unique=True, return_indices=True)
            frequency = np.minimum(frequency[mine], other_frequency[theirs])
        return docs, frequency

    def _stem(self, word: str, mask: tuple[bool, ...], *, prefix: bool) -> tuple[IntArray, FloatArray]:
        if prefix:
            start = end = bisect_left(self.terms, word)
            while end < len(self.terms) and self.terms[end].startswith(word):
                end += 1
            found = [self.postings[t].weighted(mask) for t in self.terms[start:end]]
        else:
            exact = self.postings.get(word)
            found = [exact.weighted(mask)] if exact is not None else []
        if not found:
            return EMPTY_DOCS, EMPTY_SCORES
        if len(found) == 1:
            return found[0]
        # A prefix is one phrase: its occurrences are those of every stem under it.
        dense = np.zeros(len(self.lengths), dtype=np.float64)
        for docs, frequency in found:
            dense[docs] += frequency  # docs are unique within one stem
        merged = np.flatnonzero(dense)
        return merged, dense[merged]


def fold(word: str) -> str:
    """Lower case without diacritics, as the unicode61 tokenizer with remove_diacritics 2."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def build_names_index(connection: Connection) -> NamesIndex:
    """Read every (stem, project, column) occurrence of `project_fts_names` (about 1.5 s at 100,000)."""
    connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.project_fts_names_instances"
        " USING fts5vocab(main, project_fts_names, 'instance')"
    )
    size_row = connection.exec_driver_sql("SELECT count(*), coalesce(max(id), 0) FROM project").first()
    rows, top = (int(size_row[0]), int(size_row[1])) if size_row is not None else (0, 0)
    lengths = np.zeros(top + 1, dtype=np.int64)
    column_of = {name: i for i, name in enumerate(COLUMNS)}
    postings: dict[str, Postings] = {}
    current: str | None = None
    docs: list[int] = []
    columns: list[int] = []

    def flush() -> None:
        if current is None or not docs:
            return
        keys = np.array(docs, dtype=np.int64) * len(COLUMNS) + np.array(columns, dtype=np.int64)
        unique, counts = np.unique(keys, return_counts=True)
        doc_of, column = unique // len(COLUMNS), unique % len(COLUMNS)
        term_docs, row_of = np.unique(doc_of, return_inverse=True)
        frequencies = np.zeros((len(term_docs), len(COLUMNS)), dtype=np.float64)
        frequencies[row_of, column] = counts
        postings[current] = Postings(docs=term_docs, frequencies=frequencies)
        np.add.at(lengths, doc_of, counts)

    result = connection.exec_driver_sql("SELECT term, doc, col FROM temp.project_fts_names_instances")
    for term, doc, column_name in result:
        if term != current:
            flush()
            current, docs, columns = term, [], []
        if doc <= top:
            docs.append(doc)
            columns.append(column_of.get(column_name, 0))
    flush()
    total = int(lengths.sum())
    return NamesIndex(
        postings=postings,
        terms=sorted(postings),
        lengths=lengths,
        rows=rows,
        average_length=total / rows if rows else 1.0,
    )
