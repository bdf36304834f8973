"""At most one build at a time, per database, of something derived from the catalog (the typo vocabulary,
the in-memory search index), in the background or in the caller's thread."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

logger = logging.getLogger(__name__)


class Builds:
    def __init__(self, what: str, *, at_most_every_seconds: float = 0.0) -> None:
        self.what = what  # also names the background threads: "<what>-build"
        self._at_most_every = at_most_every_seconds  # between background builds of one key
        self._running: set[str] = set()
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def claim(self, key: str) -> Iterator[bool]:
        """Yields whether this caller got to build for `key` (False: another build is under way)."""
        with self._lock:
            claimed = key not in self._running
            self._running.add(key)
        try:
            yield claimed
        finally:
            if claimed:
                with self._lock:
                    self._running.discard(key)

    def in_background(self, key: str, build: Callable[[], None]) -> None:
        """Run `build` in a thread, unless a build for `key` is under way or started too recently."""
        with self._lock:
            started = self._started.get(key)
            if key in self._running or (
                started is not None and time.monotonic() - started < self._at_most_every
            ):
                return
            self._running.add(key)
            self._started[key] = time.monotonic()

        def run() -> None:
            try:
                build()
            except Exception:
                logger.exception("building the %s failed; the previous one stays in use", self.what)
            finally:
                with self._lock:
                    self._running.discard(key)

        threading.Thread(target=run, name=f"{self.what}-build", daemon=True).start()


class Derived(Protocol):
    version: Any
    build_seconds: float
    checked_at: float


D = TypeVar("D", bound=Derived)


class CatalogCache(Generic[D]):
    """Something derived from the catalog, per database, checked against `version` at most every
    `check_every` seconds; when the catalog changed, one that was slow to build is rebuilt in the
    background while callers go on with the previous one (a search never waits seconds for it)."""

    def __init__(
        self,
        what: str,
        build: Callable[[Session], D],
        version: Callable[[Session], Any],
        *,
        check_every: float,
        background_above: float,
        stored: Callable[[D], None] = lambda item: None,
    ) -> None:
        self._build, self._version, self._stored = build, version, stored
        self._check_every, self._background_above = check_every, background_above
        self._cache: dict[str, D] = {}
        self._lock = threading.Lock()
        self._builds = Builds(what)

    def get(self, session: Session) -> D:
        engine = session.get_bind().engine
        key = str(engine.url)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None and time.monotonic() - cached.checked_at < self._check_every:
                return cached
            version = self._version(session)
            if cached is not None and cached.version == version:
                cached.checked_at = time.monotonic()
                return cached
            if cached is not None and cached.build_seconds > self._background_above:
                cached.checked_at = time.monotonic()
                self._builds.in_background(key, lambda: self._rebuild(engine, key))
                return cached
            return self._store(key, self._build(session), version)

    def _rebuild(self, engine: Engine, key: str) -> None:
        with Session(engine) as session:
            version = self._version(session)
            item = self._build(session)
        with self._lock:
            self._store(key, item, version)

    def _store(self, key: str, item: D, version: Any) -> D:
        item.version = version
        item.checked_at = time.monotonic()
        self._cache[key] = item
        self._stored(item)
        return item
