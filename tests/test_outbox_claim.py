"""outbox.claim, shared by digests, nudges and welcome DMs: one owner per message; a dead one is replaced."""

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from chatbot.db import session_scope
from chatbot.models import DigestDelivery, Nudge, Subscription, Welcome
from chatbot.onboarding.checklist import pending_welcome
from chatbot.outbox import PENDING, SENT, STALE_PENDING, claim, finish, touch
from tests.conftest import FIXED_NOW

Row = DigestDelivery | Nudge | Welcome


def digest(engine: Engine) -> Callable[[datetime], Row]:
    with session_scope(engine) as session:
        sub = Subscription(channel_id="C1", created_by="U1", created_at=FIXED_NOW, updated_at=FIXED_NOW)
        session.add(sub)
        session.flush()
        sub_id = sub.id
    assert sub_id is not None
    return lambda now: DigestDelivery(
        subscription_id=sub_id, period_key="2026-W47", status=PENDING, channel_id="C1", created_at=now
    )


def nudge(engine: Engine) -> Callable[[datetime], Row]:
    return lambda now: Nudge(
        recipient="U1",
        kind="author",
        day_key="2026-11-16",
        contribution_ids=[1],
        status=PENDING,
        created_at=now,
    )


def welcome(engine: Engine) -> Callable[[datetime], Row]:
    return lambda now: pending_welcome("U1", now)


@pytest.fixture(params=[digest, nudge, welcome], ids=["digest", "nudge", "welcome"])
def new_row(request: pytest.FixtureRequest, engine: Engine) -> Callable[[datetime], Row]:
    make: Callable[[Engine], Callable[[datetime], Row]] = request.param
    return make(engine)


def test_the_first_claim_owns_the_message_and_a_live_owner_keeps_it(
    engine: Engine, new_row: Callable[[datetime], Row]
) -> None:
    first = claim(engine, new_row(FIXED_NOW), FIXED_NOW)
    assert first.key is not None and not first.resumed
    almost_stale = FIXED_NOW + STALE_PENDING - timedelta(seconds=1)
    assert claim(engine, new_row(almost_stale), almost_stale).key is None


def test_a_stale_claim_is_taken_over_once(engine: Engine, new_row: Callable[[datetime], Row]) -> None:
    first = claim(engine, new_row(FIXED_NOW), FIXED_NOW)
    later = FIXED_NOW + STALE_PENDING
    takeover = claim(engine, new_row(later), later)
    assert takeover.key == first.key and takeover.resumed
    assert claim(engine, new_row(later), later).key is None  # the racer that came second


def test_an_owner_that_keeps_touching_its_row_keeps_it(
    engine: Engine, new_row: Callable[[datetime], Row]
) -> None:
    first = claim(engine, new_row(FIXED_NOW), FIXED_NOW)
    assert first.key is not None
    model = type(new_row(FIXED_NOW))
    touch(engine, model, first.key, FIXED_NOW + timedelta(minutes=9))
    later = FIXED_NOW + STALE_PENDING + timedelta(minutes=1)
    assert claim(engine, new_row(later), later).key is None


@pytest.mark.parametrize("make", [digest, nudge], ids=["digest", "nudge"])
def test_a_finished_message_is_never_claimed_again(
    engine: Engine, make: Callable[[Engine], Callable[[datetime], DigestDelivery | Nudge]]
) -> None:
    new_row = make(engine)
    first = claim(engine, new_row(FIXED_NOW), FIXED_NOW)
    assert first.key is not None
    finish(engine, type(new_row(FIXED_NOW)), first.key, SENT)
    much_later = FIXED_NOW + timedelta(days=1)
    assert claim(engine, new_row(much_later), much_later).key is None
