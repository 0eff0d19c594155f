"""Layout of the Patients screen (behaviour lives in ui/patients_page.py)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.ui import icons
from engage_desktop.ui.models.patient_table_model import Column
from engage_desktop.ui.widgets.common import label, list_table
from engage_desktop.ui.widgets.patient_card import PatientCardWidget

SEARCH_PLACEHOLDER = "Search by name, birthdate, phone, email or chart #"
EMPTY_TITLE = "No patients yet"
EMPTY_TEXT = "Set up the PMS connection in Settings, or press Sync now."
SYNCING_TITLE = "Reading patients from the PMS…"
SYNCING_TEXT = "The list fills in as soon as this first sync finishes."
ROW_HEIGHT = 32
CARD_MIN_WIDTH = 400  # the card's sections are laid out to fit this without a horizontal scroll
# Widths come from the text each column must fit, so they suit Segoe UI and DejaVu alike.
# Name takes what is left; email and location are elided when the window is narrow.
FIXED_SAMPLES = {Column.BIRTHDATE: "00/00/0000", Column.PHONE: "(000) 000-0000", Column.STATUS: "Non-patient",
                 Column.CHART: "Chart #"}
# The rest share what is left: (share, minimum width).
FLEXIBLE = {Column.NAME: (0.42, 160), Column.EMAIL: (0.30, 110), Column.LOCATION: (0.28, 100)}
PADDING = 24  # the cell padding in theme.QSS (2 x 6 px) plus the style's text margins, with room to spare


class PatientsView(QWidget):
    def __init__(self, *, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Page")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.setHandleWidth(12)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(20, 16, 16, 12)
        outer.addWidget(splitter)

        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(10)
        header = QHBoxLayout()
        header.addWidget(label("Patients", name="PageTitle"))
        header.addStretch(1)
        self.count_label = label("", "muted", name="ResultCount")
        header.addWidget(self.count_label, 0, Qt.AlignmentFlag.AlignBottom)
        column.addLayout(header)

        self.search_box = QLineEdit()
        self.search_box.setObjectName("SearchBox")
        self.search_box.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search_box.setClearButtonEnabled(True)
        self.search_box.addAction(icons.search(), QLineEdit.ActionPosition.LeadingPosition)
        self.kind_filter = QComboBox()
        for text, kind in (("All patients", "all"), ("Unlinked only", "unlinked"), ("PMS charts only", "charts")):
            self.kind_filter.addItem(text, kind)
        self.create_button = QPushButton("Create patient")
        self.create_button.setProperty("primary", True)
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Create unlinked patients in bulk from a spreadsheet saved as CSV")
        search_row = QHBoxLayout()
        search_row.setSpacing(8)
        search_row.addWidget(self.search_box, 1)
        search_row.addWidget(self.kind_filter)
        search_row.addWidget(self.import_button)
        search_row.addWidget(self.create_button)
        column.addLayout(search_row)

        self.stack = QStackedWidget()
        self.table = self._build_table()
        # "Smile Dental - Downtown" / "- Riverside": the end tells locations apart.
        self._elide_left(Column.LOCATION)
        self.stack.addWidget(self.table)
        self.empty_state = self._build_empty_state()
        self.stack.addWidget(self.empty_state)
        column.addWidget(self.stack, 1)
        splitter.addWidget(left)

        self.card = PatientCardWidget(region=region)
        self.card.setMinimumWidth(CARD_MIN_WIDTH)
        splitter.addWidget(self.card)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([800, 400])

    def _build_table(self) -> QTableView:
        table = list_table(ROW_HEIGHT)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        return table

    def _elide_left(self, column: Column) -> None:
        delegate = _ElideLeftDelegate(self.table)
        self.table.setItemDelegateForColumn(column, delegate)

    def apply_column_widths(self) -> None:
        metrics = self.table.fontMetrics()
        for column, sample in FIXED_SAMPLES.items():
            self.table.setColumnWidth(column, metrics.horizontalAdvance(sample) + PADDING)
        self.table.viewport().installEventFilter(self)
        self._fit_columns()

    def _fit_columns(self) -> None:
        # Name, email and location share the room the fixed columns leave (never below a minimum).
        # When even the minimums do not fit, Location (also on the card) steps aside rather than
        # pushing the list into a horizontal scroll.
        room = self.table.viewport().width() - sum(self.table.columnWidth(c) for c in FIXED_SAMPLES)
        metrics = self.table.fontMetrics()
        flexible = {c: (share, max(minimum, metrics.horizontalAdvance(c.title) + PADDING))  # header fits
                    for c, (share, minimum) in FLEXIBLE.items()}
        narrow = room < sum(minimum for _, minimum in flexible.values())
        self.table.setColumnHidden(Column.LOCATION, narrow)
        if narrow:
            flexible.pop(Column.LOCATION)
        total_share = sum(share for share, _ in flexible.values())
        spare = max(0, room - sum(minimum for _, minimum in flexible.values()))
        for column, (share, minimum) in flexible.items():
            self.table.setColumnWidth(column, minimum + int(spare * share / total_share))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _build_empty_state(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(40, 40, 40, 40)
        layout.setSpacing(12)
        layout.addStretch(1)
        self.empty_title = label(EMPTY_TITLE, name="PageTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_text = label(EMPTY_TEXT, "muted", wrap=True)
        self.empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_title)
        layout.addWidget(self.empty_text)
        self.empty_buttons = QWidget()
        buttons = QHBoxLayout(self.empty_buttons)
        buttons.setContentsMargins(0, 6, 0, 0)
        buttons.addStretch(1)
        self.open_settings_button = QPushButton("Open Settings")
        self.sync_now_button = QPushButton("Sync now")
        self.sync_now_button.setProperty("primary", True)
        buttons.addWidget(self.open_settings_button)
        buttons.addWidget(self.sync_now_button)
        buttons.addStretch(1)
        layout.addWidget(self.empty_buttons)
        self.empty_progress = QProgressBar()
        self.empty_progress.setRange(0, 1000)
        self.empty_progress.setFixedWidth(320)
        self.empty_progress_label = label("", "muted")
        self.empty_progress_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_progress, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.empty_progress_label)
        layout.addStretch(2)
        return box


class _ElideLeftDelegate(QStyledItemDelegate):
    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt override
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideLeft
