"""Email over SMTP with verified TLS: building the message and sending it step by step.

``build_email`` turns an :class:`OutgoingEmail` into a standards-clean MIME message:

* multipart/alternative (text + HTML), or a single text/plain part when there is no HTML;
* non-ASCII headers as RFC 2047 encoded words and bodies as quoted-printable, so no server
  extension (8BITMIME, SMTPUTF8) is needed; CRLF line endings (``email.policy.SMTP``);
* ``List-Unsubscribe`` (RFC 2369) with the https and/or mailto URIs, and
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) only when the URL is https.
  The header is written verbatim: the ``email`` package would otherwise turn a long URL into an
  encoded word, which receivers do not decode. DKIM signing (which must cover both headers) is
  the sending relay's job;
* a footer in both parts with a visible unsubscribe link and the practice's postal address
  (CAN-SPAM; Gmail/Yahoo also want a visible link next to the one-click header).

``SmtpProvider`` sends with a verifying TLS context only (implicit TLS, usually port 465, or
STARTTLS, usually 587; never clear text). The transaction is done command by command so that
the outcome says exactly whether the message may have been sent:

* nothing sent yet (connect error, timeout, TLS failure, 4xx reply, dropped connection before the
  message data) → RETRY; certificate or login problems → BLOCKED; 5xx on MAIL/RCPT/DATA → REJECTED;
* an error once the message data started to go out and before the server's final reply → UNKNOWN;
* 250 after the data → ACCEPTED, ``provider_id`` = the Message-ID header (with its angle brackets).

Connection reuse: one connection is kept open and reused across sends (sends are serialised by a
lock). Before reusing it, an RSET probes it; if that fails (the server closed an idle connection)
a new connection is opened, which is safe because nothing of the new message has been sent yet.
Any exception during a send discards the connection, so a connection in an unknown state is
never reused; a connection idle for longer than ``MAX_IDLE`` seconds is replaced without probing.

Addresses and bodies are never logged, and error messages have addresses redacted.
"""

from __future__ import annotations

import email.errors
import html as html_lib
import logging
import re
import smtplib
import ssl
import threading
import time
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from engage_desktop.domain.messages import DeliveryStatus, OutgoingEmail, SendOutcome, SendResult

log = logging.getLogger(__name__)

# CRLF, 78-column folding, RFC 2047 headers; cte_type 7bit makes set_content pick
# quoted-printable/base64 for non-ASCII bodies instead of 8bit (which needs 8BITMIME).
POLICY = email_policy.SMTP.clone(cte_type="7bit")

ONE_CLICK = "List-Unsubscribe=One-Click"
_ADDRESS_RE = re.compile(r"\S+@\S+")
_URI_FORBIDDEN = re.compile(r"[\s<>\"\x00-\x1f\x7f]")
_MAX_ERROR = 300


class _VerbatimHeader(str):
    """A header value the email package writes as is (folded only between list items).

    The ``email`` policies fold unstructured headers by turning words longer than a line into
    RFC 2047 encoded words, which breaks URIs. A value with a ``name`` and a ``fold`` method is
    stored and serialised untouched (``EmailPolicy.header_store_parse`` / ``_fold``)."""

    name: str

    def __new__(cls, name: str, value: str) -> _VerbatimHeader:
        if not value.isascii() or "\r" in value or "\n" in value:
            raise ValueError(f"{name} must be ASCII on one line")
        self = super().__new__(cls, value)
        self.name = name
        return self

    def fold(self, *, policy) -> str:  # noqa: D401 - the email package's protocol
        items = [item.strip() for item in str(self).split(",")]
        line = f"{self.name}: {items[0]}"
        lines: list[str] = []
        for item in items[1:]:
            if len(line) + 2 + len(item) > (policy.max_line_length or 998):
                lines.append(line + ",")
                line = " " + item
            else:
                line = f"{line}, {item}"
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


def _check_uri(uri: str, scheme: str) -> str:
    uri = uri.strip()
    if not uri.lower().startswith(scheme) or not uri.isascii() or _URI_FORBIDDEN.search(uri):
        raise ValueError(f"invalid unsubscribe URI (expected {scheme}..., ASCII, no spaces or angle brackets)")
    if len(uri) > 900:  # the header line must stay under the 998-octet limit (RFC 5322)
        raise ValueError("unsubscribe URI too long")
    return uri


