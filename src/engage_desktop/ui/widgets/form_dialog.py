"""A small dialog: a title, an explanation, fields with their errors under them, one main button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from engage_desktop.ui import theme
from engage_desktop.ui.widgets.common import label

FIELD_WIDTH = 280
TEXT_WIDTH = 440


class FormDialog(QDialog):
    """A small dialog: a title, an explanation, fields with errors under them, one main button."""

    def __init__(self, title: str, intro: str, button: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setObjectName("Page")
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(28, 24, 28, 22)
        self.outer.setSpacing(12)
        self.outer.addWidget(label("Engage", name="DialogBrand"))
        self.outer.addWidget(label(title, name="PageTitle"))
        self.intro = label(intro, "muted", width=TEXT_WIDTH)
        self.outer.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(14)
        self.form.setVerticalSpacing(4)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.outer.addLayout(self.form)
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self.message = label("", "danger", width=TEXT_WIDTH)
        self.message.hide()
        self.outer.addWidget(self.message)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = QPushButton(button)
        self.ok_button.setProperty("primary", True)
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.buttons.addWidget(self.cancel_button)
        self.buttons.addWidget(self.ok_button)
        self.outer.addLayout(self.buttons)
        self._busy = False

    def add_row(self, key: str, caption: str, widget: QWidget, *, hint: str = "") -> None:
        """A field of any kind, with the row for its error under it (see ``show_error``)."""
        self.form.addRow(caption, widget)
        error = label("", "error", width=FIELD_WIDTH)
        error.hide()
        self.form.addRow("", error)
        self.form.setRowVisible(error, False)
        if hint:
            self.form.addRow("", label(hint, "small", width=FIELD_WIDTH))
        self.errors[key] = error

    def add_field(self, key: str, caption: str, *, password: bool = False, hint: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setFixedWidth(FIELD_WIDTH)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textChanged.connect(lambda _text, k=key: self._clear_error(k))
        self.add_row(key, caption, edit, hint=hint)
        self.fields[key] = edit
        return edit

    def show_error(self, key: str | None, text: str) -> None:
        """Under the field ``key`` (a text field is also marked and focused); otherwise above the buttons."""
        if key in self.errors:
            self.errors[key].setText(text)
            self.form.setRowVisible(self.errors[key], True)
            if key in self.fields:
                theme.restyle(self.fields[key], "invalid", True)
                self.fields[key].setFocus()
                self.fields[key].selectAll()
        else:
            self.message.setText(text)
            self.message.show()

    def clear_errors(self) -> None:
        for key in self.errors:
            self._clear_error(key)

    def _clear_error(self, key: str) -> None:
        if self.errors[key].text():
            self.errors[key].setText("")
            self.form.setRowVisible(self.errors[key], False)
            if key in self.fields:
                theme.restyle(self.fields[key], "invalid", False)
        self.message.hide()

    def set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        for edit in self.fields.values():
            edit.setEnabled(not busy)
        if busy:
            self.ok_button.setText(text)

    def submit(self) -> None:
        raise NotImplementedError
