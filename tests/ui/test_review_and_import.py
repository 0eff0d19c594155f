"""The Review screen, Import CSV, Create in PMS and Verify link, on a real store.

Every test starts from the synced sample practice (tests/ui/sample_practice.py) signed in as the
administrator, adds invented unlinked patients through the services, and then drives the screen
the way the front desk would: click the button, wait for the task runner, check what the store
holds afterwards. Luis Rivera (PMS # 2, born 9/30/1977, mobile (503) 555-0102) is the sample chart
the lookalikes are made after; every other person here is made up for these tests.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QLayout, QPushButton, QWidget

from engage_desktop.domain.pms_write import CreatedChart, PmsWriteError, WriteFailure
from engage_desktop.domain.rights import Right, Role
from engage_desktop.domain.unlinked import UnlinkedInput
from engage_desktop.services.patient_import import Outcome
from engage_desktop.ui.dialogs.create_in_pms_dialog import CreateInPmsDialog
from engage_desktop.ui.dialogs.import_patients_dialog import ImportPatientsDialog, PreviewColumn
from engage_desktop.ui.dialogs.verify_link_dialog import VerifyLinkDialog
from engage_desktop.ui.patients_page import PatientsPage
from engage_desktop.ui.review_page import ReviewPage
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.widgets.rights import missing_right_text

WAIT = 10_000
LUIS_OTHER_MOBILE = "(503) 555-0177"  # Luis Rivera's chart has (503) 555-0102
TWIN_MOBILE = "(971) 555-0148"


# -- helpers ------------------------------------------------------------------------------------------

def add_unlinked(services, first: str, last: str, *, birthdate: str = "", mobile: str = "", email: str = "") -> int:
    """Create an unlinked patient (confirmed past any lookalike warning) and return its id."""
    outcome = services.create_unlinked_patient(
        UnlinkedInput(first_name=first, last_name=last, birthdate=birthdate, mobile=mobile, email=email,
                      location_id="1", contact_preference="text" if mobile else "email"), True)
    assert outcome.patient is not None
    return outcome.patient.id


def add_luis_lookalike(services) -> int:
    """Luis Rivera with his chart's name and birthdate but another mobile: never linked automatically."""
    return add_unlinked(services, "Luis", "Rivera", birthdate="9/30/1977", mobile=LUIS_OTHER_MOBILE)


def chart_id_of(services, text: str) -> int:
    charts = [i for i in services.search_patients(text).ids if i > 0]
    assert len(charts) == 1, charts
    return charts[0]


def unlinked_ids(services, text: str) -> set[int]:
    return {-i for i in services.search_patients(text, "unlinked").ids}


def widgets_in(layout: QLayout) -> list[QWidget]:
    """The widgets directly in a layout and everything inside them."""
    found: list[QWidget] = []
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.widget() is not None:
            found.append(item.widget())
            found.extend(item.widget().findChildren(QWidget))
        elif item.layout() is not None:
            found.extend(widgets_in(item.layout()))
    return found


def buttons(layout: QLayout, text: str) -> list[QPushButton]:
    return [w for w in widgets_in(layout) if isinstance(w, QPushButton) and w.text() == text]


def label_texts(layout: QLayout) -> list[str]:
    return [w.text() for w in widgets_in(layout) if isinstance(w, QLabel)]


def sign_in_as_viewer(services) -> None:
    services.create_user("viewer1", "Val Viewer", "temporary-pass-1", Role.VIEWER)
    services.sign_out()
    services.sign_in("viewer1", "temporary-pass-1")


# -- the Review screen ----------------------------------------------------------------------------------

@pytest.fixture
def review(qtbot, runner, synced_practice):
    """One person to review (Luis's lookalike) and one duplicate pair, proposed by the auto-link job."""
    services = synced_practice.services
    luis_id = add_luis_lookalike(services)
    first = add_unlinked(services, "Talulah", "Quenneville", mobile=TWIN_MOBILE)
    second = add_unlinked(services, "Talulah", "Quenneville", mobile=TWIN_MOBILE, email="talulah.q@example.com")
    report = services.auto_link()
    assert (report.linked, report.to_review, report.new_duplicates) == (0, 1, 1)
    page = ReviewPage(services, runner)
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=WAIT), qtbot.waitSignal(page.counts_changed, timeout=WAIT) as counts:
        page.load()
    assert counts.args == [1, 1]
    return page, services, luis_id, (first, second)


