"""Latency of the find handler (query in, blocks out) at 5,000 and 100,000 projects, SQLite and PostgreSQL.

For each catalog size the generated catalog (benchmarks/corpus.py) is loaded once per backend: an SQLite
file in a temporary directory, and a fresh schema in the PostgreSQL test database (dropped afterwards;
skipped with the reason when the server is not reachable). Then 1,000 queries (the relevance queries
plus random mixes of catalog words, typos, filler words and filters, fixed seed) go through
`commands.find.find_page` after a short warm-up, and at the largest size asked for also through a
substring baseline on the same database: `LIKE '%query%'` (ILIKE on PostgreSQL: SQLite's LIKE ignores
ASCII case) over the portal's fields, ORDER BY activity_score DESC LIMIT 5, with the same cards. The
baseline does not count its matches, which makes it faster, not slower. At that size the handler also
runs with `INNERSOURCE_SEARCH_IN_MEMORY=off` ("FTS5 only", "ts_rank_cd only"): what a search costs while the
in-memory copy of the index is rebuilt after a change (decision 0007).

The in-memory index is built as `serve` builds it, and its size printed: its numpy arrays and the Python
objects that find them, and the process's resident memory before and after. With --workers N (default
2, 0 to skip) at the largest size, N processes are forked after the build as the server's supervisor
forks its workers; each runs the queries and reports from /proc/self/smaps_rollup how much of its memory
is its own and how much it still shares with the others (Linux).

    .venv/bin/python benchmarks/search_latency.py [--sizes 5000,100000] [--backends sqlite,postgres]

Targets: p95 ≤ 20 ms at 5,000 projects on both databases; at 100,000, SQLite p95 ≤ 5 ms and PostgreSQL
p95 ≤ 10 ms, each at least 20 times faster than the baseline on its database at both p50 and p95. Exits
non-zero when one is missed (unless --no-fail), when a query fails, or when the handler does not get
through its queries within --budget seconds per configuration (default 600; the figures then cover the
random subset that ran).
"""

import argparse
import gc
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import ColumnElement, Engine, String, cast, create_engine, or_, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from benchmarks.corpus import build_catalog, check_search_sees, load, vocabulary
from benchmarks.relevance import QUERIES
from chatbot.catalog import views as catalog_views
from chatbot.catalog.cards import card_for
from chatbot.catalog.memory_index import build_before_fork, memory_index_for
from chatbot.catalog.queries import issue_counts
from chatbot.db import make_engine, upgrade
from chatbot.handlers import CommandContext, Deps, Reply, UsageError
from chatbot.models import Project
from chatbot.settings import Settings
from chatbot.slack import blocks
from commands.find import find_page

