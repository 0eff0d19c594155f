"""The outbox: every message is a row before any provider is called (MSG-2).

A row moves through these states; only the dispatcher moves it, always with a conditional
update on the state it expects, so two dispatchers (or one restarted after a crash) can never
both send it.

    queued ──claim──▶ claimed ──start──▶ sending ──provider──▶ submitted/sent/… (final later)
      ▲                  │ lease expired    │ crash (lease expired) or ambiguous reply
      └──────────────────┘                  ▼
      ▲                                  unknown ──reconcile──▶ found at the provider: submitted
      └──────────── not found after the grace period ◀──┘

``claimed`` rows were never handed to a provider, so they go back to ``queued`` when their
lease expires. ``sending`` rows may have been: they become ``unknown`` and are reconciled by
listing the provider's messages, never re-sent blindly.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from engage_desktop.domain.messages import DeliveryStatus


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"  # waiting (maybe until not_before: quiet hours, back-off, daily cap)
    CLAIMED = "claimed"  # a dispatcher holds it; not yet handed to a provider
    SENDING = "sending"  # handed to the provider; the reply is not recorded yet
    UNKNOWN = "unknown"  # the provider may have it: to be reconciled
    RECONCILING = "reconciling"  # a dispatcher is asking the provider
    SUBMITTED = "submitted"  # the provider accepted it; not yet with the carrier
    SENT = "sent"  # with the carrier / the recipient's mail server
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    OPTED_OUT = "opted_out"  # the recipient had opted out (our list or the provider's)
    SKIPPED = "skipped"  # not sent on purpose: the reason says why
    CANCELED = "canceled"
    UNCONFIRMED = "unconfirmed"  # email only: the server never confirmed; not sent again (may have arrived)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    OutboxStatus.QUEUED: "Waiting", OutboxStatus.CLAIMED: "Sending", OutboxStatus.SENDING: "Sending",
    OutboxStatus.UNKNOWN: "Checking with the provider", OutboxStatus.RECONCILING: "Checking with the provider",
    OutboxStatus.SUBMITTED: "Sent to the provider", OutboxStatus.SENT: "Sent", OutboxStatus.DELIVERED: "Delivered",
    OutboxStatus.UNDELIVERED: "Not delivered", OutboxStatus.FAILED: "Failed", OutboxStatus.BOUNCED: "Bounced",
    OutboxStatus.OPTED_OUT: "Opted out", OutboxStatus.SKIPPED: "Not sent", OutboxStatus.CANCELED: "Canceled",
    OutboxStatus.UNCONFIRMED: "Not confirmed",
}

FROM_DELIVERY = {
    DeliveryStatus.QUEUED: OutboxStatus.SUBMITTED, DeliveryStatus.SENT: OutboxStatus.SENT,
    DeliveryStatus.DELIVERED: OutboxStatus.DELIVERED, DeliveryStatus.UNDELIVERED: OutboxStatus.UNDELIVERED,
    DeliveryStatus.FAILED: OutboxStatus.FAILED, DeliveryStatus.BOUNCED: OutboxStatus.BOUNCED,
    DeliveryStatus.CANCELED: OutboxStatus.CANCELED, DeliveryStatus.RECEIVED: OutboxStatus.DELIVERED,
}


class BatchState(enum.StrEnum):
    """A batch is what staff pause, resume or cancel (a campaign run, a test send)."""

    ACTIVE = "active"
    PAUSED = "paused"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    # Enough for an outage of several hours: 2 s doubling to 15 min, then every 15 min (~5.5 h).
    max_attempts: int = 30
    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=15)

    def delay(self, attempts: int, *, retry_after: float | None = None, rng: random.Random | None = None) -> timedelta:
        """Exponential back-off with ±10 % jitter; a provider's Retry-After is a floor."""
        raw = min(self.cap.total_seconds(), self.base.total_seconds() * 2 ** max(0, attempts - 1))
        jitter = (rng or random).uniform(0.9, 1.1)
        seconds = raw * jitter
        if retry_after is not None:
            seconds = max(seconds, retry_after)
        return timedelta(seconds=seconds)


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """What a use case asks to send. ``dedupe_key`` makes queueing the same message twice a no-op
    (e.g. ``campaign:12:patient:340:sms``)."""

    dedupe_key: str
    channel: str  # Channel value
    recipient: str  # E.164 or a normalised email address
    sender: str  # number, Messaging Service SID or "Name <address>"
    body: str  # SMS text, or the email's text part
    subject: str = ""
    html: str | None = None
    batch_id: int | None = None
    location_id: str | None = None
    patient_pms_id: str | None = None
    unlinked_id: int | None = None
    recipient_state: str = ""  # the patient's address state, for quiet hours
    time_zone: str = ""  # the location's time zone
    quiet_hours: bool = True  # False for replies a patient asked for (HELP)
    segments: int = 1
    unsubscribe_url: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """An outbox row as the dispatcher works with it."""

    id: int
    dedupe_key: str
    channel: str
    recipient: str
    sender: str
    body: str
    subject: str
    html: str | None
    status: OutboxStatus
    attempts: int
    segments: int
    recipient_state: str
    time_zone: str
    quiet_hours: bool
    batch_id: int | None
    provider_id: str | None
    attempt_started_at: datetime | None
    unsubscribe_url: str | None = None
    location_id: str | None = None
    provider: str | None = None  # the provider it was queued for or last handed to