def click_and_reload(qtbot, page: ReviewPage, button: QPushButton) -> None:
    """A decision is saved in the task runner, then the page reloads itself."""
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        button.click()
    assert not page.message.isVisible(), page.message.text()


def test_the_review_tabs_count_what_needs_a_decision(review):
    page, _services, _luis_id, _twins = review
    assert page.allowed
    assert page.tabs.tabText(0) == "Needs review (1)"
    assert page.tabs.tabText(1) == "Possible duplicates (1)"
    review_text = label_texts(page.review_box)
    assert f"born 09/30/1977 · {LUIS_OTHER_MOBILE}" in review_text  # the unlinked person
    assert "Rivera, Luis · PMS # 2" in review_text  # the chart that may be them, with its facts and reasons
    assert "born 09/30/1977 · (503) 555-0102 · luis.rivera@example.com" in review_text
    assert "Matches: exact birthdate, same first name, same last name" in review_text
    assert "Differs: different phone" in review_text
    assert len(buttons(page.review_box, "Link")) == 1
    duplicate_text = label_texts(page.duplicates_box)
    assert "Matches: same first name, same last name, same phone" in duplicate_text
    assert duplicate_text.count(TWIN_MOBILE) == 2 and "talulah.q@example.com" in duplicate_text
    assert len(buttons(page.duplicates_box, "Merge, keep record 1")) == 1
    assert len(buttons(page.duplicates_box, "Merge, keep record 2")) == 1


def test_link_from_needs_review(qtbot, review):
    page, services, luis_id, _twins = review
    chart_id = chart_id_of(services, "rivera luis")
    (link,) = buttons(page.review_box, "Link")
    click_and_reload(qtbot, page, link)
    assert services.patient_card(chart_id).linked_unlinked_ids == (luis_id,)
    assert luis_id not in unlinked_ids(services, "rivera")
    assert page.tabs.tabText(0) == "Needs review"
    assert not buttons(page.review_box, "Link")
    assert any(t.startswith("Nothing to review") for t in label_texts(page.review_box))
    assert page.tabs.tabText(1) == "Possible duplicates (1)"  # the other queue is untouched


def test_not_this_person_is_never_proposed_again(qtbot, review):
    page, services, luis_id, _twins = review
    (dismiss,) = buttons(page.review_box, "Not this person")
    click_and_reload(qtbot, page, dismiss)
    assert page.tabs.tabText(0) == "Needs review" and not buttons(page.review_box, "Link")
    assert luis_id in unlinked_ids(services, "rivera")  # still unlinked, just not this chart

    services.auto_link()
    assert services.needs_review() == []
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.load()
    assert page.tabs.tabText(0) == "Needs review"


def test_none_of_these_keeps_the_person_unlinked(qtbot, review):
    page, services, luis_id, _twins = review
    (keep,) = buttons(page.review_box, "None of these")
    click_and_reload(qtbot, page, keep)
    assert page.tabs.tabText(0) == "Needs review"
    assert luis_id in unlinked_ids(services, "rivera")
    services.auto_link()
    assert services.needs_review() == []


def test_merge_duplicates_keeps_record_1_with_both_records_details(qtbot, review):
    page, services, _luis_id, (first, second) = review
    assert unlinked_ids(services, "quenneville") == {first, second}
    (merge,) = buttons(page.duplicates_box, "Merge, keep record 1")
    assert "talulah.q@example.com" in merge.toolTip()  # record 1 has no email: it gets record 2's
    click_and_reload(qtbot, page, merge)
    assert unlinked_ids(services, "quenneville") == {first}
    kept = services.patient_card(-first)
    assert "talulah.q@example.com" in " ".join(c.raw for c in kept.contacts)
    assert page.tabs.tabText(1) == "Possible duplicates"
    assert not buttons(page.duplicates_box, "Merge, keep record 1")
    assert page.tabs.tabText(0) == "Needs review (1)"


def test_not_the_same_person_dismisses_the_pair(qtbot, review):
    page, services, _luis_id, (first, second) = review
    (not_same,) = buttons(page.duplicates_box, "Not the same person")
    click_and_reload(qtbot, page, not_same)
    assert page.tabs.tabText(1) == "Possible duplicates"
    assert unlinked_ids(services, "quenneville") == {first, second}  # nobody merged
    services.auto_link()
    assert services.duplicate_pairs() == []


