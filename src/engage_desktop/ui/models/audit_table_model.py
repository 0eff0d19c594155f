"""The audit log list: the rows of one search, newest first.

A search returns at most a few thousand rows (services.audit.MAX_ROWS), so the model simply
holds them; there is nothing to page in lazily as with the patients list.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from engage_desktop.services.audit import AuditRow
from engage_desktop.ui import theme
from engage_desktop.ui.formatting import format_timestamp
from engage_desktop.ui.models.base import ColumnsTableModel, Index


class Column(IntEnum):
    WHEN = 0
    USER = 1
    WORKSTATION = 2
    ACTION = 3
    PATIENT = 4
    DETAILS = 5

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Column.WHEN: "When",
    Column.USER: "User",
    Column.WORKSTATION: "Workstation",
    Column.ACTION: "Action",
    Column.PATIENT: "Patient",
    Column.DETAILS: "Details",
}

RowRole = Qt.ItemDataRole.UserRole + 1  # the AuditRow
SortRole = Qt.ItemDataRole.UserRole + 2  # a comparable value for the cell


class AuditTableModel(ColumnsTableModel):
    COLUMNS = Column

    def __init__(self, *, region: str = "US", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._region = region
        self._rows: tuple[AuditRow, ...] = ()
        self._danger = QColor(theme.DANGER)

    def set_rows(self, rows: Sequence[AuditRow]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    @property
    def rows(self) -> tuple[AuditRow, ...]:
        return self._rows

    def row_of(self, record_id: int) -> int | None:
        return next((i for i, row in enumerate(self._rows) if row.id == record_id), None)

    # -- Qt model API ----------------------------------------------------------------------
    def _row_count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and column is Column.ACTION and row.entry.action.endswith("_failed"):
            return self._danger  # failed sign-ins are what an office manager scans for
        if role == RowRole:
            return row
        if role == SortRole:
            return row.entry.at if column is Column.WHEN else (self._display(row, column) or "").casefold()
        return None

    def _display(self, row: AuditRow, column: Column) -> str:
        entry = row.entry
        if column is Column.WHEN:
            return format_timestamp(entry.at, self._region)
        if column is Column.USER:
            return entry.username
        if column is Column.WORKSTATION:
            return entry.workstation
        if column is Column.ACTION:
            return row.action_label
        if column is Column.PATIENT:
            return entry.patient_ref
        return row.summary

    def _tooltip(self, row: AuditRow, column: Column) -> str | None:
        if column is Column.WHEN:
            # The record number is what "Check integrity" names; seconds tell close records apart.
            return f"Record #{row.id} · {row.entry.at.astimezone():%Y-%m-%d %H:%M:%S %Z}"
        if column is Column.ACTION:
            return row.entry.action  # the code, as in the CSV export
        if column is Column.DETAILS and row.entry.details:
            # Escaped inside <pre>: Qt guesses rich text from a tooltip's content, and a stored
            # value containing '<' must show as typed.
            text = json.dumps(row.entry.details, indent=2, sort_keys=True, ensure_ascii=False, default=str)
            return f"<pre>{html.escape(text)}</pre>"
        return None
