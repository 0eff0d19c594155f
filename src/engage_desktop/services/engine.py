"""The messaging engine as the scheduler and the screens use it: one object per process that
reads the current settings for each run and calls the use cases in dispatch and inbound."""

from __future__ import annotations

import html
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from engage_desktop.domain.contacts import normalize_email, normalize_phone
from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.messages import SANDBOX_BANNER, Channel
from engage_desktop.domain.outbox import OutboxStatus, QueuedMessage
from engage_desktop.domain.ports import UnitOfWorkFactory
from engage_desktop.domain.ratelimit import RateLimiter
from engage_desktop.domain.rights import Actor, Right
from engage_desktop.services import audit, dispatch, inbound
from engage_desktop.services.clock import utc_now
from engage_desktop.services.dispatch import DispatchReport, PollReport, Providers
from engage_desktop.services.inbound import InboundReport, PollHealth
from engage_desktop.services.messaging_config import MessagingConfig, load_messaging_config, quiet_policy


@dataclass(frozen=True, slots=True)
class MessagingStatus:
    sandbox: bool
    banner: str  # "" when live
    inbound: tuple[PollHealth, ...]
    sms_ready: bool
    email_ready: bool


@dataclass(frozen=True, slots=True)
class TestSend:
    status: OutboxStatus
    provider_id: str | None
    reason: str
    sandbox: bool

    @property
    def summary(self) -> str:
        where = " (simulated by the sandbox: nothing left this computer)" if self.sandbox else ""
        detail = f": {self.reason}" if self.reason else ""
        return f"{self.status.label}{where}{detail}" + (f" [{self.provider_id}]" if self.provider_id else "")


