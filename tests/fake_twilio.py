"""A stateful fake Twilio Messages API (2010-04-01) on 127.0.0.1, for the provider's behaviour tests
and the dispatcher's kill tests::

    with FakeTwilio() as fake:
        provider = TwilioProvider(account_sid=fake.account_sid, auth_secret=fake.auth_token, base_url=fake.base_url)

It follows the OpenAPI spec (../shared/specs/twilio_api_v2010.json): form-encoded
``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` answering 201 with a Message (the field
names of ``api.v2010.account.message``), ``GET .../Messages.json`` (``To``, ``From``, ``DateSent``,
``DateSent>`` = on or after, ``DateSent<`` = on or before, day granularity in GMT; ``PageSize``,
``PageToken``; newest first; ``next_page_uri`` null on the last page) and ``GET .../Messages/{Sid}.json``.
Errors are the classic JSON (``code``, ``message``, ``more_info``, ``status``), or RFC 9457
problem+json with ``error_style = "problem"``.

Choices where real Twilio is not documented:

* Order is creation order, newest first (Twilio says "sorted by DateSent"; UNCONFIRMED for messages
  not sent yet).
* A message with no ``date_sent`` yet (still accepted/queued) does NOT match a ``DateSent`` filter
  unless ``null_date_sent_matches = True``: the pessimistic case (real Twilio: UNCONFIRMED), so code
  that reconciles an unknown outcome must list without a DateSent filter.
* ``date_sent`` is set when the message reaches ``sent``.
* Status progression: each fetch of a message moves it one step (``advance_seconds = N``: one step
  every N seconds instead): accepted (Messaging Service only) → queued → sending → sent →
  delivered; numbers in ``undeliverable`` end ``undelivered`` (error 30003), numbers in
  ``never_reports`` stay ``sent``. Listing does not advance anything.
* Checks happen in this order: latency, Basic auth (401, code 20003), account SID in the path
  (404, 20404), parameters (400: 21604 no To, 21602 no Body, 21603 neither From nor
  MessagingServiceSid, 21211 invalid To, 21617 body over 1,600 characters), opted-out numbers
  (400, 21610, always), then faults. So a queued fault is spent only on a valid POST.

Faults (POST Messages.json only; ``fail_next`` first, FIFO, then ``fault_rate`` draws one of
``fault_kinds`` with a seeded RNG):

=================  ============  ===========================================================
kind               stored?       answer
=================  ============  ===========================================================
"429"              no            429, ``Retry-After: 1``, code 20429
"500_before"       no            500
"500_after"        yes           500
"timeout_before"   no            waits ``hang_seconds``, closes without an answer
"timeout_after"    yes           waits ``hang_seconds``, then answers 201 (too late)
"reset_after"      yes           closes the socket with a TCP reset, no answer
"21610"            no            400, code 21610 (as for numbers in ``opted_out``)
"502_html"         no            502 with an HTML page, as a proxy or load balancer answers
=================  ============  ===========================================================

``list_faults = "500" | "429" | "hang" | "reset"`` makes every GET (list and fetch) fail that way
("hang": wait ``hang_seconds``, then close unanswered); None (default) leaves GETs alone.

Inspection: ``accepted`` (stored outbound messages, in order), ``accepted_bodies()`` (a Counter),
``messages`` (every message by SID, inbound too), ``requests`` (a Counter: "post", "list",
"fetch", "unauthorized", "invalid", "not_found", "opted_out", "stored", "inbound" and one per fault
kind, e.g. "fault:500_after"), ``reset()``. Everything is guarded by one lock; a hanging handler
waits on an event that ``stop()`` sets, so ``__exit__`` returns promptly.
"""

from __future__ import annotations

import base64
import json
import random
import re
import secrets
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

