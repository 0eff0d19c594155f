"""Queueing and dispatching messages, exactly once (MSG-2, MSG-3, MSG-4, MSG-6).

``queue_messages`` writes outbox rows (a dedupe key makes queueing twice harmless).
``dispatch_due`` claims due rows with a lease and sends them; every step is its own short
transaction with a conditional update, so a crash at any point leaves a row that a restarted
or second dispatcher can finish without sending it twice:

* crash after the claim → the lease expires → ``queued`` again (nothing was sent);
* crash during the provider call → the lease expires → ``unknown`` → reconciled by listing
  the provider's messages; sent again only if the provider does not have it after a grace
  period (``reconcile_grace``);
* ambiguous replies (read timeout, 5xx, reset) → ``unknown`` the same way.

``poll_delivery`` asks the provider for delivery reports until each row is final, with a
deadline for carriers that never report.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from engage_desktop.domain.consent import normalise_address
from engage_desktop.domain.messages import (
    Channel,
    DeliveryStatus,
    EmailProvider,
    OutgoingEmail,
    OutgoingSms,
    ProviderError,
    SendOutcome,
    SendResult,
    SmsProvider,
)
from engage_desktop.domain.outbox import FROM_DELIVERY, OutboxRow, OutboxStatus, QueuedMessage, RetryPolicy
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.ratelimit import RateLimiter
from engage_desktop.domain.rights import SYSTEM
from engage_desktop.domain.segments import count_segments
from engage_desktop.services.clock import utc_now
from engage_desktop.services.consent import suppress_in

log = logging.getLogger(__name__)
_S = OutboxStatus


class QuietHours(Protocol):
    def __call__(self, now: datetime, *, state: str, time_zone: str) -> datetime:
        """``now`` when sending is allowed now, else the next allowed instant (aware UTC)."""


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    lease: timedelta = timedelta(seconds=90)  # longer than the slowest provider call (timeouts 5 + 20 s)
    batch_size: int = 32
    concurrency: int = 8
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # An unknown outcome the provider does not list this long after the attempt is sent again.
    reconcile_grace: timedelta = timedelta(minutes=10)
    reconcile_recheck: timedelta = timedelta(seconds=30)
    blocked_wait: timedelta = timedelta(minutes=5)
    daily_segment_cap: int | None = None  # per sending number
    cap_time_zone: str = "America/Los_Angeles"  # T-Mobile's daily caps reset at midnight Pacific
    poll_first: timedelta = timedelta(seconds=30)
    poll_max: timedelta = timedelta(hours=1)
    poll_deadline: timedelta = timedelta(hours=72)  # carriers that never report: stop asking
    postal_address: str = ""  # the practice's, in every email's footer (CAN-SPAM)


@dataclass
class Providers:
    sms: SmsProvider | None = None
    email: EmailProvider | None = None

    def get(self, channel: str) -> SmsProvider | EmailProvider | None:
        return self.sms if channel == Channel.SMS.value else self.email


@dataclass(frozen=True, slots=True)
class QueueReport:
    queued: int
    duplicates: int
    skipped: dict[str, int]  # reason → count
    keys: frozenset[str] = frozenset()  # dedupe keys queued by this call

    @property
    def summary(self) -> str:
        parts = [f"{self.queued} queued"]
        if self.duplicates:
            parts.append(f"{self.duplicates} already queued before")
        parts += [f"{n} not sent: {reason}" for reason, n in sorted(self.skipped.items())]
        return ", ".join(parts)


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    opted_out: int = 0
    retried: int = 0
    unknown: int = 0
    reconciled: int = 0
    resent_after_check: int = 0
    deferred: int = 0  # quiet hours, daily cap, paused
    blocked: set[str] = field(default_factory=set)  # channels whose account refused us
    requeued_after_crash: int = 0
    unknown_after_crash: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + n)


# -- queueing --------------------------------------------------------------------------------

def queue_messages(*, uow_factory: UnitOfWorkFactory, messages: Sequence[QueuedMessage],
                   quiet: QuietHours | None = None, clock: Callable[[], datetime] = utc_now,
                   providers: Providers | None = None) -> QueueReport:
    """Write messages to the outbox (all in one write transaction). Suppressed recipients are
    recorded as opted out (staff see why); the rest wait until the recipient's quiet hours allow.
    With ``providers``, each row is stamped with the provider it is meant for: a row queued in
    the sandbox never goes out live after the practice switches (MSG-1)."""
    now = clock()
    # Read the list first, then write in a transaction of its own (SQLite: see the outbox
    # repository); an opt-out arriving in between is caught again before sending.
    suppressed: set[tuple[str, str]] = set()
    with uow_factory() as uow:
        for channel in {m.channel for m in messages}:
            addresses = [normalise_address(channel, m.recipient) for m in messages if m.channel == channel]
            suppressed |= {(channel, a) for a in uow.messaging.suppressed(channel, addresses)}
        pms = uow.messaging.pms_consent(sorted({m.patient_pms_id for m in messages if m.patient_pms_id}))
    ready, skipped = [], []
    # What the daily caps and the rate limiter count (MSG-3), exactly as Twilio bills it.
    messages = [replace(m, segments=count_segments(m.body).segments) if m.channel == Channel.SMS.value else m
                for m in messages]
    for m in messages:
        if (m.channel, normalise_address(m.channel, m.recipient)) in suppressed:
            skipped.append((m, _S.OPTED_OUT.value, "The recipient opted out."))
        elif (reason := _pms_refusal(m, pms.get(m.patient_pms_id or ""))) is not None:
            skipped.append((m, _S.SKIPPED.value, reason))
        else:
            ready.append(m)
    windows: dict[tuple[str, str], datetime | str] = {}
    timed, not_before = [], []
    for m in ready:
        if not (m.quiet_hours and quiet):
            timed.append(m)
            not_before.append(now)
            continue
        key = (m.recipient_state, m.time_zone)
        if key not in windows:  # every message of a call shares `now`: one answer per state and zone
            try:
                windows[key] = quiet(now, state=m.recipient_state, time_zone=m.time_zone)
            except ValueError as exc:  # e.g. a practice window that no state rule leaves open
                windows[key] = f"No sending time could be found: {exc}"
        if isinstance(windows[key], str):
            skipped.append((m, _S.SKIPPED.value, windows[key]))
        else:
            timed.append(m)
            not_before.append(windows[key])
    names = {c: p.name for c in (Channel.SMS.value, Channel.EMAIL.value) if (p := providers.get(c)) is not None} \
        if providers else None
    with uow_factory() as uow:
        inserted = uow.outbox.enqueue(timed, now=now, not_before=not_before, providers=names)
        skipped_keys = uow.outbox.skip(skipped, now=now) if skipped else set()
        uow.commit()
    duplicates = len(messages) - len(inserted) - len(skipped_keys)
    by_reason: dict[str, int] = {}
    for m, _, reason in skipped:
        if m.dedupe_key in skipped_keys:
            by_reason[reason] = by_reason.get(reason, 0) + 1
    return QueueReport(queued=len(inserted), duplicates=duplicates, skipped=by_reason, keys=frozenset(inserted))


def _pms_refusal(m: QueuedMessage, consent: tuple[str, bool, str, bool] | None) -> str | None:
    """The PMS's own consent flags win over ours: a chart marked "no texts" gets none."""
    if consent is None:
        return None
    text_consent, sms_opt_out, email_consent, email_opt_out = consent
    if m.channel == Channel.SMS.value and (sms_opt_out or text_consent == "no"):
        return "The PMS says this patient does not want texts."
    if m.channel == Channel.EMAIL.value and (email_opt_out or email_consent == "no"):
        return "The PMS says this patient does not want email."
    return None


