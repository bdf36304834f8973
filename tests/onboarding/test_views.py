import json
from datetime import timedelta
from typing import Any

from chatbot.nudges.queries import WaitingContribution
from chatbot.onboarding import views as home_views
from chatbot.onboarding.checklist import progress
from chatbot.onboarding.home import HomeData, SubscriptionLine
from chatbot.onboarding.owners import Contact, ProjectPeople
from chatbot.onboarding.recommend import Candidate, Recommendation
from tests.conftest import FIXED_NOW
from tests.slack.block_kit import assert_valid_message, assert_valid_view

NASTY = "<!channel> @here & <script> " + "very long words " * 40


def rendered(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def action_ids(view: dict[str, Any]) -> set[str]:
    ids = set()
    for block in view["blocks"]:
        for element in [block.get("accessory") or {}, *block.get("elements", [])]:
            if "action_id" in element:
                ids.add(element["action_id"])
    return ids


def recommendation(n: int, *, title: str = "Add retries", project: str = "Payments SDK") -> Recommendation:
    issue = Candidate(
        project_id=n % 7,
        project_name=project,
        number=n,
        title=title,
        url=f"https://git.example/pay/sdk/issues/{n}",
        labels=("good first issue",),
        fresh_at=FIXED_NOW - timedelta(days=n),
        language="Python",
    )
    return Recommendation(issue, ("python",), good_first=True)


def waiting(n: int, *, title: str = "Fix the flaky test") -> WaitingContribution:
    return WaitingContribution(
        project_name="payments/ledger",
        number=n,
        title=title,
        url=f"https://git.example/payments/ledger/pull/{n}",
        author="mona",
        waited_working_days=1.5 + n,
        overdue=n > 0,
    )


def test_a_new_users_home_invites_them_to_set_skills_and_link_an_account() -> None:
    view = home_views.home_view(
        HomeData(user_id="U1", now=FIXED_NOW, progress=progress(()), guide_url="https://wiki.example/is")
    )
    assert_valid_view(view)
    text = rendered(view)
    assert view["type"] == "home"
    assert "Getting started* (0 of 4 done)" in text
    assert "*Your skills:* _none yet_" in text
    assert "No unassigned good first or help-wanted issues are open right now" in text
    assert "*Digests you set up:* none" in text
    assert "*Your forge accounts:* none linked yet" in text
    assert {"home_search", "home_edit_skills", "home_link_identity", "innersource_guide"} <= action_ids(view)
    assert "https://wiki.example/is" in text


def test_a_busy_owners_home_stays_within_the_home_tab_limits() -> None:
    view = home_views.home_view(
        HomeData(
            user_id="U1",
            now=FIXED_NOW,
            skills=[f"skill{i}" for i in range(20)],
            recommendations=[recommendation(i, title=NASTY, project=NASTY) for i in range(40)],
            subscriptions=[
                SubscriptionLine(
                    i, f"C{i:08d}", "weekly on Monday at 09:00 (UTC)", filters=NASTY, paused=i % 2 == 0
                )
                for i in range(200)
            ],
            waiting=[waiting(i, title=NASTY) for i in range(300)],
            identities=[("github", "mona"), ("gitlab", "mona.lisa"), ("gitee", "mona_l")],
            progress=progress(["skills", "find", "subscribe", "first_issue"]),
            notes=["Saved your skills."],
        )
    )
    assert_valid_view(view)  # ≤ 100 blocks, every text and button within Slack's limits, no broadcasts
    text = rendered(view)
    assert len(view["blocks"]) <= 100
    assert "Getting started" not in text  # all four steps done: the checklist leaves the Home
    assert "*Contributions waiting on you as an owner* (300, 299 past the SLA)" in text
    assert "and 290 more: `/innersource stale`" in text
    assert "*Digests you set up* (200)" in text
    assert "github `mona`" in text and "gitlab `mona.lisa`" in text
    assert text.count("pick_first_issue") == home_views.RECOMMENDATIONS_SHOWN
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "@\u2060here" in text


def test_a_recommended_issue_says_why_and_when_and_opens_with_one_click() -> None:
    block = home_views.recommendation_block(recommendation(3), FIXED_NOW)
    text = block["text"]["text"]
    assert "<https://git.example/pay/sdk/issues/3|#3 Add retries>" in text
    assert "*Payments SDK*" in text and "good first issue" in text and "matches python" in text
    assert "3 days ago" in text
    assert block["accessory"]["url"] == "https://git.example/pay/sdk/issues/3"
    assert block["accessory"]["action_id"] == "pick_first_issue"


def test_the_welcome_ticks_steps_off_and_links_the_guide() -> None:
    text, blocks = home_views.welcome_message(
        "U1", progress(["skills"]), guide_url="https://wiki.example/is", welcome_text="Hello {user}!"
    )
    assert_valid_message(blocks)
    shown = rendered({"blocks": blocks})
    assert "Hello <@U1>!" in shown
    assert ":white_check_mark: ~Tell me your skills~" in shown
    assert ":white_large_square: *Find a project*" in shown
    assert "1 of 4 done" in text
    assert "https://wiki.example/is" in shown

    _, done = home_views.welcome_message("U1", progress(["skills", "find", "subscribe", "first_issue"]))
    assert "All four done" in rendered({"blocks": done})


def test_the_welcome_without_checklist_only_greets() -> None:
    text, blocks = home_views.welcome_message("U1", None, guide_url="wiki/innersource")  # not a link
    assert_valid_message(blocks)
    assert "Getting started" not in rendered({"blocks": blocks})
    assert "<@U1>" in text


def test_modals_are_valid_views() -> None:
    for view in (
        home_views.skills_modal(["python", "react"]),
        home_views.link_identity_modal(),
        home_views.search_modal(),
    ):
        assert_valid_view(view)
    initial = home_views.skills_modal(["python", "react"])["blocks"][0]["element"]["initial_value"]
    assert initial == "python, react"


def test_the_owner_answer_lists_people_by_role_with_their_slack_accounts() -> None:
    people = ProjectPeople(
        project_id=7,
        title="Payments <SDK>",
        full_name="payments/payments-sdk",
        url="https://git.example/payments/payments-sdk",
        contacts=[
            Contact("Mona Lisa", "mona", "trusted_committer", "U42"),
            Contact("hubot", "hubot", "codeowner"),
        ],
        chat_channel="#payments-dev",
        contribute_url="https://git.example/payments/payments-sdk/CONTRIBUTING.md",
    )
    blocks = home_views.owner_blocks(people)
    assert_valid_message(blocks)
    text = rendered({"blocks": blocks})
    assert "*Trusted committers:* Mona Lisa (`mona`, <@U42>)" in text
    assert "*Code owners:* hubot" in text
    assert "*Chat:* #payments-dev" in text
    assert "Payments &lt;SDK&gt;" in text
