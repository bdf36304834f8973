"""A leader lease in the database: with several replicas, exactly one runs the schedules."""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from chatbot.clock import Clock, utcnow
from chatbot.db import session_scope
from chatbot.models import Lease

logger = logging.getLogger(__name__)
LEADER_LEASE = "scheduler-leader"
LEASE_TTL = timedelta(seconds=60)


def try_acquire(engine: Engine, name: str, holder: str, ttl: timedelta, now: datetime) -> bool:
    """Take or renew the lease `name` for `holder`. True when `holder` holds it until now + ttl."""
    expires = now + ttl
    with session_scope(engine) as session:
        result = session.exec(
            update(Lease)
            .where(col(Lease.name) == name, or_(col(Lease.holder) == holder, col(Lease.expires_at) <= now))
            .values(holder=holder, expires_at=expires)
        )
        if result.rowcount == 1:
            return True
    try:
        with session_scope(engine) as session:
            if session.get(Lease, name) is not None:
                return False
            session.add(Lease(name=name, holder=holder, expires_at=expires))
        return True
    except IntegrityError:
        return False  # another replica inserted it first


def release(engine: Engine, name: str, holder: str) -> None:
    with session_scope(engine) as session:
        lease = session.get(Lease, name)
        if lease is not None and lease.holder == holder:
            session.delete(lease)


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Leader:
    """This replica's claim on the scheduler lease; `renew` it often, run jobs only while it holds."""

    def __init__(self, engine: Engine, *, holder: str | None = None, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.holder = holder or holder_id()
        self.clock = clock
        self.is_leader = False

    def renew(self) -> bool:
        was = self.is_leader
        self.is_leader = try_acquire(self.engine, LEADER_LEASE, self.holder, LEASE_TTL, self.clock())
        if self.is_leader != was:
            logger.info(
                "This replica %s the scheduler leader", "is now" if self.is_leader else "is no longer"
            )
        return self.is_leader


def leader_only(leader: Leader, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        if not leader.renew():
            return
        try:
            job()
        except Exception:
            logger.exception("scheduled job failed")

    return run