def _message_id(given: str | None, domain: str) -> str:
    if not given:
        return make_msgid(domain=domain or None)
    given = given.strip()
    if not given.startswith("<"):
        given = f"<{given}>"
    if not given.isascii() or _URI_FORBIDDEN.search(given[1:-1]) or "@" not in given or not given.endswith(">"):
        raise ValueError("invalid Message-ID")
    return given


def _unsubscribe_link(message: OutgoingEmail) -> str | None:
    return message.unsubscribe_url or message.unsubscribe_mailto or None


def _text_footer(message: OutgoingEmail) -> str:
    lines = []
    link = _unsubscribe_link(message)
    if link:
        lines.append(f"Unsubscribe: {link}")
    if message.postal_address.strip():
        lines.extend(line.strip() for line in message.postal_address.strip().splitlines() if line.strip())
    return "\n".join(lines)


def _html_footer(message: OutgoingEmail) -> str:
    parts = []
    link = _unsubscribe_link(message)
    if link:
        parts.append(f'<p><a href="{html_lib.escape(link, quote=True)}">Unsubscribe</a></p>')
    address_lines = [line.strip() for line in message.postal_address.strip().splitlines() if line.strip()]
    if address_lines:
        parts.append("<p>" + "<br>".join(html_lib.escape(line, quote=True) for line in address_lines) + "</p>")
    if not parts:
        return ""
    return '<div class="engage-footer" style="margin-top:24px;font-size:12px;color:#666666;">' + "".join(parts) + "</div>"


def _with_html_footer(document: str, footer: str) -> str:
    if not footer:
        return document
    at = document.lower().rfind("</body>")
    if at < 0:
        return f"{document}\n{footer}\n"
    return f"{document[:at]}{footer}\n{document[at:]}"


def build_email(message: OutgoingEmail, *, domain: str) -> EmailMessage:
    """The MIME message for ``message``; ``domain`` is used for a generated Message-ID.

    Raises ValueError for values that cannot go into a header (line breaks, bad URIs)."""
    msg = EmailMessage(policy=POLICY)
    msg["From"] = message.sender
    msg["To"] = message.to
    if message.reply_to:
        msg["Reply-To"] = message.reply_to
    msg["Subject"] = message.subject
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = _message_id(message.message_id, domain)

    uris = []
    if message.unsubscribe_url:
        url = message.unsubscribe_url.strip()
        uris.append(_check_uri(url, "https://" if url.lower().startswith("https://") else "http://"))
    if message.unsubscribe_mailto:
        uris.append(_check_uri(message.unsubscribe_mailto, "mailto:"))
    if uris:
        msg["List-Unsubscribe"] = _VerbatimHeader("List-Unsubscribe", ", ".join(f"<{uri}>" for uri in uris))
        if message.unsubscribe_url and message.unsubscribe_url.strip().lower().startswith("https://"):
            msg["List-Unsubscribe-Post"] = ONE_CLICK  # RFC 8058: one-click needs an https URI

    text_footer = _text_footer(message)
    text = message.text.rstrip() + ("\n\n" + text_footer if text_footer else "") + "\n"
    msg.set_content(text)
    if message.html is not None:
        msg.add_alternative(_with_html_footer(message.html, _html_footer(message)), subtype="html")
    return msg


def _redact(text: str) -> str:
    text = _ADDRESS_RE.sub("[address]", text)
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 1] + "…"


def _reply_text(resp: bytes | str) -> str:
    if isinstance(resp, bytes):
        resp = resp.decode("utf-8", "replace")
    return " ".join(resp.split())


def _single_address(msg: EmailMessage, header: str) -> str:
    addresses = getattr(msg[header], "addresses", ())
    if len(addresses) != 1 or not isinstance(addresses[0], Address):
        raise ValueError(f"{header} must hold exactly one address")
    addr = addresses[0].addr_spec
    if "@" not in addr or not addr.isascii() or _URI_FORBIDDEN.search(addr):
        raise ValueError(f"{header} is not a usable ASCII address (SMTPUTF8 addresses are not supported)")
    return addr


