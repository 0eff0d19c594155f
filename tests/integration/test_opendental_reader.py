"""The Open Dental reader through pyodbc + unixODBC + MariaDB ODBC against a real MariaDB
server loaded with the project's Open Dental-schema fixture, and against Open Dental 24.3's
real table definitions (../shared/specs/opendental/schema.sql) when they are present."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor
from engage_desktop.domain.ports import Entity
from engage_desktop.domain.rights import SYSTEM
from engage_desktop.pms import demo, open_reader
from engage_desktop.services import patients
from engage_desktop.services.pms_sync import FULL, INCREMENTAL, sync_pms
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory

pytestmark = [pytest.mark.odbc, pytest.mark.mariadb]

SPEC_SCHEMA = Path(os.environ.get("ENGAGE_OD_SCHEMA", Path(__file__).resolve().parents[3] / "shared/specs/opendental/schema.sql"))


@pytest.fixture(scope="module")
def od(mariadb):
    import pyodbc

    admin = pyodbc.connect(mariadb.odbc(), autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS od_reader")
    admin.execute("CREATE DATABASE od_reader CHARACTER SET utf8mb4")
    admin.close()
    conn = pyodbc.connect(mariadb.odbc("od_reader"), autocommit=False)
    summary = demo.load_into(conn, "mysql", demo.DemoSpec(patients=400))
    conn.close()
    return summary


@pytest.fixture
def reader_settings(mariadb, od):
    return ConnectionSettings(vendor=Vendor.OPEN_DENTAL, driver="MariaDB Unicode", host="127.0.0.1", port=mariadb.port,
                              database="od_reader", user="root", password=mariadb.root_password, batch_size=150)


@pytest.fixture
def uow_factory(tmp_path):
    engine = make_engine(f"sqlite+pysqlite:///{(tmp_path / 'engage.db').as_posix()}")
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


def scalar(mariadb, sql: str, database: str = "od_reader"):
    import pyodbc

    conn = pyodbc.connect(mariadb.odbc(database), autocommit=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def execute(mariadb, sql: str, database: str = "od_reader") -> None:
    import pyodbc

    conn = pyodbc.connect(mariadb.odbc(database), autocommit=True)
    try:
        conn.execute(sql)
    finally:
        conn.close()


def test_full_sync_mirrors_what_the_pms_holds(mariadb, reader_settings, uow_factory):
    reader = open_reader(reader_settings)
    try:
        report = sync_pms(uow_factory=uow_factory, reader=reader, mode=FULL, batch_size=150)
    finally:
        reader.close()
    assert report.outcome == "ok" and report.rejected == 0
    with uow_factory() as uow:
        counts = uow.mirror.counts()
    assert counts["patients"] == scalar(mariadb, "SELECT COUNT(*) FROM patient")
    assert counts["appointments"] == scalar(mariadb, "SELECT COUNT(*) FROM appointment")
    assert counts["recalls"] == scalar(mariadb, "SELECT COUNT(*) FROM recall")
    assert counts["procedures"] == scalar(mariadb, "SELECT COUNT(*) FROM procedurelog WHERE ProcStatus IN (1, 8)")
    assert counts["locations"] == scalar(mariadb, "SELECT COUNT(*) FROM clinic") + 1  # plus headquarters


def test_incremental_sync_picks_up_changes_by_datetstamp(mariadb, reader_settings, uow_factory):
    reader = open_reader(reader_settings)
    try:
        sync_pms(uow_factory=uow_factory, reader=reader, mode=FULL)
        pat = scalar(mariadb, "SELECT MIN(PatNum) FROM patient WHERE PatStatus = 0")
        # MySQL bumps DateTStamp itself; wait out the second so the change is after our cursor.
        execute(mariadb, "DO SLEEP(1.1)")
        execute(mariadb, f"UPDATE patient SET LName = 'Zyxwvuts', WirelessPhone = '(971) 555-0177' WHERE PatNum = {pat}")
        report = sync_pms(uow_factory=uow_factory, reader=reader, mode=INCREMENTAL)
    finally:
        reader.close()
    patients_read = {e.entity: e for e in report.entities}[Entity.PATIENTS]
    assert not patients_read.full and 1 <= patients_read.read < 10
    found = patients.search_patients(uow_factory=uow_factory, actor=SYSTEM, text="zyxwvuts 971-555-0177")
    assert found.total == 1


def test_full_reconciliation_catches_a_hard_deleted_appointment(mariadb, reader_settings, uow_factory):
    reader = open_reader(reader_settings)
    try:
        sync_pms(uow_factory=uow_factory, reader=reader, mode=FULL)
        apt = scalar(mariadb, "SELECT MAX(AptNum) FROM appointment")
        before = scalar(mariadb, "SELECT COUNT(*) FROM appointment")
        execute(mariadb, f"DELETE FROM appointment WHERE AptNum = {apt}")
        report = sync_pms(uow_factory=uow_factory, reader=reader, mode=FULL)
    finally:
        reader.close()
    assert {e.entity: e.removed for e in report.entities}[Entity.APPOINTMENTS] == 1
    with uow_factory() as uow:
        assert uow.mirror.counts()["appointments"] == before - 1


def test_paging_never_holds_a_lock_between_pages_on_myisam(mariadb, reader_settings):
    """Open Dental installs often run MyISAM, where a long SELECT blocks the practice's writes."""
    execute(mariadb, "DROP TABLE IF EXISTS od_reader.patient_myisam")
    execute(mariadb, "ALTER TABLE patient ENGINE=MyISAM")
    reader = open_reader(reader_settings)
    try:
        first = reader.read_batch(Entity.PATIENTS, after_key=None, changed_since=None, limit=50)
        assert first.next_key is not None
        done = threading.Event()

        def write():
            execute(mariadb, "SET SESSION lock_wait_timeout = 2")
            execute(mariadb, f"UPDATE patient SET City = City WHERE PatNum = {first.next_key}")
            done.set()

        t = threading.Thread(target=write)
        t.start()
        t.join(10)
        assert done.is_set(), "a write from the practice was blocked while we were between pages"
        second = reader.read_batch(Entity.PATIENTS, after_key=first.next_key, changed_since=None, limit=50)
        assert int(second.records[0].pms_id) > int(first.next_key)
    finally:
        reader.close()
        execute(mariadb, "ALTER TABLE patient ENGINE=InnoDB")


