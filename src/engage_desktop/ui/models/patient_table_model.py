"""The Patients list: ids from a search, rows loaded a page at a time off the GUI thread.

Like Anki's browser table, the model holds only the ids (a search may return 100,000) and a
cache of row pages. A row that is not loaded yet shows a muted "Loading…" placeholder and
asks for its page; when the page arrives one targeted ``dataChanged`` repaints it. Each
``set_result`` starts a new generation, so pages asked for by an earlier search are ignored.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from engage_desktop.domain.views import PatientListRow, SearchResult
from engage_desktop.ui import icons, theme
from engage_desktop.ui.formatting import format_date, status_label
from engage_desktop.ui.models.base import ColumnsTableModel, Index
from engage_desktop.ui.tasks import TaskRunner, user_message

PAGE_SIZE = 200
MAX_CACHED_PAGES = 100  # 20,000 rows; older pages are dropped and re-read if scrolled back to
LOADING = "Loading…"

RowLoader = Callable[[Sequence[int]], list[PatientListRow]]


class Column(IntEnum):
    NAME = 0
    BIRTHDATE = 1
    PHONE = 2
    EMAIL = 3
    STATUS = 4
    LOCATION = 5
    CHART = 6

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    Column.NAME: "Name",
    Column.BIRTHDATE: "Birthdate",
    Column.PHONE: "Phone",
    Column.EMAIL: "Email",
    Column.STATUS: "Status",
    Column.LOCATION: "Location",
    Column.CHART: "Chart #",
}

RowRole = Qt.ItemDataRole.UserRole + 1  # the PatientListRow, or None while loading
SortRole = Qt.ItemDataRole.UserRole + 2  # a comparable value for the cell
IdRole = Qt.ItemDataRole.UserRole + 3  # the patient id, known even before the row loads


class PatientTableModel(ColumnsTableModel):
    COLUMNS = Column

    def __init__(self, load_rows: RowLoader, runner: TaskRunner, *, region: str = "US",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._load_rows = load_rows
        self._runner = runner
        self._region = region
        self._ids: tuple[int, ...] = ()
        self._result = SearchResult(ids=(), total=0)
        self._pages: OrderedDict[int, dict[int, PatientListRow]] = OrderedDict()
        self._pending: set[int] = set()
        self._failed: set[int] = set()  # not retried until the next search, to avoid a loop
        self._generation = 0
        self._muted = QColor(theme.MUTED)

    # -- feeding -------------------------------------------------------------------------
    def set_result(self, result: SearchResult) -> None:
        self.beginResetModel()
        self._generation += 1
        self._result = result
        self._ids = tuple(result.ids)
        self._pages.clear()
        self._pending.clear()
        self._failed.clear()
        self.endResetModel()

    @property
    def result(self) -> SearchResult:
        return self._result

    def patient_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, patient_id: int) -> int | None:
        try:
            return self._ids.index(patient_id)
        except ValueError:
            return None

    def row_data(self, row: int) -> PatientListRow | None:
        """The loaded row, or None (and its page is requested) while it is loading."""
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            self._request(page_no)
            return None
        self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    def is_loaded(self, row: int) -> bool:
        return row // PAGE_SIZE in self._pages

    def _request(self, page_no: int) -> None:
        if page_no in self._pending or page_no in self._failed:
            return
        self._pending.add(page_no)
        ids = self._ids[page_no * PAGE_SIZE:(page_no + 1) * PAGE_SIZE]
        generation = self._generation
        self._runner.run(
            self._load_rows, ids,
            on_success=lambda rows: self._page_loaded(generation, page_no, rows),
            on_failure=lambda exc: self._page_failed(generation, page_no, exc),
            owner=self,
        )

    def _page_loaded(self, generation: int, page_no: int, rows: list[PatientListRow]) -> None:
        if generation != self._generation:
            return  # from an earlier search; the ids it covers mean something else now
        self._pending.discard(page_no)
        self._pages[page_no] = {r.id: r for r in rows}
        while len(self._pages) > MAX_CACHED_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, len(self._ids)) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))

    def _page_failed(self, generation: int, page_no: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page_no)
        self._failed.add(page_no)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, len(self._ids)) - 1
        self.dataChanged.emit(self.index(first, 0), self.index(last, len(Column) - 1))
        self._runner.task_did_fail.emit(user_message(exc))

    # -- Qt model API ----------------------------------------------------------------------
    def _row_count(self) -> int:
        return len(self._ids)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == IdRole:
            return self._ids[index.row()]
        if role not in _ROLES:
            return None
        row = self.row_data(index.row())
        column = Column(index.column())
        if row is None:
            page_no = index.row() // PAGE_SIZE
            if role == Qt.ItemDataRole.DisplayRole and column is Column.NAME:
                if page_no in self._failed:
                    return "Could not load this row"
                return LOADING if page_no in self._pending else "(no longer in the PMS)"
            if role == Qt.ItemDataRole.ForegroundRole:
                return self._muted
            if role == SortRole:
                return ""
            return None
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == SortRole:
            return _sort_value(row, column)
        if role == Qt.ItemDataRole.DecorationRole and column is Column.NAME and not row.is_linked:
            return icons.broken_link()
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.NAME and not row.is_linked:
            return "Unlinked patient: not connected to a chart in the PMS"
        return None

    def _display(self, row: PatientListRow, column: Column) -> str:
        if column is Column.NAME:
            return row.name
        if column is Column.BIRTHDATE:
            return format_date(row.birthdate, self._region)
        if column is Column.PHONE:
            return row.phone
        if column is Column.EMAIL:
            return row.email
        if column is Column.STATUS:
            return status_label(row.status)
        if column is Column.LOCATION:
            return row.location
        return row.chart_number


_ROLES = {
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.DecorationRole,
    Qt.ItemDataRole.ToolTipRole, RowRole, SortRole,
}


def _sort_value(row: PatientListRow, column: Column) -> Any:
    if column is Column.BIRTHDATE:
        return row.birthdate or date.min
    if column is Column.NAME:
        return row.name.casefold()
    return {
        Column.PHONE: row.phone,
        Column.EMAIL: row.email.casefold(),
        Column.STATUS: row.status,
        Column.LOCATION: row.location,
        Column.CHART: row.chart_number,
    }[column]
