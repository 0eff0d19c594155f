"""Builders of synthetic PMS records for tests (invented people only)."""

from __future__ import annotations

from datetime import date, datetime

from engage_desktop.domain.contacts import normalize_phone
from engage_desktop.domain.pms_records import (
    AppointmentStatus,
    PatientStatus,
    PmsAppointment,
    PmsLocation,
    PmsPatient,
    PmsProcedure,
    PmsProvider,
    PmsRecall,
    ProcedureStatus,
)


def patient(pms_id: int, first: str = "Avery", last: str = "Testperson", **kw) -> PmsPatient:
    # 555-0100..0199 is the range reserved for fiction; the area code tells patients apart.
    mobile = kw.pop("mobile", f"({200 + pms_id % 800}) 555-01{pms_id % 100:02d}")
    values = dict(
        pms_id=str(pms_id), first_name=first, last_name=last, birthdate=date(1980, 1, 1 + pms_id % 28),
        status=PatientStatus.ACTIVE, mobile_phone=normalize_phone(mobile), email=f"p{pms_id}@example.com",
        email_is_valid=True, location_id="1", guarantor_id=str(pms_id), primary_provider_id="1",
    )
    values.update(kw)
    return PmsPatient(**values)


def appointment(pms_id: int, patient_id: int, starts_at: datetime, status=AppointmentStatus.COMPLETE, **kw) -> PmsAppointment:
    return PmsAppointment(pms_id=str(pms_id), patient_id=str(patient_id), starts_at=starts_at, status=status,
                          length_minutes=30, provider_id="1", location_id="1", **kw)


def recall(pms_id: int, patient_id: int, due: date | None, **kw) -> PmsRecall:
    return PmsRecall(pms_id=str(pms_id), patient_id=str(patient_id), recall_type="Prophy", due_date=due, **kw)


def procedure(pms_id: int, patient_id: int, status=ProcedureStatus.TREATMENT_PLANNED, appointment_id=None, **kw) -> PmsProcedure:
    return PmsProcedure(pms_id=str(pms_id), patient_id=str(patient_id), status=status, code="D2740",
                        description="Crown", fee=1200.0, appointment_id=appointment_id, **kw)


def provider(pms_id: int, abbr: str = "DOC1", **kw) -> PmsProvider:
    return PmsProvider(pms_id=str(pms_id), abbreviation=abbr, first_name="Dana", last_name="Dentist", **kw)


def location(pms_id: int, name: str = "Main Street", **kw) -> PmsLocation:
    return PmsLocation(pms_id=str(pms_id), name=name, **kw)
