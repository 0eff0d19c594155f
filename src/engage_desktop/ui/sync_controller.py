"""One PMS sync at a time, visible from every screen.

The PMS settings page, the status bar and the empty Patients list all show the same run, so
the run lives here rather than in one of them. The sync's progress callback is called on a
worker thread; it only emits a signal, which Qt queues to the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal

from engage_desktop.services.pms_sync import FULL, INCREMENTAL, SyncProgress, SyncReport
from engage_desktop.ui.tasks import TaskRunner, user_message

SyncFn = Callable[..., SyncReport]  # AppServices.sync_pms(mode, progress=, cancel=)
MIRROR_ENTITIES = frozenset({"patients", "appointments", "recalls", "procedures", "providers", "locations"})


class SyncController(QObject):
    sync_did_start = Signal(str)  # mode
    sync_did_progress = Signal(object)  # SyncProgress
    sync_did_finish = Signal(object)  # SyncReport (ok, cancelled or failed)
    sync_did_fail = Signal(str)  # could not run at all (not configured, unexpected error)
    _progress_from_worker = Signal(object)

    def __init__(self, sync_pms: SyncFn, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sync_pms = sync_pms
        self._runner = runner
        self._cancel: threading.Event | None = None
        self.last_progress: SyncProgress | None = None
        # What a view opened later shows (the settings pages are built on first visit): the
        # running sync's mode, and how the last one ended (a report, or why it could not run).
        self.running_mode: str | None = None
        self.last_result: SyncReport | str | None = None
        self._progress_from_worker.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        # Bound here, on the GUI thread, and kept: the worker only calls it (see TaskRunner).
        self._emit_progress = self._progress_from_worker.emit

    @property
    def is_running(self) -> bool:
        return self._cancel is not None

    def start(self, mode: str = INCREMENTAL) -> bool:
        """Start a sync unless one is running. Returns whether it started."""
        if self.is_running:
            return False
        cancel = threading.Event()
        self._cancel = cancel
        self.last_progress = None
        self.running_mode = mode
        sync_pms, emit = self._sync_pms, self._emit_progress  # the worker touches nothing else

        def work() -> SyncReport:
            return sync_pms(FULL if mode == FULL else INCREMENTAL, progress=emit, cancel=cancel)

        self.sync_did_start.emit(mode)
        self._runner.run(work, on_success=self._on_finished, on_failure=self._on_failed, io=True,
                         owner=self, cancel=cancel)
        return True

    def cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _on_progress(self, progress: SyncProgress) -> None:
        if self.is_running:
            self.last_progress = progress
            self.sync_did_progress.emit(progress)

    def _on_finished(self, report: SyncReport) -> None:
        self._cancel = None
        self.running_mode, self.last_result = None, report
        self.sync_did_finish.emit(report)
        if report.outcome != "failed" or report.written:
            self._runner.changes_applied.emit(MIRROR_ENTITIES, self)

    def _on_failed(self, exc: BaseException) -> None:
        self._cancel = None
        message = user_message(exc)
        self.running_mode, self.last_result = None, message
        self.sync_did_fail.emit(message)
