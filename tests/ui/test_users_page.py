"""Settings ▸ Users and roles: list, add (with refusals shown in place), change role, rights and
locations, reset a password, disable and enable; the administrator cannot lock themselves out;
without Manage users there is no list at all."""

from __future__ import annotations

import pytest

from engage_desktop.domain.rights import Right, Role
from engage_desktop.ui.models.user_table_model import Column
from engage_desktop.ui.settings.base import PageDeps
from engage_desktop.ui.settings.user_dialogs import PASSWORDS_DIFFER
from engage_desktop.ui.settings.users_page import NO_RIGHT, OWN_DISABLE, OWN_MANAGE_USERS, UsersPage
from engage_desktop.ui.sync_controller import SyncController
from engage_desktop.ui.widgets.rights import missing_right_text

TEMP_PASSWORD = "first-day-at-work"
WAIT = 10_000


def open_page(qtbot, runner, practice) -> UsersPage:
    services = practice.services
    page = UsersPage(PageDeps(services=services, runner=runner, sync=SyncController(services.sync_pms, runner)))
    qtbot.addWidget(page)
    page.resize(1040, 900)
    page.show()
    with qtbot.waitSignal(page.page_did_load, timeout=WAIT):
        page.load()
    return page


def account(practice, username: str):
    return next(u for u in practice.services.list_users() if u.username == username)


def location_id(practice, name: str) -> str:
    return next(loc.pms_id for loc in practice.services.list_locations() if loc.name == name)


def select(page: UsersPage, username: str) -> None:
    row = next(i for i, u in enumerate(page.model.users()) if u.username == username)
    page.table.selectRow(row)
    assert page._current is not None and page._current.username == username


def cell(page: UsersPage, username: str, column: Column) -> str:
    row = next(i for i, u in enumerate(page.model.users()) if u.username == username)
    return page.model.index(row, column).data()


def save(qtbot, page: UsersPage) -> None:
    assert page.save_button.isEnabled()
    with qtbot.waitSignal(page.user_did_save, timeout=WAIT):
        page.save_button.click()


def reloaded(qtbot, page: UsersPage, action) -> None:
    """Run ``action`` (which changes a user) and wait until the list has been read again."""
    with qtbot.waitSignal(page.page_did_load, timeout=WAIT):
        action()


@pytest.fixture
def page(qtbot, runner, synced_practice):
    return open_page(qtbot, runner, synced_practice)


def test_the_page_is_declarative():
    assert (UsersPage.NAME, UsersPage.TITLE, UsersPage.ORDER) == ("users", "Users and roles", 80)


def test_the_list_says_role_locations_status_and_last_sign_in(qtbot, runner, synced_practice):
    services = synced_practice.services
    desk = services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK,
                                frozenset({location_id(synced_practice, "Riverside")}))
    services.set_user_access(desk.id, Role.FRONT_DESK, revoked=frozenset({Right.LINK_PATIENTS}),
                             location_ids=desk.location_ids)
    page = open_page(qtbot, runner, synced_practice)
    assert [cell(page, "admin", c) for c in (Column.NAME, Column.ROLE, Column.LOCATIONS, Column.STATUS)] == \
        ["Office Admin", "Administrator", "All locations", "Active"]
    assert [cell(page, "desk", c) for c in (Column.ROLE, Column.LOCATIONS, Column.STATUS, Column.LAST_SIGN_IN)] == \
        ["Front Desk (adjusted)", "Riverside", "Must change password", "Never"]
    assert page.count_label.text() == "2 users"
    assert not page.notice.isVisible() and page.table.isVisible()


def test_adding_a_user_creates_it_with_the_chosen_role_and_locations(qtbot, page, synced_practice):
    page.add_button.click()
    dialog = page.add_dialog
    assert dialog.isVisible()
    dialog.display_name.setText("Maria Lopez")
    dialog.username.setText("mlopez")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.OFFICE_MANAGER.value))
    dialog.password.setText(TEMP_PASSWORD)
    dialog.confirm.setText(TEMP_PASSWORD)
    dialog.locations.only_these.setChecked(True)
    riverside = location_id(synced_practice, "Riverside")
    for pms_id, box in dialog.locations.boxes.items():
        box.setChecked(pms_id == riverside)
    reloaded(qtbot, page, dialog.ok_button.click)

    created = account(synced_practice, "mlopez")
    assert (created.display_name, created.role, created.rights) == ("Maria Lopez", Role.OFFICE_MANAGER,
                                                                    Role.OFFICE_MANAGER.preset)
    assert created.location_ids == frozenset({riverside}) and created.must_change_password
    assert not dialog.isVisible()
    assert page._current.id == created.id  # the new user is selected, ready for adjustments
    assert "Added Maria Lopez" in page.save_status.text()


