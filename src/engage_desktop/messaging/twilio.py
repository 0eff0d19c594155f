"""Twilio Programmable Messaging (REST API 2010-04-01) as an :class:`SmsProvider`.

Works with any Twilio-compatible API by its base URL (``https://api.twilio.com`` by default; a
path prefix such as ``https://example.signalwire.com/api/laml`` is kept). Authentication is HTTP
Basic: the Account SID (or an API key SID, ``auth_user``) and the auth token (or key secret).

How :meth:`TwilioProvider.send` reads an answer (docs/facts/messaging.md §1):

=================================================  ===========  ==========================================
what happened                                      outcome      why
=================================================  ===========  ==========================================
201 with a message SID                             ACCEPTED     status and num_segments (when > 0) kept
error code 21610                                   OPTED_OUT    the recipient replied STOP: never retry
429 (error 20429)                                  RETRY        Twilio never processes a 429: safe to
                                                                retry, after Retry-After when it is given
401, 403, error 20003/20005/10001/90010, 404, 3xx  BLOCKED      credentials refused, account suspended or
                                                                not found, wrong API address: nothing
                                                                goes out until staff fix the settings
other 4xx (and 408 as RETRY)                       REJECTED     a permanent refusal of this message
5xx                                                UNKNOWN      Twilio may have stored the message
2xx without a readable SID                         UNKNOWN      same
connect timeout, refused, DNS or TLS failure       RETRY        the request never left this machine
read timeout, reset, remote disconnect             UNKNOWN      the request was sent: it may have landed
=================================================  ===========  ==========================================

CreateMessage has no idempotency key, so a request that may have been accepted is never sent
again blindly: the caller reconciles an UNKNOWN outcome by listing the recipient's messages
(``list_messages(to=..., since=..., day_filter=False)``: a message still queued has no sent date,
so a ``DateSent>`` filter may hide it) and only resends when the message is not there. For the
same reason the HTTP session makes no transport retries (:mod:`engage_desktop.messaging.http`).

Privacy: bodies and phone numbers are never logged (only SIDs, HTTP status and error codes), and
an ``error_message`` never contains the body, and has every run of 7+ digits (a phone number,
which Twilio's texts quote) replaced with "…".

Listing: newest first, following ``next_page_uri`` verbatim (joined onto the base URL) up to
``max_pages``. Dates are RFC 2822 and parsed into aware UTC datetimes. A listed message whose
dates can all not be read (Prism's dynamic mode makes such junk) is skipped with a warning that
names only its SID: inventing a ``created_at`` would break the ``since`` cut-off and the
reconciliation by time. :meth:`TwilioProvider.fetch` raises a non-transient ProviderError for it.
"""

from __future__ import annotations

import email.utils
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import requests

from engage_desktop.domain.messages import (
    DeliveryStatus,
    OutgoingSms,
    ProviderError,
    ProviderMessage,
    SendOutcome,
    SendResult,
)
from engage_desktop.messaging.http import connection_never_made, make_session

log = logging.getLogger(__name__)

TWILIO_API = "https://api.twilio.com"
API_VERSION = "2010-04-01"

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")

OPTED_OUT_CODE = "21610"
# Account-wide refusals (twilio.com/docs/api/errors/...): 20003 permission denied / authenticate,
# 20005 and 10001 account not active (suspended, out of funds), 90010 account not active.
# None of them is in the OpenAPI spec (it defines no error responses).
BLOCKED_CODES = frozenset({"20003", "20005", "10001", "90010"})

STATUSES: dict[str, DeliveryStatus] = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "partially_delivered": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.CANCELED,
    "receiving": DeliveryStatus.RECEIVED,
    "received": DeliveryStatus.RECEIVED,
}

# 7+ digits, optionally with a + and separators; not inside a SID or a path ("SMb7c0a2ce80504485...", "/2010-04-01")
_DIGITS = re.compile(r"(?<![A-Za-z0-9_/])\+?\d(?:[\s.()/-]{0,2}\d){6,}")
_MAX_ERROR_TEXT = 300
_RETRY_LATER = "Nothing was sent; it will be tried again."
_CHECK_FIRST = "The message may have been sent: it is checked with Twilio before any new attempt."
_FIX_SETTINGS = "Nothing is sent until the Twilio settings are fixed."


