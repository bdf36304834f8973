"""The GitHub GraphQL documents the catalog sync sends, and how their JSON becomes records.

Every document is validated against GitHub's public schema in `tests/sources/test_github_queries_schema.py`.
Costs below use GitHub's documented formula (requests for every connection, assuming each `first`/`last`
is reached, divided by 100; at least 1 point).

- ORG_REPOSITORIES (Q1): one page of 100 repositories with everything the catalog shows: 26 points
  (2,601 requests, 2,000 of them the labels and assignees of the 10 nested help-wanted issues).
- OPEN_PULL_REQUESTS (Q2): org-wide search for open PRs with reviews and the latest activity: 4 points.
- CATALOG_DELTA (Q3): "did anything change?": newest repositories by push and by update, plus every
  issue and PR updated since the last run: 1 point, one request.
- REPOSITORIES_BY_ID (Q4) / PULL_REQUESTS_BY_ID: re-fetch what Q3 reported, up to 100 node ids.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatbot.catalog.codeowners import CODEOWNERS_PATHS, CodeOwners, parse_codeowners, pick_codeowners
from chatbot.catalog.innersource_json import read_metadata
from chatbot.catalog.portal import project_key
from chatbot.catalog.records import InnerSourceMetadata, ProjectRecord
from chatbot.clock import parse_timestamp
from chatbot.sources.base import IssueRecord, PullRequestRecord
from chatbot.sources.readme import readme_excerpt

SEARCH_RESULT_CAP = 1000  # GitHub search never returns more than this many results for one query

RATE_LIMIT = "rateLimit { cost remaining resetAt }"

REPO_CATALOG_FRAGMENT = """
fragment RepoCatalog on Repository {
  id name nameWithOwner url description
  createdAt pushedAt updatedAt
  isArchived isFork isEmpty visibility
  stargazerCount forkCount
  watchers { totalCount }
  openIssues: issues(states: OPEN) { totalCount }
  defaultBranchRef { name }
  primaryLanguage { name }
  languages(first: 10, orderBy: {field: SIZE, direction: DESC}) { edges { size node { name } } }
  repositoryTopics(first: 20) { nodes { topic { name } } }
  innersourceJson: object(expression: "HEAD:innersource.json") {
    ... on Blob { oid byteSize isBinary isTruncated text }
  }
  readme: object(expression: "HEAD:README.md") { ... on Blob { isBinary text } }
  rootTree: object(expression: "HEAD:") { ... on Tree { entries { name type } } }
  dotGithubTree: object(expression: "HEAD:.github") { ... on Tree { entries { name type } } }
  codeownersDotGithub: object(expression: "HEAD:.github/CODEOWNERS") { ... on Blob { oid text } }
  codeownersRoot: object(expression: "HEAD:CODEOWNERS") { ... on Blob { oid text } }
  codeownersDocs: object(expression: "HEAD:docs/CODEOWNERS") { ... on Blob { oid text } }
  helpWanted: issues(first: 10, states: OPEN, labels: $labels,
                     orderBy: {field: UPDATED_AT, direction: DESC}) {
    totalCount
    nodes { ...HelpWantedIssue }
  }
  openPullRequests: pullRequests(first: 10, states: OPEN, orderBy: {field: UPDATED_AT, direction: DESC}) {
    totalCount
    nodes { id number title url isDraft createdAt updatedAt author { login } }
  }
}
"""

HELP_WANTED_ISSUE_FRAGMENT = """
fragment HelpWantedIssue on Issue {
  number title url createdAt updatedAt
  author { login }
  labels(first: 8) { nodes { name } }
  assignees(first: 3) { nodes { login } }
}
"""

PULL_REQUEST_DETAILS_FRAGMENT = """
fragment PullRequestDetails on PullRequest {
  id number title url isDraft createdAt updatedAt
  repository { nameWithOwner }
  author { __typename login }
  reviewRequests(first: 10) {
    nodes { requestedReviewer { __typename ... on User { login } ... on Team { combinedSlug } } }
  }
  latestReviews(first: 10) { nodes { author { __typename login } state submittedAt } }
  responses: timelineItems(last: 10, itemTypes: [ISSUE_COMMENT, PULL_REQUEST_REVIEW]) {
    nodes {
      __typename
      ... on IssueComment { author { __typename login } createdAt }
      ... on PullRequestReview { author { __typename login } state submittedAt }
    }
  }
  pushes: timelineItems(last: 1, itemTypes: [PULL_REQUEST_COMMIT, HEAD_REF_FORCE_PUSHED_EVENT]) {
    nodes {
      __typename
      ... on PullRequestCommit { commit { committedDate } }
      ... on HeadRefForcePushedEvent { createdAt }
    }
  }
}
"""

REPO_STAMP_FRAGMENT = """
fragment RepoStamp on Repository { id nameWithOwner pushedAt updatedAt }
"""

CHANGED_ITEM_FRAGMENT = """
fragment ChangedItem on SearchResultItem {
  __typename
  ... on Issue { id updatedAt repository { id nameWithOwner } }
  ... on PullRequest { id updatedAt repository { id nameWithOwner } }
}
"""

ORG_REPOSITORIES = (
    """
