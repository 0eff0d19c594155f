"""Eaglesoft rows -> domain records, on hard rows; plus the reader's settings (no database)."""

from __future__ import annotations

from datetime import date, datetime
from importlib import resources

import pytest

from engage_desktop.domain.errors import ConfigurationError
from engage_desktop.domain.pms_connection import ConnectionSettings, Vendor
from engage_desktop.domain.pms_records import AppointmentStatus, Consent, PatientStatus, ProcedureStatus
from engage_desktop.domain.ports import Entity
from engage_desktop.pms import mapping, open_reader
from engage_desktop.pms.eaglesoft import (
    DEFAULT_CODES,
    EaglesoftCodes,
    EaglesoftReader,
    map_appointment,
    map_location,
    map_patient,
    map_procedure,
    map_provider,
    map_recall,
    minutes_between,
    yn_consent,
)


def patient_row(**kw):
    row = {
        "patient_id": 1, "first_name": "Harper", "last_name": "Lane", "middle_initial": "J", "preferred_name": None,
        "birth_date": date(1982, 2, 14), "sex": "F", "status": "A", "patient_status": "Y",
        "home_phone": "(503) 555-0101", "work_phone": None, "cell_phone": "503-555-0123",
        "email_address": "harper.lane@example.com", "receives_sms": "Y", "receive_email": "Y",
        "responsible_party": 1, "preferred_dentist": "DR1", "preferred_hygienist": "RDH1", "practice_id": 1,
        "first_visit_date": date(2016, 9, 1),
    }
    row.update(kw)
    return row


def appt_row(**kw):
    row = {"appointment_id": 101, "patient_id": 1, "start_time": datetime(2024, 3, 4, 9, 0),
           "end_time": datetime(2024, 3, 4, 10, 0), "classification": 1, "arrival_status": 0, "walkout_time": None,
           "date_confirmed": None, "type_description": "Crown prep", "practice_id": 1, "provider_id": "DR1"}
    row.update(kw)
    return row


# -- patients ----------------------------------------------------------------------------------
def test_a_clean_patient():
    p = map_patient(patient_row(), "US")
    assert p.pms_id == "1" and p.last_name == "Lane" and p.middle_initial == "J"
    assert p.status is PatientStatus.ACTIVE and p.gender == "female"
    assert p.mobile_phone.e164 == "+15035550123" and p.home_phone.e164 == "+15035550101"
    assert p.email == "harper.lane@example.com" and p.email_is_valid
    assert p.text_consent is Consent.YES and p.email_consent is Consent.YES
    assert not p.sms_opt_out and not p.email_opt_out
    assert p.primary_provider_id == "DR1" and p.secondary_provider_id == "RDH1"
    assert p.location_id == "1" and p.guarantor_id == "1" and p.first_visit == date(2016, 9, 1)


@pytest.mark.parametrize(("status", "flag", "expected"), [
    ("A", "Y", PatientStatus.ACTIVE), ("a", "y", PatientStatus.ACTIVE), ("I", "Y", PatientStatus.INACTIVE),
    ("A", "N", PatientStatus.NON_PATIENT), ("I", "N", PatientStatus.NON_PATIENT), ("A", None, PatientStatus.ACTIVE),
    ("A", "", PatientStatus.ACTIVE), (None, "Y", PatientStatus.UNKNOWN), ("", None, PatientStatus.UNKNOWN),
    ("Z", "Y", PatientStatus.INACTIVE),
])
def test_status_and_patient_flag(status, flag, expected):
    assert map_patient(patient_row(status=status, patient_status=flag), "US").status is expected


@pytest.mark.parametrize(("sms", "email", "text_consent", "email_consent"), [
    ("N", "N", Consent.NO, Consent.NO), ("Y", "N", Consent.YES, Consent.NO), (None, None, Consent.UNKNOWN, Consent.UNKNOWN),
    ("", " ", Consent.UNKNOWN, Consent.UNKNOWN), ("n", "y", Consent.NO, Consent.YES), (0, 1, Consent.NO, Consent.YES),
    ("?", "maybe", Consent.UNKNOWN, Consent.UNKNOWN),
])
def test_consent_flags(sms, email, text_consent, email_consent):
    p = map_patient(patient_row(receives_sms=sms, receive_email=email), "US")
    assert p.text_consent is text_consent and p.email_consent is email_consent
    assert p.sms_opt_out is (text_consent is Consent.NO) and p.email_opt_out is (email_consent is Consent.NO)


