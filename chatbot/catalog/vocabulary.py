"""Typo correction from the catalog's own words ("authentification" -> "authentication").

The vocabulary is built from project names, titles, topics, skills, languages and the words that recur in
descriptions, plus the synonym map; it is cached per database and rebuilt when the catalog changes
(checked at most once a minute). It is only consulted when a search finds nothing or too little, and
it also remembers the topics most common among the most active projects, offered when nothing matches.
"""

import difflib
import gc
import heapq
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, text
from sqlmodel import Session, select

from chatbot.catalog.query import MAX_TERM_LENGTH, SearchQuery, with_words
from chatbot.catalog.rebuilds import CatalogCache
from chatbot.catalog.synonyms import GROUPS
from chatbot.models import Project

WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
CHECK_EVERY_SECONDS = 60.0
MIN_DESCRIPTION_COUNT = 2
POPULAR_AMONG = 2000  # "popular topics" are counted among this many of the most active projects


@dataclass
class Vocabulary:
    words: set[str] = field(default_factory=set)
    by_initial: dict[str, list[str]] = field(default_factory=dict)
    popular_topics: list[str] = field(default_factory=list)  # most common first
    build_seconds: float = 0.0
    version: tuple[int, object] = (0, None)
    checked_at: float = 0.0

    def correct(self, word: str) -> str | None:
        if word in self.words or len(word) < 4 or not word.isalpha():
            return None
        candidates = self.by_initial.get(word[0], [])
        nearby = [w for w in candidates if abs(len(w) - len(word)) <= 3]
        match = difflib.get_close_matches(word, nearby, n=1, cutoff=0.8)
        return match[0] if match else None


BACKGROUND_BUILD_ABOVE_SECONDS = 0.5


def corrected_words(session: Session, query: SearchQuery) -> list[str] | None:
    """The query's words with the searched ones' typos corrected, or None when there is none.

    Corrected until nothing changes (a word corrected into a filler word lets another one be searched),
    so that searching the corrected words finds nothing more to correct: the same path as if typed."""
    vocabulary = vocabulary_for(session)
    words = query.words
    for _ in range(len(words)):
        searched = set(with_words(query, words).terms)
        fixed = [(vocabulary.correct(w) if w[:MAX_TERM_LENGTH] in searched else None) or w for w in words]
        if fixed == words:
            break
        words = fixed
    return words if words != query.words else None


def vocabulary_for(session: Session) -> Vocabulary:
    """The catalog's vocabulary, checked against the catalog at most once a minute (rebuilt in the
    background when it was slow to build: see rebuilds.CatalogCache)."""
    return _vocabularies.get(session)


def _freeze(vocabulary: Vocabulary) -> None:
    # Hundreds of thousands of long-lived strings: keep the cyclic collector from rescanning them on
    # every full collection (a 30-60 ms pause in the middle of a search at 100,000 projects).
    gc.freeze()


def catalog_version(session: Session) -> tuple[int, object]:
    count, newest = session.exec(select(func.count(), func.max(Project.last_seen_at))).one()
    return int(count), newest


def build_vocabulary(session: Session) -> Vocabulary:
    started = time.perf_counter()
    strong: set[str] = set()
    description_counts: Counter[str] = Counter()
    active: list[tuple[int, int, str]] = []  # (activity, id, topics): a heap of the most active projects
    # Plain columns, no ORM objects: at 100,000 projects this is the difference between 1 s and 15 s.
    rows = session.execute(
        text(
            "SELECT name, title, coalesce(language, ''), CAST(topics AS TEXT), CAST(skills AS TEXT),"
            " description, id, activity_score, archived"
            " FROM project WHERE removed_at IS NULL"
        )
    )
    for name, title, language, topics, skills, description, project_id, activity, archived in rows:
        named = {
            w.lower() for value in (name, title, language, topics, skills) for w in WORD.findall(value or "")
        }
        described = {w.lower() for w in WORD.findall(description or "")}
        strong.update(named)
        description_counts.update(described)
        if not archived and topics:
            entry = (activity or 0, -project_id, topics)
            if len(active) < POPULAR_AMONG:
                heapq.heappush(active, entry)
            else:
                heapq.heappushpop(active, entry)
    strong.update(w for w, n in description_counts.items() if n >= MIN_DESCRIPTION_COUNT)
    for group in GROUPS:
        for phrase in group:
            strong.update(WORD.findall(phrase))
    by_initial: dict[str, list[str]] = {}
    for word in sorted(strong):
        by_initial.setdefault(word[0], []).append(word)
    return Vocabulary(
        words=strong,
        by_initial=by_initial,
        popular_topics=_topic_ranking(active),
        build_seconds=time.perf_counter() - started,
    )


def _topic_ranking(active: list[tuple[int, int, str]]) -> list[str]:
    counts: Counter[str] = Counter()
    for _, _, topics in active:
        try:
            parsed = json.loads(topics)
        except ValueError:
            continue
        if isinstance(parsed, list):
            counts.update(t.lower() for t in parsed if isinstance(t, str) and t)
    return [topic for topic, _ in counts.most_common()]


_vocabularies: CatalogCache[Vocabulary] = CatalogCache(
    "vocabulary",
    build_vocabulary,
    catalog_version,
    check_every=CHECK_EVERY_SECONDS,
    background_above=BACKGROUND_BUILD_ABOVE_SECONDS,
    stored=_freeze,
)
