"""The nudge pass, run by the scheduler every `[nudges] interval_minutes` on the leader replica.

One pass: store the mapping file's links, look up Slack users by e-mail (off the request path), load the
facts, decide (`policy.decide`) and deliver exactly once (`deliver`). Running it often is what makes
"inside the recipient's working hours" true for every timezone; the `Nudge` rows make it harmless.
`dry_run` does the same without sending or keeping anything.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.interval import IntervalTrigger
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.clock import Clock, utcnow
from chatbot.db import session_scope
from chatbot.jobs import JobRegistry
from chatbot.nudges.calendar import describe_working_days
from chatbot.nudges.deliver import NudgeReport, deliver_plans
from chatbot.nudges.facts import load_facts, policy_config
from chatbot.nudges.identity import LookupReport, SlackDirectory, apply_mapping, read_mapping
from chatbot.nudges.policy import Decision, Item, decide
from chatbot.outbox import Sleep
from chatbot.settings import Settings
from chatbot.slack.edge import slack_client

logger = logging.getLogger(__name__)

NUDGE_JOB = "nudges"


@dataclass(frozen=True)
class NudgePass:
    now: datetime
    decision: Decision
    report: NudgeReport | None = None  # None: a dry run
    mapping_problems: tuple[str, ...] = ()
    lookups: LookupReport | None = None


def nudge_client(settings: Settings) -> WebClient:
    """No slack_sdk retry handlers: `outbox.post_message` retries itself, without risking duplicates."""
    return slack_client(settings.bot_token, settings.slack_api_url, retries=False)


def run_nudges(
    engine: Engine,
    client: WebClient,
    settings: Settings,
    *,
    now: datetime,
    directory: SlackDirectory | None = None,
    sleep: Sleep = time.sleep,
) -> NudgePass:
    mapping = read_mapping(settings.app.nudges.mapping_file)
    with session_scope(engine) as session:
        apply_mapping(session, mapping)
    lookups = (directory or SlackDirectory(client)).resolve(engine, now)
    if lookups.stopped:
        logger.info("Slack user lookups stopped early: %s", lookups.stopped)
    with Session(engine) as session:
        decision = decide(load_facts(session, now), policy_config(settings), now)
    report = deliver_plans(engine, client, decision.plans, now=now, sleep=sleep)
    return NudgePass(now, decision, report, mapping.problems, lookups)


def dry_run(engine: Engine, settings: Settings, *, now: datetime) -> NudgePass:
    """Who would be nudged about what right now, and why; nothing is sent, nothing is stored."""
    mapping = read_mapping(settings.app.nudges.mapping_file)
    with Session(engine) as session:
        apply_mapping(session, mapping)  # seen by load_facts below, then rolled back
        decision = decide(load_facts(session, now), policy_config(settings), now)
        session.rollback()
    return NudgePass(now, decision, None, mapping.problems)


def add_nudge_job(
    jobs: JobRegistry,
    engine: Engine,
    client: WebClient,
    settings: Settings,
    clock: Clock = utcnow,
) -> bool:
    """Schedule the pass every interval, the first one interval after start (a restart sends no burst,
    and nothing is lost by waiting: a nudge is due all day); False when nudges are turned off."""
    nudges = settings.app.nudges
    if not nudges.enabled:
        return False
    directory = SlackDirectory(client)

    def body() -> None:
        run_nudges(engine, client, settings, now=clock(), directory=directory)

    jobs.add(
        NUDGE_JOB,
        IntervalTrigger(minutes=nudges.interval_minutes),
        body,
        name="nudges",
        misfire_grace_time=nudges.interval_minutes * 60,
    )
    return True


def describe_pass(result: NudgePass) -> list[str]:
    """The pass in words, for `innersource nudges`: who gets what and why, who not now, who is unreachable."""
    decision = result.decision
    verb = "Would send" if result.report is None else "Sent"
    lines = [
        f"Nudges at {result.now:%Y-%m-%d %H:%M} UTC"
        + (" (dry run: nothing sent)" if not result.report else "")
    ]
    lines.append(f"{verb} {len(decision.plans)} message{'s' if len(decision.plans) != 1 else ''}:")
    for plan in decision.plans:
        where = f"post in {plan.recipient}" if plan.kind == "channel" else f"DM to {plan.recipient}"
        outcome = ""
        if result.report is not None:
            outcome = f" -> {result.report.outcomes.get(f'{plan.recipient} {plan.kind}', '?')}"
        lines.append(f"  {where} ({plan.kind}; {plan.timezone}, {plan.day_key}){outcome}")
        lines.extend(f"    - {_item(item)}: {item.why}" for item in plan.items)
    if decision.held:
        lines.append(f"Not now ({len(decision.held)}):")
        lines.extend(f"  {h.recipient} about {_item(h.item)}: {h.reason}" for h in decision.held)
    if decision.unreachable:
        lines.append(f"Owners with no Slack identity ({len(decision.unreachable)}):")
        for u in decision.unreachable:
            lines.append(
                f"  {u.forge} {u.login}, about {_item(u.item)} (waiting "
                f"{describe_working_days(u.item.waited_days)}): they can run `/innersource link {u.forge} "
                f"{u.login}`, or add them to [nudges] mapping_file"
            )
    if result.mapping_problems:
        lines.append("Mapping file problems:")
        lines.extend(f"  {p}" for p in result.mapping_problems)
    if result.report is not None:
        lines.append(result.report.line())
    return lines


def _item(item: Item) -> str:
    c = item.contribution
    return f'{item.project.name}#{c.number} "{c.title}" by {c.author}'
