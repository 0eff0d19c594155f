"""Dentrix G-series (c-treeACE SQL) reader, and the pure mappers from its rows.

Henry Schein One publishes the G-series schema only to Dentrix Developer Program members, so
every view, column and code here comes from third-party integrations (docs/facts/pms.md
section 2). Names and codes the facts mark UNCONFIRMED are settings: SQL object names in
``DentrixReader.object_names`` and codes in ``CODE_DEFAULTS``, both overridable per install
through ``ConnectionSettings.overrides``. ``check_schema()`` lists every missing view/column,
and its notes repeat the unverified codes in use so a technician knows what to check.

Change detection per entity (facts 2.5):
- appointments: ``admin.v_appt.modified_date`` (Chewsi), joined on appointment_id, is the
  change stamp; set ``appointment_changes_view`` to "" to fall back to full passes.
- patients, recalls, providers, procedures: no stamp is documented on the views we read
  (``admin.patient.automodifiedtimestamp`` is UNCONFIRMED), so ``changed_column`` is None and
  the sync reads them in full passes. Deleted appointments (``admin.appthist.deletedflag``)
  disappear at the next full pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import Any, TypeVar

from engage_desktop.domain.errors import ConfigurationError
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
from engage_desktop.pms.odbc import ConnectionSettings
from engage_desktop.pms.sql_reader import EntityQuery
from engage_desktop.pms.vendor_reader import (
    VendorSqlReader,
    code_key,
    parse_code_map,
    parse_codes,
    parse_int,
    parse_text_map,
    sql_literals,
)

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Enum)


# ---------------------------------------------------------------------------------------------
# Every default below is the facts' best guess; each is UNCONFIRMED (facts section in brackets).
CODE_DEFAULTS: dict[str, str] = {
    # [2.4] v_patient.status: Pozative maps 1 Patient, 2 Non-patient, 3 Inactive and treats 4 as
    # inactive; Dentrix has four statuses, so 4 = Archived (UNCONFIRMED). No Deceased status.
    "patient_status_codes": "1=active, 2=non_patient, 3=inactive, 4=archived",
    # [2.4] gender (Pozative): 1 male, 2 female, anything else unknown. UNCONFIRMED.
    "gender_codes": "1=male, 2=female",
    # [2.3] privacy_flags bitmask (Pozative): flag value 1 = no voice calls; flag value 2 = no SMS
    # and no e-mail. Meaning UNCONFIRMED.
    "privacy_no_calls_flag": "1",
    "privacy_no_messages_flag": "2",
    # [2.4] appointment status_id: Chewsi treats 150 or -106 as completed/checked out; Pozative
    # treats -106 as a past visit. UNCONFIRMED; labels are read from V_appt_Status_Codes too.
    "appointment_complete_codes": "-106, 150",
    # [2.4] broken appointments: no source found (believed to go to the Unscheduled List).
    "appointment_broken_codes": "",
    # [2.3] fullproclog.chartstatus meaning "treatment planned": NO public source. 101 is our guess
    # only (the code below the 105 that Pozative writes for posted procedures). Check the DDP
    # "Read API List" and set this for the install.
    "procedure_tp_codes": "101",
    # [2.3] Pozative inserts posted (completed) procedures with chartstatus 105.
    "procedure_complete_codes": "105",
    # [2.3 Clinics] no G-series clinic table: the practice is one location "0" with this name.
    "location_name": "Main office",
}

_GENDERS = {"male", "female", "other", "unknown"}
MAIN_OFFICE = "0"  # Pozative hard-codes clinic 0 for Dentrix (facts 2.3, Clinics/locations)


@dataclass(frozen=True)
class DentrixCodes:
    patient_status: Mapping[str, PatientStatus]
    gender: Mapping[str, str]
    privacy_no_calls: int
    privacy_no_messages: int
    appointment_complete: frozenset[str]
    appointment_broken: frozenset[str]
    procedure_tp: frozenset[str]
    procedure_complete: frozenset[str]
    location_name: str

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> DentrixCodes:
        s = {**CODE_DEFAULTS, **{k: v for k, v in settings.items() if k in CODE_DEFAULTS}}
        gender = parse_text_map(s["gender_codes"], "gender_codes")
        bad = {v for v in gender.values() if v.lower() not in _GENDERS}
        if bad:
            raise ConfigurationError(f"setting 'gender_codes': unknown gender {sorted(bad)} (allowed: {sorted(_GENDERS)})")
        return cls(
            patient_status=parse_code_map(s["patient_status_codes"], PatientStatus, "patient_status_codes"),
            gender={k: v.lower() for k, v in gender.items()},
            privacy_no_calls=parse_int(s["privacy_no_calls_flag"], "privacy_no_calls_flag"),
            privacy_no_messages=parse_int(s["privacy_no_messages_flag"], "privacy_no_messages_flag"),
            appointment_complete=parse_codes(s["appointment_complete_codes"]),
            appointment_broken=parse_codes(s["appointment_broken_codes"]),
            procedure_tp=parse_codes(s["procedure_tp_codes"]),
            procedure_complete=parse_codes(s["procedure_complete_codes"]),
            location_name=m.text(s["location_name"]) or "Main office",
        )


DEFAULT_CODES = DentrixCodes.from_settings({})


# ---------------------------------------------------------------------------------------------
# Pure mappers
# ---------------------------------------------------------------------------------------------
def map_patient(row: Mapping[str, Any], region: str, codes: DentrixCodes = DEFAULT_CODES) -> PmsPatient:
    patient_id = m.required_id(row, "patient_id")
    email, email_ok = m.email(row.get("email"))
    privacy = m.integer(row.get("privacy_flags"))
    no_messages = bool(privacy & codes.privacy_no_messages)
    no_calls = bool(privacy & codes.privacy_no_calls)
    return PmsPatient(
        pms_id=patient_id,
        last_name=m.text(row.get("last_name")),
        first_name=m.text(row.get("first_name")),
        middle_initial=m.text(row.get("mi")),
        preferred_name=m.text(row.get("preferred_name")),
        birthdate=m.to_date(row.get("birth_date")),
        status=codes.patient_status.get(code_key(row.get("status")), PatientStatus.UNKNOWN),
        gender=codes.gender.get(code_key(row.get("gender")), "unknown"),
        home_phone=m.phone(row.get("home_phone"), region),
        work_phone=m.phone(row.get("work_phone"), region),
        mobile_phone=m.phone(row.get("mobile_phone"), region),
        email=email,
        email_is_valid=email_ok,
        address1=m.text(row.get("address_line1")),
        address2=m.text(row.get("address_line2")),
        city=m.text(row.get("city")),
        state=m.text(row.get("state")).upper()[:20],
        postcode=m.text(row.get("zipcode")),
        # Dentrix has no consent column; only the privacy flag speaks, and only to say "no".
        text_consent=Consent.NO if no_messages else Consent.UNKNOWN,
        email_consent=Consent.NO if no_messages else Consent.UNKNOWN,
        sms_opt_out=no_messages,
        email_opt_out=no_messages,
        preferred_contact=ContactMethod.DO_NOT_CALL if no_calls else ContactMethod.NONE,
        primary_provider_id=m.ident(row.get("pri_provider_id")),
        secondary_provider_id=m.ident(row.get("sec_provider_id")),
        location_id=MAIN_OFFICE,
        # No guarantor (NULL/0) or itself: the head of the family.
        guarantor_id=m.ident(row.get("guar_id")) or patient_id,
        first_visit=m.to_date(row.get("first_visit_date")),
    )


def appointment_start(day: Any, hour: Any, minute: Any) -> datetime | None:
    """Dentrix splits the start into date + hour + minute; bad parts fall back to 0."""
    d: date | None = m.to_date(day)
    if d is None:
        return None
    h, mi = m.integer(hour), m.integer(minute)
    return datetime(d.year, d.month, d.day, h if 0 <= h <= 23 else 0, mi if 0 <= mi <= 59 else 0)


def map_appointment(row: Mapping[str, Any], region: str, codes: DentrixCodes = DEFAULT_CODES) -> PmsAppointment:
    status_code = code_key(row.get("status_id"))
    if status_code in codes.appointment_complete:
        status = AppointmentStatus.COMPLETE
    elif status_code in codes.appointment_broken:
        status = AppointmentStatus.BROKEN
    else:  # the views list appointments on the schedule
        status = AppointmentStatus.SCHEDULED
    return PmsAppointment(
        pms_id=m.required_id(row, "appointment_id"),
        patient_id=m.required_id(row, "patient_id"),
        starts_at=appointment_start(row.get("appointment_date"), row.get("start_hour"), row.get("start_minute")),
        status=status,
        length_minutes=max(0, m.integer(row.get("appt_length"))),
        provider_id=m.ident(row.get("provider_id")),
        location_id=MAIN_OFFICE,
        description=m.text(row.get("note")),
        confirmed=m.text(row.get("status_label")),
        changed_at=m.to_datetime(row.get("modified_date")),
    )


def map_recall(row: Mapping[str, Any], region: str, codes: DentrixCodes = DEFAULT_CODES) -> PmsRecall:
    """v_patient_recall has no id column: a recall is (patient, recall type)."""
    patient_id = m.required_id(row, "patient_id")
    recall_type = m.text(row.get("recall_type"))
    return PmsRecall(
        pms_id=f"{patient_id}:{recall_type}",
        patient_id=patient_id,
        recall_type=recall_type or "Recall",
        due_date=m.to_date(row.get("due_date")),
    )


def map_procedure(row: Mapping[str, Any], region: str, codes: DentrixCodes = DEFAULT_CODES) -> PmsProcedure:
    status_code = code_key(row.get("chartstatus"))
    if status_code in codes.procedure_tp:
        status = ProcedureStatus.TREATMENT_PLANNED
    elif status_code in codes.procedure_complete:
        status = ProcedureStatus.COMPLETE
    else:
        status = ProcedureStatus.UNKNOWN
    return PmsProcedure(
        pms_id=m.required_id(row, "procid"),
        patient_id=m.required_id(row, "patid"),
        status=status,
        code=m.text(row.get("adacode")),
        description=m.text(row.get("abbrevdescript")),
        fee=m.number(row.get("amt")),
        provider_id=m.ident(row.get("provid")),
        location_id=MAIN_OFFICE,
        # fullproclog has no appointment column; the link lives in admin.appt.codeid1..20.
        appointment_id=None,
        planned_date=m.to_date(row.get("procdate")) or m.to_date(row.get("createdate")),
    )


def map_provider(row: Mapping[str, Any], region: str, codes: DentrixCodes = DEFAULT_CODES) -> PmsProvider:
    provider_id = m.required_id(row, "provider_id")
    return PmsProvider(
        pms_id=provider_id,
        abbreviation=provider_id,  # Dentrix provider ids are the short codes the office knows ("DDS1")
        first_name=m.text(row.get("first_name")),
        last_name=m.text(row.get("last_name")),
        is_active=not m.flag(row.get("inactive")),
    )


def main_office(codes: DentrixCodes = DEFAULT_CODES) -> PmsLocation:
    return PmsLocation(pms_id=MAIN_OFFICE, name=codes.location_name)


# ---------------------------------------------------------------------------------------------
# Reader
# ---------------------------------------------------------------------------------------------
class DentrixReader(VendorSqlReader):
    vendor = "Dentrix"
    sql_package = "engage_desktop.pms.sql.dentrix"
    paging = "top"  # c-treeACE SQL: SELECT TOP n
    # Configurable object names (facts 2.3; all seen only in third-party code). "" disables an
    # optional join (appointment_changes_view, appointment_status_view).
    object_names = {
        "schema": "admin",  # [2.3] schema owner admin
        "patient_view": "v_patient",  # [2.3] ✓✓ Pozative, Chewsi
        "appointment_view": "v_appointment",  # [2.3] Pozative, Chewsi
        "appointment_changes_view": "v_appt",  # [2.3] Chewsi: the only view with modified_date
        "appointment_status_view": "V_appt_Status_Codes",  # [2.3/2.4] Pozative: status labels
        "recall_view": "v_patient_recall",  # [2.3] Pozative
        "provider_view": "v_provider",  # [2.3] ✓✓
        "procedure_table": "fullproclog",  # [2.3] Pozative
        "procedure_code_table": "proccode",  # [2.3] Pozative
        # Not in the facts: FairCom SQL has no FROM-less SELECT and offers the one-row table
        # SYSCALCTABLE (docs.faircom.com/doc/sqlref/33384.htm); SYSTIMESTAMP is the Dharma/FairCom
        # current-timestamp function. UNCONFIRMED on a Dentrix server.
        "now_expression": "SYSTIMESTAMP",
        "now_from": "FROM syscalctable",
    }
    grouped = {Entity.RECALLS: "r.patient_id"}

    def __init__(self, settings: ConnectionSettings, *, region: str = "US") -> None:
        self.codes = DentrixCodes.from_settings(settings.overrides)
        super().__init__(settings, region=region)

    def _enabled(self, name: str) -> bool:
        return bool(m.text(self.names.get(name)))

    def sql_fragments(self) -> dict[str, str]:
        schema = self.names["schema"]
        f = {"status_join": "", "status_label": "NULL", "changes_join": "", "modified_date": "NULL"}
        if self._enabled("appointment_status_view"):
            f["status_join"] = f"LEFT JOIN {schema}.{self.names['appointment_status_view']} s ON s.defid = a.status_id"
            f["status_label"] = "s.descript"
        if self._enabled("appointment_changes_view"):
            f["changes_join"] = (
                f"LEFT JOIN {schema}.{self.names['appointment_changes_view']} t ON t.appointment_id = a.appointment_id"
            )
            f["modified_date"] = "t.modified_date"
        return f

    def build_queries(self) -> dict[Entity, EntityQuery]:
        c = self.codes
        tp = sql_literals(c.procedure_tp)
        return {
            # No clinic table in G-series: LOCATIONS is the one office, built in read_batch.
            Entity.LOCATIONS: EntityQuery("", "location_id", lambda row, region: main_office(c), numeric_key=False),
            Entity.PROVIDERS: EntityQuery("providers", "provider_id", partial(map_provider, codes=c), numeric_key=False),
            Entity.PATIENTS: EntityQuery("patients", "patient_id", partial(map_patient, codes=c)),
            Entity.APPOINTMENTS: EntityQuery(
                "appointments", "appointment_id", partial(map_appointment, codes=c),
                changed_column="t.modified_date" if self._enabled("appointment_changes_view") else None,
            ),
            Entity.RECALLS: EntityQuery("recalls", "patient_id", partial(map_recall, codes=c)),
            # A full pass reads treatment-planned rows only (fullproclog also holds completed
            # procedures and ledger rows). With no TP code configured it reads nothing.
            Entity.PROCEDURES: EntityQuery(
                "procedures", "procid", partial(map_procedure, codes=c),
                full_filter=f"AND pl.chartstatus IN ({tp})" if tp else "AND 1 = 0",
            ),
        }

    def build_expected(self) -> dict[str, tuple[str, ...]]:
        expected: dict[str, tuple[str, ...]] = {
            "{schema}.{patient_view}": (
                "patient_id", "first_name", "last_name", "mi", "preferred_name", "birth_date", "status", "gender",
                "email", "home_phone", "work_phone", "mobile_phone", "address_line1", "address_line2", "city",
                "state", "zipcode", "guar_id", "pri_provider_id", "sec_provider_id", "first_visit_date",
                "privacy_flags",
            ),
            "{schema}.{appointment_view}": (
                "appointment_id", "patient_id", "appointment_date", "start_hour", "start_minute", "length",
                "provider_id", "status_id", "note",
            ),
            "{schema}.{recall_view}": ("patient_id", "recall_type", "due_date"),
            "{schema}.{provider_view}": ("provider_id", "first_name", "last_name", "inactive"),
            "{schema}.{procedure_table}": (
                "procid", "patid", "chartstatus", "procdate", "createdate", "proccodeid", "provid", "amt",
            ),
            "{schema}.{procedure_code_table}": ("proccodeid", "adacode", "abbrevdescript"),
        }
        if self._enabled("appointment_changes_view"):
            expected["{schema}.{appointment_changes_view}"] = ("appointment_id", "modified_date")
        if self._enabled("appointment_status_view"):
            expected["{schema}.{appointment_status_view}"] = ("defid", "descript")
        return expected

    def read_batch(self, entity: Entity, *, after_key: str | None, changed_since: datetime | None, limit: int) -> Batch:
        if entity is Entity.LOCATIONS:
            records = [main_office(self.codes)] if after_key is None else []
            return Batch(records=records, next_key=None, rows_read=len(records))
        return super().read_batch(entity, after_key=after_key, changed_since=changed_since, limit=limit)

    def unconfirmed_notes(self) -> tuple[str, ...]:
        c = self.codes
        return (
            "Dentrix codes in use are from third-party code, not Henry Schein: "
            f"treatment-planned chartstatus {sorted(c.procedure_tp) or 'none'} (a guess: set 'procedure_tp_codes'), "
            f"completed appointment status {sorted(c.appointment_complete)} ('appointment_complete_codes'), "
            f"privacy flag {c.privacy_no_messages} = no SMS/e-mail ('privacy_no_messages_flag').",
        )
