"""The local suppression list (MSG-5): who must not be messaged on which channel, and why.

Entries come from keywords (STOP …), the provider (Twilio 21610), staff, the PMS and
unsubscribe links. Every change is audited; the audit names the entry by a masked address,
the list itself keeps the full address, the source, the time and the raw text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from engage_desktop.domain.consent import SuppressionSource, normalise_address
from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.services import audit
from engage_desktop.services.clock import utc_now


def mask(address: str) -> str:
    """The audit log names the list entry without spelling out the whole number or address."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}…@{domain}"
    return f"…{address[-4:]}"


def suppress_in(uow, actor: Actor, *, channel: str, address: str, source: str, raw_text: str, now: datetime,
                patient_ref: str = "") -> bool:
    """Add to the list inside the caller's transaction, audited; False when it was listed already."""
    address = normalise_address(channel, address)
    added = uow.messaging.suppress(channel=channel, address=address, source=source, raw_text=raw_text, now=now,
                                   by=actor.username)
    if added:
        audit.record(uow, actor, "consent.opted_out", entity_type="suppression", entity_id=f"{channel}:{mask(address)}",
                     patient_ref=patient_ref, details={"channel": channel, "source": source})
    return added


def unsuppress_in(uow, actor: Actor, *, channel: str, address: str, source: str, patient_ref: str = "") -> bool:
    address = normalise_address(channel, address)
    removed = uow.messaging.unsuppress(channel, address)
    if removed is None:
        return False
    audit.record(uow, actor, "consent.opted_in", entity_type="suppression", entity_id=f"{channel}:{mask(address)}",
                 patient_ref=patient_ref, details={"channel": channel, "source": source, "before": removed.source})
    return True


def _address(channel: str, address: str) -> str:
    if channel not in ("sms", "email"):
        raise ValidationFailed({"channel": "Pick text or email."})
    cleaned = normalise_address(channel, address)
    if not cleaned:
        raise ValidationFailed({"address": "Enter the phone number or email address."})
    return cleaned


def opt_out(*, uow_factory: UnitOfWorkFactory, actor: Actor, channel: str, address: str, note: str = "",
            patient_ref: str = "", clock: Callable[[], datetime] = utc_now) -> bool:
    """Staff record an opt-out the patient asked for some other way ("please stop texting me")."""
    actor.require(Right.MANAGE_INBOX)
    with uow_factory() as uow:
        added = suppress_in(uow, actor, channel=channel, address=_address(channel, address),
                            source=SuppressionSource.STAFF.value, raw_text=note, now=clock(), patient_ref=patient_ref)
        uow.commit()
    return added


def opt_in(*, uow_factory: UnitOfWorkFactory, actor: Actor, channel: str, address: str, patient_ref: str = "") -> bool:
    """Staff lift an opt-out (the patient asked again in writing). A carrier-level STOP stays until
    the patient texts START: the provider then refuses with 21610 and the number is listed again."""
    actor.require(Right.MANAGE_INBOX)
    with uow_factory() as uow:
        removed = unsuppress_in(uow, actor, channel=channel, address=_address(channel, address),
                                source=SuppressionSource.STAFF.value, patient_ref=patient_ref)
        uow.commit()
    return removed
