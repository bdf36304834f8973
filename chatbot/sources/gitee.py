"""Gitee (gitee.com OpenAPI v5) as a catalog source: the repositories of one organisation.

Gitee has no "changed since" filter on repository lists, so every run lists the whole organisation
(⌈repos/100⌉ requests) and is therefore a complete listing: deleted repositories are noticed on every
run. Per repository (root contents listing, `innersource.json` when its sha changed, CODEOWNERS when
its sha changed, open issues once per label, open pulls) is read on full syncs, and on incremental ones
only for repositories whose `pushed_at` / `updated_at` moved since the memo.

The token travels as the `access_token` query parameter, as Gitee wants; it is kept out of errors
(ForgeHttp) and out of httpx's own request log lines (the filter below).
"""

import base64
import binascii
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from chatbot.catalog.portal import project_key
from chatbot.catalog.records import ProjectRecord
from chatbot.sources.base import (
    DEFAULT_HELP_WANTED_LABELS,
    IssueRecord,
    PullRequestRecord,
    RepoSnapshot,
    RequestStats,
    SyncBatch,
)
from chatbot.sources.http import ForgeError, ForgeHttp
from chatbot.sources.payloads import (
    FileFacts,
    as_list,
    codeowners_logins,
    count,
    describe_files,
    has_topic,
    iso,
    label_names,
    login_of,
    logins_of,
    read_innersource_json,
    read_readme,
    text,
    when,
)

PER_PAGE = 100
ARCHIVED_STATUSES = {"关闭", "已关闭", "closed", "archived", "已归档"}


