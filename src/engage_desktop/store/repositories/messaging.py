"""Suppression list, threads and inbound messages, inbound polling state, and the job lease."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engage_desktop.store.models import (
    InboundMessage,
    InboundPollState,
    JobLease,
    MessageThread,
    PatientRecord,
    Suppression,
    UnlinkedPatientRecord,
)


@dataclass(frozen=True, slots=True)
class SuppressionRow:
    channel: str
    address: str
    source: str
    raw_text: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class PollState:
    location_number: str
    watermark: datetime | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    failing_since: datetime | None
    failures: int
    last_error: str


class SqlMessagingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _insert(self, table):
        return (postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(table)

    # -- suppression ------------------------------------------------------------------------
    def suppression(self, channel: str, address: str) -> SuppressionRow | None:
        r = self.session.scalar(select(Suppression).where(Suppression.channel == channel, Suppression.address == address))
        return None if r is None else SuppressionRow(r.channel, r.address, r.source, r.raw_text, r.created_at, r.created_by)

    def suppressed(self, channel: str, addresses: Sequence[str]) -> set[str]:
        out: set[str] = set()
        items = list(addresses)
        for i in range(0, len(items), 1000):
            out.update(self.session.scalars(select(Suppression.address).where(
                Suppression.channel == channel, Suppression.address.in_(items[i:i + 1000]))))
        return out

    def suppress(self, *, channel: str, address: str, source: str, raw_text: str, now: datetime, by: str) -> bool:
        """Add to the list; False when it was there already (the first reason is kept)."""
        stmt = self._insert(Suppression.__table__).values(channel=channel, address=address, source=source,
                                                          raw_text=raw_text[:2000], created_at=now, created_by=by)
        return bool(self.session.execute(stmt.on_conflict_do_nothing(index_elements=["channel", "address"])).rowcount)

    def unsuppress(self, channel: str, address: str) -> SuppressionRow | None:
        """Remove from the list; returns what was removed (for the audit record). One DELETE …
        RETURNING: on SQLite a read before the write could fail with "database is locked"."""
        r = self.session.execute(
            delete(Suppression).where(Suppression.channel == channel, Suppression.address == address)
            .returning(Suppression.channel, Suppression.address, Suppression.source, Suppression.raw_text,
                       Suppression.created_at, Suppression.created_by)).first()
        return None if r is None else SuppressionRow(*r)

    def pms_consent(self, pms_ids: Sequence[str]) -> dict[str, tuple[str, bool, str, bool]]:
        """pms id → (text consent, SMS opted out, email consent, email opted out), as the PMS says."""
        out: dict[str, tuple[str, bool, str, bool]] = {}
        items = list(pms_ids)
        for i in range(0, len(items), 1000):
            out.update({r.pms_id: (r.text_consent, r.sms_opt_out, r.email_consent, r.email_opt_out) for r in self.session.execute(
                select(PatientRecord.pms_id, PatientRecord.text_consent, PatientRecord.sms_opt_out,
                       PatientRecord.email_consent, PatientRecord.email_opt_out)
                .where(PatientRecord.pms_id.in_(items[i:i + 1000])))})
        return out

    # -- routing ----------------------------------------------------------------------------
    def charts_with_mobile(self, phone: str) -> list[tuple[str, str | None, str]]:
        """(pms_id, guarantor_id, status) of charts whose mobile number is this one."""
        return [tuple(r) for r in self.session.execute(
            select(PatientRecord.pms_id, PatientRecord.guarantor_id, PatientRecord.status)
            .where(PatientRecord.mobile_phone == phone).order_by(PatientRecord.pms_id))]

    def unlinked_with_mobile(self, phone: str) -> list[tuple[int, str, str | None, int | None]]:
        """(id, status, linked_pms_id, merged_into_id) of unlinked patients with this number."""
        return [tuple(r) for r in self.session.execute(
            select(UnlinkedPatientRecord.id, UnlinkedPatientRecord.status, UnlinkedPatientRecord.linked_pms_id,
                   UnlinkedPatientRecord.merged_into_id)
            .where(UnlinkedPatientRecord.mobile_phone == phone).order_by(UnlinkedPatientRecord.id))]

    # -- threads and inbound ---------------------------------------------------------------
    def thread_for(self, *, location_number: str, location_id: str | None, phone: str, kind: str,
                   patient_pms_id: str | None, unlinked_id: int | None, at: datetime) -> int:
        """The thread of this phone with this location number, created when new."""
        stmt = self._insert(MessageThread.__table__).values(
            location_number=location_number, location_id=location_id, phone=phone, kind=kind,
            patient_pms_id=patient_pms_id, unlinked_id=unlinked_id, last_message_at=at, created_at=at)
        self.session.execute(stmt.on_conflict_do_nothing(index_elements=["location_number", "phone"]))
        thread_id = self.session.scalar(select(MessageThread.id).where(
            MessageThread.location_number == location_number, MessageThread.phone == phone))
        if kind != "unknown":  # an unknown sender since linked to a patient: their thread follows
            self.session.execute(update(MessageThread).where(MessageThread.id == thread_id, MessageThread.kind == "unknown")
                                 .values(kind=kind, patient_pms_id=patient_pms_id, unlinked_id=unlinked_id))
        self.session.execute(update(MessageThread).where(MessageThread.id == thread_id, MessageThread.last_message_at < at)
                             .values(last_message_at=at))
        return thread_id

    def add_inbound(self, *, provider: str, provider_id: str, thread_id: int, sender: str, location_number: str,
                    body: str, received_at: datetime, consent: str, flagged: bool, now: datetime) -> int | None:
        """Record an inbound message once; None when its provider id is known already."""
        stmt = self._insert(InboundMessage.__table__).values(
            provider=provider, provider_id=provider_id, thread_id=thread_id, sender=sender, location_number=location_number,
            body=body, received_at=received_at, consent=consent, flagged=flagged, recorded_at=now)
        stmt = stmt.on_conflict_do_nothing(index_elements=["provider_id"]).returning(InboundMessage.id)
        return self.session.scalar(stmt)

    def known_inbound(self, provider_ids: Sequence[str]) -> set[str]:
        if not provider_ids:
            return set()
        return set(self.session.scalars(select(InboundMessage.provider_id).where(InboundMessage.provider_id.in_(provider_ids))))

    # -- polling state ---------------------------------------------------------------------
    def poll_state(self, location_number: str) -> PollState:
        r = self.session.get(InboundPollState, location_number)
        if r is None:
            return PollState(location_number, None, None, None, None, 0, "")
        return PollState(r.location_number, r.watermark, r.last_attempt_at, r.last_success_at, r.failing_since,
                         r.failures, r.last_error)

    def _ensure_poll_state(self, location_number: str) -> None:
        self.session.execute(self._insert(InboundPollState.__table__).values(location_number=location_number, failures=0,
                                                                             last_error="")
                             .on_conflict_do_nothing(index_elements=["location_number"]))

    def poll_succeeded(self, location_number: str, *, now: datetime, watermark: datetime | None) -> None:
        self._ensure_poll_state(location_number)
        values = dict(last_attempt_at=now, last_success_at=now, failing_since=None, failures=0, last_error="")
        self.session.execute(update(InboundPollState).where(InboundPollState.location_number == location_number).values(**values))
        if watermark is not None:
            self.session.execute(update(InboundPollState).where(
                InboundPollState.location_number == location_number,
                or_(InboundPollState.watermark.is_(None), InboundPollState.watermark < watermark)).values(watermark=watermark))

    def poll_failed(self, location_number: str, *, now: datetime, error: str) -> None:
        self._ensure_poll_state(location_number)
        self.session.execute(update(InboundPollState).where(InboundPollState.location_number == location_number).values(
            last_attempt_at=now, failures=InboundPollState.failures + 1, last_error=error[:500],
            failing_since=func.coalesce(InboundPollState.failing_since, now)))

    # -- the job lease ---------------------------------------------------------------------
    def acquire_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> str | None:
        """Take or renew the lease; None when it is ours now, else who holds it."""
        self.session.execute(self._insert(JobLease.__table__).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
        taken = self.session.execute(
            update(JobLease)
            .where(JobLease.name == name, or_(JobLease.holder.is_(None), JobLease.expires_at < now, JobLease.holder == holder))
            .values(holder=holder, expires_at=now + ttl,
                    acquired_at=func.coalesce(
                        select(JobLease.acquired_at).where(JobLease.name == name, JobLease.holder == holder)
                        .scalar_subquery(), now))
        ).rowcount
        if taken:
            return None
        return self.session.scalar(select(JobLease.holder).where(JobLease.name == name)) or "another computer"

    def release_lease(self, name: str, holder: str) -> None:
        self.session.execute(update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
                             .values(holder=None, expires_at=None, acquired_at=None))

    def lease(self, name: str) -> tuple[str | None, datetime | None]:
        r = self.session.get(JobLease, name)
        return (None, None) if r is None else (r.holder, r.expires_at)
