"""Work that follows an acknowledgement, on a bounded pool that is drained at shutdown.

Slack wants its answer within 3 s, so posting, opening forms and ticking the checklist off run after the
ack. They share one pool of `workers` threads (the one Bolt's listener executor uses too) instead of a
new thread each; at shutdown the server stops taking requests, then waits for this work to finish.
"""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

logger = logging.getLogger(__name__)


class BackgroundWork:
    def __init__(self, workers: int) -> None:
        self.executor = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="background")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def __call__(self, work: Callable[[], None]) -> None:
        with self._lock:
            if self._closed:
                logger.warning("shutting down: %s was not started", getattr(work, "__name__", "work"))
                return
            future = self.executor.submit(_logged, work)
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def drain(self, timeout: float) -> bool:
        """Take no more work and wait up to `timeout` seconds for what was started; True when all finished."""
        with self._lock:
            self._closed = True
            pending = set(self._pending)
        _, not_done = wait(pending, timeout=timeout)
        self.executor.shutdown(wait=False, cancel_futures=True)
        if not_done:
            logger.warning("shutting down with %d background task(s) unfinished", len(not_done))
        return not not_done

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def _forget(self, future: "Future[None]") -> None:
        with self._lock:
            self._pending.discard(future)


def _logged(work: Callable[[], None]) -> None:
    try:
        work()
    except Exception:  # after the ack nobody else would see it
        logger.exception("background work %s failed", getattr(work, "__name__", "work"))
