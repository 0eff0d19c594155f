"""The messaging engine's tables: outbox, batches, suppression list, inbound messages and
threads, inbound polling state, and the scheduler's lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engage_desktop.store.base import Base


class OutboxBatch(Base):
    """What staff pause, resume or cancel: a campaign run, a test send, automatic replies."""

    __tablename__ = "outbox_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # campaign, test, reply, system
    label: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")  # BatchState
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64), default="")


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        # The dispatcher's claim: due queued rows in order.
        Index("ix_outbox_message_due", "status", "not_before"),
        # Daily caps: segments submitted per sender since midnight.
        Index("ix_outbox_message_sender_submitted", "sender", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_batch.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(255), index=True)
    sender: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    segments: Mapped[int] = mapped_column(Integer, default=1)
    location_id: Mapped[str | None] = mapped_column(String(64))
    patient_pms_id: Mapped[str | None] = mapped_column(String(64), index=True)
    unlinked_id: Mapped[int | None] = mapped_column(Integer, index=True)
    recipient_state: Mapped[str] = mapped_column(String(8), default="")
    time_zone: Mapped[str] = mapped_column(String(64), default="")
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")  # why skipped/failed/waiting, for staff
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(index=True)
    attempt_started_at: Mapped[datetime | None]
    provider: Mapped[str | None] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(32))
    error_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    polls: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)


class Suppression(Base):
    """An address that must not be messaged on a channel: who/what said so, when, and the raw text."""

    __tablename__ = "suppression"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(24))  # SuppressionSource
    raw_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64), default="")


class MessageThread(Base):
    """A conversation: one patient phone number with one location number (INB-1)."""

    __tablename__ = "message_thread"
    __table_args__ = (UniqueConstraint("location_number", "phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_number: Mapped[str] = mapped_column(String(32))
    location_id: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))  # patient, unlinked, unknown
    patient_pms_id: Mapped[str | None] = mapped_column(String(64), index=True)
    unlinked_id: Mapped[int | None] = mapped_column(Integer, index=True)
    last_message_at: Mapped[datetime]
    created_at: Mapped[datetime]


class InboundMessage(Base):
    __tablename__ = "inbound_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(100), unique=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_thread.id"), index=True)
    sender: Mapped[str] = mapped_column(String(32))
    location_number: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(index=True)
    consent: Mapped[str] = mapped_column(String(24), default="none")  # domain.consent.Keyword
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)  # asks to stop in free text: staff decide
    read_at: Mapped[datetime | None]
    recorded_at: Mapped[datetime]


class InboundPollState(Base):
    """Per location number: how far inbound polling got and whether it is healthy (MSG-6)."""

    __tablename__ = "inbound_poll_state"

    location_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[datetime | None]  # newest inbound message seen
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class JobLease(Base):
    """Exactly one process in an office runs the scheduled jobs: the holder of this lease."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(255))
    acquired_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
