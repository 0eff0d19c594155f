"""Patterson Eaglesoft (SQL Anywhere) reader, and the pure mappers from its rows.

Patterson publishes no schema, so the tables, columns and codes come from third-party
integrations (docs/facts/pms.md section 3). Table names are ``object_names`` (owner ``PPM``);
codes the facts mark UNCONFIRMED are in ``CODE_DEFAULTS``; both are overridable per install
through ``ConnectionSettings.overrides``.

Change detection: no row timestamp is known on patient, appointment, recalls, planned
services or providers (facts 3.3), so every ``changed_column`` is None and the sync reads
everything in full passes. The ``PPM.rw_*`` change tables are never read: halo3 consumes them
by DELETING rows, which a read-only client must not do and whose presence is UNCONFIRMED.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    Consent,
    PatientStatus,
    PmsAppointment,
    PmsLocation,
    PmsPatient,
    PmsProcedure,
    PmsProvider,
    PmsRecall,
    ProcedureStatus,
)
from engage_desktop.domain.ports import Entity
from engage_desktop.pms import mapping as m
from engage_desktop.pms.odbc import ConnectionSettings
from engage_desktop.pms.sql_reader import EntityQuery
from engage_desktop.pms.vendor_reader import (
    VendorSqlReader,
    code_key,
    key_part,
    parse_code_map,
    parse_codes,
    parse_text_map,
    sql_literals,
)

# Every default is the facts' best guess (facts section in brackets).
CODE_DEFAULTS: dict[str, str] = {
    # [3.2] patient.status 'A' = active; any other value is read as inactive.
    "patient_active_codes": "A",
    # [3.2] patient.patient_status 'Y' = is a patient; another value = responsible party only.
    "patient_flag_codes": "Y",
    # [3.2] patient.sex M/F.
    "gender_codes": "M=male, F=female",
    # [3.2] Pozative's "mark as walked out" sets arrival_status = 4. UNCONFIRMED.
    "appointment_complete_arrival_codes": "4",
    # [3.2] Chewsi treats walkout_time IS NOT NULL as completed. "yes" or "no". UNCONFIRMED.
    "appointment_walkout_completes": "yes",
    # [3.2] broken/cancelled encoding: UNCONFIRMED, no source; none by default.
    "appointment_broken_arrival_codes": "",
    # [3.2] classification 2 = operatory events/blocks (Pozative; UNCONFIRMED): not appointments,
    # so they are left out of the query.
    "appointment_block_classifications": "2",
    # [3.2] planned_services.status values are unknown (Pozative sets 'A' when it schedules a
    # service). CODE=status pairs (tp, tp_inactive, complete, existing, referred, deleted,
    # condition); unlisted codes are treatment planned.
    "planned_service_status_codes": "",
    # [3.2] provider.status 'A' = active.
    "provider_active_codes": "A",
    # [3.2] Pozative treats position_id 5 as non-provider users: shown as hidden providers.
    "non_provider_position_ids": "5",
    # No source: a position whose description mentions "hygien" is a hygienist; add ids here.
    "hygienist_position_ids": "",
    # [3.2 Locations] names for practice_id values ("1=Main Street, 2=Downtown") when the
    # locations are derived from practice_id (the practice master table is UNCONFIRMED).
    "location_names": "",
}


@dataclass(frozen=True)
class EaglesoftCodes:
    patient_active: frozenset[str]
    patient_flag: frozenset[str]
    gender: Mapping[str, str]
    complete_arrival: frozenset[str]
    walkout_completes: bool
    broken_arrival: frozenset[str]
    block_classifications: frozenset[str]
    planned_status: Mapping[str, ProcedureStatus]
    provider_active: frozenset[str]
    non_provider_positions: frozenset[str]
    hygienist_positions: frozenset[str]
    location_names: Mapping[str, str]

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> EaglesoftCodes:
        s = {**CODE_DEFAULTS, **{k: v for k, v in settings.items() if k in CODE_DEFAULTS}}
        return cls(
            patient_active=parse_codes(s["patient_active_codes"]),
            patient_flag=parse_codes(s["patient_flag_codes"]),
            gender={k: v.lower() for k, v in parse_text_map(s["gender_codes"], "gender_codes").items()},
            complete_arrival=parse_codes(s["appointment_complete_arrival_codes"]),
            walkout_completes=m.flag(s["appointment_walkout_completes"]),
            broken_arrival=parse_codes(s["appointment_broken_arrival_codes"]),
            block_classifications=parse_codes(s["appointment_block_classifications"]),
            planned_status=parse_code_map(s["planned_service_status_codes"], ProcedureStatus, "planned_service_status_codes"),
            provider_active=parse_codes(s["provider_active_codes"]),
            non_provider_positions=parse_codes(s["non_provider_position_ids"]),
            hygienist_positions=parse_codes(s["hygienist_position_ids"]),
            location_names=parse_text_map(s["location_names"], "location_names"),
        )


DEFAULT_CODES = EaglesoftCodes.from_settings({})


def yn_consent(value: Any) -> Consent:
    """receives_sms / receive_email: 'N' = no (facts 3.2), 'Y' = yes, anything else unknown."""
    v = code_key(value)
    if v in {"N", "0", "F", "FALSE", "NO"}:
        return Consent.NO
    if v in {"Y", "1", "T", "TRUE", "YES"}:
        return Consent.YES
    return Consent.UNKNOWN


def practice_key(value: Any) -> str | None:
    """practice_id as a location id; unlike ``mapping.ident`` a 0 is kept (it may be valid)."""
    return code_key(value) or None


def patient_status(row: Mapping[str, Any], codes: EaglesoftCodes = DEFAULT_CODES) -> PatientStatus:
    flag = code_key(row.get("patient_status"))
    if flag and flag not in codes.patient_flag:
        return PatientStatus.NON_PATIENT  # a responsible party who is not a patient
    status = code_key(row.get("status"))
    if not status:
        return PatientStatus.UNKNOWN
    return PatientStatus.ACTIVE if status in codes.patient_active else PatientStatus.INACTIVE


def map_patient(row: Mapping[str, Any], region: str, codes: EaglesoftCodes = DEFAULT_CODES) -> PmsPatient:
    patient_id = m.required_id(row, "patient_id")
    email, email_ok = m.email(row.get("email_address"))
    sms = yn_consent(row.get("receives_sms"))
    mail = yn_consent(row.get("receive_email"))
    return PmsPatient(
        pms_id=patient_id,
        last_name=m.text(row.get("last_name")),
        first_name=m.text(row.get("first_name")),
        middle_initial=m.text(row.get("middle_initial")),
        preferred_name=m.text(row.get("preferred_name")),
        birthdate=m.to_date(row.get("birth_date")),
        status=patient_status(row, codes),
        gender=codes.gender.get(code_key(row.get("sex")), "unknown"),
        home_phone=m.phone(row.get("home_phone"), region),
        work_phone=m.phone(row.get("work_phone"), region),
        mobile_phone=m.phone(row.get("cell_phone"), region),
        email=email,
        email_is_valid=email_ok,
        text_consent=sms,
        email_consent=mail,
        sms_opt_out=sms is Consent.NO,
        email_opt_out=mail is Consent.NO,
        primary_provider_id=m.ident(row.get("preferred_dentist")),
        secondary_provider_id=m.ident(row.get("preferred_hygienist")),
        location_id=practice_key(row.get("practice_id")),
        # responsible_party is the guarantor's patient_id; none means the patient is their own.
        guarantor_id=m.ident(row.get("responsible_party")) or patient_id,
        first_visit=m.to_date(row.get("first_visit_date")),
    )


def appointment_status(row: Mapping[str, Any], codes: EaglesoftCodes = DEFAULT_CODES) -> AppointmentStatus:
    walkout = row.get("walkout_time")
    if codes.walkout_completes and walkout is not None and m.text(walkout) != "":
        return AppointmentStatus.COMPLETE
    arrival = code_key(row.get("arrival_status"))
    if arrival and arrival in codes.complete_arrival:
        return AppointmentStatus.COMPLETE
    if arrival and arrival in codes.broken_arrival:
        return AppointmentStatus.BROKEN
    return AppointmentStatus.SCHEDULED


def minutes_between(start: datetime | None, end: datetime | None) -> int:
    if start is None or end is None or end <= start:
        return 0
    return int((end - start).total_seconds() // 60)


def map_appointment(row: Mapping[str, Any], region: str, codes: EaglesoftCodes = DEFAULT_CODES) -> PmsAppointment:
    start = m.to_datetime(row.get("start_time"))
    return PmsAppointment(
        pms_id=m.required_id(row, "appointment_id"),
        patient_id=m.required_id(row, "patient_id"),
        starts_at=start,
        status=appointment_status(row, codes),
        length_minutes=minutes_between(start, m.to_datetime(row.get("end_time"))),
        # appointment_provider may list several providers; the query takes the smallest id.
        provider_id=m.ident(row.get("provider_id")),
        location_id=practice_key(row.get("practice_id")),
        description=m.text(row.get("type_description")),
        # date_confirmed set = confirmed (confirmation_status codes are unknown). UNCONFIRMED.
        confirmed="Confirmed" if m.to_datetime(row.get("date_confirmed")) else "",
    )


def map_recall(row: Mapping[str, Any], region: str, codes: EaglesoftCodes = DEFAULT_CODES) -> PmsRecall:
    """patient_recalls has no id column: a recall is (patient_id, recall_id)."""
    patient_id = m.required_id(row, "patient_id")
    return PmsRecall(
        pms_id=f"{patient_id}:{key_part(row, 'recall_id')}",
        patient_id=patient_id,
        recall_type=m.text(row.get("recall_description")) or "Recall",
        due_date=m.to_date(row.get("next_recall_date")),
        previous_date=m.to_date(row.get("last_recall_date")),
        # Honour patient.receive_recalls (facts 3.2): 'N' stops recall reminders.
        is_disabled=yn_consent(row.get("receive_recalls")) is Consent.NO,
    )


def map_procedure(row: Mapping[str, Any], region: str, codes: EaglesoftCodes = DEFAULT_CODES) -> PmsProcedure:
    """A planned service; no appt_id = unscheduled treatment (facts 3.2, UNCONFIRMED)."""
    patient_id = m.required_id(row, "patient_id")
    return PmsProcedure(
        pms_id=f"{patient_id}:{key_part(row, 'line_number')}",
        patient_id=patient_id,
        status=codes.planned_status.get(code_key(row.get("status")), ProcedureStatus.TREATMENT_PLANNED),
        code=m.text(row.get("ada_code")) or m.text(row.get("service_code")),
        description=m.text(row.get("description")) or m.text(row.get("service_description")),
        fee=m.number(row.get("fee")),
        provider_id=m.ident(row.get("provider_id")),
        appointment_id=m.ident(row.get("appt_id")),
        planned_date=m.to_date(row.get("date_planned")),
    )


def map_provider(row: Mapping[str, Any], region: str, codes: EaglesoftCodes = DEFAULT_CODES) -> PmsProvider:
    provider_id = m.required_id(row, "provider_id")
    position = code_key(row.get("position_id"))
    return PmsProvider(
        pms_id=provider_id,
        abbreviation=provider_id,  # Eaglesoft provider ids are short codes
        first_name=m.text(row.get("first_name")),
        last_name=m.text(row.get("last_name")),
        is_hygienist=position in codes.hygienist_positions
        or "hygien" in m.text(row.get("position_description")).lower(),
        is_hidden=bool(position) and position in codes.non_provider_positions,
        is_active=code_key(row.get("status")) in codes.provider_active,
    )


def map_location(row: Mapping[str, Any], region: str, codes: EaglesoftCodes = DEFAULT_CODES) -> PmsLocation:
    practice_id = practice_key(row.get("practice_id"))
    if practice_id is None:
        raise m.RowError("missing practice_id")
    name = m.text(row.get("practice_name")) or codes.location_names.get(practice_id) or f"Practice {practice_id}"
    return PmsLocation(pms_id=practice_id, name=name)


class EaglesoftReader(VendorSqlReader):
    vendor = "Eaglesoft"
    sql_package = "engage_desktop.pms.sql.eaglesoft"
    paging = "top"  # SQL Anywhere: SELECT TOP n
    # Configurable object names (facts 3.1-3.2; third-party code).
    object_names = {
        "schema": "PPM",  # [3.1] halo3: table owner PPM
        "patient_table": "patient",
        "appointment_table": "appointment",
        "appointment_provider_table": "appointment_provider",
        "chair_table": "chairs",
        "appointment_type_table": "appt_types",
        "recall_table": "patient_recalls",
        "recall_type_table": "recalls",
        "planned_table": "planned_services",
        "service_table": "services",
        "provider_table": "provider",
        "position_table": "positions",
        "preferences_table": "system_preferences",  # [3.2] Version: SELECT version FROM system_preferences
        # [3.2 Locations] the practice master table is UNCONFIRMED. Default: locations are the
        # distinct practice_id values of this table (chairs carry practice_id).
        "location_source_table": "chairs",
        # Set to the master table's name to read ids and names from it instead.
        "practice_table": "",
        "practice_id_column": "practice_id",
        "practice_name_column": "name",
        # SQL Anywhere's current-timestamp special value; no FROM needed.
        "now_expression": "CURRENT TIMESTAMP",
        "now_from": "",
    }
    grouped = {Entity.RECALLS: "r.patient_id", Entity.PROCEDURES: "ps.patient_id"}

    def __init__(self, settings: ConnectionSettings, *, region: str = "US") -> None:
        self.codes = EaglesoftCodes.from_settings(settings.overrides)
        super().__init__(settings, region=region)

    def _master_table(self) -> bool:
        return bool(m.text(self.names.get("practice_table")))

    def build_queries(self) -> dict[Entity, EntityQuery]:
        c = self.codes
        blocks = sql_literals(c.block_classifications)
        return {
            Entity.LOCATIONS: EntityQuery(
                "practices" if self._master_table() else "locations", "practice_id", partial(map_location, codes=c)
            ),
            Entity.PROVIDERS: EntityQuery("providers", "provider_id", partial(map_provider, codes=c), numeric_key=False),
            Entity.PATIENTS: EntityQuery("patients", "patient_id", partial(map_patient, codes=c)),
            Entity.APPOINTMENTS: EntityQuery(
                "appointments", "appointment_id", partial(map_appointment, codes=c),
                full_filter=f"AND (a.classification IS NULL OR a.classification NOT IN ({blocks}))" if blocks else "",
            ),
            Entity.RECALLS: EntityQuery("recalls", "patient_id", partial(map_recall, codes=c)),
            Entity.PROCEDURES: EntityQuery("procedures", "patient_id", partial(map_procedure, codes=c)),
        }

    def build_expected(self) -> dict[str, tuple[str, ...]]:
        expected: dict[str, tuple[str, ...]] = {
            "{schema}.{patient_table}": (
                "patient_id", "first_name", "last_name", "middle_initial", "preferred_name", "birth_date", "sex",
                "status", "patient_status", "home_phone", "work_phone", "cell_phone", "email_address",
                "receives_sms", "receive_email", "receive_recalls", "responsible_party", "preferred_dentist",
                "preferred_hygienist", "practice_id", "first_visit_date",
            ),
            "{schema}.{appointment_table}": (
                "appointment_id", "patient_id", "start_time", "end_time", "location_id", "appointment_type_id",
                "classification", "arrival_status", "date_confirmed", "walkout_time",
            ),
            "{schema}.{appointment_provider_table}": ("appointment_id", "provider_id"),
            "{schema}.{chair_table}": ("chair_num", "practice_id"),
            "{schema}.{appointment_type_table}": ("type_id", "description"),
            "{schema}.{recall_table}": ("patient_id", "recall_id", "next_recall_date", "last_recall_date"),
            "{schema}.{recall_type_table}": ("recall_id", "description"),
            "{schema}.{planned_table}": (
                "patient_id", "line_number", "service_code", "provider_id", "date_planned", "fee", "status",
                "description", "appt_id",
            ),
            "{schema}.{service_table}": ("service_code", "ada_code", "description"),
            "{schema}.{provider_table}": ("provider_id", "first_name", "last_name", "status", "position_id"),
            "{schema}.{position_table}": ("position_id", "description"),
        }
        if self._master_table():
            expected["{schema}.{practice_table}"] = ("{practice_id_column}", "{practice_name_column}")
        else:
            expected["{schema}.{location_source_table}"] = ("practice_id",)
        # Resolve the names now so that one table named twice (chairs) is checked once.
        merged: dict[str, tuple[str, ...]] = {}
        for raw, columns in expected.items():
            name = raw.format(**self.names)
            cols = tuple(col.format(**self.names) for col in columns)
            merged[name] = merged.get(name, ()) + tuple(col for col in cols if col not in merged.get(name, ()))
        return merged

    def server_version(self) -> str:
        try:
            rows = self.fetch(self.sql("version"))
        except Exception:  # noqa: BLE001 - the version is informative only
            return ""
        return m.text(rows[0].get("version")) if rows else ""

    def unconfirmed_notes(self) -> tuple[str, ...]:
        c = self.codes
        source = (f"the table {self.names['practice_table']}" if self._master_table()
                  else f"distinct practice_id values of {self.names['location_source_table']}")
        return (
            "Eaglesoft codes in use are from third-party code, not Patterson: completed appointment = "
            f"walkout_time set ({'on' if c.walkout_completes else 'off'}) or arrival_status in "
            f"{sorted(c.complete_arrival)}; classifications {sorted(c.block_classifications)} are schedule blocks; "
            f"unscheduled treatment = planned_services without appt_id; locations from {source}.",
        )
