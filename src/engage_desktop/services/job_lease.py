"""The scheduler's lease (PLT-4): exactly one process in an office runs the jobs.

The holder renews the lease well before it expires; a holder that dies stops renewing, and
another process takes the lease at its next try after the expiry (within a minute with the
defaults: 45 s lease, renewed and tried every 15 s).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.services.clock import utc_now

NAME = "scheduler"
TTL = timedelta(seconds=45)
RENEW_EVERY = timedelta(seconds=15)


def take_or_renew(*, uow_factory: UnitOfWorkFactory, holder: str, ttl: timedelta = TTL,
                  clock: Callable[[], datetime] = utc_now) -> str | None:
    """None when ``holder`` holds the lease now; otherwise who does."""
    with uow_factory() as uow:
        other = uow.messaging.acquire_lease(NAME, holder, now=clock(), ttl=ttl)
        uow.commit()
    return other


def release(*, uow_factory: UnitOfWorkFactory, holder: str) -> None:
    with uow_factory() as uow:
        uow.messaging.release_lease(NAME, holder)
        uow.commit()


def current_holder(*, uow_factory: UnitOfWorkFactory, clock: Callable[[], datetime] = utc_now) -> str | None:
    """Who runs the jobs now (None: nobody; the next process to try takes over)."""
    with uow_factory() as uow:
        holder, expires = uow.messaging.lease(NAME)
    return holder if holder and expires and expires > clock() else None
