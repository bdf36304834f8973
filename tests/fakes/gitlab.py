"""A fake GitLab REST v4 API served over real local HTTP, for the GitLab catalog source.

    with FakeGitLab(token="glpat-test") as gitlab:
        gitlab.generate("acme", 50, subgroups=("acme/platform",))
        source = GitLabSource("gl", "acme", "glpat-test", url=gitlab.url)

Groups, projects, files, issues, merge requests and notes live in memory and can be changed between
syncs (`touch`, `delete`, `add_issue`, `add_note`, ...). Responses have GitLab's shapes and pagination
headers (`x-next-page`, `x-total-pages`, `Link`). Requests without the right `PRIVATE-TOKEN` get 401.
`calls` counts requests by path; `fail()` queues 429s (with Retry-After and RateLimit-*) or 5xx.

`FakeForge` is the plumbing the Gitee fake shares: the server thread, counting and failures.
"""

import hashlib
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlencode

from tests.fakes.forge import FakeForge, Reply, json_reply, paginate, parse_time, timestamp, tree_entries

GROUP_BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass
class Note:
    id: int
    author: str
    body: str
    created_at: str
    system: bool = False


@dataclass
class MergeRequest:
    iid: int
    title: str
    author: str
    created_at: str
    updated_at: str
    draft: bool = False
    reviewers: list[str] = field(default_factory=list)
    state: str = "opened"
    notes: list[Note] = field(default_factory=list)


@dataclass
class Issue:
    iid: int
    title: str
    author: str
    labels: list[str]
    created_at: str
    updated_at: str
    state: str = "opened"
    assignees: list[str] = field(default_factory=list)


@dataclass
class Project:
    id: int
    namespace: str  # the group's full path
    path: str
    description: str = ""
    topics: list[str] = field(default_factory=list)
    star_count: int = 0
    forks_count: int = 0
    created_at: str = timestamp(GROUP_BASE_TIME)
    last_activity_at: str = timestamp(GROUP_BASE_TIME)
    archived: bool = False
    visibility: str = "internal"
    default_branch: str = "main"
    files: dict[str, str] = field(default_factory=dict)
    languages: dict[str, float] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    merge_requests: list[MergeRequest] = field(default_factory=list)
    marked_for_deletion_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # raw fields laid over the JSON, odd ones included

    @property
    def path_with_namespace(self) -> str:
        return f"{self.namespace}/{self.path}"


