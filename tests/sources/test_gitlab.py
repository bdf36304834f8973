import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from chatbot.models import Contribution, Issue, Project, ProjectOwner, SyncState
from chatbot.sources.gitlab import GitLabSource, responses
from chatbot.sources.http import ForgeError
from chatbot.sources.payloads import codeowners_logins
from chatbot.sources.readme import excerpt_of, readme_name
from chatbot.sources.sync import run_sync
from tests.fakes.forge import timestamp
from tests.fakes.gitlab import FakeGitLab

TOKEN = "glpat-Sup3rSecret-token-value"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def gitlab() -> Iterator[FakeGitLab]:
    with FakeGitLab(token=TOKEN) as fake:
        yield fake


def source(
    fake: FakeGitLab,
    *,
    topic: str | None = None,
    sleep: Callable[[float], None] = lambda _s: None,
    clock: Callable[[], float] = time.time,
) -> GitLabSource:
    return GitLabSource("gl", "acme", TOKEN, url=fake.url, topic=topic, sleep=sleep, clock=clock)


def projects(engine: Engine) -> dict[str, Project]:
    with Session(engine) as session:
        return {p.full_name: p for p in session.exec(select(Project)).all()}


def issues(engine: Engine, full_name: str) -> dict[int, Issue]:
    project = projects(engine)[full_name]
    with Session(engine) as session:
        found = session.exec(select(Issue).where(col(Issue.project_id) == project.id)).all()
    return {row.number: row for row in found}


def merge_requests(engine: Engine, full_name: str) -> dict[int, Contribution]:
    project = projects(engine)[full_name]
    with Session(engine) as session:
        found = session.exec(select(Contribution).where(col(Contribution.project_id) == project.id)).all()
    return {row.number: row for row in found}


def owners(engine: Engine, full_name: str) -> set[str]:
    project = projects(engine)[full_name]
    with Session(engine) as session:
        found = session.exec(select(ProjectOwner).where(col(ProjectOwner.project_id) == project.id)).all()
    return {o.forge_login for o in found if o.role == "codeowner"}


def readme_reads(fake: FakeGitLab) -> int:
    return sum(n for path, n in fake.calls.items() if "/repository/files/readme" in path.lower())


def memo_files(engine: Engine, pid: int) -> dict[str, Any]:
    with Session(engine) as session:
        state = session.exec(select(SyncState).where(col(SyncState.source_name) == "gl")).one()
    files: dict[str, Any] = state.memo["projects"][str(pid)]["files"]
    return files


def test_full_sync_stores_the_group_and_its_subgroups(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 24, subgroups=("acme/platform", "acme/data/deep"))
    gitlab.add_project("other", "not-ours", files={"README.md": "x"})

    summary = run_sync(engine, source(gitlab), full=True)

    assert summary.added == 24
    stored = projects(engine)
    assert "other/not-ours" not in stored
    assert {name.rsplit("/", 1)[0] for name in stored} == {"acme", "acme/platform", "acme/data/deep"}
    first = stored["acme/service-0000"]
    assert first.source == "gitlab" and first.origin == "gl"
    assert first.html_url == f"{gitlab.url}/acme/service-0000"
    assert first.key == f"127.0.0.1:{gitlab.url.rsplit(':', 1)[1]}/acme/service-0000"
    assert first.title == "Service 0"  # from innersource.json
    assert first.skills == ["python"]
    assert first.topics == ["innersource"]
    assert first.language == "Go"
    assert first.guidelines == "CONTRIBUTING.md" and first.has_contributing
    assert first.has_codeowners
    assert first.pushed_at == first.updated_at == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert first.visibility == "internal" and not first.archived
    assert first.findings == []
    assert stored["acme/platform/service-0001"].language == "Python"

    # CODEOWNERS in the root, in docs/ and in .gitlab/; the group entry (@acme/maintainers) is left out
    assert owners(engine, "acme/service-0000") == {"owner0"}
    assert owners(engine, "acme/platform/service-0001") == {"owner1"}
    assert owners(engine, "acme/data/deep/service-0002") == {"owner2"}
    assert owners(engine, "acme/service-0003") == set()
    assert not stored["acme/service-0003"].has_codeowners

    stored_issues = issues(engine, "acme/service-0000")
    assert [(i.title, i.labels, i.state) for i in stored_issues.values()] == [
        ("Add a CLI", ["help wanted"], "open"),
        ("Fix typos", ["good first issue", "docs"], "open"),
    ]
    mr = merge_requests(engine, "acme/data/deep/service-0020")[1]
    assert (mr.author, mr.last_response_by) == ("dev2", "reviewer1")


