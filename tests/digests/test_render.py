import json
import re
from datetime import timedelta
from typing import Any

import pytest

from chatbot.slack.blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK_TEXT,
    MAX_FIELD_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
)
from digests.compose import ContributionStats, Digest, DigestIssue, DigestProject
from digests.render import find_commands, render_digest
from tests.conftest import FIXED_NOW

SINCE = FIXED_NOW - timedelta(days=7)
HOSTILE = "<!channel> @here @everyone <@U123|boss> <https://evil.example|click me> & <script>`x`"
# The only angle-bracket tokens the renderer may produce: links to http(s) URLs and <!date^...> stamps.
OUR_TOKENS = re.compile(r"<(https?://[^\s<>|]+\|[^<>]*|!date\^\d+\^\{date_long_pretty\} \{time\}\|[^<>]*)>")


def project(n: int = 1, **kw: Any) -> DigestProject:
    values: dict[str, Any] = {
        "project_id": n,
        "full_name": f"acme/project-{n}",
        "title": f"Project {n}",
        "url": f"https://git.example/acme/project-{n}",
        "description": f"What project {n} does.",
        "language": "Python",
        "topics": ["auth"],
        "activity": "High",
        "activity_score": 400,
        "first_seen_at": SINCE + timedelta(days=1),
    }
    return DigestProject(**{**values, **kw})


def issue(n: int = 1, **kw: Any) -> DigestIssue:
    values: dict[str, Any] = {
        "issue_id": n,
        "number": n,
        "title": f"Fix thing {n}",
        "url": f"https://git.example/acme/project-1/issues/{n}",
        "labels": ["help wanted"],
        "assigned": False,
        "since": SINCE + timedelta(days=2),
        "project_id": 1,
        "project_full_name": "acme/project-1",
        "project_title": "Project 1",
        "project_url": "https://git.example/acme/project-1",
        "project_activity": "High",
    }
    return DigestIssue(**{**values, **kw})


def digest(**kw: Any) -> Digest:
    values: dict[str, Any] = {"period_start": SINCE, "period_end": FIXED_NOW, "filters": ""}
    return Digest(**{**values, **kw})


def rendered(d: Digest, **kw: Any) -> tuple[str, list[dict[str, Any]]]:
    result = render_digest(d, **kw)
    assert result is not None
    return result


def mrkdwn_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = []
    for block in blocks:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(e["text"] for e in block["elements"])
        elif block["type"] == "header":
            texts.append(block["text"]["text"])
    return texts


def assert_inert(text: str) -> None:
    leftover = OUR_TOKENS.sub("", text)
    assert "<" not in leftover and ">" not in leftover, leftover
    assert not re.search(r"@(here|channel|everyone)\b", text, re.IGNORECASE)


def assert_within_limits(blocks: list[dict[str, Any]], text: str) -> None:
    assert 0 < len(blocks) <= MAX_BLOCKS
    assert 0 < len(text) <= MAX_FALLBACK_TEXT
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        elif block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        elif block["type"] == "context":
            assert 1 <= len(block["elements"]) <= 10
            assert all(len(e["text"]) <= MAX_FIELD_TEXT for e in block["elements"])


