"""The Patients screen on a real store: search as you type, the card, the empty state."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton

from engage_desktop.domain.views import SearchResult
from engage_desktop.ui.models.patient_table_model import Column
from engage_desktop.ui.patients_page import PatientsPage
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.views.patients_view import EMPTY_TEXT, EMPTY_TITLE, SEARCH_PLACEHOLDER, SYNCING_TITLE


def make_page(qtbot, runner, services, **overrides) -> PatientsPage:
    calls = dict(search_patients=services.search_patients, patient_rows=services.patient_rows,
                 patient_card=services.patient_card)
    calls.update(overrides)
    page = PatientsPage(runner=runner, sync=SyncController(services.sync_pms, runner), **calls)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    return page


def start(qtbot, page: PatientsPage) -> SearchResult:
    with qtbot.waitSignal(page.result_applied, timeout=10_000) as blocker:
        page.search_now()
    return blocker.args[0]


def shown_names(qtbot, page: PatientsPage) -> list[str]:
    model = page.model
    for r in range(model.rowCount()):
        model.data(model.index(r, 0))  # what painting the rows does: ask for their pages
    qtbot.waitUntil(lambda: all(model.is_loaded(r) for r in range(model.rowCount())), timeout=10_000)
    return [model.data(model.index(r, Column.NAME)) for r in range(model.rowCount())]


@pytest.fixture
def page(qtbot, runner, synced_practice):
    p = make_page(qtbot, runner, synced_practice.services)
    start(qtbot, p)
    return p


def test_lists_every_patient_in_name_order_with_the_count(qtbot, page, synced_practice):
    total = synced_practice.services.search_patients("").total
    assert total == 64
    assert page.count_label.text() == "64 patients"
    assert page.search_box.placeholderText() == SEARCH_PLACEHOLDER
    names = shown_names(qtbot, page)
    assert names == sorted(names, key=str.casefold) and len(names) == 64
    assert page.stack.currentWidget() is page.table


def test_typing_in_the_search_box_shows_the_matching_patients(qtbot, page):
    with qtbot.waitSignal(page.result_applied, timeout=10_000, check_params_cb=lambda r: r.query == "rivera"):
        qtbot.keyClicks(page.search_box, "rivera")
    assert shown_names(qtbot, page) == ["Rivera, Luis", "Rivera, Maria", "Rivera, Mateo", "Rivera, Sofia (Sofi)"]
    assert page.count_label.text() == "4 patients"
    assert page.model.data(page.model.index(1, Column.CHART)) == "RIV1001"


def test_typing_fast_runs_one_search_after_a_short_pause(qtbot, runner, synced_practice):
    searched = []

    def search(text):
        searched.append(text)
        return synced_practice.services.search_patients(text)

    page = make_page(qtbot, runner, synced_practice.services, search_patients=search)
    with qtbot.waitSignal(page.result_applied, timeout=10_000):
        qtbot.keyClicks(page.search_box, "rivera maria")
    assert searched == ["rivera maria"]
    assert shown_names(qtbot, page) == ["Rivera, Maria"]


def test_no_match_and_capped_results_say_so(qtbot, runner, synced_practice):
    page = make_page(qtbot, runner, synced_practice.services)
    page.search_box.setText("zzzz")
    assert start(qtbot, page).total == 0
    assert page.count_label.text() == "No patients match"
    assert page.stack.currentWidget() is page.table  # not the "set up the PMS" message

    capped = SearchResult(ids=tuple(range(1, 5001)), total=12_345, query="a")
    page = make_page(qtbot, runner, synced_practice.services, search_patients=lambda text: capped)
    start(qtbot, page)
    assert page.count_label.text() == "5,000 of 12,345 shown — keep typing"


def test_a_slow_earlier_search_never_overwrites_a_later_one(qtbot, runner, synced_practice):
    started, release = threading.Event(), threading.Event()

    def search(text):
        if text == "slow":
            started.set()
            release.wait(10)
        return synced_practice.services.search_patients(text)

    page = make_page(qtbot, runner, synced_practice.services, search_patients=search)
    applied = []
    page.result_applied.connect(lambda r: applied.append(r.query))
    page.search_box.setText("slow")
    page.search_now()
    qtbot.waitUntil(started.is_set)  # the slow search is running on the database thread
    page.search_box.setText("rivera")
    page.search_now()
    release.set()
    qtbot.waitUntil(lambda: applied == ["rivera"], timeout=10_000)
    with qtbot.waitSignal(runner._finished, timeout=5000):
        runner.run(lambda: None)  # anything the slow search delivered has been handled by now
    assert applied == ["rivera"]
    assert len(shown_names(qtbot, page)) == 4


def test_selecting_a_patient_shows_their_card(qtbot, page):
    page.search_box.setText("rivera maria")
    start(qtbot, page)
    with qtbot.waitSignal(page.card_shown, timeout=10_000) as blocker:
        page.table.selectRow(0)
    card = blocker.args[0]
    assert card.name == "Rivera, Maria"
    text = page.card.visible_text()
    for expected in ("Rivera, Maria", "Patient", "Chart # RIV1001", "(201) 555-0101", "invalid number",
                     "maria.rivera@example.com", "Text message", "Opted out" if card.sms_opt_out else "No",
                     "This patient is the guarantor.", "Rivera, Luis", "Rivera, Sofia (Sofi)", "Rivera, Mateo",
                     "Upcoming", "Scheduled", "Recent", "Complete", "Broken", "Prophy", "overdue", "Perio",
                     "D2740", "$1,185.00", "Not scheduled", "Harper Lane (HYG1)"):
        assert expected in text, expected
    overdue = [w for w in page.card.widget().findChildren(QLabel) if "overdue" in w.text()]
    assert overdue and overdue[0].property("role") == "danger"
    invalid = [w for w in page.card.widget().findChildren(QLabel) if w.text() == "invalid number"]
    assert invalid[0].property("role") == "danger"
    assert text.index("Upcoming") < text.index("Recent")  # future appointments first


def test_clicking_a_family_member_opens_their_card(qtbot, page):
    page.search_box.setText("rivera maria")
    start(qtbot, page)
    with qtbot.waitSignal(page.card_shown, timeout=10_000):
        page.table.selectRow(0)
    link = next(b for b in page.card.widget().findChildren(QPushButton) if b.text() == "Rivera, Luis")
    with qtbot.waitSignal(page.card_shown, timeout=10_000) as blocker:
        qtbot.mouseClick(link, Qt.MouseButton.LeftButton)
    assert blocker.args[0].name == "Rivera, Luis"
    text = page.card.visible_text()
    assert "★ Guarantor" in text and "Rivera, Maria" in text
    assert "Opted out" in text  # Luis opted out of texts


def test_empty_store_invites_setup_and_syncs_from_the_list(qtbot, runner, practice):
    page = make_page(qtbot, runner, practice.services)
    start(qtbot, page)
    assert page.stack.currentWidget() is page.empty_state
    assert (page.empty_title.text(), page.empty_text.text()) == (EMPTY_TITLE, EMPTY_TEXT)
    assert not page.card.isVisible()
    with qtbot.waitSignal(page.settings_requested, timeout=1000):
        page.open_settings_button.click()
    with qtbot.waitSignal(page.result_applied, timeout=30_000,
                          check_params_cb=lambda r: r.total > 0):  # the sync's changes refresh the list
        page.sync_now_button.click()
        assert page.empty_progress.isVisible() and page.empty_title.text() == SYNCING_TITLE
        assert not page.sync_now_button.isVisible()  # no second sync while one runs
    assert page.stack.currentWidget() is page.table and page.card.isVisible()
    assert page.count_label.text() == "64 patients"


def test_down_arrow_moves_from_the_search_box_to_the_first_patient(qtbot, page):
    page.search_box.setFocus()
    with qtbot.waitSignal(page.card_shown, timeout=10_000) as blocker:
        qtbot.keyClick(page.search_box, Qt.Key.Key_Down)
    assert page.table.currentIndex().row() == 0
    assert blocker.args[0].id == page.model.patient_id(0)
