"""A fake Gitee OpenAPI v5 served over real local HTTP, for the Gitee catalog source.

    with FakeGitee(token="gitee-test") as gitee:
        gitee.generate("acme", 50)
        source = GiteeSource("ge", "acme", "gitee-test", url=gitee.api_url)

Organisations, repositories, files, issues and pulls live in memory and can be changed between syncs.
Responses have Gitee's shapes (`project_labels`, `status`, idents such as "I4ABCD" as issue numbers)
and its pagination headers (`total_count`, `total_page`). The token is the `access_token` query
parameter; without the right one every request gets 401. `calls`, `count()` and `fail()` come from
the shared `FakeForge`.
"""

import base64
import hashlib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

from tests.fakes.forge import FakeForge, Reply, git_blob_id, json_reply, paginate

BEIJING = timezone(timedelta(hours=8))
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=BEIJING)


def gitee_time(when: datetime) -> str:
    return when.astimezone(BEIJING).isoformat(timespec="seconds")


@dataclass
class GiteeIssue:
    id: int
    title: str
    labels: list[str]
    author: str
    created_at: str
    updated_at: str
    state: str = "open"
    assignee: str | None = None

    @property
    def ident(self) -> str:
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        value, text = self.id, ""
        while value:
            value, rest = divmod(value, 36)
            text = digits[rest] + text
        return f"I{text}"


@dataclass
class GiteePull:
    number: int
    title: str
    author: str
    created_at: str
    updated_at: str
    draft: bool = False
    assignees: list[str] = field(default_factory=list)
    state: str = "open"


@dataclass
class GiteeRepo:
    id: int
    org: str
    path: str
    description: str = ""
    labels: list[str] = field(default_factory=list)  # project_labels
    language: str | None = "Java"
    stars: int = 0
    forks: int = 0
    created_at: str = gitee_time(BASE_TIME)
    updated_at: str = gitee_time(BASE_TIME)
    pushed_at: str | None = gitee_time(BASE_TIME)
    status: str = "开始"
    public: int = 2  # 0 private, 1 public, 2 internal open source
    default_branch: str = "master"
    files: dict[str, str] = field(default_factory=dict)
    issues: list[GiteeIssue] = field(default_factory=list)
    pulls: list[GiteePull] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # raw fields laid over the JSON, odd ones included

    @property
    def full_name(self) -> str:
        return f"{self.org}/{self.path}"


