"""The pool for work after acks: bounded, logged, drained at shutdown (no sleeps: events decide)."""

import logging
import threading
from functools import partial

import pytest

from chatbot.background import BackgroundWork


def test_at_most_workers_run_at_once_and_all_finish_on_drain() -> None:
    pool = BackgroundWork(2)
    release = threading.Event()
    lock = threading.Lock()
    running, most, finished = [0], [0], []

    def task(n: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(10)
        with lock:
            running[0] -= 1
            finished.append(n)

    for n in range(6):
        pool(partial(task, n))
    assert pool.pending == 6
    release.set()
    assert pool.drain(timeout=10) is True
    assert sorted(finished) == list(range(6))
    assert most[0] == 2


def test_drain_gives_up_after_its_timeout_and_takes_no_new_work(caplog: pytest.LogCaptureFixture) -> None:
    pool = BackgroundWork(1)
    stuck, started = threading.Event(), threading.Event()

    def blocked() -> None:
        started.set()
        stuck.wait(10)

    pool(blocked)
    assert started.wait(10)
    ran: list[str] = []
    assert pool.drain(timeout=0.05) is False
    pool(lambda: ran.append("late"))
    stuck.set()
    assert ran == []
    assert "not started" in caplog.text and "1 background task(s) unfinished" in caplog.text


def test_a_failing_task_is_logged_and_the_pool_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="chatbot.background")
    pool = BackgroundWork(1)
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("boom")

    pool(boom)
    pool(done.set)
    assert done.wait(10)
    assert pool.drain(timeout=10)
    assert "background work boom failed" in caplog.text
