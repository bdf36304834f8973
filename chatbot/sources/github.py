"""The GitHub / GitHub Enterprise catalog source: an organisation's repositories over GraphQL.

Request budget (10,000 repositories, ≈3,000 open PRs):

- full listing: 100 pages of `ORG_REPOSITORIES`, ⌈open PRs / 100⌉ pages of the org-wide PR search,
  one teams page per 100 teams, and one request per page holding a repository with more than 10
  help-wanted issues: ≈140 requests;
- nothing changed: one `CATALOG_DELTA` request;
- a few repositories changed: the delta, then `REPOSITORIES_BY_ID` and `PULL_REQUESTS_BY_ID` for them.

What persists between runs (`memo`): per repository its pushedAt/updatedAt and the blob ids of
innersource.json and CODEOWNERS (`repos`), the repository count, the newest timestamps, and the time of
the last search with the ids already seen inside the overlap window. A full run (weekly, or the first)
relists everything, so deletions and renames are found; incremental runs trust the delta.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

import httpx

from chatbot.catalog.portal import project_key
from chatbot.sources import github_queries as q
from chatbot.sources.base import (
    DEFAULT_HELP_WANTED_LABELS,
    PullRequestRecord,
    RepoSnapshot,
    RequestStats,
    SyncBatch,
)
from chatbot.sources.http import ForgeError, ForgeHttp

logger = logging.getLogger(__name__)

SEARCH_OVERLAP_SECONDS = 600  # the search index is eventually consistent: look back ten minutes
TEAMS_TTL_SECONDS = 3600
MIN_PAGE_SIZE = 25
_RATE_LIMIT_ATTEMPTS = 5

T = TypeVar("T")


class GitHubError(ForgeError):
    """An answer from GitHub that is an error; `retryable` when a smaller request may succeed."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def graphql_endpoint(api_url: str) -> str:
    """api.github.com -> https://api.github.com/graphql; https://HOST/api/v3 -> https://HOST/api/graphql."""
    url = httpx.URL(api_url.strip())
    path = url.path.rstrip("/")
    if path.endswith("/api/v3"):
        path = path[: -len("v3")] + "graphql"
    elif not path.endswith("/graphql"):
        path += "/graphql"
    return str(url.copy_with(path=path, query=None, fragment=None))


def web_base_url(api_url: str) -> str:
    """Where repositories live in the browser: https://github.com, or the Enterprise host."""
    url = httpx.URL(api_url.strip())
    host = url.host
    if host == "api.github.com":
        host = "github.com"
    elif host.startswith("api.") and not url.path.rstrip("/").endswith("/api/v3"):
        host = host[len("api.") :]
    return str(url.copy_with(host=host, path="/", query=None, fragment=None)).rstrip("/")


