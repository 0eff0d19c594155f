"""Create in PMS (PMS-4): a chart for an unlinked patient, through the PMS's API where there is one
(Open Dental), otherwise a hand-off card with the exact details to type in (copy or print). Either
way the next sync links the new chart to the person."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from engage_desktop.services.linking import HandoffCard, UnknownPmsOutcome
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import Card, label, show_message

WIDTH = 520


class CreateInPmsDialog(QDialog):
    """``done_with`` once a chart was created or the details were handed over."""

    done_with = Signal()

    def __init__(self, services, runner: TaskRunner, *, unlinked_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Create in PMS")
        self.setObjectName("Page")
        self.setModal(True)
        self._services, self._runner, self._unlinked_id = services, runner, unlinked_id
        self.mode = ""
        self.card: HandoffCard | None = None
        self._retry_unknown = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 20, 24, 18)
        outer.setSpacing(10)
        outer.addWidget(label("Create in PMS", name="PageTitle"))
        self.intro = label("Loading…", "muted", width=WIDTH)
        outer.addWidget(self.intro)
        self.details = Card()
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.grid.setVerticalSpacing(6)
        self.details.body.addLayout(self.grid)
        outer.addWidget(self.details)
        self.message = label("", "danger", width=WIDTH)
        self.message.hide()
        outer.addWidget(self.message)
        buttons = QHBoxLayout()
        self.copy_button = QPushButton("Copy")
        self.copy_button.clicked.connect(self.copy)
        self.print_button = QPushButton("Print…")
        self.print_button.clicked.connect(self.print_card)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.print_button)
        buttons.addStretch(1)
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self.reject)
        self.go_button = QPushButton("…")
        self.go_button.setProperty("primary", True)
        self.go_button.setEnabled(False)
        self.go_button.clicked.connect(self.go)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.go_button)
        outer.addLayout(buttons)

    def load(self) -> None:
        services, unlinked_id = self._services, self._unlinked_id
        self._runner.run(lambda: (services.create_in_pms_mode(), services.handoff_card(unlinked_id)),
                         on_success=self._show, on_failure=self._failed, owner=self)

    def _show(self, loaded: tuple[str, HandoffCard]) -> None:
        self.mode, self.card = loaded
        vendor = self.card.title.removeprefix("New patient for ")
        if self.mode == "api":
            self.intro.setText(f"Engage will create a chart in {vendor} with these details, through {vendor}'s "
                               "own interface for other programs. The next sync links it to this person.")
            self.go_button.setText("Create chart")
        else:
            self.intro.setText(f"{vendor} has no approved way for other programs to add patients, so please enter "
                               "these details yourself, exactly as shown. The next sync links the new chart to this "
                               "person automatically.")
            self.go_button.setText("I have entered it")
        for row, (caption, value) in enumerate(self.card.fields):
            self.grid.addWidget(label(caption, "muted"), row, 0, Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(label(value, selectable=True), row, 1)
        self.go_button.setEnabled(True)

    def copy(self) -> None:
        if self.card is not None:
            QGuiApplication.clipboard().setText(self.card.text)
            self._say("Copied. Paste the details where you need them.")

    def document(self) -> QTextDocument:
        assert self.card is not None
        doc = QTextDocument()
        doc.setPlainText(self.card.text)
        return doc

    def print_card(self) -> None:
        if self.card is None:
            return
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter()
        if QPrintDialog(printer, self).exec() == QDialog.DialogCode.Accepted:
            self.document().print_(printer)

    def go(self) -> None:
        self.go_button.setEnabled(False)
        self.message.hide()
        if self.mode == "api":
            self.go_button.setText("Creating…")
            self._runner.run(self._services.create_in_pms, self._unlinked_id, self._retry_unknown, io=True,
                             on_success=self._created, on_failure=self._failed, owner=self)
        else:
            self._runner.run(self._services.mark_handed_off, self._unlinked_id, on_success=lambda _u: self._finish(),
                             on_failure=self._failed, owner=self)

    def _created(self, unlinked) -> None:
        self._say(f"Created as chart # {unlinked.pending_pms_id}. It links to this person at the next sync.")
        self.go_button.hide()
        self.close_button.setText("Done")
        self.close_button.clicked.disconnect()
        self.close_button.clicked.connect(self._finish)

    def _finish(self) -> None:
        self.done_with.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.go_button.setEnabled(self.card is not None)
        if isinstance(exc, UnknownPmsOutcome):
            self._retry_unknown = True
            self.go_button.setText("Create anyway")
        elif self.mode == "api":
            self.go_button.setText("Try again")
        show_message(self.message, user_message(exc), "danger")

    def _say(self, text: str) -> None:
        show_message(self.message, text, "success")
