"""At most one build at a time, per database, of something derived from the catalog (the typo vocabulary,
the in-memory search index), in the background or in the caller's thread."""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)


class Builds:
    def __init__(self, what: str) -> None:
        self.what = what  # also names the background threads: "<what>-build"
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def running(self, key: str) -> bool:
        with self._lock:
            return key in self._running

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
        """Run `build` in a thread, unless a build for `key` is already under way."""
        with self._lock:
            if key in self._running:
                return
            self._running.add(key)

        def run() -> None:
            try:
                build()
            except Exception:
                logger.exception("building the %s failed; the previous one stays in use", self.what)
            finally:
                with self._lock:
                    self._running.discard(key)

        threading.Thread(target=run, name=f"{self.what}-build", daemon=True).start()
