"""The Audit log screen on a real store: filters, CSV export, the integrity check, the right it
needs, and its table model."""

from __future__ import annotations

import csv
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import insert

from engage_desktop.domain.audit import AuditEntry
from engage_desktop.domain.rights import Role
from engage_desktop.services.audit import MAX_ROWS, AuditFilter, AuditRow
from engage_desktop.store.models import AuditRecord
from engage_desktop.ui import audit_page
from engage_desktop.ui.audit_page import AuditLogPage
from engage_desktop.ui.formatting import format_timestamp
from engage_desktop.ui.models.audit_table_model import AuditTableModel, Column, RowRole
from engage_desktop.ui.views.audit_view import EMPTY_TITLE, PATIENT_PLACEHOLDER
from tests.ui.conftest import ADMIN_PASSWORD

WAIT = 10_000
MARIA_PASSWORD = "temporary-pass-1"


def make_page(qtbot, runner, services) -> AuditLogPage:
    page = AuditLogPage(services, runner)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    return page


def open_page(qtbot, runner, services) -> AuditLogPage:
    page = make_page(qtbot, runner, services)
    with qtbot.waitSignals([page.choices_did_load, page.result_applied], timeout=WAIT):
        page.load()
    return page


def shown(page: AuditLogPage) -> list[AuditRow]:
    model = page.model
    return [model.data(model.index(r, 0), RowRole) for r in range(model.rowCount())]


def pick(qtbot, page: AuditLogPage, combo, data: str) -> list[AuditRow]:
    """Choose an entry of a filter combo; the page searches by itself after a short pause."""
    index = combo.findData(data)
    assert index >= 0, f"{data!r} is not offered"
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        combo.setCurrentIndex(index)
    return shown(page)


def add_maria(services) -> None:
    """A front-desk user who signs in and out once; the admin is signed in again afterwards."""
    services.create_user("maria", "Maria Front", MARIA_PASSWORD, Role.FRONT_DESK)
    services.sign_out()
    services.sign_in("maria", MARIA_PASSWORD)
    services.sign_out()
    services.sign_in("admin", ADMIN_PASSWORD)


def append_old_record(practice, days_ago: int) -> int:
    with practice.container.uow_factory() as uow:
        record_id = uow.audit.append(AuditEntry(at=datetime.now(UTC) - timedelta(days=days_ago), username="admin",
                                                workstation="OLD-PC", action="settings.change"))
        uow.commit()
    return record_id


def test_shows_the_log_newest_first_with_the_filter_choices(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice.services)
    # make_practice created the administrator, then saved the PMS connection.
    assert [(r.entry.username, r.entry.action) for r in shown(page)] == [
        ("admin", "settings.change"), ("admin", "user.create")]
    assert page.count_label.text() == "2 records"
    assert page.stack.currentWidget() is page.table
    model = page.model
    assert model.data(model.index(0, Column.ACTION)) == "Settings changed"
    assert model.data(model.index(0, Column.WORKSTATION)) == "FRONT-DESK-1"
    assert "host: pms-server" in model.data(model.index(0, Column.DETAILS))
    assert [page.user_combo.itemText(i) for i in range(page.user_combo.count())] == ["All users", "admin"]
    actions = [page.action_combo.itemData(i) for i in range(page.action_combo.count())]
    assert actions == ["", "user.", "user.create", "patient.", "settings.", "settings.change", "audit."]
    assert page.action_combo.itemText(2) == "User created"
    assert page.patient_box.placeholderText() == PATIENT_PLACEHOLDER
    today = QDate.currentDate()
    assert (page.from_date.date(), page.to_date.date()) == (today.addDays(-30), today)
    assert page.from_date.calendarPopup() and page.to_date.calendarPopup()


def test_filtering_by_user_shows_only_their_records(qtbot, runner, practice):
    add_maria(practice.services)
    page = open_page(qtbot, runner, practice.services)
    assert page.user_combo.findData("maria") >= 0

    rows = pick(qtbot, page, page.user_combo, "maria")
    assert [r.entry.action for r in rows] == ["user.sign_out", "user.sign_in"]
    assert page.count_label.text() == "2 records"

    rows = pick(qtbot, page, page.user_combo, "admin")
    assert rows and {r.entry.username for r in rows} == {"admin"}
    assert "user.create" in {r.entry.action for r in rows}


