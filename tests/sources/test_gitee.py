import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.models import Contribution, Issue, Project, ProjectOwner, SyncState
from chatbot.sources.gitee import GiteeSource
from chatbot.sources.http import ForgeError
from chatbot.sources.sync import run_sync
from tests.fakes.gitee import FakeGitee

TOKEN = "gitee-T0pSecret-access-token"


@pytest.fixture
def gitee() -> Iterator[FakeGitee]:
    with FakeGitee(token=TOKEN) as fake:
        yield fake


def source(
    fake: FakeGitee, *, topic: str | None = None, sleep: Callable[[float], None] = lambda _s: None
) -> GiteeSource:
    return GiteeSource("ge", "acme", TOKEN, url=fake.api_url, topic=topic, sleep=sleep)


def projects(engine: Engine) -> dict[str, Project]:
    with Session(engine) as session:
        return {p.full_name: p for p in session.exec(select(Project)).all()}


def issues(engine: Engine, full_name: str) -> list[Issue]:
    project = projects(engine)[full_name]
    with Session(engine) as session:
        return list(session.exec(select(Issue).where(col(Issue.project_id) == project.id)).all())


def pulls(engine: Engine, full_name: str) -> list[Contribution]:
    project = projects(engine)[full_name]
    with Session(engine) as session:
        return list(
            session.exec(select(Contribution).where(col(Contribution.project_id) == project.id)).all()
        )


def owners(engine: Engine, full_name: str) -> set[str]:
    project = projects(engine)[full_name]
    with Session(engine) as session:
        found = session.exec(select(ProjectOwner).where(col(ProjectOwner.project_id) == project.id)).all()
    return {o.forge_login for o in found if o.role == "codeowner"}


def readme_reads(fake: FakeGitee) -> int:
    return sum(n for path, n in fake.calls.items() if "/contents/readme" in path.lower())


def memo_files(engine: Engine, rid: int) -> dict[str, Any]:
    with Session(engine) as session:
        state = session.exec(select(SyncState).where(col(SyncState.source_name) == "ge")).one()
    files: dict[str, Any] = state.memo["repos"][str(rid)]["files"]
    return files


def test_full_sync_stores_the_organisation(engine: Engine, gitee: FakeGitee) -> None:
    made = gitee.generate("acme", 21)
    gitee.add_repo("other", "not-ours", files={"README.md": "x"})
    gitee.push(made[1], status="关闭")

    summary = run_sync(engine, source(gitee), full=True)

    assert summary.added == 21
    stored = projects(engine)
    assert "other/not-ours" not in stored
    first = stored["acme/module-0000"]
    assert (first.source, first.origin, first.external_id) == ("gitee", "ge", str(made[0].id))
    assert first.html_url == f"{gitee.url}/acme/module-0000"
    assert first.key.endswith("/acme/module-0000")
    assert first.topics == ["innersource"]
    assert first.title == "Module 0" and first.skills == ["java"]
    assert first.language == "Java" and first.visibility == "internal"
    assert first.default_branch == "master"
    assert first.has_contributing and first.guidelines == "CONTRIBUTING.md"
    assert first.has_codeowners and owners(engine, "acme/module-0000") == {"owner0"}
    assert first.findings == []
    assert first.pushed_at is not None and first.pushed_at.utcoffset() is not None
    assert stored["acme/module-0001"].archived  # status 关闭
    assert not stored["acme/module-0002"].archived

    found = sorted((i.title, i.labels, i.url.rsplit("/", 1)[-1]) for i in issues(engine, "acme/module-0000"))
    assert found == [
        ("Add a REST endpoint", ["help wanted"], made[0].issues[0].ident),
        ("Translate the README", ["good first issue"], made[0].issues[1].ident),
    ]
    [pull] = pulls(engine, "acme/module-0020")
    assert (pull.number, pull.author, pull.requested_reviewers, pull.draft) == (
        1,
        "dev2",
        ["reviewer1"],
        False,
    )


def test_resync_with_nothing_changed_only_lists_the_organisation(engine: Engine, gitee: FakeGitee) -> None:
    gitee.generate("acme", 120)
    full = run_sync(engine, source(gitee), full=True)
    assert full.requests == gitee.requests
    assert readme_reads(gitee) == 120  # one README.md per repository, read on the first sync only
    gitee.reset_calls()

    again = run_sync(engine, source(gitee))

    assert again.requests == gitee.requests == 2  # two listing pages of 100
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 120, 0)


