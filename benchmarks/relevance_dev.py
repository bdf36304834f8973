"""`search_quality.py --relevance-dev`: find against plain BM25 on ../shared/data/relevance-dev/.

The folder's repos.json goes through the product's import (`import_portal_file`, as `innersource import`
does; activity scores as of 2026-09-01, the set's "now") into a fresh SQLite file and, with
--database-url, into a fresh schema of that PostgreSQL database (dropped afterwards). Every query of
queries.yaml is typed as `/innersource find <query>` with the app's default settings; when the reply has
a "Next 5" button, its value is sent back as the button does, so the top 10 is what a user can page
through. The folder's own score.py scores those rankings and, in the same run, its BM25 baseline.
"""

import importlib.util
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, redirect_stdout
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlmodel import Session, select

from chatbot.catalog.importer import ImportFailed, import_portal_file
from chatbot.catalog.memory_index import memory_index_for
from chatbot.db import make_engine, normalise_url, upgrade
from chatbot.handlers import CommandContext, Deps, Reply, UsageError
from chatbot.models import Project
from chatbot.settings import Settings
from commands.find import find_page
from commands.router import split_subcommand

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "relevance-dev"
FILES = ("repos.json", "queries.yaml", "qrels.json", "score.py")
NOW = datetime(2026, 9, 1, tzinfo=UTC)
METRICS = ("P@5", "MRR@10", "nDCG@10")
KINDS = ("plain", "phrase", "synonym", "typo")
TARGETS = {"P@5": 0.82, "MRR@10": 0.93, "nDCG@10": 0.75}  # issue 14, over all queries
KIND_FLOOR = 0.65  # issue 14: every kind at least this and at least BM25
TOP = 10
BM25 = "BM25"


class BenchmarkError(Exception):
    """Bad input or an unreachable database: one line for the user."""


@dataclass(frozen=True)
class Ranking:
    names: list[str]  # full_names, best first, at most TOP
    said: list[str]  # the reply's words above the cards: count, corrections, relaxed matching
    pages: int


@dataclass
class System:
    label: str
    rankings: dict[str, Ranking]
    summary: dict[str, dict[str, float]] = field(default_factory=dict)
    per_query: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    system: str
    group: str  # "all" or a kind
    metric: str
    value: float
    needed: float

    @property
    def met(self) -> bool:
        return self.value >= self.needed - 1e-9


@dataclass(frozen=True)
class DataSet:
    folder: Path
    scorer: ModuleType
    queries: list[dict[str, Any]]
    relevant: dict[str, set[str]]
    repos: list[dict[str, Any]]

    def kind(self, query: str) -> str:
        return next(str(q.get("kind", "?")) for q in self.queries if q["query"] == query)


def run(
    folder: Path,
    *,
    database_url: str | None,
    show_misses: bool,
    json_path: str | None,
    no_fail: bool,
) -> int:
    """Exit code: 0, 1 when a target is missed (unless `no_fail`), 2 on bad input. With `json_path` "-"
    the JSON is the only thing on stdout; the report goes to stderr."""
    try:
        check_writable(json_path)
        postgres = postgres_url(database_url) if database_url else None
        with redirect_stdout(sys.stderr if json_path == "-" else sys.stdout):
            data, systems, verdicts = measure(folder, postgres, show_misses=show_misses)
        if json_path:
            write_json(json_path, as_json(data, systems, verdicts))
    except BenchmarkError as exc:
        print(f"search_quality: {exc}", file=sys.stderr)
        return 2
    return 1 if not no_fail and not all(v.met for v in verdicts) else 0


def measure(
    folder: Path, postgres: URL | None, *, show_misses: bool
) -> tuple[DataSet, list[System], list[Verdict]]:
    data = load_data_set(folder)
    finds = [find_system(data, "find (SQLite)", sqlite_database())]
    if postgres is not None:
        finds.append(find_system(data, "find (PostgreSQL)", postgres_database(postgres)))
    started = time.perf_counter()
    bm25_run = data.scorer.bm25_run(data.queries, data.repos)
    bm25 = System(BM25, {query: Ranking(list(names), [], 0) for query, names in bm25_run.items()})
    print(f"{BM25}: score.py's bm25_run in {time.perf_counter() - started:.1f}s")
    for system in [*finds, bm25]:
        score(data, system)
    verdicts = [v for system in finds for v in judge(system, bm25)]
    print(report_text([*finds, bm25], verdicts))
    if len(finds) > 1:
        print(agreement(finds[0], finds[1]))
    if show_misses:
        for system in finds:
            print(misses_text(data, system, bm25))
    return data, [*finds, bm25], verdicts


