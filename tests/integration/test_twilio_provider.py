"""TwilioProvider against the stateful fake Twilio (tests/fake_twilio.py): every send outcome,
paging, the ``since`` cut-off, the DateSent day filter, inbound messages, status progression,
and the fake's exact counters after faults."""

from __future__ import annotations

import logging
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError, ProtocolError

from engage_desktop.domain.messages import DeliveryStatus, OutgoingSms, ProviderError, SendOutcome
from engage_desktop.messaging.http import make_session
from engage_desktop.messaging.twilio import TwilioProvider, redact
from tests.fake_twilio import FakeTwilio
from tests.servers import free_port

PRACTICE = "+12025550199"
PATIENT = "+12025550123"
SERVICE = "MG" + "b" * 32


@pytest.fixture
def fake():
    with FakeTwilio(hang_seconds=1.0) as server:
        yield server


def make_provider(fake: FakeTwilio, **kwargs) -> TwilioProvider:
    options = {"account_sid": fake.account_sid, "auth_secret": fake.auth_token, "base_url": fake.base_url,
               "connect_timeout": 1.0, "read_timeout": 0.3}
    return TwilioProvider(**{**options, **kwargs})


@pytest.fixture
def provider(fake):
    return make_provider(fake)


def sms(body: str = "See you Tuesday at 9", to: str = PATIENT, sender: str = PRACTICE) -> OutgoingSms:
    return OutgoingSms(to=to, body=body, sender=sender)


# -- send outcomes -----------------------------------------------------------------------------


def test_accepted_with_from(fake, provider):
    result = provider.send(sms())
    assert result.outcome is SendOutcome.ACCEPTED
    assert result.provider_id == fake.accepted[0]["sid"] and result.provider_id.startswith("SM")
    assert result.status is DeliveryStatus.QUEUED and result.segments == 1
    assert fake.accepted[0]["from"] == PRACTICE and fake.accepted[0]["messaging_service_sid"] is None


def test_accepted_with_messaging_service(fake, provider):
    result = provider.send(sms(sender=SERVICE))
    assert result.outcome is SendOutcome.ACCEPTED
    stored = fake.accepted[0]
    assert stored["messaging_service_sid"] == SERVICE and stored["from"] is None and stored["status"] == "accepted"
    assert result.status is DeliveryStatus.QUEUED
    assert result.segments is None  # num_segments "0": no sender chosen yet


def test_api_key_credentials(fake):
    fake.api_keys["SK" + "1" * 32] = "key-secret"
    provider = make_provider(fake, auth_user="SK" + "1" * 32, auth_secret="key-secret")
    assert provider.send(sms()).outcome is SendOutcome.ACCEPTED


def test_429_is_retry_after_the_header(fake, provider):
    fake.fail_next("429")
    result = provider.send(sms())
    assert result.outcome is SendOutcome.RETRY
    assert result.retry_after == 1.0 and result.error_code == "20429"
    assert fake.accepted == []


@pytest.mark.parametrize(("kind", "stored"), [("500_before", 0), ("500_after", 1), ("502_html", 0)])
def test_5xx_is_unknown(fake, provider, kind, stored):
    fake.fail_next(kind)
    result = provider.send(sms())
    assert result.outcome is SendOutcome.UNKNOWN
    assert len(fake.accepted) == stored
    assert "HTTP 50" in result.error_message and "<html" not in result.error_message  # a non-JSON body is not shown


@pytest.mark.parametrize(("kind", "stored"), [("timeout_before", 0), ("timeout_after", 1)])
def test_read_timeout_is_unknown(fake, provider, kind, stored):
    fake.fail_next(kind)
    started = time.monotonic()
    result = provider.send(sms())
    assert time.monotonic() - started < 0.9  # the client's 0.3 s read timeout, not the fake's 1 s hang
    assert result.outcome is SendOutcome.UNKNOWN and "ReadTimeout" in result.error_message
    assert len(fake.accepted) == stored


def test_reset_after_storing_is_unknown(fake, provider):
    fake.fail_next("reset_after")
    result = provider.send(sms())
    assert result.outcome is SendOutcome.UNKNOWN
    assert len(fake.accepted) == 1


def test_connection_refused_is_retry():
    provider = TwilioProvider(account_sid="AC" + "0" * 32, auth_secret="x", base_url=f"http://127.0.0.1:{free_port()}")
    result = provider.send(sms())
    assert result.outcome is SendOutcome.RETRY and "Nothing was sent" in result.error_message


