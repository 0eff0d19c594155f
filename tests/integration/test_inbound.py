"""Inbound polling against the stateful fake Twilio: routing to threads, consent keywords, HELP
replies, de-duplication across overlapping polls, and recovery after polling failed. On SQLite
and PostgreSQL, with the small linking practice (tests/integration/linking_practice.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage_desktop.domain.errors import ValidationFailed
from engage_desktop.domain.outbox import QueuedMessage
from engage_desktop.domain.rights import PermissionDenied
from engage_desktop.messaging.twilio import TwilioProvider
from engage_desktop.services import consent, dispatch, inbound
from engage_desktop.services.clock import utc_now
from engage_desktop.services.inbound import LocationNumber
from engage_desktop.store.models import AuditRecord, InboundMessage, MessageThread, OutboxMessage
from tests.fake_twilio import FakeTwilio
from tests.integration.linking_practice import DESK, VIEWER, create

MAIN = LocationNumber(number="+15035550111", location_id="1", practice_name="Main Street Dental",
                      help_phone="+15035550100")


@pytest.fixture
def twilio():
    with FakeTwilio(hang_seconds=0.5) as fake:
        yield fake


@pytest.fixture
def provider(twilio):
    return TwilioProvider(account_sid=twilio.account_sid, auth_secret=twilio.auth_token, base_url=twilio.base_url,
                          read_timeout=0.3)


def poll(store, provider, numbers=(MAIN,)):
    return inbound.poll_inbound(uow_factory=store, provider=provider, numbers=list(numbers))


def snapshot(store, model):
    with store() as uow:
        rows = list(uow.session.scalars(select(model).order_by(model.id)))
        uow.session.expunge_all()
        return rows


def test_texts_are_routed_to_the_primary_contact_an_unlinked_patient_or_an_unknown_sender(linking_store, twilio, provider):
    newcomer = create(linking_store, mobile="(503) 555-0199").patient
    twilio.deliver_inbound("+15035550177", MAIN.number, "Running 10 min late")  # the Lindqvist family phone
    twilio.deliver_inbound("+15035550142", MAIN.number, "See you Tuesday")
    twilio.deliver_inbound("+15035550199", MAIN.number, "Do you take new patients?")
    twilio.deliver_inbound("+15035550123", MAIN.number, "Who is this?")
    twilio.deliver_inbound("+15035550142", "+15035550999", "To another practice's number")
    report = poll(linking_store, provider)
    assert report.received == 4 and report.failed_numbers == []
    threads = {t.phone: t for t in snapshot(linking_store, MessageThread)}
    assert (threads["+15035550177"].kind, threads["+15035550177"].patient_pms_id) == ("patient", "104")  # the guarantor
    assert (threads["+15035550142"].kind, threads["+15035550142"].patient_pms_id) == ("patient", "101")
    assert (threads["+15035550199"].kind, threads["+15035550199"].unlinked_id) == ("unlinked", newcomer.id)
    assert threads["+15035550123"].kind == "unknown" and threads["+15035550123"].patient_pms_id is None
    assert all(t.location_number == MAIN.number for t in threads.values())


def test_overlapping_polls_record_each_message_once(linking_store, twilio, provider):
    twilio.default_page_size = 2  # several pages
    for n in range(5):
        twilio.deliver_inbound("+15035550142", MAIN.number, f"Message {n}")
    assert poll(linking_store, provider).received == 5
    twilio.deliver_inbound("+15035550142", MAIN.number, "One more")
    assert poll(linking_store, provider).received == 1
    assert poll(linking_store, provider).received == 0
    bodies = [m.body for m in snapshot(linking_store, InboundMessage)]
    assert sorted(bodies) == sorted([f"Message {n}" for n in range(5)] + ["One more"])


def test_stop_and_start_keep_the_suppression_list_and_are_audited(linking_store, twilio, provider):
    twilio.deliver_inbound("+15035550142", MAIN.number, "Stop.")
    assert poll(linking_store, provider).opted_out == 1
    with linking_store() as uow:
        entry = uow.messaging.suppression("sms", "+15035550142")
    assert (entry.source, entry.raw_text) == ("keyword", "Stop.")
    queued = dispatch.queue_messages(uow_factory=linking_store, messages=[QueuedMessage(
        dedupe_key="recall:101", channel="sms", recipient="+15035550142", sender=MAIN.number, body="Time for a cleaning",
        patient_pms_id="101")])
    assert queued.queued == 0 and queued.skipped == {"The recipient opted out.": 1}
    twilio.deliver_inbound("+15035550142", MAIN.number, "START")
    assert poll(linking_store, provider).opted_in == 1
    with linking_store() as uow:
        assert uow.messaging.suppression("sms", "+15035550142") is None
    audits = [(a.action, a.patient_ref, a.username) for a in snapshot(linking_store, AuditRecord)
              if a.action.startswith("consent.")]
    assert audits == [("consent.opted_out", "pms:101", "system"), ("consent.opted_in", "pms:101", "system")]
    assert all("+15035550142" not in a.entity_id for a in snapshot(linking_store, AuditRecord))  # masked


def test_help_gets_one_reply_at_once_and_free_text_stop_requests_are_flagged(linking_store, twilio, provider):
    twilio.deliver_inbound("+15035550142", MAIN.number, "HELP")
    twilio.deliver_inbound("+15035550177", MAIN.number, "please stop texting me")
    twilio.deliver_inbound("+15035550123", MAIN.number, "Can I cancel my appointment?")
    report = poll(linking_store, provider)
    assert (report.help_replies, report.flagged, report.opted_out) == (1, 1, 0)
    poll(linking_store, provider)  # the overlap sees HELP again: still one reply
    replies = snapshot(linking_store, OutboxMessage)
    assert len(replies) == 1
    reply = replies[0]
    assert (reply.recipient, reply.sender, reply.quiet_hours) == ("+15035550142", MAIN.number, False)
    assert "Main Street Dental" in reply.body and "STOP" in reply.body
    flagged = {m.body: m.flagged for m in snapshot(linking_store, InboundMessage)}
    assert flagged == {"HELP": False, "please stop texting me": True, "Can I cancel my appointment?": False}
    with linking_store() as uow:
        assert uow.messaging.suppression("sms", "+15035550177") is None  # staff decide


def test_failing_polls_turn_the_indicator_red_and_lose_nothing(linking_store, twilio, provider):
    twilio.deliver_inbound("+15035550142", MAIN.number, "Before the outage")
    poll(linking_store, provider)
    health = inbound.poll_health(uow_factory=linking_store, numbers=[MAIN.number])
    assert health[0].healthy and "Receiving texts" in health[0].message
    twilio.list_faults = "500"
    twilio.deliver_inbound("+15035550142", MAIN.number, "During the outage 1")
    twilio.deliver_inbound("+15035550177", MAIN.number, "During the outage 2")
    for _ in range(2):
        assert poll(linking_store, provider).failed_numbers == [MAIN.number]
    health = inbound.poll_health(uow_factory=linking_store, numbers=[MAIN.number])[0]
    assert not health.healthy and health.failing_since is not None and "not lost" in health.message
    assert "+1503" not in health.message
    twilio.list_faults = None
    assert poll(linking_store, provider).received == 2
    assert inbound.poll_health(uow_factory=linking_store, numbers=[MAIN.number])[0].healthy
    assert len(snapshot(linking_store, InboundMessage)) == 3


def test_a_poller_that_stopped_running_shows_as_stale(linking_store, twilio, provider):
    poll(linking_store, provider)
    later = inbound.poll_health(uow_factory=linking_store, numbers=[MAIN.number, "+15035550112"],
                                clock=lambda: utc_now() + timedelta(minutes=6))
    assert [h.healthy for h in later] == [False, False]
    assert "may not be running" in later[0].message and "Not checked" in later[1].message


def test_the_pms_consent_flags_are_respected_when_queueing(linking_store):
    from engage_desktop.domain.pms_records import Consent
    from engage_desktop.domain.ports import Entity
    from tests.factories import patient

    with linking_store() as uow:
        uow.mirror.upsert(Entity.PATIENTS, [patient(106, "Noor", "Haddad", mobile="(503) 555-0166",
                                                    text_consent=Consent.NO, email_opt_out=True)], run_id=None)
        uow.commit()
    texts = QueuedMessage(dedupe_key="t:106", channel="sms", recipient="+15035550166", sender=MAIN.number, body="Hi",
                          patient_pms_id="106")
    mail = QueuedMessage(dedupe_key="e:106", channel="email", recipient="p106@example.com", sender="a@example.com",
                         body="Hi", subject="Hello", patient_pms_id="106")
    ok = QueuedMessage(dedupe_key="t:101", channel="sms", recipient="+15035550142", sender=MAIN.number, body="Hi",
                       patient_pms_id="101")
    report = dispatch.queue_messages(uow_factory=linking_store, messages=[texts, mail, ok])
    assert report.queued == 1
    assert report.skipped == {"The PMS says this patient does not want texts.": 1,
                              "The PMS says this patient does not want email.": 1}


def test_staff_opt_outs_need_the_inbox_right_and_are_audited(linking_store):
    with pytest.raises(PermissionDenied):
        consent.opt_out(uow_factory=linking_store, actor=VIEWER, channel="sms", address="+15035550142")
    with pytest.raises(ValidationFailed):
        consent.opt_out(uow_factory=linking_store, actor=DESK, channel="fax", address="+15035550142")
    assert consent.opt_out(uow_factory=linking_store, actor=DESK, channel="email", address=" KOkafor@Example.com ",
                           note="Asked at the desk", patient_ref="pms:101")
    with linking_store() as uow:
        entry = uow.messaging.suppression("email", "kokafor@example.com")
    assert (entry.source, entry.raw_text, entry.created_by) == ("staff", "Asked at the desk", "maria")
    assert consent.opt_in(uow_factory=linking_store, actor=DESK, channel="email", address="kokafor@example.com")
    assert not consent.opt_in(uow_factory=linking_store, actor=DESK, channel="email", address="kokafor@example.com")
    actions = [a.action for a in snapshot(linking_store, AuditRecord) if a.action.startswith("consent.")]
    assert actions == ["consent.opted_out", "consent.opted_in"]


def test_a_text_that_cannot_be_recorded_marks_that_number_failing_and_is_retried(linking_store, twilio, provider,
                                                                                  monkeypatch):
    other = LocationNumber(number="+15415550112", location_id="2", practice_name="Riverside Dental",
                           help_phone="+15415550100")
    twilio.deliver_inbound("+15035550142", MAIN.number, "First")
    twilio.deliver_inbound("+15415550110", other.number, "To Riverside")
    real = inbound._record
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if args[2].number == MAIN.number:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(inbound, "_record", flaky)
    report = poll(linking_store, provider, numbers=(MAIN, other))
    assert report.failed_numbers == [MAIN.number] and report.received == 1  # Riverside still polled
    health = {h.number: h for h in inbound.poll_health(uow_factory=linking_store, numbers=[MAIN.number, other.number])}
    assert not health[MAIN.number].healthy and health[other.number].healthy
    monkeypatch.setattr(inbound, "_record", real)
    assert poll(linking_store, provider, numbers=(MAIN, other)).received == 1  # "First" arrives now


def test_an_unknown_senders_thread_follows_them_once_they_are_a_patient(linking_store, twilio, provider):
    twilio.deliver_inbound("+15035550188", MAIN.number, "Hi, is this the dentist?")
    poll(linking_store, provider)
    assert snapshot(linking_store, MessageThread)[0].kind == "unknown"
    newcomer = create(linking_store, mobile="(503) 555-0188").patient
    twilio.deliver_inbound("+15035550188", MAIN.number, "It's Ada, I just filled in the form")
    poll(linking_store, provider)
    threads = snapshot(linking_store, MessageThread)
    assert len(threads) == 1 and (threads[0].kind, threads[0].unlinked_id) == ("unlinked", newcomer.id)
