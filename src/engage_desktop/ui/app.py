"""Start the desktop client: ``run(services)`` is what ``engage-desktop`` calls.

The window shows before anything is loaded (time to an interactive window counts); the list,
the status bar and, for a new demo practice, the first sync all fill in from the task runner.
"""

from __future__ import annotations

import logging
import sys

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication

from engage_desktop.services.app_services import AppServices
from engage_desktop.ui import theme
from engage_desktop.ui.main_window import MainWindow
from engage_desktop.ui.sign_in import sign_in_interactively
from engage_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
APP_NAME = "Engage Desktop"
ORGANISATION = "Engage"


def build_main_window(services: AppServices, runner: TaskRunner) -> MainWindow:
    """The window on these services, not yet shown or started (tests and screenshots use this)."""
    return MainWindow(services, runner)


def run(services: AppServices, *, demo_hint: str = "") -> int:
    """Sign in, open the window; after "Sign out" the sign-in dialog comes back. Returns at quit."""
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    app.setQuitOnLastWindowClosed(False)  # between sessions only the sign-in dialog is open
    theme.apply(app)
    runner = TaskRunner()
    session = DesktopSession(services, runner, demo_hint=demo_hint)
    try:
        if not session.begin(first_sync_for_demo=True):
            return 0
        return int(app.exec())
    finally:
        session.close()
        runner.shutdown(wait=True)  # workers finish their current call; queued ones are dropped
        log.info("desktop client closed")


class DesktopSession(QObject):
    """One window per signed-in user: sign in, open the window, and start over after sign-out."""

    def __init__(self, services: AppServices, runner: TaskRunner, *, demo_hint: str = "") -> None:
        super().__init__()
        self._services, self._runner, self._demo_hint = services, runner, demo_hint
        self.window: MainWindow | None = None

    def begin(self, *, first_sync_for_demo: bool = False) -> bool:
        """Sign-in dialogs, then the window. False when the user chose to quit."""
        if sign_in_interactively(self._services, self._runner, demo_hint=self._demo_hint) is None:
            return False
        app = QApplication.instance()
        window = build_main_window(self._services, self._runner)
        screen = app.primaryScreen().availableGeometry()
        window.resize(min(1440, int(screen.width() * 0.94)), min(900, int(screen.height() * 0.92)))
        window.signed_out.connect(self._on_signed_out, Qt.ConnectionType.QueuedConnection)
        window.closed.connect(app.quit)
        window.show()
        self.window = window
        # Start loading once the event loop runs, so the first paint is not held up.
        QTimer.singleShot(0, lambda: window.start(first_sync_for_demo=first_sync_for_demo))
        return True

    def _on_signed_out(self) -> None:
        self._drop_window()
        if not self.begin():
            QApplication.instance().quit()

    def _drop_window(self) -> None:
        window, self.window = self.window, None
        if window is not None:
            window.closed.disconnect()
            window.sync.cancel()
            window.hide()
            window.deleteLater()

    def close(self) -> None:
        if self.window is not None:
            self.window.sync.cancel()
            # Delete the window now, while the QApplication exists; left to the garbage collector
            # it can be destroyed after Qt has shut down, which crashes on exit.
            shiboken6.delete(self.window)
            self.window = None
