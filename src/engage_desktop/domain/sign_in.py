"""Sign-in rules (pure): lockout with back-off after repeated failures, password policy."""

from __future__ import annotations

from datetime import datetime, timedelta

FREE_ATTEMPTS = 5  # failures before the first lockout
FIRST_LOCKOUT = timedelta(minutes=1)
LONGEST_LOCKOUT = timedelta(hours=1)
MIN_PASSWORD_LENGTH = 10


def locked_until(failed_attempts: int, last_failure: datetime) -> datetime | None:
    """After 5 failures, 1 minute; each further failure doubles it, up to an hour."""
    if failed_attempts < FREE_ATTEMPTS:
        return None
    doublings = min(failed_attempts - FREE_ATTEMPTS, 10)
    return last_failure + min(FIRST_LOCKOUT * (2**doublings), LONGEST_LOCKOUT)


def password_problem(password: str, *, username: str = "") -> str | None:
    """What is wrong with a new password, or None. Length beats composition rules (NIST 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if username and username.casefold() in password.casefold():
        return "The password must not contain the user name."
    if len(set(password)) < 4:
        return "Use a less repetitive password."
    return None
