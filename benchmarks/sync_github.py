"""How many requests a GitHub catalog sync costs: full, nothing changed, ten repositories changed.

Runs the real GitHub source and orchestrator against the fake GitHub (real HTTP on loopback) with a
generated organisation, storing into an SQLite file in a temporary directory:

    python benchmarks/sync_github.py --repos 10000

Exits non-zero when a target is missed: full sync ≤ 200 requests per 10,000 repositories, a re-sync
with nothing changed ≤ 3, a re-sync after 10 repositories changed ≤ 10.
"""

import argparse
import math
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REST_CALLS_PER_REPO = 4  # zkoppert/innersource-crawler and the SAP recipe (see forge-apis.md §7)


@dataclass
class Run:
    name: str
    requests: int
    points: int
    seconds: float
    target: int
    detail: str

    @property
    def ok(self) -> bool:
        return self.requests <= self.target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repos", type=int, default=10_000, help="repositories in the fake organisation")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--changed", type=int, default=10, help="repositories touched before the third run")
    args = parser.parse_args(argv)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the fake lives in tests/

    runs, profile, problems = benchmark(args.repos, args.seed, args.changed)
    print(report(runs, profile, args.repos))
    problems += [f"{r.name}: {r.requests} requests, target ≤ {r.target}" for r in runs if not r.ok]
    for problem in problems:
        print(f"MISSED: {problem}", file=sys.stderr)
    return 1 if problems else 0


def benchmark(repos: int, seed: int, changed: int) -> tuple[list[Run], dict[str, int], list[str]]:
    from sqlmodel import Session, func, select

    from chatbot.db import make_engine, upgrade
    from chatbot.models import Contribution, Issue, Project
    from chatbot.sources.github import GitHubSource
    from chatbot.sources.sync import run_sync
    from tests.fakes.github import FakeGitHub

    started = time.perf_counter()
    fake = FakeGitHub.generate("acme", repos, seed=seed)  # 5,000 points an hour, like a PAT
    open_prs = sum(1 for r in fake.repos.values() for p in r.pulls if p.state == "OPEN")
    profile = {
        "repositories": repos,
        "open PRs": open_prs,
        "repositories with help-wanted issues": sum(
            1
            for r in fake.repos.values()
            if any({"help wanted", "good first issue"} & set(i.labels) for i in r.issues)
        ),
        "generated in (s)": round(time.perf_counter() - started),
    }
    problems: list[str] = []
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="sync-github-") as tmp, fake:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'catalog.db'}")
        upgrade(engine)

        def measure(name: str, target: int, *, full: bool) -> Any:
            fake.reset_counters()
            source = GitHubSource("github-acme", "acme", fake.token, api_url=fake.api_url)
            began = time.perf_counter()
            summary = run_sync(engine, source, full=full)
            seconds = time.perf_counter() - began
            source.close()
            if summary.requests != fake.requests:
                problems.append(f"{name}: the client counted {summary.requests}, the fake {fake.requests}")
            detail = f"{summary.added} added, {summary.updated} updated, {summary.removed} removed"
            runs.append(Run(name, fake.requests, fake.points, seconds, target, detail))
            return summary

        full_target = max(3, math.ceil(200 * repos / 10_000))
        summary = measure("full sync", full_target, full=True)
        if summary.added != repos:
            problems.append(f"full sync stored {summary.added} of {repos} repositories")
        with Session(engine) as session:
            stored_prs = session.exec(select(func.count()).select_from(Contribution)).one()
            stored_issues = session.exec(select(func.count()).select_from(Issue)).one()
            stored = session.exec(select(func.count()).select_from(Project)).one()
        profile["stored projects"] = stored
        profile["stored open PRs"] = stored_prs
        profile["stored help-wanted issues"] = stored_issues
        if stored_prs != open_prs:
            problems.append(f"stored {stored_prs} open PRs, the organisation has {open_prs}")

        summary = measure("re-sync, nothing changed", 3, full=False)
        if summary.updated or summary.added:
            problems.append("the no-change re-sync changed projects")

        for name in sorted(r.full_name for r in fake.repos.values())[:: max(1, repos // changed)][:changed]:
            fake.touch(name)
        summary = measure(f"re-sync, {changed} repositories changed", 10, full=False)
        if summary.updated != changed:
            problems.append(f"the re-sync after {changed} changes updated {summary.updated} projects")
        engine.dispose()
    return runs, profile, problems


def report(runs: list[Run], profile: dict[str, int], repos: int) -> str:
    header = f"{'run':<36} {'requests':>9} {'target':>8} {'GraphQL points':>15} {'wall time':>10}  result"
    lines = [
        "GitHub catalog sync against the fake GitHub (real HTTP, SQLite file)",
        "  " + ", ".join(f"{k}: {v:,}" for k, v in profile.items()),
        "",
        header,
        "-" * len(header),
    ]
    for run in runs:
        verdict = "ok" if run.ok else "MISSED"
        lines.append(
            f"{run.name:<36} {run.requests:>9,} {'≤ ' + format(run.target, ','):>8} {run.points:>15,} "
            f"{run.seconds:>9.1f}s  {verdict} ({run.detail})"
        )
    crawlers = REST_CALLS_PER_REPO * repos
    lines += [
        "-" * len(header),
        f"{'public crawlers, every run':<36} {crawlers:>9,}   "
        f"≈ {REST_CALLS_PER_REPO} REST calls per repository = {crawlers:,} (no incremental mode)",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