class GitHubSource:
    kind = "github"

    def __init__(
        self,
        name: str,
        org: str,
        token: str,
        *,
        api_url: str = "https://api.github.com",
        topic: str | None = None,
        labels: tuple[str, ...] = DEFAULT_HELP_WANTED_LABELS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        page_size: int = 100,
    ) -> None:
        self.name = name
        self.org = org
        self.topic = topic.strip().lower() if topic and topic.strip() else None
        self.labels = tuple(labels)
        self.stats = RequestStats()
        self.graphql_url = graphql_endpoint(api_url)
        self.web_url = web_base_url(api_url)
        self._clock = clock
        self._initial_page_size = max(1, min(page_size, 100))
        self._page_size = self._initial_page_size
        self._teams: dict[str, list[str]] | None = None
        self._teams_at = 0.0
        self._http = ForgeHttp(
            self.graphql_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            stats=self.stats,
            sleep=sleep,
            clock=clock,
        )

    def __repr__(self) -> str:
        return f"GitHubSource(name={self.name!r}, org={self.org!r}, graphql_url={self.graphql_url!r})"

    def close(self) -> None:
        self._http.close()

    # --- Source protocol -------------------------------------------------------------------------------

    def sync(self, checkpoint: dict[str, Any], memo: dict[str, Any], *, full: bool) -> Iterator[SyncBatch]:
        self.stats.requests = self.stats.graphql_points = 0  # per run; the orchestrator adds them up
        self.stats.waited_seconds = 0.0
        if checkpoint.get("phase") == "repos" or full or not memo.get("complete"):
            yield from self._full_listing(checkpoint if checkpoint.get("phase") == "repos" else {}, memo)
        else:
            yield from self._incremental(memo)

    def refresh(self, full_names: list[str]) -> SyncBatch:
        """Re-fetch these repositories ("owner/name") with their open PRs, e.g. after a webhook.

        Names that no longer resolve (deleted, or renamed since) come back in `removed_keys`.
        """
        nodes: list[q.RepoNode] = []
        missing: list[str] = []
        for chunk in _chunks(list(dict.fromkeys(full_names)), 50):
            variables: dict[str, Any] = {"labels": list(self.labels)}
            for i, full_name in enumerate(chunk):
                owner, _, repo = full_name.partition("/")
                variables[f"owner{i}"], variables[f"name{i}"] = owner, repo
            data = self._graphql(q.repositories_by_name(len(chunk)), variables)
            for i, full_name in enumerate(chunk):
                node = data.get(f"r{i}")
                if isinstance(node, Mapping):
                    nodes.append(q.parse_repository(node, origin=self.name))
                else:
                    missing.append(full_name)
        snapshots, removed = self._snapshots(nodes, known={})
        removed += [project_key(f"{self.web_url}/{name}", name, self.kind) for name in missing]
        return SyncBatch(snapshots=snapshots, removed_keys=removed)

    # --- full listing ----------------------------------------------------------------------------------

    def _full_listing(self, checkpoint: dict[str, Any], memo: dict[str, Any]) -> Iterator[SyncBatch]:
        since = float(checkpoint.get("since") or self._clock())
        cursor: str | None = checkpoint.get("cursor")
        if "cursor" not in checkpoint:  # a fresh listing, not a resumed one
            memo["complete"] = False
            memo["repos"] = {}
        known: dict[str, list[Any]] = memo.setdefault("repos", {})
        self._teams = None  # team membership is re-read once per full listing
        self._page_size = self._initial_page_size
        pulls = self._open_pull_requests()

        while True:
            connection = self._repositories_page(cursor)
            nodes = [q.parse_repository(n, origin=self.name) for n in connection.get("nodes") or [] if n]
            self._complete_issues(nodes)
            teams = self._team_members() if any(self._names_our_teams(n) for n in nodes) else {}
            snapshots = [
                RepoSnapshot(
                    project=n.record,
                    issues=n.issues,
                    pull_requests=q.merge_pull_requests(n, pulls.get(n.record.full_name.lower())),
                    owners=q.owners_from(n.codeowners, teams),
                )
                for n in nodes
                if self._wanted(n)
            ]
            for n in nodes:
                known[n.node_id] = n.memo_entry()
            page_info = connection.get("pageInfo") or {}
            cursor = page_info.get("endCursor") or cursor
            last = not page_info.get("hasNextPage")
            if last:
                self._finish_full_listing(memo, since, int(connection.get("totalCount") or len(known)))
            yield SyncBatch(
                snapshots=snapshots,
                checkpoint={"phase": "repos", "cursor": cursor, "since": since},
                listing_complete=last,
            )
            if last:
                return

    def _repositories_page(self, cursor: str | None) -> Mapping[str, Any]:
        while True:
            variables = {
                "org": self.org,
                "cursor": cursor,
                "pageSize": self._page_size,
                "labels": list(self.labels),
            }
            try:
                data = self._graphql(q.ORG_REPOSITORIES, variables)
            except ForgeError as exc:
                if self._page_size <= MIN_PAGE_SIZE or not getattr(exc, "retryable", True):
                    raise
                self._page_size = max(MIN_PAGE_SIZE, self._page_size // 2)
                logger.warning("GitHub %s: %s; retrying with pages of %d", self.org, exc, self._page_size)
                continue
            organization = data.get("organization")
            if not isinstance(organization, Mapping):
                raise GitHubError(f"GitHub organization {self.org!r} is not visible to this token")
            return organization["repositories"]  # type: ignore[no-any-return]

    def _finish_full_listing(self, memo: dict[str, Any], since: float, total: int) -> None:
        known: dict[str, list[Any]] = memo["repos"]
        memo["complete"] = True
        memo["total"] = total
        memo["search_since"] = since
        memo["search_seen"] = {}
        memo["newest_pushed_at"] = max((v[0] for v in known.values()), default=0)
        memo["newest_updated_at"] = max((v[1] for v in known.values()), default=0)

    def _open_pull_requests(self) -> dict[str, dict[int, PullRequestRecord]]:
        """Every open PR of the organisation with its review state, by lower-cased repository name."""
        pulls: dict[str, dict[int, PullRequestRecord]] = {}
        search = self._search(q.OPEN_PULL_REQUESTS, q.open_pull_requests_query(self.org), "created")
        for node in search:
            parsed = q.parse_pull_request(node)
            if parsed is not None:
                pulls.setdefault(parsed[0].lower(), {})[parsed[1].number] = parsed[1]
        return pulls

    # --- incremental -----------------------------------------------------------------------------------

    def _incremental(self, memo: dict[str, Any]) -> Iterator[SyncBatch]:
        started = self._clock()
        since = float(memo.get("search_since") or started) - SEARCH_OVERLAP_SECONDS
        known: dict[str, list[Any]] = memo.setdefault("repos", {})
        base_query = q.changed_items_query(self.org)
        data = self._graphql(
            q.CATALOG_DELTA, {"org": self.org, "changedQuery": _search_query(base_query, "updated", since)}
        )
        organization = data.get("organization")
        if not isinstance(organization, Mapping):
            raise GitHubError(f"GitHub organization {self.org!r} is not visible to this token")
        changed = self._changed_repositories(organization["byPushed"], "PUSHED_AT", known)
        changed |= self._changed_repositories(organization["byUpdated"], "UPDATED_AT", known)

        seen: dict[str, str] = dict(memo.get("search_seen") or {})
        items = self._search(q.CHANGED_ITEMS, base_query, "updated", lower=since, first=data["changed"])
        for item in items:
            item_id, updated = str(item.get("id") or ""), str(item.get("updatedAt") or "")
            repository = item.get("repository") or {}
            if not item_id or seen.get(item_id) == updated:
                continue  # already handled inside the overlap window
            seen[item_id] = updated
            if repository.get("id"):
                changed.add(str(repository["id"]))

        total = int(organization["byPushed"].get("totalCount") or 0)
        if memo.get("total") is not None and total != memo.get("total"):
            logger.info(
                "GitHub %s: %s repositories now, %s before; deletions show at the next full sync",
                self.org,
                total,
                memo.get("total"),
            )

        def finish() -> None:
            memo["total"] = total
            memo["search_since"] = started
            horizon = started - SEARCH_OVERLAP_SECONDS
            memo["search_seen"] = {k: v for k, v in seen.items() if q.to_epoch(v) >= horizon}
            if known:
                memo["newest_pushed_at"] = max(v[0] for v in known.values())
                memo["newest_updated_at"] = max(v[1] for v in known.values())

        ids = sorted(changed)
        if not ids:
            finish()
            yield SyncBatch(checkpoint={"phase": "delta"})
            return
        chunks = _chunks(ids, 100)
        for index, chunk in enumerate(chunks):
            data = self._graphql(q.REPOSITORIES_BY_ID, {"ids": chunk, "labels": list(self.labels)})
            found = {
                str(n["id"]): q.parse_repository(n, origin=self.name)
                for n in data.get("nodes") or []
                if isinstance(n, Mapping) and n.get("__typename") == "Repository"
            }
            nodes = list(found.values())
            snapshots, removed = self._snapshots(nodes, known=known)
            for node_id in chunk:
                if node_id in found:
                    known[node_id] = found[node_id].memo_entry()
                else:
                    known.pop(node_id, None)  # gone: the next full listing marks it removed
            if index == len(chunks) - 1:
                finish()
            yield SyncBatch(snapshots=snapshots, removed_keys=removed, checkpoint={"phase": "delta"})

    def _changed_repositories(
        self, connection: Mapping[str, Any], order: str, known: Mapping[str, list[Any]]
    ) -> set[str]:
        """Ids whose timestamps differ from what we stored; pages on while a whole page is new."""
        changed: set[str] = set()
        while True:
            nodes = [n for n in connection.get("nodes") or [] if isinstance(n, Mapping)]
            fresh = [
                str(n["id"])
                for n in nodes
                if list(q.stamp_of(n)) != list((known.get(str(n["id"])) or [None, None])[:2])
            ]
            changed.update(fresh)
            page_info = connection.get("pageInfo") or {}
            if len(fresh) < len(nodes) or not page_info.get("hasNextPage"):
                return changed
            data = self._graphql(
                q.REPOSITORY_STAMPS, {"org": self.org, "order": order, "cursor": page_info.get("endCursor")}
            )
            connection = data["organization"]["repositories"]

    # --- assembling snapshots for re-fetched repositories ---------------------------------------------

    def _snapshots(
        self, nodes: list[q.RepoNode], *, known: Mapping[str, list[Any]]
    ) -> tuple[list[RepoSnapshot], list[str]]:
        """Snapshots with issues, PR details and owners; plus keys of repositories the topic now excludes.

        Owners are only recomputed when CODEOWNERS changed since `known` was stored (None keeps them).
        """
        wanted = [n for n in nodes if self._wanted(n)]
        removed = [n.record.key for n in nodes if not self._wanted(n)]
        self._complete_issues(wanted)
        details = self._pull_request_details(wanted)
        recompute = [
            n for n in wanted if n.node_id not in known or str(known[n.node_id][3]) != n.codeowners_oid[:12]
        ]
        teams = self._team_members() if any(self._names_our_teams(n) for n in recompute) else {}
        recompute_ids = {n.node_id for n in recompute}
        snapshots = [
            RepoSnapshot(
                project=n.record,
                issues=n.issues,
                pull_requests=q.merge_pull_requests(n, details.get(n.record.full_name.lower())),
                owners=q.owners_from(n.codeowners, teams) if n.node_id in recompute_ids else None,
            )
            for n in wanted
        ]
        return snapshots, removed

    def _pull_request_details(self, nodes: list[q.RepoNode]) -> dict[str, dict[int, PullRequestRecord]]:
        details: dict[str, dict[int, PullRequestRecord]] = {}

        def add(node: object) -> None:
            parsed = q.parse_pull_request(node if isinstance(node, Mapping) else None)
            if parsed is not None:
                details.setdefault(parsed[0].lower(), {})[parsed[1].number] = parsed[1]

        ids = [pr_id for n in nodes if n.pull_requests_complete for pr_id in n.pull_request_ids]
        for chunk in _chunks(ids, 100):
            for node in self._graphql(q.PULL_REQUESTS_BY_ID, {"ids": chunk}).get("nodes") or []:
                add(node)
        many = [n.record.full_name for n in nodes if not n.pull_requests_complete]
        for chunk in _chunks(many, 20):
            for node in self._search(
                q.OPEN_PULL_REQUESTS, q.repository_pull_requests_query(chunk), "created"
            ):
                add(node)
        return details

    def _complete_issues(self, nodes: list[q.RepoNode]) -> None:
        """Fetch the rest of the help-wanted issues where a repository has more than the first 10."""
        by_id = {n.node_id: n for n in nodes if n.issues_total > len(n.issues)}
        for chunk in _chunks(list(by_id), 100):
            variables: dict[str, Any] = {"ids": chunk, "labels": list(self.labels), "cursor": None}
            for repo in self._graphql(q.HELP_WANTED_BY_REPOSITORY_ID, variables).get("nodes") or []:
                if not isinstance(repo, Mapping) or str(repo.get("id")) not in by_id:
                    continue
                node = by_id[str(repo["id"])]
                node.issues = []
                while True:
                    connection = repo.get("helpWanted") or {}
                    node.issues += [q.parse_issue(i) for i in q.nodes_of(connection) if i.get("number")]
                    page_info = connection.get("pageInfo") or {}
                    if not page_info.get("hasNextPage"):
                        break
                    more = {**variables, "ids": [node.node_id], "cursor": page_info.get("endCursor")}
                    repo = (self._graphql(q.HELP_WANTED_BY_REPOSITORY_ID, more).get("nodes") or [{}])[0] or {}

    # --- teams -----------------------------------------------------------------------------------------

    def _names_our_teams(self, node: q.RepoNode) -> bool:
        prefix = self.org.lower() + "/"
        return node.codeowners is not None and any(
            t.lower().startswith(prefix) for t in node.codeowners.teams
        )

    def _team_members(self) -> dict[str, list[str]]:
        """Members of every team of the organisation, by lower-cased "org/slug"; read at most hourly."""
        if self._teams is not None and self._clock() - self._teams_at < TEAMS_TTL_SECONDS:
            return self._teams
        teams: dict[str, list[str]] = {}
        cursor: str | None = None
        while True:
            data = self._graphql(q.ORG_TEAMS, {"org": self.org, "cursor": cursor})
            connection = (data.get("organization") or {}).get("teams") or {}
            page, more = q.parse_teams(q.nodes_of(connection))
            teams.update(page)
            for slug, member_cursor in more.items():
                teams[f"{self.org}/{slug}".lower()] += self._more_team_members(slug, member_cursor)
            page_info = connection.get("pageInfo") or {}
            if not page_info.get("hasNextPage"):
                break
            cursor = page_info.get("endCursor")
        self._teams, self._teams_at = teams, self._clock()
        return teams

    def _more_team_members(self, slug: str, cursor: str | None) -> list[str]:
        logins: list[str] = []
        while cursor:
            data = self._graphql(q.TEAM_MEMBERS, {"org": self.org, "slug": slug, "cursor": cursor})
            members = ((data.get("organization") or {}).get("team") or {}).get("members") or {}
            logins += [str(m["login"]) for m in q.nodes_of(members) if m.get("login")]
            page_info = members.get("pageInfo") or {}
            cursor = page_info.get("endCursor") if page_info.get("hasNextPage") else None
        return logins

    # --- search past the 1,000-result cap --------------------------------------------------------------

    def _search(
        self,
        document: str,
        base_query: str,
        sort: str,
        *,
        lower: float | None = None,
        first: Mapping[str, Any] | None = None,
    ) -> Iterator[Mapping[str, Any]]:
        """Every node of an issue search, oldest first by `sort` ("created" or "updated").

        GitHub stops a search at 1,000 results, so when a shard hits the cap the next one restarts at
        the last timestamp seen (`created:>=T`); items seen twice at the boundary are skipped.
        `first` is an already fetched first page of the first shard (the delta query carries one).
        """
        field = "createdAt" if sort == "created" else "updatedAt"
        seen: set[str] = set()
        bound = lower
        strict = False
        while True:
            query = _search_query(base_query, sort, bound, strict=strict)
            cursor: str | None = None
            fetched = 0
            last_value: str | None = None
            while True:
                if first is not None:
                    search, first = first, None
                else:
                    search = self._graphql(document, {"query": query, "cursor": cursor})["search"]
                for node in search.get("nodes") or []:
                    if not isinstance(node, Mapping):
                        continue
                    fetched += 1
                    last_value = str(node.get(field) or last_value or "")
                    node_id = str(node.get("id") or "")
                    if node_id and node_id not in seen:
                        seen.add(node_id)
                        yield node
                page_info = search.get("pageInfo") or {}
                if not page_info.get("hasNextPage"):
                    break
                cursor = page_info.get("endCursor")
            total = int(search.get("issueCount") or 0)
            if fetched < q.SEARCH_RESULT_CAP or total <= fetched or not last_value:
                return
            next_bound = float(q.to_epoch(last_value))
            strict = next_bound == bound  # a whole shard at one second: step past it
            if strict:
                logger.warning(
                    "GitHub search %r: over 1,000 results at %s; some may be missed", query, last_value
                )
            bound = next_bound

    # --- transport -------------------------------------------------------------------------------------

    def _graphql(self, document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        operation = _operation_name(document)
        for _ in range(_RATE_LIMIT_ATTEMPTS):
            response = self._http.post(
                self.graphql_url, json={"query": document, "variables": dict(variables)}
            )
            if response.status_code != 200:
                raise GitHubError(
                    f"GitHub GraphQL {operation}: HTTP {response.status_code} {_message(response)}",
                    retryable=response.status_code in (502, 503, 504),
                )
            try:
                body = response.json()
            except ValueError:
                raise GitHubError(
                    f"GitHub GraphQL {operation}: the answer is not JSON", retryable=True
                ) from None
            if not isinstance(body, Mapping):
                raise GitHubError(f"GitHub GraphQL {operation}: unexpected answer")
            data = body.get("data") if isinstance(body.get("data"), Mapping) else None
            self._note_rate_limit((data or {}).get("rateLimit"))
            errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
            if any(_is_rate_limited(e) for e in errors):
                self._wait_after_rate_limit(response, errors)
                continue
            fatal = [e for e in errors if e.get("type") != "NOT_FOUND"]
            if fatal or data is None:
                messages = "; ".join(str(e.get("message") or e.get("type") or "error") for e in fatal)
                retryable = bool(re.search(r"timeout|timed out|resource limits", messages, re.IGNORECASE))
                raise GitHubError(
                    f"GitHub GraphQL {operation}: {messages[:500] or 'no data'}", retryable=retryable
                )
            return dict(data)
        raise GitHubError(
            f"GitHub GraphQL {operation}: still rate limited after {_RATE_LIMIT_ATTEMPTS} waits"
        )

    def _note_rate_limit(self, rate: object) -> None:
        if not isinstance(rate, Mapping):
            return
        cost = rate.get("cost")
        if isinstance(cost, int):
            self.stats.graphql_points += cost
        remaining = rate.get("remaining")
        if isinstance(remaining, int):
            self.stats.rate_limit_remaining = remaining
            reset = q.to_time(rate.get("resetAt"))
            if reset is not None:
                self.stats.rate_limit_reset = reset
                if remaining <= 0:
                    self._http.note_exhausted_until(reset.timestamp())

    def _wait_after_rate_limit(self, response: httpx.Response, errors: list[Mapping[str, Any]]) -> None:
        """A 200 whose errors say "rate limited": wait for the reset (primary) or a minute (secondary)."""
        reset = response.headers.get("x-ratelimit-reset", "")
        if response.headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
            until = float(reset)
        elif self.stats.rate_limit_reset is not None and self.stats.rate_limit_remaining == 0:
            until = self.stats.rate_limit_reset.timestamp()
        else:
            until = self._clock() + 60
        logger.warning("GitHub GraphQL rate limit reached; waiting until %s", datetime.fromtimestamp(until))
        self._http.note_exhausted_until(until)

    def _wanted(self, node: q.RepoNode) -> bool:
        return self.topic is None or self.topic in (t.lower() for t in node.topics)


def _search_query(base: str, sort: str, bound: float | None, *, strict: bool = False) -> str:
    parts = [base, f"sort:{sort}-asc"]
    if bound is not None:
        parts.append(f"{sort}:{'>' if strict else '>='}{q.github_time(bound)}")
    return " ".join(parts)


def _is_rate_limited(error: Mapping[str, Any]) -> bool:
    message = str(error.get("message") or "").lower()
    return error.get("type") == "RATE_LIMITED" or "rate limit" in message


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, Mapping) else None
    return str(message)[:200] if message else ""


def _operation_name(document: str) -> str:
    match = re.search(r"\b(?:query|mutation)\s+(\w+)", document)
    return match.group(1) if match else "query"


def _chunks(items: Sequence[T] | Iterable[T], size: int) -> list[list[T]]:
    items = list(items)
    return [items[i : i + size] for i in range(0, len(items), size)]
