from typing import get_args

import pytest

from commands.plain_words.intents import Intent, IntentKind, classify

TABLE: list[tuple[str, Intent]] = [
    # explanations
    ("how do I contribute?", Intent("contribute")),
    ("How do I CONTRIBUTE", Intent("contribute")),
    ("how do i contibute??", Intent("contribute")),
    ("what's a trusted committer", Intent("contribute")),
    ("tell me about the 30-day warranty", Intent("contribute")),
    ("How can I help?", Intent("contribute")),
    ("I want to help with code reviews", Intent("contribute")),
    ("what is innersource", Intent("about")),
    ("What is InnerSource?", Intent("about")),
    ("what is inner source?!", Intent("about")),
    ("whats innersoruce", Intent("about")),
    ("explain", Intent("about")),
    # search
    ("find me a python project", Intent("search", "python")),
    ("Find me a Python project.", Intent("search", "python")),
    ("/innersource find auth library", Intent("search", "auth library")),
    ("search for kubernetes operators", Intent("search", "kubernetes operators")),
    ("I'm looking for a feature flag library", Intent("search", "feature flag library")),
    ("are there any terraform modules", Intent("search", "terraform modules")),
    ("python projects", Intent("search", "python")),
    ("projects about payments", Intent("search", "payments")),
    ("find projects", Intent("search")),
    ("find me a projcet", Intent("search")),
    # recommendations
    ("good first issues for react", Intent("recommend", skills=("react",))),
    ("Good-first-issues for React?", Intent("recommend", skills=("react",))),
    ("any good first isues for python and go", Intent("recommend", skills=("python", "go"))),
    ("python good first issues", Intent("recommend", skills=("python",))),
    ("find python projects with good first issues", Intent("recommend", skills=("python",))),
    ("show me some help wanted issues", Intent("recommend")),
    ("what can I work on?", Intent("recommend")),
    ("Where can I help?", Intent("recommend")),
    ("recommend something", Intent("recommend")),
    ("beginner tasks in terraform", Intent("recommend", skills=("terraform",))),
    # owners
    ("who owns payments-sdk", Intent("owner", "payments-sdk")),
    ("Who owns `payments-sdk`?", Intent("owner", "payments-sdk")),
    ("who maintains the feature flags project", Intent("owner", "feature flags")),
    ("who owns projector", Intent("owner", "projector")),
    ("owners of authkit-python", Intent("owner", "authkit-python")),
    ("who do I talk to about ledger-service", Intent("owner", "ledger-service")),
    ("payments-sdk maintainers", Intent("owner", "payments-sdk")),
    # skills
    ("set my skills to go, rust", Intent("set_skills", "go, rust")),
    ("Set my skills: Python, React, Terraform", Intent("set_skills", "python, react, terraform")),
    ("my skills are java and kotlin", Intent("set_skills", "java and kotlin")),
    ("skills python react", Intent("set_skills", "python react")),
    ("my skills", Intent("show_skills")),
    ("what are my skills?", Intent("show_skills")),
    ("skills", Intent("show_skills")),
    ("clear my skills", Intent("clear_skills")),
    ("skills clear", Intent("clear_skills")),
    # small talk, checklist, help
    ("hi", Intent("hello")),
    ("Hello there!", Intent("hello")),
    ("thanks!", Intent("thanks")),
    ("thank you so much for the help", Intent("thanks")),
    ("getting started", Intent("checklist")),
    ("how do I get started?", Intent("checklist")),
    ("help", Intent("help")),
    ("HELP!!", Intent("help")),
    ("what can you do?", Intent("help")),
    ("", Intent("help")),
    ("   ", Intent("help")),
    ("?", Intent("help")),
    ("asdf qwerty", Intent("help", "asdf qwerty")),
    (
        "please help me contribute " * 20,
        Intent("help", " ".join(["please", "help", "me", "contribute"] * 20)),
    ),
    ("the weather is nice today", Intent("help", "the weather is nice today")),
    ("great python projects are rare", Intent("help", "great python projects are rare")),
    # Slack markup
    ("<@UBOT> who owns payments-sdk?", Intent("owner", "payments-sdk")),
    ("find &lt;auth&gt; &amp; sso", Intent("search", "<auth> & sso")),
    ("who owns <https://git.example/pay/payments-sdk|payments-sdk>", Intent("owner", "payments-sdk")),
    ("“what is innersource”", Intent("about")),
]


@pytest.mark.parametrize(("text", "expected"), TABLE, ids=[t[:40] or "(empty)" for t, _ in TABLE])
def test_plain_words_route_to_the_right_answer(text: str, expected: Intent) -> None:
    assert classify(text) == expected


def test_the_table_covers_every_kind_of_answer() -> None:
    assert {intent.kind for _, intent in TABLE} == set(get_args(IntentKind))
