"""Create an unlinked patient, see them in the list with the broken-link icon, link them to their
chart from the card, and unlink again: the whole front-desk path on a real store."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QRadioButton

from engage_desktop.domain.rights import Right, Role
from engage_desktop.ui.models.patient_table_model import Column, RowRole
from engage_desktop.ui.patients_page import PatientsPage
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.widgets.rights import missing_right_text


def open_page(qtbot, runner, services) -> PatientsPage:
    page = PatientsPage(search_patients=services.search_patients, patient_rows=services.patient_rows,
                        patient_card=services.patient_card, runner=runner,
                        sync=SyncController(services.sync_pms, runner), services=services)
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.show()
    with qtbot.waitSignal(page.result_applied, timeout=10_000):
        page.search_now()
    return page


def search(qtbot, page: PatientsPage, text: str) -> None:
    with qtbot.waitSignal(page.result_applied, timeout=10_000):
        page.search_box.setText(text)
        page.search_now()


def open_create_dialog(qtbot, page):
    page.create_button.click()
    qtbot.waitUntil(lambda: page.create_dialog is not None and page.create_dialog.isVisible(), timeout=10_000)
    return page.create_dialog


def test_create_warn_link_and_unlink_from_the_patients_screen(qtbot, runner, synced_practice):
    page = open_page(qtbot, runner, synced_practice.services)
    dialog = open_create_dialog(qtbot, page)
    dialog.first_name.setText("Luis")
    dialog.last_name.setText("Rivera")
    dialog.mobile.setText("555-01")  # too short: said under the field, nothing created
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: bool(dialog.errors["mobile"].text()), timeout=10_000)
    assert "area code" in dialog.errors["mobile"].text() and dialog.isVisible()

    dialog.mobile.setText("(503) 555-0102")
    dialog.birthdate.setText("9/30/1977")
    dialog.ok_button.click()  # this is Luis Rivera's chart: a warning, not a block
    qtbot.waitUntil(lambda: dialog.warning.isVisible(), timeout=10_000)
    assert dialog.ok_button.text() == "Create anyway"
    warning = " ".join(w.text() for w in dialog.warning.findChildren(type(dialog.message)))
    assert "PMS chart: Rivera, Luis" in warning and "exact birthdate" in warning
    with qtbot.waitSignal(dialog.created, timeout=10_000) as created:
        dialog.ok_button.click()
    list_id = created.args[0]
    assert list_id < 0

    qtbot.waitUntil(lambda: page.card.card is not None and page.card.card.id == list_id, timeout=10_000)
    search(qtbot, page, "rivera luis")
    for r in range(page.model.rowCount()):
        page.model.data(page.model.index(r, 0))  # what painting does: ask for the rows
    qtbot.waitUntil(lambda: all(page.model.is_loaded(r) for r in range(page.model.rowCount())), timeout=10_000)
    rows = [page.model.data(page.model.index(r, 0), RowRole) for r in range(page.model.rowCount())]
    unlinked_row = page.model.row_of(list_id)
    assert unlinked_row is not None and len(rows) == 2
    assert not page.model.data(page.model.index(unlinked_row, Column.NAME), RowRole).is_linked
    decoration = page.model.data(page.model.index(unlinked_row, Column.NAME), Qt.ItemDataRole.DecorationRole)
    assert decoration is not None  # the broken-link icon

    page.card.link_button.click()
    link = page.link_dialog
    qtbot.waitUntil(lambda: link.proposal is not None, timeout=10_000)
    choices = link.findChildren(QRadioButton)
    assert choices and choices[0].text() == "Rivera, Luis"
    assert "same phone" in " ".join(w.text() for w in link.list_widget.findChildren(type(link.message)))
    choices[0].setChecked(True)
    with qtbot.waitSignal(link.linked, timeout=10_000) as linked:
        link.link_button.click()
    chart_id = linked.args[0]
    qtbot.waitUntil(lambda: page.card.card is not None and page.card.card.id == chart_id
                    and bool(page.card.card.linked_unlinked_ids), timeout=10_000)
    qtbot.waitUntil(lambda: page.model.row_of(list_id) is None, timeout=10_000)  # only the chart is listed now

    page.card.unlink_button.click()
    qtbot.waitUntil(lambda: page.model.row_of(list_id) is not None, timeout=10_000)


def test_the_list_can_show_only_unlinked_patients(qtbot, runner, synced_practice):
    page = open_page(qtbot, runner, synced_practice.services)
    dialog = open_create_dialog(qtbot, page)
    dialog.first_name.setText("Noor")
    dialog.last_name.setText("Haddad")
    dialog.email.setText("noor.haddad@example.com")
    dialog.preference.setCurrentIndex(dialog.preference.findData("email"))
    with qtbot.waitSignal(dialog.created, timeout=10_000):
        dialog.ok_button.click()
    with qtbot.waitSignal(page.result_applied, timeout=10_000):
        page.kind_filter.setCurrentIndex(page.kind_filter.findData("unlinked"))
    assert page.model.rowCount() == 1 and page.count_label.text() == "1 patient"


def test_without_the_rights_the_buttons_say_which_right_is_missing(qtbot, runner, synced_practice):
    services = synced_practice.services
    services.create_user("viewer1", "Val Viewer", "temporary-pass-1", Role.VIEWER)
    services.sign_out()
    services.sign_in("viewer1", "temporary-pass-1")
    page = open_page(qtbot, runner, services)
    assert not page.create_button.isEnabled()
    assert page.create_button.toolTip() == missing_right_text(Right.CREATE_UNLINKED)
    assert not page.card.can_link
