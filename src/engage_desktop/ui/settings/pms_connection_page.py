"""Settings ▸ PMS connection: edit, test and save the connection; run a sync and watch it."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from engage_desktop.domain.pms_connection import (
    DEFAULT_DATABASES,
    DEFAULT_DRIVERS,
    DEFAULT_PORTS,
    ConnectionSettings,
    FailureKind,
    Vendor,
)
from engage_desktop.domain.rights import Right
from engage_desktop.domain.views import MirrorStats
from engage_desktop.services.pms_connection import ConnectionTest
from engage_desktop.services.pms_sync import SyncReport
from engage_desktop.ui import icons, theme
from engage_desktop.ui.settings.base import PageDeps, SettingsPage
from engage_desktop.ui.settings.sync_panel import SyncPanel
from engage_desktop.ui.tasks import user_message
from engage_desktop.ui.views.pms_connection_view import PmsConnectionView

SAVED_PASSWORD = "•••• saved in the system keyring"


class PmsConnectionPage(PmsConnectionView, SettingsPage):
    NAME = "pms_connection"
    TITLE = "PMS connection"
    ORDER = 50
    VIEW_RIGHT = Right.MANAGE_SETTINGS

    page_did_load = Signal()
    settings_did_save = Signal()
    connection_did_test = Signal(object)  # ConnectionTest

    def __init__(self, deps: PageDeps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = deps.services
        self._runner = deps.runner
        self._sync = deps.sync
        self._saved: ConnectionSettings | None = None
        self._has_password = False
        self._testing = False
        self._saving = False
        self._loaded = False
        self._errors: dict[str, str] = {}

        self.vendor.currentIndexChanged.connect(self._on_vendor_changed)
        self.by_dsn.toggled.connect(self._show_connect_mode)
        for edit in (self.dsn, self.driver, self.host, self.port, self.database, self.user, self.password):
            edit.textChanged.connect(self._on_edited)
        self.test_button.clicked.connect(self.test_connection)
        self.save_button.clicked.connect(self.save)
        self.sync_panel = SyncPanel(sync=deps.sync, runner=deps.runner, mirror_stats=deps.services.mirror_stats)
        self.add_section(self.sync_panel)
        self._sync.sync_did_start.connect(self._update_buttons)
        self._sync.sync_did_finish.connect(self._on_sync_finished)

        self.demo_note.hide()
        self.test_busy.hide()
        self.test_result.hide()
        self._show_errors({})
        self._show_connect_mode()
        self._on_vendor_changed()

    # -- load / save (style rule 13) -----------------------------------------------------------
    def load(self) -> None:
        services = self._services
        self._runner.run(lambda: (services.load_pms_settings(), services.has_pms_password(), services.mirror_stats()),
                         on_success=self._apply_loaded, owner=self)

    def save(self) -> None:
        if self._saved is not None and self._saved.is_demo:
            return
        if not self._validate():
            return
        settings, password = self.settings_on_screen(), self._password_on_screen()
        self._saving = True
        self.save_status.setText("Saving…")
        self._update_buttons()
        self._runner.run(self._services.save_pms_settings, settings, password,
                         on_success=lambda _: self._on_saved(settings, password), on_failure=self._on_save_failed,
                         owner=self)

    def _on_saved(self, settings: ConnectionSettings, password: str | None) -> None:
        self._saving = False
        self._saved = settings
        self._has_password = bool(password) if password is not None else self._has_password
        self.password.clear()
        self._show_password_hint()
        self.save_status.setText("Saved.")
        self._update_buttons()
        self.settings_did_save.emit()

    def _on_save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_status.setText("")
        self._show_test_result(False, f"Could not save: {user_message(exc)}")
        self._update_buttons()

    def _apply_loaded(self, loaded: tuple[ConnectionSettings | None, bool, MirrorStats]) -> None:
        settings, has_password, stats = loaded
        self._saved, self._has_password, self._loaded = settings, has_password, True
        shown = settings or ConnectionSettings()
        demo = shown.is_demo
        self.demo_note.setVisible(demo)
        self.fields.setVisible(not demo)
        self.save_button.setVisible(not demo)
        if demo:
            self.demo_note.setText(
                "<b>Demo practice (synthetic data)</b><br>Engage is reading a sample Open Dental database "
                "of invented patients. Nothing you do here reaches a real practice.")
        self.vendor.setCurrentIndex(max(0, self.vendor.findData(shown.vendor.value)))
        self.by_dsn.setChecked(bool(shown.dsn))
        self.by_server.setChecked(not shown.dsn)
        self.dsn.setText(shown.dsn)
        self.driver.setText(shown.driver)
        self.host.setText(shown.host if settings is not None else "")
        self.port.setText(str(shown.port) if shown.port else "")
        self.database.setText(shown.database)
        self.user.setText(shown.user)
        self.password.clear()
        self._show_password_hint()
        self.save_status.setText("")
        self.sync_panel.show_stats(stats)
        self._update_buttons()
        self.page_did_load.emit()

    # -- what is on screen ------------------------------------------------------------------------
    def settings_on_screen(self) -> ConnectionSettings:
        base = self._saved or ConnectionSettings()
        if base.is_demo:
            return base
        port = self.port.text().strip()
        by_dsn = self.by_dsn.isChecked()
        return replace(
            base,
            vendor=self._vendor(),
            dsn=self.dsn.text().strip() if by_dsn else "",
            driver=self.driver.text().strip(),
            host=self.host.text().strip(),
            port=int(port) if port.isdigit() else None,
            database=self.database.text().strip(),
            user=self.user.text().strip(),
            password="",
        )

    def _password_on_screen(self) -> str | None:
        """None keeps the stored password: a blank field never erases it."""
        return self.password.text() or None

    def _validate(self) -> bool:
        """Field-level checks; each message shows under its row and the field turns red."""
        errors: dict[str, str] = {}
        if self.by_dsn.isChecked():
            if not self.dsn.text().strip():
                errors["dsn"] = "Enter the ODBC data source name (see the ODBC Data Sources tool in Windows)."
        else:
            port = self.port.text().strip()
            if not self.host.text().strip():
                errors["host"] = "Enter the server's name or IP address."
            if port and not (port.isdigit() and 1 <= int(port) <= 65535):
                errors["port"] = "The port must be a number from 1 to 65535."
        self._show_errors(errors)
        self._errors = errors
        return not errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        for edit, key in ((self.host, "host"), (self.port, "port"), (self.dsn, "dsn")):
            theme.restyle(edit, "invalid", key in errors)
        # Host and port share a row, so they share the message line under it.
        for error_label, text in ((self.host_error, " ".join(errors[k] for k in ("host", "port") if k in errors)),
                                  (self.dsn_error, errors.get("dsn", ""))):
            error_label.setText(text)
            self.form.setRowVisible(error_label, bool(text))

    def _show_connect_mode(self) -> None:
        by_dsn = self.by_dsn.isChecked()
        self.form.setRowVisible(self.dsn, by_dsn)
        self.form.setRowVisible(self.dsn_error, by_dsn and bool(self.dsn_error.text()))
        self.form.setRowVisible(self.driver, not by_dsn)
        self.form.setRowVisible(self.host_row, not by_dsn)
        self.form.setRowVisible(self.host_error, not by_dsn and bool(self.host_error.text()))
        self.form.setRowVisible(self.database, True)
        self._update_buttons()

    def _on_vendor_changed(self) -> None:
        vendor = self._vendor()
        self.driver.setPlaceholderText(DEFAULT_DRIVERS[vendor])
        self.port.setPlaceholderText(str(DEFAULT_PORTS[vendor]))
        self.database.setPlaceholderText(DEFAULT_DATABASES[vendor])
        self._on_edited()

    def _vendor(self) -> Vendor:
        return Vendor(self.vendor.currentData())

    def _on_edited(self) -> None:
        if self._errors:
            self._validate()  # clear a message as soon as the field is fixed
        if self._loaded and self._saved is not None:
            self.save_status.setText("Unsaved changes" if self._is_dirty() else "")
        self._update_buttons()

    def _is_dirty(self) -> bool:
        if self._saved is not None and self._saved.is_demo:
            return False
        return self.settings_on_screen() != (self._saved or ConnectionSettings()).with_password("") \
            or bool(self.password.text())

    def _show_password_hint(self) -> None:
        self.password.setPlaceholderText(SAVED_PASSWORD if self._has_password else "")
        self.password_hint.setText("Leave blank to keep the saved password." if self._has_password
                                   else "Stored in the system keyring, never in a file.")

    def _update_buttons(self, *_args: object) -> None:
        dirty = self._loaded and self._is_dirty()
        configured = self._saved is not None
        self.test_button.setEnabled(not self._testing)
        self.save_button.setEnabled(self._loaded and not self._saving and (dirty or not configured))
        if not self._loaded:
            self.sync_panel.set_blocked("Loading…")
        elif not configured:
            self.sync_panel.set_blocked("Save the connection first.")
        elif dirty:
            self.sync_panel.set_blocked("Sync uses the saved connection: save your changes first.")
        else:
            self.sync_panel.set_blocked(None)

    # -- test connection ---------------------------------------------------------------------------
    def test_connection(self) -> None:
        if self._testing or not (self._saved and self._saved.is_demo or self._validate()):
            return
        self._testing = True
        self.test_button.setText("Testing…")
        self.test_busy.show()
        self.test_result.hide()
        self._update_buttons()
        self._runner.run(self._services.test_pms_connection, self.settings_on_screen(), self._password_on_screen(),
                         on_success=self._on_tested, on_failure=self._on_test_failed, io=True, owner=self)

    def _on_tested(self, result: ConnectionTest) -> None:
        self._test_done()
        missing: list[str] = []
        message = result.message
        if result.kind == FailureKind.SCHEMA_MISSING.value and result.schema is not None:
            missing = list(result.schema.missing_objects) + list(result.schema.missing_columns)
            message = ("Connected, but the database lacks tables or columns Engage reads. Check the database "
                       "name, the PMS version, and that this user may read them.")
        self._show_test_result(result.ok, message, detail=result.detail, missing=missing)
        self.connection_did_test.emit(result)

    def _on_test_failed(self, exc: BaseException) -> None:
        self._test_done()
        self._show_test_result(False, user_message(exc))

    def _test_done(self) -> None:
        self._testing = False
        self.test_button.setText("Test connection")
        self.test_busy.hide()
        self._update_buttons()

    def _show_test_result(self, ok: bool, message: str, *, detail: str = "", missing: list[str] | None = None) -> None:
        self.test_icon.setPixmap((icons.check() if ok else icons.cross()).pixmap(18, 18))
        self.test_message.setText(message)
        theme.set_role(self.test_message, "" if ok else "danger")
        self.test_missing.setText("Missing: " + ", ".join(missing) if missing else "")
        self.test_missing.setVisible(bool(missing))
        self.test_detail.setText(f"Driver said: {detail}" if detail else "")
        self.test_detail.setVisible(bool(detail))
        self.test_result.show()

    def _on_sync_finished(self, report: SyncReport) -> None:
        if report.outcome == "ok":
            self.test_result.hide()  # an earlier failed test is moot: the connection just worked