class TwilioProvider:
    """Send, fetch and list SMS through the Twilio REST API. It keeps no state between calls
    besides its ``requests.Session`` (a connection pool): threads may share one provider in
    practice, or each take their own to be strict (requests does not promise thread safety)."""

    name = "twilio"
    delivers = True

    def __init__(
        self,
        *,
        account_sid: str,
        auth_secret: str,
        auth_user: str | None = None,
        base_url: str = TWILIO_API,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        page_size: int = 100,
        session: requests.Session | None = None,
    ) -> None:
        if not isinstance(account_sid, str) or not ACCOUNT_SID.match(account_sid):
            raise ValueError(
                "The Twilio Account SID must be 'AC' followed by 32 hexadecimal characters (34 in all), "
                "as shown in the Twilio Console."
            )
        if not auth_secret:
            raise ValueError("The Twilio auth token (or API key secret) is empty.")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"The Twilio API address must be an http(s) URL such as {TWILIO_API}.")
        if not 1 <= page_size <= 1000:
            raise ValueError("page_size must be between 1 and 1000 (Twilio's limits).")
        if connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("Timeouts must be positive.")
        self.account_sid = account_sid
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self.timeout = (connect_timeout, read_timeout)
        self._auth = (auth_user or account_sid, auth_secret)
        self._session = session or make_session()
        self._account_url = f"{self.base_url}/{API_VERSION}/Accounts/{account_sid}"

    def __repr__(self) -> str:  # never the secret
        return f"TwilioProvider(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    # -- send ------------------------------------------------------------------------------------

    def send(self, message: OutgoingSms) -> SendResult:
        data = {"To": message.to, "Body": message.body}
        if message.sender.startswith("MG"):
            data["MessagingServiceSid"] = message.sender
        else:
            data["From"] = message.sender
        try:
            response = self._session.post(f"{self._account_url}/Messages.json", data=data, auth=self._auth,
                                          timeout=self.timeout, headers={"Accept": "application/json"},
                                          allow_redirects=False)
        except requests.RequestException as exc:  # never chained or logged whole: its text has the URL
            kind = type(exc).__name__
            if connection_never_made(exc):
                log.warning("Twilio send: no connection (%s); nothing was sent", kind)
                return SendResult(SendOutcome.RETRY, error_message=f"Could not connect to Twilio ({kind}). {_RETRY_LATER}")
            log.warning("Twilio send: no answer (%s); the message may have been accepted", kind)
            return SendResult(SendOutcome.UNKNOWN, error_message=f"Twilio did not answer ({kind}). {_CHECK_FIRST}")
        try:
            return self._send_result(response, message.body)
        except Exception as exc:  # noqa: BLE001 - an answer this code cannot read must not crash a dispatcher
            status = response.status_code  # the exception's text may quote the answer: only its type is logged
            log.error("Twilio send: unreadable answer (HTTP %s, %s)", status, type(exc).__name__)
            return SendResult(SendOutcome.UNKNOWN,
                              error_message=f"Twilio gave an answer Engage cannot read (HTTP {status}). {_CHECK_FIRST}")

    def _send_result(self, response: requests.Response, body: str) -> SendResult:
        status = response.status_code
        if 200 <= status < 300:
            payload = _json(response)
            sid = payload.get("sid") if isinstance(payload, dict) else None
            if not isinstance(sid, str) or not sid:
                log.warning("Twilio send: HTTP %s without a message SID", status)
                return SendResult(SendOutcome.UNKNOWN,
                                  error_message=f"Twilio answered HTTP {status} without a message ID. {_CHECK_FIRST}")
            raw = payload.get("status")
            log.info("Twilio send: accepted %s (%s)", sid, raw)
            return SendResult(SendOutcome.ACCEPTED, provider_id=sid, status=_status(raw, inbound=False),
                              segments=_segments(payload.get("num_segments")))

        code, text = _error_details(response, body)
        retry_after = _retry_after(response.headers.get("Retry-After"))
        log.warning("Twilio send: HTTP %s, error %s", status, code)
        detail = _describe(status, code, text)
        if code == OPTED_OUT_CODE:
            return SendResult(SendOutcome.OPTED_OUT, error_code=code,
                              error_message="The recipient has opted out of texts from this sender (replied STOP; "
                                            "Twilio error 21610). They can text START to opt back in.")
        if status == 429:
            return SendResult(SendOutcome.RETRY, error_code=code, retry_after=retry_after,
                              error_message=f"Twilio is busy{detail}. {_RETRY_LATER}")
        if status in (401, 403) or code in BLOCKED_CODES:
            return SendResult(SendOutcome.BLOCKED, error_code=code,
                              error_message=f"Twilio refused the account{detail}. Check the Account SID, the auth token or "
                                            f"API key, and that the Twilio account is active. {_FIX_SETTINGS}")
        if status == 404 or 300 <= status < 400:
            return SendResult(SendOutcome.BLOCKED, error_code=code,
                              error_message=f"Twilio could not find the account at this API address{detail}. Check the "
                                            f"Account SID and the API address. {_FIX_SETTINGS}")
        if status == 408:
            return SendResult(SendOutcome.RETRY, error_code=code, retry_after=retry_after,
                              error_message=f"Twilio timed out reading the request{detail}. {_RETRY_LATER}")
        if 400 <= status < 500:
            return SendResult(SendOutcome.REJECTED, error_code=code, error_message=f"Twilio refused the message{detail}.")
        return SendResult(SendOutcome.UNKNOWN, error_code=code, retry_after=retry_after,
                          error_message=f"Twilio had a problem{detail}. {_CHECK_FIRST}")

    # -- fetch and list --------------------------------------------------------------------------

    def fetch(self, provider_id: str) -> ProviderMessage:
        payload = self._get_json(f"{self._account_url}/Messages/{quote(provider_id, safe='')}.json", None)
        message = _message(payload)
        if message is None:
            raise ProviderError(f"Twilio's answer for message {_safe_sid(provider_id)} has no message ID or no readable date.",
                                transient=False, status_code=200)
        return message

    def list_messages(self, *, to: str | None = None, sender: str | None = None, since: datetime | None = None,
                      day_filter: bool = True, max_pages: int = 20) -> Iterator[ProviderMessage]:
        if since is not None and (since.tzinfo is None or since.utcoffset() is None):
            raise ValueError("since must be an aware datetime")
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        params: dict[str, Any] = {"PageSize": self.page_size}
        if to:
            params["To"] = to
        if sender:
            params["From"] = sender
        if since is not None and day_filter:
            # Day granularity in GMT, "on or after": the day before ``since`` covers any clock skew.
            params["DateSent>"] = (since.astimezone(UTC) - timedelta(days=1)).date().isoformat()
        return self._pages(params, since, max_pages)

    def _pages(self, params: dict[str, Any], since: datetime | None, max_pages: int) -> Iterator[ProviderMessage]:
        url: str | None = f"{self._account_url}/Messages.json"
        query: dict[str, Any] | None = params
        for page_number in range(1, max_pages + 1):
            page = self._get_json(url, query)
            items = page.get("messages") if isinstance(page, dict) else None
            if not isinstance(items, list):
                raise ProviderError("Twilio's message list has no 'messages'.", transient=False, status_code=200)
            all_older = bool(items)
            for item in items:
                message = _message(item)
                if message is None:
                    sid = item.get("sid") if isinstance(item, dict) else None
                    log.warning("Twilio list: skipped message %s without a readable ID or date", _safe_sid(sid))
                    all_older = False
                    continue
                if since is not None and message.created_at < since:
                    continue  # sorted by sent date, not creation: later items may still be newer
                all_older = False
                yield message
            next_uri = page.get("next_page_uri")
            if since is not None and all_older:
                return  # a whole page created before ``since``: the rest is older still
            if not isinstance(next_uri, str) or not next_uri:
                return
            if page_number == max_pages:
                log.info("Twilio list: stopped after %s pages", max_pages)
                return
            url, query = self._join(next_uri), None  # verbatim: it carries the filters and PageToken

    def _join(self, uri: str) -> str:
        url = urljoin(self.base_url + "/", uri)
        here, there = urlsplit(self.base_url), urlsplit(url)
        if (there.scheme, there.netloc) != (here.scheme, here.netloc):  # never send the credentials elsewhere
            raise ProviderError("Twilio's next page is on another server; paging stopped.", transient=False)
        return url

    def _get_json(self, url: str, params: dict[str, Any] | None) -> Any:
        try:
            response = self._session.get(url, params=params, auth=self._auth, timeout=self.timeout,
                                         headers={"Accept": "application/json"}, allow_redirects=False)
        except requests.RequestException as exc:
            kind = type(exc).__name__
            log.warning("Twilio GET: no answer (%s)", kind)
            raise ProviderError(f"Could not reach Twilio ({kind}).", transient=True) from None
        status = response.status_code
        if status == 200:
            payload = _json(response)
            if payload is None:
                raise ProviderError("Twilio's answer is not JSON (HTTP 200).", transient=False, status_code=status)
            return payload
        code, text = _error_details(response, None)
        log.warning("Twilio GET: HTTP %s, error %s", status, code)
        detail = _describe(status, code, text)
        retry_after = _retry_after(response.headers.get("Retry-After"))
        if status == 404:
            raise ProviderError(f"Twilio has no such message{detail}.", transient=False, status_code=status)
        if status in (401, 403) or code in BLOCKED_CODES:
            raise ProviderError(f"Twilio refused the account{detail}. Check the Twilio settings.", transient=False,
                                status_code=status)
        transient = status in (408, 429) or status >= 500
        raise ProviderError(f"Twilio could not answer{detail}.", transient=transient, status_code=status,
                            retry_after=retry_after)