# -- dispatching -----------------------------------------------------------------------------

@dataclass
class _Run:
    uow_factory: UnitOfWorkFactory
    providers: Providers
    owner: str
    settings: DispatchSettings
    quiet: QuietHours | None
    clock: Callable[[], datetime]
    limiter: RateLimiter
    stop: threading.Event
    report: DispatchReport
    rng: random.Random
    caps: dict[str, int] = field(default_factory=dict)  # sender → segments used today
    suppressed: set[tuple[str, str]] = field(default_factory=set)  # (channel, address) of the batch in hand
    # The workers' short write transactions take turns on SQLite, where writers that collide back
    # off in sleeps of several milliseconds, far longer than the writes themselves. On PostgreSQL
    # they run at once (each commit waits for its WAL flush; taking turns made 8 workers as slow as 1).
    writes: AbstractContextManager = field(default_factory=threading.Lock)
    cap_day: dict[str, datetime] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def dispatch_due(*, uow_factory: UnitOfWorkFactory, providers: Providers, owner: str,
                 settings: DispatchSettings = DispatchSettings(), quiet: QuietHours | None = None,
                 limiter: RateLimiter | None = None, stop: threading.Event | None = None,
                 clock: Callable[[], datetime] = utc_now, max_batches: int | None = None,
                 executor: ThreadPoolExecutor | None = None, batch_id: int | None = None) -> DispatchReport:
    """Send every due message (until none is left, ``max_batches`` or ``stop``); only one batch's
    with ``batch_id`` (a test send)."""
    run = _Run(uow_factory, providers, owner, settings, quiet, clock, limiter or RateLimiter(), stop or threading.Event(),
               DispatchReport(), random.Random())
    if not getattr(uow_factory, "one_writer_at_a_time", True):
        run.writes = nullcontext()
    requeued = unknown = 0
    if batch_id is None:  # a test send leaves the office's other rows to the scheduler
        with uow_factory() as uow:
            requeued, unknown = uow.outbox.release_expired(now=clock())
            uow.commit()
    run.report.requeued_after_crash, run.report.unknown_after_crash = requeued, unknown
    if requeued or unknown:
        log.info("dispatcher %s: %d claimed rows back in the queue, %d in-flight rows to check", owner, requeued, unknown)
    own_pool = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=max(1, settings.concurrency), thread_name_prefix="dispatch")
    try:
        _reconcile(run, pool, batch_id)
        batches = 0
        while not run.stop.is_set() and (max_batches is None or batches < max_batches):
            with uow_factory() as uow:
                rows = uow.outbox.claim(owner=owner, now=clock(), limit=settings.batch_size, lease=settings.lease,
                                        batch_id=batch_id)
                uow.commit()
            if not rows:
                break
            batches += 1
            run.suppressed = _suppressed(uow_factory, rows)  # one query per batch, not one per message
            list(pool.map(lambda row: _send_one(run, row), rows))
    finally:
        if own_pool:
            pool.shutdown(wait=True)
    return run.report


