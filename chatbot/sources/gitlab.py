"""GitLab (gitlab.com or self-managed) as a catalog source: one group and its subgroups, REST v4.

Requests per run:

- full: ⌈projects/100⌉ listing pages, then per project one root tree call (plus `docs/` or `.gitlab/`
  when CODEOWNERS may live there and the directory changed), `innersource.json` and CODEOWNERS only
  when their blob ids changed, languages only when `last_activity_at` changed; the group's open
  issues once per label and open merge requests once; MR notes only for MRs updated since last seen.
- incremental, nothing changed: 3 (projects with `last_activity_after`, issues and MRs with
  `updated_after`). Open issue / MR lists are listed again only when one of them changed.

GitLab writes `last_activity_at` at most once an hour per project, so an incremental run can miss a
push made within the hour after other activity; the next full sync catches it (it reads every tree).
Deleted projects are noticed by full syncs only (and by incremental ones when an issue or MR of the
project changed).
"""

import logging
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeGuard
from urllib.parse import quote

import httpx

from chatbot.catalog.portal import project_key
from chatbot.catalog.records import ProjectRecord
from chatbot.clock import parse_timestamp
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
    Json,
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

logger = logging.getLogger(__name__)

PER_PAGE = 100
NOTES_PER_MR = 20
OVERLAP = timedelta(minutes=10)
CODEOWNERS_DIRS = ("docs", ".gitlab")  # after the root, in GitLab's order
BOT_LOGIN = re.compile(r"^(project|group)_\d+_bot(_\w+)?$|[-_]bot$|\[bot\]$|^ghost$", re.IGNORECASE)


@dataclass(frozen=True)
class Responses:
    last_response_at: datetime | None = None
    last_response_by: str | None = None
    author_last_update_at: datetime | None = None

    def to_memo(self) -> list[str | None]:
        return [
            self.last_response_at.isoformat() if self.last_response_at else None,
            self.last_response_by,
            self.author_last_update_at.isoformat() if self.author_last_update_at else None,
        ]

    @classmethod
    def from_memo(cls, value: list[Any]) -> "Responses":
        at, by, author_at = [*value, None, None, None][:3]
        return cls(_parsed(at), by if isinstance(by, str) else None, _parsed(author_at))


def _parsed(value: object) -> datetime | None:
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def is_bot(user: object) -> bool:
    if isinstance(user, Mapping) and user.get("bot") is True:
        return True
    return bool(BOT_LOGIN.search(login_of(user)))


def responses(notes: list[Any], author: str) -> Responses:
    """The last response by someone other than the author (no system notes, no bots), and the author's
    last activity (their notes, and system notes such as "added 2 commits" made by them)."""
    last_at: datetime | None = None
    last_by: str | None = None
    author_at: datetime | None = None
    for note in notes:
        if not isinstance(note, Mapping):
            continue
        created = _parsed(note.get("created_at"))
        if created is None:
            continue
        by = login_of(note.get("author"))
        if by and by == author:
            author_at = max(author_at, created) if author_at else created
        elif (
            by
            and not note.get("system")
            and not is_bot(note.get("author"))
            and (last_at is None or created > last_at)
        ):
            last_at, last_by = created, by
    return Responses(last_at, last_by, author_at)


# --- the source ----------------------------------------------------------------------------------


@dataclass
class _Lists:
    """Open labelled issues and open MRs of the group by project id, when listed this run."""

    issues: dict[str, list[IssueRecord]] | None = None
    issue_stamps: dict[str, dict[str, str]] = field(default_factory=dict)
    mrs: dict[str, list[Mapping[str, Any]]] | None = None
    changed_issue_projects: set[str] = field(default_factory=set)
    changed_mr_projects: set[str] = field(default_factory=set)