# -- reading Twilio's JSON -------------------------------------------------------------------------


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_details(response: requests.Response, body: str | None) -> tuple[str | None, str]:
    """(error code, safe text) from a classic Twilio error or an RFC 9457 problem+json body."""
    payload = _json(response)
    if not isinstance(payload, dict):
        return None, ""  # an HTML page or a proxy's text: its content is not shown
    raw_code = payload.get("code")
    code = str(raw_code) if isinstance(raw_code, int | str) and not isinstance(raw_code, bool) and str(raw_code) else None
    parts = [payload.get("message") or payload.get("detail") or payload.get("title") or ""]
    validation = payload.get("validation")  # Prism's problem+json lists what it found wrong
    if isinstance(validation, list) and validation and isinstance(validation[0], dict):
        parts.append(str(validation[0].get("message") or ""))
    text = " ".join(str(p).strip() for p in parts if p and str(p).strip())
    return code, redact(text, body)


def _describe(status: int, code: str | None, text: str) -> str:
    """": the reason (HTTP 400, error 21211)", to follow a sentence's start."""
    where = f"(HTTP {status}{f', error {code}' if code else ''})"
    return f": {text.rstrip('. ')} {where}" if text else f" {where}"


def redact(text: str, body: str | None = None) -> str:
    """Text safe for staff screens and logs: no message body, no phone number (7+ digits)."""
    if body and len(body.strip()) >= 3:
        text = text.replace(body.strip(), "…")
    text = _DIGITS.sub("…", text)
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 1] + "…"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(0.0, seconds) if seconds == seconds else None  # NaN