class FakeGitLab(FakeForge):
    def __init__(self, token: str = "glpat-fake-token", *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.token = token
        self.now = now or (lambda: datetime.now(UTC))
        self.groups: dict[str, int] = {}  # full path -> id
        self.projects: dict[int, Project] = {}
        self._ids = 1000
        self.rate_limit = 2000

    # --- setting up and changing data ---

    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def add_group(self, full_path: str) -> int:
        with self._lock:
            parent = full_path.rpartition("/")[0]
            if parent and parent not in self.groups:
                self.add_group(parent)
            if full_path not in self.groups:
                self.groups[full_path] = self._next_id()
            return self.groups[full_path]

    def add_project(self, group: str, path: str, **fields: Any) -> Project:
        self.add_group(group)
        project = Project(id=self._next_id(), namespace=group, path=path, **fields)
        with self._lock:
            self.projects[project.id] = project
        return project

    def generate(
        self, group: str, count: int, *, subgroups: Iterable[str] = (), seed: int = 7
    ) -> list[Project]:
        """`count` projects spread over `group` and `subgroups`, with a realistic mix of files, issues and
        merge requests (about a third have innersource.json, some CODEOWNERS in the root, docs/ or .gitlab/).
        """
        rng = random.Random(seed)
        namespaces = [group, *subgroups]
        made = []
        for index in range(count):
            namespace = namespaces[index % len(namespaces)]
            path = f"service-{index:04d}"
            when = GROUP_BASE_TIME + timedelta(minutes=index)
            files = {"README.md": f"# {path}\n", "src/main.py": "print('hi')\n"}
            if index % 3 == 0:
                files["innersource.json"] = json.dumps(
                    {"title": f"Service {index}", "motivation": "Shared by many teams", "skills": ["python"]}
                )
            if index % 4 == 0:
                files["CONTRIBUTING.md"] = "Send merge requests.\n"
            owner_file = ("CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS", None)[index % 4]
            if owner_file:
                files[owner_file] = f"* @owner{index % 7} @{group}/maintainers\n"
            if index % 5 == 0:
                files["docs/guide.md"] = "A guide.\n"
            project = self.add_project(
                namespace,
                path,
                description=f"Service number {index}",
                topics=["innersource"] if index % 2 == 0 else ["internal-tool"],
                star_count=rng.randint(0, 40),
                forks_count=rng.randint(0, 5),
                created_at=timestamp(when - timedelta(days=300)),
                last_activity_at=timestamp(when),
                files=files,
                languages={"Python": 70.5, "Shell": 29.5} if index % 2 else {"Go": 100.0},
            )
            if index % 10 == 0:
                self.add_issue(project, "Add a CLI", labels=["help wanted"], at=when)
            if index % 25 == 0:
                self.add_issue(project, "Fix typos", labels=["good first issue", "docs"], at=when)
            if index % 20 == 0:
                mr = self.add_merge_request(project, "Speed up", author=f"dev{index % 3}", at=when)
                self.add_note(project, mr, "reviewer1", "Looks good", at=when + timedelta(minutes=5))
            made.append(project)
        return made

    def touch(self, project: Project, **changes: Any) -> None:
        """Change fields and record activity now, as a push or an edit would."""
        with self._lock:
            for name, value in changes.items():
                setattr(project, name, value)
            project.last_activity_at = timestamp(self.now())

    def delete(self, project: Project) -> None:
        with self._lock:
            self.projects.pop(project.id, None)

    def add_issue(
        self,
        project: Project,
        title: str,
        *,
        labels: list[str],
        author: str = "someone",
        at: datetime | None = None,
    ) -> Issue:
        stamp = timestamp(at or self.now())
        with self._lock:
            issue = Issue(len(project.issues) + 1, title, author, labels, stamp, stamp)
            project.issues.append(issue)
        return issue

    def update_issue(self, issue: Issue, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(issue, name, value)
            issue.updated_at = timestamp(self.now())

    def add_merge_request(
        self,
        project: Project,
        title: str,
        *,
        author: str,
        reviewers: list[str] | None = None,
        draft: bool = False,
        at: datetime | None = None,
    ) -> MergeRequest:
        stamp = timestamp(at or self.now())
        with self._lock:
            mr = MergeRequest(
                len(project.merge_requests) + 1, title, author, stamp, stamp, draft, reviewers or []
            )
            project.merge_requests.append(mr)
        return mr

    def add_note(
        self,
        project: Project,
        mr: MergeRequest,
        author: str,
        body: str,
        *,
        system: bool = False,
        at: datetime | None = None,
    ) -> Note:
        stamp = timestamp(at or self.now())
        with self._lock:
            note = Note(self._next_id(), author, body, stamp, system)
            mr.notes.append(note)
            mr.updated_at = stamp
        return note

    # --- HTTP ---

    def authorised(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        return headers.get("private-token") == self.token or query.get("private_token") == self.token

    def route(self, path: str, query: Mapping[str, str]) -> Reply:
        prefix = "/api/v4/"
        if not path.startswith(prefix):
            return json_reply({"error": "404 Not Found"}, 404)
        parts = path[len(prefix) :].split("/")
        if parts[0] == "groups" and len(parts) == 3:
            group = self._group(unquote(parts[1]))
            if group is None:
                return json_reply({"message": "404 Group Not Found"}, 404)
            handler = {
                "projects": self._group_projects,
                "issues": self._group_issues,
                "merge_requests": self._group_merge_requests,
            }.get(parts[2])
            return handler(group, query) if handler else json_reply({"error": "404 Not Found"}, 404)
        if parts[0] == "projects" and len(parts) >= 2:
            project = self._project(unquote(parts[1]))
            if project is None:
                return json_reply({"message": "404 Project Not Found"}, 404)
            return self._project_route(project, parts[2:], query)
        return json_reply({"error": "404 Not Found"}, 404)

    def _project_route(self, project: Project, rest: list[str], query: Mapping[str, str]) -> Reply:
        if not rest:
            return json_reply(self._project_json(project))
        if rest == ["languages"]:
            return json_reply(project.languages)
        if rest == ["repository", "tree"]:
            return self._tree(project, query)
        if len(rest) == 4 and rest[:2] == ["repository", "files"] and rest[3] == "raw":
            content = project.files.get(unquote(rest[2]))
            if content is None or query.get("ref", project.default_branch) != project.default_branch:
                return json_reply({"message": "404 File Not Found"}, 404)
            return Reply(
                200, content.encode("utf-8", "surrogateescape"), content_type="text/plain; charset=utf-8"
            )
        if len(rest) == 3 and rest[0] == "merge_requests" and rest[2] == "notes":
            mr = next((m for m in project.merge_requests if str(m.iid) == rest[1]), None)
            if mr is None:
                return json_reply({"message": "404 Not found"}, 404)
            notes = sorted(mr.notes, key=lambda n: n.created_at, reverse=query.get("sort", "desc") == "desc")
            return self._paged(
                [self._note_json(project, mr, n) for n in notes], query, f"projects/{project.id}"
            )
        return json_reply({"error": "404 Not Found"}, 404)

    def _group(self, ident: str) -> str | None:
        if ident in self.groups:
            return ident
        return next((path for path, gid in self.groups.items() if str(gid) == ident), None)

    def _project(self, ident: str) -> Project | None:
        if ident.isdigit():
            return self.projects.get(int(ident))
        return next((p for p in self.projects.values() if p.path_with_namespace == ident), None)

    def _in_group(self, group: str, subgroups: bool) -> list[Project]:
        return [
            p
            for p in self.projects.values()
            if p.namespace == group or (subgroups and p.namespace.startswith(f"{group}/"))
        ]

    def _group_projects(self, group: str, query: Mapping[str, str]) -> Reply:
        projects = self._in_group(group, query.get("include_subgroups") == "true")
        if "archived" in query:
            projects = [p for p in projects if p.archived == (query["archived"] == "true")]
        if query.get("topic"):
            wanted = {t.strip().lower() for t in query["topic"].split(",")}
            projects = [p for p in projects if wanted <= {t.lower() for t in p.topics}]
        if query.get("last_activity_after"):
            after = parse_time(query["last_activity_after"])
            projects = [p for p in projects if parse_time(p.last_activity_at) > after]
        order = query.get("order_by", "created_at")
        keys: dict[str, Callable[[Project], Any]] = {
            "id": lambda p: p.id,
            "last_activity_at": lambda p: (p.last_activity_at, p.id),
            "created_at": lambda p: (p.created_at, p.id),
            "path": lambda p: p.path,
        }
        projects.sort(key=keys.get(order, keys["created_at"]), reverse=query.get("sort", "desc") == "desc")
        return self._paged(
            [self._project_json(p) for p in projects], query, f"groups/{quote(group, safe='')}/projects"
        )

    def _group_issues(self, group: str, query: Mapping[str, str]) -> Reply:
        state = query.get("state", "all")
        labels = {label for label in query.get("labels", "").split(",") if label}
        after = parse_time(query["updated_after"]) if query.get("updated_after") else None
        found = []
        for project in self._in_group(group, True):
            if project.archived and query.get("non_archived", "true") == "true":
                continue
            for issue in project.issues:
                if state != "all" and issue.state != state:
                    continue
                if not labels <= set(issue.labels):
                    continue
                if after is not None and parse_time(issue.updated_at) <= after:
                    continue
                found.append(self._issue_json(project, issue))
        found.sort(key=lambda i: i["created_at"], reverse=True)
        return self._paged(found, query, f"groups/{quote(group, safe='')}/issues")

    def _group_merge_requests(self, group: str, query: Mapping[str, str]) -> Reply:
        state = query.get("state", "all")
        after = parse_time(query["updated_after"]) if query.get("updated_after") else None
        found = []
        for project in self._in_group(group, True):
            if project.archived and query.get("non_archived", "true") == "true":
                continue
            for mr in project.merge_requests:
                if state != "all" and mr.state != state:
                    continue
                if after is not None and parse_time(mr.updated_at) <= after:
                    continue
                found.append(self._mr_json(project, mr))
        found.sort(key=lambda m: m["created_at"], reverse=True)
        return self._paged(found, query, f"groups/{quote(group, safe='')}/merge_requests")

    def _tree(self, project: Project, query: Mapping[str, str]) -> Reply:
        if not project.files or query.get("ref", project.default_branch) != project.default_branch:
            return json_reply({"message": "404 Tree Not Found"}, 404)
        directory = query.get("path", "").strip("/")
        entries = [
            {
                "id": ident,
                "name": name,
                "type": kind,
                "path": f"{directory}/{name}" if directory else name,
                "mode": "040000" if kind == "tree" else "100644",
            }
            for name, kind, ident in tree_entries(project.files, directory)
        ]
        return self._paged(entries, query, f"projects/{project.id}/repository/tree")

    def _paged(self, items: list[Any], query: Mapping[str, str], resource: str) -> Reply:
        chunk, page, per_page, pages = paginate(items, query)
        headers = {
            "x-page": str(page),
            "x-per-page": str(per_page),
            "x-total": str(len(items)),
            "x-total-pages": str(pages),
            "x-next-page": str(page + 1) if page < pages else "",
            "x-prev-page": str(page - 1) if page > 1 else "",
            "RateLimit-Limit": str(self.rate_limit),
            "RateLimit-Remaining": str(self.rate_limit - 1),
            "RateLimit-Reset": str(int(time.time()) + 60),
        }
        links = []
        base = {k: v for k, v in query.items() if k not in ("page", "private_token")}
        for rel, target in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", pages)):
            if (rel == "prev" and page <= 1) or (rel == "next" and page >= pages):
                continue
            links.append(f'<{self.url}/api/v4/{resource}?{urlencode({**base, "page": target})}>; rel="{rel}"')
        headers["Link"] = ", ".join(links)
        return json_reply(chunk, headers=headers)

    # --- response shapes ---

    def _user(self, username: str) -> dict[str, Any]:
        return {
            "id": int(hashlib.sha1(username.encode()).hexdigest()[:6], 16),
            "username": username,
            "name": username.title(),
            "state": "active",
            "locked": False,
            "avatar_url": None,
            "web_url": f"{self.url}/{username}",
        }

    def _project_json(self, p: Project) -> dict[str, Any]:
        web_url = f"{self.url}/{p.path_with_namespace}"
        readme = next((name for name in p.files if name.lower().startswith("readme")), None)
        return {
            "id": p.id,
            "description": p.description,
            "name": p.path.replace("-", " ").title(),
            "name_with_namespace": p.path_with_namespace.replace("/", " / "),
            "path": p.path,
            "path_with_namespace": p.path_with_namespace,
            "created_at": p.created_at,
            "default_branch": p.default_branch if p.files else None,
            "tag_list": list(p.topics),
            "topics": list(p.topics),
            "ssh_url_to_repo": f"git@127.0.0.1:{p.path_with_namespace}.git",
            "http_url_to_repo": f"{web_url}.git",
            "web_url": web_url,
            "readme_url": f"{web_url}/-/blob/{p.default_branch}/{readme}" if readme else None,
            "forks_count": p.forks_count,
            "avatar_url": None,
            "star_count": p.star_count,
            "last_activity_at": p.last_activity_at,
            "namespace": {
                "id": self.groups.get(p.namespace),
                "name": p.namespace.rsplit("/", 1)[-1],
                "path": p.namespace.rsplit("/", 1)[-1],
                "kind": "group",
                "full_path": p.namespace,
                "parent_id": self.groups.get(p.namespace.rpartition("/")[0]),
                "web_url": f"{self.url}/groups/{p.namespace}",
            },
            "empty_repo": not p.files,
            "archived": p.archived,
            "visibility": p.visibility,
            "issues_enabled": True,
            "merge_requests_enabled": True,
            "open_issues_count": sum(1 for i in p.issues if i.state == "opened"),
            "marked_for_deletion_at": p.marked_for_deletion_at,
            "marked_for_deletion_on": p.marked_for_deletion_at[:10] if p.marked_for_deletion_at else None,
            **p.extra,
        }

    def _issue_json(self, project: Project, issue: Issue) -> dict[str, Any]:
        return {
            "id": project.id * 1000 + issue.iid,
            "iid": issue.iid,
            "project_id": project.id,
            "title": issue.title,
            "description": "",
            "state": issue.state,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "closed_at": None,
            "labels": list(issue.labels),
            "milestone": None,
            "author": self._user(issue.author),
            "assignees": [self._user(a) for a in issue.assignees],
            "type": "ISSUE",
            "user_notes_count": 0,
            "web_url": f"{self.url}/{project.path_with_namespace}/-/issues/{issue.iid}",
            "references": {"short": f"#{issue.iid}", "full": f"{project.path_with_namespace}#{issue.iid}"},
        }

    def _mr_json(self, project: Project, mr: MergeRequest) -> dict[str, Any]:
        return {
            "id": project.id * 1000 + mr.iid,
            "iid": mr.iid,
            "project_id": project.id,
            "title": f"Draft: {mr.title}" if mr.draft else mr.title,
            "description": "",
            "state": mr.state,
            "created_at": mr.created_at,
            "updated_at": mr.updated_at,
            "target_branch": project.default_branch,
            "source_branch": f"feature-{mr.iid}",
            "author": self._user(mr.author),
            "assignees": [],
            "reviewers": [self._user(r) for r in mr.reviewers],
            "draft": mr.draft,
            "work_in_progress": mr.draft,
            "merge_status": "can_be_merged",
            "user_notes_count": sum(1 for n in mr.notes if not n.system),
            "web_url": f"{self.url}/{project.path_with_namespace}/-/merge_requests/{mr.iid}",
            "references": {"short": f"!{mr.iid}", "full": f"{project.path_with_namespace}!{mr.iid}"},
        }

    def _note_json(self, project: Project, mr: MergeRequest, note: Note) -> dict[str, Any]:
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "attachment": None,
            "author": self._user(note.author),
            "created_at": note.created_at,
            "updated_at": note.created_at,
            "system": note.system,
            "noteable_id": project.id * 1000 + mr.iid,
            "noteable_type": "MergeRequest",
            "project_id": project.id,
            "noteable_iid": mr.iid,
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }
