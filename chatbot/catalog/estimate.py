"""How many projects a search can match, bounded from the FTS5 index's own per-stem document counts.

The counts (`fts5vocab`, read when the vocabulary is built) are exact per stem over every column, the
README included. A word is stemmed as the index's Porter tokenizer does; a word typed with a prefix star
matches every stem that starts with its stem. From that a search gets bounds without touching the index:
- upper: a word matches at most the sum over its synonyms; every word must match, so the smallest word's;
- lower: a word matches at least its most common synonym (one-word searches only).
"""

import re
import threading
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)  # as the unicode61 tokenizer splits
PREFIX_SUM_CAP = 1_000_000  # a short prefix may cover thousands of stems; past this the sum stops


@dataclass
class StemCounts:
    counts: dict[str, int] = field(default_factory=dict)
    ordered: list[str] = field(default_factory=list)  # the stems, sorted, for prefix ranges

    @classmethod
    def of(cls, counts: dict[str, int]) -> "StemCounts":
        return cls(counts=counts, ordered=sorted(counts))

    def exact(self, word: str) -> int:
        return self.counts.get(stem(word), 0)

    def prefixed(self, word: str) -> tuple[int, int]:
        """(sum, largest) over the stems that start with the word's stem."""
        start = stem(word)
        total = largest = 0
        for i in range(bisect_left(self.ordered, start), len(self.ordered)):
            candidate = self.ordered[i]
            if not candidate.startswith(start):
                break
            n = self.counts[candidate]
            total += n
            largest = max(largest, n)
            if total >= PREFIX_SUM_CAP:
                break
        return total, largest


_stemmer = snowballstemmer.stemmer("porter")
_stemmer_lock = threading.Lock()  # a snowball stemmer keeps its state on the instance


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The Porter stem, as SQLite's `porter` tokenizer makes it (it leaves words under 3 letters alone)."""
    word = word.lower()
    if len(word) < 3:
        return word
    with _stemmer_lock:
        return str(_stemmer.stemWord(word))


@dataclass(frozen=True)
class Bounds:
    lower: int
    upper: int


def match_bounds(stems: StemCounts, groups: Sequence[Sequence[str]], *, prefix_first: bool = True) -> Bounds:
    """Bounds on the projects matching every group, a group being alternatives (a word or a phrase).

    With `prefix_first`, a group's first alternative is searched as a prefix when it is one word of three
    letters or more (as `search.fts5_expression` writes it).
    """
    if not groups:
        return Bounds(0, 0)
    uppers: list[int] = []
    lowers: list[int] = []
    for alternatives in groups:
        upper = lower = 0
        for i, alternative in enumerate(alternatives):
            words = WORD.findall(alternative.lower())
            if not words:
                continue
            if i == 0 and prefix_first and len(words) == 1 and len(words[0]) >= 3:
                total, largest = stems.prefixed(words[0])
            else:
                counts = [stems.exact(word) for word in words]
                # A phrase is in no more projects than its rarest word; in at least none.
                total, largest = min(counts), (counts[0] if len(counts) == 1 else 0)
            upper += total
            lower = max(lower, largest)
        uppers.append(upper)
        lowers.append(lower)
    return Bounds(lower=lowers[0] if len(groups) == 1 else 0, upper=min(uppers))
