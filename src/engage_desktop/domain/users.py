"""User accounts as the services see them (no password hashes leave the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engage_desktop.domain.rights import Right, Role


@dataclass(frozen=True, slots=True)
class UserAccount:
    id: int
    username: str
    display_name: str
    role: Role
    rights: frozenset[Right]
    location_ids: frozenset[str] | None
    is_active: bool
    must_change_password: bool
    failed_attempts: int
    last_failure_at: datetime | None
    last_sign_in_at: datetime | None