PG_URL = os.environ.get("INNERSOURCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TARGET_P95_MS = {"sqlite": {5_000: 20.0, 100_000: 5.0}, "postgres": {5_000: 20.0, 100_000: 10.0}}
DATABASE_ONLY = {"sqlite": "FTS5 only", "postgres": "ts_rank_cd only"}
TARGET_SPEEDUP = 20.0
WARMUP = 30
WARMUP_QUERIES = ("authentificaton", "qzxv kubernetse")
FILLERS = ("find", "something for", "a library to", "i need", "any", "tool for", "")
FILTERS = (
    "lang:go",
    "lang:python",
    "lang:java",
    "topic:kafka",
    "has:help-wanted",
    "sort:stars",
    "org:platform",
)


@dataclass
class Timing:
    label: str
    projects: int
    millis: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    load_method: str = ""
    target_ms: float | None = None
    planned: int = 0
    budget_hit: bool = False
    judged: bool = True  # False for the baseline, which is only compared with

    @property
    def p50(self) -> float:
        return percentile(self.millis, 50)

    @property
    def p95(self) -> float:
        return percentile(self.millis, 95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.millis) if self.millis else 0.0

    @property
    def ok(self) -> bool:
        within = self.target_ms is None or self.p95 <= self.target_ms
        return not self.judged or (not self.errors and not self.budget_hit and within)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="5000,100000", help="catalog sizes, comma-separated")
    parser.add_argument("--backends", default="sqlite,postgres", help="sqlite and/or postgres")
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--baseline-queries", type=int, default=1_000, help="0 to skip the baseline")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--budget", type=float, default=600, help="seconds per measured configuration; stops early after that"
    )
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even when a target is missed")
    parser.add_argument(
        "--workers", type=int, default=2, help="processes forked after the index is built (0: none)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")

    queries = sample_queries(args.queries, args.seed)
    print(f"{len(queries)} queries: {describe_mix(queries)}")
    print("  e.g. " + ", ".join(repr(q) for q in queries[:8]) + "\n")
    timings: list[Timing] = []
    skipped: list[str] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="search-latency-") as tmp:
        for size in sizes:
            started = time.perf_counter()
            catalog = build_catalog(size, args.seed)
            print(f"[{size:,}] generated in {time.perf_counter() - started:.1f}s", flush=True)
            for backend in backends:
                with database(backend, size, Path(tmp)) as engine:
                    if engine is None:
                        skipped.append(f"postgres: not reachable at {PG_URL}")
                        continue
                    timing = Timing(f"{backend} find_page", size, target_ms=target_for(backend, size))
                    report = load(engine, catalog)
                    timing.load_seconds, timing.load_method = report.seconds, report.method
                    print(
                        f"[{size:,}] {backend}: loaded in {report.seconds:.0f}s ({report.method})", flush=True
                    )
                    print(f"[{size:,}] {backend}: {describe_memory_index(engine)}", flush=True)
                    problems += [f"{backend} {size:,}: {p}" for p in check_search_sees(engine, catalog)]
                    handler = handler_for(engine)
                    measure(timing, handler, queries, args.budget)
                    timings.append(timing)
                    print(
                        f"[{size:,}] {backend}: p50 {timing.p50:.1f} ms, p95 {timing.p95:.1f} ms", flush=True
                    )
                    if size == max(sizes) and args.workers:
                        for line in forked_workers(engine, args.workers, queries[:200]):
                            print(f"[{size:,}] {backend}: {line}", flush=True)
                    if size == max(sizes):
                        # What a search costs while the in-memory copy is being rebuilt (the database alone).
                        alone = Timing(f"{backend} {DATABASE_ONLY[backend]}", size, judged=False)
                        measure(
                            alone, handler_for(engine, Settings(search_in_memory=False)), queries, args.budget
                        )
                        timings.append(alone)
                        print(
                            f"[{size:,}] {alone.label}: p50 {alone.p50:.1f} ms, p95 {alone.p95:.1f} ms",
                            flush=True,
                        )
                    if size == max(sizes) and args.baseline_queries:
                        base = Timing(f"{backend} LIKE baseline", size, judged=False)
                        baseline = queries[: args.baseline_queries]
                        measure(base, lambda q: baseline_page(engine, q), baseline, args.budget)
                        timings.append(base)
                        print(
                            f"[{size:,}] {backend} baseline: p50 {base.p50:.1f} ms, p95 {base.p95:.1f} ms",
                            flush=True,
                        )
                    engine.dispose()
            del catalog

    print()
    print(report_text(timings, skipped))
    missed = [
        f"{t.label} at {t.projects:,}: p95 {t.p95:.1f} ms > {t.target_ms} ms"
        for t in timings
        if t.target_ms is not None and t.p95 > t.target_ms
    ]
    missed += [
        f"{t.label} at {t.projects:,}: {len(t.errors)} queries failed"
        for t in timings
        if t.judged and t.errors
    ]
    missed += [
        f"{t.label} at {t.projects:,}: only {len(t.millis)} of {t.planned} queries ran within the budget"
        for t in timings
        if t.judged and t.budget_hit
    ]
    for backend, speedup in speedups(timings).items():
        if min(speedup[0], speedup[1]) < TARGET_SPEEDUP:
            missed.append(
                f"{backend}: speed-up over the baseline {min(speedup[0], speedup[1]):.1f}x"
                f" < {TARGET_SPEEDUP:.0f}x"
            )
    missed += problems
    for line in missed:
        print(f"MISSED: {line}", file=sys.stderr)
    return 1 if missed and not args.no_fail else 0


