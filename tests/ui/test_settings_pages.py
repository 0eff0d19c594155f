"""Settings ▸ Practice, Messaging providers, Quiet hours, Locations: declared fields, field-level
errors that keep what was typed, secrets to the keyring, view-only pages without the right."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage_desktop.domain.rights import Role
from engage_desktop.store.models import AppSetting, AuditRecord
from engage_desktop.ui.settings import PAGES, PageDeps
from engage_desktop.ui.settings.form import SAVED_SECRET
from engage_desktop.ui.settings.locations_page import LocationsPage
from engage_desktop.ui.settings.practice_pages import MessagingPage, PracticePage, QuietHoursPage, SecurityPage
from engage_desktop.ui.settings.settings_view import LockedPage, SettingsView
from engage_desktop.ui.sync_controller import SyncController
from tests.ui.conftest import ADMIN_PASSWORD


def deps_for(practice, runner) -> PageDeps:
    return PageDeps(services=practice.services, runner=runner, sync=SyncController(practice.services.sync_pms, runner))


def open_page(qtbot, runner, practice, page_class):
    page = page_class(deps_for(practice, runner))
    qtbot.addWidget(page)
    page.resize(1000, 900)
    page.show()
    with qtbot.waitSignal(page.page_did_load, timeout=10_000):
        page.load()
    return page


def sign_in_as(practice, role: Role) -> None:
    services = practice.services
    services.create_user(f"u-{role.value}", role.label, "temporary-pass-1", role)
    services.sign_out()
    services.sign_in(f"u-{role.value}", "temporary-pass-1")


def test_every_page_is_registered_once_in_order():
    names = [page.NAME for page in PAGES]
    assert len(names) == len(set(names))
    assert names[:4] == ["practice", "locations", "messaging", "quiet_hours"]
    assert [page.ORDER for page in PAGES] == sorted(page.ORDER for page in PAGES)


def test_wrong_fields_are_marked_nothing_is_saved_and_the_typing_stays(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice, PracticePage)
    form = page.forms[0]
    assert not page.save_button.isEnabled()  # nothing changed yet
    form.editors["practice.name"].setText("Bright Smiles Dental")
    form.editors["practice.phone"].setText("555-01")
    form.editors["practice.address1"].setText("100 Example St")
    assert page.save_status.text() == "Unsaved changes" and page.save_button.isEnabled()
    page.save_button.click()
    qtbot.waitUntil(lambda: "Nothing was saved" in page.save_status.text(), timeout=10_000)
    assert "area code" in form.errors["practice.phone"].text() and form.errors["practice.phone"].isVisible()
    assert "Enter the city." == form.errors["practice.city"].text()
    assert form.editors["practice.phone"].property("invalid") is True
    assert form.editors["practice.name"].text() == "Bright Smiles Dental"  # what was right is kept on screen
    assert practice.services.setting_value("practice.name") == ""  # and nothing reached the database

    form.editors["practice.phone"].setText("(503) 555-0100")
    form.editors["practice.city"].setText("Portland")
    form.editors["practice.state"].setText("OR")
    form.editors["practice.postcode"].setText("97201")
    with qtbot.waitSignal(page.settings_did_save, timeout=10_000):
        page.save_button.click()
    assert page.save_status.text() == "Saved." and not page.save_button.isEnabled()
    assert not form.errors["practice.phone"].isVisible()
    assert practice.services.setting_value("practice.phone") == "+15035550100"
    assert form.editors["practice.phone"].text() == "(503) 555-0100"


def test_the_idle_lock_minutes_take_only_a_number_in_range(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice, SecurityPage)
    minutes = page.forms[0].editors["security.idle_lock_minutes"]
    assert minutes.text() == "10"  # the default
    qtbot.keyClicks(minutes, "x")
    assert minutes.text() == "10"  # letters are not taken
    minutes.setText("0")
    page.save_button.click()
    qtbot.waitUntil(lambda: page.forms[0].errors["security.idle_lock_minutes"].isVisible(), timeout=10_000)
    assert "from 1 to 240" in page.forms[0].errors["security.idle_lock_minutes"].text()
    assert practice.services.setting_value("security.idle_lock_minutes") == 10
    minutes.setText("15")
    with qtbot.waitSignal(page.settings_did_save, timeout=10_000):
        page.save_button.click()
    assert practice.services.setting_value("security.idle_lock_minutes") == 15


def test_help_texts_that_wrap_get_the_height_of_every_line(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice, PracticePage)
    hints = [w for w in page.forms[0].findChildren(type(page.save_status)) if w.property("role") == "small"]
    wrapped = [h for h in hints if h.fontMetrics().horizontalAdvance(h.text()) > h.width()]
    assert wrapped, "the practice page has help texts longer than one line"
    for hint in wrapped:
        assert hint.height() >= 2 * hint.fontMetrics().lineSpacing()  # not squeezed to one line


def test_a_token_goes_to_the_keyring_and_the_field_only_says_one_is_saved(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice, MessagingPage)
    _sending, twilio, smtp = page.forms
    twilio.editors["twilio.account_sid"].setText("AC" + "0123456789abcdef" * 2)
    twilio.editors["twilio.auth_token"].setText("a-very-secret-token")
    smtp.editors["smtp.host"].setText("smtp.example.com")
    with qtbot.waitSignal(page.settings_did_save, timeout=10_000):
        page.save_button.click()
    assert practice.secrets.values["twilio.auth_token"] == "a-very-secret-token"
    assert twilio.editors["twilio.auth_token"].text() == ""
    assert twilio.editors["twilio.auth_token"].placeholderText() == SAVED_SECRET
    with practice.container.engine.connect() as conn:
        everything = " ".join(v for (v,) in conn.execute(select(AppSetting.value))) + " ".join(
            d for (d,) in conn.execute(select(AuditRecord.details)))
    assert "a-very-secret-token" not in everything


def test_quiet_hours_that_end_before_they_start_are_refused(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice, QuietHoursPage)
    form = page.forms[0]
    assert form.editors["quiet_hours.earliest"].text() == "08:00"
    form.editors["quiet_hours.latest"].setText("07:30")
    page.save_button.click()
    qtbot.waitUntil(lambda: form.errors["quiet_hours.latest"].isVisible(), timeout=10_000)
    assert "after the earliest" in form.errors["quiet_hours.latest"].text()
    assert practice.services.setting_value("quiet_hours.latest") == "21:00"


def test_without_manage_settings_the_page_is_view_only_and_says_why(qtbot, runner, practice):
    sign_in_as(practice, Role.FRONT_DESK)
    page = open_page(qtbot, runner, practice, QuietHoursPage)
    assert not page.forms[0].editors["quiet_hours.latest"].isEnabled()
    assert not page.save_button.isVisible()
    notes = [w.text() for w in page.findChildren(type(page.save_status)) if w.objectName() == "Note"]
    assert any("Manage settings" in text and "ask an administrator" in text for text in notes)


def test_the_pms_page_is_replaced_by_a_notice_for_a_user_without_the_right(qtbot, runner, practice):
    sign_in_as(practice, Role.VIEWER)
    view = SettingsView(deps_for(practice, runner))
    qtbot.addWidget(view)
    assert isinstance(view.page("pms_connection"), LockedPage)
    practice.services.sign_out()
    practice.services.sign_in("admin", ADMIN_PASSWORD)
    admin_view = SettingsView(deps_for(practice, runner))
    qtbot.addWidget(admin_view)
    assert not isinstance(admin_view.page("pms_connection"), LockedPage)


@pytest.fixture
def locations_page(qtbot, runner, synced_practice):
    return open_page(qtbot, runner, synced_practice, LocationsPage)


def test_locations_list_the_pms_clinics_and_save_a_texting_number(qtbot, locations_page, synced_practice):
    page = locations_page
    names = [page.list.item(i).text() for i in range(page.list.count())]
    assert len(names) >= 2
    page.list.setCurrentRow(0)
    first = page._current
    page.form.editors["texting_number"].setText("503 555 0111")
    page.form.editors["sms_registered"].setChecked(True)
    with qtbot.waitSignal(page.location_did_save, timeout=10_000) as saved:
        page.save_button.click()
    assert saved.args[0].texting_number == "+15035550111" and saved.args[0].sms_registered
    assert page.save_status.text() == "Saved."
    stored = {loc.pms_id: loc for loc in synced_practice.services.list_locations()}
    assert stored[first.pms_id].texting_number == "+15035550111"

    page.list.setCurrentRow(1)
    page.form.editors["texting_number"].setText("(503) 555-0111")
    page.save_button.click()
    qtbot.waitUntil(lambda: page.form.errors["texting_number"].isVisible(), timeout=10_000)
    assert "Another location" in page.form.errors["texting_number"].text()
