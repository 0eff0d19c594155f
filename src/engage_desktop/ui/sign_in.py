"""Sign-in, first administrator, change password: the dialogs around a session.

Hashing a password takes a noticeable fraction of a second (argon2 is slow on purpose), so every
check runs on the task runner and the dialog shows that it is busy.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QWidget,
)

from engage_desktop.domain.rights import Actor
from engage_desktop.domain.sign_in import MIN_PASSWORD_LENGTH
from engage_desktop.services.users import InvalidInput
from engage_desktop.ui.tasks import TaskRunner, user_message
from engage_desktop.ui.widgets.common import label
from engage_desktop.ui.widgets.form_dialog import TEXT_WIDTH, FormDialog


class SignInDialog(FormDialog):
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


class FirstAdministratorDialog(FormDialog):
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


class ChangePasswordDialog(FormDialog):
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
