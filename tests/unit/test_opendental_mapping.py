"""Open Dental rows -> domain records, on the hard rows real practices have."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    Consent,
    ContactMethod,
    PatientStatus,
    ProcedureStatus,
)
from engage_desktop.pms import mapping
from engage_desktop.pms.opendental import (
    map_appointment,
    map_clinic,
    map_patient,
    map_procedure,
    map_provider,
    map_recall,
)


def patient_row(**kw):
    row = {
        "patnum": 42, "lname": "Testperson", "fname": "Avery", "middlei": "", "preferred": "", "chartnumber": "",
        "birthdate": "1980-03-14", "patstatus": 0, "gender": 1, "hmphone": "", "wkphone": "", "wirelessphone": "",
        "email": "", "address": "", "address2": "", "city": "", "state": "", "zip": "", "txtmsgok": 0,
        "prefercontactmethod": 0, "priprov": 1, "secprov": 0, "clinicnum": 0, "guarantor": 42, "language": "",
        "datefirstvisit": "0001-01-01", "datetimedeceased": "0001-01-01 00:00:00", "datetstamp": "2026-01-02 03:04:05",
        "optoutsms": None, "optoutemail": None,
    }
    row.update(kw)
    return row


@pytest.mark.parametrize("value", ["0001-01-01", "0000-00-00", None, "", "garbage", date(1, 1, 1), "1880-12-31"])
def test_no_date_values_become_none(value):
    assert mapping.to_date(value) is None


def test_dates_come_as_text_date_or_datetime():
    assert mapping.to_date("1980-03-14") == date(1980, 3, 14)
    assert mapping.to_date(date(1980, 3, 14)) == date(1980, 3, 14)
    assert mapping.to_date(datetime(1980, 3, 14, 8, 0)) == date(1980, 3, 14)
    assert mapping.to_datetime("2026-01-02 03:04:05") == datetime(2026, 1, 2, 3, 4, 5)
    assert mapping.to_datetime("0000-00-00 00:00:00") is None


@pytest.mark.parametrize(
    ("code", "status"),
    [(0, PatientStatus.ACTIVE), (1, PatientStatus.NON_PATIENT), (2, PatientStatus.INACTIVE), (3, PatientStatus.ARCHIVED),
     (4, PatientStatus.DELETED), (5, PatientStatus.DECEASED), (6, PatientStatus.PROSPECTIVE), (99, PatientStatus.UNKNOWN)],
)
def test_every_patstatus(code, status):
    assert map_patient(patient_row(patstatus=code), "US").status is status


@pytest.mark.parametrize(
    ("code", "status"),
    [(1, AppointmentStatus.SCHEDULED), (2, AppointmentStatus.COMPLETE), (3, AppointmentStatus.UNSCHEDULED),
     (4, AppointmentStatus.UNSCHEDULED), (5, AppointmentStatus.BROKEN), (6, AppointmentStatus.PLANNED),
     (7, AppointmentStatus.NOTE), (8, AppointmentStatus.NOTE), (0, AppointmentStatus.UNKNOWN)],
)
def test_every_aptstatus(code, status):
    row = {"aptnum": 1, "patnum": 2, "aptdatetime": "2026-03-01 09:30:00", "aptstatus": code, "pattern": "//XXXX//"}
    appt = map_appointment(row, "US")
    assert appt.status is status
    assert appt.length_minutes == 40
    assert appt.starts_at == datetime(2026, 3, 1, 9, 30)


@pytest.mark.parametrize(
    ("code", "status"),
    [(1, ProcedureStatus.TREATMENT_PLANNED), (2, ProcedureStatus.COMPLETE), (3, ProcedureStatus.EXISTING),
     (4, ProcedureStatus.EXISTING), (5, ProcedureStatus.REFERRED), (6, ProcedureStatus.DELETED),
     (7, ProcedureStatus.CONDITION), (8, ProcedureStatus.TREATMENT_PLANNED_INACTIVE), (0, ProcedureStatus.UNKNOWN)],
)
def test_every_procstatus(code, status):
    proc = map_procedure({"procnum": 5, "patnum": 2, "procstatus": code, "aptnum": 0, "procfee": "120.5"}, "US")
    assert proc.status is status
    assert proc.appointment_id is None  # AptNum 0 = not on an appointment (unscheduled)
    assert proc.fee == 120.5


@pytest.mark.parametrize(
    ("raw", "e164", "extension"),
    [
        ("(503) 555-0142", "+15035550142", None),
        ("503.555.0142", "+15035550142", None),
        ("503-555-0142 x12", "+15035550142", "12"),
        ("503 555 0142 ext. 7", "+15035550142", "7"),
        ("+44 20 7946 0958", "+442079460958", None),
        ("555-0142", None, None),  # no area code: kept raw, marked invalid
        ("n/a", None, None),
        ("123", None, None),
    ],
)
def test_phones_with_punctuation_extensions_and_garbage(raw, e164, extension):
    p = map_patient(patient_row(wirelessphone=raw), "US").mobile_phone
    assert p is not None and p.raw == raw.strip()
    assert p.e164 == e164
    assert p.extension == extension


def test_empty_phone_and_missing_email():
    p = map_patient(patient_row(wirelessphone="  ", email=None), "US")
    assert p.mobile_phone is None
    assert p.email is None and p.email_is_valid is False


def test_invalid_email_is_kept_but_marked():
    p = map_patient(patient_row(email="john@"), "US")
    assert p.email == "john@" and p.email_is_valid is False
    ok = map_patient(patient_row(email=" Avery.T@Example.com "), "US")
    assert ok.email_is_valid and ok.email == "Avery.T@example.com"


def test_guarantor_dependent_and_head_of_family():
    head = map_patient(patient_row(patnum=10, guarantor=10), "US")
    child = map_patient(patient_row(patnum=11, guarantor=10), "US")
    orphan = map_patient(patient_row(patnum=12, guarantor=0), "US")
    assert head.guarantor_id == "10" and child.guarantor_id == "10"
    assert orphan.guarantor_id == "12"  # 0 means "self"


def test_consent_and_opt_out_flags():
    p = map_patient(patient_row(txtmsgok=2, optoutsms=2048, optoutemail=4, prefercontactmethod=8), "US")
    assert p.text_consent is Consent.NO
    assert p.sms_opt_out is True  # GeneralMessages
    assert p.email_opt_out is False  # only eReminder opted out: marketing is still allowed
    assert p.preferred_contact is ContactMethod.TEXT
    assert map_patient(patient_row(txtmsgok=1, optoutsms=1), "US").sms_opt_out is True  # All


def test_deceased_patient_and_clinics_off():
    p = map_patient(patient_row(patstatus=5, datetimedeceased="2025-07-01 00:00:00", clinicnum=0), "US")
    assert p.status is PatientStatus.DECEASED
    assert p.deceased_at == datetime(2025, 7, 1)
    assert p.location_id == "0"  # headquarters / no clinic


def test_names_are_trimmed_and_display_name_uses_preferred():
    p = map_patient(patient_row(lname="  ROBERTSON ", fname="Robert ", preferred="Bob"), "US")
    assert p.last_name == "ROBERTSON" and p.display_name == "ROBERTSON, Robert (Bob)"


def test_a_row_without_an_id_is_rejected_with_the_column_name_only():
    with pytest.raises(mapping.RowError, match="missing patnum"):
        map_patient(patient_row(patnum=None), "US")


def test_hidden_and_deleted_providers():
    hidden = map_provider({"provnum": 3, "abbr": "HYG2", "issecondary": 1, "ishidden": 1, "provstatus": 0}, "US")
    deleted = map_provider({"provnum": 4, "abbr": "OLD", "issecondary": 0, "ishidden": 0, "provstatus": 1}, "US")
    assert hidden.is_hidden and hidden.is_hygienist and hidden.is_active
    assert not deleted.is_active


def test_recall_and_clinic():
    r = map_recall({"recallnum": 1, "patnum": 2, "recalltype": None, "datedue": "2026-01-15", "dateprevious": "0001-01-01",
                    "datescheduled": "0001-01-01", "isdisabled": 0}, "US")
    assert r.due_date == date(2026, 1, 15) and r.previous_date is None and r.recall_type == "Recall"
    c = map_clinic({"clinicnum": 2, "description": "", "abbr": "East", "state": "or", "ishidden": 0}, "US")
    assert c.name == "East" and c.state == "OR"
