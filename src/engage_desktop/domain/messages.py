"""Messages as the sending engine sees them: what goes to a provider, what comes back.

Pure value types shared by the providers (``engage_desktop.messaging``), the outbox
(``store``) and the dispatcher (``services.dispatch``). No I/O here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# What the UI and the CLI say wherever the sandbox sends (the adapter and the engine both name it).
SANDBOX_BANNER = "Sandbox — messages are not delivered"


class Channel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"


class SendOutcome(enum.StrEnum):
    """How one provider call ended, from the point of view of "was it sent?"."""

    ACCEPTED = "accepted"  # the provider took it: provider_id is set
    REJECTED = "rejected"  # a permanent refusal (bad number, bad address...): never retry
    OPTED_OUT = "opted_out"  # the recipient opted out with the provider (Twilio 21610)
    RETRY = "retry"  # nothing was sent (429, connect error, 4xx SMTP): safe to try again later
    UNKNOWN = "unknown"  # the request may have been accepted (read timeout, 5xx): reconcile, never resend blindly
    BLOCKED = "blocked"  # nothing was sent and nothing will be until staff fix the account (credentials, suspension)


class DeliveryStatus(enum.StrEnum):
    """Provider message statuses, normalised across providers."""

    QUEUED = "queued"  # accepted/scheduled/queued/sending at the provider
    SENT = "sent"  # handed to the carrier / accepted by the receiving mail server
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BOUNCED = "bounced"
    CANCELED = "canceled"
    RECEIVED = "received"  # an inbound message

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset({DeliveryStatus.DELIVERED, DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED,
                    DeliveryStatus.BOUNCED, DeliveryStatus.CANCELED, DeliveryStatus.RECEIVED})


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    to: str  # E.164
    body: str
    sender: str  # E.164 number, or a Messaging Service SID ("MG...") for Twilio


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str  # the plain-text part (always present)
    html: str | None  # the HTML part, already rendered and escaped
    sender: str  # "Smile Dental <frontdesk@smile.example>"
    reply_to: str | None = None
    unsubscribe_url: str | None = None  # goes into List-Unsubscribe and the visible footer link
    unsubscribe_mailto: str | None = None
    postal_address: str = ""  # the practice's postal address for the CAN-SPAM footer
    message_id: str | None = None  # Message-ID to set (the outbox key makes reconciliation exact)


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    provider_id: str | None = None
    status: DeliveryStatus | None = None
    segments: int | None = None  # what the provider billed, when it says
    error_code: str | None = None  # the provider's code ("21610", "550"), kept for display
    error_message: str = ""  # safe to show staff: never contains the message body
    retry_after: float | None = None  # seconds, from a Retry-After header


@dataclass(frozen=True, slots=True)
class ProviderMessage:
    """One message as the provider lists or fetches it (outbound or inbound)."""

    provider_id: str
    inbound: bool
    sender: str
    to: str
    body: str
    status: DeliveryStatus
    raw_status: str
    created_at: datetime  # aware, UTC
    sent_at: datetime | None = None
    segments: int | None = None
    error_code: str | None = None
    error_message: str = ""


class ProviderError(Exception):
    """A fetch or list call failed. ``transient`` = worth trying again later (network, 429, 5xx)."""

    def __init__(self, message: str, *, transient: bool, status_code: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status_code = status_code
        self.retry_after = retry_after


class SmsProvider(Protocol):
    name: str  # "twilio", "sandbox"
    delivers: bool  # False for the sandbox: the UI says so

    def send(self, message: OutgoingSms) -> SendResult:
        """Never raises for provider or network trouble: the outcome says what happened."""

    def fetch(self, provider_id: str) -> ProviderMessage:
        """Raises ProviderError."""

    def list_messages(self, *, to: str | None = None, sender: str | None = None,
                      since: datetime | None = None, day_filter: bool = True,
                      max_pages: int = 20) -> Iterator[ProviderMessage]:
        """Newest first; follows the provider's paging; stops at messages created before ``since``.

        With ``day_filter`` the provider is also asked for messages sent on or after the day
        before ``since`` (cheaper for inbound polling); without it nothing is filtered by date on
        the provider's side, so messages still queued (no sent date yet) are listed too, which is
        what reconciling an unknown outcome needs. Raises ProviderError."""


class EmailProvider(Protocol):
    name: str  # "smtp", "sandbox"
    delivers: bool

    def send(self, message: OutgoingEmail) -> SendResult:
        """Never raises for server or network trouble: the outcome says what happened."""
