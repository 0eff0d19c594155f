"""Sign-in, first administrator, change password: the dialogs around a session.

Hashing a password takes a noticeable fraction of a second (argon2 is slow on purpose), so every
check runs on the task runner and the dialog shows that it is busy.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.rights import Actor
from engage_desktop.domain.sign_in import MIN_PASSWORD_LENGTH
from engage_desktop.services.users import InvalidInput
from engage_desktop.ui import theme
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import label

FIELD_WIDTH = 280
TEXT_WIDTH = 440


class _FormDialog(QDialog):
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

    def add_field(self, key: str, caption: str, *, password: bool = False, hint: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setFixedWidth(FIELD_WIDTH)
        if password:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textChanged.connect(lambda _text, k=key: self._clear_error(k))
        self.form.addRow(caption, edit)
        error = label("", "error", width=FIELD_WIDTH)
        error.hide()
        self.form.addRow("", error)
        self.form.setRowVisible(error, False)
        if hint:
            self.form.addRow("", label(hint, "small", width=FIELD_WIDTH))
        self.fields[key], self.errors[key] = edit, error
        return edit

    def show_error(self, key: str | None, text: str) -> None:
        if key in self.errors:
            self.errors[key].setText(text)
            self.form.setRowVisible(self.errors[key], True)
            theme.restyle(self.fields[key], "invalid", True)
            self.fields[key].setFocus()
            self.fields[key].selectAll()
        else:
            self.message.setText(text)
            self.message.show()

    def _clear_error(self, key: str) -> None:
        if self.errors[key].text():
            self.errors[key].setText("")
            self.form.setRowVisible(self.errors[key], False)
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


class SignInDialog(_FormDialog):
    """At start, and after "Sign out". ``services.sign_in`` sets the signed-in user."""

    def __init__(self, services, runner: TaskRunner, *, demo_hint: str = "", parent: QWidget | None = None) -> None:
        super().__init__("Sign in", "Sign in with your Engage user name and password.", "Sign in", parent)
        self._services, self._runner = services, runner
        self.actor: Actor | None = None
        self.username = self.add_field("username", "User name")
        self.password = self.add_field("password", "Password", password=True)
        self.cancel_button.setText("Quit")
        if demo_hint:
            note = label(demo_hint, name="Note", rich=True, width=TEXT_WIDTH)
            self.outer.insertWidget(3, note)
        self.username.setFocus()

    def submit(self) -> None:
        if self._busy:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username:
            self.show_error("username", "Enter your user name.")
            return
        if not password:
            self.show_error("password", "Enter your password.")
            return
        self.set_busy(True, "Signing in…")
        self._runner.run(self._services.sign_in, username, password, on_success=self._signed_in,
                         on_failure=self._failed, owner=self)

    def _signed_in(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Sign in")
        self.password.clear()
        self.show_error(None, user_message(exc))
        self.password.setFocus()


class FirstAdministratorDialog(_FormDialog):
    """The very first start of a practice: no default password, the office sets up its administrator."""

    def __init__(self, services, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__("Welcome to Engage",
                         "Create the first administrator for this practice. The administrator adds the other "
                         "users and decides what each of them may do.", "Create administrator", parent)
        self._services, self._runner = services, runner
        self.actor: Actor | None = None
        self.display_name = self.add_field("display_name", "Your name")
        self.username = self.add_field("username", "User name", hint="Used to sign in; no spaces.")
        self.password = self.add_field("password", "Password", password=True,
                                       hint=f"At least {MIN_PASSWORD_LENGTH} characters. A short sentence is easy "
                                            "to remember and hard to guess.")
        self.confirm = self.add_field("confirm", "Repeat password", password=True)
        self.cancel_button.setText("Quit")

    def submit(self) -> None:
        if self._busy:
            return
        if not self.display_name.text().strip():
            self.show_error("display_name", "Enter your name as colleagues know it.")
            return
        if self.password.text() != self.confirm.text():
            self.show_error("confirm", "The two passwords differ.")
            return
        self.set_busy(True, "Creating…")
        self._runner.run(self._services.create_first_administrator, self.username.text().strip(),
                         self.display_name.text().strip(), self.password.text(),
                         on_success=self._created, on_failure=self._failed, owner=self)

    def _created(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Create administrator")
        self.show_error(exc.field if isinstance(exc, InvalidInput) and exc.field in self.fields else None,
                        user_message(exc))


class ChangePasswordDialog(_FormDialog):
    """``forced``: signed in with a temporary password; the only way on is a new one (or sign out)."""

    def __init__(self, services, runner: TaskRunner, *, forced: bool = False, parent: QWidget | None = None) -> None:
        intro = ("You signed in with a temporary password. Choose your own password to continue."
                 if forced else "Choose a new password for your Engage account.")
        super().__init__("Change password", intro, "Change password", parent)
        self._services, self._runner = services, runner
        self.current = self.add_field("current", "Current password", password=True)
        self.new = self.add_field("new", "New password", password=True,
                                  hint=f"At least {MIN_PASSWORD_LENGTH} characters, without your user name.")
        self.confirm = self.add_field("confirm", "Repeat new password", password=True)
        if forced:
            self.cancel_button.setText("Sign out")

    def submit(self) -> None:
        if self._busy:
            return
        if self.new.text() != self.confirm.text():
            self.show_error("confirm", "The two passwords differ.")
            return
        self.set_busy(True, "Changing…")
        self._runner.run(self._services.change_own_password, self.current.text(), self.new.text(),
                         on_success=lambda _: self.accept(), on_failure=self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.set_busy(False)
        self.ok_button.setText("Change password")
        self.show_error(exc.field if isinstance(exc, InvalidInput) and exc.field in self.fields else None,
                        user_message(exc))


def sign_in_interactively(services, runner: TaskRunner, *, demo_hint: str = "",
                          exec_dialog: Callable[[QDialog], int] | None = None) -> Actor | None:
    """The start of a session: first administrator or sign-in, then a forced password change.

    Returns the signed-in actor, or None when the user quit. ``exec_dialog`` lets tests drive
    the dialogs without a modal loop.
    """
    run = exec_dialog or (lambda dialog: dialog.exec())
    if services.needs_first_administrator():
        dialog = FirstAdministratorDialog(services, runner)
    else:
        dialog = SignInDialog(services, runner, demo_hint=demo_hint)
    if run(dialog) != QDialog.DialogCode.Accepted or dialog.actor is None:
        return None
    actor = dialog.actor
    if actor.must_change_password:
        if run(ChangePasswordDialog(services, runner, forced=True)) != QDialog.DialogCode.Accepted:
            runner.run(services.sign_out)
            return None
        actor = services.actor
    return actor