class GiteeSource:
    kind = "gitee"

    def __init__(
        self,
        name: str,
        org: str,
        token: str,
        *,
        url: str = "https://gitee.com/api",
        topic: str | None = None,
        labels: Collection[str] = DEFAULT_HELP_WANTED_LABELS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.org = org.strip().strip("/")
        self.url = url.rstrip("/")
        self.topic = topic or None
        self.labels = tuple(labels)
        self.stats = RequestStats()
        self._clock = clock
        self._http = ForgeHttp(
            self.url,
            params={"access_token": token},
            transport=transport,
            stats=self.stats,
            sleep=sleep,
            clock=clock,
        )

    def close(self) -> None:
        self._http.close()

    def sync(self, checkpoint: dict[str, Any], memo: dict[str, Any], *, full: bool) -> Iterator[SyncBatch]:
        self.stats.requests = 0
        self.stats.waited_seconds = 0.0
        run = str(checkpoint.get("run") or iso(self._clock()))
        page = int(checkpoint.get("page") or 1)
        if page <= 0:
            return
        if not isinstance(memo.get("repos"), dict):
            memo["repos"] = {}
        known: dict[str, Any] = memo["repos"]
        listing = f"v5/orgs/{quote(self.org, safe='')}/repos"
        for repos, next_page in self._pages(listing, {"type": "all"}, page, missing_ok=False):
            batch = SyncBatch(checkpoint={"run": run, "page": next_page or 0})
            for repo in repos:
                if (
                    not isinstance(repo, Mapping)
                    or repo.get("id") is None
                    or "/" not in text(repo.get("full_name"))
                ):
                    continue
                if has_topic(_topics(repo), self.topic):
                    batch.snapshots.append(self._snapshot(repo, known, full=full, run=run))
            if next_page is None:
                batch.listing_complete = True  # every run lists the whole organisation
                for rid, entry in list(known.items()):
                    if not isinstance(entry, Mapping) or entry.get("run") != run:
                        known.pop(rid)
            yield batch

    # --- one repository ---

    def _snapshot(
        self, repo: Mapping[str, Any], known: dict[str, Any], *, full: bool, run: str
    ) -> RepoSnapshot:
        rid = str(repo["id"])
        entry = known.get(rid)
        entry = entry if isinstance(entry, Mapping) else None
        previous = FileFacts.from_memo(entry.get("files")) if entry else None
        stamp = [repo.get("pushed_at"), repo.get("updated_at")]
        owner, name = text(repo["full_name"]).split("/", 1)
        issues: list[IssueRecord] | None = None
        pulls: list[PullRequestRecord] | None = None
        owners: dict[str, str] | None = None
        if full or entry is None or previous is None or entry.get("stamp") != stamp:
            facts, owners = self._read_files(owner, name, previous)
            issues = self._issues(owner, name)
            pulls = self._pulls(owner, name)
        else:
            facts = previous
        snapshot = RepoSnapshot(self._record(repo, facts), issues=issues, pull_requests=pulls, owners=owners)
        known[rid] = {"key": snapshot.project.key, "stamp": stamp, "files": facts.to_memo(), "run": run}
        return snapshot

    def _record(self, repo: Mapping[str, Any], facts: FileFacts) -> ProjectRecord:
        findings: list[str] = []
        full_name = text(repo["full_name"])
        html_url = text(repo.get("html_url")).removesuffix(".git")  # Gitee links the clone URL
        namespace = repo.get("namespace")
        owner = text(namespace.get("path")) if isinstance(namespace, Mapping) else ""
        empty = not text(repo.get("pushed_at"))  # never pushed to
        meta, raw, file_findings = describe_files(facts, _topics(repo), empty=empty)
        status = text(repo.get("status")).lower()
        return ProjectRecord(
            key=project_key(html_url, full_name, "gitee"),
            source="gitee",
            origin=self.name,
            external_id=str(repo["id"]),
            name=text(repo.get("path")) or full_name.rsplit("/", 1)[-1],
            full_name=full_name,
            owner_login=owner or full_name.split("/", 1)[0],
            html_url=html_url,
            description=text(repo.get("description")) or meta.description,
            language=text(repo.get("language")) or meta.language,
            default_branch=text(repo.get("default_branch")) or "master",
            stars=count(repo.get("stargazers_count")),
            forks=count(repo.get("forks_count")),
            watchers=count(repo.get("watchers_count")),
            open_issues_count=count(repo.get("open_issues_count")),
            archived=repo.get("archived") is True or status in ARCHIVED_STATUSES,
            visibility=_visibility(repo),
            created_at=when(repo.get("created_at"), "created_at", findings),
            updated_at=when(repo.get("updated_at"), "updated_at", findings),
            pushed_at=when(repo.get("pushed_at"), "pushed_at", findings),
            metadata=meta,
            raw_metadata=raw,
            readme_excerpt=facts.readme_excerpt,
            has_contributing=facts.contributing is not None,
            has_communication=facts.has_communication,
            has_codeowners=facts.has_codeowners,
            findings=[*file_findings, *findings],
        )

    def _read_files(
        self, owner: str, name: str, previous: FileFacts | None
    ) -> tuple[FileFacts, dict[str, str] | None]:
        response = self._get(f"{_repo_path(owner, name)}/contents/%2F", missing_ok=True)
        entries = as_list(_json(response)) if response is not None else []
        files = {
            e["name"]: e
            for e in entries
            if isinstance(e, Mapping) and e.get("type") == "file" and isinstance(e.get("name"), str)
        }
        facts = FileFacts()
        facts.note_root_names(files)
        read_readme(facts, files, "sha", previous, lambda path: self._file(owner, name, path))
        if "innersource.json" in files:
            sha = str(files["innersource.json"].get("sha"))
            facts.ids["innersource.json"] = sha
            if previous is not None and previous.ids.get("innersource.json") == sha:
                facts.metadata, facts.findings = previous.metadata, list(previous.findings)
            else:
                facts.metadata, facts.findings = read_innersource_json(
                    self._file(owner, name, "innersource.json")
                )
        before = previous.ids.get("CODEOWNERS") if previous else None
        if "CODEOWNERS" not in files:
            return facts, {} if previous is None or before else None
        sha = str(files["CODEOWNERS"].get("sha"))
        facts.has_codeowners = True
        facts.ids["CODEOWNERS"] = sha
        if sha == before:
            return facts, None
        content = self._file(owner, name, "CODEOWNERS") or b""
        logins = codeowners_logins(content.decode("utf-8", "replace"), groups={self.org})
        return facts, {login: "codeowner" for login in logins}

    def _file(self, owner: str, name: str, path: str) -> bytes | None:
        response = self._get(f"{_repo_path(owner, name)}/contents/{quote(path, safe='')}", missing_ok=True)
        body = _json(response) if response is not None else None
        if not isinstance(body, Mapping) or not isinstance(body.get("content"), str):
            return None  # Gitee answers a missing file with 404 or with an empty list
        try:
            return base64.b64decode(body["content"])
        except (binascii.Error, ValueError):
            return b"\xff"  # reported as "not UTF-8 text"

    def _issues(self, owner: str, name: str) -> list[IssueRecord]:
        found: dict[int, IssueRecord] = {}
        for label in self.labels:
            params = {"state": "open", "labels": label, "sort": "created", "direction": "desc"}
            for items, _next in self._pages(f"{_repo_path(owner, name)}/issues", params):
                for issue in items:
                    record = _issue(issue)
                    if record is not None:
                        found[record.number] = record
        return list(found.values())

    def _pulls(self, owner: str, name: str) -> list[PullRequestRecord]:
        pulls: list[PullRequestRecord] = []
        for items, _next in self._pages(f"{_repo_path(owner, name)}/pulls", {"state": "open"}):
            for pull in items:
                number = pull.get("number") if isinstance(pull, Mapping) else None
                if not isinstance(number, int) or isinstance(number, bool):
                    continue
                findings: list[str] = []
                pulls.append(
                    PullRequestRecord(
                        number=number,
                        title=text(pull.get("title")),
                        url=text(pull.get("html_url")),
                        author=login_of(pull.get("user")),
                        draft=pull.get("draft") is True,
                        requested_reviewers=logins_of(pull.get("assignees")),
                        created_at=when(pull.get("created_at"), "created_at", findings),
                        updated_at=when(pull.get("updated_at"), "updated_at", findings),
                    )
                )
        return pulls

    # --- HTTP ---

    def _pages(
        self, path: str, params: Mapping[str, Any], page: int = 1, *, missing_ok: bool = True
    ) -> Iterator[tuple[list[Any], int | None]]:
        while True:
            response = self._get(path, {**params, "page": page, "per_page": PER_PAGE}, missing_ok=missing_ok)
            if response is None:
                yield [], None
                return
            items = as_list(_json(response))
            total = response.headers.get("total_page", "").strip()
            more = page < int(total) if total.isdigit() else len(items) >= PER_PAGE
            yield items, page + 1 if more else None
            if not more:
                return
            page += 1

    def _get(
        self, path: str, params: Mapping[str, Any] | None = None, *, missing_ok: bool = False
    ) -> httpx.Response | None:
        response = self._http.get(path, params=params)
        status = response.status_code
        if missing_ok and status in (403, 404):
            return None  # one repository's part we cannot read: not worth stopping the sync for
        if status == 401:
            raise ForgeError(f"Gitee refused the access token for GET {path} (HTTP 401)")
        if status >= 400:
            raise ForgeError(f"Gitee answered GET {path} with HTTP {status}")
        return response


def _repo_path(owner: str, name: str) -> str:
    return f"v5/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ForgeError(f"Gitee sent something that is not JSON for {response.url.path}") from exc


def _topics(repo: Mapping[str, Any]) -> list[str]:
    return label_names(repo.get("project_labels"))


def _visibility(repo: Mapping[str, Any]) -> str:
    if repo.get("private") is True:
        return "private"
    if repo.get("internal") is True or repo.get("public") == 2:
        return "internal"
    return "public"


def _issue(issue: Any) -> IssueRecord | None:
    if not isinstance(issue, Mapping):
        return None
    # Gitee issue numbers are idents such as "I4ABCD"; the numeric id stands in for them.
    number = issue.get("number")
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    elif not isinstance(number, int) or isinstance(number, bool):
        number = issue.get("id")
    if not isinstance(number, int) or isinstance(number, bool):
        return None
    assignee = login_of(issue.get("assignee"))
    findings: list[str] = []
    return IssueRecord(
        number=number,
        title=text(issue.get("title")),
        url=text(issue.get("html_url")),
        labels=label_names(issue.get("labels")),
        author=login_of(issue.get("user")),
        assignees=[assignee] if assignee else [],
        state="open",
        created_at=when(issue.get("created_at"), "created_at", findings),
        updated_at=when(issue.get("updated_at"), "updated_at", findings),
    )
