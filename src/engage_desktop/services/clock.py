"""The services' clock: aware UTC now (one definition; tests pass their own ``now`` where it matters)."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
