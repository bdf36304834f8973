"""Who is nudged about what at time T: the pure decision, as a table of cases."""

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chatbot.nudges.calendar import WorkCalendar
from chatbot.nudges.policy import (
    ADMIN,
    CODEOWNER,
    TRUSTED_COMMITTER,
    ContributionFacts,
    Decision,
    Facts,
    NudgeConfig,
    Owner,
    OwnerSaid,
    PersonFacts,
    ProjectFacts,
    SentNudge,
    decide,
)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


MONDAY = utc(11, 16, 10)  # 11:00 in Berlin, 05:00 in New York
TUESDAY = utc(11, 17, 10)
THURSDAY_BEFORE = utc(11, 12, 9)  # opened Thursday: 2.0+ working days by Monday 10:00 anywhere in Europe

LEDGER = ProjectFacts(
    id=1,
    name="payments/ledger",
    url="https://git.example/payments/ledger",
    owners=(Owner("alice", TRUSTED_COMMITTER), Owner("bob", TRUSTED_COMMITTER), Owner("erin", CODEOWNER)),
    chat_channel="#ledger",
)
PEOPLE = {
    ("github", "alice"): PersonFacts("UALICE", "Europe/Berlin"),
    ("github", "bob"): PersonFacts("UBOB", "Europe/London"),
    ("github", "erin"): PersonFacts("UERIN", "Europe/Paris"),
    ("github", "carol"): PersonFacts("UCAROL", "Europe/Madrid"),
    ("github", "tokyo"): PersonFacts("UTOKYO", "Asia/Tokyo"),
    ("github", "newyork"): PersonFacts("UNY", "America/New_York"),
}


def pr(number: int = 7, opened: datetime = THURSDAY_BEFORE, **fields: object) -> ContributionFacts:
    values: dict[str, object] = {
        "id": number,
        "project_id": 1,
        "number": number,
        "title": f"Fix rounding #{number}",
        "url": f"https://git.example/payments/ledger/pull/{number}",
        "author": "carol",
        "opened_at": opened,
    }
    values.update(fields)
    return ContributionFacts(**values)  # type: ignore[arg-type]


def updated(at: datetime) -> ContributionFacts:
    """Opened on 2 November, answered by an owner on the 5th, then updated by its author `at`."""
    return pr(opened=utc(11, 2, 9), author_updated_at=at, last_response_at=utc(11, 5), last_response_by="bob")


@dataclass(frozen=True)
class Case:
    contributions: tuple[ContributionFacts, ...]
    now: datetime
    expected: dict[str, list[tuple[int, str]]]  # recipient -> [(number, level)]
    project: ProjectFacts = LEDGER
    said: tuple[OwnerSaid, ...] = ()
    sent: tuple[SentNudge, ...] = ()
    config: NudgeConfig = field(default_factory=NudgeConfig)
    people: dict[tuple[str, str], PersonFacts] = field(default_factory=lambda: dict(PEOPLE))


def run(case: Case) -> Decision:
    facts = Facts(
        projects={case.project.id: case.project},
        contributions=case.contributions,
        people=case.people,
        said=case.said,
        sent=case.sent,
    )
    return decide(facts, case.config, case.now)


def plans_of(decision: Decision) -> dict[str, list[tuple[int, str]]]:
    return {p.recipient: [(i.contribution.number, i.level) for i in p.items] for p in decision.plans}


BOTH = {"UALICE": [(7, "owner")], "UBOB": [(7, "owner")]}
TOKYO_AND_NY = replace(
    LEDGER, owners=(Owner("tokyo", TRUSTED_COMMITTER), Owner("newyork", TRUSTED_COMMITTER)), chat_channel=None
)

