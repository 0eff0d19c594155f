"""Settings ▸ Users and roles: the list of user accounts (a handful of rows, all in memory).

The texts that describe a user (role, locations, status, last sign-in) are module functions, so
the editor beside the table says the same thing in the same words.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from engage_desktop.domain.sign_in import locked_until
from engage_desktop.domain.users import UserAccount
from engage_desktop.ui import theme
from engage_desktop.ui.formatting import format_date, local_clock, local_time, relative_time
from engage_desktop.ui.models.base import ColumnsTableModel, Index

ALL_LOCATIONS = "All locations"


class Column(IntEnum):
    NAME = 0
    USERNAME = 1
    ROLE = 2
    LOCATIONS = 3
    STATUS = 4
    LAST_SIGN_IN = 5

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Column.NAME: "Name",
    Column.USERNAME: "User name",
    Column.ROLE: "Role",
    Column.LOCATIONS: "Locations",
    Column.STATUS: "Status",
    Column.LAST_SIGN_IN: "Last sign-in",
}

RowRole = Qt.ItemDataRole.UserRole + 1  # the UserAccount
SortRole = Qt.ItemDataRole.UserRole + 2
IdRole = Qt.ItemDataRole.UserRole + 3


# -- how a user reads on screen ---------------------------------------------------------------
def shown_name(user: UserAccount) -> str:
    return user.display_name or user.username


def is_adjusted(user: UserAccount) -> bool:
    """The user's rights differ from their role's preset."""
    return user.rights != user.role.preset


def role_text(user: UserAccount) -> str:
    return f"{user.role.label} (adjusted)" if is_adjusted(user) else user.role.label


def location_names(location_ids: frozenset[str] | None, names: Mapping[str, str]) -> list[str]:
    """Names in the PMS's order; an id the mirror no longer has reads 'Location <id>'."""
    if location_ids is None:
        return [ALL_LOCATIONS]
    known = [names[pms_id] for pms_id in names if pms_id in location_ids]
    unknown = [f"Location {pms_id}" for pms_id in sorted(location_ids) if pms_id not in names]
    return known + unknown


def locations_text(location_ids: frozenset[str] | None, names: Mapping[str, str]) -> str:
    return ", ".join(location_names(location_ids, names))


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # the store keeps UTC


def lockout_end(user: UserAccount, now: datetime | None = None) -> datetime | None:
    """When a locked-out user may try again, or None if they are not locked out now."""
    if user.last_failure_at is None:
        return None
    until = locked_until(user.failed_attempts, _aware(user.last_failure_at))
    return until if until is not None and until > (now or datetime.now(UTC)) else None


@dataclass(frozen=True, slots=True)
class Status:
    text: str
    kind: str  # "active", "disabled", "locked", "must_change"
    detail: str = ""


def user_status(user: UserAccount, *, now: datetime | None = None, region: str = "US") -> Status:
    if not user.is_active:
        return Status("Disabled", "disabled", "Cannot sign in. Their history is kept.")
    until = lockout_end(user, now)
    if until is not None:
        return Status(f"Locked out until {local_clock(until, region)}", "locked",
                      f"{user.failed_attempts} failed sign-ins in a row. Resetting the password unlocks the "
                      "account now.")
    if user.must_change_password:
        return Status("Must change password", "must_change",
                      "Has a temporary password and chooses their own at the next sign-in.")
    return Status("Active", "active")


def last_sign_in_text(user: UserAccount, *, now: datetime | None = None, region: str = "US") -> str:
    if user.last_sign_in_at is None:
        return "Never"
    when = _aware(user.last_sign_in_at)
    now = now or datetime.now(UTC)
    if now - when < timedelta(days=7):
        return relative_time(when, now)
    return format_date(when.astimezone().date(), region)


# -- the model ---------------------------------------------------------------------------------
class UserTableModel(ColumnsTableModel):
    COLUMNS = Column

    def __init__(self, *, region: str = "US", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self._users: list[UserAccount] = []
        self._names: dict[str, str] = {}
        self._colours = {"disabled": QColor(theme.MUTED), "locked": QColor(theme.DANGER),
                         "must_change": QColor(theme.WARNING)}

    def set_users(self, users: Sequence[UserAccount], names: Mapping[str, str]) -> None:
        """Everyone, active people first, then by name (``names``: location pms_id -> name, in PMS order)."""
        self.beginResetModel()
        self._users = sorted(users, key=lambda u: (not u.is_active, shown_name(u).casefold(), u.username))
        self._names = dict(names)
        self.endResetModel()

    def replace(self, user: UserAccount) -> None:
        """One account changed: repaint its row."""
        row = self.row_of(user.id)
        if row is None:
            return
        self._users[row] = user
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))

    def user(self, row: int) -> UserAccount | None:
        return self._users[row] if 0 <= row < len(self._users) else None

    def users(self) -> list[UserAccount]:
        return list(self._users)

    def row_of(self, user_id: int) -> int | None:
        return next((i for i, u in enumerate(self._users) if u.id == user_id), None)

    # -- Qt model API ----------------------------------------------------------------------
    def _row_count(self) -> int:
        return len(self._users)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._users):
            return None
        user = self._users[index.row()]
        column = Column(index.column())
        if role == RowRole:
            return user
        if role == IdRole:
            return user.id
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(user, column)
        if role == SortRole:
            return self._sort_value(user, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(user, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            status = user_status(user, region=self._region)
            if status.kind == "disabled":
                return self._colours["disabled"]
            if column is Column.STATUS:
                return self._colours.get(status.kind)
        return None

    def _display(self, user: UserAccount, column: Column) -> str:
        match column:
            case Column.NAME:
                return shown_name(user)
            case Column.USERNAME:
                return user.username
            case Column.ROLE:
                return role_text(user)
            case Column.LOCATIONS:
                return locations_text(user.location_ids, self._names)
            case Column.STATUS:
                return user_status(user, region=self._region).text
            case Column.LAST_SIGN_IN:
                return last_sign_in_text(user, region=self._region)

    def _sort_value(self, user: UserAccount, column: Column) -> Any:
        if column is Column.LAST_SIGN_IN:
            return _aware(user.last_sign_in_at).timestamp() if user.last_sign_in_at else 0.0
        return self._display(user, column).casefold()

    def _tooltip(self, user: UserAccount, column: Column) -> str | None:
        if column is Column.STATUS:
            return user_status(user, region=self._region).detail or None
        if column is Column.LAST_SIGN_IN and user.last_sign_in_at is not None:
            return local_time(user.last_sign_in_at)
        if column is Column.ROLE and is_adjusted(user):
            return "Rights differ from the role's preset."
        if column is Column.LOCATIONS:
            return "\n".join(location_names(user.location_ids, self._names))
        return None
