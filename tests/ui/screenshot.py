"""Screenshots of the desktop client, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot /tmp/engage-shots

Patients view: on the demo practice when ``engage_desktop.pms.demo`` exists (3,000 synthetic
patients synced through the Open Dental reader), otherwise on the invented practice of
tests/ui/sample_practice.py. PMS settings: a connection whose login is refused, then a sync.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

import shiboken6  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from engage_desktop.domain.pms_connection import ConnectionSettings  # noqa: E402
from engage_desktop.domain.ports import Entity  # noqa: E402
from engage_desktop.services.pms_sync import FULL  # noqa: E402
from engage_desktop.ui import theme  # noqa: E402
from engage_desktop.ui.app import build_main_window  # noqa: E402
from engage_desktop.ui.main_window import PATIENTS, SETTINGS, MainWindow  # noqa: E402
from engage_desktop.ui.tasks import TaskRunner  # noqa: E402
from tests.ui.conftest import make_practice  # noqa: E402
from tests.ui.readers import GatedReader, LoginRefusedReader  # noqa: E402
from tests.ui.sample_practice import build_reader  # noqa: E402


def wait_until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not reach the expected state")
        QApplication.processEvents()
        time.sleep(0.01)


def settle(ms: int = 200) -> None:
    deadline = time.monotonic() + ms / 1000
    while time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)


def grab(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))
    print(path)


def demo_practice(data_dir: Path):
    from engage_desktop.bootstrap import bootstrap, ensure_demo_practice
    from engage_desktop.config import load_config
    from tests.fakes import FakeSecretStore

    container = bootstrap(load_config(env={}, data_dir=data_dir, demo=True), secrets=FakeSecretStore())
    ensure_demo_practice(container, patients=3000)
    return container


def begin(argv: list[str]) -> tuple[Path, TaskRunner]:
    """What every screenshot script starts with: the output folder (argv[1]), the styled app, a runner."""
    out = Path(argv[1] if len(argv) > 1 else "/tmp/engage-shots")
    out.mkdir(parents=True, exist_ok=True)
    theme.apply(QApplication.instance() or QApplication(sys.argv))
    return out, TaskRunner()


def signed_in_demo(data_dir: Path):
    """The demo practice, synced, with its administrator signed in (the window is for a signed-in user)."""
    from engage_desktop.bootstrap import DEMO_USERS

    container = demo_practice(data_dir)
    admin, _, password, _ = DEMO_USERS[0]
    container.services.sign_in(admin, password)
    container.services.sync_pms(FULL)
    return container


def open_window(services, runner: TaskRunner) -> MainWindow:
    window = build_main_window(services, runner)
    window.resize(1440, 900)  # what run() opens on a 1920x1080 screen
    window.show()
    window.start()
    return window


def pick_showcase_patient(services) -> int:
    """A patient whose card has family, upcoming and past visits, recalls and planned treatment."""
    result = services.search_patients("")
    now = datetime.now()
    best, best_score = result.ids[0], -1
    for patient_id in result.ids[:600]:
        card = services.patient_card(patient_id)
        if card is None:
            continue
        upcoming = any(a.starts_at and a.starts_at >= now for a in card.appointments)
        score = 2 * upcoming + 2 * bool(card.planned_treatment) + (len(card.family) >= 2) + bool(card.recalls) \
            + any(not c.valid for c in card.contacts) + (card.text_consent == "yes")
        if score > best_score:
            best, best_score = patient_id, score
    return best


def shoot_patients(out: Path, services, runner: TaskRunner, prefix: str) -> MainWindow:
    window = open_window(services, runner)
    page = window.patients
    wait_until(lambda: page.model.rowCount() > 0 and page.model.is_loaded(0))
    patient_id = pick_showcase_patient(services)
    shown = []
    page.card_shown.connect(shown.append)
    page.open_card(patient_id)
    wait_until(lambda: bool(shown))
    grab(window, out / f"{prefix}patients.png")
    page.card.verticalScrollBar().setValue(page.card.verticalScrollBar().maximum())
    grab(window, out / f"{prefix}patients-card-lower.png")

    last_name = shown[-1].last_name[:4]
    page.search_box.setText(last_name.lower())
    wait_until(lambda: page.model.result.query == last_name.lower() and page.model.is_loaded(0))
    page.open_card(page.model.patient_id(0))
    wait_until(lambda: len(shown) > 1)
    grab(window, out / f"{prefix}patients-search.png")
    return window


def shoot_settings(out: Path, data_dir: Path, runner: TaskRunner) -> None:
    good = build_reader(filler=3000)
    practice = make_practice(data_dir, LoginRefusedReader(), configure=False)
    practice.services.save_pms_settings(ConnectionSettings(host="frontdesk-server", port=3306, database="opendental",
                                                           user="engage", batch_size=500), "s3cret")
    window = open_window(practice.services, runner)
    wait_until(lambda: window.patients.stack.currentWidget() is window.patients.empty_state
               and window.mirror_label.text() == "Never synced")
    grab(window, out / "patients-empty.png")
    window.show_screen(SETTINGS)
    window.settings.show_page("pms_connection")
    page = window.settings.page("pms_connection")
    wait_until(lambda: page.save_button.isVisible() and bool(page.sync_panel.last_run.text()))
    page.test_button.click()
    wait_until(lambda: page.test_result.isVisible())
    grab(window, out / "pms-settings-test-failed.png")

    page.port.setText("70000")
    page.save_button.click()  # refused: the field says why
    grab(window, out / "pms-settings-invalid.png")
    page.port.setText("3306")

    gated = GatedReader(good)  # holds the sync after its first page of patients
    practice.reader = gated
    finished = []
    window.sync.sync_did_finish.connect(finished.append)
    page.sync_panel.full_sync.setChecked(True)
    page.sync_panel.sync_button.click()
    wait_until(lambda: gated.waiting.is_set() and "Patients" in page.sync_panel.progress_label.text())
    grab(window, out / "pms-settings-syncing.png")
    window.show_screen(PATIENTS)
    grab(window, out / "patients-empty-syncing.png")
    window.show_screen(SETTINGS)
    gated.gate.set()
    wait_until(lambda: bool(finished))
    charts = len(good.rows[Entity.PATIENTS])
    wait_until(lambda: page.sync_panel.counts.text().startswith(f"<b>{charts:,}</b>"))
    grab(window, out / "pms-settings-synced.png")
    window.close()
    shiboken6.delete(window)  # before Qt shuts down (see ui/app.py)
    practice.container.close()


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-shots-") as tmp:
        tmp_path = Path(tmp)
        if importlib.util.find_spec("engage_desktop.pms.demo") is not None:
            container = signed_in_demo(tmp_path / "demo")
            services = container.services
            prefix = "demo-"
        else:
            fallback = make_practice(tmp_path / "fake", build_reader(filler=3000))
            container, services, prefix = fallback.container, fallback.services, ""
            services.sync_pms(FULL)
        window = shoot_patients(out, services, runner, prefix)
        window.show_screen(SETTINGS)
        window.settings.show_page("pms_connection")  # built and loaded when first shown
        page = window.settings.page("pms_connection")
        wait_until(lambda: bool(page.sync_panel.last_run.text()))
        grab(window, out / f"{prefix}pms-settings.png")
        window.close()
        shiboken6.delete(window)
        shoot_settings(out, tmp_path / "odbc", runner)
        runner.shutdown()
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