def check_writable(json_path: str | None) -> None:
    if json_path and json_path != "-" and not Path(json_path).resolve().parent.is_dir():
        raise BenchmarkError(f"--json {json_path}: no such directory")


# --- the data set ---------------------------------------------------------------------------------


def load_data_set(folder: Path) -> DataSet:
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise BenchmarkError(f"{folder} has no {', '.join(missing)}: is it the relevance-dev folder?")
    scorer = load_scorer(folder / "score.py")
    try:
        qrels, queries, repos = scorer.load_all(
            str(folder / "qrels.json"), str(folder / "queries.yaml"), str(folder / "repos.json")
        )
        relevant = scorer.relevant_sets(queries, qrels, repos)
    except (OSError, ValueError, KeyError) as exc:
        raise BenchmarkError(f"cannot read the data set in {folder}: {type(exc).__name__}: {exc}") from None
    if not queries:
        raise BenchmarkError(f"{folder / 'queries.yaml'} has no queries")
    kinds = ", ".join(f"{sum(q.get('kind') == k for q in queries)} {k}" for k in KINDS)
    print(f"relevance-dev: {len(repos):,} projects, {len(queries)} queries ({kinds}) from {folder}")
    return DataSet(folder, scorer, queries, relevant, repos)


def load_scorer(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("relevance_dev_score", path)
    if spec is None or spec.loader is None:
        raise BenchmarkError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the databases ----------------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[Engine]:
    with tempfile.TemporaryDirectory(prefix="relevance-dev-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'catalog.db'}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()


def postgres_url(url: str) -> URL:
    """The --database-url, checked: a PostgreSQL URL of a server that answers."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError:
        raise BenchmarkError(f"--database-url {url!r} is not a database URL") from None
    if parsed.get_backend_name() != "postgresql":
        raise BenchmarkError(
            "--database-url must be a PostgreSQL URL, e.g. postgresql+psycopg://user@host/db"
        )
    try:
        admin = create_engine(parsed)
    except (ArgumentError, ImportError) as exc:
        raise BenchmarkError(f"--database-url: {exc}") from None
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise BenchmarkError(
            f"cannot reach PostgreSQL at {parsed.render_as_string(hide_password=True)}: {reason}"
        ) from None
    finally:
        admin.dispose()
    return parsed


@contextmanager
def postgres_database(url: URL) -> Iterator[Engine]:
    """A fresh schema in the database at `url`, dropped afterwards."""
    admin = create_engine(url)
    schema = f"relevance_dev_{uuid.uuid4().hex[:10]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    in_schema = url.update_query_dict({"options": f"-csearch_path={schema}"})
    engine: Engine | None = None
    try:
        engine = make_engine(in_schema.render_as_string(hide_password=False))
        upgrade(engine)
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# --- find, as a user pages through it -----------------------------------------------------------


def find_system(data: DataSet, label: str, database: AbstractContextManager[Engine]) -> System:
    with database as engine:
        began = time.perf_counter()
        try:
            report = import_portal_file(engine, str(data.folder / "repos.json"), clock=lambda: NOW)
        except ImportFailed as exc:
            raise BenchmarkError(f"import failed: {exc}") from None
        imported = time.perf_counter() - began
        copy = warm_up(engine)
        stats = report.stats
        began = time.perf_counter()
        rankings = find_rankings(engine, [str(q["query"]) for q in data.queries])
        asked = time.perf_counter() - began
    pages = sum(r.pages for r in rankings.values())
    print(
        f"{label}: imported {stats.added:,} projects ({len(report.problems)} skipped) in {imported:.1f}s; "
        f"{copy}; {pages} pages in {asked:.1f}s"
    )
    return System(label, rankings)


def warm_up(engine: Engine) -> str:
    """Builds the in-memory copy of the search index as `serve` builds it at start (both databases)."""
    if not Settings().search_in_memory:
        return "no in-memory index"
    with Session(engine) as session:
        index = memory_index_for(session)
    return f"in-memory index in {index.build_seconds:.1f}s" if index else "no in-memory index"


def find_rankings(engine: Engine, queries: Sequence[str]) -> dict[str, Ranking]:
    ctx = CommandContext(
        deps=Deps(engine=engine, settings=Settings(database_url=engine.url.render_as_string())),
        user_id="U0BENCH",
        channel_id="C0BENCH",
    )
    with Session(engine) as session:
        names = {p.id: p.full_name for p in session.exec(select(Project)).all()}
    return {query: two_pages(ctx, query, names) for query in queries}


def two_pages(ctx: CommandContext, typed: str, names: dict[int | None, str]) -> Ranking:
    _, words = split_subcommand(f"find {typed}")  # what the slash command hands to find
    try:
        replies = [find_page(ctx, words)]
        more = next_button(replies[0])
        if more is not None:
            replies.append(find_page(ctx, more[0], offset=more[1]))
    except UsageError as exc:
        return Ranking([], [f"usage error: {exc}"], 1)
    ids = [project_id for reply in replies for project_id in card_ids(reply)]
    return Ranking([names[i] for i in ids][:TOP], said_above_cards(replies[0]), len(replies))


def card_ids(reply: Reply) -> list[int]:
    return [
        int(block["block_id"].removeprefix("project:"))
        for block in reply.blocks
        if block.get("type") == "actions" and str(block.get("block_id", "")).startswith("project:")
    ]


def next_button(reply: Reply) -> tuple[str, int] | None:
    """The "Next 5" button's query and offset, as the button's listener reads them."""
    for block in reply.blocks:
        if block.get("block_id") == "find:more":
            value = json.loads(block["elements"][0]["value"])
            return str(value["q"]), max(int(value["o"]), 0)
    return None


def said_above_cards(reply: Reply) -> list[str]:
    said: list[str] = []
    for block in reply.blocks:
        if block.get("type") == "divider":
            break
        parts = [block.get("text", {})] if block.get("type") == "section" else block.get("elements", [])
        said += [" ".join(str(p.get("text", "")).split()) for p in parts]
    return said


# --- scores and targets ---------------------------------------------------------------------------


def score(data: DataSet, system: System) -> None:
    run = {query: ranking.names for query, ranking in system.rankings.items()}
    summary, per_query, missing = data.scorer.evaluate(run, data.queries, data.relevant)
    if missing:
        print(f"warning: {system.label} has no ranking for {len(missing)} queries", file=sys.stderr)
    system.summary, system.per_query = summary, per_query


def judge(system: System, bm25: System) -> list[Verdict]:
    verdicts = [Verdict(system.label, "all", m, system.summary["all"][m], t) for m, t in TARGETS.items()]
    for kind in [k for k in KINDS if k in system.summary]:
        verdicts += [
            Verdict(system.label, kind, m, system.summary[kind][m], max(KIND_FLOOR, bm25.summary[kind][m]))
            for m in METRICS
        ]
    return verdicts


# --- what is printed -----------------------------------------------------------------------------


def report_text(systems: Sequence[System], verdicts: Sequence[Verdict]) -> str:
    width = 25
    top = f"{'':<12}" + "".join(f"{s.label:<{width}}" for s in systems)
    metric_head = f"{'kind':<8}{'n':>3}  " + "".join(
        f"{'P@5':>6} {'MRR@10':>7} {'nDCG@10':>8}  " for _ in systems
    )
    lines = ["", top, metric_head, "-" * len(metric_head)]
    for kind in [k for k in ["all", *KINDS] if k in systems[0].summary]:
        n = int(systems[0].summary[kind]["n"])
        cells = "".join(
            "{:>6.3f} {:>7.3f} {:>8.3f}  ".format(*(s.summary[kind][m] for m in METRICS)) for s in systems
        )
        lines.append(f"{kind:<8}{n:>3}  {cells}")
    lines += ["", f"Targets (issue 14; each kind: every metric at least BM25's and at least {KIND_FLOOR}):"]
    for system in systems:
        mine = [v for v in verdicts if v.system == system.label]
        if mine:
            lines += [f"  {system.label}:"] + [f"    {line}" for line in verdict_lines(mine)]
    met = sum(v.met for v in verdicts)
    lines.append(f"{met} of {len(verdicts)} targets met.")
    return "\n".join(lines)


def verdict_lines(verdicts: Sequence[Verdict]) -> list[str]:
    def cell(v: Verdict) -> str:
        return f"{v.metric} {v.value:.3f} (needs {v.needed:.3f}) {'met' if v.met else 'MISSED'}"

    groups = dict.fromkeys(v.group for v in verdicts)
    return [f"{g:<8} " + " · ".join(cell(v) for v in verdicts if v.group == g) for g in groups]


def agreement(first: System, second: System) -> str:
    same = [q for q, r in first.rankings.items() if r.names == second.rankings[q].names]
    queries = len(first.rankings)
    return f"\n{first.label} and {second.label} give the same top {TOP} for {len(same)} of {queries} queries."


def below_target(metrics: dict[str, float]) -> bool:
    return any(metrics[m] < needed - 1e-9 for m, needed in TARGETS.items())


def misses_text(data: DataSet, system: System, bm25: System) -> str:
    misses = [q for q, m in system.per_query.items() if below_target(m)]
    misses.sort(key=lambda q: (system.per_query[q]["nDCG@10"], q))
    lines = [
        "",
        f"{system.label}: {len(misses)} of {len(system.per_query)} queries below a target "
        f"({' or '.join(f'{m} < {t}' for m, t in TARGETS.items())}), worst first:",
    ]
    for query in misses:
        lines += miss_lines(data, query, system, bm25)
    return "\n".join(lines)


def miss_lines(data: DataSet, query: str, system: System, bm25: System) -> list[str]:
    relevant = data.relevant[query]
    ours, theirs = system.per_query[query], bm25.per_query[query]
    ranking = system.rankings[query]
    found = {n.lower() for n in ranking.names}
    missed = sorted(n for n in display_names(data, relevant) if n.lower() not in found)
    shown = ", ".join(missed[:12]) + (f" (+{len(missed) - 12} more)" if len(missed) > 12 else "")
    top5 = ", ".join(("✓ " if n.lower() in relevant else "✗ ") + n for n in ranking.names[:5]) or "(nothing)"
    return [
        f"  {query!r} [{data.kind(query)}]  "
        + "  ".join(f"{m} {ours[m]:.2f} (BM25 {theirs[m]:.2f})" for m in METRICS)
        + f"  {len(relevant)} relevant",
        f"      said:   {' / '.join(ranking.said)[:300]}",
        f"      top 5:  {top5}",
        f"      not in the top {TOP}: {shown or '(none)'}",
    ]


def display_names(data: DataSet, lowered: set[str]) -> list[str]:
    return [r["full_name"] for r in data.repos if r["full_name"].lower() in lowered]


def as_json(data: DataSet, systems: Sequence[System], verdicts: Sequence[Verdict]) -> dict[str, Any]:
    def rounded(values: dict[str, float]) -> dict[str, float]:
        return {k: round(v, 4) for k, v in values.items()}

    return {
        "data_set": {"folder": str(data.folder), "projects": len(data.repos), "queries": len(data.queries)},
        "targets": {"overall": TARGETS, "kind_floor": KIND_FLOOR, "kind_at_least": BM25},
        "verdicts": [
            {
                "system": v.system,
                "kind": v.group,
                "metric": v.metric,
                "value": round(v.value, 4),
                "needs": round(v.needed, 4),
                "met": v.met,
            }
            for v in verdicts
        ],
        "systems": {
            s.label: {
                "summary": {kind: rounded(values) for kind, values in s.summary.items()},
                "queries": {
                    q: {
                        "kind": data.kind(q),
                        **rounded(s.per_query[q]),
                        "ranking": r.names,
                        **({"said": r.said} if r.said else {}),
                    }
                    for q, r in s.rankings.items()
                },
            }
            for s in systems
        },
    }


def write_json(path: str, document: dict[str, Any]) -> None:
    encoded = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if path == "-":
        sys.stdout.write(encoded)
        return
    try:
        Path(path).write_text(encoded, encoding="utf-8")
    except OSError as exc:
        raise BenchmarkError(f"cannot write {path}: {exc.strerror or exc}") from None
