"""The typo vocabulary: rebuilt when the catalog changes, in the background when that is slow."""

import threading

from sqlalchemy import Engine
from sqlmodel import Session

from chatbot.catalog.vocabulary import vocabulary_for
from chatbot.db import session_scope
from chatbot.models import Project


def add(engine: Engine, name: str) -> None:
    with session_scope(engine) as session:
        session.add(Project(key=name, source="t", name=name, full_name=f"a/{name}"))


def test_a_slow_vocabulary_is_rebuilt_in_the_background(sqlite_engine: Engine) -> None:
    add(sqlite_engine, "quasar")
    with Session(sqlite_engine) as session:
        first = vocabulary_for(session)
    assert "quasar" in first.words
    first.build_seconds = 60.0  # as if this catalog took a minute to read
    first.checked_at = 0.0  # and the last check were long ago
    add(sqlite_engine, "nebula")
    with Session(sqlite_engine) as session:
        assert vocabulary_for(session) is first  # searches go on with it meanwhile
    for thread in threading.enumerate():
        if thread.name == "vocabulary-build":
            thread.join(timeout=30)
    with Session(sqlite_engine) as session:
        assert "nebula" in vocabulary_for(session).words
