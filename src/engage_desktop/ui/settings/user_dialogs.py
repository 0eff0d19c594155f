"""Dialogs of Settings ▸ Users and roles: add a user, give a user a temporary password.

Both stay open while the service works and show its refusals under the field concerned, so
nothing typed is lost. They are opened with ``open()`` (window-modal, not a nested event loop).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.rights import Role
from engage_desktop.domain.sign_in import MIN_PASSWORD_LENGTH, password_problem
from engage_desktop.domain.users import UserAccount
from engage_desktop.services.users import InvalidInput
from engage_desktop.ui import theme
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.views.users_view import FIELD_WIDTH, role_combo
from engage_desktop.ui.widgets.access import LocationAccess
from engage_desktop.ui.widgets.common import label

PASSWORDS_DIFFER = "The two passwords are not the same."
PASSWORD_HINT = (f"At least {MIN_PASSWORD_LENGTH} characters. Give it to them in person; they choose their own "
                 "password the first time they sign in.")


class _FormDialog(QDialog):
    """A titled form with an error line under each field, a general error line and two buttons."""

    def __init__(self, title: str, intro: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(560)
        self.errors: dict[str, QLabel] = {}
        self._edits: dict[str, QLineEdit] = {}
        self._busy = False
        column = QVBoxLayout(self)
        column.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)  # grows when an error line appears
        column.setContentsMargins(24, 20, 24, 18)
        column.setSpacing(12)
        column.addWidget(label(title, name="PageTitle"))
        if intro:
            self.intro = label(intro, "muted", wrap=True)
            column.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setHorizontalSpacing(18)
        self.form.setVerticalSpacing(6)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        column.addLayout(self.form)
        self.general_error = label("", "error", wrap=True)
        self.general_error.hide()
        column.addWidget(self.general_error)
        column.addStretch(1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 8, 0, 0)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel")
        self.ok_button = QPushButton(ok_text)
        self.ok_button.setProperty("primary", True)
        self.ok_button.setDefault(True)
        self._ok_text = ok_text
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.ok_button)
        column.addLayout(buttons)
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button.clicked.connect(self.submit)

    def submit(self) -> None:
        raise NotImplementedError

    # -- building ---------------------------------------------------------------------------------
    def _line_edit(self, key: str, caption: str, *, password: bool = False, placeholder: str = "",
                   hint: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setFixedWidth(FIELD_WIDTH)
        edit.setPlaceholderText(placeholder)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textEdited.connect(lambda _text, key=key: self._clear_error(key))
        self._edits[key] = edit
        self._add_row(key, caption, edit, hint=hint)
        return edit

    def _add_row(self, key: str, caption: str, field: QWidget, *, caption_beside: QWidget | None = None,
                 hint: str = "") -> None:
        """``field`` with its error line (hidden until needed) and a hint under it, in one column.

        The caption is as tall as ``caption_beside`` (default: the field), so it sits level with it.
        """
        column = QWidget()
        box = QVBoxLayout(column)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(3)
        box.addWidget(field)
        error = label("", "error", wrap=True)
        error.setFixedWidth(FIELD_WIDTH)
        error.hide()
        self.errors[key] = error
        box.addWidget(error)
        if hint:
            note = label(hint, "small", wrap=True)
            note.setFixedWidth(FIELD_WIDTH)
            box.addWidget(note)
        text = QLabel(caption)
        text.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        text.setFixedHeight((caption_beside or field).sizeHint().height())  # level with the field, not the column
        self.form.addRow(text, column)

    def _show_passwords_box(self, *keys: str) -> QCheckBox:
        box = QCheckBox("Show passwords")
        box.toggled.connect(lambda shown: [self._edits[k].setEchoMode(
            QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password) for k in keys])
        self.form.addRow("", box)
        return box

    # -- errors and busy state -------------------------------------------------------------------
    def show_errors(self, errors: dict[str, str], general: str = "") -> None:
        for key, error in self.errors.items():
            error.setText(errors.get(key, ""))
            error.setVisible(key in errors)
            if key in self._edits:
                theme.restyle(self._edits[key], "invalid", key in errors)
        unplaced = [text for key, text in errors.items() if key not in self.errors]
        general = " ".join([general, *unplaced]).strip()
        self.general_error.setText(general)
        self.general_error.setVisible(bool(general))
        first = next((self._edits[k] for k in self._edits if k in errors), None)
        if first is not None:
            first.setFocus()

    def _clear_error(self, key: str) -> None:
        if key in self.errors and self.errors[key].text():
            self.errors[key].setText("")
            self.errors[key].hide()
            if key in self._edits:
                theme.restyle(self._edits[key], "invalid", False)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.ok_button.setEnabled(not busy)
        self.ok_button.setText(text if busy else self._ok_text)

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, InvalidInput):
            self.show_errors({exc.field: str(exc)})
        else:
            self.show_errors({}, user_message(exc))

    def _check_passwords(self, errors: dict[str, str], username: str = "") -> None:
        password, confirm = self._edits["password"].text(), self._edits["confirm"].text()
        problem = password_problem(password, username=username)
        if problem:
            errors["password"] = problem
        elif password != confirm:
            errors["confirm"] = PASSWORDS_DIFFER


class AddUserDialog(_FormDialog):
    """Name, user name, role, temporary password (twice) and location access."""

    user_did_add = Signal(object)  # UserAccount

    def __init__(self, *, locations: Sequence[tuple[str, str]], runner: TaskRunner,
                 create: Callable[..., UserAccount], parent: QWidget | None = None) -> None:
        super().__init__("Add user", "They sign in with the user name and the temporary password you give them "
                         "here. You can adjust single rights after adding them.", "Add user", parent)
        self._runner, self._create = runner, create
        self.display_name = self._line_edit("display_name", "Name", placeholder="e.g. Maria Lopez")
        self.username = self._line_edit("username", "User name", placeholder="e.g. mlopez",
                                        hint="Letters and digits, no spaces. Not case-sensitive.")
        self.role = role_combo()
        self.role.setCurrentIndex(self.role.findData(Role.FRONT_DESK.value))
        self._add_row("role", "Role", self.role)
        self.password = self._line_edit("password", "Temporary password", password=True)
        self.confirm = self._line_edit("confirm", "Type it again", password=True, hint=PASSWORD_HINT)
        self.show_passwords = self._show_passwords_box("password", "confirm")
        self.locations = LocationAccess()
        self.locations.set_locations(locations)
        self.locations.set_value(None)
        self.locations.edited.connect(lambda: self._clear_error("locations"))
        self._add_row("locations", "Locations", self.locations, caption_beside=self.locations.all_locations)

    def submit(self) -> None:
        if self._busy:
            return
        username = self.username.text().strip()
        errors: dict[str, str] = {}
        if not self.display_name.text().strip():
            errors["display_name"] = "Enter the person's name, as colleagues know them."
        if not username:
            errors["username"] = "Enter the user name they will sign in with."
        self._check_passwords(errors, username)
        location_ids = self.locations.value()
        if location_ids is not None and not location_ids:
            errors["locations"] = "Tick at least one location, or choose All locations."
        self.show_errors(errors)
        if errors:
            return
        self._set_busy(True, "Adding…")
        self._runner.run(self._create, username, self.display_name.text().strip(), self.password.text(),
                         Role(self.role.currentData()), location_ids,
                         on_success=self._on_added, on_failure=self._on_failed, owner=self)

    def _on_added(self, account: UserAccount) -> None:
        self._set_busy(False)
        self.user_did_add.emit(account)
        self.accept()


class ResetPasswordDialog(_FormDialog):
    """A new temporary password for someone who forgot theirs (also ends a lockout)."""

    password_did_reset = Signal(object)  # the UserAccount it was for

    def __init__(self, *, user: UserAccount, runner: TaskRunner, reset: Callable[[int, str], None],
                 parent: QWidget | None = None) -> None:
        name = user.display_name or user.username
        super().__init__("Reset password", f"Give {name} ({user.username}) a temporary password. They choose "
                         "their own the next time they sign in. This also ends a lockout after failed sign-ins.",
                         "Set temporary password", parent)
        self._user, self._runner, self._reset = user, runner, reset
        self.password = self._line_edit("password", "Temporary password", password=True)
        self.confirm = self._line_edit("confirm", "Type it again", password=True, hint=PASSWORD_HINT)
        self.show_passwords = self._show_passwords_box("password", "confirm")

    def submit(self) -> None:
        if self._busy:
            return
        errors: dict[str, str] = {}
        self._check_passwords(errors, self._user.username)
        self.show_errors(errors)
        if errors:
            return
        self._set_busy(True, "Saving…")
        self._runner.run(self._reset, self._user.id, self.password.text(),
                         on_success=self._on_reset, on_failure=self._on_failed, owner=self)

    def _on_reset(self, _result: object) -> None:
        self._set_busy(False)
        self.password_did_reset.emit(self._user)
        self.accept()
