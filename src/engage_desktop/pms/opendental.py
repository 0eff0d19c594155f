"""Open Dental (MySQL/MariaDB) reader, and the pure mappers from its rows.

Tables, columns and enum values are from docs/facts/pms.md section 1 (Open Dental's own
source). The demo practice is an Open Dental-schema SQLite file read by this same code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    Consent,
    ContactMethod,
    PatientStatus,
    PmsAppointment,
    PmsLocation,
    PmsPatient,
    PmsProcedure,
    PmsProvider,
    PmsRecall,
    ProcedureStatus,
)
from engage_desktop.domain.ports import Batch, Entity
from engage_desktop.pms import mapping as m
from engage_desktop.pms.sql_reader import EntityQuery, SqlFileReader

# enum PatientStatus (patient.PatStatus)
PAT_STATUS = {
    0: PatientStatus.ACTIVE,
    1: PatientStatus.NON_PATIENT,
    2: PatientStatus.INACTIVE,
    3: PatientStatus.ARCHIVED,
    4: PatientStatus.DELETED,
    5: PatientStatus.DECEASED,
    6: PatientStatus.PROSPECTIVE,
}
# enum ApptStatus (appointment.AptStatus); 4 ASAP is deprecated (now Priority) and still means
# "on the unscheduled list"; 0 None is never used.
APT_STATUS = {
    1: AppointmentStatus.SCHEDULED,
    2: AppointmentStatus.COMPLETE,
    3: AppointmentStatus.UNSCHEDULED,
    4: AppointmentStatus.UNSCHEDULED,
    5: AppointmentStatus.BROKEN,
    6: AppointmentStatus.PLANNED,
    7: AppointmentStatus.NOTE,
    8: AppointmentStatus.NOTE,
}
# enum ProcStat (procedurelog.ProcStatus); there is no 0.
PROC_STATUS = {
    1: ProcedureStatus.TREATMENT_PLANNED,
    2: ProcedureStatus.COMPLETE,
    3: ProcedureStatus.EXISTING,
    4: ProcedureStatus.EXISTING,
    5: ProcedureStatus.REFERRED,
    6: ProcedureStatus.DELETED,
    7: ProcedureStatus.CONDITION,
    8: ProcedureStatus.TREATMENT_PLANNED_INACTIVE,
}
YN = {0: Consent.UNKNOWN, 1: Consent.YES, 2: Consent.NO}
CONTACT_METHOD = {
    0: ContactMethod.NONE,
    1: ContactMethod.DO_NOT_CALL,
    2: ContactMethod.HOME_PHONE,
    3: ContactMethod.WORK_PHONE,
    4: ContactMethod.MOBILE_PHONE,
    5: ContactMethod.EMAIL,
    6: ContactMethod.SEE_NOTES,
    7: ContactMethod.MAIL,
    8: ContactMethod.TEXT,
}
GENDER = {0: "male", 1: "female", 2: "unknown", 3: "other"}
# commoptout flags: 1 = All, 2048 = GeneralMessages. Either stops marketing messages.
OPT_OUT_ALL = 1
OPT_OUT_GENERAL = 2048
_LOCATED = frozenset({Entity.PATIENTS, Entity.APPOINTMENTS, Entity.PROCEDURES})
HEADQUARTERS = "0"  # ClinicNum 0: "no clinic" (clinics off) or Headquarters (clinics on)


def map_patient(row: Mapping[str, Any], region: str) -> PmsPatient:
    pat_num = m.required_id(row, "patnum")
    email, email_ok = m.email(row.get("email"))
    opt_sms = m.integer(row.get("optoutsms"))
    opt_email = m.integer(row.get("optoutemail"))
    return PmsPatient(
        pms_id=pat_num,
        last_name=m.text(row.get("lname")),
        first_name=m.text(row.get("fname")),
        middle_initial=m.text(row.get("middlei")),
        preferred_name=m.text(row.get("preferred")),
        chart_number=m.text(row.get("chartnumber")),
        birthdate=m.to_date(row.get("birthdate")),
        status=PAT_STATUS.get(m.integer(row.get("patstatus"), -1), PatientStatus.UNKNOWN),
        gender=GENDER.get(m.integer(row.get("gender"), 2), "unknown"),
        home_phone=m.phone(row.get("hmphone"), region),
        work_phone=m.phone(row.get("wkphone"), region),
        mobile_phone=m.phone(row.get("wirelessphone"), region),
        email=email,
        email_is_valid=email_ok,
        address1=m.text(row.get("address")),
        address2=m.text(row.get("address2")),
        city=m.text(row.get("city")),
        state=m.text(row.get("state")).upper()[:20],
        postcode=m.text(row.get("zip")),
        text_consent=YN.get(m.integer(row.get("txtmsgok")), Consent.UNKNOWN),
        # Open Dental has no email consent flag; only the opt-out table speaks to email.
        email_consent=Consent.UNKNOWN,
        sms_opt_out=bool(opt_sms & (OPT_OUT_ALL | OPT_OUT_GENERAL)),
        email_opt_out=bool(opt_email & (OPT_OUT_ALL | OPT_OUT_GENERAL)),
        preferred_contact=CONTACT_METHOD.get(m.integer(row.get("prefercontactmethod")), ContactMethod.NONE),
        primary_provider_id=m.ident(row.get("priprov")),
        secondary_provider_id=m.ident(row.get("secprov")),
        location_id=m.ident(row.get("clinicnum")) or HEADQUARTERS,
        # A guarantor of 0 or of itself both mean "head of the family".
        guarantor_id=m.ident(row.get("guarantor")) or pat_num,
        language=m.text(row.get("language")),
        first_visit=m.to_date(row.get("datefirstvisit")),
        deceased_at=m.to_datetime(row.get("datetimedeceased")),
        changed_at=m.to_datetime(row.get("datetstamp")),
    )


def appointment_length(pattern: str) -> int:
    """Pattern holds one character per 5 minutes ('//XX//' = 30 minutes)."""
    return 5 * len(pattern.strip())


def map_appointment(row: Mapping[str, Any], region: str) -> PmsAppointment:
    return PmsAppointment(
        pms_id=m.required_id(row, "aptnum"),
        patient_id=m.required_id(row, "patnum"),
        starts_at=m.to_datetime(row.get("aptdatetime")),
        status=APT_STATUS.get(m.integer(row.get("aptstatus"), -1), AppointmentStatus.UNKNOWN),
        length_minutes=appointment_length(m.text(row.get("pattern"))),
        provider_id=m.ident(row.get("provnum")),
        hygienist_id=m.ident(row.get("provhyg")),
        location_id=m.ident(row.get("clinicnum")) or HEADQUARTERS,
        is_hygiene=m.flag(row.get("ishygiene")),
        description=m.text(row.get("procdescript")),
        confirmed=m.text(row.get("confirmed")),
        changed_at=m.to_datetime(row.get("datetstamp")),
    )


def map_recall(row: Mapping[str, Any], region: str) -> PmsRecall:
    return PmsRecall(
        pms_id=m.required_id(row, "recallnum"),
        patient_id=m.required_id(row, "patnum"),
        recall_type=m.text(row.get("recalltype")) or "Recall",
        due_date=m.to_date(row.get("datedue")),
        previous_date=m.to_date(row.get("dateprevious")),
        scheduled_date=m.to_date(row.get("datescheduled")),
        is_disabled=m.flag(row.get("isdisabled")),
        changed_at=m.to_datetime(row.get("datetstamp")),
    )


def map_procedure(row: Mapping[str, Any], region: str) -> PmsProcedure:
    return PmsProcedure(
        pms_id=m.required_id(row, "procnum"),
        patient_id=m.required_id(row, "patnum"),
        status=PROC_STATUS.get(m.integer(row.get("procstatus"), -1), ProcedureStatus.UNKNOWN),
        code=m.text(row.get("proccode")),
        description=m.text(row.get("descript")),
        fee=m.number(row.get("procfee")),
        provider_id=m.ident(row.get("provnum")),
        location_id=m.ident(row.get("clinicnum")) or HEADQUARTERS,
        appointment_id=m.ident(row.get("aptnum")),
        planned_date=m.to_date(row.get("datetp")),
        changed_at=m.to_datetime(row.get("datetstamp")),
    )


def map_provider(row: Mapping[str, Any], region: str) -> PmsProvider:
    return PmsProvider(
        pms_id=m.required_id(row, "provnum"),
        abbreviation=m.text(row.get("abbr")),
        first_name=m.text(row.get("fname")),
        last_name=m.text(row.get("lname")),
        is_hygienist=m.flag(row.get("issecondary")),
        is_hidden=m.flag(row.get("ishidden")),
        is_active=m.integer(row.get("provstatus")) == 0,
    )


def map_clinic(row: Mapping[str, Any], region: str) -> PmsLocation:
    return PmsLocation(
        pms_id=m.required_id(row, "clinicnum"),
        name=m.text(row.get("description")) or m.text(row.get("abbr")) or "Clinic",
        abbreviation=m.text(row.get("abbr")),
        address1=m.text(row.get("address")),
        city=m.text(row.get("city")),
        state=m.text(row.get("state")).upper(),
        postcode=m.text(row.get("zip")),
        phone=m.text(row.get("phone")),
        time_zone=m.text(row.get("timezone")),
        is_hidden=m.flag(row.get("ishidden")),
    )


def headquarters(prefs: Mapping[str, str], clinics_on: bool) -> PmsLocation:
    """ClinicNum 0 as a location: the practice itself when clinics are off."""
    return PmsLocation(
        pms_id=HEADQUARTERS,
        name=("Headquarters" if clinics_on else prefs.get("PracticeTitle", "").strip()) or "Main office",
        address1=prefs.get("PracticeAddress", "").strip(),
        city=prefs.get("PracticeCity", "").strip(),
        state=prefs.get("PracticeST", "").strip().upper(),
        postcode=prefs.get("PracticeZip", "").strip(),
        phone=prefs.get("PracticePhone", "").strip(),
    )


class OpenDentalReader(SqlFileReader):
    vendor = "Open Dental"
    sql_package = "engage_desktop.pms.sql.opendental"
    queries = {
        Entity.PATIENTS: EntityQuery("patients", "patnum", map_patient, changed_column="p.DateTStamp"),
        Entity.APPOINTMENTS: EntityQuery("appointments", "aptnum", map_appointment, changed_column="a.DateTStamp"),
        Entity.RECALLS: EntityQuery("recalls", "recallnum", map_recall, changed_column="r.DateTStamp"),
        Entity.PROCEDURES: EntityQuery(
            "procedures", "procnum", map_procedure, changed_column="pl.DateTStamp", full_filter="AND pl.ProcStatus IN (1, 8)"
        ),
        Entity.PROVIDERS: EntityQuery("providers", "provnum", map_provider),
        Entity.LOCATIONS: EntityQuery("locations", "clinicnum", map_clinic),
    }
    expected = {
        "patient": ("PatNum", "LName", "FName", "MiddleI", "Preferred", "ChartNumber", "Birthdate", "PatStatus",
                    "Gender", "HmPhone", "WkPhone", "WirelessPhone", "Email", "Address", "Address2", "City", "State",
                    "Zip", "TxtMsgOk", "PreferContactMethod", "PriProv", "SecProv", "ClinicNum", "Guarantor",
                    "Language", "DateFirstVisit", "DateTimeDeceased", "DateTStamp"),
        "commoptout": ("PatNum", "OptOutSms", "OptOutEmail"),
        "appointment": ("AptNum", "PatNum", "AptDateTime", "AptStatus", "Pattern", "ProvNum", "ProvHyg",
                        "ClinicNum", "IsHygiene", "ProcDescript", "Confirmed", "DateTStamp"),
        "definition": ("DefNum", "ItemName"),
        "recall": ("RecallNum", "PatNum", "RecallTypeNum", "DateDue", "DatePrevious", "DateScheduled",
                   "IsDisabled", "DateTStamp"),
        "recalltype": ("RecallTypeNum", "Description"),
        "procedurelog": ("ProcNum", "PatNum", "ProcStatus", "CodeNum", "ProcFee", "ProvNum", "ClinicNum", "AptNum",
                         "DateTP", "DateTStamp"),
        "procedurecode": ("CodeNum", "ProcCode", "Descript"),
        "provider": ("ProvNum", "Abbr", "FName", "LName", "IsSecondary", "IsHidden", "ProvStatus"),
        "clinic": ("ClinicNum", "Description", "Abbr", "Address", "City", "State", "Zip", "Phone", "TimeZone",
                   "IsHidden"),
        "preference": ("PrefName", "ValueString"),
    }

    def preferences(self) -> dict[str, str]:
        return {r["prefname"]: m.text(r["valuestring"]) for r in self.fetch(self.sql("preferences"))}

    _clinics_on: bool | None = None

    def clinics_on(self) -> bool:
        """Open Dental's rule: clinics are on when EasyNoClinics is off and a clinic exists."""
        if self._clinics_on is None:
            prefs = self.preferences()
            has_clinic = bool(self.fetch(self.sql("locations", changed_filter="", top="", limit="LIMIT 1"), (-1,)))
            self._clinics_on = prefs.get("EasyNoClinics", "0") != "1" and has_clinic
        return self._clinics_on

    def read_batch(self, entity, *, after_key, changed_since, limit) -> Batch:
        batch = super().read_batch(entity, after_key=after_key, changed_since=changed_since, limit=limit)
        if entity is Entity.LOCATIONS:
            # Clinics off: the practice is one location. Either way ClinicNum 0 has no clinic
            # row, so the first page adds it.
            records = list(batch.records) if self.clinics_on() else []
            if after_key is None:
                records.insert(0, headquarters(self.preferences(), self.clinics_on()))
            return replace(batch, records=records)
        if not self.clinics_on() and entity in _LOCATED:
            records = [r if r.location_id == HEADQUARTERS else replace(r, location_id=HEADQUARTERS) for r in batch.records]
            return replace(batch, records=records)
        return batch

    def server_version(self) -> str:
        try:
            return self.preferences().get("DataBaseVersion", "")
        except Exception:  # noqa: BLE001 - the version is informative only
            return ""