def _dot_stuff(data: bytes) -> bytes:
    """The DATA payload: leading dots doubled, CRLF-terminated, then the end marker."""
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _sender_domain(sender: str) -> str:
    _, _, domain = sender.rpartition("@")
    return domain.strip().rstrip(">").strip()


class _Blocked(Exception):
    """Raised while connecting when staff must change the settings (no STARTTLS...)."""


class SmtpProvider:
    """An :class:`EmailProvider` over SMTP submission with verified TLS. Thread-safe."""

    name = "smtp"
    delivers = True
    MAX_IDLE = 60.0  # seconds an open connection may sit unused before it is replaced

    def __init__(self, *, host: str, port: int, security: str, username: str | None = None,
                 password: str | None = None, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None) -> None:
        if security not in ("tls", "starttls"):
            raise ValueError(f"security must be 'tls' (implicit TLS) or 'starttls', not {security!r}")
        context = ssl_context if ssl_context is not None else ssl.create_default_context()
        if context.verify_mode != ssl.CERT_REQUIRED or not context.check_hostname:
            raise ValueError("the SSL context must verify certificates (CERT_REQUIRED and check_hostname)")
        self.host = host
        self.port = port
        self.security = security
        self._username = username
        self._password = password
        self._timeout = timeout
        self._context = context
        self._local_hostname = local_hostname
        self._lock = threading.Lock()
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0

    # -- public -------------------------------------------------------------------------------

    def send(self, message: OutgoingEmail) -> SendResult:
        try:
            msg = build_email(message, domain=_sender_domain(message.sender) or self.host)
            envelope_from = _single_address(msg, "From")
            recipient = _single_address(msg, "To")
            message_id = str(msg["Message-ID"])
            payload = _dot_stuff(msg.as_bytes(policy=POLICY))
        except (ValueError, TypeError, IndexError, email.errors.MessageError) as exc:
            return self._result(SendResult(SendOutcome.REJECTED, error_message=_redact(f"The email could not be built: {exc}")))
        with self._lock:
            result, keep = self._transaction(envelope_from, recipient, payload, message_id)
            if keep:
                self._last_used = time.monotonic()
            else:
                self._discard()
        return self._result(result)

    def close(self) -> None:
        with self._lock:
            smtp, self._smtp = self._smtp, None
            if smtp is not None:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()

    def __enter__(self) -> SmtpProvider:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- the transaction ----------------------------------------------------------------------

    def _transaction(self, envelope_from: str, recipient: str, payload: bytes,
                     message_id: str) -> tuple[SendResult, bool]:
        """(result, keep the connection open)."""
        data_started = False
        try:
            smtp = self._connection()
            options = [f"SIZE={len(payload)}"] if smtp.has_extn("size") else []
            code, resp = smtp.mail(envelope_from, options)
            if code != 250:
                return self._refusal("MAIL FROM", code, resp)
            code, resp = smtp.rcpt(recipient)
            if code not in (250, 251):
                return self._refusal("RCPT TO", code, resp)
            code, resp = smtp.docmd("DATA")
            if code != 354:
                return self._refusal("DATA", code, resp)
            data_started = True
            smtp.send(payload)
            code, resp = smtp.getreply()
            if 200 <= code < 300:
                return SendResult(SendOutcome.ACCEPTED, provider_id=message_id, status=DeliveryStatus.SENT), True
            return self._refusal("the message", code, resp)
        except _Blocked as exc:
            return SendResult(SendOutcome.BLOCKED, error_message=_redact(str(exc))), False
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            if data_started:
                return SendResult(SendOutcome.UNKNOWN, error_message=_redact(
                    "The connection failed after the message was sent and before the server confirmed it; "
                    f"it may have been delivered ({self._describe(exc)})")), False
            return self._before_data_failure(exc), False

    def _connection(self) -> smtplib.SMTP:
        smtp = self._smtp
        if smtp is not None:
            if time.monotonic() - self._last_used <= self.MAX_IDLE:
                try:
                    code, _ = smtp.rset()
                    if code == 250:
                        return smtp
                except (smtplib.SMTPException, OSError):
                    pass
            self._discard()
        self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, local_hostname=self._local_hostname,
                                                  timeout=self._timeout, context=self._context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, local_hostname=self._local_hostname, timeout=self._timeout)
        try:
            self._ehlo(smtp)
            if self.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise _Blocked(f"The mail server {self.host}:{self.port} does not offer STARTTLS, so nothing was sent "
                                   "(it is never sent unencrypted). Check the port and security settings "
                                   "(465 = implicit TLS, 587 = STARTTLS).")
                smtp.starttls(context=self._context)
                self._ehlo(smtp)  # the capabilities before TLS must be forgotten (RFC 3207)
            if self._username:
                smtp.login(self._username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    @staticmethod
    def _ehlo(smtp: smtplib.SMTP) -> None:
        code, resp = smtp.ehlo()
        if code != 250:
            raise smtplib.SMTPHeloError(code, resp)

    def _discard(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    # -- outcomes -----------------------------------------------------------------------------

    @staticmethod
    def _refusal(stage: str, code: int, resp: bytes) -> tuple[SendResult, bool]:
        text = _redact(f"The server refused {stage}: {code} {_reply_text(resp)}")
        if code in (530, 535, 534, 538):  # authentication required / failed: an account problem
            return SendResult(SendOutcome.BLOCKED, error_code=str(code), error_message=text), False
        if 400 <= code < 500:
            return SendResult(SendOutcome.RETRY, error_code=str(code), error_message=text), code != 421
        if 500 <= code < 600:
            return SendResult(SendOutcome.REJECTED, error_code=str(code), error_message=text), True
        # A reply outside the protocol: the server is confused; nothing of this message was accepted.
        return SendResult(SendOutcome.RETRY, error_code=str(code), error_message=text), False

    def _before_data_failure(self, exc: Exception) -> SendResult:
        where = f"{self.host}:{self.port}"
        if isinstance(exc, ssl.SSLCertVerificationError):
            return SendResult(SendOutcome.BLOCKED, error_message=_redact(
                f"The certificate of the mail server {where} could not be verified: {exc.verify_message or exc}. "
                "Check the server name, or the certificate authority trusted by this computer."))
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            code = exc.smtp_code
            text = _redact(f"The mail server {where} refused the login: {code} {_reply_text(exc.smtp_error)}")
            outcome = SendOutcome.RETRY if 400 <= code < 500 else SendOutcome.BLOCKED
            return SendResult(outcome, error_code=str(code), error_message=text)
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return SendResult(SendOutcome.BLOCKED, error_message=_redact(
                f"The mail server {where} does not support what is needed: {exc}"))
        if isinstance(exc, smtplib.SMTPResponseException):  # greeting, EHLO, STARTTLS refused
            code = exc.smtp_code
            text = _redact(f"The mail server {where} refused the connection: {code} {_reply_text(exc.smtp_error)}")
            outcome = SendOutcome.RETRY if 400 <= code < 500 or code < 0 else SendOutcome.BLOCKED
            return SendResult(outcome, error_code=str(code) if code > 0 else None, error_message=text)
        # smtplib.SMTPException derives from OSError: the SMTP cases come first.
        if isinstance(exc, smtplib.SMTPException) and not isinstance(exc, smtplib.SMTPServerDisconnected):
            # e.g. "No suitable authentication method found."
            return SendResult(SendOutcome.BLOCKED, error_message=_redact(f"The mail server {where}: {exc}"))
        if isinstance(exc, OSError):  # refused, timeout, TLS handshake, reset, disconnected
            return SendResult(SendOutcome.RETRY, error_message=_redact(
                f"Could not talk to the mail server {where}; nothing was sent ({self._describe(exc)})"))
        log.error("unexpected %s before the message data was sent", type(exc).__name__)  # no text: it may hold addresses
        return SendResult(SendOutcome.RETRY, error_message=_redact(f"Unexpected error; nothing was sent ({self._describe(exc)})"))

    @staticmethod
    def _describe(exc: BaseException) -> str:
        detail = str(exc).strip()
        return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__

    def _result(self, result: SendResult) -> SendResult:
        log.info("smtp send to %s:%s: %s %s", self.host, self.port, result.outcome.value, result.error_code or "")
        return result
