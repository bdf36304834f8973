"""The full project card (`/innersource project <name>`) as pure functions over plain data."""

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chatbot.catalog import views as catalog_views
from chatbot.catalog.cards import (
    Committer,
    IssueLine,
    ProjectCard,
    ProjectDetail,
    contribute_url,
    contributing_url,
    detail_for,
    governance_words,
    issues_url,
    labelled_issues_url,
    recent_weeks,
    sparkline,
)
from chatbot.catalog.queries import IssueCounts
from chatbot.models import Issue, Project
from chatbot.slack import blocks
from chatbot.slack.markup import MAX_URL

HOSTILE = "<!channel> @here <@U123> <!subteam^S1|@team> <https://evil.example|click here> &"
DANGEROUS = ("<!channel>", "<!here", "<@U123>", "<!subteam", "<https://evil.example", "@here", "@channel")
REPO = "https://git.example/x/lib"
NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)


def make_card(**overrides: Any) -> ProjectCard:
    values: dict[str, Any] = {
        "project_id": 7,
        "full_name": "x/lib",
        "title": "Lib",
        "url": REPO,
        "description": "A library.",
        "language": "Python",
        "topics": ["auth"],
        "activity": "High",
        "help_wanted": 1,
        "good_first": 1,
        "contribute_url": REPO,
    }
    values.update(overrides)
    return ProjectCard(**values)


def make_detail(card: ProjectCard | None = None, **overrides: Any) -> ProjectDetail:
    values: dict[str, Any] = {
        "card": card or make_card(),
        "about": "Why you should help.",
        "contributions_wanted": ["Bugfixes"],
        "skills": ["Python"],
        "governance": "Contributions welcome",
        "committers": [Committer(name="Ada Lovelace", github="ada")],
        "repo_url": REPO,
        "docs_url": "https://docs.example/lib",
        "contributing_url": f"{REPO}/blob/main/CONTRIBUTING.md",
        "issues_url": f"{REPO}/issues",
        "participation": [1] * 40 + [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14],
        "issues": [IssueLine(12, "Fix the thing", f"{REPO}/issues/12", ["help wanted"])],
        "open_issues": 1,
    }
    values.update(overrides)
    return ProjectDetail(**values)


def hostile_detail(issue_count: int = 3) -> ProjectDetail:
    card = make_card(
        full_name=HOSTILE,
        title=HOSTILE,
        description=HOSTILE,
        language=HOSTILE,
        topics=[HOSTILE, "<!here>"],
        activity="High",
        contribute_url="https://evil.example/|<!channel>",
        trusted_committers=[HOSTILE],
        chat_channel=HOSTILE,
        archived=True,
        findings=[HOSTILE],
    )
    return make_detail(
        card,
        about=HOSTILE + "\n\n" + HOSTILE,
        contributions_wanted=[HOSTILE],
        skills=[HOSTILE, "@everyone"],
        governance=HOSTILE,
        committers=[
            Committer(name=HOSTILE, github="here", role=HOSTILE),
            Committer(name="", github="channel"),
        ],
        repo_url="javascript:alert(1)",
        docs_url="https://evil.example/x|<!channel>",
        contributing_url="https://evil.example/x <!here>",
        issues_url=None,
        issues=[
            IssueLine(i, HOSTILE, "https://evil.example|<!channel>", [HOSTILE, "`<!here>`"], assigned=True)
            for i in range(issue_count)
        ],
        open_issues=issue_count + 10,
        more_issues_url="https://evil.example/more|<!channel>",
        also=[HOSTILE, "`<!here>`"],
    )


def mrkdwn_texts(rendered: list[dict[str, Any]]) -> list[str]:
    texts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(rendered)
    return texts


