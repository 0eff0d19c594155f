"""The demo practice generator (PLT-6): properties of the rows, and the Open Dental reader reading them."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from engage_desktop.domain.pms_records import PatientStatus
from engage_desktop.domain.ports import Entity
from engage_desktop.pms.demo import TABLES, DemoSpec, DemoSummary, ddl, load_into, write_sqlite
from engage_desktop.pms.odbc import ConnectionSettings, Vendor
from engage_desktop.pms.opendental import OpenDentalReader

TODAY = date(2026, 11, 22)
TODAY_S = TODAY.isoformat()
NO_DATE = "0001-01-01"
NO_DATETIME = "0001-01-01 00:00:00"
SPEC = DemoSpec(patients=300, today=TODAY)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary, list[tuple[int, int]]]:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    calls: list[tuple[int, int]] = []
    summary = write_sqlite(path, SPEC, progress=lambda done, total: calls.append((done, total)))
    return path, summary, calls


@pytest.fixture()
def db(demo) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{demo[0].as_uri()}?mode=ro", uri=True)
    yield conn
    conn.close()


def one(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> object:
    return conn.execute(sql, params).fetchone()[0]


def dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t.name: conn.execute(f'SELECT * FROM "{t.name}" ORDER BY 1').fetchall() for t in TABLES}


def reader_for(path: Path) -> OpenDentalReader:
    return OpenDentalReader(ConnectionSettings(vendor=Vendor.OPEN_DENTAL, sqlite_path=str(path)))


# -- what was written -------------------------------------------------------------------------


def test_summary_counts_match_the_file_and_progress_reaches_the_end(demo, db) -> None:
    path, summary, calls = demo
    assert summary.patients == 300
    for table, count in summary.counts.items():
        assert one(db, f'SELECT COUNT(*) FROM "{table}"') == count, table
    # roughly 6 appointments, 1.5 recalls and 2 procedures per patient
    assert 4.5 <= summary.appointments / 300 <= 7.5
    assert 1.0 <= summary.recalls / 300 <= 2.0
    assert 1.4 <= summary.procedures / 300 <= 2.8
    assert calls[-1] == (300, 300)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert not [p for p in path.parent.iterdir() if p.name != path.name], "temporary files left behind"


def test_every_guarantor_exists_and_is_its_own_guarantor(db) -> None:
    orphans = one(db, "SELECT COUNT(*) FROM patient p LEFT JOIN patient g ON g.PatNum = p.Guarantor WHERE g.PatNum IS NULL")
    assert orphans == 0
    not_heads = one(db, "SELECT COUNT(*) FROM patient p JOIN patient g ON g.PatNum = p.Guarantor WHERE g.Guarantor <> g.PatNum")
    assert not_heads == 0
    sizes = [r[0] for r in db.execute("SELECT COUNT(*) FROM patient GROUP BY Guarantor")]
    assert max(sizes) >= 4 and sizes.count(1) > 10  # families and people living alone
    # a family whose child was entered before the head
    assert one(db, "SELECT COUNT(*) FROM patient WHERE Guarantor > PatNum") > 0
    # minors have guardian rows pointing at family members
    bad = one(db, "SELECT COUNT(*) FROM guardian g JOIN patient c ON c.PatNum = g.PatNumChild "
                  "JOIN patient a ON a.PatNum = g.PatNumGuardian WHERE a.Guarantor <> c.Guarantor")
    assert one(db, "SELECT COUNT(*) FROM guardian") > 0 and bad == 0


def test_families_share_phones_and_emails(db) -> None:
    shared_mobile = one(db, "SELECT COUNT(*) FROM (SELECT Guarantor, WirelessPhone FROM patient WHERE WirelessPhone <> '' "
                            "GROUP BY 1, 2 HAVING COUNT(*) > 1)")
    shared_email = one(db, "SELECT COUNT(*) FROM (SELECT Guarantor, Email FROM patient WHERE Email LIKE '%@example.%' "
                           "GROUP BY 1, 2 HAVING COUNT(*) > 1)")
    shared_home = one(db, "SELECT COUNT(*) FROM (SELECT Guarantor, HmPhone FROM patient WHERE HmPhone LIKE '(%' "
                          "GROUP BY 1, 2 HAVING COUNT(*) > 1)")
    assert shared_mobile > 5 and shared_email > 5 and shared_home > 5


def test_twins_exist(db) -> None:
    twins = db.execute(
        "SELECT a.FName, b.FName FROM patient a JOIN patient b ON a.Guarantor = b.Guarantor AND a.PatNum < b.PatNum "
        "AND a.Birthdate = b.Birthdate AND upper(trim(a.LName)) = upper(trim(b.LName)) "
        "AND upper(trim(a.FName)) <> upper(trim(b.FName)) "
        "WHERE a.Birthdate <> ? AND a.Position = 2", (NO_DATE,)).fetchall()
    assert twins
    assert all(a[0].upper() == b[0].upper() for a, b in twins)  # similar names: same initial


def test_every_status_appears(db) -> None:
    pat = {r[0] for r in db.execute("SELECT DISTINCT PatStatus FROM patient")}
    assert pat == set(range(7))
    assert one(db, "SELECT COUNT(*) FROM patient WHERE PatStatus = 0") > 0.6 * 300
    apt = {r[0] for r in db.execute("SELECT DISTINCT AptStatus FROM appointment")}
    assert {1, 2, 3, 5, 6, 7, 8} <= apt
    assert one(db, "SELECT MIN(AptDateTime) FROM appointment WHERE AptStatus = 1") >= TODAY_S
    assert one(db, "SELECT MAX(AptDateTime) FROM appointment WHERE AptStatus = 2") < TODAY_S
    proc = {r[0] for r in db.execute("SELECT DISTINCT ProcStatus FROM procedurelog")}
    assert {1, 2, 6, 8} <= proc
    assert {r[0] for r in db.execute("SELECT DISTINCT TxtMsgOk FROM patient")} == {0, 1, 2}
    assert len({r[0] for r in db.execute("SELECT DISTINCT PreferContactMethod FROM patient")}) >= 5


def test_appointments_look_like_open_dental(db) -> None:
    patterns = [r[0] for r in db.execute("SELECT Pattern FROM appointment")]
    assert all(p and set(p) <= {"/", "X"} for p in patterns)
    wrong = one(db, "SELECT COUNT(*) FROM appointment a LEFT JOIN definition d ON d.DefNum = a.Confirmed "
                    "WHERE d.Category IS NOT 2")
    assert wrong == 0
    assert one(db, "SELECT COUNT(*) FROM appointment WHERE IsHygiene = 1 AND ProvHyg IN (3, 4, 5)") > 0
    assert one(db, "SELECT COUNT(*) FROM appointment WHERE IsHygiene = 0") > 0
    # deleted appointments: only a history row (action 4) remains
    deleted = [r[0] for r in db.execute("SELECT AptNum FROM histappointment WHERE HistApptAction = 4")]
    assert deleted
    assert one(db, f"SELECT COUNT(*) FROM appointment WHERE AptNum IN ({','.join(map(str, deleted))})") == 0


def test_recalls_and_unscheduled_treatment(db) -> None:
    assert {r[0] for r in db.execute("SELECT Description FROM recalltype")} >= {"Prophy", "Perio", "Child Prophy"}
    overdue = one(db, "SELECT COUNT(*) FROM recall WHERE DateDue < ? AND DateScheduled = ? AND IsDisabled = 0",
                  (TODAY_S, NO_DATE))
    upcoming = one(db, "SELECT COUNT(*) FROM recall WHERE DateDue >= ?", (TODAY_S,))
    scheduled = one(db, "SELECT COUNT(*) FROM recall WHERE DateScheduled > ?", (TODAY_S,))
    disabled = one(db, "SELECT COUNT(*) FROM recall WHERE IsDisabled = 1")
    assert overdue > 0 and upcoming > 0 and scheduled > 0 and disabled > 0
    assert one(db, "SELECT COUNT(*) FROM recall WHERE DatePrevious > DateDue") == 0
    unscheduled = one(db, "SELECT COUNT(*) FROM procedurelog WHERE ProcStatus = 1 AND AptNum = 0 AND PlannedAptNum = 0")
    on_planned = one(db, "SELECT COUNT(*) FROM procedurelog pl JOIN appointment a ON a.AptNum = pl.PlannedAptNum "
                         "WHERE pl.ProcStatus = 1 AND pl.AptNum = 0 AND a.AptStatus = 6")
    on_future = one(db, "SELECT COUNT(*) FROM procedurelog pl JOIN appointment a ON a.AptNum = pl.AptNum "
                        "WHERE pl.ProcStatus = 1 AND a.AptStatus = 1 AND a.AptDateTime >= ?", (TODAY_S,))
    assert unscheduled > 0 and on_planned > 0 and on_future > 0
    # completed procedures sit on completed appointments, on the same day
    bad = one(db, "SELECT COUNT(*) FROM procedurelog pl JOIN appointment a ON a.AptNum = pl.AptNum "
                  "WHERE pl.ProcStatus = 2 AND (a.AptStatus <> 2 OR substr(a.AptDateTime, 1, 10) <> pl.ProcDate)")
    assert bad == 0
    codes = {r[0] for r in db.execute("SELECT ProcCode FROM procedurecode")}
    assert {"D0120", "D1110", "D2740", "D2391", "D4341", "D7140"} <= codes


def test_reference_rows(db) -> None:
    prefs = dict(db.execute("SELECT PrefName, ValueString FROM preference"))
    assert prefs["DataBaseVersion"] == "24.3.10.0" and prefs["EasyNoClinics"] == "0"
    for name in ("PracticeTitle", "PracticeAddress", "PracticeCity", "PracticeST", "PracticeZip", "PracticePhone"):
        assert prefs[name]
    assert one(db, "SELECT COUNT(*) FROM clinic") == 2
    assert {r[0] for r in db.execute("SELECT DISTINCT ClinicNum FROM patient")} <= {0, 1, 2}
    provs = db.execute("SELECT IsSecondary, IsHidden, ProvStatus FROM provider").fetchall()
    assert (0, 0, 0) in provs and (1, 0, 0) in provs
    assert sum(1 for p in provs if p[1] == 1) == 1 and sum(1 for p in provs if p[2] == 1) == 1
    assert one(db, "SELECT COUNT(*) FROM patient p LEFT JOIN provider pr ON pr.ProvNum = p.PriProv "
                   "WHERE pr.ProvNum IS NULL") == 0
    assert one(db, "SELECT COUNT(*) FROM commoptout WHERE OptOutSms & 1 OR OptOutSms & 2048") > 0


def test_messy_rows_and_fictitious_contacts(db) -> None:
    assert one(db, "SELECT COUNT(*) FROM patient WHERE Birthdate = ?", (NO_DATE,)) > 0
    phones = [v for r in db.execute("SELECT HmPhone, WkPhone, WirelessPhone FROM patient") for v in r]
    for messy in ("(503) 555-0142 x12", "555.0143", "n/a", "+44 20 7946 0958"):
        assert messy in phones
    for value in filter(None, phones):
        digits = re.sub(r"\D", "", value.split(" x")[0])
        # 555-01xx numbers, the Ofcom drama range, or no usable number at all
        assert value in ("555.0143", "n/a") or digits[3:7] == "5550" and digits[7] == "1" or digits == "442079460958", value
    emails = [r[0] for r in db.execute("SELECT Email FROM patient WHERE Email <> ''")]
    assert "none" in emails and any(e.endswith("@") for e in emails)
    assert all(e in ("none",) or e.endswith("@") or re.search(r"@example\.(com|org|net)$", e) for e in emails)
    assert one(db, "SELECT COUNT(*) FROM patient WHERE LName <> rtrim(LName) OR FName <> rtrim(FName)") > 0
    assert one(db, "SELECT COUNT(*) FROM patient WHERE LName = upper(LName) AND LName GLOB '*[A-Z][A-Z]*'") > 0
    deceased = db.execute("SELECT PatStatus, DateTimeDeceased FROM patient WHERE DateTimeDeceased <> ?",
                          (NO_DATETIME,)).fetchall()
    assert deceased and all(status == 5 for status, _ in deceased)
    assert one(db, "SELECT COUNT(*) FROM patient WHERE PatStatus = 5 AND DateTimeDeceased = ?", (NO_DATETIME,)) == 0


def test_dates_are_iso_text(db) -> None:
    iso_date = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    iso_dt = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
    for value, in db.execute("SELECT Birthdate FROM patient UNION SELECT DateDue FROM recall UNION SELECT DateTP FROM procedurelog"):
        assert iso_date.match(value), value
    for value, in db.execute("SELECT AptDateTime FROM appointment UNION SELECT DateTStamp FROM appointment "
                             "UNION SELECT DateTStamp FROM patient UNION SELECT DateTimeDeceased FROM patient"):
        assert iso_dt.match(value), value
    assert one(db, "SELECT MAX(DateTStamp) FROM patient") < TODAY_S


# -- determinism and options ------------------------------------------------------------------


def test_same_seed_same_rows_different_seed_different_rows(tmp_path: Path) -> None:
    spec = DemoSpec(patients=120, today=TODAY, seed=7)
    write_sqlite(tmp_path / "a.db", spec)
    write_sqlite(tmp_path / "b.db", spec)
    write_sqlite(tmp_path / "c.db", DemoSpec(patients=120, today=TODAY, seed=8))
    with sqlite3.connect(tmp_path / "a.db") as a, sqlite3.connect(tmp_path / "b.db") as b, \
            sqlite3.connect(tmp_path / "c.db") as c:
        assert dump(a) == dump(b)
        assert dump(a)["patient"] != dump(c)["patient"]
        assert dump(a)["appointment"] != dump(c)["appointment"]


def test_clinics_off(tmp_path: Path) -> None:
    on, off = tmp_path / "on.db", tmp_path / "off.db"
    write_sqlite(on, DemoSpec(patients=150, today=TODAY))
    write_sqlite(off, DemoSpec(patients=150, today=TODAY, clinics=False))
    with sqlite3.connect(off) as db, sqlite3.connect(on) as db_on:
        assert one(db, "SELECT ValueString FROM preference WHERE PrefName = 'EasyNoClinics'") == "1"
        assert one(db, "SELECT COUNT(*) FROM clinic") == 0
        for table in ("patient", "appointment", "procedurelog", "operatory", "histappointment"):
            assert {r[0] for r in db.execute(f"SELECT DISTINCT ClinicNum FROM {table}")} == {0}, table
        # the same people and visits; only the clinic differs
        names = "SELECT PatNum, LName, FName, Birthdate FROM patient ORDER BY 1"
        assert db.execute(names).fetchall() == db_on.execute(names).fetchall()
        assert one(db, "SELECT COUNT(*) FROM appointment") == one(db_on, "SELECT COUNT(*) FROM appointment")


def test_write_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    path.write_bytes(b"not a database")
    write_sqlite(path, DemoSpec(patients=20, today=TODAY))
    with sqlite3.connect(path) as db:
        assert one(db, "SELECT COUNT(*) FROM patient") == 20
        assert one(db, "PRAGMA journal_mode") == "delete"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.db"]


def test_load_into_gives_the_same_rows_as_write_sqlite(demo, db) -> None:
    conn = sqlite3.connect(":memory:")
    summary = load_into(conn, "sqlite", SPEC)
    assert summary.counts == demo[1].counts
    assert dump(conn) == dump(db)
    with pytest.raises(ValueError, match="already has a patient table"):
        load_into(conn, "sqlite", SPEC)
    conn.close()


def test_ddl_dialects() -> None:
    mysql, sqlite = "\n".join(ddl("mysql")), "\n".join(ddl("sqlite"))
    assert "ON UPDATE CURRENT_TIMESTAMP" in mysql and "AUTO_INCREMENT" in mysql and "TRIGGER" not in mysql
    assert "CREATE TRIGGER" in sqlite and "WHEN NEW.DateTStamp = OLD.DateTStamp" in sqlite
    assert "DEFAULT '0001-01-01'" in mysql and "DEFAULT '0001-01-01'" in sqlite
    assert ddl("mariadb") == ddl("mysql")
    for table, columns in OpenDentalReader.expected.items():
        create = next(s for s in ddl("mysql") if s.startswith(f"CREATE TABLE `{table}` "))
        for column in columns:
            assert f"`{column}` " in create, f"{table}.{column}"
    for needed in ("`patient_PatStatus`", "`patient_Guarantor`", "`patient_ClinicNum_PatStatus`",
                   "`appointment_PatNum`", "`appointment_AptDateTime`", "`procedurelog_PatNum_ProcStatus_ClinicNum`",
                   "`recall_PatNum`"):
        assert needed in mysql
    with pytest.raises(ValueError):
        ddl("oracle")


def test_datetstamp_follows_updates(demo, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(demo[0], path)
    with sqlite3.connect(path) as db:
        before = one(db, "SELECT DateTStamp FROM patient WHERE PatNum = 1")
        db.execute("UPDATE patient SET LName = LName || 'x' WHERE PatNum = 1")
        after = one(db, "SELECT DateTStamp FROM patient WHERE PatNum = 1")
        now = datetime.now(UTC).replace(tzinfo=None)
        assert after != before
        assert abs(datetime.fromisoformat(after) - now) < timedelta(minutes=1)
        # other rows untouched; an explicit DateTStamp sticks, as in MySQL
        assert one(db, "SELECT COUNT(*) FROM patient WHERE DateTStamp = ?", (after,)) == 1
        db.execute("UPDATE appointment SET DateTStamp = '2001-02-03 04:05:06' WHERE AptNum = 1")
        assert one(db, "SELECT DateTStamp FROM appointment WHERE AptNum = 1") == "2001-02-03 04:05:06"
        db.execute("UPDATE recall SET IsDisabled = 1 WHERE RecallNum = 1")
        assert one(db, "SELECT DateTStamp FROM recall WHERE RecallNum = 1") >= TODAY_S[:4]


# -- the reader reads it ----------------------------------------------------------------------


def read_all(reader: OpenDentalReader, entity: Entity, limit: int = 100) -> tuple[list, int]:
    records, rejected, key = [], 0, None
    while True:
        batch = reader.read_batch(entity, after_key=key, changed_since=None, limit=limit)
        records += batch.records
        rejected += batch.rows_rejected
        key = batch.next_key
        if key is None:
            return records, rejected


def test_open_dental_reader_reads_the_demo(demo, db) -> None:
    with reader_for(demo[0]) as reader:
        report = reader.check_schema()
        assert report.ok, (report.missing_objects, report.missing_columns)
        assert report.server_version == "24.3.10.0"
        now = reader.server_now()
        assert abs(now - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)

        patients, rejected = read_all(reader, Entity.PATIENTS)
        assert rejected == 0
        assert len(patients) == one(db, "SELECT COUNT(*) FROM patient") == 300
        assert len({p.pms_id for p in patients}) == 300
        by_id = {p.pms_id: p for p in patients}
        assert all(p.guarantor_id in by_id for p in patients)
        assert {p.status for p in patients} >= {PatientStatus.ACTIVE, PatientStatus.DECEASED, PatientStatus.DELETED}
        assert any(p.sms_opt_out for p in patients)
        assert any(p.mobile_phone and p.mobile_phone.is_valid for p in patients)
        assert any(p.email and p.email_is_valid for p in patients)
        assert {p.location_id for p in patients} <= {"0", "1", "2"}

        expected = {
            Entity.APPOINTMENTS: one(db, "SELECT COUNT(*) FROM appointment"),
            Entity.RECALLS: one(db, "SELECT COUNT(*) FROM recall"),
            Entity.PROCEDURES: one(db, "SELECT COUNT(*) FROM procedurelog WHERE ProcStatus IN (1, 8)"),
            Entity.PROVIDERS: one(db, "SELECT COUNT(*) FROM provider"),
            Entity.LOCATIONS: one(db, "SELECT COUNT(*) FROM clinic") + 1,  # plus Headquarters (ClinicNum 0)
        }
        for entity, count in expected.items():
            records, rejected = read_all(reader, entity, limit=500)
            assert rejected == 0, entity
            assert len(records) == count, entity
            if entity is Entity.APPOINTMENTS:
                assert any(r.confirmed == "Appointment Confirmed" for r in records)
                assert all(r.length_minutes > 0 for r in records)
            if entity is Entity.RECALLS:
                assert {r.recall_type for r in records} >= {"Prophy", "Perio", "Child Prophy"}
            if entity is Entity.PROCEDURES:
                assert any(r.appointment_id is None for r in records)
                assert all(r.code for r in records)


def test_reader_sees_an_edit_through_changed_since(demo, tmp_path: Path) -> None:
    path = tmp_path / "copy.db"
    shutil.copy(demo[0], path)
    with reader_for(path) as reader:
        since = reader.server_now()
        assert reader.read_batch(Entity.PATIENTS, after_key=None, changed_since=since, limit=100).records == []
        with sqlite3.connect(path) as db:
            db.execute("UPDATE patient SET WirelessPhone = '(503) 555-0199' WHERE PatNum = 7")
        batch = reader.read_batch(Entity.PATIENTS, after_key=None, changed_since=since, limit=100)
        assert [p.pms_id for p in batch.records] == ["7"]