def test_filtering_by_a_category_or_a_single_action(qtbot, runner, practice):
    add_maria(practice.services)
    page = open_page(qtbot, runner, practice.services)

    rows = pick(qtbot, page, page.action_combo, "user.")
    assert {r.entry.action for r in rows} == {"user.create", "user.sign_in", "user.sign_out"}
    assert not any(r.entry.action == "settings.change" for r in rows)

    rows = pick(qtbot, page, page.action_combo, "user.sign_in")
    assert [r.entry.username for r in rows] == ["admin", "maria"]  # admin signed in again last

    rows = pick(qtbot, page, page.action_combo, "settings.")
    assert [r.entry.action for r in rows] == ["settings.change"]


def test_filtering_by_patient_shows_who_opened_that_card(qtbot, runner, synced_practice):
    services = synced_practice.services
    first, second = services.search_patients("").ids[:2]
    viewed = services.patient_card(first)
    services.patient_card(second)
    services.patient_card(first)
    page = open_page(qtbot, runner, services)
    assert [r.entry.action for r in shown(page)].count("patient.view") == 3

    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        qtbot.keyClicks(page.patient_box, viewed.pms_id)  # the bare PMS number
    rows = shown(page)
    assert len(rows) == 2
    assert {(r.entry.action, r.entry.patient_ref) for r in rows} == {("patient.view", f"pms:{viewed.pms_id}")}
    assert page.model.data(page.model.index(0, Column.PATIENT)) == f"pms:{viewed.pms_id}"

    page.patient_box.setText(f"pms:{viewed.pms_id}")
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.patient_box.returnPressed.emit()  # Enter searches at once
    assert [r.id for r in shown(page)] == [r.id for r in rows]


def test_the_date_range_defaults_to_the_last_30_days_and_can_be_widened(qtbot, runner, practice):
    old = append_old_record(practice, days_ago=45)
    page = open_page(qtbot, runner, practice.services)
    assert old not in [r.id for r in shown(page)]
    assert len(shown(page)) == 2

    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.from_date.setDate(QDate.currentDate().addDays(-60))
    assert old in [r.id for r in shown(page)] and len(shown(page)) == 3

    yesterday = QDate.currentDate().addDays(-1)
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.from_date.setDate(yesterday)
        page.to_date.setDate(yesterday)
    assert shown(page) == []
    assert page.stack.currentWidget() is page.empty_state
    assert page.empty_title.text() == EMPTY_TITLE
    assert page.count_label.text() == "0 records"

    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.clear_button.click()
    assert len(shown(page)) == 2 and page.stack.currentWidget() is page.table


def test_dates_picked_the_wrong_way_round_mean_the_days_between(qtbot, runner, practice):
    page = make_page(qtbot, runner, practice.services)
    page.from_date.setDate(QDate(2026, 11, 20))
    page.to_date.setDate(QDate(2026, 11, 10))
    query = page.current_filter()
    assert (query.since, query.until) == (date(2026, 11, 10), date(2026, 11, 20))


def test_export_writes_the_filtered_records_to_the_chosen_file(qtbot, runner, practice, tmp_path, monkeypatch):
    add_maria(practice.services)
    page = open_page(qtbot, runner, practice.services)
    expected = pick(qtbot, page, page.action_combo, "user.")
    asked = []

    def save_dialog(parent, caption, suggested, filters):
        asked.append(suggested)
        return str(tmp_path / "for-the-auditor"), filters.split(";;")[0]  # typed without ".csv"

    monkeypatch.setattr(audit_page.QFileDialog, "getSaveFileName", save_dialog)
    written = []
    page.export_did_finish.connect(written.append)
    with qtbot.waitSignals([page.export_did_finish, page.choices_did_load, page.result_applied], timeout=WAIT):
        page.export_button.click()  # then the page reloads: the export is a record too

    assert asked[0].endswith(f"audit-log-{date.today().isoformat()}.csv")
    path = tmp_path / "for-the-auditor.csv"
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert written == [len(expected)] and len(rows) == len(expected) == 6  # 2 created, 2 sign-ins, 2 sign-outs
    assert [int(r["id"]) for r in rows] == [r.id for r in expected]
    assert all(r["action_code"].startswith("user.") for r in rows)
    assert page.export_status.text() == "Exported 6 records to for-the-auditor.csv"
    assert page.export_button.isEnabled()

    # The export is itself in the log, with what it took.
    assert page.action_combo.findData("audit.export") >= 0
    rows = pick(qtbot, page, page.action_combo, "audit.")
    assert [r.entry.action for r in rows] == ["audit.export"]
    assert rows[0].entry.details["rows"] == 6 and rows[0].entry.details["filter"]["action"] == "user."


def test_cancelling_the_save_dialog_exports_nothing(qtbot, runner, practice, monkeypatch):
    page = open_page(qtbot, runner, practice.services)
    monkeypatch.setattr(audit_page.QFileDialog, "getSaveFileName", lambda *args: ("", ""))
    page.export_button.click()
    qtbot.wait(100)
    assert page.export_status.text() == ""
    assert practice.services.search_audit(AuditFilter(action="audit.export")) == []


def test_an_export_that_cannot_be_written_says_so(qtbot, runner, practice, tmp_path, monkeypatch):
    page = open_page(qtbot, runner, practice.services)
    target = tmp_path / "no-such-folder" / "audit.csv"
    monkeypatch.setattr(audit_page.QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))
    page.export_button.click()
    qtbot.waitUntil(lambda: "Could not write the file" in page.export_status.text(), timeout=WAIT)
    assert page.export_status.property("role") == "danger" and page.export_button.isEnabled()
    assert not target.exists()


def test_check_integrity_reports_a_sound_chain_then_the_record_edited_behind_its_back(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice.services)
    assert not page.integrity.isVisible()
    with qtbot.waitSignal(page.check_did_finish, timeout=WAIT):
        page.check_button.click()
    assert page.integrity.isVisible() and page.integrity.property("role") == "success"
    assert page.integrity.text().startswith("All 2 records chain correctly")

    with practice.container.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET workstation = 'X' WHERE id = 2")
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.search_now()
    with qtbot.waitSignal(page.check_did_finish, timeout=WAIT) as done:
        page.check_button.click()
    assert done.args[0].first_broken_id == 2
    assert page.integrity.property("role") == "danger"
    assert page.integrity.text() == ("Record #2 was edited, inserted or deleted — the chain breaks there. "
                                     "Keep this computer as it is and contact support.")
    selected = page.table.selectionModel().selectedRows()
    assert [page.model.data(i, RowRole).id for i in selected] == [2]  # the table points at it
    assert page.check_button.isEnabled() and page.check_button.text() == "Check integrity"


def test_a_user_without_the_right_sees_a_notice_and_no_records(qtbot, runner, practice):
    add_maria(practice.services)
    practice.services.sign_out()
    practice.services.sign_in("maria", MARIA_PASSWORD)
    page = make_page(qtbot, runner, practice.services)
    page.load()  # does nothing: there is nothing this user may load
    qtbot.wait(100)
    assert not page.allowed
    assert page.notice.isVisible() and "“View audit log” right" in page.notice.text()
    assert page.table is None and page.findChildren(QTableView) == []
    assert not hasattr(page, "export_button") and not hasattr(page, "check_button")


# -- the table model ---------------------------------------------------------------------------------
def audit_row(record_id: int, action: str = "patient.view", details=None, patient_ref: str = "pms:42") -> AuditRow:
    return AuditRow(record_id, AuditEntry(at=datetime(2026, 11, 22, 13, 41, tzinfo=UTC), username="maria",
                                          workstation="FRONT-DESK-1", action=action, patient_ref=patient_ref,
                                          details=details))


def test_model_passes_qt_checks_empty_and_filled(qtmodeltester):
    model = AuditTableModel()
    qtmodeltester.check(model)
    model.set_rows([audit_row(i, details={"after": {"x": i}}) for i in range(1, 40)])
    qtmodeltester.check(model)
    assert model.rowCount() == 39 and model.columnCount() == len(Column)
    assert model.row_of(7) == 6 and model.row_of(99) is None