class MessagingEngine:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, providers_for: Callable[[MessagingConfig], Providers],
                 owner: str, clock: Callable[[], datetime] = utc_now) -> None:
        self.uow_factory = uow_factory
        self.providers_for = providers_for
        self.owner = owner
        self.clock = clock
        self._limiter = RateLimiter()
        self._rate: float | None = None
        self._lock = threading.Lock()

    def config(self) -> MessagingConfig:
        return load_messaging_config(uow_factory=self.uow_factory)

    def _limiter_for(self, config: MessagingConfig) -> RateLimiter:
        # Kept between runs so a new run does not start with a fresh allowance.
        with self._lock:
            if self._rate != config.sms_rate():
                self._rate = config.sms_rate()
                self._limiter = RateLimiter(default=self._rate)
            return self._limiter

    def dispatch(self, *, stop: threading.Event | None = None, batch_id: int | None = None,
                 owner: str | None = None) -> DispatchReport:
        config = self.config()
        return dispatch.dispatch_due(uow_factory=self.uow_factory, providers=self.providers_for(config),
                                     owner=owner or self.owner,
                                     settings=config.dispatch_settings(), quiet=quiet_policy(config),
                                     limiter=self._limiter_for(config), stop=stop, clock=self.clock, batch_id=batch_id)

    def poll_delivery(self, *, row_ids=None, stop: threading.Event | None = None) -> PollReport:
        config = self.config()
        return dispatch.poll_delivery(uow_factory=self.uow_factory, providers=self.providers_for(config),
                                      settings=config.dispatch_settings(), clock=self.clock, row_ids=row_ids, stop=stop)

    def poll_inbound(self) -> InboundReport:
        config = self.config()
        provider = self.providers_for(config).sms
        if provider is None or not config.numbers():
            return InboundReport()
        return inbound.poll_inbound(uow_factory=self.uow_factory, provider=provider, numbers=config.numbers(),
                                    clock=self.clock)

    def status(self) -> MessagingStatus:
        config = self.config()
        providers = self.providers_for(config)
        # What is really in use (the demo forces the sandbox whatever the setting says).
        sandbox = any(p is not None and not p.delivers for p in (providers.sms, providers.email))
        health = inbound.poll_health(uow_factory=self.uow_factory, numbers=[n.number for n in config.numbers()],
                                     clock=self.clock)
        return MessagingStatus(sandbox=sandbox, banner=SANDBOX_BANNER if sandbox else "",
                               inbound=tuple(health), sms_ready=providers.sms is not None,
                               email_ready=providers.email is not None)

    def housekeeping(self) -> str:
        """Nightly: rows whose dispatcher died go back (dispatch does it too, but a quiet office may
        not dispatch for hours), and delivery reports past their deadline are closed."""
        with self.uow_factory() as uow:
            requeued, unknown = uow.outbox.release_expired(now=self.clock())
            uow.commit()
        report = self.poll_delivery()
        return (f"{requeued} claimed messages back in the queue, {unknown} to check with the provider, "
                f"{report.finished} delivery reports closed")

    def send_test(self, *, actor: Actor, to: str, via: str, body: str | None = None, wait: float = 20.0) -> TestSend:
        """``engage-desktop send-test`` and Settings ▸ Messaging ▸ Send a test: one message through the
        whole engine (outbox, dispatcher, provider, delivery report)."""
        actor.require(Right.MANAGE_COMMUNICATIONS)
        config = self.config()
        channel = Channel(via)
        if channel is Channel.SMS:
            phone = normalize_phone(to, "US")
            if phone is None or not phone.e164:
                raise ValidationFailed({"to": "Enter a full mobile number with area code."})
            recipient = phone.e164
            sender = config.get("twilio.messaging_service_sid") or next((n.number for n in config.numbers()), "")
            if not sender:
                raise ValidationFailed({"from": "No location has a texting number yet (Settings ▸ Locations)."})
        else:
            recipient, ok = normalize_email(to)
            if not ok:
                raise ValidationFailed({"to": "Enter an email address such as frontdesk@example.com."})
            address = config.get("smtp.from_address") or next((loc.email_sender for loc in config.locations
                                                               if loc.email_sender), "")
            if not address:
                raise ValidationFailed({"from": "Enter the default sender address in Settings ▸ Messaging."})
            sender = f"{config.get('practice.name') or 'Engage Desktop'} <{address}>"
        practice = config.get("practice.name") or "your practice"
        text = body or f"Test message from {practice}, sent by Engage Desktop."
        now = self.clock()
        with self.uow_factory() as uow:
            batch = uow.outbox.create_batch(kind="test", label=f"Test {channel.value}", created_by=actor.username, now=now)
            audit.record(uow, actor, "message.test_send", entity_type="outbox_batch", entity_id=str(batch),
                         details={"channel": channel.value})
            uow.commit()
        key = f"test:{uuid.uuid4().hex}"
        dispatch.queue_messages(uow_factory=self.uow_factory, clock=self.clock,
                                providers=self.providers_for(config), messages=[QueuedMessage(
            dedupe_key=key, channel=channel.value, recipient=recipient, sender=sender, body=text,
            subject=f"Test email from {practice}" if channel is Channel.EMAIL else "",
            html=f"<p>{html.escape(text)}</p>" if channel is Channel.EMAIL else None, batch_id=batch,
            quiet_hours=False)])
        report = self.dispatch(batch_id=batch, owner=f"{self.owner}:test")
        deadline = time.monotonic() + wait
        while True:
            with self.uow_factory() as uow:
                row = uow.outbox.by_key(key)
            status = OutboxStatus(row["status"])
            # Done when final, out of time, or refused by the account (no point waiting for that).
            if row["finished_at"] is not None or time.monotonic() >= deadline or report.blocked:
                sandbox = not getattr(self.providers_for(config).get(channel.value), "delivers", True)
                return TestSend(status, row["provider_id"], row["reason"], sandbox)
            time.sleep(1.0)
            if status in (OutboxStatus.UNKNOWN, OutboxStatus.QUEUED):
                report = self.dispatch(batch_id=batch, owner=f"{self.owner}:test")
            else:
                self.poll_delivery(row_ids=[row["id"]])

