"""Screenshots of the session dialogs and the settings pages, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot_session docs/screenshots

first-administrator.png: the very first start of a practice (no users yet), after a too-short
password. sign-in.png: the demo practice's sign-in with its hint, after a wrong password.
settings-<page>.png: Practice, Locations, Messaging providers, Quiet hours and Sign-in and
security in the real main window, signed in as the demo administrator; settings-locked.png: the
Messaging providers page as the demo Front Desk user sees it. lock-screen.png: the idle lock.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

import shiboken6  # noqa: E402

from engage_desktop.bootstrap import DEMO_USERS  # noqa: E402
from engage_desktop.services.pms_sync import FULL  # noqa: E402
from engage_desktop.ui.main_window import SETTINGS  # noqa: E402
from engage_desktop.ui.sign_in import FirstAdministratorDialog, SignInDialog  # noqa: E402
from tests.ui.conftest import make_practice  # noqa: E402
from tests.ui.sample_practice import build_reader  # noqa: E402
from tests.ui.screenshot import begin, demo_practice, grab, open_window, settle, wait_until  # noqa: E402

PAGES = ("practice", "locations", "messaging", "quiet_hours", "security")


def demo_hint() -> str:
    return "<b>Demo practice</b> — sign in as " + " or ".join(
        f"<b>{name}</b> / {password} ({role.label})" for name, _, password, role in DEMO_USERS)


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-shots-") as tmp:
        empty = make_practice(Path(tmp) / "new", build_reader(filler=0), configure=False, sign_in=False,
                              first_admin=False)
        first = FirstAdministratorDialog(empty.services, runner)
        first.show()
        first.display_name.setText("Dana Whitaker")
        first.username.setText("dana")
        first.password.setText("smile")
        first.confirm.setText("smile")
        first.submit()
        wait_until(lambda: bool(first.errors["password"].text()))
        grab(first, out / "first-administrator.png")
        first.close()
        empty.container.close()

        container = demo_practice(Path(tmp) / "demo")
        services = container.services
        dialog = SignInDialog(services, runner, demo_hint=demo_hint())
        dialog.show()
        dialog.username.setText("frontdesk")
        dialog.password.setText("not-the-password")
        dialog.submit()
        wait_until(lambda: dialog.message.isVisible())
        grab(dialog, out / "sign-in.png")
        dialog.close()

        admin, _, password, _ = DEMO_USERS[0]
        services.sign_in(admin, password)
        services.sync_pms(FULL)  # what the demo does on its first start: the locations come from the PMS
        window = open_window(services, runner)
        wait_until(lambda: window.patients.count_label.text().endswith("patients"))
        window.show_screen(SETTINGS)
        for name in PAGES:
            window.settings.show_page(name)
            page = window.settings.page(name)
            if hasattr(page, "page_did_load"):
                settle(600)
            grab(window, out / f"settings-{name.replace('_', '-')}.png")
        window.lock(reason="user")
        grab(window, out / "lock-screen.png")
        window.close()
        shiboken6.delete(window)

        desk, _, desk_password, _ = DEMO_USERS[1]
        services.sign_out()
        services.sign_in(desk, desk_password)
        window = open_window(services, runner)
        window.show_screen(SETTINGS)
        window.settings.show_page("messaging")
        grab(window, out / "settings-locked.png")
        window.close()
        shiboken6.delete(window)
        runner.shutdown()
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
