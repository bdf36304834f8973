"""Catalog project names close to a mistyped one, for "Did you mean `payments-sdk`?".

A trigram index of every name and full name, built once per catalog version (as the typo vocabulary, so
up to a minute behind it): at 100,000 projects a lookup counts shared trigrams with numpy (about 1 ms)
and compares only the best candidates letter by letter.
"""

import difflib
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlmodel import Session

from chatbot.catalog.rebuilds import CatalogCache
from chatbot.catalog.vocabulary import CHECK_EVERY_SECONDS, catalog_version

SUGGESTED = 3
CANDIDATES = 50  # by shared trigrams, before the closer comparison
CUTOFF = 0.75  # difflib's ratio: "payment-sdk" to "payments-sdk" is 0.96


def _trigrams(name: str) -> set[str]:
    padded = f"  {name} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class NameIndex:
    names: list[str]  # as stored, one per lower-case spelling
    postings: dict[str, npt.NDArray[np.int32]]  # trigram -> positions in names
    sizes: npt.NDArray[np.int32]  # trigrams per name

    @classmethod
    def of(cls, names: Iterable[str]) -> "NameIndex":
        spelled: dict[str, str] = {}
        for name in names:
            if name:
                spelled.setdefault(name.lower(), name)
        postings: dict[str, list[int]] = {}
        sizes = []
        for position, lower in enumerate(spelled):
            grams = _trigrams(lower)
            sizes.append(len(grams))
            for gram in grams:
                postings.setdefault(gram, []).append(position)
        return cls(
            names=list(spelled.values()),
            postings={g: np.array(p, dtype=np.int32) for g, p in postings.items()},
            sizes=np.array(sizes, dtype=np.int32),
        )

    def closest(self, typed: str, limit: int = SUGGESTED) -> list[str]:
        """At most `limit` names like `typed`, the closest first; the name itself is not among them."""
        wanted = typed.strip().lower()
        grams = _trigrams(wanted)
        hits = [self.postings[g] for g in grams if g in self.postings]
        if not wanted or not hits:
            return []
        shared = np.bincount(np.concatenate(hits), minlength=len(self.names))
        similarity = shared / (len(grams) + self.sizes - shared)  # Jaccard of the trigram sets
        best = np.argpartition(-similarity, CANDIDATES)[:CANDIDATES] if len(self.names) > CANDIDATES else None
        scored = []
        for position in range(len(self.names)) if best is None else best.tolist():
            name = self.names[position]
            ratio = difflib.SequenceMatcher(None, wanted, name.lower()).ratio()
            if shared[position] and CUTOFF <= ratio < 1.0:
                scored.append((-ratio, name.lower(), name))
        return [name for _, _, name in sorted(scored)[:limit]]


@dataclass
class CatalogNames:
    names: NameIndex
    full_names: NameIndex  # owner/name
    version: tuple[int, object]
    build_seconds: float
    checked_at: float = 0.0

    def closest(self, typed: str, limit: int = SUGGESTED) -> list[str]:
        """A full name is compared with full names, a name with names."""
        return (self.full_names if "/" in typed else self.names).closest(typed, limit)


BACKGROUND_BUILD_ABOVE_SECONDS = 0.5


def similar_project_names(session: Session, typed: str, limit: int = SUGGESTED) -> list[str]:
    """Names (full names, when one is typed) of catalog projects, not removed ones, closest to `typed`."""
    return catalog_names(session).closest(typed, limit)


def catalog_names(session: Session) -> CatalogNames:
    """Checked against the catalog at most once a minute (the check costs 40 ms at 100,000 projects);
    when it changed, a large catalog's names are indexed again in the background meanwhile."""
    return _names.get(session)


def _build(session: Session) -> CatalogNames:
    started = time.perf_counter()
    rows = session.execute(text("SELECT name, full_name FROM project WHERE removed_at IS NULL")).all()
    names, full_names = NameIndex.of(r[0] for r in rows), NameIndex.of(r[1] for r in rows)
    return CatalogNames(names, full_names, (0, None), time.perf_counter() - started)


_names: CatalogCache[CatalogNames] = CatalogCache(
    "project names",
    _build,
    catalog_version,
    check_every=CHECK_EVERY_SECONDS,
    background_above=BACKGROUND_BUILD_ABOVE_SECONDS,
)
