"""Settings ▸ Users and roles: list the users; add one; change a user's name, role, single rights
and location access; give a temporary password; disable or enable a user (their history stays).

Every call goes through the task runner to the services, which check the Manage users right
and refuse what is not allowed (an administrator removing their own Manage users right, or
disabling themselves). The page also prevents those and says why, so nobody meets a refusal.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from engage_desktop.domain.practice_settings import LocationSettings
from engage_desktop.domain.rights import Right, Role
from engage_desktop.domain.users import UserAccount
from engage_desktop.services.users import InvalidInput
from engage_desktop.ui import theme
from engage_desktop.ui.formatting import local_time
from engage_desktop.ui.models.user_table_model import UserTableModel, role_text, shown_name, user_status
from engage_desktop.ui.settings.base import PageDeps, SettingsPage
from engage_desktop.ui.settings.user_dialogs import AddUserDialog, ResetPasswordDialog
from engage_desktop.ui.tasks import user_message
from engage_desktop.ui.views.users_view import UsersView
from engage_desktop.ui.widgets.common import label
from engage_desktop.ui.widgets.rights import missing_right_text

USERS_CHANGED = frozenset({"users"})  # what runner.changes_applied carries after a change here
OWN_MANAGE_USERS = "You cannot remove your own “Manage users” right — another administrator can."
OWN_DISABLE = "You cannot disable yourself — another administrator can."
NO_RIGHT = ("Only people who may manage users can see who has access. " + missing_right_text(Right.MANAGE_USERS))
_STATUS_ROLES = {"active": "success", "disabled": "muted", "locked": "danger", "must_change": "warning"}

Screen = tuple[str, Role, frozenset[Right], frozenset[str] | None]  # name, role, rights, locations


class UsersPage(UsersView, SettingsPage):
    NAME = "users"
    TITLE = "Users and roles"
    ORDER = 80

    page_did_load = Signal()
    user_did_save = Signal(object)  # UserAccount
    users_did_change = Signal()  # added, password reset, disabled or enabled (and the list re-read)

    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = deps.services
        self._runner = deps.runner
        self._region = deps.services.region
        self.allowed = deps.services.can(Right.MANAGE_USERS)
        self.model = UserTableModel(region=self._region, parent=self)
        self.table.setModel(self.model)
        self._locations: list[tuple[str, str]] = []
        self._current: UserAccount | None = None
        self._baseline: Screen | None = None
        self._selecting = False
        self._saving = False
        self._busy = False  # a password reset or an enable/disable is running
        self._select_after_load: int | None = None
        self._status_after_load = ""  # what the last change did, shown once the list is read again
        self.add_dialog: AddUserDialog | None = None
        self.reset_dialog: ResetPasswordDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.confirm_yes = None  # the confirm box's "do it" button

        self.notice = label(NO_RIGHT, wrap=True, name="Note")
        self.notice_slot.addWidget(self.notice)
        self.notice.setVisible(not self.allowed)
        self.list_card.setVisible(self.allowed)  # listing users needs the right: no list at all
        self.editor_card.hide()
        self.fit_table()

        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.add_button.clicked.connect(self.add_user)
        self.display_name.textEdited.connect(self._on_edited)
        self.role.currentIndexChanged.connect(self._on_role_changed)
        self.rights.edited.connect(self._on_edited)
        self.locations.edited.connect(self._on_edited)
        self.save_button.clicked.connect(self.save)
        self.undo_button.clicked.connect(self.undo)
        self.reset_password_button.clicked.connect(self.reset_password)
        self.active_button.clicked.connect(self.toggle_active)

    # -- load / save (style rule 13) -----------------------------------------------------------
    def load(self) -> None:
        if not self.allowed:
            self.page_did_load.emit()
            return
        services = self._services
        self.count_label.setText("Loading…")
        self._runner.run(lambda: (services.list_users(), services.list_locations()),
                         on_success=self._apply_loaded, on_failure=self._on_load_failed, owner=self)

    def save(self) -> None:
        user = self._current
        if not self.allowed or user is None or self._saving or not self.has_unsaved_changes():
            return
        name, role, rights, location_ids = self._on_screen()
        if location_ids is not None and not location_ids:
            self._show_errors({"locations": "Tick at least one location, or choose All locations."})
            return
        self._show_errors({})
        self._saving = True
        self._set_status("Saving…", "muted")
        self._update_buttons()
        self._runner.run(self._services.set_user_access, user.id, role, rights - role.preset, role.preset - rights,
                         location_ids, name, on_success=self._on_saved, on_failure=self._on_save_failed, owner=self)

    def has_unsaved_changes(self) -> bool:
        return self._baseline is not None and self._on_screen() != self._baseline

    def undo(self) -> None:
        if self._current is not None:
            self._fill_editor(self._current)
            self._set_status("", "muted")

    # -- the list ---------------------------------------------------------------------------------
    def _apply_loaded(self, loaded: tuple[list[UserAccount], list[LocationSettings]]) -> None:
        users, locations = loaded
        listed = [(loc.pms_id, loc.name) for loc in locations]
        if listed != self._locations:
            self._locations = listed
            self.locations.set_locations(listed)
        keep = self._select_after_load or (self._current.id if self._current else self._services.actor.user_id)
        self._select_after_load = None
        self._selecting = True
        try:
            self.model.set_users(users, dict(listed))
        finally:
            self._selecting = False
        self.fit_table()
        disabled = sum(not u.is_active for u in users)
        self.count_label.setText(f"{len(users)} user{'s' if len(users) != 1 else ''}"
                                 + (f", {disabled} disabled" if disabled else ""))
        row = self.model.row_of(keep) if keep is not None else None
        self._select_row(row if row is not None else 0)
        if self._status_after_load:
            self._set_status(self._status_after_load, "success")
            self._status_after_load = ""
        self.page_did_load.emit()

    def _on_load_failed(self, exc: BaseException) -> None:
        self.count_label.setText(f"Could not read the users: {user_message(exc)}")

    def _select_row(self, row: int) -> None:
        self._selecting = True
        try:
            self.table.selectRow(row)
        finally:
            self._selecting = False
        user = self.model.user(row)
        if user is not None:
            self._show_user(user)

    def _on_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        user = self.model.user(current.row())
        if user is None or (self._current is not None and user.id == self._current.id):
            return
        if self.has_unsaved_changes() and self._current is not None:
            back = self.model.row_of(self._current.id)
            self._selecting = True
            try:
                self.table.selectRow(back if back is not None else previous.row())
            finally:
                self._selecting = False
            name = shown_name(self._current)
            self._confirm(f"Discard your changes to {name}?",
                          f"You changed {name}'s access but did not save it.", "Discard changes",
                          lambda: self._discard_and_select(user.id), no_text="Keep editing",
                          icon=QMessageBox.Icon.Question)
            return
        self._show_user(user)

    def _discard_and_select(self, user_id: int) -> None:
        self._baseline = None
        row = self.model.row_of(user_id)
        if row is not None:
            self._select_row(row)

    # -- the editor -------------------------------------------------------------------------------
    def _is_me(self, user: UserAccount) -> bool:
        actor = self._services.actor
        return actor is not None and actor.user_id == user.id

    def _show_user(self, user: UserAccount) -> None:
        """Show ``user``; when it is the one being edited, keep unsaved edits and refresh the rest."""
        same = self._current is not None and self._current.id == user.id
        self._current = user
        self.editor_card.show()
        self._show_header(user)
        if not (same and self.has_unsaved_changes()):
            self._fill_editor(user)
        if not same:
            self._set_status("", "muted")
        self._update_buttons()

    def _show_header(self, user: UserAccount) -> None:
        me = self._is_me(user)
        status = user_status(user, region=self._region)
        self.user_name.setText(shown_name(user) + (" (you)" if me else ""))
        self.user_status.setText(f"{status.text} · {role_text(user)}")
        theme.set_role(self.user_status, _STATUS_ROLES[status.kind])
        signed_in = f"last signed in {local_time(user.last_sign_in_at)}" if user.last_sign_in_at else "never signed in"
        self.user_facts.setText(f"User name: {user.username} · {signed_in}")
        notes = []
        if me:
            notes.append("This is your own account. You cannot remove your own “Manage users” right or disable "
                         "yourself; another administrator can.")
        if status.kind == "disabled":
            notes.append("Disabled: cannot sign in. Their history and audit records are kept. Choose "
                         "Enable user to let them sign in again.")
        elif status.kind in ("locked", "must_change"):
            notes.append(status.detail)
        self.user_note.setText(" ".join(notes))
        self.user_note.setVisible(bool(notes))
        self.active_button.setText("Enable user" if not user.is_active else "Disable user")

    def _fill_editor(self, user: UserAccount) -> None:
        self.rights.lock(Right.MANAGE_USERS, OWN_MANAGE_USERS if self._is_me(user) else None)
        self.display_name.setText(user.display_name)
        self.role.blockSignals(True)
        self.role.setCurrentIndex(self.role.findData(user.role.value))
        self.role.blockSignals(False)
        self.rights.set_rights(user.rights)
        self.locations.set_value(user.location_ids)
        self._show_errors({})
        self._baseline = self._on_screen()
        self._update_buttons()

    def _on_screen(self) -> Screen:
        return (self.display_name.text().strip(), Role(self.role.currentData()), self.rights.rights(),
                self.locations.value())

    def _on_role_changed(self) -> None:
        self.rights.set_rights(Role(self.role.currentData()).preset)  # a locked right stays ticked
        self._on_edited()

    def _on_edited(self) -> None:
        if self._saving:
            return
        dirty = self.has_unsaved_changes()
        self._set_status("Unsaved changes" if dirty else "", "muted")
        if self.locations_error.text() and self.locations.value() != frozenset():
            self._show_errors({})
        self._update_buttons()

    def _update_buttons(self) -> None:
        user, dirty = self._current, self.has_unsaved_changes()
        self.save_button.setEnabled(user is not None and dirty and not self._saving)
        self.undo_button.setEnabled(dirty and not self._saving)
        idle = user is not None and not self._busy
        self.reset_password_button.setEnabled(idle)
        me = user is not None and self._is_me(user)
        self.active_button.setEnabled(idle and not me)
        self.active_button.setToolTip(OWN_DISABLE if me else "")

    def _show_errors(self, errors: dict[str, str]) -> None:
        theme.restyle(self.display_name, "invalid", "display_name" in errors)
        self.display_name_error.setText(errors.get("display_name", ""))
        self.form.setRowVisible(self.display_name_error, "display_name" in errors)
        for key, error_label in (("rights", self.rights_error), ("locations", self.locations_error)):
            error_label.setText(errors.get(key, ""))
            error_label.setVisible(key in errors)

    def _set_status(self, text: str, role: str) -> None:
        self.save_status.setText(text)
        theme.set_role(self.save_status, role)

    def _on_saved(self, account: UserAccount) -> None:
        self._saving = False
        self.model.replace(account)
        self._current = account
        self._show_header(account)
        self._fill_editor(account)
        self._set_status("Saved.", "success")
        self._runner.changes_applied.emit(USERS_CHANGED, self)
        self.user_did_save.emit(account)

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        if isinstance(exc, InvalidInput) and exc.field in ("display_name", "rights", "locations"):
            self._show_errors({exc.field: str(exc)})
            self._set_status("Not saved: see the message in red.", "danger")
        else:
            self._set_status(f"Not saved: {user_message(exc)}", "danger")
        self._update_buttons()

    # -- add, reset password, disable / enable -------------------------------------------------
    def add_user(self) -> None:
        if not self.allowed:
            return
        if self.add_dialog is not None:
            self.add_dialog.deleteLater()
        self.add_dialog = AddUserDialog(locations=self._locations, runner=self._runner,
                                        create=self._services.create_user, parent=self)
        self.add_dialog.user_did_add.connect(self._on_user_added)
        self.add_dialog.open()

    def _on_user_added(self, account: UserAccount) -> None:
        self._after_change(f"Added {shown_name(account)}. Give them the user name “{account.username}” and the "
                           "temporary password; they choose their own when they first sign in.",
                           select=account.id)

    def reset_password(self) -> None:
        user = self._current
        if user is None:
            return
        if self.reset_dialog is not None:
            self.reset_dialog.deleteLater()
        self.reset_dialog = ResetPasswordDialog(user=user, runner=self._runner, reset=self._services.reset_password,
                                                parent=self)
        self.reset_dialog.password_did_reset.connect(
            lambda account: self._after_change(f"Temporary password set. {shown_name(account)} chooses a new "
                                               "password at the next sign-in."))
        self.reset_dialog.open()

    def toggle_active(self) -> None:
        user = self._current
        if user is None or self._busy or self._is_me(user):
            return
        if not user.is_active:
            self._set_active(user, True)
            return
        name = shown_name(user)
        self._confirm(f"Disable {name}?",
                      f"{name} will no longer be able to sign in. Nothing is deleted: their messages, notes and "
                      "audit records are kept, and you can enable them again at any time.",
                      "Disable user", lambda: self._set_active(user, False))

    def _set_active(self, user: UserAccount, active: bool) -> None:
        self._busy = True
        self._update_buttons()
        name = shown_name(user)
        done = (f"{name} can sign in again." if active
                else f"{name} is disabled. Their history is kept.")
        self._runner.run(self._services.set_user_active, user.id, active,
                         on_success=lambda _: self._after_change(done), on_failure=self._on_action_failed, owner=self)

    def _after_change(self, message: str, *, select: int | None = None) -> None:
        self._busy = False
        self._set_status(message, "success")
        self._status_after_load, self._select_after_load = message, select
        self._runner.changes_applied.emit(USERS_CHANGED, self)
        self.users_did_change.emit()
        self.load()  # statuses (locked, must change password, disabled) come from the store

    def _on_action_failed(self, exc: BaseException) -> None:
        self._busy = False
        self._set_status(user_message(exc), "danger")
        self._update_buttons()

    def _confirm(self, title: str, text: str, yes_text: str, on_yes: Callable[[], None], *, no_text: str = "Cancel",
                 icon: QMessageBox.Icon = QMessageBox.Icon.Warning) -> None:
        """A window-modal question (opened, not exec'd); ``on_yes`` runs if they agree."""
        if self.confirm_box is not None:
            self.confirm_box.deleteLater()
        box = QMessageBox(icon, title, title, QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(text)
        yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(no_text, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.buttonClicked.connect(lambda button: on_yes() if button is yes else None)
        self.confirm_box, self.confirm_yes = box, yes
        box.open()
