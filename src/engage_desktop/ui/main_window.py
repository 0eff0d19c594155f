"""The main window: navigation on the left, the demo banner, and the mirror's state below."""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engage_desktop.domain.views import MirrorStats, SearchResult
from engage_desktop.services.app_services import AppServices
from engage_desktop.services.pms_sync import FULL, SyncProgress, SyncReport
from engage_desktop.ui import icons, theme
from engage_desktop.ui.formatting import patients_count, relative_time
from engage_desktop.ui.patients_page import PatientsPage
from engage_desktop.ui.settings import PageDeps
from engage_desktop.ui.settings.settings_view import SettingsView
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.tasks import TaskRunner
from engage_desktop.ui.widgets.common import label

TITLE = "Engage Desktop"
DEMO_BANNER = "Demo practice — synthetic patients; nothing you do here reaches a real practice"
PATIENTS, SETTINGS = 0, 1


class MainWindow(QMainWindow):
    def __init__(self, services: AppServices, runner: TaskRunner) -> None:
        super().__init__()
        self.setWindowTitle(TITLE)
        self.resize(1280, 800)
        self._services = services
        self._runner = runner
        self._stats: MirrorStats | None = None
        self._listed: int | None = None  # patients the list shows (deleted charts excluded)
        self.sync = SyncController(services.sync_pms, runner, parent=self)

        self.patients = PatientsPage(search_patients=services.search_patients, patient_rows=services.patient_rows,
                                     patient_card=services.patient_card, runner=runner, sync=self.sync,
                                     region=services.region)
        self.settings = SettingsView(PageDeps(services=services, runner=runner, sync=self.sync))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.patients)
        self.stack.addWidget(self.settings)

        self.nav = QListWidget()
        self.nav.setObjectName("Sidebar")
        self.nav.setIconSize(QSize(20, 20))
        QListWidgetItem(icons.person(), "Patients", self.nav)
        QListWidgetItem(icons.gear(), "Settings", self.nav)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(PATIENTS)

        self.demo_banner = label(DEMO_BANNER, name="DemoBanner", wrap=True)
        self.demo_banner.setVisible(services.is_demo)
        self.setCentralWidget(self._layout())
        self._build_status_bar()

        runner.task_did_fail.connect(self.show_error)
        runner.changes_applied.connect(self._on_changes_applied)  # bound: Qt drops it with the window
        self.patients.settings_requested.connect(lambda: self.show_screen(SETTINGS))
        self.patients.result_applied.connect(self._on_patients_listed)
        self.sync.sync_did_start.connect(self._on_sync_started)
        self.sync.sync_did_progress.connect(self._on_sync_progress)
        self.sync.sync_did_finish.connect(self._on_sync_finished)
        self.sync.sync_did_fail.connect(self._on_sync_failed)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        self._clock = QTimer(self, interval=30_000)  # keeps "synced 3 min ago" true
        self._clock.timeout.connect(self._show_mirror_state)
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
        bar.addPermanentWidget(self.sync_label)
        bar.addPermanentWidget(self.sync_progress)
        self.sync_label.hide()
        self.sync_progress.hide()

    # -- start-up --------------------------------------------------------------------------------
    def start(self, *, first_sync_for_demo: bool = False) -> None:
        """Fill the window from the runner. With ``first_sync_for_demo``, an empty demo practice
        syncs at once so a new user sees patients without visiting Settings."""
        self.patients.search_now()
        self.refresh_mirror_state(first_sync_for_demo=first_sync_for_demo)

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

    def _on_patients_listed(self, result: SearchResult) -> None:
        if not result.query.strip():
            self._listed = result.total
            self._show_mirror_state()

    def _on_changes_applied(self, _changes: object, _initiator: object) -> None:
        self.refresh_mirror_state()

    def show_screen(self, index: int) -> None:
        self.nav.setCurrentRow(index)

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