def test_a_subgroup_can_be_the_source(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 9, subgroups=("acme/platform", "acme/platform/tools"))
    platform = GitLabSource("platform", "acme/platform", TOKEN, url=gitlab.url)

    summary = run_sync(engine, platform, full=True)

    assert summary.added == 6
    assert gitlab.count("/groups/acme%2Fplatform/projects") == 1
    assert {p.owner_login for p in projects(engine).values()} == {"acme/platform", "acme/platform/tools"}


def test_an_unknown_group_stops_the_sync_and_removes_nothing(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 3)
    run_sync(engine, source(gitlab), full=True)

    with pytest.raises(ForgeError, match="404"):
        run_sync(engine, GitLabSource("gl", "acme-typo", TOKEN, url=gitlab.url), full=True)

    assert all(p.removed_at is None for p in projects(engine).values())


def test_resync_with_nothing_changed_costs_three_requests(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 120, subgroups=("acme/platform",))
    full = run_sync(engine, source(gitlab), full=True)
    assert full.requests == gitlab.requests
    assert readme_reads(gitlab) == 120  # one README.md per project, read on the first sync only
    assert full.requests - readme_reads(gitlab) < 120 * 4

    gitlab.reset_calls()
    again = run_sync(engine, source(gitlab))

    assert again.requests == gitlab.requests == 3
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert gitlab.count("/groups/acme/projects") == 1

    gitlab.reset_calls()
    full_again = run_sync(engine, source(gitlab), full=True)
    assert (full_again.updated, full_again.unchanged) == (0, 120)
    assert gitlab.count("/languages") == 0 and gitlab.count("/raw") == 0 and gitlab.count("/notes") == 0
    assert full_again.requests == 2 + 120 + 3  # listing pages, one tree per project, issues and MRs


def test_a_changed_project_is_updated(engine: Engine, gitlab: FakeGitLab) -> None:
    made = gitlab.generate("acme", 30)
    run_sync(engine, source(gitlab), full=True)
    changed = made[3]
    files = {**changed.files, "innersource.json": json.dumps({"title": "Renamed", "skills": ["rust"]})}
    gitlab.touch(changed, description="Now in Rust", topics=["innersource", "rust"], files=files)
    gitlab.touch(made[4], archived=True)
    gitlab.reset_calls()

    summary = run_sync(engine, source(gitlab))

    assert summary.updated == 2
    stored = projects(engine)
    project = stored["acme/service-0003"]
    assert (project.description, project.title, project.skills) == ("Now in Rust", "Renamed", ["rust"])
    assert project.topics == ["innersource", "rust"]
    assert stored["acme/service-0004"].archived
    assert stored["acme/service-0005"].description == "Service number 5"
    assert gitlab.count("/repository/tree") == 2  # only the changed projects were read
    assert summary.requests <= 3 + 2 * 4