class FakeGitee(FakeForge):
    def __init__(self, token: str = "gitee-fake-token", *, now: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.token = token
        self.now = now or (lambda: datetime.now(BEIJING))
        self.repos: dict[int, GiteeRepo] = {}
        self._ids = 7_000_000

    @property
    def api_url(self) -> str:
        return f"{self.url}/api"

    # --- setting up and changing data ---

    def _next_id(self) -> int:
        with self._lock:
            self._ids += 1
            return self._ids

    def add_repo(self, org: str, path: str, **fields: Any) -> GiteeRepo:
        repo = GiteeRepo(id=self._next_id(), org=org, path=path, **fields)
        with self._lock:
            self.repos[repo.id] = repo
        return repo

    def generate(self, org: str, count: int, *, seed: int = 11) -> list[GiteeRepo]:
        rng = random.Random(seed)
        made = []
        for index in range(count):
            when = BASE_TIME + timedelta(minutes=index)
            path = f"module-{index:04d}"
            files = {"README.md": f"# {path}\n"}
            if index % 3 == 0:
                files["innersource.json"] = (
                    f'{{"title": "Module {index}", "motivation": "Reuse it", "skills": ["java"]}}'
                )
            if index % 4 == 0:
                files["CONTRIBUTING.md"] = "Open a pull request.\n"
            if index % 5 == 0:
                files["CODEOWNERS"] = f"* @owner{index % 7}\n"
            repo = self.add_repo(
                org,
                path,
                description=f"Module number {index}",
                labels=["innersource"] if index % 2 == 0 else ["tooling"],
                stars=rng.randint(0, 30),
                forks=rng.randint(0, 4),
                created_at=gitee_time(when - timedelta(days=200)),
                updated_at=gitee_time(when),
                pushed_at=gitee_time(when),
                files=files,
            )
            if index % 10 == 0:
                self.add_issue(repo, "Add a REST endpoint", labels=["help wanted"], at=when)
            if index % 25 == 0:
                self.add_issue(repo, "Translate the README", labels=["good first issue"], at=when)
            if index % 20 == 0:
                self.add_pull(repo, "Faster start-up", author=f"dev{index % 3}", at=when)
            made.append(repo)
        return made

    def push(self, repo: GiteeRepo, files: Mapping[str, str | None] | None = None, **changes: Any) -> None:
        """Change files (None deletes one) and fields, and move pushed_at / updated_at to now."""
        with self._lock:
            for path, content in (files or {}).items():
                if content is None:
                    repo.files.pop(path, None)
                else:
                    repo.files[path] = content
            for name, value in changes.items():
                setattr(repo, name, value)
            repo.pushed_at = repo.updated_at = gitee_time(self.now())

    def delete(self, repo: GiteeRepo) -> None:
        with self._lock:
            self.repos.pop(repo.id, None)

    def add_issue(
        self, repo: GiteeRepo, title: str, *, labels: list[str], at: datetime | None = None
    ) -> GiteeIssue:
        stamp = gitee_time(at or self.now())
        issue = GiteeIssue(self._next_id(), title, labels, "someone", stamp, stamp)
        with self._lock:
            repo.issues.append(issue)
        return issue

    def add_pull(
        self, repo: GiteeRepo, title: str, *, author: str, draft: bool = False, at: datetime | None = None
    ) -> GiteePull:
        stamp = gitee_time(at or self.now())
        pull = GiteePull(len(repo.pulls) + 1, title, author, stamp, stamp, draft, ["reviewer1"])
        with self._lock:
            repo.pulls.append(pull)
        return pull

    # --- HTTP ---

    def authorised(self, headers: Mapping[str, str], query: Mapping[str, str]) -> bool:
        return query.get("access_token") == self.token

    def route(self, path: str, query: Mapping[str, str]) -> Reply:
        prefix = "/api/v5/"
        if not path.startswith(prefix):
            return json_reply({"message": "Not Found"}, 404)
        parts = path[len(prefix) :].split("/")
        if len(parts) == 3 and parts[0] == "orgs" and parts[2] == "repos":
            org = unquote(parts[1])
            repos = sorted((r for r in self.repos.values() if r.org == org), key=lambda r: r.id)
            if not repos:
                return json_reply({"message": "Not Found Group"}, 404)
            return self._paged([self._repo_json(r) for r in repos], query)
        if len(parts) >= 4 and parts[0] == "repos":
            full_name = f"{unquote(parts[1])}/{unquote(parts[2])}"
            repo = next((r for r in self.repos.values() if r.full_name == full_name), None)
            if repo is None:
                return json_reply({"message": "Not Found Project"}, 404)
            if parts[3] == "contents" and len(parts) == 5:
                return self._contents(repo, unquote(parts[4]))
            if parts[3] == "issues" and len(parts) == 4:
                return self._issues(repo, query)
            if parts[3] == "pulls" and len(parts) == 4:
                pulls = [
                    self._pull_json(repo, p)
                    for p in repo.pulls
                    if query.get("state", "open") in (p.state, "all")
                ]
                return self._paged(pulls, query)
        return json_reply({"message": "Not Found"}, 404)

    def _contents(self, repo: GiteeRepo, path: str) -> Reply:
        path = path.strip("/")
        if not path:
            names = sorted({name.split("/", 1)[0] for name in repo.files})
            listing = []
            for name in names:
                is_dir = name not in repo.files
                listing.append(self._content_json(repo, name, None if is_dir else repo.files[name]))
            return json_reply(listing)
        if path not in repo.files:
            return json_reply([])  # what Gitee answers for a path that does not exist
        return json_reply(self._content_json(repo, path, repo.files[path], with_content=True))

    def _content_json(
        self, repo: GiteeRepo, path: str, content: str | None, *, with_content: bool = False
    ) -> dict[str, Any]:
        sha = git_blob_id(content) if content is not None else hashlib.sha1(path.encode()).hexdigest()
        html = f"{self.url}/{repo.full_name}/blob/{repo.default_branch}/{path}"
        entry: dict[str, Any] = {
            "type": "dir" if content is None else "file",
            "size": len(content.encode("utf-8", "surrogateescape")) if content is not None else 0,
            "name": path.rsplit("/", 1)[-1],
            "path": path,
            "sha": sha,
            "url": f"{self.api_url}/v5/repos/{repo.full_name}/contents/{path}",
            "html_url": html,
            "download_url": f"{self.url}/{repo.full_name}/raw/{repo.default_branch}/{path}",
            "_links": {"self": f"{self.api_url}/v5/repos/{repo.full_name}/contents/{path}", "html": html},
        }
        if with_content and content is not None:
            entry["encoding"] = "base64"
            entry["content"] = base64.b64encode(content.encode("utf-8", "surrogateescape")).decode()
        return entry

    def _issues(self, repo: GiteeRepo, query: Mapping[str, str]) -> Reply:
        state = query.get("state", "open")
        wanted = {label for label in query.get("labels", "").split(",") if label}
        issues = [
            self._issue_json(repo, i)
            for i in repo.issues
            if state in (i.state, "all") and wanted <= set(i.labels)
        ]
        return self._paged(issues, query)

    def _paged(self, items: list[Any], query: Mapping[str, str]) -> Reply:
        chunk, _page, _per_page, pages = paginate(items, query)
        return json_reply(chunk, headers={"total_count": str(len(items)), "total_page": str(pages)})

    # --- response shapes ---

    def _user(self, login: str) -> dict[str, Any]:
        return {
            "id": int(hashlib.sha1(login.encode()).hexdigest()[:6], 16),
            "login": login,
            "name": login.title(),
            "avatar_url": f"{self.url}/assets/no_portrait.png",
            "url": f"{self.api_url}/v5/users/{login}",
            "html_url": f"{self.url}/{login}",
            "remark": "",
            "type": "User",
        }

    def _repo_json(self, r: GiteeRepo) -> dict[str, Any]:
        html_url = f"{self.url}/{r.full_name}.git"
        return {
            "id": r.id,
            "full_name": r.full_name,
            "human_name": f"{r.org}/{r.path}",
            "url": f"{self.api_url}/v5/repos/{r.full_name}",
            "namespace": {
                "id": 1,
                "type": "group",
                "name": r.org,
                "path": r.org,
                "html_url": f"{self.url}/{r.org}",
            },
            "path": r.path,
            "name": r.path,
            "owner": self._user(r.org),
            "assigner": self._user("lead"),
            "description": r.description,
            "private": r.public == 0,
            "public": r.public == 1,
            "internal": r.public == 2,
            "fork": False,
            "html_url": html_url,
            "ssh_url": f"git@127.0.0.1:{r.full_name}.git",
            "recommend": False,
            "gvp": False,
            "homepage": None,
            "language": r.language,
            "forks_count": r.forks,
            "stargazers_count": r.stars,
            "watchers_count": r.stars + 1,
            "default_branch": r.default_branch if r.files else None,
            "open_issues_count": sum(1 for i in r.issues if i.state == "open"),
            "has_issues": True,
            "has_wiki": True,
            "pull_requests_enabled": True,
            "license": None,
            "outsourced": False,
            "project_creator": "lead",
            "members": ["lead"],
            "pushed_at": r.pushed_at,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "parent": None,
            "paas": None,
            "stared": False,
            "watched": False,
            "permission": {"pull": True, "push": False, "admin": False},
            "relation": "viewer",
            "assignees_number": 1,
            "testers_number": 0,
            "assignee": [self._user("lead")],
            "testers": [],
            "status": r.status,
            "programs": [],
            "enterprise": None,
            "project_labels": [
                {"id": index + 1, "name": name, "ident": name.lower()} for index, name in enumerate(r.labels)
            ],
            "issue_template_source": "project",
            **r.extra,
        }

    def _issue_json(self, repo: GiteeRepo, issue: GiteeIssue) -> dict[str, Any]:
        return {
            "id": issue.id,
            "url": f"{self.api_url}/v5/repos/{repo.full_name}/issues/{issue.ident}",
            "html_url": f"{self.url}/{repo.full_name}/issues/{issue.ident}",
            "number": issue.ident,
            "parent_id": 0,
            "depth": 0,
            "state": issue.state,
            "title": issue.title,
            "body": "",
            "user": self._user(issue.author),
            "labels": [
                {"id": index + 1, "name": name, "color": "0e8a16", "repository_id": repo.id}
                for index, name in enumerate(issue.labels)
            ],
            "assignee": self._user(issue.assignee) if issue.assignee else None,
            "collaborators": [],
            "repository": {"id": repo.id, "full_name": repo.full_name},
            "milestone": None,
            "created_at": issue.created_at,
            "updated_at": issue.updated_at,
            "plan_started_at": None,
            "deadline": None,
            "finished_at": None,
            "comments": 0,
            "priority": 0,
            "issue_type": "任务",
            "issue_state": "待办的",
        }

    def _pull_json(self, repo: GiteeRepo, pull: GiteePull) -> dict[str, Any]:
        return {
            "id": repo.id * 1000 + pull.number,
            "url": f"{self.api_url}/v5/repos/{repo.full_name}/pulls/{pull.number}",
            "html_url": f"{self.url}/{repo.full_name}/pulls/{pull.number}",
            "number": pull.number,
            "state": pull.state,
            "assignees_number": len(pull.assignees),
            "testers_number": 0,
            "assignees": [
                {**self._user(a), "assignee": True, "code_owner": False, "accept": False}
                for a in pull.assignees
            ],
            "testers": [],
            "api_reviewers_number": 0,
            "api_reviewers": [],
            "milestone": None,
            "labels": [],
            "locked": False,
            "created_at": pull.created_at,
            "updated_at": pull.updated_at,
            "closed_at": None,
            "draft": pull.draft,
            "merged_at": None,
            "mergeable": True,
            "can_merge_check": True,
            "head": {"label": f"feature-{pull.number}", "ref": f"feature-{pull.number}"},
            "base": {"label": repo.default_branch, "ref": repo.default_branch},
            "title": pull.title,
            "body": "",
            "user": self._user(pull.author),
        }
