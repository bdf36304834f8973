"""At most one build at a time, per database, of something derived from the catalog (the typo vocabulary,
the in-memory search index), in the background or in the caller's thread."""

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