def test_readme_excerpts_are_read_once_and_again_only_when_the_readme_changes(
    engine: Engine, gitlab: FakeGitLab
) -> None:
    made = gitlab.generate("acme", 6)
    gitlab.add_project("acme", "long", files={"README.md": "# Long\n\n" + "word " * 600})
    gitlab.add_project("acme", "plain", files={"readme.RST": "From the rst", "README": "From README\n"})
    gitlab.add_project("acme", "cased", files={"Readme.md": "  Cased  \n", "README.rst": "rst"})
    gitlab.add_project("acme", "none", files={"README.txt": "not one of ours", "src/a.py": "x"})

    run_sync(engine, source(gitlab), full=True)

    assert readme_reads(gitlab) == 6 + 3
    stored = projects(engine)
    assert stored["acme/service-0000"].readme_excerpt == "# service-0000"
    long = stored["acme/long"].readme_excerpt
    assert long.startswith("# Long") and long.endswith("…") and 1300 < len(long) <= 1501
    assert stored["acme/plain"].readme_excerpt == "From README"  # README before README.rst
    assert stored["acme/cased"].readme_excerpt == "Cased"  # README.md in any case comes first
    assert stored["acme/none"].readme_excerpt == "" and stored["acme/none"].findings == []
    assert memo_files(engine, made[0].id)["readme_excerpt"] == "# service-0000"

    # the project changed but its README did not: the tree is read again, the README is not
    gitlab.touch(made[1], description="New words", files={**made[1].files, "CHANGELOG.md": "1.0\n"})
    gitlab.reset_calls()
    summary = run_sync(engine, source(gitlab))
    assert summary.updated == 1 and gitlab.count("/repository/tree") == 1
    assert readme_reads(gitlab) == 0
    assert projects(engine)["acme/service-0001"].readme_excerpt == "# service-0001"

    gitlab.reset_calls()
    again = run_sync(engine, source(gitlab), full=True)
    assert readme_reads(gitlab) == 0 and (again.updated, again.unchanged) == (0, 10)

    gitlab.touch(made[2], files={**made[2].files, "README.md": "# Service two\n\nNow documented.\n"})
    gitlab.reset_calls()
    run_sync(engine, source(gitlab))
    assert [line for line in gitlab.log if "/repository/files/" in line] == [
        f"/api/v4/projects/{made[2].id}/repository/files/README.md/raw?ref=main"
    ]
    assert projects(engine)["acme/service-0002"].readme_excerpt == "# Service two\n\nNow documented."
    assert memo_files(engine, made[2].id)["readme_excerpt"] == "# Service two\n\nNow documented."


def test_a_deleted_project_is_marked_removed_after_a_full_sync(engine: Engine, gitlab: FakeGitLab) -> None:
    made = gitlab.generate("acme", 12, subgroups=("acme/platform",))
    run_sync(engine, source(gitlab), full=True)
    gitlab.delete(made[1])
    gitlab.touch(made[2], marked_for_deletion_at=timestamp(datetime.now(UTC)))

    incremental = run_sync(engine, source(gitlab))
    assert incremental.removed == 1  # the one pending deletion shows up as changed
    assert projects(engine)["acme/platform/service-0001"].removed_at is None

    full = run_sync(engine, source(gitlab), full=True)

    assert full.removed == 1
    stored = projects(engine)
    assert len(stored) == 12  # rows are kept for history
    assert stored["acme/platform/service-0001"].removed_at is not None
    assert stored["acme/service-0002"].removed_at is not None
    assert sum(1 for p in stored.values() if p.removed_at is None) == 10
    with Session(engine) as session:
        state = session.exec(select(SyncState).where(col(SyncState.source_name) == "gl")).one()
    assert str(made[1].id) not in state.memo["projects"]


def test_topic_filter_keeps_only_tagged_projects(engine: Engine, gitlab: FakeGitLab) -> None:
    made = gitlab.generate("acme", 10)
    summary = run_sync(engine, source(gitlab, topic="InnerSource"), full=True)
    assert summary.added == 5
    assert all(p.topics == ["innersource"] for p in projects(engine).values())

    gitlab.touch(made[0], topics=["retired"])
    after = run_sync(engine, source(gitlab, topic="innersource"), full=True)
    assert after.removed == 1
    assert projects(engine)["acme/service-0000"].removed_at is not None