def _suppressed(uow_factory: UnitOfWorkFactory, rows: Sequence[OutboxRow]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    with uow_factory() as uow:
        for channel in {r.channel for r in rows}:
            addresses = [normalise_address(channel, r.recipient) for r in rows if r.channel == channel]
            out |= {(channel, a) for a in uow.messaging.suppressed(channel, addresses)}
    return out


def _release(run: _Run, row: OutboxRow, *, not_before: datetime, reason: str = "",
             from_status: OutboxStatus = _S.CLAIMED, to_status: OutboxStatus = _S.QUEUED,
             attempt: int | None = None) -> None:
    with run.writes, run.uow_factory() as uow:
        uow.outbox.release(row.id, owner=run.owner, not_before=not_before, reason=reason, from_status=from_status,
                           to_status=to_status, attempt=attempt)
        uow.commit()


def _send_one(run: _Run, row: OutboxRow) -> None:
    try:
        _send(run, row)
    except Exception as exc:  # noqa: BLE001 - one bad row must not stop the batch; its lease expiry recovers it
        log.error("dispatcher: unexpected %s on outbox row %d", type(exc).__name__, row.id)


def _send(run: _Run, row: OutboxRow) -> None:
    settings, now = run.settings, run.clock()
    if run.stop.is_set() or row.channel in run.report.blocked:
        _release(run, row, not_before=now if run.stop.is_set() else now + settings.blocked_wait)
        return
    provider = run.providers.get(row.channel)
    if provider is None:
        _release(run, row, not_before=now + settings.blocked_wait,
                 reason=f"No {row.channel.upper()} provider is set up (Settings ▸ Messaging).")
        run.report.add("deferred")
        return
    if row.provider and row.provider != provider.name:
        with run.uow_factory() as uow:
            uow.outbox.finish(row.id, owner=run.owner, from_status=_S.CLAIMED, status=_S.SKIPPED, now=now,
                              reason=f"Queued for the {row.provider} provider; the provider was changed since, "
                                     "so it was not sent.")
            uow.commit()
        return
    if (row.channel, normalise_address(row.channel, row.recipient)) in run.suppressed:
        with run.uow_factory() as uow:
            uow.outbox.finish(row.id, owner=run.owner, from_status=_S.CLAIMED, status=_S.OPTED_OUT, now=now,
                              reason="The recipient opted out.")
            uow.commit()
        run.report.add("opted_out")
        return
    if row.quiet_hours and run.quiet is not None:
        try:
            allowed = run.quiet(now, state=row.recipient_state, time_zone=row.time_zone)
        except ValueError as exc:
            _release(run, row, not_before=now + timedelta(hours=1), reason=f"No sending time could be found: {exc}")
            run.report.add("deferred")
            return
        if allowed > now:
            _release(run, row, not_before=allowed, reason="Waiting for the recipient's sending hours.")
            run.report.add("deferred")
            return
    sms = row.channel == Channel.SMS.value
    capped = sms and bool(settings.daily_segment_cap)
    if capped and not _fits_cap(run, row, now):
        _release(run, row, not_before=_next_midnight(now, settings.cap_time_zone),
                 reason=f"This number's daily limit of {settings.daily_segment_cap} segments is reached.")
        run.report.add("deferred")
        return
    started = run.clock()
    with run.writes, run.uow_factory() as uow:
        ok = uow.outbox.start_attempt(row.id, owner=run.owner, now=started, lease=settings.lease, provider=provider.name)
        uow.commit()
    if not ok:  # paused or canceled since the claim, or the lease was lost: give it back untouched
        _release(run, row, not_before=started)
        _refund_cap(run, row, capped)
        run.report.add("deferred")
        return
    # The per-number rate (carriers limit texts, not email), as close to the call as possible.
    if sms and not run.limiter.wait(row.sender, row.segments, stop=run.stop):
        _release(run, row, not_before=run.clock(), from_status=_S.SENDING, attempt=row.attempts + 1)  # never called
        _refund_cap(run, row, capped)
        return
    result = _call(provider, row, settings)
    _record(run, row, provider.name, result, attempts=row.attempts + 1)
    if result.outcome is not SendOutcome.ACCEPTED:
        _refund_cap(run, row, capped)


def _call(provider, row: OutboxRow, settings: DispatchSettings) -> SendResult:
    try:
        if row.channel == Channel.SMS.value:
            return provider.send(OutgoingSms(to=row.recipient, body=row.body, sender=row.sender))
        return provider.send(OutgoingEmail(to=row.recipient, subject=row.subject, text=row.body, html=row.html,
                                           sender=row.sender, unsubscribe_url=row.unsubscribe_url,
                                           postal_address=settings.postal_address,
                                           message_id=f"<outbox-{row.id}.{row.attempts + 1}@{_domain(row.sender)}>"))
    except Exception as exc:  # noqa: BLE001 - a provider bug after the request may have gone out
        log.error("provider %s raised %s on outbox row %d", provider.name, type(exc).__name__, row.id)
        return SendResult(SendOutcome.UNKNOWN, error_message=f"The provider raised {type(exc).__name__}.")


def _domain(sender: str) -> str:
    """The sender address's domain, for Message-IDs that name the outbox row they came from."""
    return sender.rpartition("@")[2].rstrip("> ") or "engage-desktop.invalid"


def _record(run: _Run, row: OutboxRow, provider: str, result: SendResult, *, attempts: int) -> None:
    settings, now = run.settings, run.clock()
    with run.writes, run.uow_factory() as uow:
        match result.outcome:
            case SendOutcome.ACCEPTED:
                status = FROM_DELIVERY.get(result.status or DeliveryStatus.QUEUED, _S.SUBMITTED)
                final = (result.status or DeliveryStatus.QUEUED).is_final or (
                    row.channel == Channel.EMAIL.value and status is _S.SENT)  # SMTP reports nothing later
                if not uow.outbox.accepted(row.id, owner=run.owner, from_status=_S.SENDING, provider=provider,
                                           provider_id=result.provider_id or f"{provider}:{row.id}", status=status,
                                           provider_status=(result.status or DeliveryStatus.QUEUED).value,
                                           segments=result.segments, now=now, final=final,
                                           next_poll_at=now + settings.poll_first, attempt=attempts):
                    log.warning("outbox row %d: the provider accepted it (%s) but the row had moved on", row.id,
                                result.provider_id)
                _count_cap(run, row, result.segments or row.segments)
                run.report.add("sent")
            case SendOutcome.OPTED_OUT:
                uow.outbox.finish(row.id, owner=run.owner, from_status=_S.SENDING, status=_S.OPTED_OUT, now=now,
                                  reason="The recipient had opted out with the provider.", error_code=result.error_code,
                                  provider=provider, attempt=attempts)
                run.suppressed.add((row.channel, normalise_address(row.channel, row.recipient)))  # the rest of this batch
                suppress_in(uow, SYSTEM, channel=row.channel, address=row.recipient, source="provider",
                          raw_text=f"{provider} error {result.error_code or ''}".strip(), now=now)
                run.report.add("opted_out")
            case SendOutcome.REJECTED:
                uow.outbox.finish(row.id, owner=run.owner, from_status=_S.SENDING, status=_S.FAILED, now=now,
                                  reason=result.error_message or "The provider refused the message.",
                                  error_code=result.error_code, provider=provider, attempt=attempts)
                run.report.add("failed")
            case SendOutcome.RETRY:
                if attempts >= settings.retry.max_attempts:
                    uow.outbox.finish(row.id, owner=run.owner, from_status=_S.SENDING, status=_S.FAILED, now=now,
                                      reason=f"Gave up after {attempts} attempts: {result.error_message}".strip(),
                                      error_code=result.error_code, provider=provider, attempt=attempts)
                    run.report.add("failed")
                else:
                    delay = settings.retry.delay(attempts, retry_after=result.retry_after, rng=run.rng)
                    uow.outbox.release(row.id, owner=run.owner, not_before=now + delay, from_status=_S.SENDING,
                                       reason=f"Trying again later ({result.error_message or 'the provider was busy'}).",
                                       attempt=attempts)
                    run.report.add("retried")
            case SendOutcome.BLOCKED:
                uow.outbox.release(row.id, owner=run.owner, not_before=now + settings.blocked_wait, from_status=_S.SENDING,
                                   reason=result.error_message or "The provider account refused the message.",
                                   attempt=attempts)
                with run.lock:
                    run.report.blocked.add(row.channel)
                log.warning("provider %s refused the account (%s): %s messages wait", provider, result.error_code,
                            row.channel)
            case SendOutcome.UNKNOWN:
                uow.outbox.release(row.id, owner=run.owner, not_before=now + settings.reconcile_recheck,
                                   from_status=_S.SENDING, to_status=_S.UNKNOWN, attempt=attempts,
                                   reason="The provider did not answer clearly; checking before sending again.")
                run.report.add("unknown")
        uow.commit()


def _fits_cap(run: _Run, row: OutboxRow, now: datetime) -> bool:
    cap = run.settings.daily_segment_cap or 0
    day_start = _midnight(now, run.settings.cap_time_zone)
    with run.lock:
        if run.cap_day.get(row.sender) != day_start:
            with run.uow_factory() as uow:
                run.caps[row.sender] = uow.outbox.segments_since(row.sender, day_start)
            run.cap_day[row.sender] = day_start
        if run.caps[row.sender] + row.segments > cap:
            return False
        run.caps[row.sender] += row.segments  # reserved now, so parallel workers cannot overshoot
        return True


def _refund_cap(run: _Run, row: OutboxRow, capped: bool) -> None:
    """Give back what _fits_cap reserved for a message that was not accepted."""
    if capped:
        with run.lock:
            run.caps[row.sender] = max(0, run.caps.get(row.sender, 0) - row.segments)


def _count_cap(run: _Run, row: OutboxRow, segments: int) -> None:
    if row.channel == Channel.SMS.value and run.settings.daily_segment_cap and segments != row.segments:
        with run.lock:
            run.caps[row.sender] = run.caps.get(row.sender, 0) + segments - row.segments


def _midnight(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date(), time(0), tzinfo=local.tzinfo).astimezone(UTC)


def _next_midnight(now: datetime, zone: str) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo).astimezone(UTC)