def _date(value: Any) -> datetime | None:
    """An RFC 2822 date ("Thu, 24 Aug 2023 05:01:45 +0000") as aware UTC, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC with no claim about local time
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _status(raw: Any, *, inbound: bool) -> DeliveryStatus:
    status = STATUSES.get(raw) if isinstance(raw, str) else None
    if status is None:
        log.warning("Twilio: unknown message status %r", raw if isinstance(raw, str) and len(raw) < 40 else type(raw).__name__)
        return DeliveryStatus.RECEIVED if inbound else DeliveryStatus.QUEUED  # not final: polled again
    return status


def _segments(value: Any) -> int | None:
    try:
        count = int(value)
    except (TypeError, ValueError):
        return None
    return count if count > 0 else None  # "0" with a Messaging Service: no sender chosen yet


def _safe_sid(value: Any) -> str:
    return value if isinstance(value, str) and re.fullmatch(r"[A-Z]{2}[0-9a-fA-F]{32}", value) else "(no valid SID)"


def _message(payload: Any) -> ProviderMessage | None:
    """A Message resource as a ProviderMessage, or None without a SID or any readable date."""
    if not isinstance(payload, dict):
        return None
    sid = payload.get("sid")
    if not isinstance(sid, str) or not sid:
        return None
    sent_at = _date(payload.get("date_sent"))
    created_at = _date(payload.get("date_created")) or sent_at or _date(payload.get("date_updated"))
    if created_at is None:
        return None
    inbound = payload.get("direction") == "inbound"
    raw_status = payload.get("status")
    error_code = payload.get("error_code")
    return ProviderMessage(
        provider_id=sid,
        inbound=inbound,
        sender=_text(payload.get("from")) or _text(payload.get("messaging_service_sid")),
        to=_text(payload.get("to")),
        body=_text(payload.get("body")),
        status=_status(raw_status, inbound=inbound),
        raw_status=raw_status if isinstance(raw_status, str) else "",
        created_at=created_at,
        sent_at=sent_at,
        segments=_segments(payload.get("num_segments")),
        error_code=str(error_code) if isinstance(error_code, int | str) and not isinstance(error_code, bool) else None,
        error_message=redact(_text(payload.get("error_message"))),
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
