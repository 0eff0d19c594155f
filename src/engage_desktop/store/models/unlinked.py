"""People who are not (yet) charts in the PMS, and the keys that find match candidates.

An unlinked patient keeps its row for good: linking sets ``linked_pms_id`` (the person then shows
as the chart), merging sets ``merged_into_id``; messages and history stay attached to the row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage_desktop.store.base import Base


class UnlinkedPatientRecord(Base):
    __tablename__ = "unlinked_patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(128), default="")
    last_name: Mapped[str] = mapped_column(String(128), default="")
    preferred_name: Mapped[str] = mapped_column(String(128), default="")
    sort_name: Mapped[str] = mapped_column(String(260), default="", index=True)  # as pms_patient.sort_name
    birthdate: Mapped[date | None] = mapped_column(Date, index=True)
    mobile_phone: Mapped[str | None] = mapped_column(String(20), index=True)  # E.164
    mobile_phone_raw: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str | None] = mapped_column(String(255), index=True)  # normalised
    location_id: Mapped[str | None] = mapped_column(String(64), index=True)
    contact_preference: Mapped[str] = mapped_column(String(16), default="text")
    source: Mapped[str] = mapped_column(String(16), default="manual")  # manual, csv, inbound
    # unlinked, linked, merged; linked and merged people leave the Patients list.
    status: Mapped[str] = mapped_column(String(16), default="unlinked", index=True)
    linked_pms_id: Mapped[str | None] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime | None]
    linked_by: Mapped[str | None] = mapped_column(String(64))
    merged_into_id: Mapped[int | None] = mapped_column(Integer)
    # A CSV row's import key (from the file, or a hash of the row): re-importing creates nothing new.
    import_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    verified_at: Mapped[datetime | None]  # someone compared the link side by side and confirmed it
    verified_by: Mapped[str | None] = mapped_column(String(64))
    # "Create in PMS": how it was asked for (api, handoff), when, and the chart id the API returned;
    # the first sync that brings that chart links it.
    pms_request: Mapped[str | None] = mapped_column(String(16))
    pms_requested_at: Mapped[datetime | None]
    pending_pms_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime]


class UnlinkedSearchToken(Base):
    """Prefix-searchable keys of an unlinked patient, exactly like ``pms_patient_search``."""

    __tablename__ = "unlinked_patient_search"

    token: Mapped[str] = mapped_column(
        String(255).with_variant(String(255, collation="C"), "postgresql"), primary_key=True
    )
    unlinked_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("unlinked_patient.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PatientMatchKey(Base):
    """Blocking keys of a chart (domain.matching.blocking_keys): candidates come from an index
    lookup on these, never from comparing a person with every chart."""

    __tablename__ = "pms_patient_match_key"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("pms_patient.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UnlinkedMatchKey(Base):
    """The same keys for unlinked patients (duplicates among them, and the warning on create)."""

    __tablename__ = "unlinked_patient_match_key"

    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    unlinked_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("unlinked_patient.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MatchPair(Base):
    """A proposal for staff: this unlinked patient may be that chart (kind "chart", ``other_ref`` =
    the chart's PMS id) or that other unlinked patient (kind "unlinked", ``other_ref`` = its id;
    ``unlinked_id`` is always the smaller id). Dismissed pairs stay, so they are never proposed again."""

    __tablename__ = "match_pair"
    __table_args__ = (UniqueConstraint("kind", "unlinked_id", "other_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    unlinked_id: Mapped[int] = mapped_column(Integer, ForeignKey("unlinked_patient.id", ondelete="CASCADE"), index=True)
    other_ref: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    reasons: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[label, is_conflict], ...]
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open, dismissed, resolved
    found_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(64))