def test_malformed_innersource_json_becomes_a_finding(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.add_project("acme", "broken", files={"README.md": "x", "innersource.json": '{"title": "oops",'})
    gitlab.add_project(
        "acme",
        "odd",
        files={
            "innersource.json": json.dumps({"title": 5, "governance_level": "anarchy", "skills": "go, k8s"})
        },
    )
    gitlab.add_project("acme", "fine", files={"README.md": "x", "innersource.json": '{"title": "Fine"}'})

    summary = run_sync(engine, source(gitlab), full=True)

    assert summary.added == 3
    stored = projects(engine)
    assert any("not valid JSON" in f for f in stored["acme/broken"].findings)
    odd = stored["acme/odd"]
    assert "title should be text" in odd.findings
    assert any(f.startswith("governance_level 'anarchy'") for f in odd.findings)
    assert "no README at the repository root" in odd.findings
    assert odd.skills == ["go", "k8s"]
    assert stored["acme/fine"].findings == [] and stored["acme/fine"].title == "Fine"


def test_odd_fields_become_findings_and_the_sync_goes_on(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.add_project(
        "acme",
        "odd",
        files={"README.md": "x"},
        extra={"created_at": "last spring", "star_count": "many", "topics": "not-a-list", "archived": "yes"},
    )
    gitlab.add_project("acme", "fine", files={"README.md": "x"})

    summary = run_sync(engine, source(gitlab), full=True)

    assert summary.added == 2
    odd = projects(engine)["acme/odd"]
    assert odd.findings == ["created_at 'last spring' is not a timestamp"]
    assert (odd.stars, odd.topics, odd.archived, odd.created_at) == (0, [], False, None)


def test_a_429_waits_retry_after_then_succeeds(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 3)
    gitlab.fail("/groups/acme/projects", 429, retry_after=7)
    waits: list[float] = []

    summary = run_sync(engine, source(gitlab, sleep=waits.append), full=True)

    assert summary.added == 3
    assert waits == [7.0]


def test_a_429_with_ratelimit_headers_waits_until_the_reset(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 2)
    clock = [1_800_000_000.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock[0] += seconds

    limited = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(clock[0]) + 30)}
    gitlab.fail("/languages", 429, retry_after=30, headers=limited)

    summary = run_sync(engine, source(gitlab, sleep=sleep, clock=lambda: clock[0]), full=True)

    assert summary.added == 2
    assert waits[0] == 30.0 and sum(waits) <= 32


def test_a_500_is_retried(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 3)
    gitlab.fail("/repository/tree", 500, times=2)
    gitlab.fail("/groups/acme/issues", 502)
    waits: list[float] = []

    summary = run_sync(engine, source(gitlab, sleep=waits.append), full=True)

    assert summary.added == 3
    assert sorted(waits) == [1.0, 1.0, 2.0]
    assert all(p.has_codeowners for name, p in projects(engine).items() if name != "acme/service-0003")


def test_the_token_stays_out_of_logs_and_errors(
    engine: Engine, gitlab: FakeGitLab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    gitlab.generate("acme", 2)
    gitlab.fail("/groups/acme/projects", 503, times=10)

    with pytest.raises(ForgeError) as failed:
        run_sync(engine, source(gitlab, sleep=lambda _s: None), full=True)
    assert "503" in str(failed.value)

    with pytest.raises(ForgeError) as refused:
        run_sync(engine, GitLabSource("gl", "acme", "glpat-wrong", url=gitlab.url), full=True)
    assert "401" in str(refused.value)

    for text in (str(failed.value), str(refused.value), caplog.text, repr(failed.value.__cause__)):
        assert TOKEN not in text
        assert "glpat-wrong" not in text


def test_a_sync_stopped_halfway_resumes_from_its_checkpoint(engine: Engine, gitlab: FakeGitLab) -> None:
    gitlab.generate("acme", 150)
    gitlab.fail("&page=2", 500, times=6)  # the second listing page, for all six attempts

    with pytest.raises(ForgeError):
        run_sync(engine, source(gitlab, sleep=lambda _s: None), full=True)
    assert len(projects(engine)) == 100
    gitlab.reset_calls()

    resumed = run_sync(engine, source(gitlab))

    assert resumed.resumed and (resumed.added, resumed.removed) == (50, 0)
    listing = [line for line in gitlab.log if "/groups/acme/projects" in line]
    assert len(listing) == 1 and listing[0].endswith("&page=2") and "order_by=id" in listing[0]
    assert len(projects(engine)) == 150


def test_new_closed_and_relabelled_issues_reach_the_catalog(engine: Engine, gitlab: FakeGitLab) -> None:
    made = gitlab.generate("acme", 12)
    run_sync(engine, source(gitlab), full=True)
    quiet = made[7]
    gitlab.add_issue(quiet, "Write a tutorial", labels=["good first issue"])
    old = made[0].issues[0]
    gitlab.update_issue(old, state="closed")
    gitlab.add_issue(made[5], "Not for newcomers", labels=["bug"])
    gitlab.reset_calls()

    summary = run_sync(engine, source(gitlab))

    assert [i.title for i in issues(engine, "acme/service-0007").values()] == ["Write a tutorial"]
    closed = issues(engine, "acme/service-0000")[1]
    assert closed.state == "closed" and closed.closed_at is not None
    assert issues(engine, "acme/service-0005") == {}
    # the gate, the two label lists, the MR gate, the listing, and the two projects read by id
    assert summary.requests == 7

    gitlab.reset_calls()
    assert run_sync(engine, source(gitlab)).requests <= 5  # the overlap window brings them back once


def test_mr_last_response_ignores_the_authors_own_and_system_notes(
    engine: Engine, gitlab: FakeGitLab
) -> None:
    project = gitlab.add_project("acme", "reviewed", files={"README.md": "x"})
    mr = gitlab.add_merge_request(project, "Add caching", author="alice", reviewers=["bob"], at=T0)
    gitlab.add_note(project, mr, "bob", "Please add a test", at=T0 + timedelta(hours=1))
    gitlab.add_note(project, mr, "alice", "Done!", at=T0 + timedelta(hours=2))
    gitlab.add_note(project, mr, "alice", "added 1 commit", system=True, at=T0 + timedelta(hours=3))
    gitlab.add_note(
        project, mr, "carol", "requested review from @bob", system=True, at=T0 + timedelta(hours=4)
    )
    gitlab.add_note(project, mr, "project_77_bot_1f2e", "Pipeline passed", at=T0 + timedelta(hours=5))
    draft = gitlab.add_merge_request(project, "Try things", author="dave", draft=True, at=T0)

    run_sync(engine, source(gitlab), full=True)

    stored = merge_requests(engine, "acme/reviewed")
    first = stored[mr.iid]
    assert first.last_response_by == "bob"
    assert first.last_response_at == T0 + timedelta(hours=1)
    assert first.author_last_update_at == T0 + timedelta(hours=3)
    assert first.requested_reviewers == ["bob"]
    other = stored[draft.iid]
    assert other.draft and other.last_response_at is None

    gitlab.add_note(project, mr, "erin", "LGTM")
    gitlab.reset_calls()
    run_sync(engine, source(gitlab))
    assert merge_requests(engine, "acme/reviewed")[mr.iid].last_response_by == "erin"
    assert gitlab.count("/notes") == 1  # only the MR that changed


def test_responses_from_notes() -> None:
    notes = [
        {"author": {"username": "renovate-bot"}, "system": False, "created_at": "2026-03-05T10:00:00Z"},
        {"author": {"username": "sam", "bot": True}, "system": False, "created_at": "2026-03-04T10:00:00Z"},
        {"author": {"username": "rae"}, "system": False, "created_at": "2026-03-02T10:00:00Z"},
        {"author": {"username": "kim"}, "system": False, "created_at": "2026-03-03T10:00:00Z"},
        {"author": None, "system": False, "created_at": "2026-03-06T10:00:00Z"},
        {"author": {"username": "kim"}, "system": False, "created_at": "not a date"},
    ]
    answer = responses(notes, "alice")
    assert answer.last_response_by == "kim"
    assert answer.last_response_at == datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert answer.author_last_update_at is None


def test_codeowners_logins() -> None:
    text = "\n".join(
        [
            "# comment @nobody",
            "*.py @alice @acme @acme/backend",
            "docs/\\ with\\ space/ @bob  # trailing @ignored",
            "[Database][2] @carol @@maintainer",
            "^[Optional] @dave",
            "/api/ alice@example.com @alice",
        ]
    )
    assert codeowners_logins(text, groups={"acme"}) == ["alice", "bob", "carol", "dave"]


def test_readme_name_and_excerpt() -> None:
    assert readme_name(["README.rst", "readme", "Readme.MD", "README.md"]) == "README.md"
    assert readme_name(["README.rst", "Readme"]) == "Readme"
    assert readme_name(["readme.rst", "README.en.md", "README.txt"]) == "readme.rst"
    assert readme_name(["README.en.md", "docs"]) is None
    assert excerpt_of(None) == excerpt_of(b"") == ""
    assert excerpt_of("\ufeff  Héllo\n\n".encode()) == "Héllo"
    assert excerpt_of(b"\x89PNG\r\n\x1a\n\x00\x00") == ""  # binary
    assert excerpt_of(b"caf\xe9") == "caf\ufffd"  # not UTF-8: replaced, not an error
    big = excerpt_of(b"word " * 50_000)
    assert big.endswith("…") and len(big) <= 1501
