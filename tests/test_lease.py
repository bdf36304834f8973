from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from chatbot.lease import Leader, release, try_acquire

T0 = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


def test_only_one_holder_at_a_time(engine: Engine) -> None:
    assert try_acquire(engine, "leader", "a", TTL, T0)
    assert not try_acquire(engine, "leader", "b", TTL, T0 + timedelta(seconds=30))
    assert try_acquire(engine, "leader", "a", TTL, T0 + timedelta(seconds=30))  # renewal


def test_a_standby_takes_over_when_the_leader_stops_renewing(engine: Engine) -> None:
    assert try_acquire(engine, "leader", "a", TTL, T0)
    assert not try_acquire(engine, "leader", "b", TTL, T0 + timedelta(seconds=59))
    assert try_acquire(engine, "leader", "b", TTL, T0 + timedelta(seconds=61))
    assert not try_acquire(engine, "leader", "a", TTL, T0 + timedelta(seconds=62))


def test_release_lets_another_take_it_at_once(engine: Engine) -> None:
    assert try_acquire(engine, "leader", "a", TTL, T0)
    release(engine, "leader", "b")  # not the holder: nothing happens
    assert not try_acquire(engine, "leader", "b", TTL, T0)
    release(engine, "leader", "a")
    assert try_acquire(engine, "leader", "b", TTL, T0)


def test_two_schedulers_one_leader(engine: Engine) -> None:
    now = [T0]
    first = Leader(engine, holder="replica-1", clock=lambda: now[0])
    second = Leader(engine, holder="replica-2", clock=lambda: now[0])
    assert first.renew() and not second.renew()
    now[0] += timedelta(seconds=20)
    assert first.renew() and not second.renew()
    now[0] += timedelta(seconds=90)  # replica-1 died and stopped renewing
    assert second.renew()
    assert not first.renew()
