"""The sandbox providers: simulated receipts and replies, shared state, and no network at all."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta

import pytest

from engage_desktop.domain.messages import (
    SANDBOX_BANNER,
    DeliveryStatus,
    OutgoingEmail,
    OutgoingSms,
    ProviderError,
    SendOutcome,
)
from engage_desktop.messaging.sandbox import (
    REPLIES,
    STOP_REPLY,
    SandboxEmail,
    SandboxSms,
    is_undelivered,
)

PRACTICE = "+15550100000"
T0 = 1_800_000_000.0


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Nothing leaves the machine: any socket raises during these tests."""

    def refuse(*args, **kwargs):
        raise AssertionError("the sandbox must not open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def clock():
    return Clock()


REMINDER = "Smile Dental: reminder of your appointment. Reply C to confirm, STOP to opt out."


def sms(n: int = 0, body: str = REMINDER) -> OutgoingSms:
    return OutgoingSms(to=f"+1555020{n:04d}", body=body, sender=PRACTICE)


def inbound(provider, **kwargs):
    return [m for m in provider.list_messages(day_filter=False, **kwargs) if m.inbound]


def test_identity_and_banner():
    assert SANDBOX_BANNER == "Sandbox — messages are not delivered"
    for provider in (SandboxSms(None), SandboxEmail(None)):
        assert provider.name == "sandbox" and provider.delivers is False
        provider.close()


def test_send_then_status_progression(clock):
    provider = SandboxSms(None, seed=1, clock=clock)
    results = [provider.send(sms(i)) for i in range(40)]
    for result in results:
        assert result.outcome is SendOutcome.ACCEPTED and result.status is DeliveryStatus.QUEUED
        assert result.segments is None and re.fullmatch(r"SB[0-9a-f]{32}", result.provider_id)
    index, ok = next((i, r.provider_id) for i, r in enumerate(results) if not is_undelivered(r.provider_id))

    message = provider.fetch(ok)
    assert (message.status, message.inbound, message.sent_at) == (DeliveryStatus.QUEUED, False, None)
    assert (message.to, message.sender, message.body) == (sms(index).to, PRACTICE, sms(index).body)
    assert message.created_at == datetime.fromtimestamp(T0, UTC)
    clock.advance(1.9)
    assert provider.fetch(ok).status is DeliveryStatus.QUEUED
    clock.advance(0.1)
    message = provider.fetch(ok)
    assert message.status is DeliveryStatus.SENT and message.sent_at == datetime.fromtimestamp(T0 + 2, UTC)
    clock.advance(2.9)
    assert provider.fetch(ok).status is DeliveryStatus.SENT
    clock.advance(0.1)
    message = provider.fetch(ok)
    assert message.status is DeliveryStatus.DELIVERED and message.status.is_final and message.raw_status == "delivered"

    with pytest.raises(ProviderError) as missing:
        provider.fetch("SB" + "0" * 32)
    assert missing.value.transient is False and missing.value.status_code == 404


def test_undelivered_share_is_about_three_percent_and_deterministic(clock):
    provider = SandboxSms(None, seed=42, clock=clock)
    ids = [provider.send(sms(i)).provider_id for i in range(1000)]
    clock.advance(10)
    failed = [m for m in (provider.fetch(i) for i in ids) if m.status is DeliveryStatus.UNDELIVERED]
    assert 15 <= len(failed) <= 45
    assert all(m.error_code == "30003" and m.error_message for m in failed)
    assert {m.provider_id for m in failed} == {i for i in ids if is_undelivered(i)}

    again = SandboxSms(None, seed=42, clock=clock)  # the same seed gives the same ids, hence the same failures
    assert [again.send(sms(i)).provider_id for i in range(1000)] == ids


def test_replies_arrive_after_their_delay_and_are_stable(tmp_path, clock):
    state = tmp_path / "sandbox.sqlite3"
    first = SandboxSms(state, seed=3, reply_rate=0.3, stop_rate=0.0, clock=clock)
    second = SandboxSms(state, seed=99, reply_rate=0.3, stop_rate=0.0, clock=clock)  # another process, same file
    sent = {}
    for i in range(200):
        result = first.send(sms(i))
        sent[result.provider_id] = sms(i)

    clock.advance(9.9)
    assert inbound(first) == [] and inbound(second) == []

    clock.advance(20.1)  # t0 + 30 s: the replies planned 10-30 s after the send
    early = inbound(second)
    clock.advance(31)  # t0 + 61 s: all of them
    replies = inbound(first)
    assert {m.provider_id for m in early} < {m.provider_id for m in replies}
    assert 35 <= len(replies) <= 85  # ~ 200 x 0.3 x 0.97 delivered

    listed_again = inbound(second)
    assert [m.provider_id for m in listed_again] == [m.provider_id for m in replies]
    assert [m.provider_id for m in inbound(first)] == [m.provider_id for m in replies]

    recipients = {m.to for m in sent.values()}
    for reply in replies:
        assert reply.inbound and reply.status is DeliveryStatus.RECEIVED and reply.status.is_final
        assert reply.body in REPLIES
        assert reply.to == PRACTICE and reply.sender in recipients
        assert datetime.fromtimestamp(T0 + 10, UTC) <= reply.created_at <= datetime.fromtimestamp(T0 + 60, UTC)
        assert re.fullmatch(r"SB[0-9a-f]{32}", reply.provider_id)
        assert second.fetch(reply.provider_id).body == reply.body
    created = [m.created_at for m in replies]
    assert created == sorted(created, reverse=True)  # newest first
    assert len({m.body for m in replies}) > 1

    # Undelivered messages get no replies.
    failed_recipients = {sent[i].to for i in sent if is_undelivered(i)}
    assert not failed_recipients & {m.sender for m in replies}
    first.close()
    second.close()


def test_two_processes_with_the_same_seed_do_not_collide(tmp_path, clock):
    state = tmp_path / "sandbox.sqlite3"
    a = SandboxSms(state, seed=7, clock=clock)
    b = SandboxSms(state, seed=7, clock=clock)
    ids = [a.send(sms(1)).provider_id, b.send(sms(2)).provider_id, b.send(sms(3)).provider_id]
    assert len(set(ids)) == 3
    assert [a.fetch(i).to for i in ids] == ["+15550200001", "+15550200002", "+15550200003"]


def test_stop_replies_at_stop_rate(clock):
    provider = SandboxSms(None, seed=5, reply_rate=0.0, stop_rate=0.05, clock=clock)
    for i in range(2000):
        provider.send(sms(i))
    clock.advance(61)
    replies = inbound(provider, max_pages=100)
    assert {m.body for m in replies} == {STOP_REPLY}
    assert 60 <= len(replies) <= 140  # ~ 2000 x 0.05 x 0.97


def test_default_rates_give_few_replies(clock):
    provider = SandboxSms(None, seed=11, clock=clock)
    for i in range(1000):
        provider.send(sms(i))
    clock.advance(61)
    replies = inbound(provider)
    stops = [m for m in replies if m.body == STOP_REPLY]
    assert 25 <= len(replies) <= 100 and 2 <= len(stops) <= 25


def test_since_and_filters(clock):
    provider = SandboxSms(None, seed=8, reply_rate=0.0, stop_rate=0.0, clock=clock)
    old = [provider.send(sms(i)).provider_id for i in range(3)]
    clock.advance(100)
    new = [provider.send(sms(i)).provider_id for i in range(3, 6)]
    since = datetime.fromtimestamp(T0 + 50, UTC)

    listed = list(provider.list_messages(since=since, day_filter=False))
    assert {m.provider_id for m in listed} == set(new)
    assert {m.provider_id for m in provider.list_messages(day_filter=False)} == set(old + new)
    # Twilio's DateSent filter: messages still queued (no sent date) are not listed with day_filter.
    assert list(provider.list_messages(since=since, day_filter=True)) == []
    clock.advance(3)
    assert {m.provider_id for m in provider.list_messages(since=since)} == set(new)
    # Newest first; since an hour earlier takes the old ones too (all sent by now).
    assert [m.provider_id for m in provider.list_messages(since=since - timedelta(hours=1))][:3] == new[::-1]
    assert len(list(provider.list_messages(since=since - timedelta(hours=1)))) == 6

    assert [m.to for m in provider.list_messages(to="+15550200004", day_filter=False)] == ["+15550200004"]
    assert len(list(provider.list_messages(sender=PRACTICE, day_filter=False))) == 6
    assert list(provider.list_messages(sender="+19999999999", day_filter=False)) == []
    naive = datetime.fromtimestamp(T0 + 50, UTC).replace(tzinfo=None)  # read as UTC
    assert {m.provider_id for m in provider.list_messages(since=naive, day_filter=False)} == set(new)


def test_max_pages_bounds_the_listing(clock):
    provider = SandboxSms(None, seed=9, reply_rate=0.0, stop_rate=0.0, clock=clock)
    for i in range(120):
        provider.send(sms(i))
    assert len(list(provider.list_messages(day_filter=False, max_pages=1))) == 50
    assert len(list(provider.list_messages(day_filter=False))) == 120


def test_email_sandbox(tmp_path, clock):
    provider = SandboxEmail(tmp_path / "sandbox.sqlite3", seed=2, clock=clock)
    result = provider.send(OutgoingEmail(to="patient@example.com", subject="Recordatorio de mañana", text="Hola",
                                         html="<p>Hola</p>", sender="Smile Dental <frontdesk@smile.example>"))
    assert result.outcome is SendOutcome.ACCEPTED and result.status is DeliveryStatus.QUEUED
    assert re.fullmatch(r"SB[0-9a-f]{32}", result.provider_id)
    clock.advance(5)
    message = provider.fetch(result.provider_id)
    assert message.status is DeliveryStatus.DELIVERED and message.body == "Hola"
    clock.advance(120)
    assert [m.inbound for m in provider.list_messages(day_filter=False)] == [False]  # no replies to email
    sms_side = SandboxSms(tmp_path / "sandbox.sqlite3", clock=clock)
    assert list(sms_side.list_messages(day_filter=False)) == []  # the channels stay apart
    provider.close()
    sms_side.close()


def test_unseeded_ids_are_random(clock):
    provider = SandboxSms(None, clock=clock)
    ids = {provider.send(sms(i)).provider_id for i in range(20)}
    assert len(ids) == 20 and all(re.fullmatch(r"SB[0-9a-f]{32}", i) for i in ids)


def test_rates_are_checked():
    with pytest.raises(ValueError):
        SandboxSms(None, reply_rate=0.8, stop_rate=0.5)