def test_the_review_page_reloads_after_a_link_made_elsewhere(qtbot, review):
    page, services, luis_id, _twins = review
    services.link_patient(luis_id, chart_id_of(services, "rivera luis"))  # e.g. from the Patients screen
    with qtbot.waitSignal(page.loaded, timeout=WAIT), qtbot.waitSignal(page.counts_changed, timeout=WAIT) as counts:
        page._runner.changes_applied.emit(frozenset({"patients"}), None)
    assert counts.args == [0, 1]


def test_run_auto_link_now_links_the_certain_and_queues_the_rest(qtbot, runner, synced_practice):
    services = synced_practice.services
    luis_id = add_luis_lookalike(services)
    # Maria Rivera's chart has this birthdate and email: certain, so linked without asking.
    maria_id = add_unlinked(services, "Maria", "Rivera", birthdate="4/12/1979", email="maria.rivera@example.com")
    page = ReviewPage(services, runner)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.load()
    assert page.tabs.tabText(0) == "Needs review"  # the job has not run yet

    with qtbot.waitSignal(page.loaded, timeout=WAIT):
        page.run_button.click()
    assert page.run_button.isEnabled()
    assert "linked 1 automatically, 1 need review" in page.status.text()
    assert page.tabs.tabText(0) == "Needs review (1)"
    assert services.patient_card(chart_id_of(services, "rivera maria")).linked_unlinked_ids == (maria_id,)
    assert unlinked_ids(services, "rivera") == {luis_id}


def test_without_the_link_right_the_review_page_says_so(qtbot, runner, synced_practice):
    services = synced_practice.services
    add_luis_lookalike(services)
    services.auto_link()
    sign_in_as_viewer(services)
    page = ReviewPage(services, runner)
    qtbot.addWidget(page)
    page.show()
    page.load()  # nothing to load: no task is started
    assert page.allowed is False
    assert not hasattr(page, "tabs")
    assert not page.run_button.isVisible()
    assert any(missing_right_text(Right.LINK_PATIENTS) in w.text() for w in page.findChildren(QLabel))


# -- Import CSV -------------------------------------------------------------------------------------------

CSV_ROWS = (
    "First name;Last name;Birthdate;Mobile;Email",
    "Odalys;Brennan-Voss;05/17/1991;(541) 555-0163;odalys.bv@example.com",  # new
    "Luis;Rivera;09/30/1977;(503) 555-0102;",  # Luis Rivera's chart
    "Wren;Ashdown;;(541) 555-0164;wren.ashdown(at)example",  # invalid email
)


