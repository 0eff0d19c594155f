"""Dentrix G-series rows -> domain records, on hard rows; plus the reader's settings (no database)."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources

import pytest

from engage_desktop.domain.errors import ConfigurationError
from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor
from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    Consent,
    ContactMethod,
    PatientStatus,
    ProcedureStatus,
)
from engage_desktop.domain.ports import Entity
from engage_desktop.pms import mapping, open_reader
from engage_desktop.pms.dentrix import (
    DEFAULT_CODES,
    DentrixCodes,
    DentrixReader,
    appointment_start,
    main_office,
    map_appointment,
    map_patient,
    map_procedure,
    map_provider,
    map_recall,
)
from engage_desktop.pms.vendor_reader import code_key, key_part, parse_code_map, parse_codes, sql_literals


def patient_row(**kw):
    row = {
        "patient_id": 1001, "first_name": "Avery", "last_name": "Quill", "mi": "J", "preferred_name": "",
        "birth_date": date(1980, 4, 12), "status": 1, "gender": 2, "email": "avery.quill@example.com",
        "home_phone": "(503) 555-0101", "work_phone": None, "mobile_phone": "503-555-0142",
        "address_line1": "12 Sample St", "address_line2": None, "city": "Portland", "state": "or", "zipcode": "97201",
        "guar_id": 1001, "pri_provider_id": "DDS1", "sec_provider_id": "HYG1", "first_visit_date": "2015-06-01",
        "privacy_flags": 0,
    }
    row.update(kw)
    return row


def appt_row(**kw):
    row = {"appointment_id": 5001, "patient_id": 1001, "appointment_date": date(2024, 3, 4), "start_hour": 9,
           "start_minute": 30, "appt_length": 60, "provider_id": "DDS1", "status_id": 101, "note": "Crown seat",
           "status_label": "Confirmed", "modified_date": datetime(2024, 3, 4, 12, 0)}
    row.update(kw)
    return row


# -- patients ----------------------------------------------------------------------------------
def test_a_clean_patient():
    p = map_patient(patient_row(), "US")
    assert p.pms_id == "1001" and p.last_name == "Quill" and p.first_name == "Avery" and p.middle_initial == "J"
    assert p.birthdate == date(1980, 4, 12)
    assert p.status is PatientStatus.ACTIVE
    assert p.gender == "female"
    assert p.mobile_phone.e164 == "+15035550142" and p.home_phone.e164 == "+15035550101"
    assert p.work_phone is None
    assert p.email == "avery.quill@example.com" and p.email_is_valid
    assert p.state == "OR" and p.postcode == "97201"
    assert p.text_consent is Consent.UNKNOWN and p.email_consent is Consent.UNKNOWN  # no consent column
    assert not p.sms_opt_out and not p.email_opt_out
    assert p.primary_provider_id == "DDS1" and p.secondary_provider_id == "HYG1"
    assert p.location_id == "0"  # G-series has one location
    assert p.guarantor_id == "1001"
    assert p.first_visit == date(2015, 6, 1)


@pytest.mark.parametrize(
    ("code", "status"),
    [(1, PatientStatus.ACTIVE), (2, PatientStatus.NON_PATIENT), (3, PatientStatus.INACTIVE),
     (4, PatientStatus.ARCHIVED), ("4", PatientStatus.ARCHIVED), (4.0, PatientStatus.ARCHIVED),
     (b"3", PatientStatus.INACTIVE), (9, PatientStatus.UNKNOWN), (None, PatientStatus.UNKNOWN),
     ("", PatientStatus.UNKNOWN), ("x", PatientStatus.UNKNOWN)],
)
def test_patient_status_codes(code, status):
    assert map_patient(patient_row(status=code), "US").status is status


@pytest.mark.parametrize("value", [None, "", "0001-01-01", "0000-00-00", "n/a", date(1, 1, 1), "1980-02-30"])
def test_no_birth_date(value):
    assert map_patient(patient_row(birth_date=value), "US").birthdate is None


@pytest.mark.parametrize("flags", [2, 3, 6, 7, "2", 2.0])
def test_privacy_flag_2_means_no_sms_and_no_email(flags):
    p = map_patient(patient_row(privacy_flags=flags), "US")
    assert p.text_consent is Consent.NO and p.email_consent is Consent.NO
    assert p.sms_opt_out and p.email_opt_out


@pytest.mark.parametrize("flags", [0, 1, 4, 5, None, "", "garbage"])
def test_without_flag_2_consent_stays_unknown(flags):
    p = map_patient(patient_row(privacy_flags=flags), "US")
    assert p.text_consent is Consent.UNKNOWN and not p.sms_opt_out and not p.email_opt_out


def test_privacy_flag_1_means_do_not_call():
    assert map_patient(patient_row(privacy_flags=1), "US").preferred_contact is ContactMethod.DO_NOT_CALL
    assert map_patient(patient_row(privacy_flags=3), "US").preferred_contact is ContactMethod.DO_NOT_CALL
    assert map_patient(patient_row(privacy_flags=2), "US").preferred_contact is ContactMethod.NONE


def test_garbage_phones_keep_their_text():
    p = map_patient(patient_row(mobile_phone="n/a", work_phone="555.0199 ext 4", home_phone="   "), "US")
    assert p.mobile_phone.raw == "n/a" and p.mobile_phone.e164 is None
    assert p.work_phone.e164 is None and p.work_phone.extension == "4"
    assert p.home_phone is None


def test_phone_with_extension_is_parsed():
    p = map_patient(patient_row(mobile_phone="(212) 555-0187 x12"), "US")
    assert p.mobile_phone.e164 == "+12125550187" and p.mobile_phone.extension == "12"


@pytest.mark.parametrize(("value", "stored", "valid"), [
    (None, None, False), ("", None, False), ("   ", None, False), ("not-an-email", "not-an-email", False),
])
def test_missing_or_invalid_email(value, stored, valid):
    p = map_patient(patient_row(email=value), "US")
    assert p.email == stored and p.email_is_valid is valid


@pytest.mark.parametrize(("guar", "expected"), [(1001, "1001"), (None, "1001"), (0, "1001"), ("", "1001"),
                                                 (2002, "2002"), (2002.0, "2002"), ("2002", "2002")])
def test_guarantor_defaults_to_self(guar, expected):
    assert map_patient(patient_row(guar_id=guar), "US").guarantor_id == expected


@pytest.mark.parametrize(("gender", "expected"), [(1, "male"), (2, "female"), (0, "unknown"), (None, "unknown"),
                                                  ("M", "unknown")])
def test_gender_codes(gender, expected):
    assert map_patient(patient_row(gender=gender), "US").gender == expected


@pytest.mark.parametrize("pid", [None, "", 0, "0", "  "])
def test_a_patient_without_id_is_rejected(pid):
    with pytest.raises(mapping.RowError, match="patient_id"):
        map_patient(patient_row(patient_id=pid), "US")


def test_nulls_everywhere_but_the_id():
    p = map_patient({"patient_id": 7}, "US")
    assert p.pms_id == "7" and p.last_name == "" and p.first_name == ""
    assert p.status is PatientStatus.UNKNOWN and p.birthdate is None and p.guarantor_id == "7"
    assert p.home_phone is None and p.email is None


def test_bytes_from_old_drivers():
    p = map_patient(patient_row(last_name=b"Quill", first_name=b"Avery \xff"), "US")
    assert p.last_name == "Quill" and p.first_name.startswith("Avery")


# -- appointments ------------------------------------------------------------------------------
def test_appointment_time_is_date_plus_hour_and_minute():
    a = map_appointment(appt_row(), "US")
    assert a.pms_id == "5001" and a.patient_id == "1001"
    assert a.starts_at == datetime(2024, 3, 4, 9, 30)
    assert a.length_minutes == 60 and a.provider_id == "DDS1" and a.location_id == "0"
    assert a.status is AppointmentStatus.SCHEDULED
    assert a.confirmed == "Confirmed" and a.description == "Crown seat"
    assert a.changed_at == datetime(2024, 3, 4, 12, 0)


@pytest.mark.parametrize(("day", "hour", "minute", "expected"), [
    ("2031-05-07", 25, 75, datetime(2031, 5, 7, 0, 0)),
    ("2031-05-07", None, None, datetime(2031, 5, 7, 0, 0)),
    ("2031-05-07", "8", "05", datetime(2031, 5, 7, 8, 5)),
    ("2031-05-07", "x", -3, datetime(2031, 5, 7, 0, 0)),
    (datetime(2031, 5, 7, 0, 0), 14, 45, datetime(2031, 5, 7, 14, 45)),
    (None, 9, 0, None), ("0001-01-01", 9, 0, None), ("garbage", 9, 0, None),
])
def test_bad_start_parts(day, hour, minute, expected):
    assert appointment_start(day, hour, minute) == expected


@pytest.mark.parametrize(("code", "status"), [
    (-106, AppointmentStatus.COMPLETE), ("-106", AppointmentStatus.COMPLETE), (150, AppointmentStatus.COMPLETE),
    ("150", AppointmentStatus.COMPLETE), (150.0, AppointmentStatus.COMPLETE), (101, AppointmentStatus.SCHEDULED),
    (None, AppointmentStatus.SCHEDULED), ("junk", AppointmentStatus.SCHEDULED),
])
def test_appointment_status(code, status):
    assert map_appointment(appt_row(status_id=code), "US").status is status


def test_length_garbage_is_zero():
    assert map_appointment(appt_row(appt_length=None), "US").length_minutes == 0
    assert map_appointment(appt_row(appt_length=-30), "US").length_minutes == 0
    assert map_appointment(appt_row(appt_length="45"), "US").length_minutes == 45


def test_appointment_without_patient_or_id_is_rejected():
    with pytest.raises(mapping.RowError, match="patient_id"):
        map_appointment(appt_row(patient_id=None), "US")
    with pytest.raises(mapping.RowError, match="appointment_id"):
        map_appointment(appt_row(appointment_id=None), "US")


def test_appointment_missing_optional_columns():
    a = map_appointment({"appointment_id": 1, "patient_id": 2}, "US")
    assert a.starts_at is None and a.confirmed == "" and a.changed_at is None and a.provider_id is None


# -- recalls, procedures, providers, location --------------------------------------------------
def test_recall_id_is_patient_and_type():
    r = map_recall({"patient_id": 1004, "recall_type": "PROPHY", "due_date": "2023-01-01"}, "US")
    assert r.pms_id == "1004:PROPHY" and r.patient_id == "1004" and r.recall_type == "PROPHY"
    assert r.due_date == date(2023, 1, 1)
    r = map_recall({"patient_id": 1007, "recall_type": None, "due_date": "n/a"}, "US")
    assert r.pms_id == "1007:" and r.recall_type == "Recall" and r.due_date is None
    with pytest.raises(mapping.RowError):
        map_recall({"patient_id": None, "recall_type": "BWX"}, "US")


@pytest.mark.parametrize(("code", "status"), [(101, ProcedureStatus.TREATMENT_PLANNED), ("101", ProcedureStatus.TREATMENT_PLANNED),
                                              (105, ProcedureStatus.COMPLETE), (90, ProcedureStatus.UNKNOWN),
                                              (None, ProcedureStatus.UNKNOWN)])
def test_procedure_status(code, status):
    assert map_procedure({"procid": 1, "patid": 2, "chartstatus": code}, "US").status is status


def test_procedure_row():
    p = map_procedure({"procid": 9003, "patid": 1002, "chartstatus": 101, "procdate": None, "createdate": "2024-02-02",
                       "provid": "HYG1", "amt": "95.00", "adacode": "D1110", "abbrevdescript": "Prophylaxis-adult"}, "US")
    assert p.pms_id == "9003" and p.patient_id == "1002" and p.code == "D1110" and p.fee == 95.0
    assert p.planned_date == date(2024, 2, 2)  # no procdate: the creation date
    assert p.appointment_id is None and p.location_id == "0" and p.provider_id == "HYG1"
    assert map_procedure({"procid": 1, "patid": 2, "amt": "n/a"}, "US").fee == 0.0
    with pytest.raises(mapping.RowError, match="patid"):
        map_procedure({"procid": 1, "patid": None}, "US")


@pytest.mark.parametrize(("inactive", "active"), [(0, True), (None, True), ("", True), (1, False), ("1", False),
                                                  ("Y", False), (True, False)])
def test_provider_inactive(inactive, active):
    p = map_provider({"provider_id": " DDS1 ", "first_name": "Morgan", "last_name": "Reed", "inactive": inactive}, "US")
    assert p.pms_id == "DDS1" and p.abbreviation == "DDS1" and p.is_active is active and not p.is_hidden


def test_provider_without_id_is_rejected():
    with pytest.raises(mapping.RowError):
        map_provider({"provider_id": ""}, "US")


def test_main_office():
    assert main_office().pms_id == "0" and main_office().name == "Main office"
    assert main_office(DentrixCodes.from_settings({"location_name": "Quill Family Dental"})).name == "Quill Family Dental"


# -- codes from settings -----------------------------------------------------------------------
def test_codes_can_be_overridden_per_install():
    codes = DentrixCodes.from_settings({
        "patient_status_codes": "1=active, 2=non_patient, 3=inactive, 4=inactive",
        "appointment_complete_codes": "-106",
        "appointment_broken_codes": "-105",
        "privacy_no_messages_flag": "4",
        "procedure_tp_codes": "101, 103",
        "unrelated": "ignored",
    })
    assert map_patient(patient_row(status=4), "US", codes).status is PatientStatus.INACTIVE
    assert map_patient(patient_row(privacy_flags=2), "US", codes).sms_opt_out is False
    assert map_patient(patient_row(privacy_flags=4), "US", codes).sms_opt_out is True
    assert map_appointment(appt_row(status_id=150), "US", codes).status is AppointmentStatus.SCHEDULED
    assert map_appointment(appt_row(status_id=-105), "US", codes).status is AppointmentStatus.BROKEN
    assert map_procedure({"procid": 1, "patid": 2, "chartstatus": 103}, "US", codes).status is ProcedureStatus.TREATMENT_PLANNED


@pytest.mark.parametrize("settings", [
    {"patient_status_codes": "1=alive"},
    {"patient_status_codes": "garbage"},
    {"gender_codes": "1=robot"},
    {"privacy_no_messages_flag": "two"},
])
def test_bad_code_settings_are_reported(settings):
    with pytest.raises(ConfigurationError, match="setting"):
        DentrixCodes.from_settings(settings)


def test_code_helpers():
    assert code_key(150) == code_key("150") == code_key(150.0) == code_key(b"150") == code_key(" 150 ") == "150"
    assert code_key("a") == "A" and code_key(None) == "" and code_key("1.5") == "1.5"
    assert parse_codes("-106, 150") == {"-106", "150"} and parse_codes("") == frozenset() and parse_codes([1, "2"]) == {"1", "2"}
    assert parse_code_map("-106:complete", AppointmentStatus, "x") == {"-106": AppointmentStatus.COMPLETE}
    assert sql_literals({"101", "-5"}) == "-5, 101"
    assert sql_literals({"A", "O'K"}) == "'A', 'O''K'"
    assert key_part({"n": 0}, "n") == "0" and key_part({"n": "PROPHY"}, "n") == "PROPHY"
    with pytest.raises(mapping.RowError):
        key_part({"n": None}, "n")


def test_default_codes_are_the_facts_best_guesses():
    assert DEFAULT_CODES.appointment_complete == {"-106", "150"}
    assert DEFAULT_CODES.patient_status["4"] is PatientStatus.ARCHIVED
    assert DEFAULT_CODES.privacy_no_messages == 2 and DEFAULT_CODES.privacy_no_calls == 1
    assert DEFAULT_CODES.procedure_tp == {"101"} and DEFAULT_CODES.procedure_complete == {"105"}


# -- the reader's configuration (no connection is made) -----------------------------------------
def without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def test_open_reader_picks_dentrix_with_top_paging_and_admin_schema():
    reader = open_reader(ConnectionSettings(vendor=Vendor.DENTRIX))
    assert isinstance(reader, DentrixReader)
    assert reader.paging == "top"
    sql = reader.sql("patients", changed_filter="", top="TOP 5", limit="")
    assert "SELECT TOP 5" in sql and "FROM admin.v_patient p" in sql
    assert reader.supports_changes_since(Entity.APPOINTMENTS)
    assert not any(reader.supports_changes_since(e) for e in Entity if e is not Entity.APPOINTMENTS)
    assert reader.queries[Entity.PROVIDERS].numeric_key is False
    assert reader.queries[Entity.PATIENTS].numeric_key is True
    assert reader.queries[Entity.PROCEDURES].full_filter == "AND pl.chartstatus IN (101)"
    assert "LEFT JOIN admin.v_appt t" in without_comments(reader.sql("appointments", changed_filter="", top="", limit=""))


def test_schema_and_views_are_settings():
    reader = DentrixReader(ConnectionSettings(vendor=Vendor.DENTRIX, overrides={
        "schema": "dtx", "patient_view": "v_patient2", "appointment_changes_view": "", "appointment_status_view": "",
        "procedure_tp_codes": "", "paging": "limit"}))
    assert reader.paging == "limit"
    assert "FROM dtx.v_patient2 p" in reader.sql("patients", changed_filter="", top="", limit="LIMIT 3")
    appts = without_comments(reader.sql("appointments", changed_filter="", top="", limit=""))
    assert "v_appt" not in appts and "V_appt_Status_Codes" not in appts and "NULL AS modified_date" in appts
    assert not reader.supports_changes_since(Entity.APPOINTMENTS)
    names = {k.format(**reader.names) for k in reader.expected}
    assert "dtx.v_patient2" in names and "dtx.v_appt" not in names and "dtx.V_appt_Status_Codes" not in names
    assert reader.queries[Entity.PROCEDURES].full_filter == "AND 1 = 0"  # no TP code: read none, never all


def test_expected_lists_every_object_the_sql_reads():
    reader = DentrixReader(ConnectionSettings(vendor=Vendor.DENTRIX))
    names = {k.format(**reader.names) for k in reader.expected}
    assert names == {"admin.v_patient", "admin.v_appointment", "admin.v_appt", "admin.V_appt_Status_Codes",
                     "admin.v_patient_recall", "admin.v_provider", "admin.fullproclog", "admin.proccode"}


def test_init_sql_setting_accepts_one_statement_or_a_list():
    one = DentrixReader(ConnectionSettings(vendor=Vendor.DENTRIX, overrides={"init_sql": "SET X = 1"}))
    many = DentrixReader(ConnectionSettings(vendor=Vendor.DENTRIX, overrides={"init_sql": ["A", " ", "B"]}))
    assert one.init_sql == ("SET X = 1",) and many.init_sql == ("A", "B")
    assert DentrixReader(ConnectionSettings(vendor=Vendor.DENTRIX)).init_sql == ()


def test_sql_files_keep_comments_driver_safe():
    """Some ODBC drivers scan comments for ';', quotes and '?' markers: keep comments plain."""
    for f in resources.files("engage_desktop.pms.sql.dentrix").iterdir():
        if f.name.endswith(".sql"):
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.lstrip().startswith("--"):
                    assert not set(line) & set(";'\"?{}"), f"{f.name}: {line}"