CASES = {
    "past the SLA: every trusted committer, one DM each": Case((pr(),), MONDAY, BOTH),
    "not yet past the SLA": Case((pr(opened=utc(11, 13, 9)),), MONDAY, {}),
    # Opened Friday 09:00: on Monday only ~1.5 working days have passed, the weekend does not count.
    "a wait that spans a weekend: not yet on Monday": Case((pr(opened=utc(11, 13, 9)),), MONDAY, {}),
    "a wait that spans a weekend: due on Tuesday": Case((pr(opened=utc(11, 13, 9)),), TUESDAY, BOTH),
    "a holiday does not count": Case(
        (pr(opened=utc(11, 13, 9)),),
        TUESDAY,
        {},
        config=NudgeConfig(calendar=WorkCalendar(holidays=frozenset({date(2026, 11, 16)}))),
    ),
    "the project's own SLA wins": Case((pr(),), MONDAY, {}, project=replace(LEDGER, sla_days=3)),
    "the global SLA when the project has none": Case((pr(),), MONDAY, {}, config=NudgeConfig(sla_days=4)),
    # Opened Friday 20:00 UTC: Saturday 05:00 in Tokyo (its clock starts on Monday), 15:00 in New York.
    # Wednesday 00:30 UTC is 09:30 in Tokyo and Tuesday 19:30 in New York; 14:30 UTC is 23:30 in Tokyo
    # and 09:30 in New York: each owner is nudged in their own working hours.
    "owners in different timezones: each their own wait and hours": Case(
        (pr(opened=utc(11, 13, 20)),), utc(11, 18, 0, 30), {"UTOKYO": [(7, "owner")]}, project=TOKYO_AND_NY
    ),
    "owners in different timezones: New York later that day": Case(
        (pr(opened=utc(11, 13, 20)),), utc(11, 18, 14, 30), {"UNY": [(7, "owner")]}, project=TOKYO_AND_NY
    ),
    "asked reviewers first": Case(
        (pr(requested_reviewers=("bob", "zed")),), MONDAY, {"UBOB": [(7, "owner")]}
    ),
    "escalation at twice the SLA: all trusted committers": Case(
        (pr(opened=utc(11, 9, 9), requested_reviewers=("bob",)),),
        utc(11, 16, 9, 30),
        {"UALICE": [(7, "escalation")], "UBOB": [(7, "escalation")]},
        project=replace(LEDGER, chat_channel=None),
    ),
    "the channel at three times the SLA": Case(
        (pr(opened=utc(11, 5, 9)),),
        MONDAY,
        {"UALICE": [(7, "escalation")], "UBOB": [(7, "escalation")], "#ledger": [(7, "channel")]},
    ),
    "the channel only once": Case(
        (pr(opened=utc(11, 5, 9)),),
        MONDAY,
        {"UALICE": [(7, "escalation")], "UBOB": [(7, "escalation")]},
        sent=(SentNudge("#ledger", "channel", "2026-11-13", (7,), utc(11, 13, 10)),),
    ),
    "no channel when it is a URL": Case(
        (pr(opened=utc(11, 5, 9)),),
        MONDAY,
        {"UALICE": [(7, "escalation")], "UBOB": [(7, "escalation")]},
        project=replace(LEDGER, chat_channel="https://chat.example/ledger"),
    ),
    "a snooze holds it back for that owner": Case(
        (pr(),),
        MONDAY,
        {"UBOB": [(7, "owner")]},
        said=(OwnerSaid(7, "UALICE", snoozed_until=TUESDAY),),
    ),
    "an expired snooze does not": Case(
        (pr(),), MONDAY, BOTH, said=(OwnerSaid(7, "UALICE", snoozed_until=MONDAY - timedelta(hours=1)),)
    ),
    "I'm on it: nobody is nudged, not even the channel": Case(
        (pr(opened=utc(11, 5, 9)),), MONDAY, {}, said=(OwnerSaid(7, "UBOB", on_it_until=TUESDAY),)
    ),
    "I'm on it, run out": Case(
        (pr(),), MONDAY, BOTH, said=(OwnerSaid(7, "UBOB", on_it_until=MONDAY - timedelta(minutes=1)),)
    ),
    "not mine drops that owner only": Case(
        (pr(),), MONDAY, {"UBOB": [(7, "owner")]}, said=(OwnerSaid(7, "UALICE", not_mine=True),)
    ),
    "a draft is not waiting": Case((pr(draft=True),), MONDAY, {}),
    "a bot's pull request": Case((pr(author="renovate[bot]"), pr(8, author="deploy-bot")), MONDAY, {}),
    "a configured bot login": Case(
        (pr(author="ci-runner"),), MONDAY, {}, config=NudgeConfig(bot_logins=frozenset({"ci-runner"}))
    ),
    "an owner's own pull request": Case((pr(author="alice"), pr(8, author="Erin")), MONDAY, {}),
    "the owners answered last: it waits on the author": Case(
        (pr(last_response_at=utc(11, 12, 15), last_response_by="bob"),), MONDAY, {}
    ),
    "the author replied last: it waits on the owners again": Case((updated(utc(11, 12, 8)),), MONDAY, BOTH),
    "the author's update restarts the clock": Case((updated(utc(11, 13, 9)),), MONDAY, {}),
    "a gentle DM to the author, when configured": Case(
        (pr(opened=utc(11, 2, 9), last_response_at=utc(11, 9, 9), last_response_by="bob"),),
        MONDAY,
        {"UCAROL": [(7, "author")]},
        config=NudgeConfig(author_nudge_days=5),
    ),
    "the author is told once per answer": Case(
        (pr(opened=utc(11, 2, 9), last_response_at=utc(11, 9, 9), last_response_by="bob"),),
        MONDAY,
        {},
        config=NudgeConfig(author_nudge_days=5),
        sent=(SentNudge("UCAROL", "author", "2026-11-13", (7,), utc(11, 13, 12)),),
    ),
    "one DM a day, batching every contribution": Case(
        (pr(), pr(8, author="dave")),
        MONDAY,
        {"UALICE": [(7, "owner"), (8, "owner")], "UBOB": [(7, "owner"), (8, "owner")]},
    ),
    "already nudged today (in their own timezone)": Case(
        (pr(),),
        MONDAY,
        {"UBOB": [(7, "owner")]},
        sent=(SentNudge("UALICE", "owner", "2026-11-16", (9,), utc(11, 16, 8)),),
    ),
    "yesterday's nudge does not count": Case(
        (pr(),), MONDAY, BOTH, sent=(SentNudge("UALICE", "owner", "2026-11-13", (7,), utc(11, 13, 8)),)
    ),
    "not on the recipient's weekend": Case((pr(opened=utc(11, 11, 9)),), utc(11, 14, 11), {}),
    "not at 03:00 local": Case((pr(),), utc(11, 17, 2), {}),
    "CODEOWNERS when there are no trusted committers": Case(
        (pr(),),
        MONDAY,
        {"UERIN": [(7, "owner")]},
        project=replace(LEDGER, owners=(Owner("erin", CODEOWNER), Owner("alice", ADMIN))),
    ),
    "admins last, and never a bot": Case(
        (pr(),),
        MONDAY,
        {"UALICE": [(7, "owner")]},
        project=replace(LEDGER, owners=(Owner("alice", ADMIN), Owner("octo-bot", CODEOWNER))),
    ),
    "an owner who turned nudges off": Case(
        (pr(),),
        MONDAY,
        {"UBOB": [(7, "owner")]},
        people={**PEOPLE, ("github", "alice"): PersonFacts("UALICE", "Europe/Berlin", nudges_enabled=False)},
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_who_is_nudged_about_what(case: Case) -> None:
    assert plans_of(run(case)) == case.expected


def reasons(decision: Decision) -> dict[str, str]:
    return {h.recipient: h.reason for h in decision.held}


def test_the_reason_why_someone_is_not_nudged_now_is_given() -> None:
    assert reasons(run(CASES["a snooze holds it back for that owner"]))["UALICE"].startswith(
        "snoozed it until Tue 11:00 Europe/Berlin"
    )
    assert reasons(run(CASES["I'm on it: nobody is nudged, not even the channel"])) == {
        "UALICE": "<@UBOB> is on it (until 2026-11-17)",
        "UBOB": "<@UBOB> is on it (until 2026-11-17)",
        "#ledger": "<@UBOB> is on it (until 2026-11-17)",
    }
    assert reasons(run(CASES["not mine drops that owner only"])) == {"UALICE": "said it is not theirs"}
    assert reasons(run(CASES["an owner who turned nudges off"])) == {"UALICE": "turned nudges off"}
    assert reasons(run(CASES["already nudged today (in their own timezone)"])) == {
        "UALICE": "already got a nudge today"
    }
    assert reasons(run(CASES["not on the recipient's weekend"]))["UALICE"] == (
        "not a working day there (Sat 12:00 Europe/Berlin)"
    )
    assert (
        reasons(run(CASES["not at 03:00 local"]))["UBOB"] == "outside working hours (Tue 02:00 Europe/London)"
    )


def test_each_item_says_why_in_plain_words() -> None:
    decision = run(CASES["asked reviewers first"])
    [item] = decision.plans[0].items
    assert item.why == (
        "waiting 2 working days for a first response (the goal is 2 working days); "
        "you were asked to review it"
    )
    escalated = run(CASES["escalation at twice the SLA: all trusted committers"]).plans[0].items[0]
    assert escalated.why.endswith(
        "well past the goal of 2 working days; "
        "as one of its trusted committers, could you help find a reviewer?"
    )
    assert decision.plans[0].kind == "owner"
    assert [p.kind for p in run(CASES["the channel at three times the SLA"]).plans] == [
        "escalation",
        "escalation",
        "channel",
    ]


def test_an_owner_without_a_slack_identity_is_listed_never_dropped() -> None:
    people = {k: v for k, v in PEOPLE.items() if k != ("github", "bob")}
    decision = run(Case((pr(),), MONDAY, {}, people=people))
    assert plans_of(decision) == {"UALICE": [(7, "owner")]}
    [missing] = decision.unreachable
    assert (missing.forge, missing.login, missing.item.contribution.number) == ("github", "bob", 7)


def test_no_owner_at_all_is_not_an_error() -> None:
    decision = run(Case((pr(),), MONDAY, {}, project=replace(LEDGER, owners=())))
    assert decision == Decision()
