"""The Dentrix and Eaglesoft readers through pyodbc + unixODBC + the SQLite ODBC driver.

The databases are SQLite reconstructions (tests/fixtures/vendor_fixtures.py), not vendor
databases; the production SQL runs on them unchanged except for LIMIT paging and the clock
expression, and sees the ``admin`` / ``PPM`` schema through an ATTACH in ``init_sql``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest

from engage_desktop.domain.errors import PmsConnectionError, PmsError
from engage_desktop.domain.pms_connection import FailureKind
from engage_desktop.domain.pms_records import AppointmentStatus, Consent, PatientStatus, ProcedureStatus
from engage_desktop.domain.ports import Entity
from engage_desktop.pms import open_reader
from engage_desktop.pms.dentrix import DentrixReader
from engage_desktop.pms.eaglesoft import EaglesoftReader
from tests import servers
from tests.fixtures.vendor_fixtures import ODBC_DRIVER, VendorFixture, build_dentrix, build_eaglesoft

pytestmark = pytest.mark.odbc


@pytest.fixture(autouse=True)
def sqlite_odbc_driver():
    try:
        import pyodbc

        drivers = pyodbc.drivers()
    except Exception as exc:  # noqa: BLE001 - no unixODBC at all
        servers.unavailable(f"pyodbc/unixODBC is not usable here ({exc})")
        return
    if ODBC_DRIVER not in drivers:
        servers.unavailable(
            f"the {ODBC_DRIVER} ODBC driver is not registered with unixODBC (installed: {', '.join(drivers) or 'none'}); "
            "install libsqliteodbc and check `odbcinst -q -d`"
        )


@pytest.fixture
def dentrix(tmp_path) -> VendorFixture:
    return build_dentrix(tmp_path / "dentrix")


@pytest.fixture
def eaglesoft(tmp_path) -> VendorFixture:
    return build_eaglesoft(tmp_path / "eaglesoft")


def read_all(reader, entity: Entity, *, limit: int = 3, changed_since: datetime | None = None):
    """Every page of one entity: (records, pages, rows rejected)."""
    records, pages, rejected, key = [], 0, 0, None
    while True:
        batch = reader.read_batch(entity, after_key=key, changed_since=changed_since, limit=limit)
        pages += 1
        records.extend(batch.records)
        rejected += batch.rows_rejected
        assert batch.rows_read == len(batch.records) + batch.rows_rejected
        if batch.next_key is None:
            return records, pages, rejected
        assert pages < 100, "paging does not advance"
        key = batch.next_key


def ids(records) -> list[str]:
    return [r.pms_id for r in records]


def by_id(records) -> dict:
    return {r.pms_id: r for r in records}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- schema check ------------------------------------------------------------------------------
def test_dentrix_schema_is_complete_on_the_full_fixture(dentrix):
    with open_reader(dentrix.settings()) as reader:
        assert isinstance(reader, DentrixReader)
        report = reader.check_schema()
        assert report.ok, (report.missing_objects, report.missing_columns)
        assert report.vendor == "Dentrix"
        assert any("procedure_tp_codes" in note for note in report.notes)  # the unverified TP code is flagged
        assert isinstance(reader.server_now(), datetime)


def test_eaglesoft_schema_is_complete_on_the_full_fixture(eaglesoft):
    with open_reader(eaglesoft.settings()) as reader:
        assert isinstance(reader, EaglesoftReader)
        report = reader.check_schema()
        assert report.ok, (report.missing_objects, report.missing_columns)
        assert report.server_version == "99.0.0 (synthetic)"
        assert isinstance(reader.server_now(), datetime)


@pytest.mark.parametrize(("drop_tables", "drop_columns", "objects", "columns"), [
    (["v_appt"], {}, ("admin.v_appt",), ()),
    (["V_appt_Status_Codes", "proccode"], {}, ("admin.V_appt_Status_Codes", "admin.proccode"), ()),
    ([], {"v_patient": ["privacy_flags"]}, (), ("admin.v_patient.privacy_flags",)),
    ([], {"v_appointment": ["length", "start_minute"], "fullproclog": ["chartstatus"]}, (),
     ("admin.v_appointment.start_minute", "admin.v_appointment.length", "admin.fullproclog.chartstatus")),
])
def test_dentrix_schema_check_names_what_is_missing(tmp_path, drop_tables, drop_columns, objects, columns):
    fx = build_dentrix(tmp_path, drop_tables=drop_tables, drop_columns=drop_columns)
    with open_reader(fx.settings()) as reader:
        report = reader.check_schema()
    assert not report.ok
    assert sorted(report.missing_objects) == sorted(objects)
    assert sorted(report.missing_columns) == sorted(columns)


@pytest.mark.parametrize(("drop_tables", "drop_columns", "objects", "columns"), [
    (["appointment_provider"], {}, ("PPM.appointment_provider",), ()),
    (["chairs"], {}, ("PPM.chairs",), ()),  # the locations source, listed once
    ([], {"patient": ["receives_sms"]}, (), ("PPM.patient.receives_sms",)),
    ([], {"planned_services": ["appt_id"], "provider": ["position_id"]}, (),
     ("PPM.planned_services.appt_id", "PPM.provider.position_id")),
])
def test_eaglesoft_schema_check_names_what_is_missing(tmp_path, drop_tables, drop_columns, objects, columns):
    fx = build_eaglesoft(tmp_path, drop_tables=drop_tables, drop_columns=drop_columns)
    with open_reader(fx.settings()) as reader:
        report = reader.check_schema()
    assert not report.ok
    assert sorted(report.missing_objects) == sorted(objects)
    assert sorted(report.missing_columns) == sorted(columns)


def test_dentrix_without_v_appt_when_the_install_turns_it_off(tmp_path):
    fx = build_dentrix(tmp_path, drop_tables=["v_appt"])
    with open_reader(fx.settings(appointment_changes_view="")) as reader:
        assert reader.check_schema().ok
        assert not reader.supports_changes_since(Entity.APPOINTMENTS)
        records, _, rejected = read_all(reader, Entity.APPOINTMENTS)
    assert len(records) == 6 and rejected == 1
    assert all(r.changed_at is None for r in records)


# -- paging: every row exactly once ------------------------------------------------------------
DENTRIX_EXPECTED = {
    Entity.LOCATIONS: (["0"], 0),
    Entity.PROVIDERS: (["DDS1", "DDS2", "HYG1", "HYG2", "ZZ9"], 0),
    Entity.PATIENTS: ([str(i) for i in range(1001, 1009)], 0),
    Entity.APPOINTMENTS: (["5001", "5002", "5003", "5004", "5006", "5007"], 1),  # 5005 has no patient
    Entity.RECALLS: (["1001:BWX", "1001:PROPHY", "1002:PROPHY", "1003:PROPHY", "1004:BWX", "1004:FMX",
                      "1004:PERIO", "1004:PROPHY", "1007:"], 0),
    Entity.PROCEDURES: (["9001", "9003", "9005", "9007"], 1),  # treatment planned only; 9006 has no patient
}
EAGLESOFT_EXPECTED = {
    Entity.LOCATIONS: (["1", "2", "3"], 0),
    Entity.PROVIDERS: (["DR1", "DR2", "FD1", "RDH1", "ZZ"], 0),
    Entity.PATIENTS: ([str(i) for i in range(1, 8)], 0),
    Entity.APPOINTMENTS: (["101", "102", "103", "105", "107"], 1),  # blocks 104/108 left out, 106 has no patient
    Entity.RECALLS: (["1:1", "1:2", "2:1", "4:1", "4:2", "4:3", "4:4", "5:1", "6:9"], 0),
    Entity.PROCEDURES: (["1:0", "1:1", "2:1", "4:1", "4:2", "4:3", "4:4"], 0),
}


@pytest.mark.parametrize("limit", [1, 2, 3, 1000])
@pytest.mark.parametrize("vendor", ["dentrix", "eaglesoft"])
def test_paging_returns_every_row_exactly_once(request, vendor, limit):
    fx = request.getfixturevalue(vendor)
    expected = DENTRIX_EXPECTED if vendor == "dentrix" else EAGLESOFT_EXPECTED
    with open_reader(fx.settings()) as reader:
        for entity in Entity:
            records, pages, rejected = read_all(reader, entity, limit=limit)
            want_ids, want_rejected = expected[entity]
            got = ids(records)
            assert len(got) == len(set(got)), f"{entity}: a row was read twice: {got}"
            assert sorted(got) == sorted(want_ids), entity
            assert rejected == want_rejected, entity
            if limit == 3 and len(want_ids) > 3:
                assert pages > 1, f"{entity} was not paged"


def test_a_patient_with_more_recalls_than_a_page_is_read_whole(dentrix, eaglesoft):
    for fx, patient in ((dentrix, "1004"), (eaglesoft, "4")):
        with open_reader(fx.settings()) as reader:
            first = reader.read_batch(Entity.RECALLS, after_key=None, changed_since=None, limit=3)
            pages = [first]
            while pages[-1].next_key is not None:
                pages.append(reader.read_batch(Entity.RECALLS, after_key=pages[-1].next_key, changed_since=None, limit=3))
        owners = [{r.patient_id for r in p.records} for p in pages]
        assert {patient} in owners  # a page holding that one patient only, all four rows
        assert [len(p.records) for p in pages if {r.patient_id for r in p.records} == {patient}] == [4]


# -- mapped values -----------------------------------------------------------------------------
def test_dentrix_values_through_odbc(dentrix):
    with open_reader(dentrix.settings(location_name="Quill Family Dental")) as reader:
        patients = by_id(read_all(reader, Entity.PATIENTS)[0])
        appts = by_id(read_all(reader, Entity.APPOINTMENTS)[0])
        procs = by_id(read_all(reader, Entity.PROCEDURES)[0])
        providers = by_id(read_all(reader, Entity.PROVIDERS)[0])
        locations = read_all(reader, Entity.LOCATIONS)[0]

    avery, blake, casey = patients["1001"], patients["1002"], patients["1003"]
    assert avery.status is PatientStatus.ACTIVE and avery.mobile_phone.e164 == "+15035550142"
    assert avery.birthdate.isoformat() == "1980-04-12" and avery.state == "OR"
    assert blake.guarantor_id == "1001" and blake.birthdate is None
    assert blake.text_consent is Consent.NO and blake.sms_opt_out and blake.email_opt_out
    assert blake.mobile_phone.raw == "n/a" and blake.mobile_phone.e164 is None and blake.email is None
    assert casey.status is PatientStatus.NON_PATIENT and casey.work_phone.extension == "4"
    assert patients["1004"].status is PatientStatus.INACTIVE and patients["1004"].guarantor_id == "1004"
    assert patients["1004"].email == "not-an-email" and not patients["1004"].email_is_valid
    assert patients["1005"].status is PatientStatus.ARCHIVED and patients["1005"].guarantor_id == "1004"
    assert patients["1006"].status is PatientStatus.UNKNOWN and patients["1006"].birthdate is None
    assert patients["1006"].first_name == "Finley"
    assert patients["1007"].mobile_phone.e164 == "+12125550187" and patients["1007"].mobile_phone.extension == "12"
    assert {p.location_id for p in patients.values()} == {"0"}

    assert appts["5001"].status is AppointmentStatus.COMPLETE and appts["5001"].confirmed == "Complete"
    assert appts["5002"].status is AppointmentStatus.COMPLETE and appts["5002"].confirmed == "Checked Out"
    assert appts["5003"].status is AppointmentStatus.SCHEDULED and appts["5003"].starts_at == datetime(2031, 5, 6, 14, 15)
    assert appts["5003"].length_minutes == 90 and appts["5003"].changed_at == datetime(2024, 5, 1, 9, 0)
    assert appts["5004"].starts_at == datetime(2031, 5, 7, 0, 0) and appts["5004"].length_minutes == 0
    assert appts["5006"].starts_at is None and appts["5006"].changed_at is None

    assert all(p.status is ProcedureStatus.TREATMENT_PLANNED for p in procs.values())
    assert procs["9001"].code == "D2740" and procs["9001"].fee == 1200.0
    assert procs["9003"].planned_date.isoformat() == "2024-02-02"
    assert procs["9007"].code == "" and procs["9005"].fee == 0.0

    assert providers["DDS1"].is_active and not providers["DDS2"].is_active and providers["HYG2"].is_active
    assert [(loc.pms_id, loc.name) for loc in locations] == [("0", "Quill Family Dental")]


def test_dentrix_appointments_changed_since(dentrix):
    with open_reader(dentrix.settings()) as reader:
        assert reader.supports_changes_since(Entity.APPOINTMENTS)
        assert not reader.supports_changes_since(Entity.PATIENTS)
        records, _, rejected = read_all(reader, Entity.APPOINTMENTS, changed_since=datetime(2024, 5, 1))
    assert sorted(ids(records)) == ["5003", "5004", "5007"] and rejected == 0


def test_dentrix_tp_code_setting_changes_what_a_full_pass_reads(dentrix):
    with open_reader(dentrix.settings(procedure_tp_codes="101, 102")) as reader:
        records, _, _ = read_all(reader, Entity.PROCEDURES)
    assert "9008" in ids(records) and "9002" not in ids(records)


def test_eaglesoft_values_through_odbc(eaglesoft):
    with open_reader(eaglesoft.settings(location_names="1=Lane Street, 2=Birch Avenue")) as reader:
        patients = by_id(read_all(reader, Entity.PATIENTS)[0])
        appts = by_id(read_all(reader, Entity.APPOINTMENTS)[0])
        procs = by_id(read_all(reader, Entity.PROCEDURES)[0])
        recalls = by_id(read_all(reader, Entity.RECALLS)[0])
        providers = by_id(read_all(reader, Entity.PROVIDERS)[0])
        locations = by_id(read_all(reader, Entity.LOCATIONS)[0])

    harper, indigo, jules = patients["1"], patients["2"], patients["3"]
    assert harper.status is PatientStatus.ACTIVE and harper.text_consent is Consent.YES
    assert harper.mobile_phone.e164 == "+15035550123" and harper.location_id == "1"
    assert indigo.guarantor_id == "1" and indigo.birthdate is None
    assert indigo.text_consent is Consent.NO and indigo.email_consent is Consent.NO
    assert indigo.sms_opt_out and indigo.email_opt_out and indigo.mobile_phone.e164 is None
    assert jules.status is PatientStatus.NON_PATIENT and jules.work_phone.extension == "4"
    assert patients["4"].status is PatientStatus.INACTIVE and patients["4"].guarantor_id == "4"
    assert patients["4"].text_consent is Consent.UNKNOWN and patients["4"].email_consent is Consent.YES
    assert patients["5"].status is PatientStatus.UNKNOWN and patients["5"].guarantor_id == "4"
    assert patients["5"].birthdate is None and patients["5"].email is None
    assert patients["6"].home_phone.e164 == "+12025550143" and not patients["6"].email_is_valid
    assert patients["7"].location_id is None and patients["7"].guarantor_id == "7"

    assert appts["101"].status is AppointmentStatus.COMPLETE and appts["101"].provider_id == "DR1"
    assert appts["101"].length_minutes == 60 and appts["101"].description == "Crown prep"
    assert appts["102"].status is AppointmentStatus.COMPLETE  # walked out
    assert appts["103"].status is AppointmentStatus.SCHEDULED and appts["103"].confirmed == "Confirmed"
    assert appts["105"].location_id == "2" and appts["105"].length_minutes == 0
    assert appts["107"].starts_at is None and appts["107"].location_id is None

    assert procs["1:0"].appointment_id == "103" and procs["1:1"].appointment_id is None
    assert procs["1:1"].description == "Core buildup" and procs["2:1"].fee == 55.5
    assert procs["4:4"].appointment_id is None  # appt_id 0
    assert recalls["5:1"].is_disabled and not recalls["1:1"].is_disabled
    assert recalls["1:2"].recall_type == "Bitewings" and recalls["6:9"].recall_type == "Recall"

    assert providers["FD1"].is_hidden and providers["RDH1"].is_hygienist
    assert not providers["DR2"].is_active and providers["DR1"].is_active
    assert {k: v.name for k, v in locations.items()} == {"1": "Lane Street", "2": "Birch Avenue", "3": "Practice 3"}


def test_eaglesoft_locations_from_a_configured_master_table(eaglesoft):
    with open_reader(eaglesoft.settings(practice_table="synthetic_practices")) as reader:
        assert reader.check_schema().ok
        records, _, _ = read_all(reader, Entity.LOCATIONS, limit=1)
    assert [(r.pms_id, r.name) for r in records] == [("1", "Lane Street Dental"), ("2", "Birch Avenue Dental")]


# -- read-only, connection setup ---------------------------------------------------------------
def test_reading_everything_changes_nothing(dentrix, eaglesoft):
    for fx in (dentrix, eaglesoft):
        before = digest(fx.data_db)
        with open_reader(fx.settings()) as reader:
            reader.check_schema()
            for entity in Entity:
                read_all(reader, entity)
        assert digest(fx.data_db) == before


def test_a_refused_init_statement_is_a_connection_error(dentrix, tmp_path):
    bad = f"ATTACH DATABASE '{tmp_path / 'no' / 'such' / 'dir.db'}' AS admin"
    reader = open_reader(dentrix.settings(init_sql=[bad]))
    with pytest.raises(PmsConnectionError) as err:
        reader.check_schema()
    assert err.value.kind == FailureKind.OTHER and "init_sql" in str(err.value)
    reader.close()


def test_without_the_attach_every_object_is_missing(dentrix):
    with open_reader(dentrix.settings(init_sql=[])) as reader:
        report = reader.check_schema()
        assert len(report.missing_objects) == len(reader.expected)
        with pytest.raises(PmsError):
            reader.read_batch(Entity.PATIENTS, after_key=None, changed_since=None, limit=3)


def test_a_wrong_clock_expression(dentrix, eaglesoft):
    with open_reader(dentrix.settings(now_expression="NO_SUCH_FUNCTION()")) as reader:
        with pytest.raises(PmsError, match="now_expression"):
            reader.server_now()  # Dentrix appointments use the clock for "changed since"
    with open_reader(eaglesoft.settings(now_expression="NO_SUCH_FUNCTION()")) as reader:
        assert isinstance(reader.server_now(), datetime)  # no change stamps: the local clock will do
