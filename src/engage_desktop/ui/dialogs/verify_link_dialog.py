"""Verify a link (LNK-4): the chart as the PMS has it now beside what the unlinked patient was
created with; confirm it, or re-link / unlink when it is the wrong chart."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from engage_desktop.domain.contacts import format_phone
from engage_desktop.services.linking import LinkComparison
from engage_desktop.ui import icons
from engage_desktop.ui.formatting import format_date
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import Card, label

WIDTH = 620


class VerifyLinkDialog(QDialog):
    confirmed = Signal()
    relink_requested = Signal(int)  # unlinked patient id
    unlink_requested = Signal(int)

    def __init__(self, services, runner: TaskRunner, *, unlinked_id: int, region: str = "US",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Verify link")
        self.setObjectName("Page")
        self.setModal(True)
        self._services, self._runner, self._region, self._unlinked_id = services, runner, region, unlinked_id
        self.comparison: LinkComparison | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 18)
        outer.setSpacing(10)
        outer.addWidget(label("Verify link", name="PageTitle"))
        self.intro = label("Loading…", "muted", width=WIDTH)
        outer.addWidget(self.intro)
        self.table = Card()
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(6)
        self.table.body.addLayout(self.grid)
        outer.addWidget(self.table)
        self.message = label("", "danger", width=WIDTH)
        self.message.hide()
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        self.unlink_button = QPushButton("Unlink")
        self.unlink_button.clicked.connect(lambda: self._hand_over(self.unlink_requested))
        self.relink_button = QPushButton("Re-link…")
        self.relink_button.clicked.connect(lambda: self._hand_over(self.relink_requested))
        buttons.addWidget(self.unlink_button)
        buttons.addWidget(self.relink_button)
        buttons.addStretch(1)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.reject)
        self.confirm_button = QPushButton("Confirm link")
        self.confirm_button.setProperty("primary", True)
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self.confirm)
        buttons.addWidget(cancel)
        buttons.addWidget(self.confirm_button)
        outer.addLayout(buttons)

    def load(self) -> None:
        self._runner.run(self._services.link_comparison, self._unlinked_id, on_success=self._show,
                         on_failure=self._failed, owner=self)

    def _text(self, caption: str, value: object) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, date):
            return format_date(value, self._region)
        if caption == "Phone" and isinstance(value, str) and value.startswith("+"):
            return format_phone(value, value, self._region)
        return str(value)

    def _show(self, comparison: LinkComparison) -> None:
        self.comparison = comparison
        differs = [f.label.lower() for f in comparison.fields if f.agrees is False]
        self.intro.setText(f"Linked to PMS chart # {comparison.chart.pms_id}. "
                           + (f"These differ: {', '.join(differs)}. Check with the patient, then confirm, or re-link "
                              "to the right chart." if differs else "Everything that both sides have agrees."))
        for column, title in enumerate(("", "Unlinked patient", "PMS chart now", "")):
            self.grid.addWidget(label(title, "muted"), 0, column)
        for row, f in enumerate(comparison.fields, start=1):
            self.grid.addWidget(label(f.label, "muted"), row, 0, Qt.AlignmentFlag.AlignRight)
            role = "danger" if f.agrees is False else ""
            self.grid.addWidget(label(self._text(f.label, f.unlinked), role, selectable=True), row, 1)
            self.grid.addWidget(label(self._text(f.label, f.chart), role, selectable=True), row, 2)
            mark = QLabel()
            if f.agrees is not None:
                mark.setPixmap((icons.check() if f.agrees else icons.cross()).pixmap(16, 16))
                mark.setToolTip("The same" if f.agrees else "Different")
            self.grid.addWidget(mark, row, 3)
        self.confirm_button.setEnabled(True)

    def confirm(self) -> None:
        self.confirm_button.setEnabled(False)
        self._runner.run(self._services.confirm_link, self._unlinked_id, on_success=lambda _u: self._confirmed(),
                         on_failure=self._failed, owner=self)

    def _confirmed(self) -> None:
        self.confirmed.emit()
        self.accept()

    def _hand_over(self, signal) -> None:
        self.accept()
        signal.emit(self._unlinked_id)

    def _failed(self, exc: BaseException) -> None:
        self.confirm_button.setEnabled(self.comparison is not None)
        self.message.setText(user_message(exc))
        self.message.show()