def test_model_cells_tooltips_and_colours(qtapp_local_time):
    model = AuditTableModel()
    details = {"before": {"practice.name": "Old"}, "after": {"practice.name": "<b>Smile</b> & Co"}}
    model.set_rows([audit_row(5, "settings.change", details, patient_ref=""), audit_row(4, "user.sign_in_failed",
                                                                                          {"reason": "wrong password"})])
    cell = lambda row, col, role=Qt.ItemDataRole.DisplayRole: model.data(model.index(row, col), role)  # noqa: E731
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in Column] == [
        "When", "User", "Workstation", "Action", "Patient", "Details"]
    assert cell(0, Column.WHEN) == "Nov 22, 2026 7:41 AM"  # 13:41 UTC in Chicago
    assert cell(0, Column.ACTION) == "Settings changed"
    assert cell(0, Column.DETAILS) == "practice.name: Old → <b>Smile</b> & Co"
    tooltip = cell(0, Column.DETAILS, Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;Smile&lt;/b&gt; &amp; Co" in tooltip and "<b>" not in tooltip  # shown as typed
    assert cell(0, Column.WHEN, Qt.ItemDataRole.ToolTipRole).startswith("Record #5 · 2026-11-22 07:41:00")
    assert cell(1, Column.ACTION) == "Sign-in failed" and cell(1, Column.DETAILS) == "wrong password"
    assert cell(1, Column.ACTION, Qt.ItemDataRole.ForegroundRole) is not None  # failures stand out
    assert cell(0, Column.ACTION, Qt.ItemDataRole.ForegroundRole) is None


@pytest.fixture
def qtapp_local_time(qapp, monkeypatch):
    """This computer in Chicago (UTC-6 in November), so local times are known."""
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset (POSIX)")
    monkeypatch.setenv("TZ", "America/Chicago")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_timestamps_read_naturally_in_each_region(qtapp_local_time):
    assert format_timestamp(datetime(2026, 11, 22, 13, 41, tzinfo=UTC)) == "Nov 22, 2026 7:41 AM"
    assert format_timestamp(datetime(2026, 11, 22, 18, 5, tzinfo=UTC)) == "Nov 22, 2026 12:05 PM"
    assert format_timestamp(datetime(2026, 11, 23, 6, 5, tzinfo=UTC)) == "Nov 23, 2026 12:05 AM"
    assert format_timestamp(datetime(2026, 11, 22, 13, 41, tzinfo=UTC), "GB") == "22 Nov 2026 07:41"
    assert format_timestamp(None) == ""


def test_a_default_date_range_moves_on_with_the_calendar_but_a_chosen_one_stays(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice.services)
    today = QDate.currentDate()
    # As if the page had been opened yesterday and the window left open overnight.
    page._defaults_day = today.addDays(-1)
    page.from_date.setDate(today.addDays(-31))
    page.to_date.setDate(today.addDays(-1))
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.load()
    assert (page.from_date.date(), page.to_date.date()) == (today.addDays(-30), today)
    assert len(shown(page)) == 2  # today's records are back in range

    chosen = (QDate(2026, 1, 1), QDate(2026, 1, 31))
    page.from_date.setDate(chosen[0])
    page.to_date.setDate(chosen[1])
    page._defaults_day = today.addDays(-1)
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.load()
    assert (page.from_date.date(), page.to_date.date()) == chosen


def test_a_search_capped_at_the_limit_says_so(qtbot, runner, practice):
    with practice.container.engine.begin() as conn:  # bulk rows: the chain does not matter here
        conn.execute(insert(AuditRecord), [
            {"at": datetime.now(UTC), "user_id": None, "username": "maria", "workstation": "FRONT-DESK-1",
             "action": "patient.view", "entity_type": "patient", "entity_id": str(i), "patient_ref": f"pms:{i}",
             "details": "{}", "prev_hash": "", "hash": ""} for i in range(MAX_ROWS)])
    page = open_page(qtbot, runner, practice.services)
    assert page.model.rowCount() == MAX_ROWS
    assert page.count_label.text() == "Showing the newest 5,000 — narrow the filter to see older records"
    pick(qtbot, page, page.action_combo, "settings.")
    assert page.count_label.text() == "1 record"