query OrgRepositories($org: String!, $cursor: String, $pageSize: Int!, $labels: [String!]!) {
  """
    + RATE_LIMIT
    + """
  organization(login: $org) {
    repositories(first: $pageSize, after: $cursor, orderBy: {field: CREATED_AT, direction: ASC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoCatalog }
    }
  }
}
"""
    + REPO_CATALOG_FRAGMENT
    + HELP_WANTED_ISSUE_FRAGMENT
)

OPEN_PULL_REQUESTS = (
    """
query OpenPullRequests($query: String!, $cursor: String) {
  """
    + RATE_LIMIT
    + """
  search(type: ISSUE, query: $query, first: 100, after: $cursor) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ...PullRequestDetails }
  }
}
"""
    + PULL_REQUEST_DETAILS_FRAGMENT
)

CATALOG_DELTA = (
    """
query CatalogDelta($org: String!, $changedQuery: String!) {
  """
    + RATE_LIMIT
    + """
  organization(login: $org) {
    byPushed: repositories(first: 50, orderBy: {field: PUSHED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoStamp }
    }
    byUpdated: repositories(first: 50, orderBy: {field: UPDATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoStamp }
    }
  }
  changed: search(type: ISSUE, query: $changedQuery, first: 100) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ...ChangedItem }
  }
}
"""
    + REPO_STAMP_FRAGMENT
    + CHANGED_ITEM_FRAGMENT
)

REPOSITORY_STAMPS = (
    """
query RepositoryStamps($org: String!, $order: RepositoryOrderField!, $cursor: String) {
  """
    + RATE_LIMIT
    + """
  organization(login: $org) {
    repositories(first: 100, after: $cursor, orderBy: {field: $order, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { ...RepoStamp }
    }
  }
}
"""
    + REPO_STAMP_FRAGMENT
)

CHANGED_ITEMS = (
    """
query ChangedItems($query: String!, $cursor: String) {
  """
    + RATE_LIMIT
    + """
  search(type: ISSUE, query: $query, first: 100, after: $cursor) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ...ChangedItem }
  }
}
"""
    + CHANGED_ITEM_FRAGMENT
)

REPOSITORIES_BY_ID = (
    """
query RepositoriesById($ids: [ID!]!, $labels: [String!]!) {
  """
    + RATE_LIMIT
    + """
  nodes(ids: $ids) { __typename ...RepoCatalog }
}
"""
    + REPO_CATALOG_FRAGMENT
    + HELP_WANTED_ISSUE_FRAGMENT
)

PULL_REQUESTS_BY_ID = (
    """
query PullRequestsById($ids: [ID!]!) {
  """
    + RATE_LIMIT
    + """
  nodes(ids: $ids) { __typename ...PullRequestDetails }
}
"""
    + PULL_REQUEST_DETAILS_FRAGMENT
)

HELP_WANTED_BY_REPOSITORY_ID = (
    """
