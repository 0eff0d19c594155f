"""Read models: frozen rows the store returns and the UI shows (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class PatientListRow:
    id: int
    pms_id: str
    name: str  # "Last, First (Preferred)"
    birthdate: date | None
    phone: str  # display form of the best phone
    email: str
    status: str  # PatientStatus value
    location: str
    chart_number: str
    is_linked: bool = True  # False for unlinked patients (a later feature)


@dataclass(frozen=True, slots=True)
class SearchResult:
    ids: tuple[int, ...]
    total: int  # may exceed len(ids) when the result was capped
    query: str = ""

    @property
    def capped(self) -> bool:
        return self.total > len(self.ids)


@dataclass(frozen=True, slots=True)
class ContactPoint:
    kind: str  # mobile / home / work / email
    display: str
    valid: bool
    raw: str = ""


@dataclass(frozen=True, slots=True)
class FamilyMember:
    id: int
    name: str
    birthdate: date | None
    relation: str  # "Guarantor", "Dependent", "Family member"
    status: str


@dataclass(frozen=True, slots=True)
class AppointmentLine:
    starts_at: datetime | None
    status: str
    provider: str
    location: str
    description: str
    length_minutes: int
    confirmed: str


@dataclass(frozen=True, slots=True)
class RecallLine:
    recall_type: str
    due_date: date | None
    previous_date: date | None
    scheduled_date: date | None
    is_disabled: bool


@dataclass(frozen=True, slots=True)
class PlannedProcedureLine:
    code: str
    description: str
    fee: float
    planned_date: date | None
    provider: str
    scheduled: bool


@dataclass(frozen=True, slots=True)
class PatientCard:
    id: int
    pms_id: str
    name: str
    first_name: str
    last_name: str
    preferred_name: str
    birthdate: date | None
    status: str
    gender: str
    chart_number: str
    contacts: tuple[ContactPoint, ...]
    address: str
    text_consent: str
    email_consent: str
    sms_opt_out: bool
    email_opt_out: bool
    preferred_contact: str
    primary_provider: str
    secondary_provider: str
    location: str
    guarantor_id: int | None
    is_guarantor: bool
    language: str
    first_visit: date | None
    last_visit_at: datetime | None
    recall_due: date | None
    family: tuple[FamilyMember, ...] = ()
    appointments: tuple[AppointmentLine, ...] = ()
    recalls: tuple[RecallLine, ...] = ()
    planned_treatment: tuple[PlannedProcedureLine, ...] = ()
    # Unlinked patients (negative ``id``): not a chart; ``unlinked_id`` is their own id.
    is_linked: bool = True
    unlinked_id: int | None = None
    created_by: str = ""
    pms_request: str = ""  # "api" or "handoff" once Create in PMS was used
    pms_requested_at: datetime | None = None
    pending_pms_id: str = ""  # the chart id the PMS API returned; the next sync links it
    # A chart that unlinked patients were linked to: their ids (for Verify / Unlink / Re-link).
    linked_unlinked_ids: tuple[int, ...] = ()
    link_verified_by: str = ""  # who last compared the link side by side and confirmed it


@dataclass(frozen=True, slots=True)
class SyncRunInfo:
    id: int
    mode: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    rows_read: int
    rows_written: int
    rows_rejected: int
    rows_removed: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class MirrorStats:
    counts: dict[str, int] = field(default_factory=dict)
    last_run: SyncRunInfo | None = None
