"""Screenshots of what the screens say about the messaging engine, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot_messaging docs/screenshots

messaging-sandbox.png (the status bar on the demo practice), messaging-settings.png (Settings ▸
Messaging providers with a sandbox test sent), messaging-not-receiving.png (live, polling failing).
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

from PySide6.QtWidgets import QScrollArea  # noqa: E402

from engage_desktop.services.dispatch import Providers  # noqa: E402
from engage_desktop.ui.main_window import SETTINGS  # noqa: E402
from tests.ui.screenshot import begin, grab, open_window, settle, signed_in_demo, wait_until  # noqa: E402


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-shots-") as tmp:
        container = signed_in_demo(Path(tmp) / "demo")
        services = container.services
        window = open_window(services, runner)
        wait_until(lambda: window.messaging_label.isVisible())
        settle(400)
        grab(window, out / "messaging-sandbox.png")

        window.show_screen(SETTINGS)
        window.settings.show_page("messaging")
        page = window.settings.page("messaging")
        settle(600)
        page.test_to.setText("(503) 555-0142")
        for _ in range(3):  # the sandbox fails ~3 % of texts on purpose; show the usual outcome
            page.send_test()
            wait_until(lambda: page.test_button.isEnabled(), timeout=40)
            if not page.test_result.text().startswith("Not"):
                break
        settle(300)
        scroll = page.findChild(QScrollArea)
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())  # the test card is at the bottom
        settle(200)
        grab(window, out / "messaging-settings.png")

        # The demo always sends through the sandbox, whatever the setting says; for this one picture
        # the engine is given a live office's (absent) providers so that the status bar can turn red.
        services.engine.providers_for = lambda _config: Providers(sms=None, email=None)
        with container.uow_factory() as uow:
            uow.settings.set("messaging.mode", "live")
            uow.messaging.poll_failed("+15035550111", now=datetime.now(UTC) - timedelta(minutes=4),
                                      error="the provider did not answer (503)")
            uow.commit()
        window.refresh_messaging_state()
        wait_until(lambda: window.messaging_label.text() == "● Not receiving texts")
        settle(300)
        grab(window, out / "messaging-not-receiving.png")
        window.close()
        runner.shutdown(wait=True)
        container.close()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
