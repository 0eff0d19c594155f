"""Screenshots of the review queues, the CSV import preview, Create in PMS and Verify on the demo
practice, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot_review docs/screenshots

review-needs-review.png, review-duplicates.png, import-preview.png, create-in-pms.png, verify-link.png
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DBUS_SESSION_BUS_ADDRESS", "disabled:")

import shiboken6  # noqa: E402

from engage_desktop.domain.unlinked import UnlinkedInput  # noqa: E402
from engage_desktop.ui.dialogs.create_in_pms_dialog import CreateInPmsDialog  # noqa: E402
from engage_desktop.ui.main_window import REVIEW  # noqa: E402
from tests.ui.screenshot import begin, grab, open_window, settle, signed_in_demo, wait_until  # noqa: E402


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-shots-") as tmp:
        container = signed_in_demo(Path(tmp) / "demo")
        services = container.services
        rows = services.patient_rows(services.search_patients("").ids[:3000])
        charts = [r for r in rows if r.birthdate and r.phone and r.status == "active" and r.email]
        location = services.list_locations()[0].pms_id

        def person(first, last, *, birthdate=None, mobile="", email=""):
            return services.create_unlinked_patient(UnlinkedInput(first_name=first, last_name=last, birthdate=birthdate,
                                                                  mobile=mobile, email=email, location_id=location),
                                                    True).patient

        # Needs review: the chart's name and birthdate, but a phone the chart does not have.
        for chart, mobile in ((charts[0], "(971) 555-0141"), (charts[5], "(971) 555-0142")):
            last, first = chart.name.split(", ", 1)
            person(first.split(" (")[0], last, birthdate=chart.birthdate, mobile=mobile)
        # A duplicate pair: entered at the desk, then again from a web form with an email.
        person("Noor", "Haddad", birthdate="07/21/1993", mobile="(503) 555-0131")
        person("Noor", "Haddad", mobile="503.555.0131", email="noor.haddad@example.com")
        services.auto_link()
        # Verify: a person linked to a chart whose mobile differs.
        last, first = charts[9].name.split(", ", 1)
        verify_me = person(first.split(" (")[0], last, birthdate=charts[9].birthdate, mobile="(971) 555-0143")
        services.link_patient(verify_me.id, charts[9].id)
        prospect = person("Wren", "Halvorsen", birthdate="05/06/1995", mobile="(503) 555-0163",
                          email="wren.h@example.com")

        window = open_window(services, runner)
        window.show_screen(REVIEW)
        review = window.review
        wait_until(lambda: bool(review.items) and bool(review.duplicates))
        settle(400)
        grab(window, out / "review-needs-review.png")
        review.tabs.setCurrentIndex(1)
        settle(300)
        grab(window, out / "review-duplicates.png")

        page = window.patients
        window.show_screen(0)
        csv = Path(tmp) / "spring-open-house.csv"
        last0, first0 = charts[20].name.split(", ", 1)
        csv.write_text(
            "\ufeffFirst Name;Surname;DOB;Cell;E-mail\r\n"
            "Zora;Quinlan;2/3/1991;(503) 555-0171;zora@example.com\r\n"
            f"{first0.split(' (')[0]};{last0};{charts[20].birthdate:%m/%d/%Y};{charts[20].phone};\r\n"
            "Bo;Badmail;;;bo@@example\r\n"
            "Lena;Vasquez;11/30/1988;(503) 555-0172;lena.v@example.com\r\n"
            "Zora;Quinlan;02/03/1991;503.555.0171;ZORA@example.com\r\n"
            "Dee;Nobirth;31/31/1990;(503) 555-0174;\r\n"
            "Malik;Osei;4/18/1979;(503) 555-0175;malik.osei@example.com\r\n", encoding="utf-8")
        page.import_csv()
        wait_until(lambda: page.import_dialog is not None and page.import_dialog.isVisible())
        dialog = page.import_dialog
        dialog.load_file(csv)
        wait_until(lambda: dialog.preview is not None)
        dialog.resize(900, 620)
        settle(400)
        grab(dialog, out / "import-preview.png")
        dialog.reject()

        pms = CreateInPmsDialog(services, runner, unlinked_id=prospect.id, parent=window)
        pms.show()
        pms.load()
        wait_until(lambda: pms.card is not None)
        settle(300)
        grab(pms, out / "create-in-pms.png")
        pms.reject()

        page.verify_link(verify_me.id)
        verify = page.verify_dialog
        wait_until(lambda: verify.comparison is not None)
        settle(300)
        grab(verify, out / "verify-link.png")
        verify.reject()
        window.close()
        shiboken6.delete(window)
        runner.shutdown()
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
