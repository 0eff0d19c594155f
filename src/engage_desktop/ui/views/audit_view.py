"""Layout of the Audit log screen (behaviour lives in ui/audit_page.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.rights import Right
from engage_desktop.ui.models.audit_table_model import Column
from engage_desktop.ui.widgets.common import Card, label, list_table
from engage_desktop.ui.widgets.rights import missing_right_text

TITLE = "Audit log"
INTRO = "Who signed in, opened a patient's card or changed a setting, when, and on which computer."
INTRO_CHECK = " Check integrity shows whether any record has been altered since it was written."
NO_RIGHT_TEXT = f"The audit log is only open to some users. {missing_right_text(Right.VIEW_AUDIT_LOG)}"
PATIENT_PLACEHOLDER = "PMS patient # or reference"
EMPTY_TITLE = "No records match these filters"
EMPTY_TEXT = "Try a longer date range, or All users and All actions."
ROW_HEIGHT = 30
# Column widths from the text each must fit, so they suit Segoe UI and DejaVu alike; Details
# takes what is left.
SAMPLES = {Column.WHEN: "Nov 22, 2026 12:59 PM", Column.USER: "frontdesk2", Column.WORKSTATION: "FRONT-DESK-12",
           Column.ACTION: "Location settings changed", Column.PATIENT: "unlinked:12345"}
PADDING = 28


class AuditLogView(QWidget):
    def __init__(self, *, allowed: bool, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(20, 16, 16, 12)
        self.column.setSpacing(10)
        header = QHBoxLayout()
        header.addWidget(label(TITLE, name="PageTitle"))
        header.addStretch(1)
        self.column.addLayout(header)
        self.column.addWidget(label(INTRO + (INTRO_CHECK if allowed else ""), "muted", wrap=True))
        self.table: QTableView | None = None
        if not allowed:
            self.notice = label(NO_RIGHT_TEXT, name="Note", wrap=True)
            self.column.addWidget(self.notice)
            self.column.addStretch(1)
            return

        self.check_button = QPushButton("Check integrity")
        self.check_button.setToolTip("Recompute every record's chain hash to show that none was edited, inserted "
                                     "or deleted")
        header.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignBottom)
        self.integrity = label("", name="Banner", wrap=True, selectable=True)
        self.integrity.hide()
        self.column.addWidget(self.integrity)
        self.column.addWidget(self._build_filters())

        results = QHBoxLayout()
        self.count_label = label("Loading…", "muted", name="ResultCount")
        results.addWidget(self.count_label)
        results.addStretch(1)
        self.export_status = label("", "muted")
        results.addWidget(self.export_status)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save every record that matches the filters (not only the ones shown) "
                                      "as a spreadsheet file")
        results.addWidget(self.export_button)
        self.column.addLayout(results)

        self.stack = QStackedWidget()
        self.table = self._build_table()
        self.stack.addWidget(self.table)
        self.empty_state = self._build_empty_state()
        self.stack.addWidget(self.empty_state)
        self.column.addWidget(self.stack, 1)

    def _build_filters(self) -> Card:
        card = Card()
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        self.user_combo = _combo(150)
        self.action_combo = _combo(220)
        self.action_combo.setMaxVisibleItems(24)
        self.patient_box = QLineEdit()
        self.patient_box.setPlaceholderText(PATIENT_PLACEHOLDER)
        self.patient_box.setClearButtonEnabled(True)
        self.patient_box.setMinimumWidth(200)
        self.from_date = self._date_edit()
        self.to_date = self._date_edit()
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setProperty("flat", True)
        fields = (("User", self.user_combo), ("Action", self.action_combo), ("Patient", self.patient_box),
                  ("From", self.from_date), ("To", self.to_date))
        for col, (title, widget) in enumerate(fields):
            caption = label(title, "small")
            caption.setBuddy(widget)
            grid.addWidget(caption, 0, col)
            grid.addWidget(widget, 1, col)
        grid.addWidget(self.clear_button, 1, len(fields), Qt.AlignmentFlag.AlignVCenter)
        grid.setColumnStretch(2, 1)  # the patient box takes the spare width
        card.body.addLayout(grid)
        return card

    def _date_edit(self) -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setMinimumWidth(130)
        return edit

    def set_date_format(self, month_first: bool) -> None:
        """Dates as the practice writes them; month-first countries (the US) also start weeks on Sunday."""
        for edit in (self.from_date, self.to_date):
            edit.setDisplayFormat("MM/dd/yyyy" if month_first else "dd/MM/yyyy")
            edit.calendarWidget().setFirstDayOfWeek(Qt.DayOfWeek.Sunday if month_first else Qt.DayOfWeek.Monday)

    def _build_table(self) -> QTableView:
        table = list_table(ROW_HEIGHT)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.horizontalHeader().setStretchLastSection(True)  # Details
        return table

    def apply_column_widths(self) -> None:
        """Call once the table has a model (widths belong to the header's sections)."""
        metrics = self.table.fontMetrics()
        for column, sample in SAMPLES.items():
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + PADDING)

    def _build_empty_state(self) -> QWidget:
        box = Card()  # the table's white panel, so the page keeps its shape when nothing matches
        layout = box.body
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(8)
        layout.addStretch(1)
        self.empty_title = label(EMPTY_TITLE, name="EmptyTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = label(EMPTY_TEXT, "muted", wrap=True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_title)
        layout.addWidget(self.empty_text)
        layout.addStretch(2)
        return box


def _combo(min_width: int) -> QComboBox:
    combo = QComboBox()
    combo.setMinimumWidth(min_width)
    # Fusion's default popup delegate ignores the qss selection colours (dark text on the accent);
    # a styled delegate paints the list like the tables.
    combo.setItemDelegate(QStyledItemDelegate(combo))
    return combo
