"""The outbox and dispatcher state machine on SQLite and PostgreSQL, with a scripted provider and
a hand-moved clock. The process-killing proof is in test_dispatch_kill.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engage_desktop.domain.messages import DeliveryStatus
from engage_desktop.domain.outbox import BatchState, OutboxStatus, QueuedMessage, RetryPolicy
from engage_desktop.services import dispatch
from engage_desktop.services.dispatch import DispatchSettings, Providers
from engage_desktop.store import migrate
from engage_desktop.store.engine import make_engine, make_session_factory
from engage_desktop.store.models import AuditRecord, OutboxMessage
from engage_desktop.store.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import Clock, ScriptedSms

SENDER = "+15035550111"
FAST = DispatchSettings(concurrency=2, batch_size=5, retry=RetryPolicy(max_attempts=3),
                        reconcile_grace=timedelta(minutes=10), reconcile_recheck=timedelta(seconds=30))


@pytest.fixture
def store(store_url):
    engine = make_engine(store_url)
    migrate.upgrade(engine)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def sms(clock):
    return ScriptedSms(clock)


def message(n: int, *, body: str | None = None, to: str | None = None, batch_id=None, **kw) -> QueuedMessage:
    return QueuedMessage(dedupe_key=f"test:{n}", channel="sms", recipient=to or f"+1503555{n:04d}", sender=SENDER,
                         body=body or f"Reminder {n}", batch_id=batch_id, **kw)


def rows(store) -> dict[str, OutboxMessage]:
    with store() as uow:
        out = {r.dedupe_key: r for r in uow.session.scalars(select(OutboxMessage))}
        uow.session.expunge_all()  # plain snapshots: the unit of work rolls back on exit
        return out


def run(store, sms, clock, settings=FAST, owner="d1", **kw):
    return dispatch.dispatch_due(uow_factory=store, providers=Providers(sms=sms), owner=owner, settings=settings,
                                 clock=clock, **kw)


def test_queueing_twice_queues_once_and_suppressed_recipients_are_recorded_not_sent(store, sms, clock):
    first = dispatch.queue_messages(uow_factory=store, messages=[message(1), message(2)], clock=clock)
    again = dispatch.queue_messages(uow_factory=store, messages=[message(1), message(2), message(3)], clock=clock)
    assert (first.queued, first.duplicates) == (2, 0)
    assert (again.queued, again.duplicates) == (1, 2)
    with store() as uow:
        uow.messaging.suppress(channel="sms", address="+15035550004", source="keyword", raw_text="STOP", now=clock(), by="t")
        uow.commit()
    report = dispatch.queue_messages(uow_factory=store, messages=[message(4)], clock=clock)
    assert report.queued == 0 and report.skipped == {"The recipient opted out.": 1}
    assert rows(store)["test:4"].status == "opted_out" and rows(store)["test:4"].finished_at is not None
    run(store, sms, clock)
    assert sorted(sms.calls) == ["Reminder 1", "Reminder 2", "Reminder 3"]


def test_every_due_message_is_sent_once_and_its_provider_id_recorded(store, sms, clock):
    dispatch.queue_messages(uow_factory=store, messages=[message(n) for n in range(12)], clock=clock)
    report = run(store, sms, clock)
    assert report.sent == 12 and len(sms.calls) == 12 == len(set(sms.calls))
    stored = {m.body: m.provider_id for m in sms.stored}
    for row in rows(store).values():
        assert row.status == "submitted" and row.provider_id == stored[row.body] and row.attempts == 1
        assert row.lease_owner is None and row.next_poll_at is not None
    assert run(store, sms, clock).sent == 0  # nothing is due any more


def test_retry_backs_off_then_sends_and_gives_up_after_the_limit(store, sms, clock):
    sms.script["Reminder 1"] = ["retry", "accepted"]
    sms.script["Reminder 2"] = ["retry", "retry", "retry"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1), message(2)], clock=clock)
    assert run(store, sms, clock).retried == 2
    waiting = rows(store)["test:1"]
    assert waiting.status == "queued" and waiting.not_before > clock() and "trying again" in waiting.reason.lower()
    assert run(store, sms, clock).sent == 0  # not due yet
    clock.advance(minutes=1)
    run(store, sms, clock)
    clock.advance(minutes=1)
    run(store, sms, clock)
    final = rows(store)
    assert final["test:1"].status == "submitted" and final["test:1"].attempts == 2
    assert final["test:2"].status == "failed" and final["test:2"].attempts == 3 and "3 attempts" in final["test:2"].reason
    assert sms.calls.count("Reminder 2") == 3


def test_an_ambiguous_outcome_the_provider_has_is_reconciled_not_resent(store, sms, clock):
    sms.script["Reminder 1"] = ["unknown_stored"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1)], clock=clock)
    assert run(store, sms, clock).unknown == 1
    assert rows(store)["test:1"].status == "unknown"
    clock.advance(seconds=31)
    report = run(store, sms, clock)
    assert report.reconciled == 1 and sms.calls == ["Reminder 1"]
    row = rows(store)["test:1"]
    assert row.status == "submitted" and row.provider_id == sms.stored[0].provider_id


def test_an_ambiguous_outcome_the_provider_lacks_is_resent_only_after_the_grace_period(store, sms, clock):
    sms.script["Reminder 1"] = ["unknown"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1)], clock=clock)
    run(store, sms, clock)
    clock.advance(minutes=5)
    run(store, sms, clock)
    assert rows(store)["test:1"].status == "unknown" and sms.calls == ["Reminder 1"]  # still checking
    clock.advance(minutes=6)
    report = run(store, sms, clock)
    assert report.resent_after_check == 1 and report.sent == 1
    assert sms.calls == ["Reminder 1", "Reminder 1"] and len(sms.stored) == 1
    assert rows(store)["test:1"].status == "submitted"


def test_reconciling_waits_while_the_provider_cannot_list(store, sms, clock):
    sms.script["Reminder 1"] = ["unknown"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1)], clock=clock)
    run(store, sms, clock)
    sms.list_fails = True
    clock.advance(minutes=30)
    run(store, sms, clock)
    assert rows(store)["test:1"].status == "unknown" and sms.calls == ["Reminder 1"]  # never resent without an answer


def test_two_ambiguous_rows_with_the_same_text_cannot_claim_one_provider_message(store, sms, clock):
    sms.script["Same words"] = ["unknown_stored", "unknown"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1, body="Same words", to="+15035550001"),
                                                         message(2, body="Same words", to="+15035550001")], clock=clock)
    run(store, sms, clock, settings=DispatchSettings(concurrency=1, reconcile_recheck=timedelta(seconds=30)))
    clock.advance(seconds=31)
    run(store, sms, clock)
    by_key = rows(store)
    ids = [by_key["test:1"].provider_id, by_key["test:2"].provider_id]
    assert ids.count(None) == 1 and sms.stored[0].provider_id in ids


def test_opt_out_from_the_provider_suppresses_the_number_and_is_audited(store, sms, clock):
    sms.script["Reminder 1"] = ["opted_out"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1), message(2, to="+15035550001", body="Later")],
                            clock=clock)
    run(store, sms, clock, settings=DispatchSettings(concurrency=1))
    by_key = rows(store)
    assert by_key["test:1"].status == "opted_out" and by_key["test:1"].error_code == "21610"
    assert by_key["test:2"].status == "opted_out" and "Later" not in sms.calls  # the same number, caught before sending
    with store() as uow:
        assert uow.messaging.suppression("sms", "+15035550001").source == "provider"
        actions = [r.action for r in uow.session.scalars(select(AuditRecord))]
    assert actions.count("consent.opted_out") == 1


def test_pause_stops_between_messages_and_resume_sends_the_rest_once(store, sms, clock):
    with store() as uow:
        batch = uow.outbox.create_batch(kind="campaign", label="Recall", created_by="maria", now=clock())
        uow.commit()
    dispatch.queue_messages(uow_factory=store, messages=[message(n, batch_id=batch) for n in range(10)], clock=clock)

    def pause_after_three(_message):
        if len(sms.calls) == 3:
            with store() as uow:
                uow.outbox.set_batch_state(batch, BatchState.PAUSED, expect=[BatchState.ACTIVE])
                uow.commit()

    sms.on_send = pause_after_three
    run(store, sms, clock, settings=DispatchSettings(concurrency=1, batch_size=10))
    assert len(sms.calls) == 3
    assert sum(r.status == "queued" for r in rows(store).values()) == 7
    assert run(store, sms, clock).sent == 0  # paused: nothing is claimed
    with store() as uow:
        uow.outbox.set_batch_state(batch, BatchState.ACTIVE, expect=[BatchState.PAUSED])
        uow.commit()
    run(store, sms, clock)
    assert sorted(sms.calls) == sorted(f"Reminder {n}" for n in range(10))


def test_cancel_marks_the_unsent_rest_canceled(store, sms, clock):
    with store() as uow:
        batch = uow.outbox.create_batch(kind="campaign", label="Recall", created_by="maria", now=clock())
        uow.commit()
    dispatch.queue_messages(uow_factory=store, messages=[message(n, batch_id=batch) for n in range(4)], clock=clock)
    with store() as uow:
        uow.outbox.set_batch_state(batch, BatchState.CANCELED, expect=[BatchState.ACTIVE, BatchState.PAUSED])
        assert uow.outbox.cancel_unsent(batch, now=clock(), reason="Canceled by maria") == 4
        uow.commit()
    run(store, sms, clock)
    assert sms.calls == [] and {r.status for r in rows(store).values()} == {"canceled"}


def test_a_dead_dispatchers_rows_are_finished_by_another_without_a_second_send(store, sms, clock):
    dispatch.queue_messages(uow_factory=store, messages=[message(n) for n in range(6)], clock=clock)
    lease = FAST.lease
    with store() as uow:  # dispatcher "dead" claims four rows and starts two of them, then dies
        claimed = uow.outbox.claim(owner="dead", now=clock(), limit=4, lease=lease)
        uow.outbox.start_attempt(claimed[0].id, owner="dead", now=clock(), lease=lease, provider=sms.name)
        uow.outbox.start_attempt(claimed[1].id, owner="dead", now=clock(), lease=lease, provider=sms.name)
        uow.commit()
    sms.send(dispatch.OutgoingSms(to=claimed[0].recipient, body=claimed[0].body, sender=SENDER))  # it got this one out
    sms.calls.clear()
    report = run(store, sms, clock, owner="alive")
    assert report.sent == 2  # only the two never-claimed rows: the dead one's lease still runs
    clock.advance(seconds=lease.total_seconds() + 1)
    report = run(store, sms, clock, owner="alive")
    assert (report.requeued_after_crash, report.unknown_after_crash) == (2, 2)
    clock.advance(seconds=31)
    run(store, sms, clock, owner="alive")  # reconciles: one found, one still checking
    clock.advance(minutes=11)
    run(store, sms, clock, owner="alive")
    bodies = [m.body for m in sms.stored]
    assert sorted(bodies) == sorted(f"Reminder {n}" for n in range(6))  # each exactly once at the provider
    assert {r.status for r in rows(store).values()} == {"submitted"}


def test_quiet_hours_and_the_daily_cap_defer_messages(store, sms, clock):
    later = clock() + timedelta(hours=3)
    dispatch.queue_messages(uow_factory=store, messages=[message(1, recipient_state="TX", time_zone="America/Chicago")],
                            quiet=lambda now, *, state, time_zone: later if state == "TX" else now, clock=clock)
    assert rows(store)["test:1"].not_before == later
    dispatch.queue_messages(uow_factory=store, messages=[message(n) for n in range(2, 7)], clock=clock)
    capped = DispatchSettings(concurrency=1, daily_segment_cap=3)
    run(store, sms, clock, settings=capped)
    assert len(sms.calls) == 3
    deferred = [r for r in rows(store).values() if r.status == "queued" and r.dedupe_key != "test:1"]
    assert len(deferred) == 2 and all("daily limit" in r.reason for r in deferred)
    assert all(r.not_before > clock() for r in deferred)
    # A message queued in the window that is out of it by send time waits again.
    dispatch.queue_messages(uow_factory=store, messages=[message(9, recipient_state="FL")], clock=clock)
    run(store, sms, clock, quiet=lambda now, *, state, time_zone: later, settings=DispatchSettings())
    assert rows(store)["test:9"].status == "queued" and rows(store)["test:9"].not_before == later


def test_a_refused_account_holds_the_channel_without_failing_messages(store, sms, clock):
    sms.script["Reminder 1"] = ["blocked"]
    dispatch.queue_messages(uow_factory=store, messages=[message(n) for n in range(1, 5)], clock=clock)
    report = run(store, sms, clock, settings=DispatchSettings(concurrency=1))
    assert report.blocked == {"sms"} and sms.calls == ["Reminder 1"]
    assert {r.status for r in rows(store).values()} == {"queued"}


def test_delivery_reports_are_polled_to_final_with_a_deadline(store, sms, clock):
    dispatch.queue_messages(uow_factory=store, messages=[message(1), message(2), message(3)], clock=clock)
    run(store, sms, clock)
    ids = {m.body: m.provider_id for m in sms.stored}
    sms.statuses[ids["Reminder 1"]] = [DeliveryStatus.SENT, DeliveryStatus.DELIVERED]
    sms.statuses[ids["Reminder 2"]] = [DeliveryStatus.UNDELIVERED]
    sms.statuses[ids["Reminder 3"]] = [DeliveryStatus.SENT]  # a carrier that never reports
    settings = DispatchSettings(poll_first=timedelta(seconds=30))
    assert dispatch.poll_delivery(uow_factory=store, providers=Providers(sms=sms), settings=settings, clock=clock).polled == 0
    for _ in range(3):
        clock.advance(minutes=5)
        dispatch.poll_delivery(uow_factory=store, providers=Providers(sms=sms), settings=settings, clock=clock)
    by_key = rows(store)
    assert by_key["test:1"].status == "delivered" and by_key["test:1"].finished_at is not None
    assert by_key["test:2"].status == "undelivered" and by_key["test:2"].finished_at is not None
    assert by_key["test:3"].status == "sent" and by_key["test:3"].finished_at is None
    clock.advance(hours=73)
    dispatch.poll_delivery(uow_factory=store, providers=Providers(sms=sms), settings=settings, clock=clock)
    row = rows(store)["test:3"]
    assert row.status == "sent" and row.finished_at is not None and "72 h" in row.reason


def test_statuses_are_final_when_the_provider_was_changed(store, sms, clock):
    dispatch.queue_messages(uow_factory=store, messages=[message(1)], clock=clock)
    run(store, sms, clock)
    other = ScriptedSms(clock)
    other.name = "twilio"
    clock.advance(minutes=1)
    dispatch.poll_delivery(uow_factory=store, providers=Providers(sms=other), clock=clock)
    row = rows(store)["test:1"]
    assert row.finished_at is not None and "provider was changed" in row.reason
    assert OutboxStatus(row.status) is OutboxStatus.SUBMITTED


def test_an_email_opt_out_matches_whatever_the_case_of_the_address(store, sms, clock):
    with store() as uow:
        uow.messaging.suppress(channel="email", address="pat@example.com", source="unsubscribe_link", raw_text="",
                               now=clock(), by="t")
        uow.commit()
    report = dispatch.queue_messages(uow_factory=store, clock=clock, messages=[QueuedMessage(
        dedupe_key="e:1", channel="email", recipient="Pat@Example.COM", sender="a@b.example", body="Hi", subject="Hi")])
    assert report.queued == 0 and report.skipped == {"The recipient opted out.": 1}


def test_pause_resume_and_cancel_need_the_right_and_are_audited(store, sms, clock):
    from engage_desktop.domain.errors import ValidationFailed
    from engage_desktop.domain.rights import Actor, PermissionDenied, Role
    from engage_desktop.services import batches

    manager = Actor(user_id=1, username="olivia", rights=Role.OFFICE_MANAGER.preset)
    viewer = Actor(user_id=2, username="jordan", rights=Role.VIEWER.preset)
    with store() as uow:
        batch = uow.outbox.create_batch(kind="campaign", label="Recall", created_by="olivia", now=clock())
        uow.commit()
    dispatch.queue_messages(uow_factory=store, messages=[message(n, batch_id=batch) for n in range(5)], clock=clock)
    with pytest.raises(PermissionDenied):
        batches.set_state(uow_factory=store, actor=viewer, batch_id=batch, state=BatchState.PAUSED)
    batches.set_state(uow_factory=store, actor=manager, batch_id=batch, state=BatchState.PAUSED)
    assert run(store, sms, clock).sent == 0
    batches.set_state(uow_factory=store, actor=manager, batch_id=batch, state=BatchState.ACTIVE)
    run(store, sms, clock, max_batches=1, settings=DispatchSettings(batch_size=2, concurrency=1))
    counts = batches.set_state(uow_factory=store, actor=manager, batch_id=batch, state=BatchState.CANCELED)
    assert counts == {"submitted": 2, "canceled": 3}
    with pytest.raises(ValidationFailed):
        batches.set_state(uow_factory=store, actor=manager, batch_id=batch, state=BatchState.ACTIVE)
    with store() as uow:
        actions = [(r.action, r.username) for r in uow.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]
    assert actions == [("messages.paused", "olivia"), ("messages.resumed", "olivia"), ("messages.canceled", "olivia")]


def test_rows_queued_for_the_sandbox_never_go_out_through_a_live_provider(store, sms, clock):
    sandbox = ScriptedSms(clock)
    sandbox.name = "sandbox"
    dispatch.queue_messages(uow_factory=store, messages=[message(1)], clock=clock, providers=Providers(sms=sandbox))
    run(store, sms, clock)  # the practice switched to live (the scripted provider) meanwhile
    assert sms.calls == [] and sandbox.calls == []
    row = rows(store)["test:1"]
    assert row.status == "skipped" and "provider was changed" in row.reason


def test_an_unclear_outcome_is_only_checked_with_the_provider_that_had_it(store, sms, clock):
    sms.script["Reminder 1"] = ["unknown"]
    dispatch.queue_messages(uow_factory=store, messages=[message(1)], clock=clock)
    run(store, sms, clock)
    assert rows(store)["test:1"].provider == "scripted"
    clock.advance(minutes=1)
    run(store, None, clock)  # no text provider set up now: wait, do not decide
    assert rows(store)["test:1"].status == "unknown"
    other = ScriptedSms(clock)
    other.name = "twilio"
    clock.advance(minutes=30)
    run(store, other, clock)  # a different provider cannot know: never sent again
    row = rows(store)["test:1"]
    assert row.status == "unconfirmed" and other.calls == [] and sms.calls == ["Reminder 1"]


def test_segments_reserved_under_the_daily_cap_come_back_when_a_send_fails(store, sms, clock):
    sms.script["Reminder 1"] = ["retry"]
    sms.script["Reminder 2"] = ["retry"]
    dispatch.queue_messages(uow_factory=store, messages=[message(n) for n in range(1, 5)], clock=clock)
    run(store, sms, clock, settings=DispatchSettings(concurrency=1, daily_segment_cap=3))
    by_key = rows(store)
    assert by_key["test:3"].status == "submitted" and by_key["test:4"].status == "submitted"  # not pushed to tomorrow
    assert "daily limit" not in by_key["test:1"].reason


def test_rows_claimed_when_their_batch_was_canceled_end_canceled(store, sms, clock):
    with store() as uow:
        batch = uow.outbox.create_batch(kind="campaign", label="Recall", created_by="maria", now=clock())
        uow.commit()
    dispatch.queue_messages(uow_factory=store, messages=[message(n, batch_id=batch) for n in range(3)], clock=clock)
    with store() as uow:
        uow.outbox.claim(owner="dead", now=clock(), limit=2, lease=FAST.lease)
        uow.outbox.set_batch_state(batch, BatchState.CANCELED, expect=[BatchState.ACTIVE])
        uow.outbox.cancel_unsent(batch, now=clock(), reason="Canceled")
        uow.commit()
    clock.advance(seconds=FAST.lease.total_seconds() + 1)
    run(store, sms, clock)  # the dead dispatcher's claims expire → queued → canceled, never sent
    assert sms.calls == [] and {r.status for r in rows(store).values()} == {"canceled"}
    assert all(r.finished_at is not None for r in rows(store).values())


class SlowEmail:
    """An email provider that never confirms the first time (the answer is lost) but did deliver."""

    name = "smtp"
    delivers = True

    def __init__(self) -> None:
        self.calls = 0

    def send(self, message):
        from engage_desktop.domain.messages import SendOutcome, SendResult

        self.calls += 1
        return SendResult(SendOutcome.UNKNOWN, error_message="timed out after DATA")


def test_an_unconfirmed_email_waits_out_the_grace_period_and_is_never_sent_twice(store, clock):
    email = SlowEmail()
    dispatch.queue_messages(uow_factory=store, clock=clock, messages=[QueuedMessage(
        dedupe_key="e:1", channel="email", recipient="pat@example.com", sender="Smile <a@smile.example>", body="Hi",
        subject="Hello")])
    providers = Providers(email=email)
    settings = DispatchSettings(reconcile_recheck=timedelta(seconds=30))
    dispatch.dispatch_due(uow_factory=store, providers=providers, owner="d1", settings=settings, clock=clock)
    clock.advance(minutes=1)
    dispatch.dispatch_due(uow_factory=store, providers=providers, owner="d1", settings=settings, clock=clock)
    assert rows(store)["e:1"].status == "unknown"  # a late answer may still come
    clock.advance(minutes=10)
    dispatch.dispatch_due(uow_factory=store, providers=providers, owner="d1", settings=settings, clock=clock)
    row = rows(store)["e:1"]
    assert row.status == "unconfirmed" and row.finished_at is not None and email.calls == 1
    assert "may have been delivered" in row.reason
