"""Screenshots of Settings ▸ Users and roles, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot_users docs/screenshots

users-and-roles.png: the page beside a Settings-style list, on the invented practice (two
locations) with an administrator, a Front Desk user limited to one location, an adjusted Office
Manager who must change their password, a locked-out user and a disabled one.
add-user.png: the Add user dialog after a refused user name and mismatched passwords.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

import shiboken6  # noqa: E402
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QVBoxLayout, QWidget  # noqa: E402

from engage_desktop.domain.rights import Right, Role  # noqa: E402
from engage_desktop.services.pms_sync import FULL  # noqa: E402
from engage_desktop.services.users import SignInError  # noqa: E402
from engage_desktop.ui.settings import PAGES  # noqa: E402
from engage_desktop.ui.settings.base import PageDeps  # noqa: E402
from engage_desktop.ui.settings.users_page import UsersPage  # noqa: E402
from engage_desktop.ui.sync_controller import SyncController  # noqa: E402
from engage_desktop.ui.widgets.common import section_title  # noqa: E402
from tests.ui.conftest import ADMIN_PASSWORD, make_practice  # noqa: E402
from tests.ui.sample_practice import build_reader  # noqa: E402
from tests.ui.screenshot import begin, grab, wait_until  # noqa: E402

SETTINGS_TITLES = [page.TITLE for page in PAGES]


def add_people(services) -> None:
    """Four colleagues of the signed-in administrator, in every state the list can show."""
    riverside = next(loc.pms_id for loc in services.list_locations() if loc.name == "Riverside")
    services.create_user("mlopez", "Maria Lopez", "temporary-pass-1", Role.FRONT_DESK, frozenset({riverside}))
    sam = services.create_user("spatel", "Sam Patel", "temporary-pass-2", Role.OFFICE_MANAGER)
    services.set_user_access(sam.id, Role.OFFICE_MANAGER, revoked=frozenset({Right.PORTAL_PAYMENTS_SETTINGS}))
    jordan = services.create_user("jkim", "Jordan Kim", "temporary-pass-3", Role.VIEWER)
    services.create_user("pnguyen", "Priya Nguyen", "temporary-pass-4", Role.FRONT_DESK)
    services.sign_in("mlopez", "temporary-pass-1")  # Maria has signed in (and chose her own password)
    services.change_own_password("temporary-pass-1", "riverside-desk-42")
    services.sign_in("jkim", "temporary-pass-3")
    for _ in range(6):  # Priya mistyped her password: locked out for a while
        try:
            services.sign_in("pnguyen", "not-her-password")
        except SignInError:
            pass
    services.sign_in("admin", ADMIN_PASSWORD)
    services.set_user_active(jordan.id, False)


def settings_area(page: QWidget) -> QWidget:
    """What the Settings screen puts around a page: its list of pages on the left."""
    area = QWidget()
    area.setObjectName("Page")
    nav = QWidget()
    nav.setObjectName("SettingsNavPanel")
    nav.setFixedWidth(200)
    column = QVBoxLayout(nav)
    column.setContentsMargins(0, 22, 1, 0)
    column.setSpacing(8)
    title = section_title("Settings")
    title.setContentsMargins(18, 0, 0, 0)
    column.addWidget(title)
    pages = QListWidget()
    pages.setObjectName("SettingsNav")
    pages.ensurePolished()  # item heights from the qss padding (see the report on settings_view.py)
    for text in SETTINGS_TITLES:
        QListWidgetItem(text, pages)  # as the Settings screen adds them
    pages.setCurrentRow(len(SETTINGS_TITLES) - 1)
    column.addWidget(pages, 1)
    row = QHBoxLayout(area)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(0)
    row.addWidget(nav)
    row.addWidget(page, 1)
    return area


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-shots-") as tmp:
        practice = make_practice(Path(tmp), build_reader(filler=60))
        services = practice.services
        services.sync_pms(FULL)
        add_people(services)
        page = UsersPage(PageDeps(services=services, runner=runner, sync=SyncController(services.sync_pms, runner)))
        area = settings_area(page)
        area.resize(int(argv[2]) if len(argv) > 2 else 1240, int(argv[3]) if len(argv) > 3 else 800)
        area.show()
        loaded = []
        page.page_did_load.connect(lambda: loaded.append(True))
        page.load()
        wait_until(lambda: bool(loaded))
        page.table.selectRow(page.model.row_of(next(u.id for u in page.model.users() if u.username == "mlopez")))
        grab(area, out / "users-and-roles.png")

        page.add_user()
        dialog = page.add_dialog
        dialog.display_name.setText("Maria Lopez")
        dialog.username.setText("MLopez")
        dialog.password.setText("welcome-to-riverside")
        dialog.confirm.setText("welcome-to-riverside")
        dialog.role.setCurrentIndex(dialog.role.findData(Role.FRONT_DESK.value))
        dialog.locations.only_these.setChecked(True)
        dialog.locations.boxes[next(iter(dialog.locations.boxes))].setChecked(False)
        dialog.ok_button.click()  # the user name is taken: the dialog says so under the field
        wait_until(lambda: bool(dialog.errors["username"].text()))
        grab(dialog, out / "add-user.png")
        dialog.reject()
        area.close()
        shiboken6.delete(area)
        runner.shutdown()
        practice.container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
