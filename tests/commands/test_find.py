import json
import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine

from chatbot.catalog.portal import parse_repos_json
from chatbot.catalog.store import upsert_projects
from chatbot.db import session_scope
from chatbot.handlers import CommandContext, Reply
from commands import build_registry
from commands.router import dispatch
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog


@pytest.fixture
def sample(engine: Engine, sample_catalog: SampleCatalog) -> Engine:
    sample_catalog(engine, FIXED_NOW)
    return engine


def test_find_returns_matching_projects_as_cards(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find auth library")
    text = json.dumps(reply.blocks)
    assert "AuthKit for Python" in text
    assert reply.response_type == "ephemeral"
    buttons = [e["action_id"] for b in reply.blocks if b["type"] == "actions" for e in b["elements"]]
    assert {"contribute", "good_first_issues", "share_project"} <= set(buttons)
    assert len(reply.blocks) <= 50


def test_find_pages_five_at_a_time(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find python")
    cards = [b for b in reply.blocks if b["type"] == "section"][1:]
    assert len(cards) == 5
    assert any(
        e["action_id"] == "find_next" for b in reply.blocks if b["type"] == "actions" for e in b["elements"]
    )


def test_find_without_words_explains_usage(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find")
    assert "Tell me what to look for" in reply.text


def test_find_with_no_match_says_so(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find quantum teleporter")
    assert "No projects match" in reply.text


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "auth*",
        "a NEAR b",
        "-auth",
        "title:auth",
        "^x",
        "🚀 rocket",
        "数据 管道",
        "поиск",
        "x" * 2000,
        "%_%",
    ],
)
def test_find_answers_any_input(sample: Engine, ctx: CommandContext, query: str) -> None:
    reply = dispatch(build_registry(), ctx, f"find {query}")
    assert reply.text
    assert "something went wrong" not in reply.text


def test_archived_projects_are_not_found(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find session-store-js")
    assert "identity/session-store-js" not in json.dumps(reply.blocks)
    asked = dispatch(build_registry(), ctx, "find session-store-js is:archived")
    assert "identity/session-store-js" in json.dumps(asked.blocks)


def test_hostile_descriptions_cannot_ping_or_disguise_links(engine: Engine, ctx: CommandContext) -> None:
    hostile = {
        "id": 1,
        "name": "evil-lib",
        "full_name": "x/evil-lib",
        "html_url": "https://git.example/x/evil-lib",
        "description": "<!channel> @here <@U123> <!subteam^S1> <https://evil.example|click here> auth",
        "_InnerSourceMetadata": {"topics": ["<!here>"]},
    }
    with session_scope(engine) as session:
        upsert_projects(session, parse_repos_json([hostile]).records, FIXED_NOW)
    reply = dispatch(build_registry(), ctx, "find evil")
    text = json.dumps(reply.blocks)
    for dangerous in ("<!channel>", "<!here>", "<@U123>", "<!subteam", "<https://evil.example", "@here"):
        assert dangerous not in text
    assert "&lt;!channel&gt;" in text


def test_project_shows_one_card(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "project payments-sdk")
    assert "Payments SDK" in reply.text


def test_project_unknown_suggests_find(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "project no-such-thing")
    assert "can't find" in reply.text
    assert "/innersource find" in json.dumps(reply.blocks)


def test_project_card_shows_metadata_findings_to_fix(engine: Engine, ctx: CommandContext) -> None:
    entry = {
        "id": 7,
        "name": "ledger",
        "full_name": "payments/ledger",
        "html_url": "https://git.example/payments/ledger",
        "_InnerSourceMetadata": {"skills": 5, "communication": {"channel": "TODO <!here>"}},
    }
    with session_scope(engine) as session:
        upsert_projects(session, parse_repos_json([entry]).records, FIXED_NOW)
    reply = dispatch(build_registry(), ctx, "project ledger")
    text = json.dumps(reply.blocks)
    assert "Catalog problems" in text
    assert "skills should be a list of text" in text
    assert "<!here>" not in text


def test_a_corrected_typo_is_said(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find authentification")
    text = json.dumps(reply.blocks)
    assert "Showing results for *authentication*" in text
    assert "AuthKit" in text


def test_ignored_filters_are_said(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find auth sort:vibes")
    assert "I ignored `sort:vibes" in json.dumps(reply.blocks)


def test_no_results_offers_a_broader_query_and_topics(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find auth lang:cobol")
    text = json.dumps(reply.blocks, ensure_ascii=False)
    assert "No projects match" in text
    assert "`/innersource find auth`" in text
    assert "`find topic:" in text


def test_filters_alone_are_a_search(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find lang:go has:good-first-issue")
    assert "projects for" in reply.text


def test_only_filler_and_punctuation_explains_usage(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find ?!")
    assert "Tell me what to look for" in reply.text


@pytest.mark.parametrize("in_memory", [True, False], ids=["in-memory", "fts5-only"])
def test_a_very_common_word_pages_through_the_best_hundred(
    engine: Engine, ctx: CommandContext, in_memory: bool
) -> None:
    from chatbot.models import Project
    from commands.find import find_page

    described = [
        Project(key=f"t:{n}", source="t", name=f"svc-{n}", full_name=f"a/svc-{n}", description="a ledger")
        for n in range(600)
    ]
    named = [
        Project(key=f"l:{n}", source="t", name=f"ledger-{n}", full_name=f"a/ledger-{n}") for n in range(23)
    ]
    with session_scope(engine) as session:
        session.add_all(described + named)

    settings = replace(ctx.deps.settings, search_in_memory=in_memory)
    ctx = replace(ctx, deps=replace(ctx.deps, settings=settings))
    first = find_page(ctx, "ledger")
    text = json.dumps(first.blocks)
    # The in-memory copy counts them all, on both databases; FTS5 and ts_rank_cd stop at 100.
    assert ("623 projects" if in_memory else "100+ projects") in first.text
    assert "ledger-" in text and "svc-" not in text  # named for it: first
    last = find_page(ctx, "ledger", offset=95)
    assert len([b for b in last.blocks if b["type"] == "section"]) == 1 + 5  # summary + cards 96-100
    assert not any(b["type"] == "actions" and b["block_id"] == "find:more" for b in last.blocks)


def test_a_thin_page_is_filled_with_related_projects_and_says_so(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find payments webhooks retries")
    shown = json.dumps(reply.blocks)
    assert "1 project matches every word; after it, related ones." in shown
    cards = [
        b for b in reply.blocks if b.get("type") == "actions" and b.get("block_id", "").startswith("project:")
    ]
    total = int(reply.blocks[0]["text"]["text"].split("*")[1].rstrip("+"))
    assert total > 1 and len(cards) == min(total, 5)  # a full page when there is one, not one card


def what_is_shown(reply: Reply, *but: str) -> list[Any]:
    """The count, the cards, the notes and whether there is a next page: all but the query as typed
    (in the summary and the Next button) and the notes that contain one of `but`."""
    summary = reply.blocks[0]["text"]["text"]
    shown: list[Any] = [summary.split(" for “")[0], summary.rpartition("”")[2]]
    for block in reply.blocks[1:]:
        if block.get("block_id") == "find:more":
            shown.append("Next 5")
        elif block["type"] == "context":
            kept = [e for e in block["elements"] if not any(b in e["text"] for b in but)]
            shown += [kept] if kept else []
        else:
            shown.append(block)
    return shown


@pytest.mark.parametrize(
    ("mistyped", "meant"),
    [
        ("auth lirbary", "auth library"),  # "library" is a filler word, typed or corrected
        ("lirbary", "library"),
        ("authentification", "authentication"),
        ("kubernetes opertor", "kubernetes operator"),
        ("pyhton loging", "python logging"),
        ("feature flgas react", "feature flags react"),
        ("find me an auth lirbary lang:python", "find me an auth library lang:python"),
    ],
)
def test_a_corrected_typo_finds_exactly_what_the_right_spelling_finds(
    sample: Engine, ctx: CommandContext, mistyped: str, meant: str
) -> None:
    from commands.find import find_page

    corrected = dispatch(build_registry(), ctx, f"find {mistyped}")
    typed = dispatch(build_registry(), ctx, f"find {meant}")
    words = " ".join(w for w in meant.split() if ":" not in w)
    assert f"Showing results for *{words}*" in json.dumps(corrected.blocks)
    assert "Showing results for" not in json.dumps(typed.blocks)
    assert what_is_shown(corrected, "Showing results for") == what_is_shown(typed)
    if "Next 5" in what_is_shown(typed):
        second = find_page(ctx, mistyped, offset=5), find_page(ctx, meant, offset=5)
        assert what_is_shown(second[0], "Showing results for") == what_is_shown(second[1])


@pytest.mark.parametrize("query", ["café naïve Straße", "数据 管道", "quantum teleporter"])
def test_no_result_suggests_no_query_that_finds_nothing_again(
    sample: Engine, ctx: CommandContext, query: str
) -> None:
    reply = dispatch(build_registry(), ctx, f"find {query}")
    text = json.dumps(reply.blocks, ensure_ascii=False)
    assert "No projects match" in text
    assert "Try `/innersource find" not in text
    assert "Or browse a topic: `find topic:" in text


def test_every_query_suggested_after_no_result_finds_something(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find quantum teleporter lang:go")
    text = json.dumps(reply.blocks, ensure_ascii=False)
    suggested = re.findall(r"`/innersource find ([^`]+)`", text)
    assert suggested == ["lang:go"]  # not "quantum teleporter", nor "quantum"
    assert "projects for “lang:go”" in dispatch(build_registry(), ctx, "find lang:go").text


def test_an_unknown_filter_key_is_said_back_and_not_searched(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find foo:bar auth")
    filters = "lang:, topic:, org:, source:, has:, is:, sort:"
    assert f"I ignored `foo:bar` (filters are {filters})." in json.dumps(reply.blocks)
    auth = dispatch(build_registry(), ctx, "find auth")
    assert what_is_shown(reply, "I ignored") == what_is_shown(auth)


def test_words_with_colons_that_are_not_filters_are_searched(sample: Engine, ctx: CommandContext) -> None:
    reply = dispatch(build_registry(), ctx, "find scheduler 10:30")
    text = json.dumps(reply.blocks)
    assert "I ignored" not in text
    assert "platform/tempo-scheduler" in text
