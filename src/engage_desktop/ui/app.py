"""Start the desktop client: ``run(services)`` is what ``engage-desktop`` calls.

The window shows before anything is loaded (time to an interactive window counts); the list,
the status bar and, for a new demo practice, the first sync all fill in from the task runner.
"""

from __future__ import annotations

import logging
import sys

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from engage_desktop.services.app_services import AppServices
from engage_desktop.ui import theme
from engage_desktop.ui.main_window import MainWindow
from engage_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
APP_NAME = "Engage Desktop"
ORGANISATION = "Engage"


def build_main_window(services: AppServices, runner: TaskRunner) -> MainWindow:
    """The window on these services, not yet shown or started (tests and screenshots use this)."""
    return MainWindow(services, runner)


def run(services: AppServices) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    theme.apply(app)
    runner = TaskRunner()
    window = build_main_window(services, runner)
    screen = app.primaryScreen().availableGeometry()
    window.resize(min(1440, int(screen.width() * 0.94)), min(900, int(screen.height() * 0.92)))
    window.show()
    # Start loading once the event loop runs, so the first paint is not held up.
    QTimer.singleShot(0, lambda: window.start(first_sync_for_demo=True))
    try:
        return int(app.exec())
    finally:
        window.sync.cancel()
        runner.shutdown(wait=True)  # workers finish their current call; queued ones are dropped
        # Delete the window now, while the QApplication exists; left to the garbage collector
        # it can be destroyed after Qt has shut down, which crashes on exit.
        shiboken6.delete(window)
        log.info("desktop client closed")