query HelpWantedIssues($ids: [ID!]!, $labels: [String!]!, $cursor: String) {
  """
    + RATE_LIMIT
    + """
  nodes(ids: $ids) {
    ... on Repository {
      id
      helpWanted: issues(first: 100, after: $cursor, states: OPEN, labels: $labels,
                         orderBy: {field: UPDATED_AT, direction: DESC}) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { ...HelpWantedIssue }
      }
    }
  }
}
"""
    + HELP_WANTED_ISSUE_FRAGMENT
)

ORG_TEAMS = (
    """
query OrgTeams($org: String!, $cursor: String) {
  """
    + RATE_LIMIT
    + """
  organization(login: $org) {
    teams(first: 100, after: $cursor) {
      pageInfo { hasNextPage endCursor }
      nodes {
        slug combinedSlug
        members(first: 100) { pageInfo { hasNextPage endCursor } nodes { login } }
      }
    }
  }
}
"""
)

TEAM_MEMBERS = (
    """
query TeamMembers($org: String!, $slug: String!, $cursor: String) {
  """
    + RATE_LIMIT
    + """
  organization(login: $org) {
    team(slug: $slug) {
      members(first: 100, after: $cursor) { pageInfo { hasNextPage endCursor } nodes { login } }
    }
  }
}
"""
)


def repositories_by_name(count: int) -> str:
    """A document with `count` aliased `repository(owner:, name:)` fields r0, r1, …"""
    if not 1 <= count <= 100:
        raise ValueError("between 1 and 100 repositories per request")
    params = "".join(f", $owner{i}: String!, $name{i}: String!" for i in range(count))
    fields = "\n".join(
        f"  r{i}: repository(owner: $owner{i}, name: $name{i}) {{ ...RepoCatalog }}" for i in range(count)
    )
    return (
        f"query RepositoriesByName($labels: [String!]!{params}) {{\n  {RATE_LIMIT}\n{fields}\n}}\n"
        + REPO_CATALOG_FRAGMENT
        + HELP_WANTED_ISSUE_FRAGMENT
    )


# --- search query strings ---------------------------------------------------------------------------


def github_time(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(int(epoch_seconds), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_pull_requests_query(org: str) -> str:
    return f"org:{org} is:pr is:open archived:false"


def repository_pull_requests_query(full_names: Iterable[str]) -> str:
    return "is:pr is:open " + " ".join(f"repo:{name}" for name in full_names)


def changed_items_query(org: str) -> str:
    return f"org:{org}"


# --- parsing -----------------------------------------------------------------------------------------


@dataclass
class RepoNode:
    """One repository from a RepoCatalog selection, parsed; PR details and owners come separately."""

    record: ProjectRecord
    topics: list[str]
    languages: list[str]
    issues: list[IssueRecord]
    issues_total: int
    pull_requests: list[PullRequestRecord]
    pull_request_ids: list[str]
    pull_requests_total: int
    codeowners: CodeOwners | None
    codeowners_oid: str = ""
    innersource_oid: str = ""
    stamp: tuple[int, int] = (0, 0)  # (pushedAt, updatedAt) as epoch seconds
    extra_findings: list[str] = field(default_factory=list)

    @property
    def node_id(self) -> str:
        return self.record.external_id

    @property
    def pull_requests_complete(self) -> bool:
        return self.pull_requests_total <= len(self.pull_requests)

    def memo_entry(self) -> list[Any]:
        """What the next sync compares with: timestamps and short blob ids."""
        return [self.stamp[0], self.stamp[1], self.innersource_oid[:12], self.codeowners_oid[:12]]


def stamp_of(node: Mapping[str, Any]) -> tuple[int, int]:
    return (to_epoch(node.get("pushedAt")), to_epoch(node.get("updatedAt")))


def parse_repository(node: Mapping[str, Any], *, origin: str) -> RepoNode:
    full_name = str(node["nameWithOwner"])
    url = str(node.get("url") or "")
    findings: list[str] = []
    meta, raw_meta, oid = read_innersource_blob(node.get("innersourceJson"), findings)

    topics = [
        str(n["topic"]["name"])
        for n in nodes_of(node.get("repositoryTopics"))
        if (n.get("topic") or {}).get("name")
    ]
    meta.topics = list(dict.fromkeys([*topics, *meta.topics]))
    languages = [
        str(e["node"]["name"]) for e in _edges(node.get("languages")) if (e.get("node") or {}).get("name")
    ]
    primary = (node.get("primaryLanguage") or {}).get("name")

    root = _tree_names(node.get("rootTree"))
    dot_github = _tree_names(node.get("dotGithubTree"))
    contributing = _find_doc("CONTRIBUTING", dot_github, root)
    if contributing:
        meta.guidelines = contributing  # else whatever innersource.json says
    candidates = {
        CODEOWNERS_PATHS[0]: _blob_text(node.get("codeownersDotGithub")),
        CODEOWNERS_PATHS[1]: _blob_text(node.get("codeownersRoot")),
        CODEOWNERS_PATHS[2]: _blob_text(node.get("codeownersDocs")),
    }
    picked = pick_codeowners(candidates)
    codeowners_oid = ""
    if picked is not None:
        blob_key = {
            CODEOWNERS_PATHS[0]: "codeownersDotGithub",
            CODEOWNERS_PATHS[1]: "codeownersRoot",
            CODEOWNERS_PATHS[2]: "codeownersDocs",
        }[picked[0]]
        codeowners_oid = str((node.get(blob_key) or {}).get("oid") or "")

    help_wanted = node.get("helpWanted") or {}
    pulls = node.get("openPullRequests") or {}
    pull_nodes = [n for n in nodes_of(pulls) if n.get("number") is not None]
    description = node.get("description")
    record = ProjectRecord(
        key=project_key(url, full_name, "github"),
        source="github",
        origin=origin,
        external_id=str(node["id"]),
        name=str(node.get("name") or full_name.rsplit("/", 1)[-1]),
        full_name=full_name,
        owner_login=full_name.split("/", 1)[0],
        html_url=url,
        description=(description if isinstance(description, str) else meta.description or "").strip(),
        language=primary or (languages[0] if languages else None) or meta.language,
        default_branch=str((node.get("defaultBranchRef") or {}).get("name") or "main"),
        stars=_int(node.get("stargazerCount")),
        forks=_int(node.get("forkCount")),
        watchers=_total(node.get("watchers")),
        subscribers=_total(node.get("watchers")),
        open_issues_count=_total(node.get("openIssues")) + _total(pulls),
        archived=node.get("isArchived") is True,
        visibility=str(node.get("visibility") or "private").lower(),
        created_at=to_time(node.get("createdAt")),
        updated_at=to_time(node.get("updatedAt")),
        pushed_at=to_time(node.get("pushedAt")),
        metadata=meta,
        raw_metadata=raw_meta,
        readme_excerpt=readme_excerpt(_blob_text(node.get("readme")) or ""),
        has_contributing=contributing is not None,
        has_communication=_find_doc("COMMUNICATION", dot_github, root) is not None,
        has_codeowners=picked is not None or "CODEOWNERS" in root or "CODEOWNERS" in dot_github,
        findings=findings,
    )
    return RepoNode(
        record=record,
        topics=topics,
        languages=languages,
        issues=[parse_issue(n) for n in nodes_of(help_wanted) if n.get("number") is not None],
        issues_total=_total(help_wanted),
        pull_requests=[_basic_pull_request(n) for n in pull_nodes],
        pull_request_ids=[str(n["id"]) for n in pull_nodes if n.get("id")],
        pull_requests_total=_total(pulls),
        codeowners=parse_codeowners(picked[1]) if picked is not None else None,
        codeowners_oid=codeowners_oid,
        innersource_oid=oid,
        stamp=stamp_of(node),
    )


def read_innersource_blob(
    blob: Mapping[str, Any] | None, findings: list[str]
) -> tuple[InnerSourceMetadata, dict[str, Any], str]:
    """innersource.json as (metadata, raw object, blob oid); problems become findings, never errors."""
    if not blob:
        return InnerSourceMetadata(), {}, ""
    oid = str(blob.get("oid") or "")
    text = blob.get("text")
    if blob.get("isBinary") or not isinstance(text, str):
        findings.append("innersource.json is binary or too large to read")
        return InnerSourceMetadata(), {}, oid
    if blob.get("isTruncated"):
        findings.append("innersource.json is too large: GitHub returned it truncated")
        return InnerSourceMetadata(), {}, oid
    try:
        raw = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) else ""
        findings.append(f"innersource.json is not valid JSON{where}")
        return InnerSourceMetadata(), {}, oid
    try:
        meta, problems = read_metadata(raw)
    except Exception as exc:  # odd shapes must never stop a sync
        findings.append(f"innersource.json could not be read ({type(exc).__name__})")
        return InnerSourceMetadata(), {}, oid
    findings.extend(f"innersource.json: {p}" for p in problems)
    return meta, dict(raw) if isinstance(raw, Mapping) else {}, oid


def parse_issue(node: Mapping[str, Any]) -> IssueRecord:
    return IssueRecord(
        number=int(node["number"]),
        title=str(node.get("title") or ""),
        url=str(node.get("url") or ""),
        labels=[str(n["name"]) for n in nodes_of(node.get("labels")) if n.get("name")],
        author=_login(node.get("author")),
        assignees=[str(n["login"]) for n in nodes_of(node.get("assignees")) if n.get("login")],
        state="open",
        created_at=to_time(node.get("createdAt")),
        updated_at=to_time(node.get("updatedAt")),
    )


def _basic_pull_request(node: Mapping[str, Any]) -> PullRequestRecord:
    created = to_time(node.get("createdAt"))
    return PullRequestRecord(
        number=int(node["number"]),
        title=str(node.get("title") or ""),
        url=str(node.get("url") or ""),
        author=_login(node.get("author")),
        draft=node.get("isDraft") is True,
        created_at=created,
        updated_at=to_time(node.get("updatedAt")),
        author_last_update_at=created,
    )


def parse_pull_request(node: Mapping[str, Any] | None) -> tuple[str, PullRequestRecord] | None:
    """A PullRequestDetails node as (repository nameWithOwner, record); None for anything else."""
    if not node or node.get("number") is None or not node.get("repository"):
        return None
    record = _basic_pull_request(node)
    author = record.author.lower()
    reviewers: list[str] = []
    for request in nodes_of(node.get("reviewRequests")):
        reviewer = request.get("requestedReviewer") or {}
        name = reviewer.get("login") or reviewer.get("combinedSlug")
        if name:
            reviewers.append(str(name))
    record.requested_reviewers = reviewers

    activity: list[tuple[datetime, Mapping[str, Any] | None]] = []
    for review in nodes_of(node.get("latestReviews")):
        activity.append((to_time(review.get("submittedAt")) or _NEVER, review.get("author")))
    for item in nodes_of(node.get("responses")):
        if item.get("__typename") == "PullRequestReview" and item.get("state") == "PENDING":
            continue
        at = to_time(item.get("submittedAt") or item.get("createdAt"))
        activity.append((at or _NEVER, item.get("author")))
    responses = [
        (at, actor)
        for at, actor in activity
        if at is not _NEVER and _login(actor).lower() != author and not _is_bot(actor)
    ]
    if responses:
        at, actor = max(responses, key=lambda pair: pair[0])
        record.last_response_at, record.last_response_by = at, _login(actor)

    author_updates = [at for at, actor in activity if at is not _NEVER and _login(actor).lower() == author]
    for item in nodes_of(node.get("pushes")):
        at = to_time((item.get("commit") or {}).get("committedDate") or item.get("createdAt"))
        if at is not None:
            author_updates.append(at)
    if record.created_at is not None:
        author_updates.append(record.created_at)
    record.author_last_update_at = max(author_updates) if author_updates else None
    return str(node["repository"]["nameWithOwner"]), record


def merge_pull_requests(
    node: RepoNode, details: Mapping[int, PullRequestRecord] | None
) -> list[PullRequestRecord]:
    """The repository's open PRs: details where we have them, the listing's basics otherwise.

    The nested listing (first 10) is the fresher word on what is open; the search index can lag.
    Past 10 open PRs the listing is incomplete and the search results fill in the rest.
    """
    details = details or {}
    merged = {pr.number: details.get(pr.number, pr) for pr in node.pull_requests}
    if not node.pull_requests_complete:
        for number, pr in details.items():
            merged.setdefault(number, pr)
    return sorted(merged.values(), key=lambda pr: pr.number)


def parse_teams(nodes: Iterable[Mapping[str, Any]]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Team members by lower-cased "org/slug", and the teams whose member list continues (slug -> cursor)."""
    teams: dict[str, list[str]] = {}
    more: dict[str, str] = {}
    for team in nodes:
        if not team or not team.get("combinedSlug"):
            continue
        members = team.get("members") or {}
        teams[str(team["combinedSlug"]).lower()] = [
            str(m["login"]) for m in nodes_of(members) if m.get("login")
        ]
        info = members.get("pageInfo") or {}
        if info.get("hasNextPage") and info.get("endCursor"):
            more[str(team["slug"])] = str(info["endCursor"])
    return teams, more


