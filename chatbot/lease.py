"""A leader lease in the database: with several replicas, exactly one runs the schedules."""

from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from chatbot.db import session_scope
from chatbot.models import Lease


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
