"""Screenshots of the Audit log screen, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot_audit docs/screenshots

A few days of an invented office's activity are written through the audit repository (so the
chain is real), then the page is shown as an office manager sees it after "Check integrity":
``audit-log.png``. Also, for review: ``audit-log-broken.png`` (a record edited with SQL),
``audit-log-actions.png`` (the action filter's list), ``audit-log-calendar.png`` (a date field's
popup), ``audit-log-empty.png`` and
``audit-log-no-right.png``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

import shiboken6  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from sqlalchemy import text  # noqa: E402

from engage_desktop.bootstrap import bootstrap  # noqa: E402
from engage_desktop.config import load_config  # noqa: E402
from engage_desktop.domain.audit import AuditEntry  # noqa: E402
from engage_desktop.domain.rights import Actor, Right, Role  # noqa: E402
from engage_desktop.ui.audit_page import AuditLogPage  # noqa: E402
from tests.fakes import FakeSecretStore, fast_hasher  # noqa: E402
from tests.ui.screenshot import begin, grab, wait_until  # noqa: E402

# (days ago, local time, user, workstation, action, patient, details)
HISTORY = [
    (3, "07:58", "dana", "OFFICE-PC", "user.sign_in", "", {}),
    (3, "08:04", "dana", "OFFICE-PC", "user.create", "", {"after": {"username": "maria", "role": "front_desk"}}),
    (3, "08:06", "dana", "OFFICE-PC", "settings.change", "",
     {"before": {"quiet_hours.start": "21:00"}, "after": {"quiet_hours.start": "20:00"}}),
    (3, "17:32", "dana", "OFFICE-PC", "user.sign_out", "", {"reason": "user"}),
    (2, "07:51", "maria", "FRONT-DESK-1", "user.sign_in_failed", "", {"reason": "wrong password", "attempt": 1}),
    (2, "07:52", "maria", "FRONT-DESK-1", "user.sign_in", "", {}),
    (2, "08:15", "maria", "FRONT-DESK-1", "patient.view", "pms:1042", {}),
    (2, "09:40", "maria", "FRONT-DESK-1", "patient.view", "pms:2210", {}),
    (2, "12:03", "maria", "FRONT-DESK-1", "user.lock", "", {"reason": "idle"}),
    (2, "12:47", "maria", "FRONT-DESK-1", "user.unlock", "", {}),
    (1, "07:49", "jordan", "FRONT-DESK-2", "user.sign_in", "", {}),
    (1, "08:02", "jordan", "FRONT-DESK-2", "patient.view", "pms:1042", {}),
    (1, "10:26", "dana", "OFFICE-PC", "user.access_change", "",
     {"before": {"username": "jordan", "role": "front_desk"}, "after": {"username": "jordan", "role": "office_manager"}}),
    (1, "10:31", "dana", "OFFICE-PC", "settings.location_change", "",
     {"before": {"texting_number": None}, "after": {"texting_number": "+15035550112"}}),
    (0, "07:44", "maria", "FRONT-DESK-1", "user.sign_in", "", {}),
    (0, "08:10", "maria", "FRONT-DESK-1", "patient.view", "pms:3307", {}),
    (0, "08:12", "maria", "FRONT-DESK-1", "patient.view", "pms:1042", {}),
    (0, "08:40", "jordan", "FRONT-DESK-2", "user.sign_in_failed", "", {"reason": "wrong password", "attempt": 1}),
    (0, "08:41", "jordan", "FRONT-DESK-2", "user.sign_in", "", {}),
    (0, "08:55", "jordan", "FRONT-DESK-2", "patient.view", "pms:2210", {}),
    (0, "09:02", "dana", "OFFICE-PC", "user.sign_in", "", {}),
    (0, "09:05", "dana", "OFFICE-PC", "audit.export", "",
     {"rows": 17, "filter": {"user": "", "action": "patient.", "patient": "", "since": "2026-10-23", "until": "2026-11-22"}}),
]


def write_history(container) -> None:
    """Each entry at its local clock time on a past day; the whole history moves back when the
    last entry would be in the future (a screenshot taken early in the morning)."""
    now = datetime.now().astimezone()
    times = []
    for days_ago, clock, *_ in HISTORY:
        hour, minute = map(int, clock.split(":"))
        times.append((now - timedelta(days=days_ago)).replace(hour=hour, minute=minute, second=0, microsecond=0))
    shift = max(timedelta(0), times[-1] - (now - timedelta(minutes=4)))
    user_ids = {"dana": 1, "maria": 2, "jordan": 3}
    with container.uow_factory() as uow:
        for at, (_, _, user, workstation, action, patient, details) in zip(times, HISTORY, strict=True):
            uow.audit.append(AuditEntry(
                at=(at - shift).astimezone(UTC), username=user, workstation=workstation, action=action,
                user_id=user_ids[user],
                entity_type="patient" if patient else ("user" if action.startswith("user.") else ""),
                entity_id=patient.removeprefix("pms:"), patient_ref=patient, details=details))
        uow.commit()


def show(page: AuditLogPage) -> None:
    page.resize(1180, 720)
    page.show()


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-audit-shots-") as tmp:
        container = bootstrap(load_config(env={"ENGAGE_WORKSTATION": "OFFICE-PC"}, data_dir=Path(tmp)),
                              secrets=FakeSecretStore(), hasher=fast_hasher())
        write_history(container)
        services = container.services
        services.actor = Actor(user_id=1, username="dana", rights=Role.OFFICE_MANAGER.preset, workstation="OFFICE-PC")

        page = AuditLogPage(services, runner)
        show(page)
        loaded = []
        page.result_applied.connect(loaded.append)
        page.load()
        wait_until(lambda: bool(loaded) and page.user_combo.count() > 1)
        checks = []
        page.check_did_finish.connect(checks.append)
        page.check_button.click()
        wait_until(lambda: bool(checks))
        grab(page, out / "audit-log.png")

        page.action_combo.showPopup()
        grab(page.action_combo.view().window(), out / "audit-log-actions.png")
        page.action_combo.hidePopup()

        edit = page.from_date
        QTest.mouseClick(edit, Qt.MouseButton.LeftButton, pos=QPoint(edit.width() - 10, edit.height() // 2))
        wait_until(edit.calendarWidget().isVisible)
        grab(edit.calendarWidget().window(), out / "audit-log-calendar.png")
        edit.calendarWidget().window().hide()

        page.patient_box.setText("1042")
        wait_until(lambda: len(loaded) > 1)
        grab(page, out / "audit-log-patient.png")

        page.patient_box.setText("999999")
        wait_until(lambda: len(loaded) > 2)
        grab(page, out / "audit-log-empty.png")

        with container.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET workstation = 'X' WHERE id = 7"))
        page.patient_box.clear()
        wait_until(lambda: len(loaded) > 3)
        page.check_button.click()
        wait_until(lambda: len(checks) > 1)
        grab(page, out / "audit-log-broken.png")
        page.close()
        shiboken6.delete(page)

        services.actor = Actor(user_id=2, username="maria", rights=Role.FRONT_DESK.preset - {Right.VIEW_AUDIT_LOG})
        denied = AuditLogPage(services, runner)
        show(denied)
        denied.load()
        grab(denied, out / "audit-log-no-right.png")
        denied.close()
        shiboken6.delete(denied)
        runner.shutdown()
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