@pytest.mark.skipif(sys.platform != "linux", reason="a full listen backlog drops SYNs on Linux")
def test_connect_timeout_is_retry():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)  # never accepted: once the backlog is full, new connections time out
        port = server.getsockname()[1]
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        try:
            provider = TwilioProvider(account_sid="AC" + "0" * 32, auth_secret="x", base_url=f"http://127.0.0.1:{port}",
                                      connect_timeout=0.2, read_timeout=0.2)
            result = provider.send(sms())
        finally:
            for filler in fillers:
                filler.close()
    assert result.outcome is SendOutcome.RETRY and "ConnectTimeout" in result.error_message


class _RaisingSession(requests.Session):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def request(self, *args, **kwargs):
        raise self.exc


def test_dns_failure_is_retry():
    reason = NameResolutionError("api.twilio.example", None, socket.gaierror(-2, "Name or service not known"))
    exc = requests.ConnectionError(MaxRetryError(None, "/2010-04-01/Accounts", reason))
    provider = TwilioProvider(account_sid="AC" + "0" * 32, auth_secret="x", session=_RaisingSession(exc))
    assert provider.send(sms()).outcome is SendOutcome.RETRY


def test_remote_disconnect_is_unknown():
    exc = requests.ConnectionError(ProtocolError("Connection aborted.", ConnectionResetError(104, "reset")))
    provider = TwilioProvider(account_sid="AC" + "0" * 32, auth_secret="x", session=_RaisingSession(exc))
    assert provider.send(sms()).outcome is SendOutcome.UNKNOWN


def test_wrong_credentials_are_blocked(fake):
    result = make_provider(fake, auth_secret="wrong").send(sms())
    assert result.outcome is SendOutcome.BLOCKED and result.error_code == "20003"
    assert fake.requests["unauthorized"] == 1 and fake.accepted == []


def test_wrong_account_is_blocked(fake):
    result = make_provider(fake, account_sid="AC" + "f" * 32).send(sms())
    assert result.outcome is SendOutcome.BLOCKED


@pytest.mark.parametrize("style", ["classic", "problem"])
def test_opted_out(fake, provider, style):
    fake.error_style = style
    fake.opted_out.add(PATIENT)
    result = provider.send(sms())
    assert result.outcome is SendOutcome.OPTED_OUT and result.error_code == "21610"
    assert fake.accepted == [] and fake.requests["opted_out"] == 1


@pytest.mark.parametrize("style", ["classic", "problem"])
def test_invalid_to_is_rejected_without_the_number(fake, provider, style):
    fake.error_style = style
    result = provider.send(sms(to="+0123456789", body="Your crown is ready"))
    assert result.outcome is SendOutcome.REJECTED and result.error_code == "21211"
    assert "is not a valid phone number" in result.error_message
    assert "0123456789" not in result.error_message and "…" in result.error_message
    assert "crown" not in result.error_message


def test_missing_body_is_rejected(fake, provider):
    result = provider.send(sms(body=""))
    assert result.outcome is SendOutcome.REJECTED and result.error_code == "21602"


def test_redact():
    assert redact("The 'To' number +15551234567 is not valid") == "The 'To' number … is not valid"
    assert redact("call (555) 123-4567 now") == "call (… now"
    assert redact("error 21610 on 555-0100") == "error 21610 on …"  # a local number
    assert redact("error 21610 at 12:30") == "error 21610 at 12:30"  # codes and short runs stay
    assert redact("Body 'Your crown is ready' refused", "Your crown is ready") == "Body '…' refused"
    assert redact("whatsapp:+15551234567 and To=5551234567") == "whatsapp:… and To=…"
    assert redact("/2010-04-01/Accounts/AC0000000000/Messages/SMb7c0a2ce80504485a6f653a7110836f5.json") == (
        "/2010-04-01/Accounts/AC0000000000/Messages/SMb7c0a2ce80504485a6f653a7110836f5.json")  # SIDs and paths stay
    assert len(redact("x" * 1000)) == 300


def test_logs_hold_no_body_or_number(fake, provider, caplog):
    caplog.set_level(logging.DEBUG, logger="engage_desktop")
    fake.opted_out.add("+12025550777")
    fake.fail_next("429", "500_after", "timeout_after", "reset_after")
    for _ in range(5):
        provider.send(sms(body="Secret whitening offer"))
    provider.send(sms(to="+12025550777", body="Secret whitening offer"))
    provider.send(sms(to="+0123456789", body="Secret whitening offer"))
    list(provider.list_messages(to=PATIENT, since=datetime.now(UTC) - timedelta(hours=1)))
    assert caplog.records
    assert "whitening" not in caplog.text and "2025550" not in caplog.text and "0123456789" not in caplog.text


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="Account SID"):
        TwilioProvider(account_sid="AC123", auth_secret="x")
    with pytest.raises(ValueError, match="API address"):
        TwilioProvider(account_sid="AC" + "0" * 32, auth_secret="x", base_url="api.twilio.com")
    assert "secret" not in repr(TwilioProvider(account_sid="AC" + "0" * 32, auth_secret="secret"))


