"""Inbound texts: polled per location number, routed to a thread, consent keywords applied (MSG-5, MSG-6).

A LAN app gets no webhooks, so every location's number is polled. The window overlaps the
last one (the provider filters by whole days, and a poll may have failed): messages already
recorded are recognised by their provider id and skipped. The watermark only moves forward on
a successful poll, so nothing received while polling was failing is lost: the next successful
poll re-reads from the old watermark.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from engage_desktop.domain.consent import Keyword, SuppressionSource, classify_inbound, help_reply
from engage_desktop.domain.messages import Channel, ProviderError, ProviderMessage, SmsProvider
from engage_desktop.domain.outbox import QueuedMessage
from engage_desktop.domain.pms_records import PatientStatus
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.rights import SYSTEM
from engage_desktop.services.clock import utc_now
from engage_desktop.services.consent import suppress_in, unsuppress_in

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)
FIRST_WINDOW = timedelta(days=1)  # a number polled for the first time: the last day
STALE_AFTER = timedelta(minutes=5)  # no successful poll for this long: the indicator turns red


@dataclass(frozen=True, slots=True)
class LocationNumber:
    number: str  # E.164
    location_id: str | None
    practice_name: str
    help_phone: str  # the office phone the HELP reply gives


@dataclass
class InboundReport:
    received: int = 0
    opted_out: int = 0
    opted_in: int = 0
    help_replies: int = 0
    flagged: int = 0
    failed_numbers: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PollHealth:
    number: str
    healthy: bool
    message: str  # for staff: "Checked 12:04", "Failing since 11:50: the provider did not answer"
    last_success_at: datetime | None
    failing_since: datetime | None


def poll_inbound(*, uow_factory: UnitOfWorkFactory, provider: SmsProvider, numbers: Sequence[LocationNumber],
                 clock: Callable[[], datetime] = utc_now, overlap: timedelta = OVERLAP) -> InboundReport:
    report = InboundReport()
    for number in numbers:
        now = clock()
        with uow_factory() as uow:
            state = uow.messaging.poll_state(number.number)
        since = state.watermark - overlap if state.watermark else now - FIRST_WINDOW
        try:
            # Pages of 100, newest first: 200 pages reach back over a long outage of a busy number.
            listed = [m for m in provider.list_messages(to=number.number, since=since, day_filter=True, max_pages=200)
                      if m.inbound]
        except ProviderError as exc:
            # The provider's text can quote numbers; staff get a plain reason instead.
            reason = "the provider refused the request" if exc.status_code and exc.status_code < 500 else \
                "the provider did not answer"
            with uow_factory() as uow:
                uow.messaging.poll_failed(number.number, now=now, error=f"{reason} ({exc.status_code or 'network'})")
                uow.commit()
            log.warning("inbound poll of location %s failed (%s)", number.location_id, exc.status_code or "network")
            report.failed_numbers.append(number.number)
            continue
        with uow_factory() as uow:
            known = uow.messaging.known_inbound([m.provider_id for m in listed])
        try:
            for message in sorted((m for m in listed if m.provider_id not in known), key=lambda m: m.created_at):
                _record(uow_factory, provider.name, number, message, report, now=clock())
        except Exception as exc:  # noqa: BLE001 - the other numbers still get polled; this one says so
            log.error("inbound poll of location %s: could not record a message (%s)", number.location_id,
                      type(exc).__name__)
            with uow_factory() as uow:  # the watermark stays: the next poll tries the rest again
                uow.messaging.poll_failed(number.number, now=now, error="a received text could not be recorded")
                uow.commit()
            report.failed_numbers.append(number.number)
            continue
        watermark = max((m.created_at for m in listed), default=None)
        with uow_factory() as uow:
            uow.messaging.poll_succeeded(number.number, now=now, watermark=watermark)
            uow.commit()
    return report


def _route(uow, phone: str) -> tuple[str, str | None, int | None]:
    """(kind, patient pms id, unlinked id): the chart whose mobile this is (the family's guarantor
    first, then active charts), else an unlinked patient with it, else an unknown sender."""
    charts = [(pms_id, guarantor, status) for pms_id, guarantor, status in uow.messaging.charts_with_mobile(phone)
              if status not in (PatientStatus.DELETED.value, PatientStatus.DECEASED.value)]
    if charts:
        def rank(chart):
            pms_id, guarantor, status = chart
            return (guarantor not in (None, "", pms_id), status != PatientStatus.ACTIVE.value, pms_id)

        return "patient", min(charts, key=rank)[0], None
    for unlinked_id, status, linked_pms_id, _merged_into in uow.messaging.unlinked_with_mobile(phone):
        if status == "linked" and linked_pms_id:
            return "patient", linked_pms_id, None
        if status == "unlinked":
            return "unlinked", None, unlinked_id
    return "unknown", None, None


def _record(uow_factory: UnitOfWorkFactory, provider: str, number: LocationNumber, message: ProviderMessage,
            report: InboundReport, *, now: datetime) -> None:
    with uow_factory() as uow:  # reads first, in a transaction of their own (SQLite: see the outbox repository)
        kind, pms_id, unlinked_id = _route(uow, message.sender)
    keyword = classify_inbound(message.body)
    patient_ref = f"pms:{pms_id}" if pms_id else (f"unlinked:{unlinked_id}" if unlinked_id else "")
    with uow_factory() as uow:
        thread_id = uow.messaging.thread_for(location_number=number.number, location_id=number.location_id,
                                             phone=message.sender, kind=kind, patient_pms_id=pms_id,
                                             unlinked_id=unlinked_id, at=message.created_at)
        inserted = uow.messaging.add_inbound(provider=provider, provider_id=message.provider_id, thread_id=thread_id,
                                             sender=message.sender, location_number=number.number, body=message.body,
                                             received_at=message.created_at, consent=keyword.value,
                                             flagged=keyword is Keyword.POSSIBLE_OPT_OUT, now=now)
        if inserted is None:  # another poller recorded it a moment ago
            return
        report.received += 1
        match keyword:
            case Keyword.OPT_OUT:
                if suppress_in(uow, SYSTEM, channel=Channel.SMS.value, address=message.sender,
                             source=SuppressionSource.KEYWORD.value, raw_text=message.body, now=now,
                             patient_ref=patient_ref):
                    report.opted_out += 1
            case Keyword.OPT_IN:
                if unsuppress_in(uow, SYSTEM, channel=Channel.SMS.value, address=message.sender,
                                 source=SuppressionSource.KEYWORD.value, patient_ref=patient_ref):
                    report.opted_in += 1
            case Keyword.HELP:
                reply = QueuedMessage(dedupe_key=f"help:{message.provider_id}", channel=Channel.SMS.value,
                                      recipient=message.sender, sender=number.number,
                                      body=help_reply(practice_name=number.practice_name, phone=number.help_phone),
                                      location_id=number.location_id, patient_pms_id=pms_id, unlinked_id=unlinked_id,
                                      quiet_hours=False)  # the patient just asked: answer now
                uow.outbox.enqueue([reply], now=now)
                report.help_replies += 1
            case Keyword.POSSIBLE_OPT_OUT:
                report.flagged += 1
        uow.commit()


def poll_health(*, uow_factory: UnitOfWorkFactory, numbers: Sequence[str], clock: Callable[[], datetime] = utc_now,
                stale_after: timedelta = STALE_AFTER) -> list[PollHealth]:
    """Per number: is inbound polling working? Red when it is failing or has not run lately."""
    now = clock()
    out = []
    with uow_factory() as uow:
        for number in numbers:
            s = uow.messaging.poll_state(number)
            if s.failing_since is not None:
                out.append(PollHealth(number, False, f"Not receiving texts since {_clock(s.failing_since)}: "
                                      f"{s.last_error or 'the provider did not answer'}. Replies are not lost: they are "
                                      "fetched when the connection is back.", s.last_success_at, s.failing_since))
            elif s.last_success_at is None:
                out.append(PollHealth(number, False, "Not checked for texts yet.", None, None))
            elif now - s.last_success_at > stale_after:
                out.append(PollHealth(number, False, f"Last checked for texts at {_clock(s.last_success_at)}: the "
                                      "program that checks may not be running.", s.last_success_at, None))
            else:
                out.append(PollHealth(number, True, f"Receiving texts (checked {_clock(s.last_success_at)}).",
                                      s.last_success_at, None))
    return out


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M")
