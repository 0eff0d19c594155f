"""The main window: navigation, demo banner, status bar, first sync of the demo practice, and
no service call ever made on the GUI thread."""

from __future__ import annotations

import threading

from engage_desktop.ui.app import build_main_window
from engage_desktop.ui.main_window import DEMO_BANNER, SETTINGS, TITLE
from engage_desktop.ui.settings.pms_connection_page import PmsConnectionPage
from tests.ui.conftest import make_practice
from tests.ui.sample_practice import build_reader

IN_MEMORY = {"can"}  # reads the signed-in user's rights held in memory; no database, no network


class GuiThreadGuard:
    """Wraps the services and records any call made on the GUI thread (it would freeze the UI)."""

    def __init__(self, services) -> None:
        self._services = services
        self.violations: list[str] = []
        self.calls: list[str] = []
        self.is_demo = services.is_demo
        self.region = services.region

    def __getattr__(self, name):
        target = getattr(self._services, name)
        if not callable(target) or name in IN_MEMORY:
            return target

        def call(*args, **kwargs):
            self.calls.append(name)
            if threading.current_thread() is threading.main_thread():
                self.violations.append(name)
            return target(*args, **kwargs)

        return call


def open_window(qtbot, runner, services, **start):
    window = build_main_window(services, runner)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.start(**start)
    return window


def test_window_has_title_navigation_and_the_mirror_state(qtbot, runner, synced_practice):
    guard = GuiThreadGuard(synced_practice.services)
    window = open_window(qtbot, runner, guard)
    assert window.windowTitle() == TITLE == "Engage Desktop"
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == ["Patients", "Review", "Audit log", "Settings"]
    assert not window.demo_banner.isVisible()
    qtbot.waitUntil(lambda: window.mirror_label.text() == "64 patients · synced just now", timeout=10_000)
    qtbot.waitUntil(lambda: window.patients.count_label.text() == "64 patients", timeout=10_000)
    window.patients.search_box.setText("rivera")
    qtbot.waitUntil(lambda: window.patients.count_label.text() == "4 patients", timeout=10_000)
    assert window.mirror_label.text().startswith("64 patients")  # the practice, not the search
    window.show_screen(SETTINGS)
    window.settings.show_page("pms_connection")
    page = window.settings.page("pms_connection")
    assert isinstance(page, PmsConnectionPage) and page.isVisible()
    qtbot.waitUntil(lambda: page.host.text() == "pms-server", timeout=10_000)
    assert {"search_patients", "mirror_stats", "load_pms_settings"} <= set(guard.calls)
    assert guard.violations == []  # nothing ran on the GUI thread


def test_a_never_synced_practice_says_so_and_does_not_sync_by_itself(qtbot, runner, practice):
    window = open_window(qtbot, runner, practice.services, first_sync_for_demo=True)
    qtbot.waitUntil(lambda: window.mirror_label.text() == "Never synced", timeout=10_000)
    assert not window.sync.is_running  # only the demo practice syncs on its own


def test_the_demo_practice_shows_its_banner_and_syncs_on_first_start(qtbot, runner, tmp_path):
    demo = make_practice(tmp_path, build_reader(filler=60), demo=True)
    try:
        assert demo.services.is_demo
        guard = GuiThreadGuard(demo.services)
        window = open_window(qtbot, runner, guard, first_sync_for_demo=True)
        assert window.demo_banner.isVisible() and window.demo_banner.text() == DEMO_BANNER
        qtbot.waitUntil(lambda: window.sync.is_running or window.mirror_label.text().startswith("64"), timeout=10_000)
        qtbot.waitUntil(lambda: window.mirror_label.text() == "64 patients · synced just now", timeout=30_000)
        qtbot.waitUntil(lambda: window.patients.count_label.text() == "64 patients", timeout=10_000)
        assert guard.calls.count("sync_pms") == 1 and guard.violations == []
    finally:
        demo.container.close()


def test_background_failures_show_in_the_status_bar(qtbot, runner, synced_practice):
    window = open_window(qtbot, runner, synced_practice.services)
    runner.task_did_fail.emit("The PMS server did not answer.")
    assert window.statusBar().currentMessage() == "The PMS server did not answer."
    assert window.statusBar().property("error") is True and not window.mirror_label.isVisible()
    window.statusBar().clearMessage()
    assert window.mirror_label.isVisible() and window.statusBar().property("error") is False


def test_run_opens_the_window_and_returns_the_exit_code(qtbot, qapp, synced_practice, monkeypatch):
    from PySide6.QtWidgets import QApplication

    from engage_desktop.ui import app as app_module
    from engage_desktop.ui.main_window import MainWindow

    seen = []

    def event_loop():
        # Stands in for app.exec(): a real exit() would stop pytest-qt's own event loops too.
        def ready():
            windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
            return bool(windows) and windows[0].patients.count_label.text() == "64 patients" and windows
        qtbot.waitUntil(lambda: bool(ready()), timeout=10_000)
        window = ready()[0]
        seen.append(window.windowTitle())
        window.close()
        return 3

    monkeypatch.setattr(qapp, "exec", event_loop)
    signed_in = []

    def sign_in(services, runner, **_kwargs):  # the dialogs themselves are tested in test_sign_in.py
        signed_in.append(services.signed_in.username)
        return services.signed_in

    monkeypatch.setattr(app_module, "sign_in_interactively", sign_in)
    style, palette, font = qapp.styleSheet(), qapp.palette(), qapp.font()
    try:
        assert app_module.run(synced_practice.services) == 3
    finally:
        qapp.setStyleSheet(style)
        qapp.setPalette(palette)
        qapp.setFont(font)
    assert seen == ["Engage Desktop"] and qapp.applicationName() == "Engage Desktop"
    assert signed_in == ["admin"]  # the window opened only after the sign-in step