def write_csv(path: Path, lines=CSV_ROWS) -> Path:
    path.write_bytes(codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8") + b"\r\n")
    return path


def open_import_dialog(qtbot, runner, services) -> ImportPatientsDialog:
    dialog = ImportPatientsDialog(services, runner, locations=[(loc.pms_id, loc.name) for loc in services.list_locations()])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def load(qtbot, dialog: ImportPatientsDialog, path: Path):
    with qtbot.waitSignal(dialog.preview_shown, timeout=WAIT) as shown:
        dialog.load_file(path)
    return shown.args[0]


def shown_rows(dialog: ImportPatientsDialog) -> list[tuple[str, str, str]]:
    model = dialog.model
    return [tuple(model.data(model.index(r, c)) for c in (PreviewColumn.LINE, PreviewColumn.NAME, PreviewColumn.OUTCOME))
            for r in range(model.rowCount())]


def test_import_preview_then_import_then_nothing_left(qtbot, runner, synced_practice, tmp_path):
    services = synced_practice.services
    dialog = open_import_dialog(qtbot, runner, services)
    path = write_csv(tmp_path / "patients.csv")
    preview = load(qtbot, dialog, path)
    assert (preview.delimiter, preview.encoding) == (";", "utf-8-sig")
    assert [r.outcome for r in preview.rows] == [Outcome.NEW, Outcome.MATCHES_CHART, Outcome.INVALID]
    assert shown_rows(dialog) == [("2", "Brennan-Voss, Odalys", "New"), ("3", "Rivera, Luis", "Matches a PMS chart"),
                                  ("4", "Ashdown, Wren", "Invalid")]
    assert dialog.model.data(dialog.model.index(1, PreviewColumn.DETAIL)).startswith("PMS # 2:")
    assert "email" in dialog.model.data(dialog.model.index(2, PreviewColumn.DETAIL)).lower()
    assert dialog.summary.text() == "3 rows: 1 new · 1 match someone already known · 1 invalid"

    dialog.filter.setCurrentIndex(dialog.filter.findData(Outcome.INVALID.value))
    assert shown_rows(dialog) == [("4", "Ashdown, Wren", "Invalid")]
    dialog.filter.setCurrentIndex(dialog.filter.findData("matches"))
    assert shown_rows(dialog) == [("3", "Rivera, Luis", "Matches a PMS chart")]
    dialog.filter.setCurrentIndex(dialog.filter.findData("all"))
    assert dialog.model.rowCount() == 3

    assert dialog.include_matches.isVisible() and not dialog.include_matches.isChecked()
    assert dialog.import_button.isEnabled() and dialog.import_button.text() == "Import 1 patient"
    dialog.include_matches.setChecked(True)
    assert dialog.import_button.text() == "Import 2 patients"

    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as imported:
        dialog.import_button.click()
    assert imported.args == [2]
    assert not dialog.import_button.isEnabled() and dialog.cancel_button.text() == "Done"
    assert len(unlinked_ids(services, "brennan-voss")) == 1
    assert len(unlinked_ids(services, "rivera luis")) == 1

    again = load(qtbot, dialog, path)  # the same file again creates nobody
    assert [r.outcome for r in again.rows] == [Outcome.ALREADY_IMPORTED, Outcome.ALREADY_IMPORTED, Outcome.INVALID]
    assert not dialog.import_button.isEnabled() and dialog.import_button.text() == "Import"
    assert not dialog.include_matches.isVisible()
    assert "2 already imported or repeated" in dialog.summary.text()


def test_import_without_the_matches_creates_only_the_new_person(qtbot, runner, synced_practice, tmp_path):
    services = synced_practice.services
    dialog = open_import_dialog(qtbot, runner, services)
    load(qtbot, dialog, write_csv(tmp_path / "patients.csv"))
    with qtbot.waitSignal(dialog.imported, timeout=WAIT) as imported:
        dialog.import_button.click()
    assert imported.args == [1]
    assert len(unlinked_ids(services, "brennan-voss")) == 1
    assert unlinked_ids(services, "rivera luis") == set()


def test_after_an_import_the_button_does_not_count_imported_rows_again(qtbot, runner, synced_practice, tmp_path):
    dialog = open_import_dialog(qtbot, runner, synced_practice.services)
    load(qtbot, dialog, write_csv(tmp_path / "patients.csv"))
    with qtbot.waitSignal(dialog.imported, timeout=WAIT):
        dialog.import_button.click()  # the new person only
    dialog.include_matches.setChecked(True)
    # Only Luis's row is left to create: the button may offer that one, or nothing; never both rows.
    assert dialog.import_button.text() in ("Import", "Import 1 patient")


def test_the_message_after_importing_one_patient_is_singular(qtbot, runner, synced_practice, tmp_path):
    dialog = open_import_dialog(qtbot, runner, synced_practice.services)
    load(qtbot, dialog, write_csv(tmp_path / "patients.csv"))
    with qtbot.waitSignal(dialog.imported, timeout=WAIT):
        dialog.import_button.click()
    assert dialog.message.text().startswith("Imported 1 patient. ")


def test_the_template_starts_with_a_byte_order_mark(qtbot, runner, synced_practice, tmp_path):
    dialog = open_import_dialog(qtbot, runner, synced_practice.services)
    target = tmp_path / "t.csv"
    dialog.write_template(target)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT)
    assert "Template saved as t.csv" in dialog.message.text()
    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data[len(codecs.BOM_UTF8):].decode("utf-8").startswith("First name,Last name")


def test_a_file_without_name_columns_is_refused(qtbot, runner, synced_practice, tmp_path):
    dialog = open_import_dialog(qtbot, runner, synced_practice.services)
    path = write_csv(tmp_path / "phones.csv", ("Mobile;Email", "(541) 555-0165;someone@example.com"))
    dialog.load_file(path)
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT)
    assert "no First name and Last name columns" in dialog.message.text()
    assert dialog.model.rowCount() == 0
    assert dialog.summary.text() == ""
    assert not dialog.import_button.isEnabled()
    assert not dialog.include_matches.isVisible()


# -- Create in PMS ---------------------------------------------------------------------------------------