# -- reconciling unknown outcomes ------------------------------------------------------------

def _reconcile(run: _Run, pool: ThreadPoolExecutor, batch_id: int | None = None) -> None:
    while not run.stop.is_set():
        with run.uow_factory() as uow:
            rows = uow.outbox.claim_unknown(owner=run.owner, now=run.clock(), limit=run.settings.batch_size,
                                            lease=run.settings.lease, batch_id=batch_id)
            uow.commit()
        if not rows:
            return
        list(pool.map(lambda row: _reconcile_one_safely(run, row), rows))


def _reconcile_one_safely(run: _Run, row: OutboxRow) -> None:
    try:
        _reconcile_one(run, row)
    except Exception as exc:  # noqa: BLE001 - the lease expiry brings it back to "unknown"
        log.error("dispatcher: unexpected %s reconciling outbox row %d", type(exc).__name__, row.id)


def _reconcile_one(run: _Run, row: OutboxRow) -> None:
    settings, now = run.settings, run.clock()
    provider = run.providers.get(row.channel)
    started = row.attempt_started_at or now
    if provider is None or (row.provider and row.provider != provider.name):
        # Only the provider that had the message can say whether it has it. Gone (switched off or
        # replaced): never send it again; a sandbox row certainly reached nobody.
        if provider is None and row.channel == Channel.SMS.value:
            _release(run, row, not_before=now + settings.blocked_wait, from_status=_S.RECONCILING, to_status=_S.UNKNOWN,
                     reason="No text provider is set up, so it cannot be checked yet.")
            return
        with run.uow_factory() as uow:
            uow.outbox.finish(row.id, owner=run.owner, from_status=_S.RECONCILING, status=_S.UNCONFIRMED, now=now,
                              reason=f"Handed to the {row.provider or 'previous'} provider, which is no longer used; "
                                     "not sent again.")
            uow.commit()
        return
    if not hasattr(provider, "list_messages"):
        # Email has no way to ask "did you get it?". Wait out a late answer from the attempt
        # itself (it replaces this), then say so instead of sending twice.
        if now < started + settings.reconcile_grace:
            _release(run, row, not_before=started + settings.reconcile_grace, from_status=_S.RECONCILING,
                     to_status=_S.UNKNOWN, reason="The mail server has not confirmed it yet.")
            return
        with run.uow_factory() as uow:
            uow.outbox.finish(row.id, owner=run.owner, from_status=_S.RECONCILING, status=_S.UNCONFIRMED, now=now,
                              reason="The mail server did not confirm this message; it may have been delivered, "
                                     "so it is not sent again.")
            uow.commit()
        return
    try:
        # A wide window (listing is per recipient anyway): this computer's clock and the provider's differ.
        listed = [m for m in provider.list_messages(to=row.recipient,
                                                    sender=None if row.sender.startswith("MG") else row.sender,
                                                    since=started - timedelta(days=1), day_filter=False, max_pages=5)
                  if not m.inbound and _same_text(m.body, row.body)]
    except ProviderError as exc:
        log.info("reconcile of outbox row %d postponed: %s", row.id, type(exc).__name__)
        _release(run, row, not_before=now + settings.reconcile_recheck, from_status=_S.RECONCILING,
                 to_status=_S.UNKNOWN, reason="Checking with the provider (it did not answer).")
        return
    with run.uow_factory() as uow:
        # The oldest listed message no other row has claimed (accepted() refuses a used id).
        found = any(uow.outbox.accepted(row.id, owner=run.owner, from_status=_S.RECONCILING, provider=provider.name,
                                        provider_id=m.provider_id, status=FROM_DELIVERY.get(m.status, _S.SUBMITTED),
                                        provider_status=m.raw_status, segments=m.segments, now=now,
                                        final=m.status.is_final, next_poll_at=now + settings.poll_first)
                    for m in sorted(listed, key=lambda m: m.created_at))  # any() stops at the first that fits
        if found:
            run.report.add("reconciled")
        elif now >= started + settings.reconcile_grace:
            uow.outbox.release(row.id, owner=run.owner, not_before=now, from_status=_S.RECONCILING, to_status=_S.QUEUED,
                               reason="The provider does not have it; sending again.")
            run.report.add("resent_after_check")
        else:
            uow.outbox.release(row.id, owner=run.owner, not_before=now + settings.reconcile_recheck,
                               from_status=_S.RECONCILING, to_status=_S.UNKNOWN,
                               reason="Checking with the provider before sending again.")
        uow.commit()


