"""The Sync card: what the mirror holds, the last run, and Sync now / Cancel with progress.

Shows the one run the SyncController owns, whoever started it (this card, the Patients
screen, or the first start of the demo practice).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from engage_desktop.domain.views import MirrorStats
from engage_desktop.services.pms_sync import FULL, INCREMENTAL, SyncProgress, SyncReport
from engage_desktop.ui import theme
from engage_desktop.ui.formatting import local_time, relative_time
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.tasks import TaskRunner
from engage_desktop.ui.views.sync_card_view import SyncCardView

# "charts", not "patients": the mirror also keeps charts deleted in the PMS (the list hides them).
_COUNT_LABELS = (("patients", "chart", "charts"), ("appointments", "appointment", "appointments"),
                 ("recalls", "recall", "recalls"), ("procedures", "planned procedure", "planned procedures"),
                 ("providers", "provider", "providers"), ("locations", "location", "locations"))
_OUTCOMES = {"ok": "finished", "cancelled": "cancelled", "failed": "failed"}


class SyncPanel(SyncCardView):
    def __init__(self, *, sync: SyncController, runner: TaskRunner, mirror_stats: Callable[[], MirrorStats],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sync = sync
        self._runner = runner
        self._mirror_stats = mirror_stats
        self._blocked_reason: str | None = "Loading…"
        self.sync_button.clicked.connect(self.start_sync)
        self.cancel_button.clicked.connect(self.cancel_sync)
        sync.sync_did_start.connect(self._on_started)
        sync.sync_did_progress.connect(self._on_progress)
        sync.sync_did_finish.connect(self._on_finished)
        sync.sync_did_fail.connect(self._on_failed)
        self.counts.setText("Loading…")
        self.sync_summary.hide()
        self._show_idle()
        # Built after a sync started or ended (the first sync of the demo practice, one started
        # from Patients): show it as if this card had been there all along.
        if sync.is_running:
            self._on_started(sync.running_mode or INCREMENTAL)
            if sync.last_progress is not None:
                self._on_progress(sync.last_progress)
        elif isinstance(sync.last_result, SyncReport):
            self._show_result(sync.last_result)
        elif sync.last_result is not None:
            self._show_failure(sync.last_result)

    def set_blocked(self, reason: str | None) -> None:
        """Why Sync now cannot run (None: it can), e.g. unsaved connection changes."""
        self._blocked_reason = reason
        self._update_buttons()

    def start_sync(self) -> None:
        self._sync.start(FULL if self.full_sync.isChecked() else INCREMENTAL)

    def cancel_sync(self) -> None:
        self._sync.cancel()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Cancelling… everything read so far is kept.")

    def reload_stats(self) -> None:
        self._runner.run(self._mirror_stats, on_success=self.show_stats, owner=self)

    def show_stats(self, stats: MirrorStats) -> None:
        if not any(stats.counts.values()) and stats.last_run is None:
            self.counts.setText("Nothing synced yet.")
            self.last_run.setText("Press Sync now to read the patients from the PMS.")
            return
        parts = []
        for key, one, many in _COUNT_LABELS:
            n = stats.counts.get(key, 0)
            parts.append(f"<b>{n:,}</b> {one if n == 1 else many}")
        self.counts.setText(" · ".join(parts))
        run = stats.last_run
        if run is None:
            self.last_run.setText("Never synced.")
            return
        kind = "full reconciliation" if run.mode == FULL else "changes only"
        if run.outcome == "running":
            self.last_run.setText(f"A sync ({kind}) started {local_time(run.started_at)} is running.")
            return
        text = (f"Last sync: {local_time(run.started_at)} ({kind}), {_OUTCOMES.get(run.outcome, run.outcome)}"
                f" {relative_time(run.finished_at or run.started_at)}")
        text += f": {run.message}" if run.outcome == "failed" and run.message else "."
        self.last_run.setText(text)

    # -- the run --------------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        running = self._sync.is_running
        self.sync_button.setEnabled(not running and self._blocked_reason is None)
        self.sync_button.setToolTip("A sync is running." if running else (self._blocked_reason or ""))
        self.full_sync.setEnabled(not running)

    def _show_idle(self) -> None:
        self.progress.hide()
        self.progress_label.hide()
        self.cancel_button.hide()
        self._update_buttons()

    def _show_summary(self, text: str, role: str) -> None:
        self.sync_summary.setText(text)
        theme.set_role(self.sync_summary, role)
        self.sync_summary.setVisible(bool(text))

    def _on_started(self, mode: str) -> None:
        self.progress.setValue(0)
        self.progress.show()
        self.progress_label.setText("Full reconciliation: starting…" if mode == FULL else "Starting…")
        self.progress_label.show()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._show_summary("", "")
        self._update_buttons()

    def _on_progress(self, progress: SyncProgress) -> None:
        self.progress.setValue(round(progress.fraction * 1000))
        if self.cancel_button.isEnabled():
            self.progress_label.setText(progress.message)

    def _on_finished(self, report: SyncReport) -> None:
        self._show_idle()
        self._show_result(report)
        self.reload_stats()

    def _on_failed(self, message: str) -> None:
        self._show_idle()
        self._show_failure(message)
        self.reload_stats()

    def _show_result(self, report: SyncReport) -> None:
        self._show_summary(report.summary(), {"failed": "danger", "cancelled": "muted"}.get(report.outcome, "success"))

    def _show_failure(self, message: str) -> None:
        self._show_summary(f"Sync failed: {message}", "danger")
