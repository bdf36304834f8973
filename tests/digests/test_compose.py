from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from chatbot.catalog.queries import normalise_label
from chatbot.db import session_scope
from chatbot.models import Contribution, ForgeIdentity, Issue, Person, Project, ProjectOwner
from digests.compose import Digest, compose_digest, fts5_words, tsquery_words
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog

UNTIL = FIXED_NOW
SINCE = FIXED_NOW - timedelta(days=7)
LONG_AGO = FIXED_NOW - timedelta(days=400)


def add_project(
    engine: Engine, name: str, first_seen_at: datetime = SINCE + timedelta(days=1), **kw: Any
) -> int:
    org = kw.pop("owner_login", "acme")
    with session_scope(engine) as session:
        project = Project(
            key=f"git.example/{org}/{name}",
            source=kw.pop("source", "github"),
            name=name,
            full_name=f"{org}/{name}",
            owner_login=org,
            html_url=f"https://git.example/{org}/{name}",
            first_seen_at=first_seen_at,
            **kw,
        )
        session.add(project)
        session.flush()
        assert project.id is not None
        return project.id


def add_issue(
    engine: Engine,
    project_id: int,
    number: int,
    labels: list[str],
    *,
    labeled_at: datetime | None = SINCE + timedelta(days=1),
    first_seen_at: datetime = LONG_AGO,
    **kw: Any,
) -> None:
    with session_scope(engine) as session:
        session.add(
            Issue(
                project_id=project_id,
                number=number,
                title=kw.pop("title", f"Issue {number}"),
                url=f"https://git.example/issues/{number}",
                labels=labels,
                labeled_at=labeled_at,
                first_seen_at=first_seen_at,
                created_at=kw.pop("created_at", LONG_AGO),
                **kw,
            )
        )


def compose(engine: Engine, filters: str = "", **kw: Any) -> Digest:
    since = kw.pop("since", SINCE)
    until = kw.pop("until", UNTIL)
    with Session(engine) as session:
        return compose_digest(session, filters, since, until, **kw)


def project_names(digest: Digest) -> list[str]:
    return [p.full_name.split("/")[1] for p in digest.new_projects]


def issue_numbers(digest: Digest) -> list[int]:
    return [i.number for i in digest.new_issues]


# --- on the bundled sample -----------------------------------------------------------------------


def test_the_sample_has_a_week_of_news(engine: Engine, sample_catalog: SampleCatalog) -> None:
    sample_catalog(engine, FIXED_NOW)

    digest = compose(engine, with_stats=True)

    assert not digest.is_empty
    assert digest.period_start == SINCE and digest.period_end == UNTIL
    assert all(SINCE <= p.first_seen_at < UNTIL for p in digest.new_projects)
    assert all(SINCE <= i.since < UNTIL for i in digest.new_issues)
    assert all(
        {"help wanted", "good first issue"} & {normalise_label(x) for x in i.labels}
        for i in digest.new_issues
    )
    assert digest.contribution_stats is not None


def test_the_sample_filtered_by_language(engine: Engine, sample_catalog: SampleCatalog) -> None:
    sample_catalog(engine, FIXED_NOW)
    month = FIXED_NOW - timedelta(days=30)

    everything = compose(engine, since=month, per_section=50)
    python = compose(engine, "lang:python", since=month, per_section=50)

    with Session(engine) as session:
        languages = {p.id: p.language for p in session.exec(select(Project)).all()}
    assert python.new_projects and len(python.new_projects) < len(everything.new_projects)
    assert all(p.language == "Python" for p in python.new_projects)
    assert python.new_issues and all(languages[i.project_id] == "Python" for i in python.new_issues)


# --- the window ----------------------------------------------------------------------------------


def test_the_window_includes_its_start_and_excludes_its_end(engine: Engine) -> None:
    add_project(engine, "at-start", SINCE)
    add_project(engine, "just-before", SINCE - timedelta(microseconds=1))
    add_project(engine, "just-before-end", UNTIL - timedelta(seconds=1))
    add_project(engine, "at-end", UNTIL)

    assert sorted(project_names(compose(engine))) == ["at-start", "just-before-end"]


def test_issue_window_boundaries(engine: Engine) -> None:
    project = add_project(engine, "old", LONG_AGO)
    add_issue(engine, project, 1, ["help wanted"], labeled_at=SINCE)
    add_issue(engine, project, 2, ["help wanted"], labeled_at=SINCE - timedelta(seconds=1))
    add_issue(engine, project, 3, ["help wanted"], labeled_at=UNTIL)
    add_issue(engine, project, 4, ["help wanted"], labeled_at=UNTIL - timedelta(seconds=1))

    assert sorted(issue_numbers(compose(engine))) == [1, 4]