def _same_text(a: str, b: str) -> bool:
    """The provider may store line endings or surrounding space differently."""
    return " ".join(a.split()) == " ".join(b.split())


# -- delivery reports ------------------------------------------------------------------------

@dataclass
class PollReport:
    polled: int = 0
    finished: int = 0
    errors: int = 0


def poll_delivery(*, uow_factory: UnitOfWorkFactory, providers: Providers, settings: DispatchSettings = DispatchSettings(),
                  clock: Callable[[], datetime] = utc_now, limit: int = 500,
                  executor: ThreadPoolExecutor | None = None, row_ids: Sequence[int] | None = None,
                  stop: threading.Event | None = None) -> PollReport:
    """Fetch the status of messages awaiting a delivery report (due ones, oldest first; with
    ``row_ids`` those rows now, due or not)."""
    now = clock()
    with uow_factory() as uow:
        due = uow.outbox.due_polls(now=now, limit=limit, row_ids=row_ids)
    report = PollReport()
    lock = threading.Lock()

    def poll(item) -> None:
        row_id, channel, provider_name, provider_id, submitted_at, polls = item
        if stop is not None and stop.is_set():
            return
        provider = providers.get(channel)
        next_at = now + min(settings.poll_max, settings.poll_first * (2 ** min(polls, 16)))
        overdue = submitted_at is not None and now >= submitted_at + settings.poll_deadline
        fields = None
        if provider is None and not overdue:  # switched off or credentials missing for now: ask later
            with uow_factory() as uow:
                uow.outbox.postpone_poll(row_id, next_poll_at=next_at)
                uow.commit()
            return
        if provider is None or provider.name != provider_name or not hasattr(provider, "fetch"):
            fields = dict(status=None, final=True, reason="No further delivery reports (the provider was changed).")
        else:
            try:
                m = provider.fetch(provider_id)
            except ProviderError as exc:
                # Credentials being fixed (401/403) or a network problem: ask again later.
                if (exc.transient or exc.status_code in (401, 403)) and not overdue:
                    with uow_factory() as uow:
                        uow.outbox.postpone_poll(row_id, next_poll_at=next_at)
                        uow.commit()
                    with lock:
                        report.errors += 1
                    return
                fields = dict(status=None, final=True, reason="The provider no longer reports on this message.")
            else:
                status = FROM_DELIVERY.get(m.status, _S.SUBMITTED)
                final = m.status.is_final or overdue
                reason = m.error_message if m.status in (DeliveryStatus.UNDELIVERED, DeliveryStatus.FAILED) else ""
                if overdue and not m.status.is_final:
                    reason = f"No final report from the carrier within {settings.poll_deadline.total_seconds() / 3600:.0f} h."
                fields = dict(status=status, raw=m.raw_status, error=m.error_code, final=final, reason=reason,
                              segments=m.segments)
        with uow_factory() as uow:
            uow.outbox.record_report(row_id, status=fields["status"], provider_status=fields.get("raw"),
                                     error_code=fields.get("error"), reason=fields["reason"],
                                     segments=fields.get("segments"), now=now, final=fields["final"],
                                     next_poll_at=None if fields["final"] else next_at)
            uow.commit()
        with lock:
            report.polled += 1
            report.finished += int(fields["final"])

    if executor is None:
        for item in due:
            poll(item)
    else:
        list(executor.map(poll, due))
    return report
