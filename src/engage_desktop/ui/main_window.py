"""The main window: navigation on the left, the demo banner, and the mirror's state below."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.rights import Actor, Right
from engage_desktop.domain.views import MirrorStats, SearchResult
from engage_desktop.services.app_services import AppServices
from engage_desktop.services.pms_sync import FULL, SyncProgress, SyncReport
from engage_desktop.ui import icons, theme
from engage_desktop.ui.audit_page import AuditLogPage
from engage_desktop.ui.formatting import patients_count, relative_time
from engage_desktop.ui.patients_page import PatientsPage
from engage_desktop.ui.review_page import ReviewPage
from engage_desktop.ui.session_lock import IdleWatcher, LockScreen
from engage_desktop.ui.settings import PageDeps
from engage_desktop.ui.settings.settings_view import SettingsView
from engage_desktop.ui.sign_in import ChangePasswordDialog
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.tasks import TaskRunner
from engage_desktop.ui.widgets.common import label

TITLE = "Engage Desktop"
DEMO_BANNER = "Demo practice — synthetic patients; nothing you do here reaches a real practice"
PATIENTS, SETTINGS, AUDIT_LOG, REVIEW = 0, 1, 2, 3  # screens (stack indexes); the sidebar lists those the user may open
DEFAULT_IDLE_MINUTES = 10


class MainWindow(QMainWindow):
    """The window of one signed-in user. ``signed_out`` fires when the session ends here."""

    signed_out = Signal()
    closed = Signal()

    def __init__(self, services: AppServices, runner: TaskRunner) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.resize(1280, 800)
        self._services = services
        self._runner = runner
        self._stats: MirrorStats | None = None
        self._listed: int | None = None  # patients the list shows (deleted charts excluded)
        self._rights_at_start = services.signed_in.rights
        self._locations_at_start = services.signed_in.location_ids
        self.sync = SyncController(services.sync_pms, runner, parent=self)

        self.patients = PatientsPage(search_patients=services.search_patients, patient_rows=services.patient_rows,
                                     patient_card=services.patient_card, runner=runner, sync=self.sync,
                                     region=services.region, services=services)
        self.settings = SettingsView(PageDeps(services=services, runner=runner, sync=self.sync))
        self.audit_log = AuditLogPage(services, runner) if services.can(Right.VIEW_AUDIT_LOG) else QWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.patients)
        self.stack.addWidget(self.settings)
        self.stack.addWidget(self.audit_log)
        self.review = ReviewPage(services, runner, region=services.region)
        self.stack.addWidget(self.review)

        self.nav = QListWidget()
        self.nav.setObjectName("Sidebar")
        self.nav.setIconSize(QSize(20, 20))
        self.review_item: QListWidgetItem | None = None
        for icon, text, screen in ((icons.person(), "Patients", PATIENTS),
                                   (icons.broken_link(theme.NAV_ICON, size=20), "Review", REVIEW),
                                   (icons.shield(), "Audit log", AUDIT_LOG), (icons.gear(), "Settings", SETTINGS)):
            if (screen == AUDIT_LOG and not services.can(Right.VIEW_AUDIT_LOG)) or (
                    screen == REVIEW and not services.can(Right.LINK_PATIENTS)):
                continue  # the page needs the right; without it the item is not offered at all
            item = QListWidgetItem(icon, text, self.nav)
            item.setData(Qt.ItemDataRole.UserRole, screen)
            if screen == REVIEW:
                self.review_item = item
        self.nav.currentRowChanged.connect(self._on_nav)
        self.nav.setCurrentRow(PATIENTS)

        self.demo_banner = label(DEMO_BANNER, name="DemoBanner", wrap=True)
        self.demo_banner.setVisible(services.is_demo)
        self.lock_screen = LockScreen(services, runner)
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.lock_screen.switch_user_requested.connect(lambda: self.sign_out(reason="switch user"))
        self.screens = QStackedWidget()  # the pages, or the lock screen in their place
        self.screens.addWidget(self._layout())
        self.screens.addWidget(self.lock_screen)
        self.setCentralWidget(self.screens)
        self._build_status_bar()
        self.idle: IdleWatcher | None = None
        self._closing_for_sign_out = False

        runner.task_did_fail.connect(self.show_error)
        runner.changes_applied.connect(self._on_changes_applied)  # bound: Qt drops it with the window
        self.patients.settings_requested.connect(self._show_pms_settings)
        self.settings.page("security").settings_did_save.connect(self._load_idle_minutes)
        self.patients.result_applied.connect(self._on_patients_listed)
        self.review.counts_changed.connect(self._show_review_count)
        self.review.open_patient_requested.connect(self._open_patient)
        self.sync.sync_did_start.connect(self._on_sync_started)
        self.sync.sync_did_progress.connect(self._on_sync_progress)
        self.sync.sync_did_finish.connect(self._on_sync_finished)
        self.sync.sync_did_fail.connect(self._on_sync_failed)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        self._clock = QTimer(self, interval=30_000)  # keeps "synced 3 min ago" true
        self._clock.timeout.connect(self._show_mirror_state)
        self._clock.timeout.connect(self.refresh_messaging_state)
        self._clock.start()

    def _layout(self) -> QWidget:
        sidebar = QWidget()
        sidebar.setObjectName("SidebarPanel")
        sidebar.setFixedWidth(160)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(0)
        side.addWidget(label("Engage", name="AppName"))
        side.addWidget(self.nav, 1)
        side.addWidget(self._user_button())
        self.nav.setStyleSheet("QListWidget#Sidebar { border-right: none; }")

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(sidebar)
        body.addWidget(self.stack, 1)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.demo_banner)
        column.addLayout(body, 1)
        return central

    def _user_button(self) -> QToolButton:
        actor = self._services.signed_in
        button = QToolButton()
        button.setObjectName("UserButton")
        button.setText(f"{actor.shown_name}\n{actor.username}")
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        menu = QMenu(button)
        menu.addAction("Change password…", self.change_password)
        menu.addAction("Lock screen\tCtrl+L", lambda: self.lock(reason="user"))
        menu.addSeparator()
        menu.addAction("Sign out", lambda: self.sign_out(reason="user"))
        button.setMenu(menu)
        QShortcut(QKeySequence("Ctrl+L"), self, activated=lambda: self.lock(reason="user"))
        self.user_button = button
        return button

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setSizeGripEnabled(False)
        bar.setContentsMargins(0, 0, 12, 0)
        bar.messageChanged.connect(self._on_status_message)
        self.mirror_label = label("", name="MirrorState")
        self.sync_label = label("")
        self.sync_progress = QProgressBar()
        self.sync_progress.setRange(0, 1000)
        self.sync_progress.setFixedWidth(160)
        bar.addWidget(self.mirror_label, 1)
        # Sandbox or live, and whether replies are coming in (MSG-6): visible on every screen.
        self.messaging_label = label("", name="MessagingState")
        self.messaging_label.hide()
        bar.addPermanentWidget(self.messaging_label)
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.sync_progress)
        self.sync_label.hide()
        self.sync_progress.hide()

    # -- start-up --------------------------------------------------------------------------------
    def start(self, *, first_sync_for_demo: bool = False) -> None:
        """Fill the window from the runner. With ``first_sync_for_demo``, an empty demo practice
        syncs at once so a new user sees patients without visiting Settings."""
        self.patients.search_now()
        self.review.load()
        self.refresh_mirror_state(first_sync_for_demo=first_sync_for_demo)
        self.refresh_messaging_state()
        self.idle = IdleWatcher(DEFAULT_IDLE_MINUTES, parent=self)
        self.idle.idle.connect(lambda: self.lock(reason="idle"))
        self._load_idle_minutes()

    def _load_idle_minutes(self) -> None:
        self._runner.run(self._services.setting_value, "security.idle_lock_minutes",
                         on_success=lambda minutes: self.idle and self.idle.set_minutes(float(minutes)), owner=self)

    # -- session ---------------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self.screens.currentWidget() is self.lock_screen

    def lock(self, *, reason: str) -> None:
        """Hide every page behind the lock screen; they keep their state for the same user."""
        if self.is_locked or self._services.actor is None:
            return
        self.screens.setCurrentWidget(self.lock_screen)
        self.lock_screen.show_for(self._services.signed_in)
        self._runner.run(self._services.lock, reason, owner=self)

    def _on_unlocked(self, actor: Actor) -> None:
        if actor.rights != self._rights_at_start or actor.location_ids != self._locations_at_start:
            # An administrator changed this user's access while the screen was locked: the
            # window was built for the old rights, so the user signs in afresh.
            self.sign_out(reason="rights changed")
            return
        self.screens.setCurrentIndex(0)
        if self.idle:
            self.idle.reset()

    def change_password(self) -> None:
        ChangePasswordDialog(self._services, self._runner, parent=self).exec()

    def sign_out(self, *, reason: str) -> None:
        if reason == "user" and self.settings.has_unsaved_changes():
            answer = QMessageBox.question(self, "Sign out", "Some settings are not saved yet. Sign out anyway?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.sync.cancel()
        self._runner.run(self._services.sign_out, reason, owner=self)
        self.signed_out.emit()

    def _show_review_count(self, needs_review: int, duplicates: int) -> None:
        if self.review_item is not None:
            total = needs_review + duplicates
            self.review_item.setText(f"Review ({total})" if total else "Review")
            self.review_item.setToolTip(f"{needs_review} to review, {duplicates} possible duplicates")

    def _open_patient(self, list_id: int) -> None:
        self.show_screen(PATIENTS)
        self.patients.open_card(list_id)

    def _on_nav(self, row: int) -> None:
        item = self.nav.item(row)
        if item is not None:
            self.stack.setCurrentIndex(item.data(Qt.ItemDataRole.UserRole))

    def _show_pms_settings(self) -> None:
        self.show_screen(SETTINGS)
        self.settings.show_page("pms_connection")

    def refresh_mirror_state(self, *, first_sync_for_demo: bool = False) -> None:
        services = self._services
        # The mirror's count includes charts deleted in the PMS, so the status bar shows what the
        # list shows: the total of an empty search. The Patients page reports it when its box is
        # empty; otherwise (the user is mid-search) it is counted here.
        count_here = bool(self.patients.search_box.text().strip())

        def read() -> tuple[MirrorStats, int | None]:
            return services.mirror_stats(), services.search_patients("").total if count_here else None

        def shown(loaded: tuple[MirrorStats, int | None]) -> None:
            stats, listed = loaded
            if listed is not None:
                self._listed = listed
            self._stats = stats
            self._show_mirror_state()
            empty = stats.counts.get("patients", 0) == 0 and stats.last_run is None
            if first_sync_for_demo and self._services.is_demo and empty:
                self.sync.start(FULL)

        self._runner.run(read, on_success=shown, owner=self)

    def refresh_messaging_state(self) -> None:
        self._runner.run(self._services.messaging_status, on_success=self._show_messaging_state, owner=self)

    def _show_messaging_state(self, status) -> None:
        if status is None:
            self.messaging_label.hide()
            return
        failing = [h for h in status.inbound if not h.healthy]
        if status.sandbox:
            text, role = f"● {status.banner}", "warning"
            tip = "Settings ▸ Messaging providers ▸ Sending: choose Live to send for real."
        elif failing:
            text, role = "● Not receiving texts", "danger"
            tip = "\n".join(h.message for h in failing)
        elif status.inbound:
            text, role = "● Receiving texts", "success"
            tip = "\n".join(h.message for h in status.inbound)
        else:
            text, role = "● No texting number set up", "muted"
            tip = "Settings ▸ Locations: give each location its texting number."
        self.messaging_label.setText(text)
        self.messaging_label.setToolTip(tip)
        theme.set_role(self.messaging_label, role)
        self.messaging_label.show()

    def _on_patients_listed(self, result: SearchResult) -> None:
        if not result.query.strip():
            self._listed = result.total
            self._show_mirror_state()

    def _on_changes_applied(self, _changes: object, _initiator: object) -> None:
        self.refresh_mirror_state()

    def show_screen(self, screen: int) -> None:
        rows = [r for r in range(self.nav.count()) if self.nav.item(r).data(Qt.ItemDataRole.UserRole) == screen]
        if rows:
            self.nav.setCurrentRow(rows[0])

    # -- status bar ------------------------------------------------------------------------------
    def _show_mirror_state(self) -> None:
        stats = self._stats
        if stats is None:
            return
        run = stats.last_run
        if run is None:
            self.mirror_label.setText("Never synced")
            return
        when = relative_time(run.finished_at or run.started_at)
        state = {"ok": f"synced {when}", "cancelled": f"sync cancelled {when}",
                 "failed": f"last sync failed {when}", "running": "sync running"}.get(run.outcome, run.outcome)
        if self._listed is None:
            self.mirror_label.setText(state[:1].upper() + state[1:])
        else:
            self.mirror_label.setText(f"{patients_count(self._listed)} · {state}")

    def _on_sync_started(self, mode: str) -> None:
        self.sync_progress.setValue(0)
        self.sync_progress.show()
        self.sync_label.setText("Full sync…" if mode == FULL else "Syncing…")
        self.sync_label.show()

    def _on_sync_progress(self, progress: SyncProgress) -> None:
        self.sync_progress.setValue(round(progress.fraction * 1000))
        self.sync_label.setText(f"Syncing · {progress.message}")

    def _on_sync_finished(self, report: SyncReport) -> None:
        self._hide_sync()
        self.review.load()  # the auto-link after the sync may have linked or queued people
        if report.outcome == "failed":
            self.show_error(report.summary())
        self.refresh_mirror_state()

    def _on_sync_failed(self, message: str) -> None:
        self._hide_sync()
        self.show_error(f"Sync failed: {message}")
        self.refresh_mirror_state()

    def _hide_sync(self) -> None:
        self.sync_progress.hide()
        self.sync_label.hide()

    def show_error(self, message: str) -> None:
        # Background failures are reported, not modal: the front desk is usually mid-call.
        theme.restyle(self.statusBar(), "error", True)
        self.mirror_label.hide()  # it would paint over the message
        self.statusBar().showMessage(message, 15_000)

    def _on_status_message(self, text: str) -> None:
        if not text:  # the message timed out: back to the mirror state
            theme.restyle(self.statusBar(), "error", False)
            self.mirror_label.show()

    def _focus_search(self) -> None:
        self.show_screen(PATIENTS)
        self.patients.search_box.setFocus()
        self.patients.search_box.selectAll()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.sync.cancel()  # a sync stops at its next page; what it committed stays
        super().closeEvent(event)
        self.closed.emit()