def owners_from(codeowners: CodeOwners | None, teams: Mapping[str, list[str]]) -> dict[str, str]:
    """CODEOWNERS users plus the members of the teams it names, as {login: "codeowner"}."""
    owners: dict[str, str] = {}
    if codeowners is None:
        return owners
    seen: set[str] = set()
    logins = [*codeowners.users, *(m for t in codeowners.teams for m in teams.get(t.lower(), []))]
    for login in logins:
        if login.lower() not in seen:
            seen.add(login.lower())
            owners[login] = "codeowner"
    return owners


# --- small helpers -----------------------------------------------------------------------------------

_NEVER = datetime.min.replace(tzinfo=UTC)


def nodes_of(connection: object) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        return []
    return [n for n in connection.get("nodes") or [] if isinstance(n, Mapping)]


def _edges(connection: object) -> list[Mapping[str, Any]]:
    if not isinstance(connection, Mapping):
        return []
    return [e for e in connection.get("edges") or [] if isinstance(e, Mapping)]


def _total(connection: object) -> int:
    return _int(connection.get("totalCount")) if isinstance(connection, Mapping) else 0


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def to_time(value: object) -> datetime | None:
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def to_epoch(value: object) -> int:
    moment = to_time(value)
    return int(moment.timestamp()) if moment else 0


def _login(actor: object) -> str:
    if isinstance(actor, Mapping) and isinstance(actor.get("login"), str):
        return str(actor["login"])
    return ""


def _is_bot(actor: object) -> bool:
    if not isinstance(actor, Mapping):
        return True  # a deleted account ("ghost") is no response either
    return actor.get("__typename") == "Bot" or _login(actor).endswith("[bot]")


def _blob_text(blob: object) -> str | None:
    if isinstance(blob, Mapping) and isinstance(blob.get("text"), str) and not blob.get("isBinary"):
        return str(blob["text"])
    return None


def _tree_names(tree: object) -> list[str]:
    if not isinstance(tree, Mapping):
        return []
    return [str(e["name"]) for e in tree.get("entries") or [] if isinstance(e, Mapping) and e.get("name")]


def _find_doc(stem: str, dot_github: list[str], root: list[str]) -> str | None:
    """Path of e.g. CONTRIBUTING(.md|.rst|…) in .github/ or the root, in GitHub's order of preference."""
    for prefix, names in ((".github/", dot_github), ("", root)):
        for name in names:
            if name.upper().split(".", 1)[0] == stem:
                return prefix + name
    return None
