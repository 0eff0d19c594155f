"""What the app knows about a PMS chart, independent of the vendor.

Readers map vendor rows to these frozen records (see ``pms.mapping``); the store mirrors
them. Ids are kept as text because Dentrix and Eaglesoft ids are not always integers.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime


class PatientStatus(enum.StrEnum):
    ACTIVE = "active"
    NON_PATIENT = "non_patient"
    INACTIVE = "inactive"
    ARCHIVED = "archived"
    DELETED = "deleted"
    DECEASED = "deceased"
    PROSPECTIVE = "prospective"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]

    @property
    def is_hidden(self) -> bool:
        """Deleted charts never show in lists (Open Dental hides them too)."""
        return self is PatientStatus.DELETED


_STATUS_LABELS = {
    PatientStatus.ACTIVE: "Patient",
    PatientStatus.NON_PATIENT: "Non-patient",
    PatientStatus.INACTIVE: "Inactive",
    PatientStatus.ARCHIVED: "Archived",
    PatientStatus.DELETED: "Deleted",
    PatientStatus.DECEASED: "Deceased",
    PatientStatus.PROSPECTIVE: "Prospective",
    PatientStatus.UNKNOWN: "Unknown",
}


class Consent(enum.StrEnum):
    """A yes/no/unknown answer, as Open Dental's YN enum and the other vendors' flags."""

    UNKNOWN = "unknown"
    YES = "yes"
    NO = "no"


class ContactMethod(enum.StrEnum):
    NONE = "none"
    DO_NOT_CALL = "do_not_call"
    HOME_PHONE = "home_phone"
    WORK_PHONE = "work_phone"
    MOBILE_PHONE = "mobile_phone"
    EMAIL = "email"
    SEE_NOTES = "see_notes"
    MAIL = "mail"
    TEXT = "text"


class AppointmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    COMPLETE = "complete"
    UNSCHEDULED = "unscheduled"  # on the unscheduled list
    BROKEN = "broken"
    PLANNED = "planned"
    NOTE = "note"  # a patient note on the schedule, not a visit
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ProcedureStatus(enum.StrEnum):
    TREATMENT_PLANNED = "tp"
    TREATMENT_PLANNED_INACTIVE = "tp_inactive"
    COMPLETE = "complete"
    EXISTING = "existing"
    REFERRED = "referred"
    DELETED = "deleted"
    CONDITION = "condition"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone as the PMS holds it, plus its E.164 form when it could be parsed."""

    raw: str
    e164: str | None = None
    extension: str | None = None

    @property
    def is_valid(self) -> bool:
        return self.e164 is not None


@dataclass(frozen=True, slots=True)
class PmsPatient:
    pms_id: str
    last_name: str
    first_name: str
    middle_initial: str = ""
    preferred_name: str = ""
    chart_number: str = ""
    birthdate: date | None = None
    status: PatientStatus = PatientStatus.ACTIVE
    gender: str = "unknown"
    home_phone: Phone | None = None
    work_phone: Phone | None = None
    mobile_phone: Phone | None = None
    email: str | None = None
    email_is_valid: bool = False
    address1: str = ""
    address2: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    text_consent: Consent = Consent.UNKNOWN
    email_consent: Consent = Consent.UNKNOWN
    sms_opt_out: bool = False
    email_opt_out: bool = False
    preferred_contact: ContactMethod = ContactMethod.NONE
    primary_provider_id: str | None = None
    secondary_provider_id: str | None = None
    location_id: str | None = None
    guarantor_id: str | None = None
    language: str = ""
    first_visit: date | None = None
    deceased_at: datetime | None = None
    changed_at: datetime | None = None

    @property
    def display_name(self) -> str:
        return format_name(self.first_name, self.last_name, self.preferred_name)


def format_name(first: str, last: str, preferred: str = "") -> str:
    """'Last, First (Preferred)', the form front desks sort and scan by."""
    shown_first = first.strip()
    if preferred and preferred.strip().lower() != shown_first.lower():
        shown_first = f"{shown_first} ({preferred.strip()})" if shown_first else preferred.strip()
    last = last.strip()
    if last and shown_first:
        return f"{last}, {shown_first}"
    return last or shown_first or "(no name)"


@dataclass(frozen=True, slots=True)
class PmsAppointment:
    pms_id: str
    patient_id: str
    starts_at: datetime | None
    status: AppointmentStatus
    length_minutes: int = 0
    provider_id: str | None = None
    hygienist_id: str | None = None
    location_id: str | None = None
    is_hygiene: bool = False
    description: str = ""
    confirmed: str = ""
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PmsRecall:
    pms_id: str
    patient_id: str
    recall_type: str
    due_date: date | None
    previous_date: date | None = None
    scheduled_date: date | None = None
    is_disabled: bool = False
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PmsProcedure:
    """A procedure row. The mirror keeps treatment-planned ones (and what became of them)."""

    pms_id: str
    patient_id: str
    status: ProcedureStatus
    code: str = ""
    description: str = ""
    fee: float = 0.0
    provider_id: str | None = None
    location_id: str | None = None
    appointment_id: str | None = None  # scheduled on this appointment; None = unscheduled
    planned_date: date | None = None
    changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PmsProvider:
    pms_id: str
    abbreviation: str
    first_name: str = ""
    last_name: str = ""
    is_hygienist: bool = False
    is_hidden: bool = False
    is_active: bool = True

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.abbreviation


@dataclass(frozen=True, slots=True)
class PmsLocation:
    pms_id: str
    name: str
    abbreviation: str = ""
    address1: str = ""
    city: str = ""
    state: str = ""
    postcode: str = ""
    phone: str = ""
    time_zone: str = ""
    is_hidden: bool = False


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """What a connect-time check found: expected tables/views and columns that are missing."""

    vendor: str
    missing_objects: tuple[str, ...] = ()
    missing_columns: tuple[str, ...] = ()
    server_version: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.missing_objects and not self.missing_columns
