"""`/innersource project <name>` on the bundled sample, on SQLite and PostgreSQL."""

import json
import re
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from chatbot.catalog.portal import parse_repos_json
from chatbot.catalog.store import upsert_projects
from chatbot.db import session_scope
from chatbot.handlers import CommandContext, Reply
from chatbot.models import Issue, Project
from commands import build_registry
from commands.router import dispatch
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog

HOSTILE = "<!channel> @here <@U123> <https://evil.example|click here>"
DANGEROUS = ("<!channel>", "<!here>", "<@U123>", "<https://evil.example", "@here")
SPARK = set("▁▂▃▄▅▆▇█")


@pytest.fixture
def sample(engine: Engine, sample_catalog: SampleCatalog) -> Engine:
    sample_catalog(engine, FIXED_NOW)
    return engine


def run(ctx: CommandContext, text: str) -> tuple[Reply, str]:
    reply = dispatch(build_registry(), ctx, text)
    return reply, json.dumps(reply.blocks, ensure_ascii=False)


def buttons(reply: Reply) -> dict[str, dict[str, Any]]:
    return {e["action_id"]: e for b in reply.blocks if b["type"] == "actions" for e in b["elements"]}


def add_project(engine: Engine, entry: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        upsert_projects(session, parse_repos_json([entry]).records, FIXED_NOW)


def project_id(engine: Engine, full_name: str) -> int:
    with session_scope(engine) as session:
        found = session.exec(select(Project.id).where(col(Project.full_name) == full_name)).one()
        assert found is not None
        return found


def test_project_shows_the_full_card(sample: Engine, ctx: CommandContext) -> None:
    reply, text = run(ctx, "project payments-sdk")
    assert reply.response_type == "ephemeral"
    assert reply.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Payments SDK", "emoji": True},
    }
    assert "Every team that takes money" in text  # the motivation
    assert "*Contributions wanted*\\nBugfixes, Features, Documentation" in text
    assert "*Skills*\\nJava, Spring Boot, REST APIs" in text
    assert "*Governance*\\nContributions welcome" in text
    assert "Marcus Oyelaran (@moyelaran), Lena Vogt (@lvogt)" in text
    assert "*Chat*\\n#payments-sdk" in text
    assert "<https://git.northwind.example/payments/payments-sdk|Repository>" in text
    assert "<https://docs.northwind.example/payments-sdk|Docs>" in text
    assert "payments-sdk/blob/main/CONTRIBUTING.md|CONTRIBUTING>" in text

    # The sample's last 12 weeks: 16 16 14 12 10 18 18 15 19 5 23 19.
    activity = next(
        b["text"]["text"] for b in reply.blocks if "*Activity:*" in b.get("text", {}).get("text", "")
    )
    assert "185 commits over the last 12 weeks" in activity
    spark = activity.split("`")[1]
    assert len(spark) == 12 and set(spark) <= SPARK

    issues = next(
        b["text"]["text"] for b in reply.blocks if "good first issue" in b.get("text", {}).get("text", "")
    )
    assert "*4 open help-wanted / good first issues*" in issues
    assert (
        "<https://git.northwind.example/payments/payments-sdk/issues/185|#185 Add idempotency-key helper"
        in issues
    )
    assert "`help wanted`" in issues and "`good first issue`" in issues
    assert issues.index("#185") < issues.index("#192")  # #192 is assigned, so it comes after

    assert buttons(reply)["contribute"]["url"] == "https://docs.northwind.example/payments-sdk"
    assert {"contribute", "good_first_issues", "share_project"} == set(buttons(reply))
    assert len(reply.blocks) <= 50
    assert reply.text.startswith("Payments SDK (payments/payments-sdk): Every team")
    assert "Trusted committers: Marcus Oyelaran (@moyelaran)" in reply.text
    assert "185 commits over the last 12 weeks" in reply.text


@pytest.mark.parametrize(
    "text",
    [
        'project "payments-sdk"',
        "project 'payments-sdk'",
        "project “payments-sdk”",
        "project `payments-sdk`",
        "project   Payments-SDK  ",
        "project payments/payments-sdk",
        'project "Payments SDK"',
    ],
)
def test_quotes_case_and_full_names_work(sample: Engine, ctx: CommandContext, text: str) -> None:
    reply, _ = run(ctx, text)
    assert reply.text.startswith("Payments SDK (payments/payments-sdk)")


def test_unknown_name_suggests_find(sample: Engine, ctx: CommandContext) -> None:
    reply, text = run(ctx, 'project "no-such-thing"')
    assert "can't find a project called “no-such-thing”" in reply.text
    assert "`/innersource find no-such-thing`" in text


def test_unknown_hostile_name_is_inert(sample: Engine, ctx: CommandContext) -> None:
    reply, text = run(ctx, f"project {HOSTILE}")
    for dangerous in DANGEROUS:
        assert dangerous not in text
        assert dangerous not in reply.text


def test_no_name_explains_usage(sample: Engine, ctx: CommandContext) -> None:
    reply, _ = run(ctx, 'project ""')
    assert "Which project?" in reply.text
    assert "project &lt;name&gt;" in reply.text  # shown as "project <name>"


def test_several_matches_show_the_best_and_name_the_others(sample: Engine, ctx: CommandContext) -> None:
    reply, _ = run(ctx, "project authkit")
    assert reply.text.startswith("AuthKit for Python")
    also = [b for b in reply.blocks if b["type"] == "context" and "Also:" in b["elements"][0]["text"]]
    assert also and also[0]["elements"][0]["text"] == "Also: `identity/authkit-go`"


