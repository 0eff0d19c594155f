"""Settings ▸ PMS connection: save (password to the keyring only), validate, test, sync, cancel."""

from __future__ import annotations

import json

import pytest

from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor
from engage_desktop.services.pms_connection import PASSWORD_KEY, SETTINGS_KEY
from engage_desktop.services.pms_sync import FULL
from engage_desktop.ui.settings import PAGES, PageDeps
from engage_desktop.ui.settings.pms_connection_page import SAVED_PASSWORD, PmsConnectionPage
from engage_desktop.ui.sync_controller import SyncController
from tests.ui.conftest import PMS_PASSWORD
from tests.ui.readers import LOGIN_DETAIL, LOGIN_MESSAGE, GatedReader, LoginRefusedReader, MissingSchemaReader
from tests.ui.sample_practice import build_reader


def open_page(qtbot, runner, practice) -> PmsConnectionPage:
    deps = PageDeps(services=practice.services, runner=runner,
                    sync=SyncController(practice.services.sync_pms, runner))
    page = PmsConnectionPage(deps)
    qtbot.addWidget(page)
    page.resize(1000, 900)
    page.show()
    with qtbot.waitSignal(page.page_did_load, timeout=10_000):
        page.load()
    return page


@pytest.fixture
def page(qtbot, runner, practice):
    return open_page(qtbot, runner, practice)


def stored_settings(practice) -> dict:
    with practice.container.uow_factory() as uow:
        return uow.settings.get(SETTINGS_KEY)


def test_the_page_is_registered_and_declarative():
    assert PmsConnectionPage in PAGES
    assert (PmsConnectionPage.NAME, PmsConnectionPage.TITLE) == ("pms_connection", "PMS connection")


def test_shows_the_saved_connection_and_that_a_password_is_in_the_keyring(page):
    assert page.vendor.currentText() == Vendor.OPEN_DENTAL.label
    assert (page.host.text(), page.user.text()) == ("pms-server", "engage")
    assert page.password.text() == "" and page.password.placeholderText() == SAVED_PASSWORD
    assert page.port.placeholderText() == "3306" and page.driver.placeholderText() == "MariaDB Unicode"
    assert not page.demo_note.isVisible() and page.fields.isVisible()
    assert page.sync_panel.counts.text() == "Nothing synced yet."


def test_saving_puts_the_password_in_the_secret_store_and_not_in_the_settings(qtbot, page, practice):
    page.host.setText("frontdesk-server")
    page.port.setText("3307")
    page.password.setText("n3w-s3cret")
    assert page.save_status.text() == "Unsaved changes" and not page.sync_panel.sync_button.isEnabled()
    with qtbot.waitSignal(page.settings_did_save, timeout=10_000):
        page.save_button.click()
    assert practice.secrets.values[PASSWORD_KEY] == "n3w-s3cret"
    data = stored_settings(practice)
    assert (data["host"], data["port"]) == ("frontdesk-server", 3307)
    assert "n3w-s3cret" not in json.dumps(data) and "password" not in data
    assert page.password.text() == "" and page.password.placeholderText() == SAVED_PASSWORD
    assert page.sync_panel.sync_button.isEnabled()


def test_a_blank_password_keeps_the_stored_one(qtbot, page, practice):
    page.user.setText("reader")
    with qtbot.waitSignal(page.settings_did_save, timeout=10_000):
        page.save_button.click()
    assert practice.secrets.values[PASSWORD_KEY] == PMS_PASSWORD
    assert stored_settings(practice)["user"] == "reader"


def test_invalid_fields_are_flagged_and_nothing_is_saved(qtbot, runner, page, practice):
    page.port.setText("70000")
    page.save_button.click()
    assert page.host_error.isVisible() and "1 to 65535" in page.host_error.text()
    assert page.port.property("invalid") is True and page.host.property("invalid") is False
    page.host.setText("")
    page.save_button.click()
    assert "server's name or IP address" in page.host_error.text() and "65535" in page.host_error.text()
    assert page.host.property("invalid") is True
    page.by_dsn.setChecked(True)
    page.save_button.click()
    assert page.dsn_error.isVisible() and "data source name" in page.dsn_error.text()
    page.dsn.setText("OpenDental")
    assert not page.dsn_error.isVisible()  # cleared as soon as it is fixed
    with qtbot.waitSignal(runner._finished, timeout=5000):
        runner.run(lambda: None)  # the database thread runs in order: a (wrong) save would be done
    assert stored_settings(practice)["host"] == "pms-server" and stored_settings(practice)["dsn"] == ""


def test_test_connection_reports_a_refused_login_with_the_driver_detail(qtbot, page, practice):
    practice.reader = LoginRefusedReader()
    with qtbot.waitSignal(page.connection_did_test, timeout=10_000) as blocker:
        page.test_button.click()
        assert page.test_busy.isVisible() and not page.test_button.isEnabled()
    assert blocker.args[0].ok is False
    assert page.test_message.text() == LOGIN_MESSAGE
    assert page.test_message.property("role") == "danger"
    assert page.test_detail.isVisible() and LOGIN_DETAIL in page.test_detail.text()
    assert not page.test_busy.isVisible() and page.test_button.isEnabled()