@pytest.mark.parametrize(("party", "expected"), [(1, "1"), (None, "1"), (0, "1"), (3, "3"), ("3", "3")])
def test_responsible_party_is_the_guarantor(party, expected):
    assert map_patient(patient_row(responsible_party=party), "US").guarantor_id == expected


def test_hard_patient_values():
    p = map_patient(patient_row(birth_date=None, cell_phone="n/a", work_phone="555.0199 ext 4", email_address="",
                                sex="X", practice_id=None, preferred_dentist=""), "US")
    assert p.birthdate is None and p.gender == "unknown" and p.location_id is None and p.primary_provider_id is None
    assert p.mobile_phone.raw == "n/a" and p.mobile_phone.e164 is None
    assert p.work_phone.e164 is None and p.work_phone.extension == "4"
    assert p.email is None and not p.email_is_valid
    assert map_patient(patient_row(email_address="morgan.ash@"), "US").email_is_valid is False
    assert map_patient(patient_row(birth_date="0001-01-01"), "US").birthdate is None


def test_practice_zero_is_a_location():
    assert map_patient(patient_row(practice_id=0), "US").location_id == "0"
    assert map_patient(patient_row(practice_id=2.0), "US").location_id == "2"


@pytest.mark.parametrize("pid", [None, "", 0])
def test_patient_without_id_is_rejected(pid):
    with pytest.raises(mapping.RowError, match="patient_id"):
        map_patient(patient_row(patient_id=pid), "US")


def test_nulls_everywhere_but_the_id():
    p = map_patient({"patient_id": 9}, "US")
    assert p.pms_id == "9" and p.status is PatientStatus.UNKNOWN and p.text_consent is Consent.UNKNOWN
    assert p.guarantor_id == "9" and p.location_id is None


# -- appointments ------------------------------------------------------------------------------
def test_a_scheduled_appointment():
    a = map_appointment(appt_row(), "US")
    assert a.pms_id == "101" and a.patient_id == "1" and a.starts_at == datetime(2024, 3, 4, 9, 0)
    assert a.length_minutes == 60 and a.status is AppointmentStatus.SCHEDULED
    assert a.provider_id == "DR1" and a.location_id == "1" and a.description == "Crown prep" and a.confirmed == ""


@pytest.mark.parametrize(("arrival", "walkout", "status"), [
    (4, None, AppointmentStatus.COMPLETE), ("4", None, AppointmentStatus.COMPLETE),
    (0, datetime(2024, 3, 4, 10, 35), AppointmentStatus.COMPLETE), (None, "10:35:00", AppointmentStatus.COMPLETE),
    (0, None, AppointmentStatus.SCHEDULED), (None, "", AppointmentStatus.SCHEDULED), ("x", None, AppointmentStatus.SCHEDULED),
])
def test_completed_by_arrival_status_or_walkout(arrival, walkout, status):
    assert map_appointment(appt_row(arrival_status=arrival, walkout_time=walkout), "US").status is status


def test_appointment_codes_are_settings():
    codes = EaglesoftCodes.from_settings({"appointment_walkout_completes": "no",
                                          "appointment_complete_arrival_codes": "5",
                                          "appointment_broken_arrival_codes": "9"})
    assert map_appointment(appt_row(walkout_time=datetime(2024, 3, 4)), "US", codes).status is AppointmentStatus.SCHEDULED
    assert map_appointment(appt_row(arrival_status=5), "US", codes).status is AppointmentStatus.COMPLETE
    assert map_appointment(appt_row(arrival_status=9), "US", codes).status is AppointmentStatus.BROKEN


def test_length_and_confirmation():
    assert minutes_between(datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 10, 30)) == 90
    assert minutes_between(datetime(2024, 1, 1, 9), None) == 0
    assert minutes_between(datetime(2024, 1, 1, 9), datetime(2024, 1, 1, 8)) == 0
    a = map_appointment(appt_row(end_time="garbage", date_confirmed="2031-05-01 10:00:00"), "US")
    assert a.length_minutes == 0 and a.confirmed == "Confirmed"
    a = map_appointment(appt_row(start_time=None, end_time=None, practice_id=None, provider_id=None), "US")
    assert a.starts_at is None and a.location_id is None and a.provider_id is None