class GitLabSource:
    kind = "gitlab"

    def __init__(
        self,
        name: str,
        group: str,
        token: str,
        *,
        url: str = "https://gitlab.com",
        topic: str | None = None,
        labels: Collection[str] = DEFAULT_HELP_WANTED_LABELS,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.group = group.strip().strip("/")
        self.url = url.rstrip("/")
        self.topic = topic or None
        self.labels = tuple(labels)
        self.stats = RequestStats()
        self._clock = clock
        self._http = ForgeHttp(
            f"{self.url}/api/v4",
            headers={"PRIVATE-TOKEN": token},
            transport=transport,
            stats=self.stats,
            sleep=sleep,
            clock=clock,
        )

    def close(self) -> None:
        self._http.close()

    # --- the run ---

    def sync(self, checkpoint: dict[str, Any], memo: dict[str, Any], *, full: bool) -> Iterator[SyncBatch]:
        self.stats.requests = 0
        self.stats.waited_seconds = 0.0
        run = str(checkpoint.get("run") or iso(self._clock()))
        page = int(checkpoint.get("page") or 1)
        if page <= 0:
            return  # the run finished; only the orchestrator's last write was missing
        since_text = memo.get("since")
        since = _parsed(since_text) if isinstance(since_text, str) else None
        full = full or since is None
        after = None if since is None or full else iso(since.timestamp() - OVERLAP.total_seconds())
        for key in ("projects", "issues", "mrs"):
            if not isinstance(memo.get(key), dict):
                memo[key] = {}
        lists = self._open_lists(memo, after)
        listed: set[str] = set()
        for projects, next_page in self._project_pages(after, page):
            batch = SyncBatch(checkpoint={"run": run, "page": next_page or 0})
            for project in projects:
                self._add(batch, project, memo, lists, full=full, run=run, listed=listed)
            if next_page is None:
                if full:
                    batch.listing_complete = True
                    _forget_unseen(memo, run)
                else:
                    self._add_changed_elsewhere(batch, memo, lists, run=run, listed=listed)
                memo["since"] = run
            yield batch

    def _add(
        self,
        batch: SyncBatch,
        project: Json,
        memo: dict[str, Any],
        lists: _Lists,
        *,
        full: bool,
        run: str,
        listed: set[str],
    ) -> None:
        if not isinstance(project, Mapping) or project.get("id") is None:
            return
        pid = str(project["id"])
        listed.add(pid)
        known = memo["projects"].get(pid)
        gone = project.get("marked_for_deletion_at") or project.get("marked_for_deletion_on")
        if gone or not has_topic(_topics(project), self.topic):
            if isinstance(known, Mapping):
                batch.removed_keys.append(str(known.get("key")))
                _forget(memo, pid)
            return
        batch.snapshots.append(self._snapshot(project, memo, lists, full=full, run=run))

    def _add_changed_elsewhere(
        self, batch: SyncBatch, memo: dict[str, Any], lists: _Lists, *, run: str, listed: set[str]
    ) -> None:
        """Projects whose issues or MRs changed although the project did not show up as changed."""
        pending = (lists.changed_issue_projects | lists.changed_mr_projects) - listed
        for pid in sorted(pending):
            known = memo["projects"].get(pid)
            if not isinstance(known, Mapping):
                continue
            response = self._get(f"projects/{pid}", missing_ok=True)
            if response is None:
                batch.removed_keys.append(str(known.get("key")))
                _forget(memo, pid)
                continue
            self._add(batch, _json(response), memo, lists, full=False, run=run, listed=listed)

    # --- one project ---

    def _snapshot(
        self, project: Mapping[str, Any], memo: dict[str, Any], lists: _Lists, *, full: bool, run: str
    ) -> RepoSnapshot:
        pid = str(project["id"])
        known = memo["projects"].get(pid)
        known = known if isinstance(known, Mapping) else None
        previous = FileFacts.from_memo(known.get("files")) if known else None
        activity = str(project.get("last_activity_at") or "")
        changed = known is None or known.get("activity") != activity
        branch = text(project.get("default_branch"))
        empty = project.get("empty_repo") is True or not branch
        owners: dict[str, str] | None = None
        if empty:
            facts = FileFacts()
            owners = {} if previous is None or previous.has_codeowners else None
        elif full or changed or previous is None:
            facts, owners = self._read_files(pid, branch, previous)
        else:
            facts = previous
        language = known.get("language") if known else None
        if (changed or known is None) and not empty:
            language = self._language(pid)
        record = self._record(project, facts, language if isinstance(language, str) else None, empty=empty)
        memo["projects"][pid] = {
            "key": record.key,
            "activity": activity,
            "language": record.language,
            "files": facts.to_memo(),
            "run": run,
        }
        snapshot = RepoSnapshot(project=record, owners=owners)
        if lists.issues is not None and (full or known is None or pid in lists.changed_issue_projects):
            snapshot.issues = lists.issues.get(pid, [])
            _set_or_drop(memo["issues"], pid, lists.issue_stamps.get(pid, {}))
        if lists.mrs is not None and (full or known is None or pid in lists.changed_mr_projects):
            snapshot.pull_requests = self._pull_requests(pid, lists.mrs.get(pid, []), memo)
        return snapshot

    def _record(
        self, project: Mapping[str, Any], facts: FileFacts, language: str | None, *, empty: bool
    ) -> ProjectRecord:
        findings: list[str] = []
        full_name = text(project.get("path_with_namespace")) or str(project["id"])
        web_url = text(project.get("web_url"))
        namespace = project.get("namespace")
        owner = text(namespace.get("full_path")) if isinstance(namespace, Mapping) else ""
        meta, raw, file_findings = describe_files(facts, _topics(project), empty=empty)
        activity = when(project.get("last_activity_at"), "last_activity_at", findings)
        visibility = text(project.get("visibility")) or "internal"
        return ProjectRecord(
            key=project_key(web_url, full_name, "gitlab"),
            source="gitlab",
            origin=self.name,
            external_id=str(project["id"]),
            name=text(project.get("path")) or full_name.rsplit("/", 1)[-1],
            full_name=full_name,
            owner_login=owner or full_name.rsplit("/", 1)[0],
            html_url=web_url,
            description=text(project.get("description")) or meta.description,
            language=language or meta.language,
            default_branch=text(project.get("default_branch")) or "main",
            stars=count(project.get("star_count")),
            forks=count(project.get("forks_count")),
            open_issues_count=count(project.get("open_issues_count")),
            archived=project.get("archived") is True,
            visibility=visibility,
            created_at=when(project.get("created_at"), "created_at", findings),
            updated_at=activity,
            pushed_at=activity,
            metadata=meta,
            raw_metadata=raw,
            readme_excerpt=facts.readme_excerpt,
            has_contributing=facts.contributing is not None,
            has_communication=facts.has_communication,
            has_codeowners=facts.has_codeowners,
            findings=[*file_findings, *findings],
        )

    def _read_files(
        self, pid: str, branch: str, previous: FileFacts | None
    ) -> tuple[FileFacts, dict[str, str] | None]:
        entries = self._tree(pid, branch, None)
        blobs = {e["name"]: e for e in entries if e.get("type") == "blob"}
        trees = {e["name"]: e for e in entries if e.get("type") == "tree"}
        facts = FileFacts()
        facts.note_root_names(blobs)
        read_readme(facts, blobs, "id", previous, lambda path: self._raw(pid, path, branch))
        innersource = blobs.get("innersource.json")
        if innersource is not None:
            blob = str(innersource.get("id"))
            facts.ids["innersource.json"] = blob
            if previous is not None and previous.ids.get("innersource.json") == blob:
                facts.metadata, facts.findings = previous.metadata, list(previous.findings)
            else:
                content = self._raw(pid, "innersource.json", branch)
                facts.metadata, facts.findings = read_innersource_json(content)
        owners = self._codeowners(pid, branch, blobs, trees, previous, facts)
        return facts, owners

    def _codeowners(
        self,
        pid: str,
        branch: str,
        blobs: Mapping[str, Mapping[str, Any]],
        trees: Mapping[str, Mapping[str, Any]],
        previous: FileFacts | None,
        facts: FileFacts,
    ) -> dict[str, str] | None:
        before = previous.ids.get("CODEOWNERS") if previous else None  # "path@blob id"
        found: str | None = None
        if "CODEOWNERS" in blobs:
            found = f"CODEOWNERS@{blobs['CODEOWNERS'].get('id')}"
        else:
            for directory in CODEOWNERS_DIRS:
                entry = trees.get(directory)
                if entry is None:
                    continue
                tree_id = str(entry.get("id"))
                facts.ids[f"{directory}/"] = tree_id
                if previous is not None and previous.ids.get(f"{directory}/") == tree_id:
                    if before and before.startswith(f"{directory}/"):
                        found = before
                        break
                    continue
                for sub in self._tree(pid, branch, directory):
                    if sub.get("type") == "blob" and sub.get("name") == "CODEOWNERS":
                        found = f"{directory}/CODEOWNERS@{sub.get('id')}"
                        break
                if found:
                    break
        if found is None:
            return {} if previous is None or before else None
        facts.has_codeowners = True
        facts.ids["CODEOWNERS"] = found
        if found == before:
            return None
        content = self._raw(pid, found.rsplit("@", 1)[0], branch) or b""
        groups = {self.group.split("/", 1)[0]}
        logins = codeowners_logins(content.decode("utf-8", "replace"), groups=groups)
        return {login: "codeowner" for login in logins}

    def _tree(self, pid: str, branch: str, path: str | None) -> list[Mapping[str, Any]]:
        params: dict[str, Any] = {"ref": branch, "per_page": PER_PAGE}
        if path:
            params["path"] = path
        entries: list[Mapping[str, Any]] = []
        for items, _next in self._pages(f"projects/{pid}/repository/tree", params, missing_ok=True):
            entries += [e for e in items if isinstance(e, Mapping) and isinstance(e.get("name"), str)]
        return entries

    def _raw(self, pid: str, path: str, branch: str) -> bytes | None:
        response = self._get(
            f"projects/{pid}/repository/files/{quote(path, safe='')}/raw", {"ref": branch}, missing_ok=True
        )
        return None if response is None else response.content

    def _language(self, pid: str) -> str | None:
        response = self._get(f"projects/{pid}/languages", missing_ok=True)
        shares = _json(response) if response is not None else None
        if not isinstance(shares, Mapping):
            return None
        ranked = [(v, k) for k, v in shares.items() if isinstance(v, int | float) and isinstance(k, str)]
        return max(ranked)[1] if ranked else None

    # --- issues and merge requests ---

    def _open_lists(self, memo: dict[str, Any], after: str | None) -> _Lists:
        lists = _Lists()
        group = quote(self.group, safe="")
        if after is None or self._issues_changed(group, memo, after):
            lists.issues, lists.issue_stamps = self._open_issues(group)
            if after is not None:
                stored = memo["issues"]
                lists.changed_issue_projects = {
                    pid
                    for pid in set(stored) | set(lists.issue_stamps)
                    if stored.get(pid, {}) != lists.issue_stamps.get(pid, {})
                }
        if after is None or self._mrs_changed(group, memo, after):
            lists.mrs = self._open_mrs(group)
            if after is not None:
                stored = memo["mrs"]
                lists.changed_mr_projects = {
                    pid
                    for pid in set(stored) | set(lists.mrs)
                    if _stamps(stored.get(pid, {})) != _stamps_of(lists.mrs.get(pid, []))
                }
        return lists

    def _issues_changed(self, group: str, memo: dict[str, Any], after: str) -> bool:
        wanted = {label.casefold() for label in self.labels}
        params = {"updated_after": after, "scope": "all", "per_page": PER_PAGE}
        for items, _next in self._pages(f"groups/{group}/issues", params):
            for issue in items:
                if not isinstance(issue, Mapping):
                    continue
                known = memo["issues"].get(str(issue.get("project_id")), {})
                iid = str(issue.get("iid"))
                if iid in known:
                    if known[iid] != issue.get("updated_at"):
                        return True
                elif issue.get("state") == "opened" and wanted & {
                    n.casefold() for n in label_names(issue.get("labels"))
                }:
                    return True
        return False

    def _mrs_changed(self, group: str, memo: dict[str, Any], after: str) -> bool:
        params = {"updated_after": after, "scope": "all", "per_page": PER_PAGE}
        for items, _next in self._pages(f"groups/{group}/merge_requests", params):
            for mr in items:
                if not isinstance(mr, Mapping):
                    continue
                known = memo["mrs"].get(str(mr.get("project_id")), {})
                cached = known.get(str(mr.get("iid")))
                if cached is not None:
                    if not isinstance(cached, list) or cached[:1] != [mr.get("updated_at")]:
                        return True
                elif mr.get("state") == "opened":
                    return True
        return False

    def _open_issues(self, group: str) -> tuple[dict[str, list[IssueRecord]], dict[str, dict[str, str]]]:
        by_project: dict[str, dict[int, IssueRecord]] = {}
        stamps: dict[str, dict[str, str]] = {}
        for label in self.labels:  # `labels` means "has all of them", so one list per label
            params = {"state": "opened", "labels": label, "scope": "all", "per_page": PER_PAGE}
            for items, _next in self._pages(f"groups/{group}/issues", params):
                for issue in items:
                    record = _issue(issue)
                    if record is None:
                        continue
                    pid = str(issue["project_id"])
                    by_project.setdefault(pid, {})[record.number] = record
                    stamps.setdefault(pid, {})[str(record.number)] = str(issue.get("updated_at"))
        return {pid: list(issues.values()) for pid, issues in by_project.items()}, stamps

    def _open_mrs(self, group: str) -> dict[str, list[Mapping[str, Any]]]:
        by_project: dict[str, list[Mapping[str, Any]]] = {}
        params = {"state": "opened", "scope": "all", "per_page": PER_PAGE}
        for items, _next in self._pages(f"groups/{group}/merge_requests", params):
            for mr in items:
                if isinstance(mr, Mapping) and mr.get("project_id") is not None and _is_int(mr.get("iid")):
                    by_project.setdefault(str(mr["project_id"]), []).append(mr)
        return by_project

    def _pull_requests(
        self, pid: str, mrs: list[Mapping[str, Any]], memo: dict[str, Any]
    ) -> list[PullRequestRecord]:
        cached = memo["mrs"].get(pid, {})
        kept: dict[str, list[Any]] = {}
        records: list[PullRequestRecord] = []
        for mr in mrs:
            iid = str(mr["iid"])
            updated = mr.get("updated_at")
            hit = cached.get(iid)
            author = login_of(mr.get("author"))
            if isinstance(hit, list) and hit[:1] == [updated]:
                answer = Responses.from_memo(hit[1:])
            else:
                answer = responses(self._notes(pid, iid), author)
            kept[iid] = [updated, *answer.to_memo()]
            findings: list[str] = []
            created = when(mr.get("created_at"), "created_at", findings)
            records.append(
                PullRequestRecord(
                    number=int(mr["iid"]),
                    title=text(mr.get("title")),
                    url=text(mr.get("web_url")),
                    author=author,
                    draft=mr.get("draft") is True or mr.get("work_in_progress") is True,
                    requested_reviewers=logins_of(mr.get("reviewers")),
                    created_at=created,
                    updated_at=when(updated, "updated_at", findings),
                    author_last_update_at=answer.author_last_update_at or created,
                    last_response_at=answer.last_response_at,
                    last_response_by=answer.last_response_by,
                )
            )
        _set_or_drop(memo["mrs"], pid, kept)
        return records

    def _notes(self, pid: str, iid: str) -> list[Any]:
        params = {"sort": "desc", "order_by": "updated_at", "per_page": NOTES_PER_MR}
        response = self._get(f"projects/{pid}/merge_requests/{iid}/notes", params, missing_ok=True)
        return as_list(_json(response)) if response is not None else []

    # --- HTTP ---

    def _project_pages(self, after: str | None, page: int) -> Iterator[tuple[list[Any], int | None]]:
        params: dict[str, Any] = {"include_subgroups": "true", "with_shared": "false", "per_page": PER_PAGE}
        if after is None:
            # A complete listing in id order: activity during the run cannot move a project across pages.
            params.update(order_by="id", sort="asc")
        else:
            params.update(order_by="last_activity_at", sort="desc", last_activity_after=after)
        # No server-side `topic`: whether /groups/:id/projects honours it, and with which case rules, is
        # unverified, and an empty answer would mark every project removed. The filter runs here.
        yield from self._pages(f"groups/{quote(self.group, safe='')}/projects", params, page=page)

    def _pages(
        self, path: str, params: Mapping[str, Any], *, page: int = 1, missing_ok: bool = False
    ) -> Iterator[tuple[list[Any], int | None]]:
        while True:
            response = self._get(path, {**params, "page": page}, missing_ok=missing_ok)
            if response is None:
                yield [], None
                return
            next_page = _next_page(response)
            yield as_list(_json(response)), next_page
            if next_page is None or next_page <= page:
                return
            page = next_page

    def _get(
        self, path: str, params: Mapping[str, Any] | None = None, *, missing_ok: bool = False
    ) -> httpx.Response | None:
        response = self._http.get(path, params=params)
        status = response.status_code
        if missing_ok and status in (403, 404):
            return None  # no repository, or no access to this part of one project: not worth stopping for
        if status == 401:
            raise ForgeError(
                f"GitLab refused the token for GET {path} (HTTP 401): is it valid, with read_api?"
            )
        if status >= 400:
            raise ForgeError(f"GitLab answered GET {path} with HTTP {status}")
        return response


def _json(response: httpx.Response) -> Json:
    try:
        return response.json()
    except ValueError as exc:
        raise ForgeError(f"GitLab sent something that is not JSON for {response.url.path}") from exc


def _next_page(response: httpx.Response) -> int | None:
    value = response.headers.get("x-next-page", "").strip()
    if value.isdigit():
        return int(value)
    link = response.links.get("next", {}).get("url")
    if link:
        page = httpx.URL(link).params.get("page", "")
        if page.isdigit():
            return int(page)
    return None


def _topics(project: Mapping[str, Any]) -> list[str]:
    topics = project.get("topics")
    if not isinstance(topics, list):
        topics = project.get("tag_list")  # before GitLab 14.5
    return [t.strip() for t in topics if isinstance(t, str) and t.strip()] if isinstance(topics, list) else []


def _issue(issue: Json) -> IssueRecord | None:
    if not isinstance(issue, Mapping) or issue.get("project_id") is None:
        return None
    iid = issue.get("iid")
    if not _is_int(iid):
        return None
    findings: list[str] = []  # an odd date on an issue is dropped, not reported
    return IssueRecord(
        number=iid,
        title=text(issue.get("title")),
        url=text(issue.get("web_url")),
        labels=label_names(issue.get("labels")),
        author=login_of(issue.get("author")),
        assignees=logins_of(issue.get("assignees")),
        state="open",
        created_at=when(issue.get("created_at"), "created_at", findings),
        updated_at=when(issue.get("updated_at"), "updated_at", findings),
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _stamps(cached: Mapping[str, Any]) -> dict[str, Any]:
    return {iid: value[0] if isinstance(value, list) and value else None for iid, value in cached.items()}


def _stamps_of(mrs: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {str(mr["iid"]): mr.get("updated_at") for mr in mrs}


def _set_or_drop(store: dict[str, Any], pid: str, value: dict[str, Any]) -> None:
    if value:
        store[pid] = value
    else:
        store.pop(pid, None)


def _forget(memo: dict[str, Any], pid: str) -> None:
    for key in ("projects", "issues", "mrs"):
        memo[key].pop(pid, None)


def _forget_unseen(memo: dict[str, Any], run: str) -> None:
    for pid, entry in list(memo["projects"].items()):
        if not isinstance(entry, Mapping) or entry.get("run") != run:
            _forget(memo, pid)
    for key in ("issues", "mrs"):
        for pid in list(memo[key]):
            if pid not in memo["projects"]:
                memo[key].pop(pid)
