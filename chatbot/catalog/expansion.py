"""Related projects from the catalog's own words (pseudo-relevance feedback).

People and catalogs name the same thing differently: "getopt" for a command-line argument parser, "tui"
for a terminal user interface. The projects that match best already say it the catalog's way: the words
that several of them share, and that are rare in the catalog, become extra query words that weigh less
than the typed ones. Nothing is curated, so it works on any catalog and its own jargon.
"""

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from chatbot.catalog.memory_index import WORD, FloatArray, Match, MemoryIndex, fold, stem
from chatbot.catalog.query import FILLER_WORDS

FEEDBACK_PROJECTS = 10  # the best matches whose words are read
MIN_SHARED = 2  # a word must be in at least this many of them
EXPANSION_WORDS = 10
EXPANSION_WEIGHT = 0.5  # the best expansion score, against the best score of the typed words
COMMON_WORDS = frozenset(
    """
    about after all also an and any are as at be based been but by can do does easy fast for from has have
    how if in into is it its just like made make many more most new no not of on one only or other our out
    over own same simple so some such than that the their them then there these they this to too two up
    use used uses using very via was way we well were what when which while who will with without would
    you your
    """.split()
)
IGNORED_STEMS = frozenset(stem(word) for word in COMMON_WORDS | FILLER_WORDS)


def expansion_stems(
    index: MemoryIndex, texts: Sequence[str], typed: Sequence[str]
) -> list[tuple[str, float]]:
    """(stem, weight) of the words shared by the feedback projects' `texts`, rarest and most shared first."""
    if not texts:
        return []
    shared: Counter[str] = Counter()
    for text in texts:
        shared.update({stem(word) for word in WORD.findall(fold(text)) if len(word) >= 3})
    exclude = IGNORED_STEMS | {stem(word) for term in typed for word in WORD.findall(fold(term))}
    weighted = []
    for word, count in shared.items():
        posting = index.postings.get(word)
        if count < MIN_SHARED or word in exclude or posting is None:
            continue
        df = len(posting[0])
        idf = math.log((index.rows - df + 0.5) / (df + 0.5))
        if idf > 0:
            weighted.append((count / len(texts) * idf, word))
    weighted.sort(key=lambda pair: (-pair[0], pair[1]))
    return [(word, weight) for weight, word in weighted[:EXPANSION_WORDS]]


def expansion_scores(
    index: MemoryIndex, stems: Sequence[tuple[str, float]], *, include_archived: bool
) -> tuple[Match, FloatArray]:
    """Every project with an expansion word, and a dense array of their weighted BM25 (by project id)."""
    scores = np.zeros(len(index.lengths), dtype=np.float32)
    for word, weight in stems:
        index.add_scores(scores, word, weight)
    scores *= index.present if include_archived else index.listed
    phrases = [index.postings[word] for word, _ in stems]
    docs = np.flatnonzero(scores != 0).astype(np.int32)
    return Match(docs=docs, phrases=phrases), scores