def test_archived_projects_are_shown_and_marked(sample: Engine, ctx: CommandContext) -> None:
    reply, text = run(ctx, "project session-store-js")
    assert "[archived]" in reply.text
    assert ":file_cabinet: *archived*" in text


def test_removed_projects_are_not_shown(sample: Engine, ctx: CommandContext) -> None:
    with session_scope(sample) as session:
        project = session.exec(select(Project).where(col(Project.name) == "payments-sdk")).one()
        project.removed_at = FIXED_NOW
        session.add(project)
    reply, _ = run(ctx, "project payments-sdk")
    assert "can't find" in reply.text


def test_more_than_five_issues_link_to_the_filtered_list(engine: Engine, ctx: CommandContext) -> None:
    add_project(
        engine,
        {
            "id": 9,
            "name": "busy-lib",
            "full_name": "x/busy-lib",
            "html_url": "https://git.example/x/busy-lib",
            "language": "Go",
        },
    )
    pid = project_id(engine, "x/busy-lib")
    with session_scope(engine) as session:
        for n in range(1, 10):
            labels = ["help wanted"] if n % 2 else ["good-first-issue"]
            session.add(
                Issue(
                    project_id=pid,
                    number=n,
                    title=f"Task {n}",
                    url=f"https://git.example/x/busy-lib/issues/{n}",
                    labels=labels,
                )
            )
        session.add(Issue(project_id=pid, number=20, title="Closed", labels=["help wanted"], state="closed"))
        session.add(Issue(project_id=pid, number=21, title="Unlabelled", labels=["bug"]))
    reply, text = run(ctx, "project busy-lib")
    assert "*9 open help-wanted / good first issues*" in text
    assert text.count("• <https://git.example/x/busy-lib/issues/") == 5
    assert "Closed" not in text and "Unlabelled" not in text
    assert "|and 4 more>" in text
    assert "https://git.example/x/busy-lib/issues?q=is%3Aissue+is%3Aopen+label%3A" in text
    # Defaults as the portal shows them: any contribution, the language as the skill; no commit data.
    assert "*Contributions wanted*\\nAny" in text
    assert "*Skills*\\nGo" in text
    assert "no commit data" in text
    assert buttons(reply)["contribute"]["url"] == "https://git.example/x/busy-lib"


def test_hostile_metadata_is_inert_everywhere(engine: Engine, ctx: CommandContext) -> None:
    add_project(
        engine,
        {
            "id": 1,
            "name": "evil-lib",
            "full_name": "x/evil-lib",
            "html_url": "https://git.example/x/evil-lib",
            "description": HOSTILE,
            "language": HOSTILE,
            "_InnerSourceMetadata": {
                "title": HOSTILE,
                "motivation": HOSTILE,
                "contributions": [HOSTILE],
                "skills": [HOSTILE],
                "topics": ["<!here>"],
                "docs": "https://evil.example/|<!channel>",
                "guidelines": "<!channel>.md",
                "governance_level": HOSTILE,
                "trusted_committers": [{"name": HOSTILE, "github": "here", "role": HOSTILE}, "@channel"],
                "communication": {"channel": HOSTILE, "issues": "https://evil.example|<!channel>"},
            },
        },
    )
    pid = project_id(engine, "x/evil-lib")
    with session_scope(engine) as session:
        session.add(
            Issue(
                project_id=pid,
                number=1,
                title=HOSTILE,
                url="https://evil.example|x",
                labels=["help wanted", HOSTILE],
            )
        )
    reply, text = run(ctx, "project evil-lib")
    assert "&lt;!channel&gt;" in text
    for dangerous in DANGEROUS:
        assert dangerous not in text, dangerous
        assert dangerous not in reply.text, dangerous
    assert "@channel" not in text
    assert len(reply.blocks) <= 50


def suggested(reply: Reply) -> list[str]:
    _, said, rest = reply.text.partition("Did you mean ")
    return re.findall(r"`([^`]+)`", rest.partition("?")[0]) if said else []


def test_a_mistyped_name_suggests_the_closest_project(sample: Engine, ctx: CommandContext) -> None:
    reply, text = run(ctx, "project payment-sdk")
    assert reply.text.startswith("I can't find a project called “payment-sdk”. Did you mean `payments-sdk`?")
    assert "Did you mean `payments-sdk`?" in text
    assert "`/innersource find payment-sdk`" in text


@pytest.mark.parametrize(
    "typed", ["payment-sdk", "authkit-pyton", "lumberjak", "identity/authkit-pyhton", "flagship-clint-js"]
)
def test_suggested_names_are_at_most_three_real_projects(
    sample: Engine, ctx: CommandContext, typed: str
) -> None:
    names = suggested(run(ctx, f"project {typed}")[0])
    assert 1 <= len(names) <= 3
    for name in names:
        assert "can't find" not in run(ctx, f"project {name}")[0].text


def test_a_full_name_suggests_full_names(sample: Engine, ctx: CommandContext) -> None:
    assert suggested(run(ctx, "project identity/authkit-pyhton")[0])[0] == "identity/authkit-python"


def test_nothing_alike_suggests_nothing(sample: Engine, ctx: CommandContext) -> None:
    reply, text = run(ctx, "project zzqqxx-vvww")
    assert "can't find" in reply.text and "Did you mean" not in text