def assert_within_slack_limits(rendered: list[dict[str, Any]]) -> None:
    assert len(rendered) <= blocks.MAX_BLOCKS
    for block in rendered:
        if block["type"] == "section":
            assert "text" in block or "fields" in block
            if "text" in block:
                assert 0 < len(block["text"]["text"]) <= blocks.MAX_SECTION_TEXT
            fields = block.get("fields", [])
            assert len(fields) <= 10
            assert all(0 < len(f["text"]) <= blocks.MAX_FIELD_TEXT for f in fields)
        elif block["type"] == "header":
            assert 0 < len(block["text"]["text"]) <= blocks.MAX_HEADER_TEXT
        elif block["type"] == "context":
            assert 0 < len(block["elements"]) <= blocks.MAX_CONTEXT_ELEMENTS
            assert all(len(e["text"]) <= blocks.MAX_FIELD_TEXT for e in block["elements"])
        elif block["type"] == "actions":
            assert 0 < len(block["elements"]) <= 25
            assert len(block.get("block_id", "")) <= 255
            for button in block["elements"]:
                assert len(button["text"]["text"]) <= blocks.MAX_BUTTON_TEXT
                assert len(button.get("url", "")) <= MAX_URL
                assert len(button.get("value", "")) <= blocks.MAX_BUTTON_VALUE


def assert_links_only_to(rendered: list[dict[str, Any]], allowed: set[str]) -> None:
    """Every `<...>` in mrkdwn is one of our own links, to a URL we chose to link."""
    for text in mrkdwn_texts(rendered):
        for inner in re.findall(r"<([^>]*)>", text):
            url, bar, _label = inner.partition("|")
            assert bar and url in allowed, inner


# --- pure helpers ---------------------------------------------------------------------------------


def test_sparkline_scales_to_the_busiest_week() -> None:
    assert sparkline([]) == ""
    assert sparkline([0, 0, 0]) == "▁▁▁"
    line = sparkline([0, 1, 2, 4, 8])
    assert len(line) == 5
    assert line[0] == "▁" and line[-1] == "█"
    assert line[1] != "▁"  # one commit is more than none
    assert list(line) == sorted(line)


def test_recent_weeks_are_the_last_twelve() -> None:
    assert recent_weeks(list(range(52))) == list(range(40, 52))
    assert recent_weeks([3, 4]) == [3, 4]
    assert recent_weeks([]) == []


@pytest.mark.parametrize(
    ("level", "words"),
    [
        ("bug_reports", "Bug reports and issues welcome"),
        ("contributions_welcome", "Contributions welcome"),
        ("shared_write", "Shared write access"),
        ("shared_ownership", "Shared ownership"),
        (None, None),
    ],
)
def test_governance_level_in_words(level: str | None, words: str | None) -> None:
    assert governance_words(level) == words


def test_join_within_says_how_many_were_left_out() -> None:
    parts = [f"skill-{i:02d}" for i in range(40)]
    joined = blocks.join_within(parts, 100)
    assert len(joined) <= 100
    assert joined.startswith("skill-00, skill-01")
    shown = joined.count("skill-")
    assert joined.endswith(f" and {40 - shown} more")
    assert blocks.join_within(["a", "b"], 100) == "a, b"


def test_escaped_fits_even_when_escaping_makes_text_longer() -> None:
    out = blocks.escaped("<" * 500, 100)
    assert len(out) <= 100
    assert "<" not in out


# --- the card -------------------------------------------------------------------------------------