def test_a_changed_repository_is_updated(engine: Engine, gitee: FakeGitee) -> None:
    made = gitee.generate("acme", 30)
    run_sync(engine, source(gitee), full=True)
    changed = made[0]
    changed.issues[0].state = "closed"
    gitee.push(
        changed,
        files={"innersource.json": '{"title": "Ledger", "skills": ["kotlin"]}', "CONTRIBUTING.md": None},
        description="Now in Kotlin",
        labels=["innersource", "kotlin"],
    )
    gitee.reset_calls()

    summary = run_sync(engine, source(gitee))

    assert summary.updated == 1
    project = projects(engine)["acme/module-0000"]
    assert (project.description, project.title, project.skills) == ("Now in Kotlin", "Ledger", ["kotlin"])
    assert project.topics == ["innersource", "kotlin"] and not project.has_contributing
    assert {i.title: i.state for i in issues(engine, "acme/module-0000")} == {
        "Add a REST endpoint": "closed",
        "Translate the README": "open",
    }
    assert owners(engine, "acme/module-0000") == {"owner0"}  # CODEOWNERS unchanged: kept, not re-read
    assert gitee.count("/contents/%2F") == 1  # only the changed repository was read
    assert summary.requests == 1 + 1 + 1 + 2 + 1  # listing, root, innersource.json, two labels, pulls


def test_readme_excerpts_are_read_again_only_when_the_readme_changes(
    engine: Engine, gitee: FakeGitee
) -> None:
    made = gitee.generate("acme", 5)
    gitee.add_repo("acme", "long", files={"README.md": "# 长 Long\n\n" + "词语 word " * 400})
    gitee.add_repo("acme", "rst", files={"readme.rst": "Plain text.\n", "README.en.md": "English"})
    gitee.add_repo("acme", "none", files={"README.zh.md": "中文"})

    run_sync(engine, source(gitee), full=True)

    assert readme_reads(gitee) == 5 + 2
    stored = projects(engine)
    assert stored["acme/module-0000"].readme_excerpt == "# module-0000"
    long = stored["acme/long"].readme_excerpt
    assert long.startswith("# 长 Long") and long.endswith("…") and 1300 < len(long) <= 1501
    assert stored["acme/rst"].readme_excerpt == "Plain text."
    assert stored["acme/none"].readme_excerpt == ""
    assert memo_files(engine, made[0].id)["readme_excerpt"] == "# module-0000"

    # pushed, README untouched: the root is listed again, the README is not read
    gitee.push(made[1], files={"CHANGELOG.md": "1.0\n"}, description="New words")
    gitee.reset_calls()
    summary = run_sync(engine, source(gitee))
    assert summary.updated == 1 and gitee.count("/contents/%2F") == 1
    assert readme_reads(gitee) == 0
    assert projects(engine)["acme/module-0001"].readme_excerpt == "# module-0001"

    gitee.reset_calls()
    again = run_sync(engine, source(gitee), full=True)  # every root listed, every README sha the same
    assert readme_reads(gitee) == 0 and (again.updated, again.unchanged) == (0, 8)

    gitee.push(made[2], files={"README.md": "# Module two\n\nNow documented.\n"})
    gitee.reset_calls()
    run_sync(engine, source(gitee))
    assert [line for line in gitee.log if "/contents/" in line and "%2F" not in line] == [
        "/api/v5/repos/acme/module-0002/contents/README.md"
    ]
    assert projects(engine)["acme/module-0002"].readme_excerpt == "# Module two\n\nNow documented."
    assert memo_files(engine, made[2].id)["readme_excerpt"] == "# Module two\n\nNow documented."


def test_a_deleted_repository_is_marked_removed(engine: Engine, gitee: FakeGitee) -> None:
    made = gitee.generate("acme", 8)
    run_sync(engine, source(gitee), full=True)
    gitee.delete(made[2])

    summary = run_sync(engine, source(gitee))  # every run lists the whole organisation

    assert summary.removed == 1
    stored = projects(engine)
    assert len(stored) == 8 and stored["acme/module-0002"].removed_at is not None
    assert all(p.removed_at is None for name, p in stored.items() if name != "acme/module-0002")


def test_an_unknown_organisation_stops_the_sync_and_removes_nothing(engine: Engine, gitee: FakeGitee) -> None:
    gitee.generate("acme", 3)
    run_sync(engine, source(gitee), full=True)
    gitee.repos.clear()

    with pytest.raises(ForgeError, match="404"):
        run_sync(engine, source(gitee), full=True)

    assert all(p.removed_at is None for p in projects(engine).values())


