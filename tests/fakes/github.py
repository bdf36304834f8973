"""A fake GitHub GraphQL API served over real local HTTP, for the catalog sync tests and the benchmark.

It holds one organisation in memory (`FakeGitHub.generate(org, count, seed)` makes a realistic one, the
mutators change it) and answers queries with GitHub's response shapes. It is not tied to the client's
operation names: each document is parsed with graphql-core and every selection is resolved here
(aliases, fragments, inline fragments on unions and interfaces, variables), over the types and fields
listed in the resolvers below. An unknown field is an error, as on GitHub.

What it checks and charges like GitHub does:

- `Authorization: Bearer <token>`, else HTTP 401 "Bad credentials";
- `first`/`last` between 1 and 100 on every connection that returns nodes;
- the documented point formula (requests for each connection assuming every `first`/`last` is reached,
  divided by 100, at least 1), in `rateLimit { cost remaining resetAt }` and `x-ratelimit-*` headers;
  when the hour's points run out: HTTP 200, a RATE_LIMITED error and `x-ratelimit-remaining: 0`;
- search returns at most 1,000 results per query (issueCount tells the full number);
- cursor pagination: positional cursors for search, sort-key cursors for repository listings.

Failures are injected with `fail()` (e.g. 502s, permanently after the third repository page),
`secondary_limit()` (403 with retry-after) and `exhaust()` (the hour's points used up). `requests`,
`points` and `log` count what the client did. The clock is injectable so a test can move time.
"""

import base64
import hashlib
import itertools
import json
import math
import random
import re
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast_untyped

from tests.fakes.loopback import LoopbackServer

DEFAULT_TOKEN = "ghp_FakeToken0123456789abcdefghijklmnopq"
DAY = 86400.0
SEARCH_CAP = 1000
BOTS = ("dependabot[bot]", "github-actions[bot]")

# Connection fields: each costs one request per parent object in GitHub's formula.
CONNECTIONS = {
    "assignees",
    "issues",
    "labels",
    "languages",
    "latestReviews",
    "members",
    "pullRequests",
    "repositories",
    "repositoryTopics",
    "reviewRequests",
    "search",
    "stargazers",
    "teams",
    "timelineItems",
    "watchers",
}

# Which abstract types (interfaces, unions) each object type belongs to, for fragment type conditions.
ABSTRACT = {
    "Repository": {"Node", "RepositoryInfo", "UniformResourceLocatable", "Starrable", "Subscribable"},
    "Issue": {"Node", "SearchResultItem", "Assignable", "Closable", "Comment", "Labelable"},
    "PullRequest": {"Node", "SearchResultItem", "Assignable", "Closable", "Comment", "Labelable"},
    "Blob": {"Node", "GitObject"},
    "Tree": {"Node", "GitObject"},
    "Commit": {"Node", "GitObject"},
    "User": {"Node", "Actor", "RequestedReviewer", "RepositoryOwner", "SearchResultItem"},
    "Bot": {"Node", "Actor", "RequestedReviewer"},
    "Team": {"Node", "RequestedReviewer"},
    "Organization": {"Node", "Actor", "RepositoryOwner", "SearchResultItem"},
    "IssueComment": {"Node", "Comment", "PullRequestTimelineItems", "IssueTimelineItems"},
    "PullRequestReview": {"Node", "Comment", "PullRequestTimelineItems"},
    "PullRequestCommit": {"Node", "PullRequestTimelineItems"},
    "HeadRefForcePushedEvent": {"Node", "PullRequestTimelineItems"},
}

TIMELINE_TYPES = {
    "comment": ("ISSUE_COMMENT", "IssueComment"),
    "review": ("PULL_REQUEST_REVIEW", "PullRequestReview"),
    "commit": ("PULL_REQUEST_COMMIT", "PullRequestCommit"),
    "force_push": ("HEAD_REF_FORCE_PUSHED_EVENT", "HeadRefForcePushedEvent"),
}


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def git_oid(kind: str, data: bytes) -> str:
    return hashlib.sha1(f"{kind} {len(data)}\0".encode() + data).hexdigest()


# --- the organisation's data ---------------------------------------------------------------------------


@dataclass(eq=False)
class FakeEvent:
    kind: str  # comment | review | commit | force_push
    actor: str
    at: float
    state: str = "COMMENTED"  # reviews: APPROVED | CHANGES_REQUESTED | COMMENTED | PENDING


@dataclass(eq=False)
class FakeIssue:
    repo: "FakeRepo" = field(repr=False)
    id: str
    number: int
    title: str
    author: str
    created_at: float
    updated_at: float
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    state: str = "OPEN"


@dataclass(eq=False)
class FakePull:
    repo: "FakeRepo" = field(repr=False)
    id: str
    number: int
    title: str
    author: str
    created_at: float
    updated_at: float
    draft: bool = False
    state: str = "OPEN"
    review_requests: list[str] = field(default_factory=list)  # logins, or "org/team"
    events: list[FakeEvent] = field(default_factory=list)


@dataclass(eq=False)
class FakeRepo:
    id: str
    database_id: int
    owner: str
    name: str
    created_at: float
    pushed_at: float
    updated_at: float
    description: str | None = None
    archived: bool = False
    visibility: str = "INTERNAL"
    is_fork: bool = False
    stars: int = 0
    forks: int = 0
    watchers: int = 0
    default_branch: str = "main"
    languages: list[tuple[str, int]] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    issues: list[FakeIssue] = field(default_factory=list)
    pulls: list[FakePull] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def next_number(self) -> int:
        return 1 + max([i.number for i in self.issues] + [p.number for p in self.pulls], default=0)


# --- GraphQL values ------------------------------------------------------------------------------------


class _Obj:
    """A plain object of a GraphQL type whose fields need no arguments."""

    __slots__ = ("fields", "typename")

    def __init__(self, typename: str, fields: dict[str, Any]) -> None:
        self.typename = typename
        self.fields = fields


class _Org:
    typename = "Organization"