@pytest.mark.parametrize(("username", "password", "confirm", "field", "message"), [
    ("admin", TEMP_PASSWORD, TEMP_PASSWORD, "username", "That user name is taken."),
    ("newbie", "short", "short", "password", "Use at least 10 characters."),
    ("newbie", TEMP_PASSWORD, TEMP_PASSWORD + "!", "confirm", PASSWORDS_DIFFER),
])
def test_bad_input_is_shown_under_its_field_keeps_the_typing_and_creates_nothing(
        qtbot, page, synced_practice, username, password, confirm, field, message):
    page.add_button.click()
    dialog = page.add_dialog
    dialog.display_name.setText("New Person")
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.confirm.setText(confirm)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.errors[field].text() == message, timeout=WAIT)
    assert dialog.isVisible() and dialog.errors[field].isVisible()
    assert [k for k, error in dialog.errors.items() if error.text()] == [field]
    assert (dialog.username.text(), dialog.password.text(), dialog.confirm.text()) == (username, password, confirm)
    assert dialog.ok_button.isEnabled()
    assert [u.username for u in synced_practice.services.list_users()] == ["admin"]
    if field != "confirm":
        assert getattr(dialog, field).property("invalid") is True
        getattr(dialog, field).textEdited.emit("x")  # typing clears the message
        assert not dialog.errors[field].text()


def test_changing_the_role_resets_the_rights_and_unticking_one_saves_it_as_revoked(qtbot, runner, synced_practice):
    synced_practice.services.create_user("viewer", "Vic Viewer", TEMP_PASSWORD, Role.VIEWER)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "viewer")
    page.rights.boxes[Right.VIEW_AUDIT_LOG].setChecked(True)
    page.role.setCurrentIndex(page.role.findData(Role.FRONT_DESK.value))
    assert page.rights.rights() == Role.FRONT_DESK.preset  # the role's preset, not the earlier tick
    assert page.save_status.text() == "Unsaved changes"
    page.rights.boxes[Right.LINK_PATIENTS].setChecked(False)
    page.rights.boxes[Right.EMAIL_CAMPAIGN].setChecked(True)
    save(qtbot, page)

    saved = account(synced_practice, "viewer")
    assert saved.role is Role.FRONT_DESK
    assert saved.rights == (Role.FRONT_DESK.preset - {Right.LINK_PATIENTS}) | {Right.EMAIL_CAMPAIGN}
    assert cell(page, "viewer", Column.ROLE) == "Front Desk (adjusted)"
    assert page.save_status.text() == "Saved." and not page.save_button.isEnabled()


def test_restricting_location_access_to_one_location_saves_its_id(qtbot, runner, synced_practice):
    synced_practice.services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "desk")
    assert page.locations.all_locations.isChecked()
    page.locations.only_these.setChecked(True)
    main_street = location_id(synced_practice, "Main Street")
    page.locations.boxes[main_street].setChecked(False)
    page.display_name.setText("Dana Front-Desk")
    page.display_name.textEdited.emit("Dana Front-Desk")
    save(qtbot, page)

    saved = account(synced_practice, "desk")
    assert saved.location_ids == frozenset({location_id(synced_practice, "Riverside")})
    assert saved.display_name == "Dana Front-Desk" and saved.rights == Role.FRONT_DESK.preset
    assert cell(page, "desk", Column.LOCATIONS) == "Riverside"


def test_only_these_locations_with_none_ticked_is_refused_on_the_page(qtbot, runner, synced_practice):
    synced_practice.services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "desk")
    page.locations.only_these.setChecked(True)
    for box in page.locations.boxes.values():
        box.setChecked(False)
    page.save_button.click()
    assert page.locations_error.text() == "Tick at least one location, or choose All locations."
    assert account(synced_practice, "desk").location_ids is None


def test_reset_password_gives_a_temporary_password_and_ends_a_lockout(qtbot, runner, synced_practice):
    services = synced_practice.services
    desk = services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    with synced_practice.container.uow_factory() as uow:  # she chose her own password, then forgot it
        uow.users.update(desk.id, must_change_password=False, failed_attempts=7)
        uow.commit()
    page = open_page(qtbot, runner, synced_practice)
    select(page, "desk")
    page.reset_password_button.click()
    dialog = page.reset_dialog
    dialog.password.setText("a-brand-new-start")
    dialog.confirm.setText("a-brand-new-start")
    reloaded(qtbot, page, dialog.ok_button.click)

    saved = account(synced_practice, "desk")
    assert saved.must_change_password and saved.failed_attempts == 0
    assert cell(page, "desk", Column.STATUS) == "Must change password"
    assert "Temporary password set" in page.save_status.text()
    services.sign_in("desk", "a-brand-new-start")  # the temporary password works