# -- list and fetch ----------------------------------------------------------------------------


def test_paging_follows_next_page_uri(fake):
    provider = make_provider(fake, page_size=3)
    sids = [provider.send(sms(body=f"m{i}")).provider_id for i in range(7)]
    listed = list(provider.list_messages())
    assert [m.provider_id for m in listed] == sids[::-1]  # newest first, each once
    assert fake.requests["list"] == 3
    assert all(m.created_at.tzinfo is UTC and not m.inbound for m in listed)
    assert [m.body for m in listed][:2] == ["m6", "m5"]


def test_max_pages(fake):
    provider = make_provider(fake, page_size=2)
    for i in range(7):
        provider.send(sms(body=f"m{i}"))
    assert [m.body for m in provider.list_messages(max_pages=2)] == ["m6", "m5", "m4", "m3"]
    assert fake.requests["list"] == 2


def test_filters_by_to_and_from(fake, provider):
    provider.send(sms(to="+12025550001"))
    provider.send(sms(to="+12025550002"))
    provider.send(sms(to="+12025550002", sender="+12025550300"))
    assert [m.to for m in provider.list_messages(to="+12025550002")] == ["+12025550002"] * 2
    assert [m.sender for m in provider.list_messages(sender="+12025550300")] == ["+12025550300"]


def test_since_stops_paging(fake):
    provider = make_provider(fake, page_size=2)
    old = [provider.send(sms(body=f"old{i}")).provider_id for i in range(6)]
    for sid in old:
        fake.age(sid, timedelta(days=3))
    for i in range(4):
        provider.send(sms(body=f"new{i}"))
    since = datetime.now(UTC) - timedelta(hours=1)
    assert [m.body for m in provider.list_messages(since=since, day_filter=False)] == ["new3", "new2", "new1", "new0"]
    assert fake.requests["list"] == 3  # two pages of new ones, one all-old page, then it stops (not 5)


def test_day_filter_hides_queued_messages(fake, provider):
    """A queued message has no date_sent: a DateSent> filter may hide it, so reconciling lists without one."""
    since = datetime.now(UTC) - timedelta(minutes=5)
    result = provider.send(sms())
    assert list(provider.list_messages(to=PATIENT, since=since)) == []  # the fake's pessimistic default
    fake.null_date_sent_matches = True
    assert [m.provider_id for m in provider.list_messages(to=PATIENT, since=since)] == [result.provider_id]
    fake.null_date_sent_matches = False
    listed = list(provider.list_messages(to=PATIENT, since=since, day_filter=False))
    assert [(m.provider_id, m.sent_at, m.status) for m in listed] == [(result.provider_id, None, DeliveryStatus.QUEUED)]


def test_day_filter_is_the_day_before_since(fake):
    urls: list[str] = []
    session = make_session()
    session.hooks["response"].append(lambda response, *args, **kwargs: urls.append(response.request.url))
    provider = make_provider(fake, session=session)
    sid = provider.send(sms()).provider_id
    fake.set_status(sid, "delivered")  # sent today
    since = datetime(2024, 6, 1, 2, 0, tzinfo=timezone(timedelta(hours=5)))  # 2024-05-31 21:00 UTC
    assert [m.provider_id for m in provider.list_messages(since=since)] == [sid]
    assert "DateSent%3E=2024-05-30" in urls[-1]
    fake.age(sid, timedelta(days=2))  # now sent two days ago: outside a filter from yesterday
    assert list(provider.list_messages(since=datetime.now(UTC) - timedelta(minutes=5))) == []


def test_inbound_messages(fake, provider):
    since = datetime.now(UTC) - timedelta(minutes=1)
    provider.send(sms(body="Reply C to confirm"))
    sid = fake.deliver_inbound(PATIENT, PRACTICE, "C")
    inbox = list(provider.list_messages(to=PRACTICE, since=since))
    assert [(m.provider_id, m.inbound, m.status, m.sender, m.body) for m in inbox] == [
        (sid, True, DeliveryStatus.RECEIVED, PATIENT, "C")]
    assert inbox[0].sent_at is not None and inbox[0].raw_status == "received"


def test_fetch_status_progression(fake, provider):
    sid = provider.send(sms()).provider_id
    seen = [provider.fetch(sid) for _ in range(4)]
    assert [m.raw_status for m in seen] == ["sending", "sent", "delivered", "delivered"]
    assert [m.status for m in seen] == [DeliveryStatus.QUEUED, DeliveryStatus.SENT, DeliveryStatus.DELIVERED,
                                        DeliveryStatus.DELIVERED]
    assert seen[0].sent_at is None and seen[1].sent_at is not None and seen[-1].status.is_final


