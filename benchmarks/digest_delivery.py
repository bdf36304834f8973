"""Delivering 1,000 digests due in the same minute: all delivered, none twice, none lost.

Runs the real `deliver_due` against the fake Slack (real HTTP on loopback), which enforces one message per
second per channel and, at random, answers 429 (Retry-After 1-3 s) or 500. Time is simulated where it
would be wasted: the sleeps for Retry-After and backoff are recorded and advance the fake's clock instead
of the wall clock, so the reported total is the wall time of the run plus the time it would have slept.
A second run a minute later (a restart, or the catch-up job) must post nothing.

    python benchmarks/digest_delivery.py --subscriptions 1000 --channels 300

Exits non-zero when a digest is lost or sent twice.
"""

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUN = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC: when every subscription is due


class SimulatedTime:
    """Wall time since start plus every recorded sleep: what the run would take with real sleeps."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.slept = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.monotonic() - self.start + self.slept

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept += seconds
            self.sleeps.append(seconds)


def counting_fake(seed: int, rate_429: float, rate_500: float) -> Any:
    """A FakeSlack that counts the digests it accepted per subscription and injects random failures."""
    from tests.fakes.slack import FakeSlack

    class CountingSlack(FakeSlack):
        def __init__(self) -> None:
            super().__init__()
            self.accepted: Counter[int] = Counter()
            self.injected: Counter[str] = Counter()
            self.rng = random.Random(seed)
            self._routes["chat.postMessage"] = self._counted_post

        def _answer(self, method: str, token: str, params: dict[str, Any]) -> Any:
            if method == "chat.postMessage":
                roll = self.rng.random()
                if roll < rate_429:
                    self.injected["429"] += 1
                    self.fail(method, status=429, retry_after=self.rng.randint(1, 3))
                elif roll < rate_429 + rate_500:
                    self.injected["500"] += 1
                    self.fail(method, status=500)
            return super()._answer(method, token, params)

        def _counted_post(self, params: dict[str, Any]) -> Any:
            reply = self._post_message(params)
            if isinstance(reply, dict) and reply.get("ok"):
                payload = (params.get("metadata") or {}).get("event_payload") or {}
                self.accepted[int(payload.get("subscription_id", 0))] += 1
            else:
                self.injected["429 (channel rate)"] += 1
            return reply

    return CountingSlack()


@dataclass
class Result:
    subscriptions: int
    channels: int
    wall: float
    slept: float
    sleeps: int
    report: Any
    second: Any
    accepted: Counter[int]
    injected: Counter[str]
    calls: int
    statuses: Counter[str]

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.accepted.values() if n > 1)

    @property
    def lost(self) -> int:
        return sum(1 for i in range(1, self.subscriptions + 1) if self.accepted[i] == 0)


def benchmark(
    subscriptions: int, channels: int, projects: int, seed: int, rate_429: float, rate_500: float
) -> Result:
    from slack_sdk import WebClient
    from sqlmodel import Session, col, select

    from chatbot.db import make_engine, session_scope, upgrade
    from chatbot.models import DigestDelivery, Project, Subscription
    from digests.deliver import deliver_due

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        created = RUN - timedelta(days=30)
        with session_scope(engine) as session:
            for i in range(projects):
                session.add(
                    Project(
                        key=f"https://git.example.com/org{i % 20}/p{i}",
                        source="sample",
                        name=f"p{i}",
                        full_name=f"org{i % 20}/p{i}",
                        html_url=f"https://git.example.com/org{i % 20}/p{i}",
                        description=f"Project {i}",
                        language=rng.choice(["python", "go", "java", "typescript"]),
                        activity_score=rng.randint(0, 100),
                        first_seen_at=RUN - timedelta(hours=rng.randint(1, 24 * 6)),
                    )
                )
            for i in range(subscriptions):
                session.add(
                    Subscription(
                        channel_id=f"C{i % channels:05d}",
                        created_by=f"U{i % 50:03d}",
                        filters=rng.choice(["", "", "lang:python", "lang:go"]),
                        created_at=created,
                        updated_at=created,
                    )
                )
        clock = SimulatedTime()
        fake = counting_fake(seed, rate_429, rate_500)
        with fake:
            fake.limit_channel_rate(1.0, clock)
            client = WebClient(token="xoxb-benchmark", base_url=fake.api_url, retry_handlers=[])
            clock.start = time.monotonic()
            report = deliver_due(engine, client, now=RUN + timedelta(seconds=2), sleep=clock.sleep)
            wall = time.monotonic() - clock.start
            slept = clock.slept
            second = deliver_due(engine, client, now=RUN + timedelta(minutes=1), sleep=clock.sleep)
            calls = len(fake.calls("chat.postMessage"))
        with Session(engine) as session:
            statuses = Counter(
                session.exec(select(DigestDelivery.status).order_by(col(DigestDelivery.id))).all()
            )
        engine.dispose()
    return Result(
        subscriptions=subscriptions,
        channels=channels,
        wall=wall,
        slept=slept,
        sleeps=len(clock.sleeps),
        report=report,
        second=second,
        accepted=fake.accepted,
        injected=fake.injected,
        calls=calls,
        statuses=statuses,
    )


def report_text(r: Result) -> str:
    total = r.wall + r.slept
    injected = ", ".join(f"{n} × {kind}" for kind, n in sorted(r.injected.items())) or "none"
    return "\n".join(
        [
            f"{r.subscriptions} subscriptions due at the same minute over {r.channels} channels",
            f"  delivered: {sum(1 for n in r.accepted.values() if n)} (rows: {dict(r.statuses)})",
            f"  duplicates: {r.duplicates}   lost: {r.lost}",
            f"  chat.postMessage calls: {r.calls}; failures answered: {injected}",
            f"  time: {total:.1f} s simulated total = {r.wall:.1f} s wall"
            f" + {r.slept:.1f} s of recorded sleeps ({r.sleeps} waits);"
            f" {r.subscriptions / r.wall:.0f} digests/s of wall time",
            f"  first run:  {r.report.line()}",
            f"  second run: {r.second.line()}",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=300)
    parser.add_argument("--projects", type=int, default=500, help="new projects in the catalog this week")
    parser.add_argument("--rate-429", type=float, default=0.03, help="share of posts answered 429")
    parser.add_argument("--rate-500", type=float, default=0.03, help="share of posts answered 500")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the fake lives in tests/
    result = benchmark(
        args.subscriptions, args.channels, args.projects, args.seed, args.rate_429, args.rate_500
    )
    print(report_text(result))
    problems = []
    if result.duplicates:
        problems.append(f"{result.duplicates} digests sent twice")
    if result.lost:
        problems.append(f"{result.lost} digests lost")
    if result.second.sent:
        problems.append(f"the second run sent {result.second.sent} digests again")
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