def test_reset_password_refuses_mismatched_confirmation(qtbot, runner, synced_practice):
    synced_practice.services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "desk")
    page.reset_password_button.click()
    dialog = page.reset_dialog
    dialog.password.setText("a-brand-new-start")
    dialog.confirm.setText("a-brand-new-stars")
    dialog.ok_button.click()
    assert dialog.errors["confirm"].text() == PASSWORDS_DIFFER and dialog.isVisible()


def test_disabling_asks_first_keeps_the_user_and_enabling_lets_them_back(qtbot, runner, synced_practice):
    synced_practice.services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "desk")
    assert page.active_button.text() == "Disable user"
    page.active_button.click()
    box = page.confirm_box
    assert box.isVisible() and box.text() == "Disable Dana Desk?" and "kept" in box.informativeText()
    assert account(synced_practice, "desk").is_active  # nothing happens before they confirm
    reloaded(qtbot, page, page.confirm_yes.click)

    assert not account(synced_practice, "desk").is_active
    assert cell(page, "desk", Column.STATUS) == "Disabled"
    assert page.active_button.text() == "Enable user"
    assert "Their history is kept" in page.save_status.text()
    assert page.count_label.text() == "2 users, 1 disabled"

    reloaded(qtbot, page, page.active_button.click)  # enabling needs no confirmation
    assert account(synced_practice, "desk").is_active
    assert page.active_button.text() == "Disable user"


def test_the_administrator_cannot_untick_their_own_manage_users_or_disable_themselves(qtbot, page, synced_practice):
    select(page, "admin")
    box = page.rights.boxes[Right.MANAGE_USERS]
    assert box.isChecked() and not box.isEnabled() and box.toolTip() == OWN_MANAGE_USERS
    assert not page.active_button.isEnabled() and page.active_button.toolTip() == OWN_DISABLE
    assert "your own account" in page.user_note.text() and page.user_note.isVisible()

    page.role.setCurrentIndex(page.role.findData(Role.OFFICE_MANAGER.value))  # its preset lacks Manage users
    assert box.isChecked()
    save(qtbot, page)
    me = account(synced_practice, "admin")
    assert me.role is Role.OFFICE_MANAGER and Right.MANAGE_USERS in me.rights


def test_another_user_s_manage_users_right_can_be_removed(qtbot, runner, synced_practice):
    synced_practice.services.create_user("boss", "Second Admin", TEMP_PASSWORD, Role.ADMINISTRATOR)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "boss")
    assert page.rights.boxes[Right.MANAGE_USERS].isEnabled() and page.active_button.isEnabled()
    page.rights.boxes[Right.MANAGE_USERS].setChecked(False)
    save(qtbot, page)
    assert Right.MANAGE_USERS not in account(synced_practice, "boss").rights


def test_switching_user_with_unsaved_changes_asks_before_discarding(qtbot, runner, synced_practice):
    synced_practice.services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    page = open_page(qtbot, runner, synced_practice)
    select(page, "desk")
    page.rights.boxes[Right.VIEW_AUDIT_LOG].setChecked(True)
    page.table.selectRow(page.model.row_of(account(synced_practice, "admin").id))
    assert page._current.username == "desk" and page.confirm_box.isVisible()  # still on Dana, asking
    page.confirm_yes.click()
    assert page._current.username == "admin" and not page.has_unsaved_changes()
    assert Right.VIEW_AUDIT_LOG not in account(synced_practice, "desk").rights


def test_a_front_desk_user_sees_the_notice_and_no_list(qtbot, manual_runner, synced_practice):
    services = synced_practice.services
    services.create_user("desk", "Dana Desk", TEMP_PASSWORD, Role.FRONT_DESK)
    services.sign_in("desk", TEMP_PASSWORD)
    page = UsersPage(PageDeps(services=services, runner=manual_runner,
                              sync=SyncController(services.sync_pms, manual_runner)))
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.page_did_load, timeout=WAIT):
        page.load()
    assert manual_runner.queued == []  # the users are not even asked for
    assert page.notice.isVisible() and missing_right_text(Right.MANAGE_USERS) in page.notice.text()
    assert page.notice.text() == NO_RIGHT
    assert not page.list_card.isVisible() and not page.editor_card.isVisible()
    assert page.model.rowCount() == 0
    page.add_user()
    assert page.add_dialog is None


def test_the_table_model_passes_the_model_tester(qtmodeltester, page):
    qtmodeltester.check(page.model)


def test_before_the_first_sync_new_users_get_all_locations_and_the_dialog_says_why(qtbot, runner, practice):
    page = open_page(qtbot, runner, practice)
    page.add_button.click()
    locations = page.add_dialog.locations
    assert locations.all_locations.isChecked() and not locations.only_these.isEnabled()
    assert locations.none_known.isVisible() and "first sync" in locations.none_known.text()