def target_for(backend: str, size: int) -> float | None:
    return TARGET_P95_MS[backend].get(size)


# --- queries -------------------------------------------------------------------------------------


def sample_queries(n: int, seed: int) -> list[str]:
    """A third typed relevance queries, the rest random mixes of catalog words as people type them."""
    rng = random.Random(seed)
    words = vocabulary()
    relevance = [q.text for q in QUERIES]
    queries = []
    for _ in range(n):
        if rng.random() < 0.35:
            queries.append(rng.choice(relevance))
            continue
        terms = rng.sample(words, rng.choice((1, 1, 2, 2, 2, 3)))
        if rng.random() < 0.12:
            terms[0] = typo(rng, terms[0])
        query = " ".join(terms)
        filler = rng.choice(FILLERS) if rng.random() < 0.2 else ""
        if filler:
            query = f"{filler} {query}"
        if rng.random() < 0.08:
            query = f"{rng.choice(FILTERS)} {query}"
        if rng.random() < 0.05:
            query = query.title()
        queries.append(query)
    return queries


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swapped letters
    return word[:i] + word[i + 1 :]  # a dropped letter


def describe_mix(queries: Sequence[str]) -> str:
    typed = {q.text for q in QUERIES}
    from_set = sum(1 for q in queries if q in typed)
    filtered = sum(1 for q in queries if ":" in q)
    return (
        f"{from_set} from the relevance set, {len(queries) - from_set} random word mixes "
        f"({filtered} with a filter), {len(set(queries))} distinct"
    )


# --- databases -----------------------------------------------------------------------------------


