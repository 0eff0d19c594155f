"""Screenshots of unlinked patients and linking on the demo practice, offscreen (a script, not a test).

    .venv/bin/python -m tests.ui.screenshot_linking docs/screenshots

patients-unlinked.png: the list with unlinked patients (broken-link icon) and an unlinked card.
create-patient-warning.png: Create patient after the details matched an existing chart.
link-dialog.png: Link to PMS chart with the ranked candidates and their reasons.
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
from tests.ui.screenshot import begin, grab, open_window, settle, signed_in_demo, wait_until  # noqa: E402

NICKNAMES = {"William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate", "Michael": "Mike",
             "James": "Jim", "Jennifer": "Jen", "Margaret": "Peggy", "Richard": "Rick", "Thomas": "Tom"}


def main(argv: list[str]) -> int:
    out, runner = begin(argv)
    with tempfile.TemporaryDirectory(prefix="engage-shots-") as tmp:
        container = signed_in_demo(Path(tmp) / "demo")
        services = container.services
        rows = services.patient_rows(services.search_patients("").ids[:3000])
        chart = next(r for r in rows if r.name.split(", ")[-1] in NICKNAMES and r.birthdate and r.phone
                     and r.status == "active")
        last, first = chart.name.split(", ", 1)
        location = services.list_locations()[0].pms_id
        lookalike = UnlinkedInput(first_name=NICKNAMES[first], last_name=last, birthdate=chart.birthdate,
                                  mobile=chart.phone, location_id=location)
        person = services.create_unlinked_patient(lookalike, True).patient
        for first_name, last_name, mobile in (("Noor", "Haddad", "(503) 555-0131"), ("Tomasz", "Wojcik", "(503) 555-0132"),
                                              ("Amara", "Obi", "(503) 555-0133")):
            services.create_unlinked_patient(UnlinkedInput(first_name=first_name, last_name=last_name, mobile=mobile,
                                                           location_id=location), True)

        window = open_window(services, runner)
        page = window.patients
        wait_until(lambda: page.count_label.text().endswith("patients"))
        page.kind_filter.setCurrentIndex(page.kind_filter.findData("unlinked"))
        wait_until(lambda: page.model.rowCount() == 4)
        page.open_card(-person.id)
        wait_until(lambda: page.card.card is not None and page.card.card.id == -person.id)
        grab(window, out / "patients-unlinked.png")

        page.create_patient()
        wait_until(lambda: page.create_dialog is not None and page.create_dialog.isVisible())
        dialog = page.create_dialog
        dialog.first_name.setText(first)
        dialog.last_name.setText(last)
        dialog.birthdate.setText(chart.birthdate.strftime("%m/%d/%Y"))
        dialog.mobile.setText(chart.phone)
        dialog.submit()
        wait_until(lambda: dialog.warning.isVisible())
        settle(300)
        grab(dialog, out / "create-patient-warning.png")
        dialog.reject()

        page.link_patient(person.id)
        link = page.link_dialog
        wait_until(lambda: link.proposal is not None)
        settle(300)
        grab(link, out / "link-dialog.png")
        link.reject()
        window.close()
        shiboken6.delete(window)
        runner.shutdown()
        container.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
