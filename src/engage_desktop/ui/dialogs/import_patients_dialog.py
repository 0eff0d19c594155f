"""Import patients from a CSV file (LNK-2): choose a file, see what happens to every row, import.

Reading, checking and importing run in the task runner with a progress bar and Cancel; nothing
is written until the user presses Import, and then all accepted rows are written or none.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from enum import IntEnum
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QStandardPaths, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.services.patient_import import ImportPreview, ImportResult, Outcome, RowPreview
from engage_desktop.ui import theme
from engage_desktop.ui.models.base import ColumnsTableModel, Index
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import label, list_table, show_message

WIDTH = 820
TEMPLATE_NAME = "engage-patients-template.csv"
ALL = "all"
# The preview filter: what a receptionist wants to look at, most urgent first.
FILTERS = ((ALL, "All rows"), (Outcome.INVALID.value, "Invalid"), ("matches", "Match someone already known"),
           (Outcome.NEW.value, "New"), ("skipped", "Already imported or repeated"))
_ROLE_COLOURS = {Outcome.NEW: theme.SUCCESS, Outcome.INVALID: theme.DANGER, Outcome.MATCHES_CHART: theme.WARNING,
                 Outcome.MATCHES_UNLINKED: theme.WARNING, Outcome.ALREADY_IMPORTED: theme.MUTED,
                 Outcome.REPEATED: theme.MUTED}


def _wanted(row: RowPreview, choice: str) -> bool:
    if choice == ALL:
        return True
    if choice == "matches":
        return row.outcome in (Outcome.MATCHES_CHART, Outcome.MATCHES_UNLINKED)
    if choice == "skipped":
        return row.outcome in (Outcome.ALREADY_IMPORTED, Outcome.REPEATED)
    return row.outcome.value == choice


def summary_text(preview: ImportPreview) -> str:
    parts = [f"{preview.count(Outcome.NEW):,} new"]
    matches = preview.count(Outcome.MATCHES_CHART) + preview.count(Outcome.MATCHES_UNLINKED)
    if matches:
        parts.append(f"{matches:,} match someone already known")
    skipped = preview.count(Outcome.ALREADY_IMPORTED) + preview.count(Outcome.REPEATED)
    if skipped:
        parts.append(f"{skipped:,} already imported or repeated")
    if preview.count(Outcome.INVALID):
        parts.append(f"{preview.count(Outcome.INVALID):,} invalid")
    return f"{len(preview.rows):,} rows: " + " · ".join(parts)


class PreviewColumn(IntEnum):
    LINE = 0
    NAME = 1
    OUTCOME = 2
    DETAIL = 3

    @property
    def title(self) -> str:
        return ("Line", "Name", "Outcome", "Details")[self]


class PreviewModel(ColumnsTableModel):
    COLUMNS = PreviewColumn

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[RowPreview] = []

    def set_rows(self, rows: list[RowPreview]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def _row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], PreviewColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(row.line), row.name, row.outcome.label, row.detail)[column]
        if role == Qt.ItemDataRole.ForegroundRole and column is PreviewColumn.OUTCOME:
            return QColor(_ROLE_COLOURS[row.outcome])
        if role == Qt.ItemDataRole.ToolTipRole and column is PreviewColumn.DETAIL and row.detail:
            return row.detail
        return None


class _Progress(QObject):
    """Carries (phase, done, total) from the worker to the GUI thread."""

    moved = Signal(str, int, int)


class ImportPatientsDialog(QDialog):
    """``imported(count)`` once the rows are written."""

    imported = Signal(int)
    preview_shown = Signal(object)  # ImportPreview (for tests)

    def __init__(self, services, runner: TaskRunner, *, locations: list[tuple[str, str]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import patients")
        self.setObjectName("Page")
        self.setModal(True)
        self._services, self._runner = services, runner
        self.preview: ImportPreview | None = None
        self._cancel: threading.Event | None = None
        self._relay = _Progress(self)
        self._relay.moved.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._emit_progress = self._relay.moved.emit  # bound on the GUI thread; workers only call it
        documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        self._folder = Path(documents) if documents else Path.home()

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 18)
        outer.setSpacing(10)
        outer.addWidget(label("Import patients from a CSV file", name="PageTitle"))
        outer.addWidget(label("Each row becomes an unlinked patient who can be messaged now and linked to a chart "
                              "later. Save the spreadsheet as CSV; the template shows the columns. Nothing is "
                              "imported until you have checked the rows below.", "muted", width=WIDTH))
        choose = QHBoxLayout()
        self.choose_button = QPushButton("Choose CSV file…")
        self.choose_button.setProperty("primary", True)
        self.choose_button.clicked.connect(self.choose_file)
        self.template_button = QPushButton("Download template…")
        self.template_button.clicked.connect(self.save_template)
        self.file_label = label("No file chosen", "muted")
        choose.addWidget(self.choose_button)
        choose.addWidget(self.file_label, 1)
        choose.addWidget(self.template_button)
        outer.addLayout(choose)

        where = QHBoxLayout()
        where.addWidget(label("Rows without a location go to"))
        self.location = QComboBox()
        for pms_id, name in locations:
            self.location.addItem(name, pms_id)
        self.location.setEnabled(len(locations) > 1)
        self.location.currentIndexChanged.connect(lambda _: self._reload())
        where.addWidget(self.location)
        where.addStretch(1)
        self.filter = QComboBox()
        for value, text in FILTERS:
            self.filter.addItem(text, value)
        self.filter.currentIndexChanged.connect(lambda _: self._apply_filter())
        where.addWidget(label("Show"))
        where.addWidget(self.filter)
        outer.addLayout(where)

        self.summary = label("", width=WIDTH)
        outer.addWidget(self.summary)
        self.model = PreviewModel(self)
        self.table = list_table(28)
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        for column, width in ((PreviewColumn.LINE, 60), (PreviewColumn.NAME, 220), (PreviewColumn.OUTCOME, 200)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(PreviewColumn.DETAIL, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumSize(WIDTH, 320)
        self.table.doubleClicked.connect(self._show_detail)
        outer.addWidget(self.table, 1)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.hide()
        self.status = label("", "muted", width=WIDTH)
        self.status.hide()
        outer.addWidget(self.progress)
        outer.addWidget(self.status)
        self.include_matches = QCheckBox()
        self.include_matches.toggled.connect(lambda _: self._update_button())
        self.include_matches.hide()
        outer.addWidget(self.include_matches)
        self.message = label("", "danger", width=WIDTH)
        self.message.hide()
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self._cancel_or_close)
        self.import_button = QPushButton("Import")
        self.import_button.setProperty("primary", True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        outer.addLayout(buttons)
        self._data: bytes | None = None
        self._file_name = ""

    # -- files ------------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CSV file", str(self._folder),
                                              "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.load_file(Path(path))

    def load_file(self, path: Path) -> None:
        """Read the file off the GUI thread (it may be on a slow network share), then preview it."""
        self._folder = path.parent
        self._file_name = path.name
        self.file_label.setText(path.name)
        self._runner.run(path.read_bytes, io=True, on_success=self._file_read, on_failure=self._failed, owner=self)

    def _file_read(self, data: bytes) -> None:
        self._data = data
        self._reload()

    def save_template(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the template", str(self._folder / TEMPLATE_NAME),
                                              "CSV files (*.csv)")
        if path:
            self.write_template(Path(path))

    def write_template(self, path: Path) -> None:
        data = self._services.patient_csv_template()
        self._runner.run(path.write_bytes, data, io=True, owner=self, on_failure=self._failed,
                         on_success=lambda _n: self._say(f"Template saved as {path.name}. Fill it in, save it as "
                                                         "CSV, then choose it here."))

    # -- preview ------------------------------------------------------------------------------------
    def _reload(self) -> None:
        if self._data is None or self._cancel is not None:
            return
        self.message.hide()
        self.import_button.setEnabled(False)
        self._busy("Checking rows…")
        services, data, name, where = self._services, self._data, self._file_name, self.location.currentData()
        cancel, emit = self._cancel, self._emit_progress
        self._runner.run(lambda: services.preview_import(data, name, where, emit, cancel),
                         on_success=self._show_preview, on_failure=self._failed, owner=self, cancel=cancel)

    def _show_preview(self, preview: ImportPreview) -> None:
        self._idle()
        self.preview = preview
        if preview.problems:
            self.model.set_rows([])
            self.summary.setText("")
            show_message(self.message, " ".join(preview.problems), "danger")
            self.include_matches.hide()
            self._update_button()
            return
        self.summary.setText(summary_text(preview)
                             + (f". Ignored columns: {', '.join(preview.ignored_columns)}" if preview.ignored_columns else ""))
        matches = len(preview.matched)
        who = "the person who looks" if matches == 1 else f"the {matches:,} people who look"
        self.include_matches.setText(f"Also create {who} like someone already known (possible duplicates)")
        self.include_matches.setChecked(False)
        self.include_matches.setVisible(matches > 0)
        self._apply_filter()
        self._update_button()
        self.preview_shown.emit(preview)

    def _apply_filter(self) -> None:
        if self.preview is None:
            return
        choice = self.filter.currentData()
        self.model.set_rows([r for r in self.preview.rows if _wanted(r, choice)])

    def _show_detail(self, index: QModelIndex) -> None:
        row = self.model.rows[index.row()]
        if row.detail:
            self._say(f"Line {row.line}: {row.detail}")

    def to_import(self) -> int:
        if self.preview is None or self.preview.problems:
            return 0
        return len(self.preview.new) + (len(self.preview.matched) if self.include_matches.isChecked() else 0)

    def _update_button(self) -> None:
        count = self.to_import()
        self.import_button.setText(f"Import {count:,} patient{'s' if count != 1 else ''}" if count else "Import")
        self.import_button.setEnabled(count > 0 and self._cancel is None)

    # -- import -------------------------------------------------------------------------------------
    def start_import(self) -> None:
        preview = self.preview
        if preview is None or not self.to_import():
            return
        self._busy("Importing…")
        services, include, cancel, emit = self._services, self.include_matches.isChecked(), self._cancel, self._emit_progress
        self._runner.run(lambda: services.run_import(preview, include, emit, cancel), on_success=self._imported,
                         on_failure=self._failed, owner=self, cancel=cancel)

    def _imported(self, result: ImportResult) -> None:
        self._idle()
        if self.preview is not None:  # done: nothing of this preview is left to import
            self.preview = replace(self.preview, new=(), matched=())
        self.include_matches.setEnabled(False)
        self._update_button()
        self.imported.emit(result.created)
        who = "1 patient" if result.created == 1 else f"{result.created:,} patients"
        self._say(f"Imported {who}. They are in the Patients list with the broken-link mark; "
                  "importing this file again creates nobody new.")
        self.cancel_button.setText("Done")

    # -- busy state ---------------------------------------------------------------------------------
    def _busy(self, text: str) -> None:
        self._cancel = threading.Event()
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(text)
        self.status.show()
        self.cancel_button.setText("Cancel")
        for widget in (self.choose_button, self.location, self.include_matches):
            widget.setEnabled(False)

    def _idle(self) -> None:
        self._cancel = None
        self.progress.hide()
        self.status.hide()
        self.cancel_button.setText("Close")
        self.choose_button.setEnabled(True)
        self.location.setEnabled(self.location.count() > 1)
        self.include_matches.setEnabled(True)

    def _on_progress(self, phase: str, done: int, total: int) -> None:
        self.progress.setValue(int(1000 * done / total) if total else 0)
        self.status.setText(f"{phase}… {done:,} of {total:,}")

    def _cancel_or_close(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status.setText("Cancelling…")
            return
        self.accept() if self.cancel_button.text() == "Done" else self.reject()

    def _failed(self, exc: BaseException) -> None:
        self._idle()
        self._update_button()
        show_message(self.message, user_message(exc), "danger")

    def _say(self, text: str) -> None:
        show_message(self.message, text, "success")

