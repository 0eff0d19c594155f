"""The PMS mirror: what campaigns, search and matching read instead of the PMS.

Rows are keyed by the vendor's id as text (``pms_id``); references between mirror rows use
those ids without foreign keys, because a PMS can hold a patient whose provider was removed,
and the mirror must keep what the PMS has. ``seen_run`` marks rows seen by the current full
pass so the pass can remove what the PMS no longer has.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from engage_desktop.store.base import Base
from engage_desktop.store.types import NaiveDateTime


class LocationRecord(Base):
    __tablename__ = "pms_location"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pms_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    abbreviation: Mapped[str] = mapped_column(String(64), default="")
    address1: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(128), default="")
    state: Mapped[str] = mapped_column(String(32), default="")
    postcode: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="")
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    seen_run: Mapped[int | None] = mapped_column(Integer)


class ProviderRecord(Base):
    __tablename__ = "pms_provider"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pms_id: Mapped[str] = mapped_column(String(64), unique=True)
    abbreviation: Mapped[str] = mapped_column(String(64), default="")
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str] = mapped_column(String(128), default="")
    is_hygienist: Mapped[bool] = mapped_column(Boolean, default=False)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    seen_run: Mapped[int | None] = mapped_column(Integer)


class PatientRecord(Base):
    __tablename__ = "pms_patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pms_id: Mapped[str] = mapped_column(String(64), unique=True)
    last_name: Mapped[str] = mapped_column(String(128), default="")
    first_name: Mapped[str] = mapped_column(String(128), default="")
    middle_initial: Mapped[str] = mapped_column(String(64), default="")
    preferred_name: Mapped[str] = mapped_column(String(128), default="")
    # lower-cased "last first" for a stable, index-backed alphabetical order
    sort_name: Mapped[str] = mapped_column(String(260), default="", index=True)
    chart_number: Mapped[str] = mapped_column(String(64), default="")
    birthdate: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    gender: Mapped[str] = mapped_column(String(16), default="unknown")
    home_phone_raw: Mapped[str] = mapped_column(String(64), default="")
    home_phone: Mapped[str | None] = mapped_column(String(20))
    work_phone_raw: Mapped[str] = mapped_column(String(64), default="")
    work_phone: Mapped[str | None] = mapped_column(String(20))
    mobile_phone_raw: Mapped[str] = mapped_column(String(64), default="")
    mobile_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(255))
    email_is_valid: Mapped[bool] = mapped_column(Boolean, default=False)
    address1: Mapped[str] = mapped_column(String(255), default="")
    address2: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str] = mapped_column(String(128), default="")
    state: Mapped[str] = mapped_column(String(32), default="")
    postcode: Mapped[str] = mapped_column(String(32), default="")
    text_consent: Mapped[str] = mapped_column(String(16), default="unknown")
    email_consent: Mapped[str] = mapped_column(String(16), default="unknown")
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_contact: Mapped[str] = mapped_column(String(16), default="none")
    primary_provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    secondary_provider_id: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[str | None] = mapped_column(String(64), index=True)
    guarantor_id: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str] = mapped_column(String(32), default="")
    first_visit: Mapped[date | None] = mapped_column(Date)
    deceased_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)
    pms_changed_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)
    seen_run: Mapped[int | None] = mapped_column(Integer)
    # Summaries recomputed after each sync, for campaign filters and the list.
    last_visit_at: Mapped[datetime | None] = mapped_column(NaiveDateTime, index=True)
    recall_due: Mapped[date | None] = mapped_column(Date, index=True)
    has_planned_treatment: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)

    __table_args__ = (Index("ix_pms_patient_location_status", "location_id", "status"),)


class PatientSearchToken(Base):
    """Prefix-searchable keys of a patient (name parts, phone digits, email, chart number).

    One row per distinct key keeps every keystroke an index range scan on every database.
    """

    __tablename__ = "pms_patient_search"

    # Binary collation on PostgreSQL too, so a prefix is exactly a [t, t+1) range.
    token: Mapped[str] = mapped_column(
        String(255).with_variant(String(255, collation="C"), "postgresql"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("pms_patient.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AppointmentRecord(Base):
    __tablename__ = "pms_appointment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pms_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)  # PMS wall clock
    status: Mapped[str] = mapped_column(String(16))
    length_minutes: Mapped[int] = mapped_column(Integer, default=0)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    hygienist_id: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[str | None] = mapped_column(String(64))
    is_hygiene: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    confirmed: Mapped[str] = mapped_column(String(128), default="")
    pms_changed_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)
    seen_run: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        # (patient, status, start) answers "last completed visit" per patient from the index alone.
        Index("ix_pms_appointment_patient_status_start", "patient_id", "status", "starts_at"),
        Index("ix_pms_appointment_status_start", "status", "starts_at"),
    )


class RecallRecord(Base):
    __tablename__ = "pms_recall"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pms_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[str] = mapped_column(String(64), index=True)
    recall_type: Mapped[str] = mapped_column(String(128), default="")
    due_date: Mapped[date | None] = mapped_column(Date, index=True)
    previous_date: Mapped[date | None] = mapped_column(Date)
    scheduled_date: Mapped[date | None] = mapped_column(Date)
    is_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    pms_changed_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)
    seen_run: Mapped[int | None] = mapped_column(Integer)


class ProcedureRecord(Base):
    __tablename__ = "pms_procedure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pms_id: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(32), default="")
    description: Mapped[str] = mapped_column(String(255), default="")
    fee: Mapped[float] = mapped_column(Float, default=0.0)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[str | None] = mapped_column(String(64))
    appointment_id: Mapped[str | None] = mapped_column(String(64))
    planned_date: Mapped[date | None] = mapped_column(Date)
    pms_changed_at: Mapped[datetime | None] = mapped_column(NaiveDateTime)
    seen_run: Mapped[int | None] = mapped_column(Integer)

    # Leading with the patient: "has unscheduled treatment" is asked per patient.
    __table_args__ = (Index("ix_pms_procedure_patient_status", "patient_id", "status"),)
