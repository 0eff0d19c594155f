"""TwilioProvider against Stoplight Prism serving Twilio's own OpenAPI spec (twilio-oai
``twilio_api_v2010.json``): the requests it makes are valid (URL, Basic auth, form encoding,
required fields, SID patterns) and it reads the spec's example payloads.

Prism is stateless and knows only the success answers, so every behaviour (errors, timeouts,
paging state, statuses) is tested against tests/fake_twilio.py instead (test_twilio_provider.py).

Needs: the spec (``ENGAGE_TWILIO_SPEC``, default ../shared/specs/twilio_api_v2010.json beside the
repository; skipped when absent) and Prism (``scripts/install-node-tools.sh`` puts it in
.tools/node; ENGAGE_REQUIRE_SERVERS=1 makes its absence a failure).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from engage_desktop.domain.messages import DeliveryStatus, OutgoingSms, ProviderError, SendOutcome
from engage_desktop.messaging.http import make_session
from engage_desktop.messaging.twilio import TwilioProvider
from tests.servers import free_port, unavailable

REPO = Path(__file__).resolve().parents[2]
SPEC = Path(os.environ.get("ENGAGE_TWILIO_SPEC", REPO.parent / "shared/specs/twilio_api_v2010.json"))
PRISM = REPO / ".tools/node/node_modules/.bin/prism"

SID = "AC" + "0" * 32  # any SID matching ^AC[0-9a-fA-F]{32}$ is accepted
TOKEN = "contract-test-token"
SERVICE = "MG" + "a" * 32
CREATE_EXAMPLE_SID = "SM" + "a" * 32
FETCH_EXAMPLE_SID = "SMb7c0a2ce80504485a6f653a7110836f5"
LIST_EXAMPLE_SIDS = ["SMded05904ccb347238880ca9264e8fe1c", "MMc26223853f8c46b4ab7dfaa6abba0a26"]


@pytest.fixture(scope="session")
def prism_url():
    if not SPEC.is_file():
        pytest.skip(f"the Twilio OpenAPI spec is not at {SPEC} (set ENGAGE_TWILIO_SPEC to its path)")
    if not PRISM.exists():
        unavailable(f"Prism is not installed at {PRISM.relative_to(REPO)} (run scripts/install-node-tools.sh)")
    if shutil.which("node") is None:
        unavailable("node is not installed, so Prism cannot run (apt-get install nodejs)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "SCARF_ANALYTICS": "false", "NO_COLOR": "1"},
    )
    try:
        _wait_for(process, url, log)
        yield url
    finally:
        _stop(process)
        log.close()


def _wait_for(process: subprocess.Popen, url: str, log, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    probe = f"{url}/2010-04-01/Accounts/{SID}/Messages/{FETCH_EXAMPLE_SID}.json"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"Prism exited with {process.returncode}: {log.read()[-2000:].decode(errors='replace')}")
        try:
            if requests.get(probe, auth=(SID, TOKEN), timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"Prism did not answer within {timeout:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)  # its own process group: node and anything it spawned
        process.wait(5)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)
    except ProcessLookupError:
        pass


class Recorder:
    """A Session that remembers every request it sent (as prepared, so exactly what went out)."""

    def __init__(self, **headers: str) -> None:
        self.session = make_session()
        self.session.headers.update(headers)
        self.sent: list[requests.PreparedRequest] = []
        self.session.hooks["response"].append(lambda response, *args, **kwargs: self.sent.append(response.request))


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def provider(prism_url, recorder):
    return TwilioProvider(account_sid=SID, auth_secret=TOKEN, base_url=prism_url, session=recorder.session)


def sms(sender: str = "+14155552345") -> OutgoingSms:
    return OutgoingSms(to="+14155550100", body="Hello! Your cleaning is on Tuesday at 9:00.", sender=sender)


# -- send --------------------------------------------------------------------------------------


def test_send_with_from_is_accepted(provider, recorder):
    result = provider.send(sms())
    assert result.outcome is SendOutcome.ACCEPTED, result.error_message
    assert result.provider_id == CREATE_EXAMPLE_SID  # the `create` example
    assert result.status is DeliveryStatus.QUEUED and result.segments == 1
    request = recorder.sent[-1]
    assert request.method == "POST" and request.url.endswith(f"/2010-04-01/Accounts/{SID}/Messages.json")
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Authorization"].startswith("Basic ")
    assert "From=%2B14155552345" in request.body and "MessagingServiceSid" not in request.body


def test_send_with_messaging_service(provider, recorder):
    result = provider.send(sms(sender=SERVICE))
    assert result.outcome is SendOutcome.ACCEPTED, result.error_message
    assert f"MessagingServiceSid={SERVICE}" in recorder.sent[-1].body and "From=" not in recorder.sent[-1].body


def test_prism_checks_the_messaging_service_sid(provider):
    """The SID really goes out as MessagingServiceSid: Prism holds it to ^MG[0-9a-fA-F]{32}$."""
    result = provider.send(sms(sender="MG-not-a-service"))
    assert result.outcome is SendOutcome.REJECTED
    assert "messagingservicesid" in result.error_message.lower()  # read from Prism's problem+json


def test_prism_refuses_broken_requests_that_ours_avoid(prism_url, provider):
    """Prism validates requests, so ours passing means they match the spec."""
    url = f"{prism_url}/2010-04-01/Accounts/{SID}/Messages.json"
    form = {"To": "+14155550100", "From": "+14155552345", "Body": "hi"}
    assert requests.post(url, data=form, timeout=5).status_code == 401  # no Basic auth
    assert requests.post(url, json=form, auth=(SID, TOKEN), timeout=5).status_code == 415  # JSON, not a form
    assert requests.post(url, data={"From": "+14155552345", "Body": "hi"}, auth=(SID, TOKEN), timeout=5).status_code == 422
    bad_sid = url.replace(SID, "AC123")
    assert requests.post(bad_sid, data=form, auth=("AC123", TOKEN), timeout=5).status_code == 422
    assert requests.post(url, data=form, auth=(SID, TOKEN), timeout=5).status_code == 201
    assert provider.send(sms()).outcome is SendOutcome.ACCEPTED


def test_prism_problem_json_is_read(prism_url):
    """Prism answers RFC 9457 problem+json: a 401 is BLOCKED, a 422 REJECTED with Prism's reason."""
    unauthenticated = TwilioProvider(account_sid=SID, auth_secret=TOKEN, base_url=prism_url)
    unauthenticated._auth = None  # as if a proxy stripped the credentials
    assert unauthenticated.send(sms()).outcome is SendOutcome.BLOCKED

    wrong_sid = TwilioProvider(account_sid=SID, auth_secret=TOKEN, base_url=prism_url)
    wrong_sid._account_url = wrong_sid._account_url.replace(SID, "AC123")  # past the constructor's check
    result = wrong_sid.send(sms())
    assert result.outcome is SendOutcome.REJECTED and "HTTP 422" in result.error_message
    assert "accountsid" in result.error_message.lower()