@contextmanager
def database(backend: str, size: int, tmp: Path) -> Iterator[Engine | None]:
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp / f'catalog-{size}.db'}")
        upgrade(engine)
        yield engine
        return
    admin = create_engine(PG_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError:
        admin.dispose()
        yield None
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        engine = make_engine(f"{PG_URL}?options=-csearch_path%3D{schema}")
        upgrade(engine)
        yield engine
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# --- what is timed -------------------------------------------------------------------------------


def describe_memory_index(engine: Engine) -> str:
    """Builds the copy the handler then uses (as `serve` does at start), and says what it cost."""
    gc.collect()
    before = resident_mb()
    with Session(engine) as session:
        index = memory_index_for(session)
    if index is None:
        return "no in-memory index"
    gc.collect()
    arrays, objects = index.nbytes()
    postings = len(index.postings.docs)
    return (
        f"in-memory index built in {index.build_seconds:.1f}s: {postings:,} postings of"
        f" {len(index.terms):,} stems, {arrays / 1e6:.0f} MB of arrays + {objects / 1e6:.1f} MB of terms"
        f" (process RSS {before:.0f} -> {resident_mb():.0f} MB)"
    )


def resident_mb() -> float:
    """This process's resident memory (Linux), else 0."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return 0.0


def forked_workers(engine: Engine, workers: int, queries: Sequence[str]) -> list[str]:
    """Fork `workers` processes after the build, as the server's supervisor does (chatbot.server), and one
    more that builds its own index after the fork, for comparison; each answers `queries`, then reports
    its own and shared memory (Linux: /proc/self/smaps_rollup) while all of them are still running."""
    if not hasattr(os, "fork") or not Path("/proc/self/smaps_rollup").exists():
        return ["forked workers: not measured (needs fork and /proc/self/smaps_rollup)"]
    with Session(engine) as session:
        inherited = memory_index_for(session)
    engine.dispose()
    gc.freeze()  # as memory_index.build_before_fork: the collector leaves inherited objects alone
    release = os.pipe()  # closed by the parent once every report is in
    children = [
        fork_worker(engine, queries, inherited, release, builds=n == workers) for n in range(workers + 1)
    ]
    os.close(release[0])
    reports = []
    for pid, reading in children:
        with os.fdopen(reading, "rb") as pipe:
            reports.append((pid, pipe.read()))
    os.close(release[1])
    lines = []
    for n, (pid, payload) in enumerate(reports):
        os.waitpid(pid, 0)
        who = "a worker building its own index" if n == workers else f"worker {n}"
        if not payload:
            lines.append(f"{who}: failed")
            continue
        memory = json.loads(payload)
        own = (memory["Private_Clean"] + memory["Private_Dirty"]) / 1e3
        shared = (memory["Shared_Clean"] + memory["Shared_Dirty"]) / 1e3
        index = "its own index" if memory["rebuilt"] else "the supervisor's index, not rebuilt"
        lines.append(
            f"{who} after {len(queries)} queries: {own:.0f} MB its own, {shared:.0f} MB shared"
            f" (RSS {memory['Rss'] / 1e3:.0f} MB, PSS {memory['Pss'] / 1e3:.0f} MB); {index}"
        )
    gc.unfreeze()
    return lines


def fork_worker(
    engine: Engine, queries: Sequence[str], inherited: object, release: tuple[int, int], *, builds: bool
) -> tuple[int, int]:
    """(pid, the pipe its report comes through) of a forked worker answering `queries`."""
    reading, writing = os.pipe()
    pid = os.fork()
    if pid:
        os.close(writing)
        return pid, reading
    os.close(reading)
    os.close(release[1])
    code = 1
    try:
        engine.dispose(close=False)  # the parent's connections stay the parent's
        if builds:
            build_before_fork(engine)  # its own copy, as when each worker builds one
        handle = handler_for(engine)
        for query in queries:
            handle(query)
        with Session(engine) as session:
            rebuilt = memory_index_for(session) is not inherited
        os.write(writing, json.dumps({**smaps_rollup(), "rebuilt": rebuilt}).encode())
        os.close(writing)
        os.read(release[0], 1)  # stay until the parent has every report (the pipe closes: b"")
        code = 0
    finally:
        os._exit(code)


def smaps_rollup() -> dict[str, int]:
    """kB per kind of this process's memory."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        name, _, value = line.partition(":")
        fields[name.strip()] = int(value.split()[0])
    return fields


def handler_for(engine: Engine, settings: Settings | None = None) -> Callable[[str], Reply]:
    ctx = CommandContext(
        deps=Deps(engine=engine, settings=settings or Settings()), user_id="U1", channel_id="C1"
    )

    def handle(query: str) -> Reply:
        try:
            return find_page(ctx, query)
        except UsageError as exc:  # e.g. only filler words: the router answers with the usage
            return Reply(text=str(exc), blocks=blocks.notice(str(exc)))

    return handle


def baseline_page(engine: Engine, query: str) -> Reply:
    """The portal's substring search done in SQL, rendered as the same cards (any case, as SQLite's LIKE)."""
    needle = "%" + query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    fields = (
        col(Project.full_name),
        col(Project.description),
        col(Project.title),
        col(Project.motivation),
        cast(Project.topics, String),
        cast(Project.skills, String),
        cast(Project.contributions_wanted, String),
    )
    with Session(engine) as session:
        rows = session.exec(
            select(Project)
            .where(col(Project.removed_at).is_(None), col(Project.archived).is_(False))
            .where(or_(*(contains(f, needle, engine) for f in fields)))
            .order_by(col(Project.activity_score).desc(), col(Project.name))
            .limit(5)
        ).all()
        ids = [p.id for p in rows if p.id is not None]
        counts = issue_counts(session, ids)
        cards = [card_for(p, counts[p.id]) for p in rows if p.id is not None]
    if not cards:
        return Reply(text=f"No projects match “{query}”.", blocks=catalog_views.no_results(query, []))
    return Reply(text=query, blocks=catalog_views.find_results(query, cards, offset=0, total=len(cards)))


def contains(column: ColumnElement[str] | Mapped[str], needle: str, engine: Engine) -> ColumnElement[bool]:
    if engine.dialect.name == "postgresql":
        return column.ilike(needle, escape="\\")
    return column.like(needle, escape="\\")  # SQLite's LIKE ignores ASCII case


def measure(timing: Timing, handler: Callable[[str], Reply], queries: Sequence[str], budget: float) -> None:
    """Time every query after a warm-up; stop once `budget` seconds are spent (the rest is unmeasured)."""
    # As `serve` does at start: a query nothing matches builds the typo vocabulary before the timed run.
    for query in [*WARMUP_QUERIES, *queries[:WARMUP]]:
        with suppress(Exception):  # failures are reported by the timed run below
            handler(query)
    slowest: list[tuple[float, str]] = []
    timing.planned = len(queries)
    began = time.perf_counter()
    for done, query in enumerate(queries):
        if time.perf_counter() - began > budget:
            timing.budget_hit = True
            print(
                f"  stopped after {done} of {len(queries)} queries: the {budget:.0f}s budget is spent",
                flush=True,
            )
            break
        if done and done % 100 == 0:
            print(f"  {done} queries, {time.perf_counter() - began:.0f}s", flush=True)
        started = time.perf_counter()
        try:
            reply = handler(query)
        except Exception as exc:
            timing.errors.append(f"{query!r}: {type(exc).__name__}: {exc}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if not reply.blocks:
            timing.errors.append(f"{query!r}: a reply without blocks")
        timing.millis.append(elapsed)
        slowest.append((elapsed, query))
    timing.slowest = sorted(slowest, reverse=True)[:5]


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[rank]


def speedups(timings: Sequence[Timing]) -> dict[str, tuple[float, float, float]]:
    """Per database: the find handler's speed-up over the baseline (at the largest size), at p50, p95 and
    in mean."""
    found = {}
    for backend in TARGET_P95_MS:
        base = next((t for t in timings if t.label == f"{backend} LIKE baseline" and t.millis), None)
        ours = next(
            (
                t
                for t in timings
                if base and t.label == f"{backend} find_page" and t.projects == base.projects
            ),
            None,
        )
        if base is not None and ours is not None and ours.millis:
            found[backend] = (base.p50 / ours.p50, base.p95 / ours.p95, base.mean / ours.mean)
    return found


def report_text(timings: Sequence[Timing], skipped: Sequence[str]) -> str:
    header = (
        f"{'what':<22} {'projects':>9} {'load':>7} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} "
        f"{'mean ms':>8} {'target p95':>11}  result"
    )
    lines = ["find handler latency (query in, blocks out), one thread", "", header, "-" * len(header)]
    for t in timings:
        target = f"≤ {t.target_ms:.0f} ms" if t.target_ms is not None else "-"
        load_time = f"{t.load_seconds:.0f}s" if t.load_seconds else ""
        measured = f"{len(t.millis)}" + ("*" if t.budget_hit else "")
        verdict = "ok" if t.ok else "MISSED"
        if t.ok and t.target_ms is None:
            verdict = ""
        lines.append(
            f"{t.label:<22} {t.projects:>9,} {load_time:>7} {measured:>5} {t.p50:>8.1f} {t.p95:>8.1f} "
            f"{max(t.millis, default=0):>8.1f} {t.mean:>8.1f} {target:>11}  {verdict}"
        )
    for backend, speedup in speedups(timings).items():
        verdict = "ok" if min(speedup[0], speedup[1]) >= TARGET_SPEEDUP else "MISSED"
        lines.append(
            f"speed-up over the LIKE baseline on {backend}: {speedup[0]:.1f}x at p50, "
            f"{speedup[1]:.1f}x at p95, {speedup[2]:.1f}x in mean (target ≥ {TARGET_SPEEDUP:.0f}x): {verdict}"
        )
    if any(t.budget_hit for t in timings):
        lines.append(
            "* stopped when the time budget was spent: figures over the queries measured (a random subset)"
        )
    for line in skipped:
        lines.append(f"skipped {line}")
    for t in timings:
        if t.slowest:
            shown = "; ".join(f"{ms:.0f} ms {q!r}" for ms, q in t.slowest)
            lines.append(f"slowest, {t.label} at {t.projects:,}: {shown}")
        for error in t.errors[:5]:
            lines.append(f"ERROR {t.label} at {t.projects:,}: {error}")
    return "\n".join(lines)


if __name__ == "__main__":
    # Stopped with SIGTERM: unwind, so that temporary files, schemas and the app subprocess go too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.perf_counter()
    code = main()
    print(f"\n({time.perf_counter() - started:.0f}s)")
    sys.exit(code)
