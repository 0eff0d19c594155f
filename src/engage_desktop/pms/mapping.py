"""Pure coercions shared by the vendors' row mappers.

PMS rows are messy: '0001-01-01' for "no date", dates as strings (SQLite), bytes from old
drivers, NULLs where NOT NULL was expected, flags as 'Y'/'N', 0/1 or text. These helpers
never raise on bad input; a mapper raises ``RowError`` only when the row is unusable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from engage_desktop.domain.contacts import normalize_email, normalize_phone
from engage_desktop.domain.pms_records import Phone

Row = Mapping[str, Any]

_MIN_YEAR = 1880  # Open Dental's own reports treat year <= 1880 as "no date"


class RowError(ValueError):
    """A row that cannot be mirrored (no id, say). The message names the column, never the data."""


def text(value: Any) -> str:
    if value.__class__ is str:  # the common case first: mappers call this ~10 times a row
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return str(value).strip()


def opt_text(value: Any) -> str | None:
    return text(value) or None


def ident(value: Any) -> str | None:
    """A foreign key as text; 0, '' and NULL mean "none" in every vendor we read."""
    if value.__class__ is int:
        return None if value in (0, -1) else str(value)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = text(value)
    if s in {"", "0", "-1"}:
        return None
    return s


def required_id(row: Row, column: str) -> str:
    value = ident(row.get(column))
    if value is None:
        raise RowError(f"missing {column}")
    return value


def integer(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return default


def number(value: Any, default: float = 0.0) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return text(value).upper() in {"1", "Y", "YES", "T", "TRUE"}


def to_date(value: Any) -> date | None:
    """A date, or None for NULL, '0001-01-01', '0000-00-00' and garbage."""
    if value is None:
        return None
    if isinstance(value, datetime):
        d = value.date()
    elif isinstance(value, date):
        d = value
    else:
        s = text(value)
        if not s or s.startswith("0000"):
            return None
        try:
            d = date.fromisoformat(s[:10])
        except ValueError:
            return None
    return d if d.year > _MIN_YEAR else None


def to_datetime(value: Any) -> datetime | None:
    if value is None:
        return None
    if value.__class__ is str and len(value) == 19 and value[0] in "12":  # 'YYYY-MM-DD HH:MM:SS'
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            return None
        return dt if dt.year > _MIN_YEAR else None
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    else:
        s = text(value)
        if not s or s.startswith("0000"):
            return None
        try:
            dt = datetime.fromisoformat(s.replace("T", " ")[:19])
        except ValueError:
            return None
    if dt.tzinfo is not None:
        dt = dt.replace(tzinfo=None)
    return dt if dt.year > _MIN_YEAR else None


def phone(value: Any, region: str) -> Phone | None:
    return normalize_phone(value, region)


def email(value: Any) -> tuple[str | None, bool]:
    return normalize_email(value)


def lower_keys(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in row.items()}
