import json

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.handlers import CommandContext
from chatbot.onboarding.checklist import load_progress
from chatbot.onboarding.skills import parse_skills, stored_skills
from commands import build_registry
from commands.router import dispatch
from tests.conftest import FIXED_NOW
from tests.sample_catalog import SampleCatalog


def run(ctx: CommandContext, text: str) -> str:
    reply = dispatch(build_registry(), ctx, text)
    return reply.text + json.dumps(reply.blocks, ensure_ascii=False)


def skills_of(engine: Engine, user: str = "U123") -> list[str]:
    with Session(engine) as session:
        return stored_skills(session, user)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("python, react, terraform", ["python", "react", "terraform"]),
        ("Python,  REACT ,python", ["python", "react"]),
        ("go rust", ["go", "rust"]),
        ("golang and k8s; JS", ["go", "kubernetes", "javascript"]),
        ("c++, c#, node.js, machine learning", ["c++", "c#", "node.js", "machine learning"]),
        ("`python`, *react*.", ["python", "react"]),
    ],
)
def test_skills_are_normalised(typed: str, stored: list[str]) -> None:
    assert parse_skills(typed) == stored


def test_set_show_and_clear(ctx: CommandContext, engine: Engine, sample_catalog: SampleCatalog) -> None:
    sample_catalog(engine, FIXED_NOW)
    assert "haven't told me your skills" in run(ctx, "skills")
    saved = run(ctx, "skills Python, Java")
    assert "Saved your skills: `python`, `java`" in saved
    assert "Payments SDK" in saved  # a matching good first issue straight away
    assert skills_of(engine) == ["python", "java"]
    assert "Your skills: `python`, `java`" in run(ctx, "skills")
    with Session(engine) as session:
        state = load_progress(session, "U123")
        assert state is not None and "skills" in state.done
    assert "Cleared your skills" in run(ctx, "skills clear")
    assert skills_of(engine) == []


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("skills " + ", ".join(f"s{i}" for i in range(21)), "That is 21 skills; 20 at most"),
        ("skills " + "x" * 41, "too long for a skill (40 characters at most)"),
        ("skills <!channel>", "does not look like a skill"),
        ("skills , ,", "Which skills?"),
    ],
)
def test_bad_skills_are_explained_and_change_nothing(
    ctx: CommandContext, engine: Engine, typed: str, problem: str
) -> None:
    run(ctx, "skills python")
    answer = run(ctx, typed)
    assert problem in answer and "Usage: skills" in answer
    assert "<!channel>" not in answer
    assert skills_of(engine) == ["python"]


def test_skills_appear_in_help(ctx: CommandContext) -> None:
    assert "/innersource skills python, react, terraform" in run(ctx, "help")
