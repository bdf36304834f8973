"""The GitHub source against the fake GitHub over loopback, stored by the real orchestrator."""

import json
import logging
import math
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.models import Contribution, Issue, Project, ProjectOwner
from chatbot.sources.github import GitHubSource, graphql_endpoint, web_base_url
from chatbot.sources.http import ForgeError
from chatbot.sources.sync import SyncSummary, run_sync
from tests.conftest import FIXED_NOW
from tests.fakes.github import DAY, FakeGitHub

ORG = "acme"


class FakeTime:
    """The clock both the fake and the client read; sleeping only records and moves it."""

    def __init__(self) -> None:
        self.now = FIXED_NOW.timestamp()
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def utc(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def started(fake: FakeGitHub) -> Iterator[FakeGitHub]:
    with fake:
        yield fake


@pytest.fixture
def github(clock: FakeTime) -> Iterator[FakeGitHub]:
    yield from started(FakeGitHub.generate(ORG, 40, seed=7, clock=clock.clock))


def source_for(fake: FakeGitHub, clock: FakeTime, *, topic: str | None = None) -> GitHubSource:
    return GitHubSource(
        "github-acme",
        ORG,
        fake.token,
        api_url=fake.api_url,
        topic=topic,
        sleep=clock.sleep,
        clock=clock.clock,
    )


def sync(engine: Engine, source: GitHubSource, clock: FakeTime, *, full: bool = False) -> SyncSummary:
    clock.advance(60)  # runs happen at different times, as they do for real
    return run_sync(engine, source, full=full, clock=clock.utc)


def projects(engine: Engine) -> dict[str, Project]:
    with Session(engine) as session:
        return {p.full_name: p for p in session.exec(select(Project)).all()}


def issues_of(engine: Engine, project: Project) -> list[Issue]:
    with Session(engine) as session:
        return list(session.exec(select(Issue).where(col(Issue.project_id) == project.id)).all())


def pulls_of(engine: Engine, project: Project) -> list[Contribution]:
    with Session(engine) as session:
        query = select(Contribution).where(col(Contribution.project_id) == project.id)
        return list(session.exec(query).all())


def owners_of(engine: Engine, project: Project) -> list[ProjectOwner]:
    with Session(engine) as session:
        return list(
            session.exec(select(ProjectOwner).where(col(ProjectOwner.project_id) == project.id)).all()
        )


def open_pulls(fake: FakeGitHub) -> int:
    return sum(1 for r in fake.repos.values() for p in r.pulls if p.state == "OPEN" and not r.archived)


# --- what a full sync stores --------------------------------------------------------------------------


def test_full_sync_stores_repositories_with_issues_pulls_and_owners(
    engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    repo = github.add_repo(
        "payments-api",
        description="Shared payment client",
        topics=["inner-source", "payments"],
        languages=[("Go", 9000), ("Shell", 100)],
        stars=12,
        forks=3,
        watchers=4,
        files={
            "README.md": "# Payments\n\n" + "word " * 600,
            "innersource.json": json.dumps({"title": "Payments", "skills": ["Go"], "topics": ["money"]}),
            ".github/CODEOWNERS": "* @alice @acme/team-0\n/docs/ docs@example.com\n",
            "CODEOWNERS": "* @ignored-because-dot-github-wins\n",
            ".github/CONTRIBUTING.md": "# How to help\n",
            "COMMUNICATION.md": "#payments\n",
        },
    )
    clock.advance(DAY)
    wanted = github.add_issue(repo.full_name, "Add retries", ["help wanted", "backend"], assignees=["bob"])
    github.add_issue(repo.full_name, "Not for newcomers", ["bug"])
    pull = github.add_pull(
        repo.full_name, "Faster checkout", author="carol", review_requests=["dave", "acme/team-1"]
    )
    clock.advance(3600)
    github.add_comment(pull, "carol")  # the author talking to themselves is no response
    clock.advance(3600)
    github.add_comment(pull, "dave", kind="review", state="CHANGES_REQUESTED")
    responded = clock.now
    clock.advance(3600)
    github.add_comment(pull, "dependabot[bot]")  # bots are no response either
    clock.advance(3600)
    github.add_comment(pull, "carol", kind="commit")
    author_pushed = clock.now
    clock.advance(DAY)

    summary = sync(engine, source_for(github, clock), clock, full=True)

    assert summary.added == 41
    stored = projects(engine)
    assert set(stored) == {r.full_name for r in github.repos.values()}
    project = stored["acme/payments-api"]
    assert project.source == "github"
    assert project.origin == "github-acme"
    assert project.external_id == repo.id
    assert project.key == f"{github.url}/acme/payments-api".split("://", 1)[1]
    assert project.description == "Shared payment client"
    assert project.language == "Go"
    assert project.topics == ["inner-source", "payments", "money"]
    assert project.skills == ["Go"]
    assert (project.stars, project.forks, project.watchers, project.subscribers) == (12, 3, 4, 4)
    assert project.open_issues_count == 3  # two issues and a PR, as GitHub's REST count has it
    assert project.title == "Payments"
    assert project.visibility == "internal"
    assert project.default_branch == "main"
    assert project.created_at == datetime.fromtimestamp(int(repo.created_at), UTC)
    assert project.pushed_at is not None and project.updated_at is not None
    assert project.has_contributing and project.has_communication and project.has_codeowners
    assert project.guidelines == ".github/CONTRIBUTING.md"
    assert project.readme_excerpt.startswith("# Payments")
    assert 1300 < len(project.readme_excerpt) <= 1501
    assert project.findings == []
    assert project.innersource_metadata["title"] == "Payments"

    issues = issues_of(engine, project)
    assert [(i.number, i.title, i.labels, i.assignees) for i in issues] == [
        (wanted.number, "Add retries", ["help wanted", "backend"], ["bob"])
    ]

    (contribution,) = pulls_of(engine, project)
    assert contribution.number == pull.number
    assert contribution.author == "carol"
    assert contribution.requested_reviewers == ["dave", "acme/team-1"]
    assert contribution.last_response_by == "dave"
    assert contribution.last_response_at == datetime.fromtimestamp(int(responded), UTC)
    assert contribution.author_last_update_at == datetime.fromtimestamp(int(author_pushed), UTC)
    assert contribution.draft is False

    owners = {o.forge_login for o in owners_of(engine, project) if o.role == "codeowner"}
    assert owners == {"alice", *github.teams["team-0"]}  # team-0 has 120 members: two pages
    assert len(github.teams["team-0"]) == 120

    # Every generated repository's open PRs and help-wanted issues arrived.
    with Session(engine) as session:
        assert len(session.exec(select(Contribution)).all()) == sum(
            len([p for p in r.pulls if p.state == "OPEN"]) for r in github.repos.values()
        )
        labelled = {"help wanted", "good first issue"}
        assert len(session.exec(select(Issue)).all()) == sum(
            1 for r in github.repos.values() for i in r.issues if labelled & set(i.labels)
        )


def test_malformed_innersource_json_is_a_finding_and_the_sync_goes_on(
    engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    names = sorted(r.full_name for r in github.repos.values())
    github.set_file(names[0], "innersource.json", '{"title": "Broken",')
    github.set_file(names[1], "innersource.json", json.dumps({"title": 42, "skills": "Go, Rust"}))
    github.set_file(names[2], "innersource.json", "[1, 2, 3]")

    sync(engine, source_for(github, clock), clock, full=True)

    stored = projects(engine)
    assert len(stored) == 40
    assert stored[names[0]].findings == [
        "innersource.json is not valid JSON (line 1: Expecting property name enclosed in double quotes)"
    ]
    assert stored[names[1]].findings == ["innersource.json: title should be text"]
    assert stored[names[1]].skills == ["Go", "Rust"]
    assert stored[names[2]].findings == ["innersource.json: innersource metadata is a list, not an object"]


# --- request budgets ----------------------------------------------------------------------------------


def test_request_budget_at_1000_repositories(sqlite_engine: Engine, clock: FakeTime) -> None:
    for fake in started(FakeGitHub.generate(ORG, 1000, seed=3, clock=clock.clock)):
        pr_pages = math.ceil(open_pulls(fake) / 100)

        full = sync(sqlite_engine, source_for(fake, clock), clock, full=True)
        assert full.added == 1000
        assert fake.requests == full.requests
        assert full.requests <= 20 + pr_pages
        assert full.graphql_points == fake.points

        fake.reset_counters()
        unchanged = sync(sqlite_engine, source_for(fake, clock), clock)
        assert fake.requests == unchanged.requests == 1  # target: at most 3
        assert unchanged.updated == unchanged.added == 0

        names = sorted(r.full_name for r in fake.repos.values())[::100]
        for name in names:
            fake.touch(name)
        fake.reset_counters()
        changed = sync(sqlite_engine, source_for(fake, clock), clock)
        assert fake.requests == changed.requests <= 10
        assert changed.updated == 10
        assert changed.added == changed.removed == 0

        fake.reset_counters()
        again = sync(sqlite_engine, source_for(fake, clock), clock)
        assert fake.requests == again.requests == 1


def test_new_issue_and_pr_activity_arrive_with_an_incremental_sync(
    engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    source = source_for(github, clock)
    sync(engine, source, clock, full=True)
    name = sorted(r.full_name for r in github.repos.values())[5]
    clock.advance(3600)
    issue = github.add_issue(name, "Document the API", ["good first issue"])
    pull = github.add_pull(name, "Fix typo", author="eve")
    clock.advance(60)
    github.add_comment(pull, "frank")
    github.reset_counters()

    summary = sync(engine, source, clock)

    assert summary.requests <= 10
    project = projects(engine)[name]
    assert issue.number in {i.number for i in issues_of(engine, project)}
    stored = {c.number: c for c in pulls_of(engine, project)}
    assert stored[pull.number].last_response_by == "frank"

    github.close_issue(issue)
    github.close_pull(pull, merged=True)
    clock.advance(60)
    sync(engine, source, clock)

    states = {i.number: i.state for i in issues_of(engine, project)}
    assert states[issue.number] == "closed"
    assert {c.number: c.state for c in pulls_of(engine, project)}[pull.number] == "closed"


# --- deletions, renames, archiving, topics ------------------------------------------------------------


def test_deleted_repository_is_marked_removed_by_the_next_full_sync(
    engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    source = source_for(github, clock)
    sync(engine, source, clock, full=True)
    gone = sorted(r.full_name for r in github.repos.values())[3]
    github.delete(gone)

    sync(engine, source, clock)
    assert projects(engine)[gone].removed_at is None  # the delta cannot see a deletion

    summary = sync(engine, source, clock, full=True)

    assert summary.removed == 1
    stored = projects(engine)
    assert len(stored) == 40  # kept for history
    assert stored[gone].removed_at is not None
    assert sum(1 for p in stored.values() if p.removed_at is None) == 39


def test_a_rename_keeps_the_same_row(engine: Engine, github: FakeGitHub, clock: FakeTime) -> None:
    source = source_for(github, clock)
    sync(engine, source, clock, full=True)
    old = sorted(r.full_name for r in github.repos.values())[7]
    before = projects(engine)[old]
    repo = github.rename(old, "renamed-service")

    sync(engine, source, clock)

    stored = projects(engine)
    assert old not in stored
    after = stored["acme/renamed-service"]
    assert (after.id, after.external_id) == (before.id, repo.id)
    assert after.name == "renamed-service"
    assert after.key.endswith("/acme/renamed-service")

    sync(engine, source, clock, full=True)
    assert projects(engine)["acme/renamed-service"].removed_at is None
    assert len(projects(engine)) == 40


def test_archived_is_reflected(engine: Engine, github: FakeGitHub, clock: FakeTime) -> None:
    source = source_for(github, clock)
    sync(engine, source, clock, full=True)
    name = next(r.full_name for r in github.repos.values() if not r.archived)
    github.archive(name)

    sync(engine, source, clock)

    assert projects(engine)[name].archived is True


def test_topic_filter_keeps_only_tagged_repositories(
    sqlite_engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    tagged = {r.full_name for r in github.repos.values() if "inner-source" in r.topics}
    untagged = sorted({r.full_name for r in github.repos.values()} - tagged)
    assert tagged and untagged
    source = source_for(github, clock, topic="Inner-Source")

    sync(sqlite_engine, source, clock, full=True)
    assert set(projects(sqlite_engine)) == tagged

    github.set_topics(untagged[0], ["inner-source"])
    dropped = sorted(tagged)[0]
    github.set_topics(dropped, ["legacy"])
    sync(sqlite_engine, source, clock)

    stored = projects(sqlite_engine)
    assert stored[untagged[0]].removed_at is None
    assert stored[dropped].removed_at is not None


# --- failures, limits, resuming -----------------------------------------------------------------------


def test_a_502_is_retried(sqlite_engine: Engine, github: FakeGitHub, clock: FakeTime) -> None:
    github.fail(502, times=1)

    summary = sync(sqlite_engine, source_for(github, clock), clock, full=True)

    assert summary.added == 40
    assert clock.sleeps == [1.0]
    assert [r.status for r in github.log][:2] == [502, 200]


def test_secondary_limit_waits_the_given_seconds(
    sqlite_engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    github.secondary_limit(retry_after=42, kind="repositories")

    summary = sync(sqlite_engine, source_for(github, clock), clock, full=True)

    assert summary.added == 40
    assert clock.sleeps == [42.0]


def test_primary_exhaustion_waits_until_the_reset(
    sqlite_engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    github.exhaust(reset_in=900)
    reset_at = github.reset_at

    summary = sync(sqlite_engine, source_for(github, clock), clock, full=True)  # starts 60 s later

    assert summary.added == 40
    assert clock.sleeps == [900 - 60 + 1]
    assert clock.now >= reset_at
    assert github.log[0].status == 200 and github.log[0].cost == 0  # the refused one, charged nothing


def test_a_body_saying_no_points_left_waits_before_the_next_request(
    sqlite_engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    github.remaining = 4  # exactly the first search page: it leaves nothing
    reset_at = github.reset_at

    sync(sqlite_engine, source_for(github, clock), clock, full=True)

    assert len(clock.sleeps) == 1
    assert clock.now >= reset_at
    assert all(r.cost > 0 for r in github.log)  # never refused: the client waited first


def test_a_killed_sync_resumes_from_its_checkpoint(sqlite_engine: Engine, clock: FakeTime) -> None:
    for fake in started(FakeGitHub.generate(ORG, 650, seed=5, clock=clock.clock)):
        fake.fail(502, times=None, kind="repositories", after=3)
        with pytest.raises(ForgeError):
            sync(sqlite_engine, source_for(fake, clock), clock, full=True)
        first_run = [r.variables["cursor"] for r in fake.requests_of("repositories") if r.status == 200]
        assert len(first_run) == 3
        assert len(projects(sqlite_engine)) == 300

        fake.heal()
        fake.reset_counters()
        summary = sync(sqlite_engine, source_for(fake, clock), clock)

        assert summary.resumed
        second_run = [r.variables["cursor"] for r in fake.requests_of("repositories")]
        assert not set(second_run) & set(first_run)
        assert len(second_run) == 4
        stored = projects(sqlite_engine)
        assert set(stored) == {r.full_name for r in fake.repos.values()}
        with Session(sqlite_engine) as session:
            keys = session.exec(select(Project.key)).all()
        assert len(keys) == len(set(keys)) == 650

        fake.reset_counters()
        assert sync(sqlite_engine, source_for(fake, clock), clock).requests == 1


def test_search_past_the_1000_result_cap(sqlite_engine: Engine, clock: FakeTime) -> None:
    for fake in started(FakeGitHub.generate(ORG, 5, seed=1, clock=clock.clock)):
        busy = sorted(r.full_name for r in fake.repos.values() if not r.archived)[0]
        for n in range(1150):
            fake.add_pull(busy, f"Change {n}", author=f"dev-{n % 50:03d}")
            clock.advance(1)
        for n in range(25):
            fake.add_issue(busy, f"Help {n}", ["help wanted"])
        clock.advance(DAY)

        sync(sqlite_engine, source_for(fake, clock), clock, full=True)

        project = projects(sqlite_engine)[busy]
        repo = fake.repo(busy)
        assert len(repo.pulls) >= 1150
        assert len(pulls_of(sqlite_engine, project)) == len(repo.pulls)
        labelled = [i for i in repo.issues if {"help wanted", "good first issue"} & set(i.labels)]
        assert len(labelled) >= 25
        assert len(issues_of(sqlite_engine, project)) == len(labelled)
        shards = {r.variables["query"] for r in fake.requests_of("search")}
        assert len(shards) == 2


# --- webhook refresh ----------------------------------------------------------------------------------


def test_refresh_refetches_named_repositories(
    sqlite_engine: Engine, github: FakeGitHub, clock: FakeTime
) -> None:
    source = source_for(github, clock)
    sync(sqlite_engine, source, clock, full=True)
    with_pulls = next(r for r in github.repos.values() if r.pulls)
    github.reset_counters()

    batch = source.refresh([with_pulls.full_name, "acme/no-such-repo"])

    assert github.requests <= 3
    (snapshot,) = batch.snapshots
    assert snapshot.project.external_id == with_pulls.id
    assert snapshot.pull_requests is not None
    assert {p.number for p in snapshot.pull_requests} == {p.number for p in with_pulls.pulls}
    assert snapshot.owners is not None
    assert batch.removed_keys == [f"{github.url.split('://', 1)[1]}/acme/no-such-repo"]


# --- the token stays secret ---------------------------------------------------------------------------


def test_the_token_never_appears_in_errors_logs_or_reprs(
    github: FakeGitHub, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "ghp_WrongSecretToken123456789"
    source = GitHubSource(ORG, ORG, wrong, api_url=github.api_url, sleep=clock.sleep, clock=clock.clock)

    with pytest.raises(ForgeError) as refused:
        list(source.sync({}, {}, full=True))

    assert "401" in str(refused.value) and "Bad credentials" in str(refused.value)
    github.fail(502, times=None)
    right = source_for(github, clock)
    with pytest.raises(ForgeError) as failed:
        list(right.sync({}, {}, full=True))
    for token in (wrong, github.token):
        for text in (str(refused.value), repr(refused.value), str(failed.value), repr(failed.value)):
            assert token not in text
        assert token not in caplog.text
        assert token not in repr(source) and token not in repr(right)
    assert "502" in caplog.text  # the retries were logged, without the token


# --- the fake itself -----------------------------------------------------------------------------------


def test_the_fake_charges_the_documented_point_formula(github: FakeGitHub) -> None:
    # GitHub's worked example (on `organization` instead of `viewer`): 1 + 100 + 100 * 50 requests.
    query = """
    query { rateLimit { cost remaining }
      org: organization(login: "acme") {
        repositories(first: 100) { edges { node { id
          issues(first: 50) { edges { node { id labels(first: 60) { edges { node { name } } } } } }
        } } }
      }
    }"""
    headers = {"Authorization": f"Bearer {github.token}"}

    answer = httpx.post(f"{github.url}/api/graphql", json={"query": query}, headers=headers).json()

    assert answer["data"]["rateLimit"]["cost"] == 51
    assert answer["data"]["rateLimit"]["remaining"] == 5000 - 51
    first = answer["data"]["org"]["repositories"]["edges"][0]
    assert set(first) == {"node"}
    assert set(first["node"]) == {"id", "issues"}
    assert github.points == 51


def test_the_fake_refuses_what_github_refuses(github: FakeGitHub) -> None:
    headers = {"Authorization": f"Bearer {github.token}"}

    def errors(query: str) -> list[str]:
        answer = httpx.post(f"{github.url}/api/graphql", json={"query": query}, headers=headers).json()
        return [e["message"] for e in answer.get("errors", [])]

    assert (
        "first` limit of 100"
        in errors('{ organization(login: "acme") { repositories(first: 101) { totalCount } } }')[0]
    )
    assert (
        "must provide a `first`"
        in errors('{ organization(login: "acme") { repositories { nodes { id } } } }')[0]
    )
    assert (
        "doesn't exist"
        in errors('{ organization(login: "acme") { repositories(first: 1) { nodes { stars } } } }')[0]
    )
    assert errors('{ organization(login: "acme") { repositories { totalCount } } }') == []
    assert (
        httpx.post(f"{github.url}/api/graphql", json={"query": "{ rateLimit { cost } }"}).status_code == 401
    )


# --- endpoints ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_url", "graphql", "web"),
    [
        ("https://api.github.com", "https://api.github.com/graphql", "https://github.com"),
        ("https://api.github.com/", "https://api.github.com/graphql", "https://github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql", "https://ghe.example.com"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql", "https://ghe.example.com"),
        ("https://api.acme.ghe.com", "https://api.acme.ghe.com/graphql", "https://acme.ghe.com"),
        ("http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080/api/graphql", "http://127.0.0.1:8080"),
    ],
)
def test_endpoints_from_the_api_url(api_url: str, graphql: str, web: str) -> None:
    assert graphql_endpoint(api_url) == graphql
    assert web_base_url(api_url) == web