def open_pms_dialog(qtbot, runner, services, unlinked_id: int) -> CreateInPmsDialog:
    dialog = CreateInPmsDialog(services, runner, unlinked_id=unlinked_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load()
    qtbot.waitUntil(lambda: dialog.go_button.isEnabled(), timeout=WAIT)
    return dialog


class FakeCreator:
    """Stands in for the Open Dental API: returns the next answer (a chart, or an error to raise)."""

    def __init__(self, *answers) -> None:
        self.answers = list(answers)
        self.drafts = []

    def create_patient(self, draft):
        self.drafts.append(draft)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_hand_off_card_copy_and_mark_handed_off(qtbot, runner, synced_practice):
    services = synced_practice.services
    assert services.create_in_pms_mode() == "handoff"
    unlinked_id = add_luis_lookalike(services)
    dialog = open_pms_dialog(qtbot, runner, services, unlinked_id)
    assert dialog.mode == "handoff" and dialog.go_button.text() == "I have entered it"
    assert "enter these details yourself" in dialog.intro.text()
    values = label_texts(dialog.grid)
    for expected in ("Last name", "Rivera", "First name", "Luis", "Birthdate", "09/30/1977", LUIS_OTHER_MOBILE,
                     "Main Street"):
        assert expected in values

    dialog.copy()
    clipboard = QGuiApplication.clipboard().text()
    assert clipboard == dialog.card.text
    assert "09/30/1977" in clipboard and LUIS_OTHER_MOBILE in clipboard
    assert dialog.message.text().startswith("Copied")

    with qtbot.waitSignal(dialog.done_with, timeout=WAIT):
        dialog.go()
    assert services.patient_card(-unlinked_id).pms_request == "handoff"
    assert not dialog.isVisible()


def test_create_through_the_api(qtbot, runner, synced_practice):
    services = synced_practice.services
    creator = FakeCreator(CreatedChart(pms_id="9001"))
    services.patient_creator = lambda: creator
    unlinked_id = add_unlinked(services, "Imogen", "Castellanos-Reyes", birthdate="2/11/1988", mobile="(503) 555-0181")
    dialog = open_pms_dialog(qtbot, runner, services, unlinked_id)
    assert dialog.mode == "api" and dialog.go_button.text() == "Create chart"

    dialog.go()
    qtbot.waitUntil(lambda: "9001" in dialog.message.text(), timeout=WAIT)
    assert dialog.message.text().startswith("Created as chart # 9001")
    assert [(d.first_name, d.last_name, d.mobile_e164) for d in creator.drafts] == [
        ("Imogen", "Castellanos-Reyes", "+15035550181")]
    assert services.patient_card(-unlinked_id).pending_pms_id == "9001"
    assert dialog.go_button.isHidden() and dialog.close_button.text() == "Done"
    with qtbot.waitSignal(dialog.done_with, timeout=WAIT):
        dialog.close_button.click()


def test_an_unanswered_create_needs_create_anyway(qtbot, runner, synced_practice):
    services = synced_practice.services
    creator = FakeCreator(PmsWriteError(WriteFailure.UNKNOWN_OUTCOME, "Open Dental did not answer in time."),
                          CreatedChart(pms_id="9002"))
    services.patient_creator = lambda: creator
    unlinked_id = add_unlinked(services, "Imogen", "Castellanos-Reyes", mobile="(503) 555-0181")
    dialog = open_pms_dialog(qtbot, runner, services, unlinked_id)

    dialog.go()
    qtbot.waitUntil(lambda: dialog.go_button.isEnabled(), timeout=WAIT)
    assert dialog.message.text() == "Open Dental did not answer in time."
    assert dialog.go_button.text() == "Try again"

    dialog.go()  # not sent again: staff must look in the PMS first
    qtbot.waitUntil(lambda: dialog.go_button.text() == "Create anyway", timeout=WAIT)
    assert dialog.go_button.isEnabled()
    assert "may already have been created" in dialog.message.text()
    assert len(creator.drafts) == 1

    dialog.go()  # checked, not there: send it
    qtbot.waitUntil(lambda: "9002" in dialog.message.text(), timeout=WAIT)
    assert len(creator.drafts) == 2
    assert services.patient_card(-unlinked_id).pending_pms_id == "9002"


# -- Verify link -----------------------------------------------------------------------------------------

@pytest.fixture
def linked_luis(synced_practice):
    services = synced_practice.services
    unlinked_id = add_luis_lookalike(services)
    chart_id = chart_id_of(services, "rivera luis")
    services.link_patient(unlinked_id, chart_id)
    return services, unlinked_id, chart_id


def open_verify_dialog(qtbot, runner, services, unlinked_id: int) -> VerifyLinkDialog:
    dialog = VerifyLinkDialog(services, runner, unlinked_id=unlinked_id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.load()
    qtbot.waitUntil(lambda: dialog.confirm_button.isEnabled(), timeout=WAIT)
    return dialog


def test_verify_shows_what_differs_and_confirms(qtbot, runner, linked_luis):
    services, unlinked_id, chart_id = linked_luis
    assert services.patient_card(chart_id).link_verified_by == ""
    dialog = open_verify_dialog(qtbot, runner, services, unlinked_id)
    intro = dialog.intro.text()
    assert intro.startswith("Linked to PMS chart # 2.")
    # Only the phone differs (the row is "Mobile" or "Phone" depending on the chart's numbers).
    differing = [f.label for f in dialog.comparison.fields if f.agrees is False]
    assert len(differing) == 1 and differing[0] in ("Mobile", "Phone")
    assert f"These differ: {differing[0].lower()}." in intro
    values = label_texts(dialog.grid)
    assert LUIS_OTHER_MOBILE in values and "(503) 555-0102" in values
    assert "09/30/1977" in values

    with qtbot.waitSignal(dialog.confirmed, timeout=WAIT):
        dialog.confirm_button.click()
    assert services.patient_card(chart_id).link_verified_by == "admin"


def test_verify_hands_relink_and_unlink_back_with_the_id(qtbot, runner, linked_luis):
    services, unlinked_id, _chart_id = linked_luis
    dialog = open_verify_dialog(qtbot, runner, services, unlinked_id)
    with qtbot.waitSignal(dialog.relink_requested, timeout=WAIT) as relink:
        dialog.relink_button.click()
    assert relink.args == [unlinked_id]
    assert not dialog.isVisible()

    dialog = open_verify_dialog(qtbot, runner, services, unlinked_id)
    with qtbot.waitSignal(dialog.unlink_requested, timeout=WAIT) as unlink:
        dialog.unlink_button.click()
    assert unlink.args == [unlinked_id]


# -- the Patients screen's buttons -------------------------------------------------------------------------

def open_page(qtbot, runner, services) -> PatientsPage:
    page = PatientsPage(search_patients=services.search_patients, patient_rows=services.patient_rows,
                        patient_card=services.patient_card, runner=runner,
                        sync=SyncController(services.sync_pms, runner), services=services)
    qtbot.addWidget(page)
    page.resize(1300, 850)
    page.show()
    with qtbot.waitSignal(page.result_applied, timeout=WAIT):
        page.search_now()
    return page


def show_card(qtbot, page: PatientsPage, list_id: int):
    with qtbot.waitSignal(page.card_shown, timeout=WAIT) as shown:
        page.open_card(list_id)
    return shown.args[0]


def test_patients_page_offers_import_create_in_pms_and_verify(qtbot, runner, synced_practice):
    services = synced_practice.services
    unlinked_id = add_luis_lookalike(services)
    page = open_page(qtbot, runner, services)
    assert page.import_button.isVisible() and page.import_button.isEnabled()
    page.import_button.click()
    qtbot.waitUntil(lambda: page.import_dialog is not None and page.import_dialog.isVisible(), timeout=WAIT)
    assert page.import_dialog.location.count() == 2
    page.import_dialog.reject()

    card = show_card(qtbot, page, -unlinked_id)
    assert not card.is_linked
    assert page.card.create_in_pms_button.isVisible() and page.card.create_in_pms_button.isEnabled()
    page.card.create_in_pms_button.click()
    qtbot.waitUntil(lambda: page.pms_dialog is not None and page.pms_dialog.go_button.isEnabled(), timeout=WAIT)
    with qtbot.waitSignal(page.card_shown, timeout=WAIT) as shown:  # handed off: the card shows it
        page.pms_dialog.go_button.click()
    assert shown.args[0].id == -unlinked_id and shown.args[0].pms_request == "handoff"

    chart_id = chart_id_of(services, "rivera luis")
    services.link_patient(unlinked_id, chart_id)
    card = show_card(qtbot, page, chart_id)
    assert card.linked_unlinked_ids == (unlinked_id,)
    assert page.card.verify_button.isVisible() and page.card.verify_button.isEnabled()
    page.card.verify_button.click()
    qtbot.waitUntil(lambda: page.verify_dialog is not None and page.verify_dialog.confirm_button.isEnabled(),
                    timeout=WAIT)
    with qtbot.waitSignal(page.card_shown, timeout=WAIT) as shown:
        page.verify_dialog.confirm_button.click()
    assert shown.args[0].id == chart_id and shown.args[0].link_verified_by == "admin"