class _Team:
    typename = "Team"

    def __init__(self, org: str, slug: str, members: list[str]) -> None:
        self.org, self.slug, self.members = org, slug, members


class _Conn:
    """A connection over a list: paging with first/after/last/before, optionally capped (search)."""

    def __init__(
        self,
        typename: str,
        items: list[Any],
        args: dict[str, Any],
        *,
        key: Callable[[Any], tuple[Any, ...]] | None = None,
        cap: int | None = None,
        extra: dict[str, Any] | None = None,
        edge: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        self.typename = typename
        self.items = items
        self.args = args
        self.key = key
        self.cap = cap
        self.extra = extra or {}
        self.edge = edge
        self._page: tuple[list[Any], int, bool, bool] | None = None

    def cursor(self, index: int, item: Any) -> str:
        raw = "key:" + json.dumps(list(self.key(item))) if self.key else f"cursor:{index + 1}"
        return base64.b64encode(raw.encode()).decode()

    def _position(self, cursor: str, visible: list[Any]) -> int:
        """How many visible items come up to and including the cursor's item."""
        try:
            raw = base64.b64decode(cursor.encode()).decode()
        except ValueError as exc:
            raise _Error(f"`{cursor}` does not appear to be a valid cursor.") from exc
        if raw.startswith("key:") and self.key is not None:
            key = tuple(json.loads(raw[4:]))
            return bisect_right([self.key(i) for i in visible], key)
        if raw.startswith("cursor:") and raw[7:].isdigit():
            return min(int(raw[7:]), len(visible))
        raise _Error(f"`{cursor}` does not appear to be a valid cursor.")

    def page(self) -> tuple[list[Any], int, bool, bool]:
        if self._page is None:
            visible = self.items if self.cap is None else self.items[: self.cap]
            start, end = 0, len(visible)
            if self.args.get("after"):
                start = self._position(self.args["after"], visible)
            if self.args.get("before"):
                end = self._position(self.args["before"], visible) - 1
            first, last = self.args.get("first"), self.args.get("last")
            if first is not None:
                end = min(end, start + first)
            if last is not None:
                start = max(start, end - last)
            end = max(start, end)
            self._page = (visible[start:end], start, end < len(visible), start > 0)
        return self._page

    def field(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        if name == "totalCount":
            return len(self.items)
        items, start, has_next, has_previous = self.page()
        if name == "nodes":
            return items
        if name == "edges":
            return [
                _Obj(
                    self.typename.replace("Connection", "Edge"),
                    {
                        "node": item,
                        "cursor": self.cursor(start + i, item),
                        **(self.edge(item) if self.edge else {}),
                    },
                )
                for i, item in enumerate(items)
            ]
        if name == "pageInfo":
            return _Obj(
                "PageInfo",
                {
                    "hasNextPage": has_next,
                    "hasPreviousPage": has_previous,
                    "startCursor": self.cursor(start, items[0]) if items else None,
                    "endCursor": self.cursor(start + len(items) - 1, items[-1]) if items else None,
                },
            )
        raise _Error(f"Field '{name}' doesn't exist on type '{self.typename}'")


class _Root:
    typename = "Query"


class _Error(Exception):
    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type


@dataclass
class _Ctx:
    variables: dict[str, Any]
    fragments: dict[str, FragmentDefinitionNode]
    rate: dict[str, Any]
    errors: list[dict[str, Any]] = field(default_factory=list)
    index: dict[str, Any] | None = None


@dataclass(frozen=True)
class LoggedRequest:
    kind: str  # repositories | delta | search | nodes | node | repository | teams | team | other
    variables: dict[str, Any]
    status: int
    cost: int


@dataclass
class _Failure:
    status: int
    times: int | None
    kind: str | None
    skip: int
    retry_after: int | None


@dataclass(frozen=True)
class _Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: "FakeGitHub") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            reply = self.server.fake._dispatch(self.path, self.headers.get("Authorization") or "", body)
        except Exception as exc:  # a bug in the fake: answer instead of hanging the client
            reply = _Reply(500, json.dumps({"message": f"FakeGitHub error: {exc!r}"}).encode())
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(reply.body)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


# --- the fake ------------------------------------------------------------------------------------------


class FakeGitHub(LoopbackServer):
    def __init__(
        self,
        org: str = "acme",
        *,
        token: str = DEFAULT_TOKEN,
        clock: Callable[[], float] = time.time,
        points_per_hour: int = 5000,
    ) -> None:
        self.org = org
        self.token = token
        self.clock = clock
        self.repos: dict[str, FakeRepo] = {}
        self.teams: dict[str, list[str]] = {}
        self.users: list[str] = []
        self.limit = points_per_hour
        self.remaining = points_per_hour
        self.reset_at = clock() + 3600
        self.requests = 0
        self.points = 0
        self.log: list[LoggedRequest] = []
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._failures: list[_Failure] = []
        self._documents: dict[str, DocumentNode] = {}
        self._collected: dict[tuple[str, tuple[int, ...]], dict[str, list[FieldNode]]] = {}

    # lifecycle

    def _new_server(self) -> ThreadingHTTPServer:
        return _Server(self)

    @property
    def api_url(self) -> str:
        """A GitHub Enterprise style API root; GraphQL is at {url}/api/graphql."""
        return f"{self.url}/api/v3"

    # generating an organisation

    @classmethod
    def generate(cls, org: str = "acme", count: int = 100, seed: int = 0, **kwargs: Any) -> "FakeGitHub":
        """An organisation of `count` repositories, the same for the same seed and clock.

        About 30% carry innersource.json, half CODEOWNERS (some naming teams), 10% help-wanted issues
        (one in 1,000 more than 10 of them), 20% one or two open PRs (about 0.3 per repository; one in
        700 has 14); 5% are archived. Every timestamp is at least a day old.
        """
        fake = cls(org, **kwargs)
        rng = random.Random(seed)
        now = fake.clock()
        fake.users = [f"dev-{i:03d}" for i in range(max(150, count // 20))]
        team_count = max(4, count // 200)
        for k in range(team_count):
            fake.teams[f"team-{k}"] = rng.sample(fake.users, 120 if k == 0 else rng.randint(2, 8))
        for i in range(count):
            fake._generate_repo(rng, i, now, team_count)
        return fake

    def _generate_repo(self, rng: random.Random, i: int, now: float, team_count: int) -> None:
        created = now - rng.uniform(30, 1800) * DAY
        pushed = created + rng.random() * (now - DAY - created)
        updated = max(pushed, created + rng.random() * (now - DAY - created))
        repo = FakeRepo(
            id=self._node_id("R_kgDO"),
            database_id=100000 + i,
            owner=self.org,
            name=f"{rng.choice(ADJECTIVES.split())}-{rng.choice(NOUNS.split())}-{i:05d}",
            created_at=created,
            pushed_at=pushed,
            updated_at=updated,
            description=_sentence(rng, 6, 16) if rng.random() < 0.9 else None,
            archived=rng.random() < 0.05,
            visibility=rng.choice(["INTERNAL", "INTERNAL", "INTERNAL", "PRIVATE", "PUBLIC"]),
            stars=int(rng.paretovariate(1.2)) - 1,
            forks=int(rng.paretovariate(1.6)) - 1,
            watchers=rng.randint(0, 12),
            languages=[
                (lang, rng.randint(1000, 900000)) for lang in rng.sample(LANGUAGES, rng.randint(1, 3))
            ],
            topics=rng.sample(TOPICS, rng.randint(0, 3)) + (["inner-source"] if rng.random() < 0.3 else []),
        )
        repo.languages.sort(key=lambda pair: -pair[1])
        files = {"src/main.py": "print('hello')\n"}
        if rng.random() < 0.9:
            files["README.md"] = f"# {repo.name}\n\n" + _sentence(rng, 30, 400) + "\n"
        if rng.random() < 0.3:
            meta = {
                "title": repo.name.replace("-", " ").title(),
                "motivation": _sentence(rng, 8, 30),
                "contributions": rng.sample(["Bugfixes", "Features", "Docs", "Tests"], 2),
                "skills": [lang for lang, _ in repo.languages],
                "docs": f"https://docs.example.com/{repo.name}",
            }
            files["innersource.json"] = json.dumps(meta, indent=2)
        if rng.random() < 0.5:
            owners = " ".join(f"@{u}" for u in rng.sample(self.users, rng.randint(1, 2)))
            if rng.random() < 0.4:
                owners += f" @{self.org}/team-{rng.randrange(team_count)}"
            path = rng.choice([".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"])
            files[path] = f"# Owners of {repo.name}\n* {owners}\n/docs/ docs-team@example.com\n"
        if rng.random() < 0.4:
            files[rng.choice(["CONTRIBUTING.md", ".github/CONTRIBUTING.md"])] = "# Contributing\n\nWelcome!\n"
        if rng.random() < 0.1:
            files["COMMUNICATION.md"] = "# Talk to us\n\n#our-channel\n"
        repo.files = files
        labelled = 12 if i % 1000 == 999 else (rng.randint(1, 3) if rng.random() < 0.1 else 0)
        for _ in range(labelled):
            labels = rng.choice([["help wanted"], ["good first issue"], ["help wanted", "good first issue"]])
            self._generated_issue(rng, repo, labels + (["bug"] if rng.random() < 0.3 else []), now)
        if rng.random() < 0.05:
            self._generated_issue(rng, repo, ["bug"], now)
        pulls = 14 if i % 700 == 350 else (rng.randint(1, 2) if rng.random() < 0.2 else 0)
        for _ in range(pulls):
            self._generated_pull(rng, repo, now)
        self.repos[repo.id] = repo

    def _generated_issue(self, rng: random.Random, repo: FakeRepo, labels: list[str], now: float) -> None:
        created = rng.uniform(repo.created_at, now - DAY)
        issue = FakeIssue(
            repo=repo,
            id=self._node_id("I_kwDO"),
            number=repo.next_number(),
            title=_sentence(rng, 3, 8),
            author=rng.choice(self.users),
            created_at=created,
            updated_at=rng.uniform(created, now - DAY),
            labels=labels,
            assignees=rng.sample(self.users, 1) if rng.random() < 0.2 else [],
        )
        repo.issues.append(issue)

    def _generated_pull(self, rng: random.Random, repo: FakeRepo, now: float) -> None:
        created = max(repo.created_at, now - rng.uniform(2, 120) * DAY)
        author = rng.choice(self.users)
        events = []
        for _ in range(rng.randint(0, 4)):
            roll = rng.random()
            if roll < 0.3:
                events.append(FakeEvent("commit", author, 0))
            elif roll < 0.45:
                events.append(FakeEvent("comment", rng.choice(BOTS), 0))
            elif roll < 0.6:
                events.append(FakeEvent("comment", author, 0))
            elif roll < 0.8:
                events.append(FakeEvent("comment", rng.choice(self.users), 0))
            else:
                state = rng.choice(["APPROVED", "CHANGES_REQUESTED", "COMMENTED"])
                events.append(FakeEvent("review", rng.choice(self.users), 0, state))
        times = sorted(rng.uniform(created, now - DAY) for _ in events)
        for event, at in zip(events, times, strict=True):
            event.at = at
        requests: list[str] = []
        if rng.random() < 0.5:
            requests.append(rng.choice(self.users))
        if rng.random() < 0.2:
            requests.append(f"{self.org}/team-{rng.randrange(len(self.teams))}")
        pull = FakePull(
            repo=repo,
            id=self._node_id("PR_kwDO"),
            number=repo.next_number(),
            title=_sentence(rng, 3, 8),
            author=author,
            created_at=created,
            updated_at=max([created, *times]),
            draft=rng.random() < 0.1,
            review_requests=requests,
            events=events,
        )
        repo.pulls.append(pull)

    def _node_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08X}"

    # changing the organisation (each bumps the timestamps GitHub would bump)

    def repo(self, full_name: str) -> FakeRepo:
        with self._lock:
            for repo in self.repos.values():
                if repo.full_name.lower() == full_name.lower():
                    return repo
        raise KeyError(full_name)

    def add_repo(self, name: str, **fields: Any) -> FakeRepo:
        with self._lock:
            now = self.clock()
            files = fields.pop("files", {"README.md": f"# {name}\n"})
            repo = FakeRepo(
                id=self._node_id("R_kgDO"),
                database_id=900000 + next(self._ids),
                owner=self.org,
                name=name,
                created_at=now,
                pushed_at=now,
                updated_at=now,
                files=dict(files),
                **fields,
            )
            self.repos[repo.id] = repo
            return repo

    def touch(self, full_name: str) -> FakeRepo:
        """A push to the default branch that changes the README."""
        with self._lock:
            repo = self.repo(full_name)
            repo.files["README.md"] = repo.files.get("README.md", "") + f"\nUpdated at {iso(self.clock())}.\n"
            repo.pushed_at = repo.updated_at = self.clock()
            return repo

    def set_file(self, full_name: str, path: str, text: str | None) -> None:
        with self._lock:
            repo = self.repo(full_name)
            if text is None:
                repo.files.pop(path, None)
            else:
                repo.files[path] = text
            repo.pushed_at = repo.updated_at = self.clock()

    def set_topics(self, full_name: str, topics: Iterable[str]) -> None:
        with self._lock:
            repo = self.repo(full_name)
            repo.topics = list(topics)
            repo.updated_at = self.clock()

    def rename(self, full_name: str, new_name: str) -> FakeRepo:
        with self._lock:
            repo = self.repo(full_name)
            repo.name = new_name
            repo.updated_at = self.clock()
            return repo

    def archive(self, full_name: str, archived: bool = True) -> None:
        with self._lock:
            repo = self.repo(full_name)
            repo.archived = archived
            repo.updated_at = self.clock()

    def delete(self, full_name: str) -> None:
        with self._lock:
            del self.repos[self.repo(full_name).id]

    def add_issue(
        self,
        full_name: str,
        title: str,
        labels: Iterable[str] = ("help wanted",),
        *,
        author: str = "dev-001",
        assignees: Iterable[str] = (),
    ) -> FakeIssue:
        with self._lock:
            repo, now = self.repo(full_name), self.clock()
            issue = FakeIssue(
                repo=repo,
                id=self._node_id("I_kwDO"),
                number=repo.next_number(),
                title=title,
                author=author,
                created_at=now,
                updated_at=now,
                labels=list(labels),
                assignees=list(assignees),
            )
            repo.issues.append(issue)
            return issue

    def close_issue(self, issue: FakeIssue) -> None:
        with self._lock:
            issue.state = "CLOSED"
            issue.updated_at = self.clock()

    def add_pull(
        self,
        full_name: str,
        title: str,
        *,
        author: str = "dev-002",
        draft: bool = False,
        review_requests: Iterable[str] = (),
    ) -> FakePull:
        with self._lock:
            repo, now = self.repo(full_name), self.clock()
            pull = FakePull(
                repo=repo,
                id=self._node_id("PR_kwDO"),
                number=repo.next_number(),
                title=title,
                author=author,
                created_at=now,
                updated_at=now,
                draft=draft,
                review_requests=list(review_requests),
            )
            repo.pulls.append(pull)
            return pull

    def add_comment(
        self, pull: FakePull, actor: str, *, kind: str = "comment", state: str = "COMMENTED"
    ) -> None:
        """A comment, review ("review" with a state), commit or force push on a pull request."""
        with self._lock:
            now = self.clock()
            pull.events.append(FakeEvent(kind, actor, now, state))
            pull.updated_at = now

    def close_pull(self, pull: FakePull, *, merged: bool = False) -> None:
        with self._lock:
            pull.state = "MERGED" if merged else "CLOSED"
            pull.updated_at = self.clock()

    # failures and limits

    def fail(
        self,
        status: int = 502,
        *,
        times: int | None = 1,
        kind: str | None = None,
        after: int = 0,
        retry_after: int | None = None,
    ) -> None:
        """Answer `status` to the next `times` requests of `kind` (None: until `heal()`), after `after` ok."""
        with self._lock:
            self._failures.append(_Failure(status, times, kind, after, retry_after))

    def secondary_limit(self, retry_after: int = 60, *, times: int = 1, kind: str | None = None) -> None:
        self.fail(403, times=times, kind=kind, retry_after=retry_after)

    def exhaust(self, reset_in: float = 600) -> None:
        """The hour's points are used up until `reset_in` seconds from now."""
        with self._lock:
            self.remaining = 0
            self.reset_at = self.clock() + reset_in

    def heal(self) -> None:
        with self._lock:
            self._failures.clear()

    def reset_counters(self) -> None:
        with self._lock:
            self.requests = 0
            self.points = 0
            self.log.clear()

    def requests_of(self, kind: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.log if r.kind == kind]

    # HTTP

    def _dispatch(self, path: str, authorization: str, body: bytes) -> _Reply:
        with self._lock:
            self.requests += 1
            if path.split("?", 1)[0] not in ("/api/graphql", "/graphql"):
                return _Reply(404, b'{"message":"Not Found"}')
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or token.strip() != self.token:
                self.log.append(LoggedRequest("unauthorized", {}, 401, 0))
                body_401 = {
                    "message": "Bad credentials",
                    "documentation_url": "https://docs.github.com/graphql",
                }
                return _Reply(401, json.dumps(body_401).encode())
            try:
                request = json.loads(body)
                document = self._document(str(request["query"]))
            except (ValueError, KeyError, TypeError, GraphQLError) as exc:
                return self._json({"errors": [{"message": f"Parse error: {exc}"}]})
            variables = request.get("variables") or {}
            operation, fragments = _split(document)
            kind = self._kind(operation, fragments)
            failure = self._failure_for(kind)
            if failure is not None:
                self.log.append(LoggedRequest(kind, variables, failure.status, 0))
                return self._failure_reply(failure)
            return self._answer(kind, operation, fragments, variables)

    def _answer(
        self,
        kind: str,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
    ) -> _Reply:
        now = self.clock()
        if now >= self.reset_at:
            self.remaining, self.reset_at = self.limit, now + 3600
        variables = {**_defaults(operation), **variables}
        try:
            requests = self._requests(operation.selection_set, fragments, variables, 1)
        except _Error as exc:
            self.log.append(LoggedRequest(kind, variables, 200, 0))
            return self._json({"errors": [_error_entry(exc)]})
        cost = max(1, math.floor(requests / 100 + 0.5))
        if cost > self.remaining:
            self.log.append(LoggedRequest(kind, variables, 200, 0))
            message = "API rate limit already exceeded for user ID 1."
            error = {"type": "RATE_LIMITED", "code": "graphql_rate_limit", "message": message}
            return self._json({"errors": [error]})
        self.remaining -= cost
        self.points += cost
        self.log.append(LoggedRequest(kind, variables, 200, cost))
        rate = {
            "cost": cost,
            "remaining": self.remaining,
            "resetAt": iso(self.reset_at),
            "limit": self.limit,
            "used": self.limit - self.remaining,
            "nodeCount": requests,
        }
        ctx = _Ctx(variables=variables, fragments=fragments, rate=rate)
        try:
            data = self._select(_Root(), [operation.selection_set], ctx, [])
        except _Error as exc:
            return self._json({"data": None, "errors": [_error_entry(exc)]})
        payload: dict[str, Any] = {"data": data}
        if ctx.errors:
            payload["errors"] = ctx.errors
        return self._json(payload)

    def _json(self, payload: dict[str, Any]) -> _Reply:
        headers = {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.limit - self.remaining),
            "x-ratelimit-reset": str(int(self.reset_at)),
            "x-ratelimit-resource": "graphql",
        }
        return _Reply(200, json.dumps(payload).encode(), headers)

    def _failure_for(self, kind: str) -> _Failure | None:
        for failure in self._failures:
            if failure.kind is not None and failure.kind != kind:
                continue
            if failure.skip > 0:
                failure.skip -= 1
                return None
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
            return failure
        return None

    def _failure_reply(self, failure: _Failure) -> _Reply:
        headers: dict[str, str] = {}
        if failure.retry_after is not None:
            headers["retry-after"] = str(failure.retry_after)
        if failure.status == 403:
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            )
        elif failure.status >= 500:
            message = "Something went wrong while executing your query. This may be the result of a timeout."
        else:
            message = f"HTTP {failure.status}"
        body = {"message": message, "documentation_url": "https://docs.github.com/graphql"}
        return _Reply(failure.status, json.dumps(body).encode(), headers)

    def _document(self, text: str) -> DocumentNode:
        document = self._documents.get(text)
        if document is None:
            document = self._documents[text] = parse(text)
        return document

    def _kind(self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]) -> str:
        roots = _fields(operation.selection_set, fragments)
        names = {f.name.value for f in roots}
        for root in roots:
            if root.name.value == "organization" and root.selection_set is not None:
                children = _fields(root.selection_set, fragments)
                if any(c.alias is not None and c.alias.value == "byPushed" for c in children):
                    return "delta"
                for child in ("repositories", "teams", "team"):
                    if any(c.name.value == child for c in children):
                        return child
        for name in ("search", "nodes", "node", "repository"):
            if name in names:
                return name
        return "other"

    # cost: GitHub's documented formula

    def _requests(
        self,
        selection_set: SelectionSetNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        multiplier: int,
    ) -> int:
        total = 0
        for node in _fields(selection_set, fragments):
            name = node.name.value
            args = _arguments(node, variables)
            child = multiplier
            if name in CONNECTIONS:
                size = args.get("first") if args.get("first") is not None else args.get("last")
                pages = node.selection_set is not None and any(
                    f.name.value in ("nodes", "edges") for f in _fields(node.selection_set, fragments)
                )
                if size is None and pages:
                    raise _Error(
                        "You must provide a `first` or `last` value to properly paginate "
                        f"the `{name}` connection."
                    )
                if size is not None and not 0 <= size <= 100:
                    raise _Error(
                        f"Requesting {size} records on the `{name}` connection exceeds "
                        "the `first` limit of 100 records."
                    )
                total += multiplier
                child = multiplier * (size or 1)
            elif name == "nodes" and isinstance(args.get("ids"), list):
                if len(args["ids"]) > 100:
                    raise _Error("You may not request more than 100 node IDs; you requested more.")
                child = multiplier * max(1, len(args["ids"]))
            if node.selection_set is not None:
                total += self._requests(node.selection_set, fragments, variables, child)
        return total

    # execution

    def _select(
        self, obj: Any, selection_sets: list[SelectionSetNode], ctx: _Ctx, path: list[Any]
    ) -> dict[str, Any]:
        typename = _typename(obj)
        cache_key = (typename, tuple(id(s) for s in selection_sets))
        grouped = self._collected.get(cache_key)
        if grouped is None:
            grouped = {}
            for selection_set in selection_sets:
                for node in _fields(selection_set, ctx.fragments, typename):
                    key = node.alias.value if node.alias else node.name.value
                    grouped.setdefault(key, []).append(node)
            self._collected[cache_key] = grouped
        result: dict[str, Any] = {}
        for key, nodes in grouped.items():
            name = nodes[0].name.value
            if name == "__typename":
                result[key] = typename
                continue
            value = self._resolve(obj, name, _arguments(nodes[0], ctx.variables), ctx, [*path, key])
            subs = [n.selection_set for n in nodes if n.selection_set is not None]
            result[key] = self._complete(value, subs, ctx, [*path, key])
        return result

    def _complete(self, value: Any, subs: list[SelectionSetNode], ctx: _Ctx, path: list[Any]) -> Any:
        if value is None or isinstance(value, str | int | float | bool):
            return value
        if isinstance(value, list):
            return [self._complete(v, subs, ctx, [*path, i]) for i, v in enumerate(value)]
        if not subs:
            raise _Error(
                f"Field '{path[-1]}' of type '{_typename(value)}' must have a selection of subfields."
            )
        return self._select(value, subs, ctx, path)

    def _resolve(self, obj: Any, name: str, args: dict[str, Any], ctx: _Ctx, path: list[Any]) -> Any:
        if isinstance(obj, _Obj):
            if name in obj.fields:
                return obj.fields[name]
        elif isinstance(obj, _Conn):
            return obj.field(name)
        elif isinstance(obj, _Root):
            return self._query(name, args, ctx, path)
        elif isinstance(obj, FakeRepo):
            return self._repository(obj, name, args)
        elif isinstance(obj, FakePull):
            return self._pull(obj, name, args)
        elif isinstance(obj, FakeIssue):
            return self._issue(obj, name, args)
        elif isinstance(obj, _Org):
            return self._organization(name, args, ctx, path)
        elif isinstance(obj, _Team):
            return self._team(obj, name, args)
        raise _Error(f"Field '{name}' doesn't exist on type '{_typename(obj)}'", "undefinedField")

    def _query(self, name: str, args: dict[str, Any], ctx: _Ctx, path: list[Any]) -> Any:
        if name == "rateLimit":
            return _Obj("RateLimit", ctx.rate)
        if name == "organization":
            if str(args.get("login", "")).lower() == self.org.lower():
                return _Org()
            ctx.errors.append(
                _not_found(
                    f"Could not resolve to an Organization with the login of '{args.get('login')}'.", path
                )
            )
            return None
        if name == "repository":
            full_name = f"{args.get('owner')}/{args.get('name')}"
            repo = next((r for r in self.repos.values() if r.full_name.lower() == full_name.lower()), None)
            if repo is None:
                ctx.errors.append(
                    _not_found(f"Could not resolve to a Repository with the name '{full_name}'.", path)
                )
            return repo
        if name == "nodes":
            found = []
            for i, node_id in enumerate(args.get("ids") or []):
                node = self._node(str(node_id), ctx)
                if node is None:
                    message = f"Could not resolve to a node with the global id of '{node_id}'"
                    ctx.errors.append(_not_found(message, [*path, i]))
                found.append(node)
            return found
        if name == "node":
            node = self._node(str(args.get("id")), ctx)
            if node is None:
                ctx.errors.append(
                    _not_found(f"Could not resolve to a node with the global id of '{args.get('id')}'", path)
                )
            return node
        if name == "search":
            if args.get("type") != "ISSUE":
                raise _Error("FakeGitHub only searches issues and pull requests (type: ISSUE)")
            items = self._search(str(args.get("query") or ""))
            return _Conn(
                "SearchResultItemConnection", items, args, cap=SEARCH_CAP, extra={"issueCount": len(items)}
            )
        raise _Error(f"Field '{name}' doesn't exist on type 'Query'", "undefinedField")

    def _organization(self, name: str, args: dict[str, Any], ctx: _Ctx, path: list[Any]) -> Any:
        if name == "login":
            return self.org
        if name == "repositories":
            order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
            key = _repository_order(str(order.get("field")), str(order.get("direction", "ASC")))
            repos = list(self.repos.values())
            if args.get("isArchived") is not None:
                repos = [r for r in repos if r.archived == args["isArchived"]]
            if args.get("isFork") is not None:
                repos = [r for r in repos if r.is_fork == args["isFork"]]
            return _Conn("RepositoryConnection", sorted(repos, key=key), args, key=key)
        if name == "teams":
            teams = [_Team(self.org, slug, members) for slug, members in sorted(self.teams.items())]
            return _Conn("TeamConnection", teams, args)
        if name == "team":
            slug = str(args.get("slug"))
            return _Team(self.org, slug, self.teams[slug]) if slug in self.teams else None
        raise _Error(f"Field '{name}' doesn't exist on type 'Organization'", "undefinedField")

    def _team(self, team: _Team, name: str, args: dict[str, Any]) -> Any:
        if name == "slug":
            return team.slug
        if name == "combinedSlug":
            return f"{team.org}/{team.slug}"
        if name == "name":
            return team.slug.replace("-", " ").title()
        if name == "members":
            return _Conn("TeamMemberConnection", [_actor(m) for m in sorted(team.members)], args)
        raise _Error(f"Field '{name}' doesn't exist on type 'Team'", "undefinedField")

    def _node(self, node_id: str, ctx: _Ctx) -> Any:
        if ctx.index is None:
            ctx.index = {}
            for repo in self.repos.values():
                ctx.index[repo.id] = repo
                ctx.index.update((issue.id, issue) for issue in repo.issues)
                ctx.index.update((pull.id, pull) for pull in repo.pulls)
        return ctx.index.get(node_id)

    def _repository(self, repo: FakeRepo, name: str, args: dict[str, Any]) -> Any:
        match name:
            case "id":
                return repo.id
            case "databaseId":
                return repo.database_id
            case "name":
                return repo.name
            case "nameWithOwner":
                return repo.full_name
            case "url":
                return f"{self.url}/{repo.full_name}"
            case "description":
                return repo.description
            case "createdAt":
                return iso(repo.created_at)
            case "pushedAt":
                return iso(repo.pushed_at)
            case "updatedAt":
                return iso(repo.updated_at)
            case "archivedAt":
                return iso(repo.updated_at) if repo.archived else None
            case "isArchived":
                return repo.archived
            case "isDisabled":
                return False
            case "isFork":
                return repo.is_fork
            case "isEmpty":
                return not repo.files
            case "isPrivate":
                return repo.visibility != "PUBLIC"
            case "visibility":
                return repo.visibility
            case "stargazerCount":
                return repo.stars
            case "forkCount":
                return repo.forks
            case "owner":
                return _Obj("Organization", {"login": repo.owner})
            case "watchers":
                return _Conn("UserConnection", [_actor(f"watcher-{i}") for i in range(repo.watchers)], args)
            case "defaultBranchRef":
                if not repo.files:
                    return None
                oid = git_oid("commit", json.dumps(repo.files, sort_keys=True).encode())
                return _Obj("Ref", {"name": repo.default_branch, "target": _Obj("Commit", {"oid": oid})})
            case "primaryLanguage":
                return _Obj("Language", {"name": repo.languages[0][0]}) if repo.languages else None
            case "languages":
                sizes = dict(repo.languages)
                return _Conn(
                    "LanguageConnection",
                    [_Obj("Language", {"name": lang}) for lang, _ in repo.languages],
                    args,
                    extra={"totalSize": sum(sizes.values())},
                    edge=lambda item: {"size": sizes[item.fields["name"]]},
                )
            case "repositoryTopics":
                topics = [_Obj("RepositoryTopic", {"topic": _Obj("Topic", {"name": t})}) for t in repo.topics]
                return _Conn("RepositoryTopicConnection", topics, args)
            case "object":
                return _git_object(repo, str(args.get("expression") or ""))
            case "issues":
                issues = [i for i in repo.issues if i.state in (args.get("states") or ["OPEN", "CLOSED"])]
                if args.get("labels"):
                    wanted = {label.lower() for label in args["labels"]}
                    issues = [i for i in issues if wanted & {label.lower() for label in i.labels}]
                return _Conn("IssueConnection", _ordered(issues, args.get("orderBy")), args)
            case "pullRequests":
                states = args.get("states") or ["OPEN", "CLOSED", "MERGED"]
                pulls = [p for p in repo.pulls if p.state in states]
                return _Conn("PullRequestConnection", _ordered(pulls, args.get("orderBy")), args)
        raise _Error(f"Field '{name}' doesn't exist on type 'Repository'", "undefinedField")

    def _issue(self, issue: FakeIssue, name: str, args: dict[str, Any]) -> Any:
        match name:
            case "id":
                return issue.id
            case "number":
                return issue.number
            case "title":
                return issue.title
            case "url":
                return f"{self.url}/{issue.repo.full_name}/issues/{issue.number}"
            case "createdAt":
                return iso(issue.created_at)
            case "updatedAt":
                return iso(issue.updated_at)
            case "state":
                return issue.state
            case "repository":
                return issue.repo
            case "author":
                return _actor(issue.author)
            case "labels":
                return _Conn("LabelConnection", [_Obj("Label", {"name": n}) for n in issue.labels], args)
            case "assignees":
                return _Conn("UserConnection", [_actor(a) for a in issue.assignees], args)
        raise _Error(f"Field '{name}' doesn't exist on type 'Issue'", "undefinedField")

    def _pull(self, pull: FakePull, name: str, args: dict[str, Any]) -> Any:
        match name:
            case "id":
                return pull.id
            case "number":
                return pull.number
            case "title":
                return pull.title
            case "url":
                return f"{self.url}/{pull.repo.full_name}/pull/{pull.number}"
            case "isDraft":
                return pull.draft
            case "createdAt":
                return iso(pull.created_at)
            case "updatedAt":
                return iso(pull.updated_at)
            case "state":
                return pull.state
            case "repository":
                return pull.repo
            case "author":
                return _actor(pull.author)
            case "reviewRequests":
                requests = [
                    _Obj("ReviewRequest", {"requestedReviewer": self._reviewer(r)})
                    for r in pull.review_requests
                ]
                return _Conn("ReviewRequestConnection", requests, args)
            case "latestReviews":
                latest: dict[str, FakeEvent] = {}
                for event in pull.events:
                    if event.kind == "review" and event.state != "PENDING":
                        latest[event.actor] = event
                reviews = [_timeline_item(e) for e in sorted(latest.values(), key=lambda e: e.at)]
                return _Conn("PullRequestReviewConnection", reviews, args)
            case "timelineItems":
                wanted = set(args.get("itemTypes") or [t for t, _ in TIMELINE_TYPES.values()])
                events = [e for e in pull.events if TIMELINE_TYPES[e.kind][0] in wanted]
                items = [_timeline_item(e) for e in sorted(events, key=lambda e: e.at)]
                extra = {"updatedAt": iso(pull.updated_at)}
                return _Conn("PullRequestTimelineItemsConnection", items, args, extra=extra)
        raise _Error(f"Field '{name}' doesn't exist on type 'PullRequest'", "undefinedField")

    def _reviewer(self, name: str) -> Any:
        if "/" in name:
            slug = name.split("/", 1)[1]
            return _Team(self.org, slug, self.teams.get(slug, []))
        return _actor(name)

    # search: the qualifiers the catalog sync uses

    def _search(self, query: str) -> list[Any]:
        orgs: set[str] = set()
        repos: set[str] = set()
        flags: set[str] = set()
        ranges: list[tuple[str, str, float]] = []
        archived: bool | None = None
        sort = "created-desc"
        for token in query.split():
            qualifier, _, value = token.partition(":")
            qualifier = qualifier.lower()
            if qualifier == "org":
                orgs.add(value.lower())
            elif qualifier == "repo":
                repos.add(value.lower())
            elif qualifier == "is":
                flags.add(value.lower())
            elif qualifier == "archived":
                archived = value.lower() == "true"
            elif qualifier == "sort":
                sort = value.lower()
            elif qualifier in ("created", "updated"):
                match = re.fullmatch(r"(>=|<=|>|<)?(.+)", value)
                assert match is not None
                ranges.append((qualifier, match.group(1) or ">=", parse_iso(match.group(2))))
        items: list[Any] = []
        for repo in self.repos.values():
            if orgs and repo.owner.lower() not in orgs:
                continue
            if repos and repo.full_name.lower() not in repos:
                continue
            if archived is not None and repo.archived != archived:
                continue
            if "pr" not in flags:
                items += repo.issues
            if "issue" not in flags:
                items += repo.pulls
        if "open" in flags:
            items = [i for i in items if i.state == "OPEN"]
        if "closed" in flags:
            items = [i for i in items if i.state != "OPEN"]
        for name, op, bound in ranges:
            attribute = "created_at" if name == "created" else "updated_at"
            items = [i for i in items if _compare(int(getattr(i, attribute)), op, bound)]
        attribute = "updated_at" if sort.startswith("updated") else "created_at"
        return sorted(items, key=lambda i: (int(getattr(i, attribute)), i.id), reverse=sort.endswith("-desc"))


# --- helpers --------------------------------------------------------------------------------------------


def _split(document: DocumentNode) -> tuple[OperationDefinitionNode, dict[str, FragmentDefinitionNode]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if len(operations) != 1:
        raise _Error("FakeGitHub answers documents with exactly one operation")
    return operations[0], fragments


def _defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    return {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }


def _arguments(node: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    args = {}
    for argument in node.arguments or ():
        value = value_from_ast_untyped(argument.value, variables)
        args[argument.name.value] = None if value is Undefined else value
    return args


def _applies(typename: str | None, condition: str) -> bool:
    return typename is None or condition == typename or condition in ABSTRACT.get(typename, ())


def _fields(
    selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode], typename: str | None = None
) -> list[FieldNode]:
    """The fields of a selection set, fragments flattened (all of them when typename is None)."""
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or _applies(typename, condition.name.value):
                found += _fields(selection.selection_set, fragments, typename)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments[selection.name.value]
            if _applies(typename, fragment.type_condition.name.value):
                found += _fields(fragment.selection_set, fragments, typename)
    return found


def _typename(value: Any) -> str:
    if isinstance(value, FakeRepo):
        return "Repository"
    if isinstance(value, FakePull):
        return "PullRequest"
    if isinstance(value, FakeIssue):
        return "Issue"
    return str(value.typename)


def _actor(login: str) -> _Obj:
    if login.endswith("[bot]"):
        return _Obj("Bot", {"login": login.removesuffix("[bot]")})
    return _Obj("User", {"login": login})


def _timeline_item(event: FakeEvent) -> _Obj:
    typename = TIMELINE_TYPES[event.kind][1]
    if event.kind == "comment":
        return _Obj(typename, {"author": _actor(event.actor), "createdAt": iso(event.at)})
    if event.kind == "review":
        fields = {"author": _actor(event.actor), "state": event.state, "createdAt": iso(event.at)}
        return _Obj(typename, {**fields, "submittedAt": None if event.state == "PENDING" else iso(event.at)})
    if event.kind == "commit":
        commit = _Obj(
            "Commit", {"committedDate": iso(event.at), "oid": git_oid("commit", repr(event).encode())}
        )
        return _Obj(typename, {"commit": commit})
    return _Obj(typename, {"actor": _actor(event.actor), "createdAt": iso(event.at)})


def _git_object(repo: FakeRepo, expression: str) -> _Obj | None:
    ref, _, path = expression.partition(":")
    if ref != "HEAD" or not repo.files:
        return None
    path = path.strip("/")
    if path in repo.files:
        data = repo.files[path].encode()
        fields = {"oid": git_oid("blob", data), "byteSize": len(data), "isBinary": False}
        return _Obj("Blob", {**fields, "isTruncated": False, "text": repo.files[path]})
    prefix = f"{path}/" if path else ""
    entries: dict[str, str] = {}
    for file_path in repo.files:
        if file_path.startswith(prefix):
            head, slash, _ = file_path[len(prefix) :].partition("/")
            entries[head] = "tree" if slash else "blob"
    if not entries:
        return None
    listing = [
        _Obj("TreeEntry", {"name": n, "type": t, "oid": git_oid(t, n.encode())})
        for n, t in sorted(entries.items())
    ]
    return _Obj("Tree", {"oid": git_oid("tree", json.dumps(sorted(entries)).encode()), "entries": listing})


def _repository_order(order_field: str, direction: str) -> Callable[[FakeRepo], tuple[Any, ...]]:
    sign = -1 if direction == "DESC" else 1
    if order_field == "NAME":
        if sign < 0:
            raise _Error("FakeGitHub lists repositories by NAME in ascending order only")
        return lambda r: (r.name.lower(), r.id)
    attribute = {"CREATED_AT": "created_at", "PUSHED_AT": "pushed_at", "UPDATED_AT": "updated_at"}.get(
        order_field
    )
    if attribute is None:
        return lambda r: (sign * r.stars, r.id)
    return lambda r: (sign * int(getattr(r, attribute)), r.id)


def _ordered(items: list[Any], order: dict[str, Any] | None) -> list[Any]:
    order = order or {"field": "CREATED_AT", "direction": "ASC"}
    attribute = "updated_at" if order.get("field") == "UPDATED_AT" else "created_at"
    return sorted(
        items, key=lambda i: (getattr(i, attribute), i.number), reverse=order.get("direction") == "DESC"
    )


def _compare(value: float, op: str, bound: float) -> bool:
    return {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound}[op]


def _not_found(message: str, path: list[Any]) -> dict[str, Any]:
    return {"type": "NOT_FOUND", "path": path, "locations": [], "message": message}


def _error_entry(error: _Error) -> dict[str, Any]:
    entry: dict[str, Any] = {"message": error.message}
    if error.error_type:
        entry["extensions"] = {"code": error.error_type}
    return entry


_WORD_LIST: list[str] = []


def _sentence(rng: random.Random, low: int, high: int) -> str:
    if not _WORD_LIST:
        _WORD_LIST.extend(WORDS.split())
    return " ".join(rng.choices(_WORD_LIST, k=rng.randint(low, high))).capitalize() + "."


ADJECTIVES = "amber brisk calm deft eager fleet grand hardy ivory jolly keen lucid"
NOUNS = "falcon harbor ledger meadow nimbus orbit pilot quarry relay summit tiller"
LANGUAGES = ["Python", "Java", "TypeScript", "Go", "Kotlin", "C#", "Rust", "Ruby", "Shell", "HCL"]
TOPICS = ["api", "library", "cli", "platform", "data", "ml", "frontend", "infra", "security", "tooling"]
WORDS = (
    "service library client platform shared internal build deploy cache queue event stream schema api "
    "token config metrics logging tracing search index catalog payment ledger report export import sync "
    "team owner review release docs guide quick start install usage example contribute support issue"
)
