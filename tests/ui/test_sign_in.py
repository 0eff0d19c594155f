"""The dialogs that start a session: first administrator, sign-in, forced password change."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from engage_desktop.domain.rights import Role
from engage_desktop.ui.sign_in import (
    ChangePasswordDialog,
    FirstAdministratorDialog,
    SignInDialog,
    sign_in_interactively,
)
from tests.ui.conftest import ADMIN_PASSWORD, make_practice
from tests.ui.sample_practice import build_reader


def _submit(qtbot, dialog: QDialog, **fields: str) -> None:
    for key, text in fields.items():
        dialog.fields[key].setText(text)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog._busy or dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)


def test_the_first_start_asks_for_the_first_administrator(qtbot, tmp_path, runner):
    practice = make_practice(tmp_path, build_reader(filler=0), configure=False, sign_in=False, first_admin=False)
    services = practice.services
    shown: list[QDialog] = []

    def drive(dialog: QDialog) -> int:
        shown.append(dialog)
        qtbot.addWidget(dialog)
        assert isinstance(dialog, FirstAdministratorDialog)
        _submit(qtbot, dialog, display_name="Dana Admin", username="dana", password="short", confirm="short")
        assert "at least 10" in dialog.errors["password"].text()
        assert dialog.result() != QDialog.DialogCode.Accepted
        _submit(qtbot, dialog, password="a-long-enough-secret", confirm="a-different-secret")
        assert dialog.errors["confirm"].text() == "The two passwords differ."
        _submit(qtbot, dialog, password="a-long-enough-secret", confirm="a-long-enough-secret")
        return dialog.result()

    actor = sign_in_interactively(services, runner, exec_dialog=drive)
    assert actor is not None and actor.username == "dana" and actor.display_name == "Dana Admin"
    assert services.actor == actor and not services.needs_first_administrator()
    practice.container.close()


def test_a_wrong_password_says_so_clears_the_field_and_the_right_one_signs_in(qtbot, practice, runner):
    services = practice.services
    services.sign_out()
    dialog = SignInDialog(services, runner, demo_hint="<b>Demo practice</b> — sign in as admin")
    qtbot.addWidget(dialog)
    _submit(qtbot, dialog, username="admin", password="not-the-password")
    assert dialog.message.text() == "The user name or password is not right."
    assert dialog.password.text() == "" and dialog.username.text() == "admin"
    assert services.actor is None
    _submit(qtbot, dialog, password=ADMIN_PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert services.actor is not None and services.actor.username == "admin"


def test_empty_fields_are_caught_before_anything_is_checked(qtbot, practice, runner):
    practice.services.sign_out()
    dialog = SignInDialog(practice.services, runner)
    qtbot.addWidget(dialog)
    dialog.ok_button.click()
    assert dialog.errors["username"].text() == "Enter your user name."
    assert not dialog._busy


def test_a_temporary_password_must_be_changed_before_the_window_opens(qtbot, practice, runner):
    services = practice.services
    services.create_user("riley", "Riley", "temporary-pass-1", Role.FRONT_DESK)
    services.sign_out()
    steps: list[str] = []

    def drive(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, SignInDialog):
            steps.append("sign in")
            _submit(qtbot, dialog, username="riley", password="temporary-pass-1")
        else:
            assert isinstance(dialog, ChangePasswordDialog)
            assert dialog.cancel_button.text() == "Sign out"
            steps.append("change")
            _submit(qtbot, dialog, current="temporary-pass-1", new="my-own-secret-42", confirm="my-own-secret-42")
        return dialog.result()

    actor = sign_in_interactively(services, runner, exec_dialog=drive)
    assert steps == ["sign in", "change"]
    assert actor is not None and not actor.must_change_password
    services.sign_out()
    assert services.sign_in("riley", "my-own-secret-42").username == "riley"


def test_declining_the_forced_change_signs_out(qtbot, practice, runner):
    services = practice.services
    services.create_user("sam", "Sam", "temporary-pass-2", Role.VIEWER)
    services.sign_out()

    def drive(dialog: QDialog) -> int:
        qtbot.addWidget(dialog)
        if isinstance(dialog, SignInDialog):
            _submit(qtbot, dialog, username="sam", password="temporary-pass-2")
            return dialog.result()
        return QDialog.DialogCode.Rejected

    assert sign_in_interactively(services, runner, exec_dialog=drive) is None
    qtbot.waitUntil(lambda: services.actor is None, timeout=5000)
