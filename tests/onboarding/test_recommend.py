from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.db import session_scope
from chatbot.models import Issue, Project
from chatbot.onboarding.recommend import Candidate, Recommendation, rank, recommended_issues
from tests.conftest import FIXED_NOW


def candidate(
    number: int,
    *,
    project_id: int = 1,
    labels: tuple[str, ...] = ("good first issue",),
    days_old: int = 1,
    assigned: bool = False,
    language: str | None = "Python",
    topics: tuple[str, ...] = (),
    skills: tuple[str, ...] = (),
) -> Candidate:
    return Candidate(
        project_id=project_id,
        project_name=f"project {project_id}",
        number=number,
        title=f"issue {number}",
        url=f"https://git.example/p{project_id}/issues/{number}",
        labels=labels,
        assigned=assigned,
        fresh_at=FIXED_NOW - timedelta(days=days_old),
        language=language,
        topics=topics,
        skills=skills,
    )


def numbers(recs: list[Recommendation]) -> list[int]:
    return [r.issue.number for r in recs]


def test_only_projects_matching_a_skill_by_language_topic_or_skill() -> None:
    issues = [
        candidate(1, project_id=1, language="Python"),
        candidate(2, project_id=2, language="Go", topics=("react", "frontend")),
        candidate(3, project_id=3, language="Java", skills=("Terraform",)),
        candidate(4, project_id=4, language="Rust"),
    ]
    assert numbers(rank(issues, ["python"])) == [1]
    assert numbers(rank(issues, ["react"])) == [2]
    assert numbers(rank(issues, ["terraform", "python"])) == [1, 3]
    assert rank(issues, ["react"])[0].matched == ("react",)


def test_skills_match_whatever_way_they_are_spelled() -> None:
    issues = [
        candidate(1, project_id=1, language="JavaScript"),
        candidate(2, project_id=2, language=None, topics=("k8s",)),
        candidate(3, project_id=3, language="Go", topics=("node-js",)),
        candidate(4, project_id=4, language=None, skills=("Machine Learning",)),
    ]
    assert numbers(rank(issues, ["js"])) == [1]
    assert numbers(rank(issues, ["Kubernetes"])) == [2]
    assert numbers(rank(issues, ["golang"])) == [3]
    assert numbers(rank(issues, ["nodejs"])) == [3]
    assert numbers(rank(issues, ["ml"])) == [4]
    assert numbers(rank(issues, ["learning"])) == [4]


def test_fresher_first_unassigned_and_helpable_only() -> None:
    issues = [
        candidate(1, project_id=1, days_old=10),
        candidate(2, project_id=2, days_old=2, labels=("help-wanted",)),
        candidate(3, project_id=3, days_old=1, assigned=True),
        candidate(4, project_id=4, days_old=0, labels=("bug",)),
        candidate(5, project_id=5, days_old=5, labels=("Good First Issue", "docs")),
    ]
    recs = rank(issues, ["python"])
    assert numbers(recs) == [2, 5, 1]
    assert [r.good_first for r in recs] == [False, True, True]


def test_one_busy_project_does_not_fill_the_list() -> None:
    busy = [candidate(n, project_id=1, days_old=0) for n in range(10)]
    other = [candidate(100, project_id=2, days_old=30)]
    recs = rank(busy + other, ["python"], limit=5, per_project=3)
    assert numbers(recs) == [0, 1, 2, 100]


def test_without_skills_every_project_counts() -> None:
    issues = [
        candidate(1, language="Rust", days_old=3),
        candidate(2, project_id=2, language=None, days_old=1),
    ]
    assert numbers(rank(issues, [])) == [2, 1]


def _project(session: Session, name: str, **fields: Any) -> Project:
    project = Project(key=name, source="github", name=name, full_name=f"org/{name}", **fields)
    session.add(project)
    session.flush()
    return project


def _issue(
    session: Session, project: Project, number: int, labels: list[str], when: datetime, **fields: Any
) -> None:
    assert project.id is not None
    session.add(
        Issue(
            project_id=project.id,
            number=number,
            title=f"issue {number}",
            labels=labels,
            created_at=when,
            **fields,
        )
    )


def test_the_catalog_gives_fresh_open_issues_of_live_projects(engine: Engine) -> None:
    with session_scope(engine) as session:
        live = _project(session, "ledger", language="Python", title="Ledger")
        archived = _project(session, "old", language="Python", archived=True)
        removed = _project(session, "gone", language="Python", removed_at=FIXED_NOW)
        _issue(session, live, 1, ["good-first-issue"], FIXED_NOW - timedelta(days=9))
        _issue(session, live, 2, ["Help Wanted"], FIXED_NOW - timedelta(days=20), labeled_at=FIXED_NOW)
        _issue(session, live, 3, ["good first issue"], FIXED_NOW, state="closed")
        _issue(session, live, 4, ["enhancement"], FIXED_NOW)
        _issue(session, live, 5, ["good first issue"], FIXED_NOW, assignees=["mona"])
        _issue(session, archived, 6, ["good first issue"], FIXED_NOW)
        _issue(session, removed, 7, ["good first issue"], FIXED_NOW)
    with Session(engine) as session:
        recs = recommended_issues(session, ["python"])
    assert numbers(recs) == [2, 1]  # #2 was labelled today, so it is the fresher one
    assert recs[0].issue.project_name == "Ledger"