API_VERSION = "2010-04-01"
FAULT_KINDS = ("429", "500_before", "500_after", "timeout_before", "timeout_after", "reset_after", "21610", "502_html")
LIST_FAULT_KINDS = ("500", "429", "hang", "reset")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MG = re.compile(r"^MG[0-9a-fA-F]{32}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_PATH = re.compile(rf"^/{API_VERSION}/Accounts/(?P<account>[^/]+)/Messages(?:/(?P<sid>[^/]+))?\.json$")
_OUTBOUND_STEPS = ("queued", "sending", "sent", "delivered")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def rfc2822(when: datetime | None) -> str | None:
    return None if when is None else format_datetime(when.astimezone(UTC).replace(microsecond=0), usegmt=False)


def segments(body: str) -> int:
    """Roughly Twilio's count (GSM-7 taken as ASCII): enough for a fake."""
    if body.isascii():
        return 1 if len(body) <= 160 else -(-len(body) // 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


@dataclass
class FakeMessage:
    sid: str
    seq: int
    to: str
    from_: str | None
    body: str
    direction: str  # "outbound-api" or "inbound"
    status: str
    messaging_service_sid: str | None
    date_created: datetime
    created_mono: float
    date_sent: datetime | None = None
    date_updated: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    steps: int = 0  # progression steps taken (fetch mode)
    path: tuple[str, ...] = field(default=())  # statuses still ahead

    def resource(self, account_sid: str) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{self.sid}"
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated or self.date_created),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": "0" if self.status == "accepted" else str(segments(self.body)),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }


class FakeTwilio:
    def __init__(self, *, account_sid: str | None = None, auth_token: str = "fake-auth-token", seed: int = 20100401,
                 hang_seconds: float = 2.0, latency: float = 0.0, default_page_size: int = 50,
                 service_number: str = "+15005550006") -> None:
        self.account_sid = account_sid or new_sid("AC")
        self.auth_token = auth_token
        self.api_keys: dict[str, str] = {}  # API key SID -> secret, also accepted as Basic credentials
        self.hang_seconds = hang_seconds
        self.latency = latency
        self.default_page_size = default_page_size
        self.service_number = service_number  # the "From" a Messaging Service picks
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = ("429", "500_before", "500_after", "timeout_before", "timeout_after", "reset_after")
        self.list_faults: str | None = None
        self.advance_seconds: float | None = None  # None: each fetch advances one step
        self.null_date_sent_matches = False
        self.error_style = "classic"  # or "problem" (RFC 9457 problem+json)
        self.opted_out: set[str] = set()
        self.undeliverable: set[str] = set()
        self.never_reports: set[str] = set()
        self.from_numbers: set[str] | None = None  # None: any From is the account's
        self._seed = seed
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(_Handler):
            twilio = fake

        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                                        name="fake-twilio")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes hanging handlers
        if self._server is not None:
            with self._lock:
                open_connections = list(self._connections)
            for connection in open_connections:  # kept-alive connections: their handlers stop reading
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return self._server.server_address[1]

    # -- what tests set up and look at -------------------------------------------------------------

    def reset(self) -> None:
        """Forget every message, counter and queued fault, the number sets, ``fault_rate`` and
        ``list_faults``; keep the server running and the other settings (latency, hang_seconds...)."""
        with self._lock:
            self.messages: dict[str, FakeMessage] = {}
            self.accepted: list[dict[str, Any]] = []  # stored outbound messages, as created (JSON)
            self.requests: Counter[str] = Counter()
            self._faults: deque[str] = deque()
            self._rng = random.Random(self._seed)
            self._seq = 0
            self.fault_rate = 0.0
            self.list_faults = None
            for numbers in (self.opted_out, self.undeliverable, self.never_reports):
                numbers.clear()

    def fail_next(self, *kinds: str) -> None:
        """Queue faults for the next valid POSTs, first in first out."""
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        with self._lock:
            self._faults.extend(kinds)

    def accepted_bodies(self) -> Counter[str]:
        with self._lock:
            return Counter(m["body"] for m in self.accepted)

    def deliver_inbound(self, sender: str, to: str, body: str) -> str:
        """A patient texts the practice: an inbound message, status received."""
        with self._lock:
            message = self._new_message(to=to, from_=sender, body=body, direction="inbound", status="received",
                                        service=None, prefix="SM")
            message.date_sent = message.date_created
            self.requests["inbound"] += 1
            return message.sid

    def message(self, sid: str) -> dict[str, Any]:
        with self._lock:
            return self.messages[sid].resource(self.account_sid)

    def age(self, sid: str, delta: timedelta) -> None:
        """Move a message's dates ``delta`` into the past (its place in the list stays by creation order)."""
        with self._lock:
            message = self.messages[sid]
            message.date_created -= delta
            if message.date_sent is not None:
                message.date_sent -= delta

    def set_status(self, sid: str, status: str, *, error_code: int | None = None) -> None:
        with self._lock:
            message = self.messages[sid]
            message.status, message.path, message.error_code = status, (), error_code
            if status in ("sent", "delivered", "undelivered") and message.date_sent is None:
                message.date_sent = datetime.now(UTC)

    # -- behaviour -------------------------------------------------------------------------------

    def _new_message(self, *, to: str, from_: str | None, body: str, direction: str, status: str, service: str | None,
                     prefix: str) -> FakeMessage:
        self._seq += 1
        message = FakeMessage(sid=new_sid(prefix), seq=self._seq, to=to, from_=from_, body=body, direction=direction,
                              status=status, messaging_service_sid=service, date_created=datetime.now(UTC),
                              created_mono=time.monotonic())
        if direction != "inbound":
            ahead = list(_OUTBOUND_STEPS[1:]) if status == "queued" else list(_OUTBOUND_STEPS)
            if to in self.never_reports:
                ahead = ahead[: ahead.index("sent") + 1]
            elif to in self.undeliverable:
                ahead[-1] = "undelivered"
            message.path = tuple(ahead)
        self.messages[message.sid] = message
        return message

    def _advance(self, message: FakeMessage, steps: int) -> None:
        for _ in range(steps):
            if not message.path:
                return
            message.status, message.path = message.path[0], message.path[1:]
            message.date_updated = datetime.now(UTC)
            if message.status == "queued" and message.from_ is None:
                message.from_ = self.service_number
            if message.status == "sent" and message.date_sent is None:
                message.date_sent = message.date_updated
            if message.status == "undelivered":
                message.error_code, message.error_message = 30003, "Unreachable destination handset"

    def _catch_up(self, message: FakeMessage) -> None:
        """Time mode: take the steps that ``advance_seconds`` says are due."""
        if self.advance_seconds:
            due = int((time.monotonic() - message.created_mono) / self.advance_seconds)
            self._advance(message, due - message.steps)
            message.steps = max(message.steps, due)

    def _draw_fault(self) -> str | None:
        with self._lock:
            if self._faults:
                return self._faults.popleft()
            if self.fault_rate and self.fault_kinds and self._rng.random() < self.fault_rate:
                return self._rng.choice(self.fault_kinds)
        return None

    def _authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        if user == self.account_sid:
            return secrets.compare_digest(password, self.auth_token)
        secret = self.api_keys.get(user)
        return secret is not None and secrets.compare_digest(password, secret)

    def _validate(self, form: dict[str, str]) -> tuple[int, str] | None:
        to, body = form.get("To", "").strip(), form.get("Body")
        sender, service = form.get("From", "").strip(), form.get("MessagingServiceSid", "").strip()
        if not to:
            return 21604, "A 'To' phone number is required."
        if body is None or not body.strip():
            return 21602, "Message body is required."
        if not sender and not service:
            return 21603, "A 'From' phone number is required."
        if not _E164.match(to):
            return 21211, f"The 'To' number {to} is not a valid phone number."
        if len(body) > 1600:
            return 21617, "The concatenated message body exceeds the 1600 character limit."
        if service and not _MG.match(service):
            return 21701, f"The Messaging Service Sid {service} is invalid."
        if sender and self.from_numbers is not None and sender not in self.from_numbers:
            return 21606, (f"The From phone number {sender} is not a valid, SMS-capable inbound phone number or short code "
                           "for your account.")
        return None

    def _create(self, form: dict[str, str]) -> FakeMessage:
        service = form.get("MessagingServiceSid", "").strip() or None
        sender = form.get("From", "").strip() or None
        message = self._new_message(to=form["To"].strip(), from_=sender, body=form["Body"], direction="outbound-api",
                                    status="accepted" if service and not sender else "queued", service=service, prefix="SM")
        self.accepted.append(message.resource(self.account_sid))
        self.requests["stored"] += 1
        return message

    def _list(self, query: dict[str, str]) -> tuple[int, Any]:
        try:
            page_size = int(query.get("PageSize", self.default_page_size))
            page = int(query.get("Page", 0))
        except ValueError:
            return 400, (20001, "PageSize and Page must be integers.")
        if not 1 <= page_size <= 1000:
            return 400, (20001, "PageSize must be between 1 and 1000.")
        bounds: dict[str, date] = {}
        for name in ("DateSent", "DateSent>", "DateSent<"):
            if name in query:
                if not _DAY.match(query[name]):
                    return 400, (20001, f"{name} must be a GMT date, YYYY-MM-DD.")
                try:
                    bounds[name] = date.fromisoformat(query[name])
                except ValueError:
                    return 400, (20001, f"{name} is not a date.")

        def wanted(m: FakeMessage) -> bool:
            if "To" in query and m.to != query["To"]:
                return False
            if "From" in query and m.from_ != query["From"]:
                return False
            if bounds:
                if m.date_sent is None:
                    return self.null_date_sent_matches
                day = m.date_sent.astimezone(UTC).date()
                if "DateSent" in bounds and day != bounds["DateSent"]:
                    return False
                if "DateSent>" in bounds and day < bounds["DateSent>"]:
                    return False
                if "DateSent<" in bounds and day > bounds["DateSent<"]:
                    return False
            return True

        token = query.get("PageToken")
        with self._lock:
            if token:
                anchor = self.messages.get(token[2:]) if token.startswith("PA") else None
                if anchor is None:
                    return 400, (20001, "Invalid PageToken.")
                before = anchor.seq
            else:
                before = None
            for m in self.messages.values():
                self._catch_up(m)
            rows = sorted((m for m in self.messages.values() if (before is None or m.seq < before) and wanted(m)),
                          key=lambda m: m.seq, reverse=True)
            items = [m.resource(self.account_sid) for m in rows[:page_size]]
            more = len(rows) > page_size
            last_sid = rows[page_size - 1].sid if more else None
        filters = [(k, query[k]) for k in ("To", "From", "DateSent", "DateSent>", "DateSent<") if k in query]
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"

        def uri(page_no: int, page_token: str | None = None) -> str:
            params = [*filters, ("PageSize", page_size), ("Page", page_no)]
            if page_token:
                params.append(("PageToken", page_token))
            return f"{path}?{urlencode(params)}"

        return 200, {
            "messages": items,
            "page": page,
            "page_size": page_size,
            "start": page * page_size,
            "end": page * page_size + max(len(items) - 1, 0),
            "uri": uri(page, token),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, f"PA{last_sid}") if more else None,
            "previous_page_uri": None if page == 0 else uri(page - 1),
        }

    def _fetch(self, sid: str) -> FakeMessage | None:
        with self._lock:
            message = self.messages.get(sid)
            if message is not None:
                if self.advance_seconds:
                    self._catch_up(message)
                else:
                    self._advance(message, 1)
            return message