def test_appointment_without_patient_is_rejected():
    with pytest.raises(mapping.RowError, match="patient_id"):
        map_appointment(appt_row(patient_id=None), "US")


# -- recalls, planned services, providers, locations -------------------------------------------
def test_recall():
    r = map_recall({"patient_id": 1, "recall_id": 2, "next_recall_date": date(2025, 3, 4),
                    "last_recall_date": None, "recall_description": "Bitewings", "receive_recalls": "Y"}, "US")
    assert r.pms_id == "1:2" and r.recall_type == "Bitewings" and r.due_date == date(2025, 3, 4)
    assert r.previous_date is None and not r.is_disabled
    r = map_recall({"patient_id": 5, "recall_id": 1, "receive_recalls": "N", "recall_description": None}, "US")
    assert r.is_disabled and r.recall_type == "Recall"
    with pytest.raises(mapping.RowError, match="recall_id"):
        map_recall({"patient_id": 5, "recall_id": None}, "US")


def test_planned_service_with_and_without_appointment():
    scheduled = map_procedure({"patient_id": 1, "line_number": 0, "service_code": "D2740", "ada_code": "D2740",
                               "provider_id": "DR1", "date_planned": date(2024, 2, 1), "fee": 1200.0, "status": "A",
                               "description": "Crown #3", "appt_id": 103}, "US")
    assert scheduled.pms_id == "1:0" and scheduled.appointment_id == "103"
    assert scheduled.status is ProcedureStatus.TREATMENT_PLANNED and scheduled.code == "D2740"
    assert scheduled.description == "Crown #3" and scheduled.fee == 1200.0 and scheduled.planned_date == date(2024, 2, 1)
    unscheduled = map_procedure({"patient_id": 1, "line_number": 1, "service_code": "D2950", "ada_code": None,
                                 "description": None, "service_description": "Core buildup", "appt_id": None,
                                 "fee": "n/a"}, "US")
    assert unscheduled.appointment_id is None and unscheduled.code == "D2950"
    assert unscheduled.description == "Core buildup" and unscheduled.fee == 0.0
    assert map_procedure({"patient_id": 4, "line_number": 4, "appt_id": 0}, "US").appointment_id is None
    with pytest.raises(mapping.RowError, match="line_number"):
        map_procedure({"patient_id": 4, "line_number": None}, "US")


def test_planned_service_status_codes_setting():
    codes = EaglesoftCodes.from_settings({"planned_service_status_codes": "C=complete, D=deleted"})
    assert map_procedure({"patient_id": 1, "line_number": 1, "status": "C"}, "US", codes).status is ProcedureStatus.COMPLETE
    assert map_procedure({"patient_id": 1, "line_number": 1, "status": "A"}, "US", codes).status is ProcedureStatus.TREATMENT_PLANNED


@pytest.mark.parametrize(("row", "active", "hidden", "hygienist"), [
    ({"status": "A", "position_id": 1, "position_description": "Dentist"}, True, False, False),
    ({"status": "I", "position_id": 1, "position_description": "Dentist"}, False, False, False),
    ({"status": "A", "position_id": 5, "position_description": "Front desk"}, True, True, False),
    ({"status": "A", "position_id": 2, "position_description": "Dental Hygienist"}, True, False, True),
    ({"status": None, "position_id": None, "position_description": None}, False, False, False),
])
def test_providers(row, active, hidden, hygienist):
    p = map_provider({"provider_id": "DR1", "first_name": "Quinn", "last_name": "Hart", **row}, "US")
    assert (p.is_active, p.is_hidden, p.is_hygienist) == (active, hidden, hygienist)
    assert p.pms_id == p.abbreviation == "DR1"


def test_hygienist_positions_setting():
    codes = EaglesoftCodes.from_settings({"hygienist_position_ids": "7"})
    assert map_provider({"provider_id": "H", "position_id": 7, "position_description": "RDH"}, "US", codes).is_hygienist