def test_undeliverable_and_never_reports(fake, provider):
    fake.undeliverable.add("+12025550400")
    fake.never_reports.add("+12025550500")
    bad = provider.send(sms(to="+12025550400")).provider_id
    silent = provider.send(sms(to="+12025550500")).provider_id
    for _ in range(5):
        last_bad, last_silent = provider.fetch(bad), provider.fetch(silent)
    assert (last_bad.status, last_bad.error_code) == (DeliveryStatus.UNDELIVERED, "30003")
    assert last_silent.status is DeliveryStatus.SENT and not last_silent.status.is_final


def test_messaging_service_gets_a_sender(fake, provider):
    sid = provider.send(sms(sender=SERVICE)).provider_id
    first = provider.fetch(sid)
    assert first.raw_status == "queued" and first.sender == fake.service_number


def test_progression_by_time(fake, provider):
    fake.advance_seconds = 0.05
    sid = provider.send(sms()).provider_id
    time.sleep(0.25)
    assert provider.fetch(sid).status is DeliveryStatus.DELIVERED


def test_fetch_unknown_is_permanent(provider):
    with pytest.raises(ProviderError) as caught:
        provider.fetch("SM" + "0" * 32)
    assert caught.value.transient is False and caught.value.status_code == 404


@pytest.mark.parametrize(("kind", "status"), [("500", 500), ("429", 429), ("hang", None), ("reset", None)])
def test_list_faults_are_transient(fake, provider, kind, status):
    fake.list_faults = kind
    with pytest.raises(ProviderError) as caught:
        list(provider.list_messages())
    assert caught.value.transient is True and caught.value.status_code == status
    if kind == "429":
        assert caught.value.retry_after == 1.0
    fake.list_faults = None
    assert list(provider.list_messages()) == []


def test_naive_since_is_refused(provider):
    with pytest.raises(ValueError):
        provider.list_messages(since=datetime.now())


# -- counters and reconciliation -----------------------------------------------------------------


def test_exact_counters_after_random_faults(fake):
    provider = make_provider(fake)
    fake.hang_seconds = 0.5
    fake.fault_rate = 0.4
    outcomes: Counter[SendOutcome] = Counter()
    by_outcome: dict[SendOutcome, list[str]] = {}
    for i in range(40):
        result = provider.send(sms(body=f"msg {i}"))
        outcomes[result.outcome] += 1
        by_outcome.setdefault(result.outcome, []).append(f"msg {i}")
    faults = {k.split(":", 1)[1]: n for k, n in fake.requests.items() if k.startswith("fault:")}
    stored_faults = sum(faults.get(k, 0) for k in ("500_after", "timeout_after", "reset_after"))
    bodies = fake.accepted_bodies()
    assert fake.requests["post"] == 40 and sum(faults.values()) == 40 - outcomes[SendOutcome.ACCEPTED]
    assert len(fake.accepted) == fake.requests["stored"] == outcomes[SendOutcome.ACCEPTED] + stored_faults
    assert all(count == 1 for count in bodies.values())
    assert all(bodies[b] == 1 for b in by_outcome.get(SendOutcome.ACCEPTED, []))
    assert all(b not in bodies for b in by_outcome.get(SendOutcome.RETRY, []))
    assert outcomes[SendOutcome.RETRY] == faults.get("429", 0)
    assert outcomes[SendOutcome.UNKNOWN] == 40 - outcomes[SendOutcome.ACCEPTED] - outcomes[SendOutcome.RETRY]


def test_unknown_outcome_is_found_by_listing(fake, provider):
    """The reconciliation the outbox does: after UNKNOWN, look for the message before sending again."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    fake.fail_next("500_after")
    assert provider.send(sms(body="Reminder 42")).outcome is SendOutcome.UNKNOWN
    found = [m for m in provider.list_messages(to=PATIENT, since=since, day_filter=False) if m.body == "Reminder 42"]
    assert len(found) == 1 and found[0].provider_id == fake.accepted[0]["sid"]
    assert fake.accepted_bodies() == Counter({"Reminder 42": 1})


def test_fake_exits_promptly_while_a_request_hangs(fake):
    import threading

    fake.hang_seconds = 30
    fake.fail_next("timeout_after")
    provider = make_provider(fake, read_timeout=5)
    worker = threading.Thread(target=provider.send, args=(sms(),), daemon=True)
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 2
    worker.join(5)
    assert not worker.is_alive()


def test_reset(fake, provider):
    fake.opted_out.add(PATIENT)
    fake.fail_next("429", "429")
    provider.send(sms(to="+12025550001"))  # spends one 429
    fake.reset()
    assert fake.accepted == [] and not fake.requests and not fake.opted_out
    assert provider.send(sms()).outcome is SendOutcome.ACCEPTED  # the queued 429 is gone too
