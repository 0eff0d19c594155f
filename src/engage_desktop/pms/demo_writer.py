"""Create in PMS for the demo practice: stands in for Open Dental's API.

The demo practice's PMS is our own SQLite file of synthetic patients, so "creating a chart" adds
a row to it, the way the API would in a real office; the next sync brings the chart into the
mirror and the auto-link job links it. Real practices never get this creator: Engage does not
write to a PMS database (PMS-4).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

from engage_desktop.domain.pms_write import ChartDraft, CreatedChart, PmsWriteError, WriteFailure, draft_to_od_fields

_FIELDS = ("LName", "FName", "Preferred", "Birthdate", "WirelessPhone", "Email", "ClinicNum")


class DemoPatientCreator:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def create_patient(self, draft: ChartDraft) -> CreatedChart:
        fields = draft_to_od_fields(draft)
        if not fields.get("LName") or not fields.get("FName"):
            raise PmsWriteError(WriteFailure.REJECTED, "A chart needs a first and a last name.")
        try:
            with closing(sqlite3.connect(self.path, timeout=10)) as conn, conn:
                pat_num = conn.execute("SELECT COALESCE(MAX(PatNum), 0) + 1 FROM patient").fetchone()[0]
                provider = conn.execute("SELECT COALESCE(MIN(ProvNum), 0) FROM provider WHERE IsHidden = 0").fetchone()[0]
                values = {k: fields[k] for k in _FIELDS if fields.get(k) not in (None, "")}
                values.update(PatNum=pat_num, Guarantor=pat_num, PatStatus=0, Gender=2, PriProv=provider,
                              SecDateEntry=date.today().isoformat(), TxtMsgOk=0)
                columns = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                conn.execute(f"INSERT INTO patient ({columns}) VALUES ({marks})", tuple(values.values()))
        except sqlite3.Error as exc:
            raise PmsWriteError(WriteFailure.SERVER_ERROR,
                                f"The demo practice's database refused the chart ({type(exc).__name__}).") from None
        return CreatedChart(pms_id=str(pat_num))