def test_issue_changes_in_a_quiet_repository_wait_for_the_full_sync(engine: Engine, gitee: FakeGitee) -> None:
    made = gitee.generate("acme", 6)
    run_sync(engine, source(gitee), full=True)
    gitee.add_issue(made[3], "Document the API", labels=["good first issue"])

    run_sync(engine, source(gitee))
    assert issues(engine, "acme/module-0003") == []

    run_sync(engine, source(gitee), full=True)
    assert [i.title for i in issues(engine, "acme/module-0003")] == ["Document the API"]


def test_topic_filter(engine: Engine, gitee: FakeGitee) -> None:
    made = gitee.generate("acme", 10)
    assert run_sync(engine, source(gitee, topic="innersource"), full=True).added == 5
    gitee.push(made[0], labels=["tooling"])

    summary = run_sync(engine, source(gitee, topic="innersource"))

    assert summary.removed == 1
    assert projects(engine)["acme/module-0000"].removed_at is not None


def test_malformed_innersource_json_becomes_a_finding(engine: Engine, gitee: FakeGitee) -> None:
    gitee.add_repo(
        "acme", "broken", files={"README.md": "x", "innersource.json": "{'title': 'single quotes'}"}
    )
    gitee.add_repo("acme", "list", files={"README.md": "x", "innersource.json": '["not", "an", "object"]'})
    gitee.add_repo("acme", "fine", files={"README.md": "x", "innersource.json": '{"title": "Fine"}'})
    gitee.add_repo("acme", "empty", files={}, pushed_at=None)

    summary = run_sync(engine, source(gitee), full=True)

    assert summary.added == 4
    stored = projects(engine)
    assert any("not valid JSON" in f for f in stored["acme/broken"].findings)
    assert stored["acme/list"].findings == ["innersource metadata is a list, not an object"]
    assert stored["acme/fine"].title == "Fine" and stored["acme/fine"].findings == []
    assert stored["acme/empty"].findings == []


def test_odd_fields_become_findings_and_the_sync_goes_on(engine: Engine, gitee: FakeGitee) -> None:
    gitee.add_repo(
        "acme",
        "odd",
        files={"README.md": "x"},
        extra={"pushed_at": "2026-13-45", "stargazers_count": None, "project_labels": [{"name": 5}, "x"]},
    )
    gitee.add_repo("acme", "fine", files={"README.md": "x"})

    summary = run_sync(engine, source(gitee), full=True)

    assert summary.added == 2
    odd = projects(engine)["acme/odd"]
    assert odd.findings == ["pushed_at '2026-13-45' is not a timestamp"]
    assert (odd.stars, odd.topics, odd.pushed_at) == (0, ["x"], None)


def test_a_429_waits_retry_after_then_succeeds(engine: Engine, gitee: FakeGitee) -> None:
    gitee.generate("acme", 3)
    gitee.fail("/orgs/acme/repos", 429, retry_after=12)
    waits: list[float] = []

    summary = run_sync(engine, source(gitee, sleep=waits.append), full=True)

    assert summary.added == 3
    assert waits == [12.0]


def test_a_500_is_retried(engine: Engine, gitee: FakeGitee) -> None:
    gitee.generate("acme", 3)
    gitee.fail("/contents/innersource.json", 500, times=2)
    waits: list[float] = []

    summary = run_sync(engine, source(gitee, sleep=waits.append), full=True)

    assert summary.added == 3
    assert waits == [1.0, 2.0]
    assert projects(engine)["acme/module-0000"].title == "Module 0"


def test_the_token_stays_out_of_logs_and_errors(
    engine: Engine, gitee: FakeGitee, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # the CLI, run in-process by other tests, quiets httpx
    gitee.generate("acme", 2)
    gitee.fail("/orgs/acme/repos", 500, times=10)

    with pytest.raises(ForgeError) as failed:
        run_sync(engine, source(gitee, sleep=lambda _s: None), full=True)

    with pytest.raises(ForgeError) as refused:
        run_sync(engine, GiteeSource("ge", "acme", "wrong-gitee-token", url=gitee.api_url), full=True)
    assert "401" in str(refused.value)

    assert "HTTP Request: GET" in caplog.text  # httpx did log the requests, without the token
    assert "/api/v5/orgs/acme/repos?type=all&page=1" in caplog.text
    for text in (str(failed.value), str(refused.value), caplog.text):
        assert TOKEN not in text and "wrong-gitee-token" not in text and "access_token" not in text


def test_a_file_that_is_not_utf8_becomes_a_finding(engine: Engine, gitee: FakeGitee) -> None:
    repo = gitee.add_repo("acme", "odd", files={"README.md": "x", "innersource.json": "\udcff{}"})

    run_sync(engine, source(gitee), full=True)

    assert projects(engine)[repo.full_name].findings == ["innersource.json is not UTF-8 text"]