class _Hangup(Exception):
    """Close the connection without an answer (``reset``: with a TCP RST)."""

    def __init__(self, reset: bool = False) -> None:
        self.reset = reset


class _Handler(BaseHTTPRequestHandler):
    twilio: FakeTwilio
    protocol_version = "HTTP/1.1"  # keep-alive, like api.twilio.com

    def log_message(self, format, *args) -> None:  # keep test output quiet
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes: without this a kept-alive connection waits ~40 ms
        # for the client's delayed ACK on every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.twilio._lock:
            self.twilio._connections.add(self.connection)

    def finish(self) -> None:
        with self.twilio._lock:
            self.twilio._connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:
        self._guard(self._get)

    def do_POST(self) -> None:
        self._guard(self._post)

    def do_DELETE(self) -> None:
        self._guard(lambda *_: self._error(405, 20004, "Method not allowed."))

    def _guard(self, handler) -> None:
        fake = self.twilio
        try:
            if fake._stopping.is_set():
                raise _Hangup()
            if fake.latency:
                fake._stopping.wait(fake.latency)
            url = urlsplit(self.path)
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if len(raw) != length:  # the client went away mid-request: nothing happened
                raise _Hangup()
            if not fake._authorized(self.headers.get("Authorization")):
                with fake._lock:
                    fake.requests["unauthorized"] += 1
                return self._error(401, 20003, "Authenticate", www_authenticate=True)
            match = _PATH.match(url.path)
            if match is None or match["account"] != fake.account_sid:
                with fake._lock:
                    fake.requests["not_found"] += 1
                return self._error(404, 20404, f"The requested resource {url.path} was not found")
            handler(match, query, raw)
        except _Hangup as hangup:
            self.close_connection = True
            if hangup.reset:
                try:  # SO_LINGER 0: close() sends a RST instead of a FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                except OSError:
                    pass
        except OSError:  # broken pipe, reset: the client gave up (or was killed), or stop() shut the socket
            self.close_connection = True

    def _hang(self) -> None:
        self.twilio._stopping.wait(self.twilio.hang_seconds)

    def _get(self, match: re.Match, query: dict[str, str], raw: bytes) -> None:
        fake = self.twilio
        with fake._lock:
            fake.requests["fetch" if match["sid"] else "list"] += 1
            fault = fake.list_faults
        if fault:
            with fake._lock:
                fake.requests[f"list_fault:{fault}"] += 1
            if fault == "500":
                return self._error(500, 20500, "Internal Server Error")
            if fault == "429":
                return self._error(429, 20429, "Too Many Requests", retry_after="1")
            if fault == "hang":
                self._hang()
                raise _Hangup()
            raise _Hangup(reset=True)
        if match["sid"]:
            message = fake._fetch(match["sid"])
            if message is None:
                with fake._lock:
                    fake.requests["not_found"] += 1
                return self._error(404, 20404, f"The requested resource /{API_VERSION}/Accounts/{fake.account_sid}/"
                                                f"Messages/{match['sid']}.json was not found")
            with fake._lock:
                resource = message.resource(fake.account_sid)
            return self._json(200, resource)
        status, payload = fake._list(query)
        if status != 200:
            return self._error(status, *payload)
        return self._json(200, payload)

    def _post(self, match: re.Match, query: dict[str, str], raw: bytes) -> None:
        fake = self.twilio
        if match["sid"]:  # update (redact/cancel) is not needed by the provider
            return self._error(405, 20004, "Method not allowed.")
        with fake._lock:
            fake.requests["post"] += 1
        if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            with fake._lock:
                fake.requests["invalid"] += 1
            return self._error(415, 20001, "Content-Type must be application/x-www-form-urlencoded.")
        form = dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))
        if problem := fake._validate(form):
            with fake._lock:
                fake.requests["invalid"] += 1
            return self._error(400, *problem)
        if form["To"].strip() in fake.opted_out:
            with fake._lock:
                fake.requests["opted_out"] += 1
            return self._opted_out()
        fault = fake._draw_fault()
        if fault is not None:
            with fake._lock:
                fake.requests[f"fault:{fault}"] += 1
        if fault == "21610":
            return self._opted_out()
        if fault == "429":
            return self._error(429, 20429, "Too Many Requests", retry_after="1")
        if fault == "500_before":
            return self._error(500, 20500, "Internal Server Error")
        if fault == "502_html":
            return self._html(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
        if fault == "timeout_before":
            self._hang()
            raise _Hangup()
        with fake._lock:
            message = fake._create(form)
            resource = message.resource(fake.account_sid)
        if fault == "500_after":
            return self._error(500, 20500, "Internal Server Error")
        if fault == "reset_after":
            raise _Hangup(reset=True)
        if fault == "timeout_after":
            self._hang()
        return self._json(201, resource)

    def _opted_out(self) -> None:
        return self._error(400, 21610, "Attempt to send to unsubscribed recipient")

    def _error(self, status: int, code: int, message: str, *, retry_after: str | None = None,
               www_authenticate: bool = False) -> None:
        more_info = f"https://www.twilio.com/docs/errors/{code}"
        headers = {}
        if retry_after:
            headers["Retry-After"] = retry_after
        if www_authenticate:
            headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
        if self.twilio.error_style == "problem":
            payload = {"type": more_info, "title": message, "status": status, "code": code, "detail": message}
            return self._json(status, payload, headers, content_type="application/problem+json")
        return self._json(status, {"code": code, "message": message, "more_info": more_info, "status": status}, headers)

    def _html(self, status: int, page: str) -> None:
        data = page.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None, *,
              content_type: str = "application/json") -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def numbers(count: int, start: int = 5550100) -> Iterable[str]:
    """Distinct valid E.164 test numbers: +1202<7 digits>."""
    return (f"+1202{start + i:07d}" for i in range(count))
