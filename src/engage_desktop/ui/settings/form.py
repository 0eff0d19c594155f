"""A form built from setting declarations (domain.practice_settings): one editor per kind,
the help text under it, and the field's error in its place after a refused save."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.contacts import format_phone
from engage_desktop.domain.practice_settings import Kind, Setting, time_zones
from engage_desktop.ui import theme
from engage_desktop.ui.widgets.common import label

FIELD_WIDTH = 340
CAPTION_WIDTH = 170
SAVED_SECRET = "•••• saved in the system keyring"


class SettingsForm(QWidget):
    """Editors for ``settings``; ``values()`` returns what to save (secrets: None = keep)."""

    edited = Signal()

    def __init__(self, settings: tuple[Setting, ...], *, region: str = "US", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.region = region
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._secret_saved: dict[str, bool] = {}
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 4, 0, 0)
        self.form.setHorizontalSpacing(18)
        self.form.setVerticalSpacing(6)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for setting in settings:
            self._add_row(setting)

    def _add_row(self, setting: Setting) -> None:
        editor = self._editor(setting)
        self.editors[setting.key] = editor
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(3)
        box.addWidget(editor)
        error = label("", "error", width=FIELD_WIDTH)
        error.hide()
        self.errors[setting.key] = error
        box.addWidget(error)
        if setting.help:
            box.addWidget(label(setting.help, "small", width=FIELD_WIDTH))
        if setting.kind is Kind.BOOL:
            self.form.addRow("", column)  # the checkbox carries its own caption
            return
        caption = QLabel(setting.label + ("" if not setting.required else " *"))
        caption.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        caption.setMinimumHeight(editor.sizeHint().height())
        caption.setMinimumWidth(CAPTION_WIDTH)  # the same column in every card of a page
        self.form.addRow(caption, column)

    def _editor(self, setting: Setting) -> QWidget:
        match setting.kind:
            case Kind.BOOL:
                box = QCheckBox(setting.label)
                box.toggled.connect(self._on_edited)
                return box
            case Kind.INT:
                # A plain field like the others (a styled spin box loses its arrows); digits only,
                # and the range is checked on save with a message under the field.
                edit = QLineEdit()
                edit.setFixedWidth(110)
                edit.setValidator(QIntValidator(0, setting.maximum if setting.maximum is not None else 1_000_000, edit))
                edit.textChanged.connect(self._on_edited)
                return edit
            case Kind.CHOICE:
                combo = QComboBox()
                for value, text in setting.choices:
                    combo.addItem(text, value)
                combo.setFixedWidth(FIELD_WIDTH)
                combo.currentIndexChanged.connect(self._on_edited)
                return combo
            case Kind.TIMEZONE:
                combo = QComboBox()
                combo.setEditable(True)
                combo.addItem("")
                combo.addItems(time_zones())
                combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
                completer = QCompleter(time_zones(), combo)
                completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
                completer.setFilterMode(Qt.MatchFlag.MatchContains)
                combo.setCompleter(completer)
                combo.setFixedWidth(FIELD_WIDTH)
                combo.currentTextChanged.connect(self._on_edited)
                return combo
        edit = QLineEdit()
        edit.setFixedWidth(120 if setting.kind is Kind.TIME else FIELD_WIDTH)
        edit.setMaxLength(setting.max_length if setting.kind is not Kind.SECRET else 4096)
        edit.setPlaceholderText(setting.placeholder or {Kind.TIME: "HH:MM", Kind.PHONE: "(503) 555-0100",
                                                        Kind.EMAIL: "name@example.com"}.get(setting.kind, ""))
        if setting.kind is Kind.SECRET:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textChanged.connect(self._on_edited)
        return edit

    def _on_edited(self, *_args: object) -> None:
        self.edited.emit()

    # -- values -----------------------------------------------------------------------------
    def set_values(self, values: Mapping[str, Any]) -> None:
        for setting in self.settings:
            if setting.key not in values:
                continue
            editor, value = self.editors[setting.key], values[setting.key]
            editor.blockSignals(True)
            try:
                match setting.kind:
                    case Kind.BOOL:
                        editor.setChecked(bool(value))
                    case Kind.INT:
                        editor.setText("" if value is None else str(value))
                    case Kind.CHOICE:
                        editor.setCurrentIndex(max(0, editor.findData(value)))
                    case Kind.TIMEZONE:
                        editor.setCurrentText(value or "")
                    case Kind.SECRET:
                        self._secret_saved[setting.key] = bool(value)
                        editor.clear()
                        editor.setPlaceholderText(SAVED_SECRET if value else "")
                    case Kind.PHONE:
                        editor.setText(format_phone(value, value or "", self.region) if value else "")
                    case _:
                        editor.setText("" if value is None else str(value))
            finally:
                editor.blockSignals(False)
        self.show_errors({})

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for setting in self.settings:
            editor = self.editors[setting.key]
            match setting.kind:
                case Kind.BOOL:
                    out[setting.key] = editor.isChecked()
                case Kind.INT:
                    out[setting.key] = editor.text().strip()
                case Kind.CHOICE:
                    out[setting.key] = editor.currentData()
                case Kind.TIMEZONE:
                    out[setting.key] = editor.currentText().strip()
                case Kind.SECRET:
                    out[setting.key] = editor.text() or None  # blank keeps the saved secret
                case _:
                    out[setting.key] = editor.text()
        return out

    def show_errors(self, errors: Mapping[str, str]) -> None:
        for key, error in self.errors.items():
            text = errors.get(key, "")
            error.setText(text)
            error.setVisible(bool(text))
            if isinstance(self.editors[key], QLineEdit):
                theme.restyle(self.editors[key], "invalid", bool(text))

    def set_read_only(self, read_only: bool) -> None:
        for editor in self.editors.values():
            editor.setEnabled(not read_only)