def test_locations():
    assert map_location({"practice_id": 1}, "US").name == "Practice 1"
    codes = EaglesoftCodes.from_settings({"location_names": "1=Lane Street, 2=Birch Avenue"})
    assert map_location({"practice_id": 2}, "US", codes).name == "Birch Avenue"
    assert map_location({"practice_id": 2, "practice_name": "From table"}, "US", codes).name == "From table"
    assert map_location({"practice_id": 0}, "US").pms_id == "0"
    with pytest.raises(mapping.RowError):
        map_location({"practice_id": None}, "US")


def test_yn_consent():
    assert yn_consent("N") is Consent.NO and yn_consent(b"Y") is Consent.YES and yn_consent(None) is Consent.UNKNOWN


@pytest.mark.parametrize("settings", [{"planned_service_status_codes": "C=done"}, {"location_names": "Main"},
                                      {"gender_codes": "M"}])
def test_bad_code_settings_are_reported(settings):
    with pytest.raises(ConfigurationError, match="setting"):
        EaglesoftCodes.from_settings(settings)


def test_default_codes_are_the_facts_best_guesses():
    assert DEFAULT_CODES.patient_active == {"A"} and DEFAULT_CODES.patient_flag == {"Y"}
    assert DEFAULT_CODES.complete_arrival == {"4"} and DEFAULT_CODES.walkout_completes
    assert DEFAULT_CODES.block_classifications == {"2"} and DEFAULT_CODES.non_provider_positions == {"5"}


# -- the reader's configuration (no connection is made) -----------------------------------------
def without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def test_open_reader_picks_eaglesoft_with_top_paging_and_ppm_owner():
    reader = open_reader(ConnectionSettings(vendor=Vendor.EAGLESOFT))
    assert isinstance(reader, EaglesoftReader)
    assert reader.paging == "top"
    assert "FROM PPM.patient p" in reader.sql("patients", changed_filter="", top="TOP 5", limit="")
    assert not any(reader.supports_changes_since(e) for e in Entity)  # no change stamps anywhere
    assert reader.queries[Entity.PROVIDERS].numeric_key is False
    assert reader.queries[Entity.APPOINTMENTS].full_filter == \
        "AND (a.classification IS NULL OR a.classification NOT IN (2))"
    assert set(reader.grouped) == {Entity.RECALLS, Entity.PROCEDURES}
    assert set(reader.expected) == {
        "PPM.patient", "PPM.appointment", "PPM.appointment_provider", "PPM.chairs", "PPM.appt_types",
        "PPM.patient_recalls", "PPM.recalls", "PPM.planned_services", "PPM.services", "PPM.provider",
        "PPM.positions"}
    assert reader.expected["PPM.chairs"] == ("chair_num", "practice_id")  # one table, listed once


def test_owner_tables_and_location_source_are_settings():
    reader = EaglesoftReader(ConnectionSettings(vendor=Vendor.EAGLESOFT, overrides={
        "schema": "dba", "practice_table": "practice_master", "practice_name_column": "practice_name",
        "appointment_block_classifications": ""}))
    assert "FROM dba.patient p" in reader.sql("patients", changed_filter="", top="", limit="")
    assert reader.queries[Entity.LOCATIONS].sql_file == "practices"
    assert reader.expected["dba.practice_master"] == ("practice_id", "practice_name")
    assert reader.queries[Entity.APPOINTMENTS].full_filter == ""
    sql = without_comments(reader.sql("practices", changed_filter="", top="", limit=""))
    assert "pm.practice_name AS practice_name" in sql and "FROM dba.practice_master pm" in sql


def test_no_sql_reads_the_rw_change_tables():
    for f in resources.files("engage_desktop.pms.sql.eaglesoft").iterdir():
        if f.name.endswith(".sql"):
            assert "rw_" not in f.read_text(encoding="utf-8").lower(), f.name


def test_sql_files_keep_comments_driver_safe():
    for f in resources.files("engage_desktop.pms.sql.eaglesoft").iterdir():
        if f.name.endswith(".sql"):
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.lstrip().startswith("--"):
                    assert not set(line) & set(";'\"?{}"), f"{f.name}: {line}"