# -- fetch and list ----------------------------------------------------------------------------


def test_fetch_parses_the_example(provider, recorder):
    message = provider.fetch(FETCH_EXAMPLE_SID)
    assert recorder.sent[-1].url.endswith(f"/Accounts/{SID}/Messages/{FETCH_EXAMPLE_SID}.json")
    assert message.provider_id == FETCH_EXAMPLE_SID and not message.inbound
    assert (message.sender, message.to, message.body) == ("+12019235161", "+18182008801", "testing")
    assert (message.status, message.raw_status) == (DeliveryStatus.SENT, "sent")
    assert message.created_at == datetime(2019, 5, 24, 17, 18, 27, tzinfo=UTC)
    assert message.sent_at == datetime(2019, 5, 24, 17, 18, 28, tzinfo=UTC)
    assert (message.segments, message.error_code, message.error_message) == (1, "30007", "Carrier violation")


def test_fetch_of_a_malformed_sid_is_permanent(provider):
    with pytest.raises(ProviderError) as caught:
        provider.fetch("not-a-sid")
    assert caught.value.transient is False and caught.value.status_code == 422


def test_list_stops_at_max_pages(provider, recorder):
    """Prism repeats readFullPage1, whose next_page_uri never ends: max_pages must stop it."""
    messages = list(provider.list_messages(max_pages=3))
    assert len(recorder.sent) == 3
    assert "PageToken=PAMMc26223853f8c46b4ab7dfaa6abba0a26" in recorder.sent[1].url  # next_page_uri, verbatim
    assert [m.provider_id for m in messages] == LIST_EXAMPLE_SIDS * 3
    outbound, inbound = messages[:2]
    assert (outbound.inbound, outbound.status, outbound.raw_status) == (False, DeliveryStatus.SENT, "sent")
    assert (inbound.inbound, inbound.status, inbound.raw_status) == (True, DeliveryStatus.RECEIVED, "received")
    assert outbound.created_at == datetime(2019, 5, 24, 17, 44, 46, tzinfo=UTC)
    assert inbound.sent_at == datetime(2019, 5, 24, 17, 44, 49, tzinfo=UTC)
    assert (inbound.error_code, inbound.segments) == ("30004", 1)


def test_list_filters_are_accepted(provider, recorder):
    since = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    messages = list(provider.list_messages(to="+18182008801", sender="+12019235161", since=since))
    first = recorder.sent[0].url
    assert "DateSent%3E=2024-05-31" in first and "To=%2B18182008801" in first and "From=%2B12019235161" in first
    assert "PageSize=100" in first
    assert messages == [] and len(recorder.sent) == 1  # the examples are from 2019: one page, all older, stop


def test_dynamic_junk_does_not_crash(prism_url):
    """Prism's dynamic mode fills the schema with junk (dates that are not RFC 2822...)."""
    junk = Recorder(Prefer="dynamic=true")
    provider = TwilioProvider(account_sid=SID, auth_secret=TOKEN, base_url=prism_url, session=junk.session)
    try:
        for message in provider.list_messages(max_pages=2):  # unreadable dates are skipped, never invented
            assert message.created_at.tzinfo is UTC
    except ProviderError as exc:  # its next_page_uri is a random absolute URL: never followed to another host
        assert exc.transient is False and "another server" in str(exc)
    result = provider.send(sms())
    assert result.outcome in (SendOutcome.ACCEPTED, SendOutcome.UNKNOWN)
    try:
        provider.fetch(FETCH_EXAMPLE_SID)
    except ProviderError as exc:
        assert exc.transient is False