def test_a_digest_with_both_sections() -> None:
    d = digest(
        filters="lang:python",
        new_projects=[project(1), project(2)],
        new_issues=[issue(1), issue(2, labels=["good first issue", "docs"], assigned=True)],
        more_projects=3,
        more_issues=1,
    )

    text, blocks = rendered(d, channel_name="#platform")

    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "InnerSource digest", "emoji": True},
    }
    body = "\n".join(mrkdwn_texts(blocks))
    assert "*New projects* (5)" in body and "*New help-wanted and good first issues* (3)" in body
    assert "<https://git.example/acme/project-1|Project 1>" in body
    assert "What project 1 does." in body
    assert "<https://git.example/acme/project-1/issues/2|#2 Fix thing 2>" in body
    assert "`good first issue` `docs` _(assigned)_" in body
    assert "#platform" in body and "`lang:python`" in body
    assert "…and 3 more new projects: `/innersource find lang:python sort:new`" in body
    assert "…and 1 more issue: `/innersource find lang:python has:help-wanted`" in body
    assert "`/innersource find lang:python has:good-first-issue`" in body
    footer = blocks[-1]["elements"][0]["text"]
    assert "Monday 9 November 2026, 10:00 UTC" in footer and "Monday 16 November 2026, 10:00 UTC" in footer
    assert "(7 days)" in footer
    assert text.startswith(
        "InnerSource digest for the last 7 days. 5 new projects: Project 1, Project 2. 3 new"
    )
    assert "#2 Fix thing 2 (acme/project-1)" in text
    assert_within_limits(blocks, text)


def test_a_divider_between_the_sections_only() -> None:
    _, blocks = rendered(digest(new_projects=[project(1)], new_issues=[issue(1)]))

    assert [b["type"] for b in blocks] == ["header", "section", "divider", "section", "context"]


def test_only_one_section_and_no_filters() -> None:
    text, blocks = rendered(digest(new_issues=[issue(1)], more_issues=0))

    body = "\n".join(mrkdwn_texts(blocks))
    assert "New projects" not in body and "more" not in body
    assert not any(b["type"] == "divider" for b in blocks)
    assert "1 new help-wanted or good first issue:" in text


def test_more_projects_without_filters_has_no_find_command() -> None:
    # find refuses `sort:new` alone, so there is no command to point to.
    _, blocks = rendered(digest(new_projects=[project(1)], more_projects=4))

    body = "\n".join(mrkdwn_texts(blocks))
    assert "…and 4 more new projects." in body


@pytest.mark.parametrize(
    ("filters", "issues", "expected"),
    [
        ("", False, []),
        ("", True, ["has:help-wanted", "has:good-first-issue"]),
        ("Lang:Python  auth", False, ["auth lang:python sort:new"]),
        ("topic:kafka sort:stars is:archived has:nope", False, ["topic:kafka sort:new"]),
        ("has:good-first-issue org:data", True, ["org:data has:good-first-issue"]),
    ],
)
def test_find_commands(filters: str, issues: bool, expected: list[str]) -> None:
    assert find_commands(filters, issues=issues) == expected


def test_hostile_strings_are_inert() -> None:
    evil_project = project(
        1,
        title=HOSTILE,
        full_name="acme/`<!here>`",
        description=HOSTILE + "\n\nsecond paragraph",
        language="<!subteam^S123>",
        url="javascript:alert(1)",
    )
    evil_issue = issue(
        1,
        title=HOSTILE,
        labels=[HOSTILE, "`<!channel>`"],
        url="https://git.example/x|<!channel>",
        project_full_name="<@U999>",
        project_url="https://ok.example/a>b",
    )
    d = digest(
        filters=HOSTILE, new_projects=[evil_project], new_issues=[evil_issue], more_projects=2, more_issues=2
    )

    text, blocks = rendered(d, channel_name=HOSTILE)

    for part in [text, *mrkdwn_texts(blocks)]:
        assert_inert(part)
    assert "javascript:" not in json.dumps(blocks).replace("javascript:alert(1)", "")  # never a link target
    assert "&lt;!channel&gt;" in text
    assert_within_limits(blocks, text)
    quiet = render_digest(digest(filters=HOSTILE), quiet_note=True)
    assert quiet is not None
    for part in [quiet[0], *mrkdwn_texts(quiet[1])]:
        assert_inert(part)


def test_a_huge_url_loses_its_link_not_the_item() -> None:
    huge = "https://git.example/" + "a" * 2900
    _, blocks = rendered(digest(new_projects=[project(1, url=huge)], new_issues=[issue(1, url=huge)]))

    body = "\n".join(mrkdwn_texts(blocks))
    assert huge not in body
    assert "*Project 1*" in body and "#1 Fix thing 1" in body


