"""The nudge messages stay within Slack's limits and read kindly."""

import json
from datetime import UTC, datetime

from chatbot.nudges.policy import ContributionFacts, Item, Plan, ProjectFacts
from chatbot.nudges.queries import WaitingContribution
from chatbot.nudges.views import nudge_message, stale_listing
from chatbot.slack.blocks import MAX_BLOCKS, MAX_BUTTON_TEXT, MAX_SECTION_TEXT

OPENED = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
PROJECT = ProjectFacts(1, "payments/ledger", "https://git.example/payments/ledger")


def item(number: int, title: str = "Fix rounding", level: str = "owner") -> Item:
    c = ContributionFacts(number, 1, number, title, f"https://git.example/pull/{number}", "carol", OPENED)
    return Item(c, PROJECT, level, 3.2, 2.0, "waiting 3.2 working days for a first response")


def texts(blocks: list[dict[str, object]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            found.append(str(text["text"]))
    return found


def test_a_long_batch_is_cut_with_a_pointer_to_stale() -> None:
    plan = Plan("UALICE", "owner", "2026-11-16", "UTC", tuple(item(n, "x" * 2000) for n in range(30)))
    text, blocks = nudge_message(plan)
    assert len(blocks) <= MAX_BLOCKS
    assert "…and 20 more: see them all with `/innersource stale`." in json.dumps(blocks, ensure_ascii=False)
    assert all(len(t) <= MAX_SECTION_TEXT for t in texts(blocks))
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert all(len(b["text"]["text"]) <= MAX_BUTTON_TEXT for b in buttons)
    assert text.startswith("Hi! 30 contributions from other teams are waiting for a first response from you")


def test_the_channel_post_asks_kindly_and_offers_only_open_and_on_it() -> None:
    plan = Plan("#ledger", "channel", "2026-11-16", "UTC", (item(7, level="channel"),))
    text, blocks = nudge_message(plan)
    rendered = json.dumps(blocks)
    assert "Could someone here take a first look" in rendered
    assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == [
        "nudge_open",
        "nudge_on_it",
    ]
    for unkind in ("overdue", "late", "failed", "shame"):
        assert unkind not in (text + rendered).lower()


def test_the_stale_listing_fits_however_long_it_is() -> None:
    entries = [
        WaitingContribution(
            "payments/ledger", n, "t" * 500, f"https://git.example/pull/{n}", "carol", 9.5, True
        )
        for n in range(200)
    ]
    blocks = stale_listing(entries, project=None)
    assert len(blocks) <= MAX_BLOCKS and all(len(t) <= MAX_SECTION_TEXT for t in texts(blocks))
    assert "…and 170 more" in json.dumps(blocks, ensure_ascii=False)
    assert stale_listing([], project="ledger")[0]["text"]["text"].startswith(
        ":white_check_mark: Nothing waits"
    )