def test_a_newly_labelled_old_issue_is_news_and_an_old_label_is_not(engine: Engine) -> None:
    project = add_project(engine, "old", LONG_AGO)
    # Opened and first seen a year ago, labelled help wanted this week.
    add_issue(engine, project, 1, ["bug", "help wanted"], labeled_at=SINCE + timedelta(days=2))
    # First seen this week (a project just synced), but labelled long ago: not news.
    add_issue(
        engine, project, 2, ["help wanted"], labeled_at=LONG_AGO, first_seen_at=SINCE + timedelta(days=1)
    )
    # No label time known: first seen decides.
    add_issue(
        engine, project, 3, ["good first issue"], labeled_at=None, first_seen_at=SINCE + timedelta(days=1)
    )
    add_issue(engine, project, 4, ["good first issue"], labeled_at=None, first_seen_at=LONG_AGO)

    digest = compose(engine)

    assert sorted(issue_numbers(digest)) == [1, 3]
    assert digest.new_projects == []  # the project itself is old


def test_labels_are_normalised_and_other_labels_do_not_count(engine: Engine) -> None:
    project = add_project(engine, "p", LONG_AGO)
    add_issue(engine, project, 1, ["Help_Wanted"])
    add_issue(engine, project, 2, ["Good-First-Issue"])
    add_issue(engine, project, 3, ["GOOD FIRST ISSUE", "docs"])
    add_issue(engine, project, 4, ["bug"])
    add_issue(engine, project, 5, ["help wanted please"])
    add_issue(engine, project, 6, ["help wanted"], state="closed")

    digest = compose(engine)

    assert sorted(issue_numbers(digest)) == [1, 2, 3]
    by_number = {i.number: i for i in digest.new_issues}
    assert by_number[3].labels == ["GOOD FIRST ISSUE", "docs"]  # helpable first, as spelled


# --- filters -------------------------------------------------------------------------------------


@pytest.fixture
def catalog(engine: Engine) -> Engine:
    py = add_project(engine, "auth-py", language="Python", topics=["auth", "oauth"], owner_login="identity")
    go = add_project(engine, "kafka-go", language="Go", topics=["kafka"], owner_login="data", source="gitlab")
    add_project(
        engine, "token-vault", language="Rust", description="Keeps OAuth tokens safe", owner_login="security"
    )
    add_project(engine, "Dashboards", language="TypeScript", title="Team Dashboards", owner_login="ui")
    add_issue(engine, py, 1, ["help wanted"])
    add_issue(engine, go, 2, ["good first issue"])
    return engine


@pytest.mark.parametrize(
    ("filters", "projects", "issues"),
    [
        ("", ["Dashboards", "auth-py", "kafka-go", "token-vault"], [1, 2]),
        ("lang:python", ["auth-py"], [1]),
        ("lang:go,rust", ["kafka-go", "token-vault"], [2]),
        ("topic:kafka", ["kafka-go"], [2]),
        ("org:identity", ["auth-py"], [1]),
        ("team:DATA", ["kafka-go"], [2]),
        ("source:gitlab", ["kafka-go"], [2]),
        ("has:help-wanted", ["auth-py"], [1]),
        ("has:good-first-issue", ["kafka-go"], [2]),
        ("oauth", ["auth-py", "token-vault"], [1]),  # a topic, a description
        ("OAuth TOKENS", ["token-vault"], []),  # every word must match
        ("dashboards", ["Dashboards"], []),  # name and title, any case
        ("find me a kafka library", ["kafka-go"], [2]),  # filler words, as find drops them
        ("lang:cobol", [], []),
        ("100%_", [], []),  # LIKE wildcards are literal
    ],
)
def test_filters_as_find_parses_them(
    catalog: Engine, filters: str, projects: list[str], issues: list[int]
) -> None:
    digest = compose(catalog, filters)

    assert sorted(project_names(digest)) == projects
    assert sorted(issue_numbers(digest)) == issues
    assert digest.filters == filters


def test_has_filter_keeps_only_issues_with_that_label(engine: Engine) -> None:
    project = add_project(engine, "p")
    add_issue(engine, project, 1, ["help wanted"])
    add_issue(engine, project, 2, ["good first issue"])

    assert issue_numbers(compose(engine, "has:good-first-issue")) == [2]
    assert issue_numbers(compose(engine, "has:help-wanted")) == [1]


def test_archived_and_removed_projects_and_their_issues_are_left_out(engine: Engine) -> None:
    archived = add_project(engine, "archived", archived=True)
    removed = add_project(engine, "removed", removed_at=FIXED_NOW - timedelta(days=1))
    live = add_project(engine, "live")
    for number, project in enumerate((archived, removed, live), start=1):
        add_issue(engine, project, number, ["help wanted"])

    digest = compose(engine, "is:archived")  # a find-only filter: digests never list archived projects

    assert project_names(digest) == ["live"]
    assert issue_numbers(digest) == [3]


# --- ranking and limits --------------------------------------------------------------------------


def test_projects_rank_by_activity_band_then_freshness(engine: Engine) -> None:
    add_project(engine, "quiet-new", SINCE + timedelta(days=6), activity_score=10)
    add_project(engine, "busy-old", SINCE + timedelta(days=1), activity_score=2000)
    add_project(engine, "busy-new", SINCE + timedelta(days=5), activity_score=1500)  # same band as busy-old
    add_project(engine, "high", SINCE + timedelta(days=3), activity_score=400)

    assert project_names(compose(engine)) == ["busy-new", "busy-old", "high", "quiet-new"]