def test_test_connection_lists_the_missing_tables_and_columns(qtbot, page, practice):
    practice.reader = MissingSchemaReader()
    with qtbot.waitSignal(page.connection_did_test, timeout=10_000):
        page.test_button.click()
    assert page.test_missing.isVisible()
    for name in ("recall", "procedurelog", "patient.TxtMsgOk"):
        assert name in page.test_missing.text()


def test_test_connection_success_and_vendor_choice(qtbot, page, practice):
    page.vendor.setCurrentIndex(page.vendor.findText(Vendor.EAGLESOFT.label))
    assert page.port.placeholderText() == "2638"
    assert page.settings_on_screen().vendor is Vendor.EAGLESOFT
    page.vendor.setCurrentIndex(page.vendor.findText(Vendor.OPEN_DENTAL.label))
    with qtbot.waitSignal(page.connection_did_test, timeout=10_000) as blocker:
        page.test_button.click()
    assert blocker.args[0].ok
    assert page.test_message.text().startswith("Connected to Open Dental")
    assert not page.test_detail.isVisible()


def test_sync_now_shows_progress_and_the_summary(qtbot, page, practice):
    panel, progress = page.sync_panel, []
    panel.progress.valueChanged.connect(progress.append)
    with qtbot.waitSignal(page._sync.sync_did_finish, timeout=30_000) as blocker:
        panel.sync_button.click()
        assert panel.progress.isVisible() and panel.cancel_button.isVisible()
    report = blocker.args[0]
    assert report.outcome == "ok"
    assert any(0 < v < 1000 for v in progress) and progress[-1] == 1000  # fed by the worker's progress
    assert panel.sync_summary.text() == report.summary() and panel.sync_summary.text().startswith("Sync finished")
    assert not panel.progress.isVisible() and not panel.cancel_button.isVisible()
    qtbot.waitUntil(lambda: panel.counts.text().startswith("<b>64</b> charts"), timeout=10_000)
    assert panel.last_run.text().startswith("Last sync:")


def test_cancel_stops_a_running_sync(qtbot, runner, practice):
    practice.services.save_pms_settings(ConnectionSettings(host="pms-server", user="engage", batch_size=10), None)
    gated = GatedReader(build_reader(filler=60))
    practice.reader = gated
    page = open_page(qtbot, runner, practice)
    panel = page.sync_panel
    panel.sync_button.click()
    qtbot.waitUntil(gated.waiting.is_set, timeout=10_000)  # 10 patients read, the next page is held
    with qtbot.waitSignal(page._sync.sync_did_finish, timeout=30_000) as blocker:
        panel.cancel_button.click()
        gated.gate.set()
    assert blocker.args[0].outcome == "cancelled"
    assert panel.sync_summary.text().startswith("Sync cancelled") and not panel.cancel_button.isVisible()
    stats = practice.services.mirror_stats()
    assert 0 < stats.counts["patients"] < 64 and stats.last_run.outcome == "cancelled"


def test_the_demo_practice_shows_a_note_instead_of_odbc_fields(qtbot, runner, practice):
    practice.services.save_pms_settings(ConnectionSettings(sqlite_path="/data/demo/opendental-demo.sqlite"), None)
    page = open_page(qtbot, runner, practice)
    assert page.demo_note.isVisible() and "Demo practice (synthetic data)" in page.demo_note.text()
    assert not page.fields.isVisible() and not page.save_button.isVisible()
    assert page.test_button.isVisible() and page.sync_panel.sync_button.isEnabled()


def _page_on(qtbot, practice, deps: PageDeps) -> PmsConnectionPage:
    page = PmsConnectionPage(deps)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.page_did_load, timeout=10_000):
        page.load()
    return page


def test_a_card_opened_after_a_sync_ended_shows_how_it_ended(qtbot, runner, practice):
    # Settings pages are built on first visit: a sync started elsewhere may have ended already.
    sync = SyncController(practice.services.sync_pms, runner)
    with qtbot.waitSignal(sync.sync_did_finish, timeout=30_000) as blocker:
        sync.start()
    page = _page_on(qtbot, practice, PageDeps(services=practice.services, runner=runner, sync=sync))
    panel = page.sync_panel
    assert panel.sync_summary.text() == blocker.args[0].summary() and panel.sync_summary.text().startswith("Sync finished")
    assert not panel.progress.isVisible() and panel.sync_button.isEnabled()


def test_a_card_opened_during_a_sync_shows_its_progress_and_then_its_end(qtbot, runner, practice):
    practice.services.save_pms_settings(ConnectionSettings(host="pms-server", user="engage", batch_size=10), None)
    gated = GatedReader(build_reader(filler=60))
    practice.reader = gated
    sync = SyncController(practice.services.sync_pms, runner)
    sync.start(FULL)
    qtbot.waitUntil(gated.waiting.is_set, timeout=10_000)
    page = _page_on(qtbot, practice, PageDeps(services=practice.services, runner=runner, sync=sync))
    panel = page.sync_panel
    assert panel.progress.isVisible() and panel.cancel_button.isVisible()
    assert panel.progress_label.text() == sync.last_progress.message and "Patients" in panel.progress_label.text()
    with qtbot.waitSignal(sync.sync_did_finish, timeout=30_000):
        gated.gate.set()
    assert panel.sync_summary.text().startswith("Sync finished")