@pytest.fixture(scope="module")
def real_schema(mariadb):
    if not SPEC_SCHEMA.is_file():
        pytest.skip(f"Open Dental 24.3 table definitions not found at {SPEC_SCHEMA} (set ENGAGE_OD_SCHEMA)")
    import pyodbc

    admin = pyodbc.connect(mariadb.odbc(), autocommit=True)
    admin.execute("DROP DATABASE IF EXISTS od_real")
    admin.execute("CREATE DATABASE od_real CHARACTER SET utf8mb4")
    admin.close()
    conn = pyodbc.connect(mariadb.odbc("od_real"), autocommit=True)
    conn.execute("SET SESSION sql_mode = ''")  # as Open Dental's own MySQL 5-era settings
    for statement in SPEC_SCHEMA.read_text(encoding="utf-8").split(";\n"):
        body = "\n".join(line for line in statement.splitlines() if not line.strip().startswith("--")).strip()
        if body and not body.upper().startswith("SET NAMES"):  # the ODBC driver sets the charset itself
            conn.execute(body)
    # A few rows with only the columns a front desk fills in; the rest take Open Dental's defaults.
    conn.execute("INSERT INTO clinic (ClinicNum, Description, Abbr) VALUES (1, 'North', 'N')")
    conn.execute("INSERT INTO preference (PrefName, ValueString) VALUES ('EasyNoClinics', '0'), ('PracticeTitle', 'Test Practice'), ('DataBaseVersion', '24.3.10.0')")
    conn.execute("INSERT INTO provider (ProvNum, Abbr, FName, LName) VALUES (1, 'DOC', 'Dana', 'Dentist')")
    conn.execute("INSERT INTO patient (PatNum, LName, FName, Guarantor, PriProv, ClinicNum, Birthdate, WirelessPhone) "
                 "VALUES (1, 'Testperson', 'Avery', 1, 1, 1, '1980-03-14', '503-555-0100'), "
                 "(2, 'Testperson', 'Blake', 1, 1, 1, '0001-01-01', '')")
    conn.execute("INSERT INTO appointment (AptNum, PatNum, AptStatus, Pattern, AptDateTime, ProvNum, ClinicNum) "
                 "VALUES (1, 1, 2, '//XX//', '2025-06-01 09:00:00', 1, 1)")
    conn.execute("INSERT INTO recalltype (RecallTypeNum, Description) VALUES (1, 'Prophy')")
    conn.execute("INSERT INTO recall (RecallNum, PatNum, RecallTypeNum, DateDue) VALUES (1, 1, 1, '2026-01-01')")
    conn.execute("INSERT INTO procedurecode (CodeNum, ProcCode, Descript) VALUES (1, 'D2740', 'Crown')")
    conn.execute("INSERT INTO procedurelog (ProcNum, PatNum, ProcStatus, CodeNum, ProcFee, AptNum) VALUES (1, 2, 1, 1, 1200, 0)")
    conn.close()
    return "od_real"


def test_compatible_with_open_dental_24_3_table_definitions(mariadb, real_schema):
    settings = ConnectionSettings(vendor=Vendor.OPEN_DENTAL, driver="MariaDB Unicode", host="127.0.0.1", port=mariadb.port,
                                  database=real_schema, user="root", password=mariadb.root_password)
    reader = open_reader(settings)
    try:
        report = reader.check_schema()
        assert report.ok, (report.missing_objects, report.missing_columns)
        assert report.server_version == "24.3.10.0"
        read = {e: reader.read_batch(e, after_key=None, changed_since=None, limit=100) for e in Entity}
    finally:
        reader.close()
    assert [p.first_name for p in read[Entity.PATIENTS].records] == ["Avery", "Blake"]
    assert read[Entity.PATIENTS].records[1].birthdate is None  # '0001-01-01'
    assert read[Entity.PATIENTS].records[0].mobile_phone.e164 == "+15035550100"
    assert read[Entity.APPOINTMENTS].records[0].length_minutes == 30
    assert read[Entity.PROCEDURES].records[0].appointment_id is None
    assert {loc.name for loc in read[Entity.LOCATIONS].records} == {"Headquarters", "North"}