def test_card_shows_every_part() -> None:
    detail = make_detail(also=["x/lib-go", "x/lib-js"])
    rendered = catalog_views.project_detail(detail)
    text = json.dumps(rendered, ensure_ascii=False)
    assert rendered[0] == blocks.header("Lib")
    assert "Why you should help." in text
    for label, value in [
        ("Contributions wanted", "Bugfixes"),
        ("Skills", "Python"),
        ("Governance", "Contributions welcome"),
        ("Trusted committers", "Ada Lovelace (@ada)"),
    ]:
        assert f"*{label}*\\n{value}" in text
    assert f"<{REPO}|Repository>" in text
    assert "<https://docs.example/lib|Docs>" in text
    assert f"<{REPO}/blob/main/CONTRIBUTING.md|CONTRIBUTING>" in text
    assert f"<{REPO}/issues|Issues>" in text
    assert "*Activity:* High · 69 commits over the last 12 weeks" in text
    assert sparkline(recent_weeks(detail.participation)) in text
    assert f"<{REPO}/issues/12|#12 Fix the thing> `help wanted`" in text
    assert "Also: `x/lib-go`, `x/lib-js`" in text
    buttons = [e["action_id"] for b in rendered if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["contribute", "good_first_issues", "share_project"]
    assert_within_slack_limits(rendered)


def test_activity_without_participation_says_there_is_no_commit_data() -> None:
    rendered = catalog_views.project_detail(make_detail(participation=[]))
    text = json.dumps(rendered, ensure_ascii=False)
    assert "no commit data" in text
    assert "commits over" not in text
    assert "no commit data" in catalog_views.project_detail_text(make_detail(participation=[]))


def test_one_commit_is_singular() -> None:
    assert "1 commit over the last 12 weeks" in catalog_views.activity_text(
        make_detail(participation=[0] * 11 + [1])
    )


def test_no_help_wanted_issues_is_said_plainly() -> None:
    rendered = catalog_views.project_detail(make_detail(issues=[], open_issues=0))
    assert "No open help-wanted or good first issues" in json.dumps(rendered)


def test_more_issues_link_to_the_filtered_issue_list() -> None:
    issues = [IssueLine(i, f"Issue {i}", f"{REPO}/issues/{i}", ["good first issue"]) for i in range(5)]
    more = f"{REPO}/issues?q=is%3Aissue+is%3Aopen+label%3A%22good+first+issue%22"
    rendered = catalog_views.project_detail(make_detail(issues=issues, open_issues=12, more_issues_url=more))
    text = json.dumps(rendered, ensure_ascii=False)
    assert "*12 open help-wanted / good first issues*" in text
    assert text.count("• <") == 5
    assert f"<{more}|and 7 more>" in text


def test_archived_projects_are_marked() -> None:
    rendered = catalog_views.project_detail(make_detail(make_card(archived=True)))
    assert "archived" in rendered[1]["elements"][0]["text"]
    assert "[archived]" in catalog_views.project_detail_text(make_detail(make_card(archived=True)))


def test_catalog_findings_are_shown_to_fix() -> None:
    rendered = catalog_views.project_detail(
        make_detail(make_card(findings=["skills should be a list of text"]))
    )
    assert "skills should be a list of text" in json.dumps(rendered)


def test_chat_channel_as_url_is_a_link() -> None:
    card = make_card(chat_channel="https://chat.example/room")
    text = json.dumps(catalog_views.project_detail(make_detail(card)))
    assert "<https://chat.example/room|chat>" in text


def test_hostile_strings_in_every_field_are_inert() -> None:
    detail = hostile_detail()
    rendered = catalog_views.project_detail(detail)
    fallback = catalog_views.project_detail_text(detail)
    for output in (json.dumps(rendered, ensure_ascii=False), fallback):
        for dangerous in DANGEROUS:
            assert dangerous not in output, dangerous
    assert "&lt;!channel&gt;" in json.dumps(rendered)
    # The only links are ones we made ourselves, to nothing the hostile data supplied.
    assert_links_only_to(rendered, allowed=set())
    assert_within_slack_limits(rendered)


def test_contribute_button_skips_urls_slack_would_refuse() -> None:
    def contribute(detail: ProjectDetail) -> list[str]:
        rendered = catalog_views.project_detail(detail)
        return [e["url"] for b in rendered if b["type"] == "actions" for e in b["elements"] if "url" in e]

    broken_docs = make_card(contribute_url="https://docs.example/a b")
    assert contribute(make_detail(broken_docs, docs_url=None)) == [f"{REPO}/blob/main/CONTRIBUTING.md"]
    assert contribute(make_detail()) == [REPO]
    assert contribute(hostile_detail()) == []


def test_a_login_called_here_cannot_broadcast() -> None:
    detail = make_detail(
        committers=[Committer(name="Here", github="here"), Committer(name="", github="channel")]
    )
    text = json.dumps(catalog_views.project_detail(detail), ensure_ascii=False)
    assert "@here" not in text and "@channel" not in text
    assert "@\u2060here" in text


def test_huge_data_stays_within_slack_limits() -> None:
    long_url = REPO + "/" + "a" * 2900
    detail = make_detail(
        make_card(title="T" * 400, topics=[f"topic-{i}" * 5 for i in range(50)], findings=["f" * 500] * 30),
        about="word " * 3000,
        contributions_wanted=["c" * 300 for _ in range(40)],
        skills=[f"skill-{i}-" + "s" * 200 for i in range(40)],
        committers=[Committer(name="N" * 300, github="g" * 300, role="r" * 300) for _ in range(60)],
        docs_url=long_url,
        contributing_url=long_url,
        issues_url=long_url,
        issues=[IssueLine(i, "t" * 2000, long_url, ["l" * 100] * 20) for i in range(100)],
        open_issues=100,
        more_issues_url=long_url,
        also=["o" * 500] * 4,
    )
    rendered = catalog_views.project_detail(detail)
    assert_within_slack_limits(rendered)
    assert len(catalog_views.project_detail_text(detail)) <= blocks.MAX_FALLBACK_TEXT
    skills = next(
        f["text"] for b in rendered for f in b.get("fields", []) if f["text"].startswith("*Skills*")
    )
    assert re.search(r" and \d+ more$", skills)
    issues = next(
        b["text"]["text"] for b in rendered if "open help-wanted" in b.get("text", {}).get("text", "")
    )
    assert issues.count("• ") <= 5
    assert "more" in issues


def test_hostile_data_at_size_stays_within_limits() -> None:
    detail = hostile_detail(issue_count=100)
    detail = replace(detail, skills=[HOSTILE] * 40, committers=[Committer(HOSTILE, HOSTILE)] * 40)
    rendered = catalog_views.project_detail(detail)
    assert_within_slack_limits(rendered)
    for dangerous in DANGEROUS:
        assert dangerous not in json.dumps(rendered, ensure_ascii=False)


# --- from a catalog row to the card's data --------------------------------------------------------


def make_project(**overrides: Any) -> Project:
    values: dict[str, Any] = {
        "id": 7,
        "key": "git.example/x/lib",
        "source": "github",
        "name": "lib",
        "full_name": "x/lib",
        "html_url": REPO,
        "language": "Go",
    }
    values.update(overrides)
    return Project(**values)


def make_issue(number: int, labels: list[str], *, assignees: list[str] | None = None) -> Issue:
    return Issue(
        project_id=7,
        number=number,
        title=f"Issue {number}",
        url=f"{REPO}/issues/{number}",
        labels=labels,
        assignees=assignees or [],
        created_at=NOW - timedelta(days=number),
    )


def test_defaults_as_the_portal_shows_them() -> None:
    detail = detail_for(make_project(), IssueCounts(), [])
    assert detail.contributions_wanted == ["Any"]
    assert detail.skills == ["Go"]
    assert detail.card.title == "Lib"
    assert detail.about == ""
    assert detail.governance is None
    assert detail_for(make_project(language=None), IssueCounts(), []).skills == []


def test_motivation_first_then_description() -> None:
    assert detail_for(make_project(motivation="M", description="D"), IssueCounts(), []).about == "M"
    assert detail_for(make_project(description="D"), IssueCounts(), []).about == "D"


def test_trusted_committers_keep_name_login_and_role() -> None:
    project = make_project(
        trusted_committers=[
            {"name": "Ada Lovelace", "github": "ada", "role": "maintainer"},
            {"github": "@bob"},
            {"name": ""},
            "not a dict",
        ]
    )
    detail = detail_for(project, IssueCounts(), [])
    assert detail.committers == [
        Committer("Ada Lovelace", "ada", "maintainer"),
        Committer("bob", "bob", ""),
    ]
    text = json.dumps(catalog_views.project_detail(detail))
    assert "Ada Lovelace (@ada), _maintainer_, @bob" in text


def test_contribute_goes_to_docs_then_contributing_then_repository() -> None:
    both = make_project(docs_url="https://docs.example/lib", guidelines="CONTRIBUTING.md")
    assert contribute_url(both) == "https://docs.example/lib"
    assert contribute_url(make_project(guidelines="CONTRIBUTING.md")) == f"{REPO}/blob/main/CONTRIBUTING.md"
    assert contribute_url(make_project()) == REPO
    assert contribute_url(make_project(docs_url="javascript:alert(1)")) == REPO


def test_contributing_link_per_forge() -> None:
    assert contributing_url(make_project()) is None
    gitlab = make_project(source="gitlab", guidelines="docs/CONTRIBUTING.md", default_branch="dev")
    assert contributing_url(gitlab) == f"{REPO}/-/blob/dev/docs/CONTRIBUTING.md"
    spaced = make_project(guidelines="How to help.md")
    assert contributing_url(spaced) == f"{REPO}/blob/main/How%20to%20help.md"
    assert (
        contributing_url(make_project(guidelines="https://wiki.example/help")) == "https://wiki.example/help"
    )


def test_issues_link_prefers_the_tracker_named_in_innersource_json() -> None:
    named = make_project(innersource_metadata={"communication": {"issues": "https://jira.example/LIB"}})
    assert issues_url(named) == "https://jira.example/LIB"
    assert issues_url(make_project()) == f"{REPO}/issues"
    placeholder = make_project(innersource_metadata={"communication": {"issues": "TODO"}})
    assert issues_url(placeholder) == f"{REPO}/issues"


def test_labelled_issue_list_per_forge() -> None:
    url = labelled_issues_url(make_project(), ["help wanted", "good first issue"])
    assert url == (f"{REPO}/issues?q=is%3Aissue+is%3Aopen+label%3A%22help+wanted%22%2C%22good+first+issue%22")
    gitlab = labelled_issues_url(make_project(source="gitlab"), ["help wanted"])
    assert gitlab == f"{REPO}/-/issues?state=opened&label_name[]=help%20wanted"
    assert blocks.link(url, "x") != "x"
    assert blocks.link(gitlab, "x") != "x"


def test_only_five_issues_with_a_link_to_the_rest() -> None:
    issues = [make_issue(n, ["help-wanted"]) for n in range(1, 4)]
    issues += [make_issue(n, ["good first issue", "docs"]) for n in range(4, 9)]
    detail = detail_for(make_project(), IssueCounts(3, 5), issues)
    assert [i.number for i in detail.issues] == [1, 2, 3, 4, 5]
    assert detail.open_issues == 8
    assert detail.more_issues_url == f"{REPO}/issues?q=is%3Aissue+is%3Aopen+label%3A%22good+first+issue%22"
    text = json.dumps(catalog_views.project_detail(detail))
    assert f"<{detail.more_issues_url}|and 3 more>" in text


def test_a_hundred_issues_from_the_catalog_fit() -> None:
    issues = [make_issue(n, ["help wanted", "good first issue"]) for n in range(100)]
    project = make_project(skills=[f"skill {i}" for i in range(40)], participation=list(range(52)))
    rendered = catalog_views.project_detail(detail_for(project, IssueCounts(100, 100), issues))
    assert_within_slack_limits(rendered)
    text = json.dumps(rendered)
    assert "and 95 more" in text
    assert "skill 39" in text