def test_unassigned_issues_come_first(engine: Engine) -> None:
    busy = add_project(engine, "busy", LONG_AGO, activity_score=3000)
    quiet = add_project(engine, "quiet", LONG_AGO, activity_score=0)
    add_issue(engine, busy, 1, ["help wanted"], assignees=["someone"], labeled_at=UNTIL - timedelta(hours=1))
    add_issue(engine, quiet, 2, ["help wanted"], labeled_at=SINCE + timedelta(days=1))
    add_issue(engine, busy, 3, ["good first issue"], labeled_at=SINCE + timedelta(days=1))
    add_issue(engine, quiet, 4, ["good first issue"], labeled_at=SINCE + timedelta(days=2))

    digest = compose(engine)

    assert issue_numbers(digest) == [3, 4, 2, 1]
    assert [i.assigned for i in digest.new_issues] == [False, False, False, True]


def test_at_most_per_section_then_more_counts(engine: Engine) -> None:
    for n in range(12):
        project = add_project(engine, f"p{n:02d}", SINCE + timedelta(hours=n), activity_score=n)
        add_issue(engine, project, n, ["help wanted"])

    digest = compose(engine, per_section=5)

    assert len(digest.new_projects) == 5 and digest.more_projects == 7
    assert len(digest.new_issues) == 5 and digest.more_issues == 7
    assert project_names(digest) == ["p11", "p10", "p09", "p08", "p07"]  # the freshest (all "Low" or less)

    counts_only = compose(engine, per_section=0)
    assert (
        counts_only.new_projects == [] and counts_only.more_projects == 12 and counts_only.more_issues == 12
    )
    assert not counts_only.is_empty

    everything = compose(engine, per_section=50)
    assert len(everything.new_projects) == 12 and everything.more_projects == 0


def test_an_empty_digest(engine: Engine) -> None:
    add_project(engine, "old", LONG_AGO)

    digest = compose(engine, with_stats=True)

    assert digest.is_empty
    assert digest.new_projects == [] and digest.new_issues == []
    assert digest.more_projects == 0 and digest.more_issues == 0
    assert digest.contribution_stats is not None and digest.contribution_stats.is_empty


def test_bad_arguments(engine: Engine) -> None:
    with pytest.raises(ValueError, match="aware"):
        compose(engine, since=SINCE.replace(tzinfo=None))
    with pytest.raises(ValueError, match="after"):
        compose(engine, since=UNTIL, until=SINCE)


# --- contribution figures ------------------------------------------------------------------------


def test_contribution_stats_count_only_outsiders(engine: Engine) -> None:
    project = add_project(engine, "p", LONG_AGO, owner_login="identity")
    other = add_project(engine, "q", LONG_AGO, owner_login="data")
    with session_scope(engine) as session:
        session.add(ProjectOwner(project_id=project, forge_login="owner", role="trusted_committer"))
        teammate = Person(display_name="Team Mate", team="identity")
        session.add(teammate)
        session.flush()
        assert teammate.id is not None
        session.add(ForgeIdentity(person_id=teammate.id, forge="github", login="teammate"))
        opened = SINCE + timedelta(days=1)

        def pr(number: int, author: str, **kw: Any) -> Contribution:
            return Contribution(
                project_id=kw.pop("project_id", project),
                number=number,
                title="t",
                author=author,
                created_at=kw.pop("created_at", opened),
                **kw,
            )

        session.add_all(
            [
                pr(1, "outsider", last_response_at=opened + timedelta(hours=4)),
                pr(2, "visitor", last_response_at=opened + timedelta(hours=10)),
                pr(3, "visitor", project_id=other),
                pr(4, "Owner"),  # an owner, any case
                pr(5, "teammate"),  # on the owning team
                pr(6, "renovate[bot]"),
                pr(7, "outsider", created_at=LONG_AGO, state="closed", closed_at=opened),  # closed this week
                pr(8, "outsider", created_at=LONG_AGO),  # neither opened nor closed this week
            ]
        )

    stats = compose(engine, with_stats=True).contribution_stats

    assert stats is not None
    assert (stats.opened, stats.closed, stats.projects) == (3, 1, 2)
    assert stats.median_first_response_hours == 7.0
    assert compose(engine).contribution_stats is None
    filtered = compose(engine, "org:data", with_stats=True).contribution_stats
    assert filtered is not None and (filtered.opened, filtered.projects) == (1, 1)
    add_issue(engine, other, 1, ["Help-Wanted"])
    helpable = compose(engine, "has:help-wanted", with_stats=True).contribution_stats
    assert helpable is not None and (helpable.opened, helpable.closed, helpable.projects) == (1, 0, 1)


def test_word_expressions_quote_what_they_are_given() -> None:
    assert fts5_words(["auth", 'say "hi" OR x', "go"]) == (
        '{name title topics description} : ("auth"* AND "say ""hi"" OR x" AND "go")'
    )
    assert tsquery_words(["node.js", "kafka", "&|!"]) == "(node:ABC <-> js:ABC) & (kafka:*ABC)"
    assert tsquery_words(["&|!"]) == "''"