def test_two_hundred_items_stay_within_limits() -> None:
    long = "word " * 400
    d = digest(
        filters="lang:python",
        new_projects=[project(n, title=long, description=long) for n in range(200)],
        new_issues=[
            issue(n, title=long, labels=["help wanted", "good first issue", long]) for n in range(200)
        ],
        more_projects=50,
        more_issues=0,
        contribution_stats=ContributionStats(
            opened=12, closed=8, projects=5, median_first_response_hours=30.2
        ),
    )

    text, blocks = rendered(d)

    assert_within_limits(blocks, text)
    body = "\n".join(mrkdwn_texts(blocks))
    shown_projects = body.count("<https://git.example/acme/project-")
    more = re.search(r"…and (\d+) more new projects", body)
    assert more is not None
    # Everything not shown is counted: the 50 the composer left out plus those that did not fit.
    assert int(more.group(1)) == 250 - sum(
        1 for line in body.splitlines() if line.startswith("• *<https://git.example/acme/project-")
    )
    assert shown_projects > 0
    more_issues = re.search(r"…and (\d+) more issues", body)
    assert more_issues is not None and int(more_issues.group(1)) > 0
    assert blocks[-1]["type"] == "context" and "New since" in blocks[-1]["elements"][0]["text"]
    assert "250 new projects" in text and "200 new help-wanted or good first issues" in text


def test_contribution_figures_are_one_aggregated_line() -> None:
    stats = ContributionStats(opened=12, closed=8, projects=5, median_first_response_hours=30.2)
    _, blocks = rendered(digest(new_projects=[project(1)], contribution_stats=stats))

    lines = [t for t in mrkdwn_texts(blocks) if "Cross-team" in t]
    assert lines == [
        ":handshake: Cross-team contributions: 12 pull requests opened in 5 projects by people outside the"
        " owning teams, 8 merged or closed; median first response within 30 hours."
    ]
    quiet = ContributionStats(opened=0, closed=0, projects=0)
    _, blocks = rendered(digest(new_projects=[project(1)], contribution_stats=quiet))
    assert not any("Cross-team" in t for t in mrkdwn_texts(blocks))


def test_nothing_new_is_none_or_a_quiet_note() -> None:
    # Figures alone are not news.
    empty = digest(
        filters="topic:kafka", contribution_stats=ContributionStats(opened=3, closed=1, projects=2)
    )

    assert render_digest(empty) is None
    result = render_digest(empty, quiet_note=True)
    assert result is not None
    text, blocks = result
    assert len(blocks) == 1 and blocks[0]["type"] == "section"
    assert text == (
        ":zzz: Quiet week: no new projects or help-wanted issues matching `topic:kafka`"
        " since Monday 9 November 2026, 10:00 UTC."
    )
    assert "\n" not in blocks[0]["text"]["text"]


@pytest.mark.parametrize(
    ("length", "words"),
    [(timedelta(days=1), "1 day"), (timedelta(days=8.5), "8.5 days"), (timedelta(hours=36), "36 hours")],
)
def test_the_period_in_words(length: timedelta, words: str) -> None:
    text, blocks = rendered(digest(period_start=FIXED_NOW - length, new_issues=[issue(1)]))

    assert text.startswith(f"InnerSource digest for the last {words}.")
    assert f"({words})" in blocks[-1]["elements"][0]["text"]


@pytest.mark.parametrize(("days", "word"), [(1, "day"), (7, "week"), (31, "month"), (90, "period")])
def test_the_quiet_note_names_the_period(days: int, word: str) -> None:
    result = render_digest(digest(period_start=FIXED_NOW - timedelta(days=days)), quiet_note=True)
    assert result is not None and result[0].startswith(f":zzz: Quiet {word}:")
