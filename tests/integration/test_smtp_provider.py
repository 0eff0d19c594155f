"""SmtpProvider against a real SMTP server (aiosmtpd) on 127.0.0.1, with a throwaway CA (trustme)."""

from __future__ import annotations

import asyncio
import email
import ssl
import time
from contextlib import contextmanager
from email import policy

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from engage_desktop.domain.messages import DeliveryStatus, OutgoingEmail, SendOutcome
from engage_desktop.messaging.smtp import SmtpProvider, build_email
from tests.servers import free_port

PATIENT = "maria.nunez@patients.example"
POSTAL = "Smile & Sons Dental <Suite 5>\n1 Main St, Springfield, IL 62701"
UNSUB = "https://unsub.smile.example/u/" + "t0k3n" * 20  # long: must not become an encoded word
MAILTO = "mailto:unsubscribe@smile.example?subject=unsubscribe"


def outgoing(**overrides) -> OutgoingEmail:
    values = dict(
        to=f"María Núñez <{PATIENT}>",
        subject="Recordatorio: su cita de mañana con la Dra. Peña",
        text="Hola María,\nle recordamos su cita de mañana.\n.line starting with a dot\n",
        html="<html><body><p>Hola María,</p><p>le recordamos su cita de mañana.</p></body></html>",
        sender="Clínica José <frontdesk@smile.example>",
        reply_to="Recepción <reception@smile.example>",
        unsubscribe_url=UNSUB,
        unsubscribe_mailto=MAILTO,
        postal_address=POSTAL,
    )
    values.update(overrides)
    return OutgoingEmail(**values)


class Capture:
    """Records what the server saw; can refuse RCPT, hang in DATA or drop the connection."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.sessions: list[object] = []
        self.servers: list[object] = []
        self.mail_commands = 0
        self.rcpt_reply: str | None = None
        self.data_delay = 0.0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_commands += 1
        if not any(s is session for s in self.sessions):
            self.sessions.append(session)
            self.servers.append(server)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 2.0.0 Message accepted for delivery"


class Authenticator:
    def __init__(self, user: str = "frontdesk", password: str = "s3cret") -> None:
        self.user, self.password, self.calls = user.encode(), password.encode(), 0

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.calls += 1
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


@pytest.fixture(scope="module")
def client_tls(ca):
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


@contextmanager
def smtp_server(handler, **kwargs):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="mail.test", **kwargs)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def provider(port: int, ctx: ssl.SSLContext, security: str = "starttls", **kwargs) -> SmtpProvider:
    kwargs.setdefault("timeout", 5.0)
    return SmtpProvider(host="127.0.0.1", port=port, security=security, ssl_context=ctx, local_hostname="client.test", **kwargs)


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


# -- TLS modes --------------------------------------------------------------------------------


def test_starttls_delivers_a_compliant_message(server_tls, client_tls):
    handler = Capture()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port, provider(port, client_tls) as smtp:
        result = smtp.send(outgoing())

    assert result.outcome is SendOutcome.ACCEPTED and result.status is DeliveryStatus.SENT
    assert len(handler.messages) == 1
    assert handler.envelopes == [("frontdesk@smile.example", [PATIENT])]
    assert handler.sessions[0].ssl is not None  # the message went over TLS

    raw = handler.messages[0]
    assert raw.isascii()  # 7-bit clean: no 8BITMIME/SMTPUTF8 needed
    msg = parsed(raw)
    assert msg["Message-ID"] == result.provider_id and result.provider_id.endswith("@smile.example>")
    assert msg["Subject"] == "Recordatorio: su cita de mañana con la Dra. Peña"
    assert msg["From"].addresses[0].display_name == "Clínica José"
    assert msg["To"].addresses[0].display_name == "María Núñez"
    assert msg["Reply-To"].addresses[0].addr_spec == "reception@smile.example"
    assert msg["Date"].datetime is not None
    assert str(msg["List-Unsubscribe"]) == f"<{UNSUB}>, <{MAILTO}>"
    raw_header = raw.split(b"\r\nList-Unsubscribe: ")[1].split(b"\r\nList-Unsubscribe-Post:")[0]
    assert UNSUB.encode() in raw_header and b"=?" not in raw_header  # written as is, not as an encoded word
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert msg.get_content_type() == "multipart/alternative"
    text_part, html_part = msg.get_payload()
    assert text_part.get_content_type() == "text/plain" and html_part.get_content_type() == "text/html"
    text, html = text_part.get_content(), html_part.get_content()
    assert "Hola María" in text and "\n.line starting with a dot" in text  # dot-stuffing undone by the server
    assert f"Unsubscribe: {UNSUB}" in text
    assert "Smile & Sons Dental <Suite 5>" in text and "1 Main St, Springfield, IL 62701" in text
    assert f'<a href="{UNSUB}">Unsubscribe</a>' in html
    assert "Smile &amp; Sons Dental &lt;Suite 5&gt;" in html and "<Suite 5>" not in html
    assert "1 Main St, Springfield, IL 62701" in html
    assert html.index("Unsubscribe") < html.index("</body>")  # the footer goes inside the body


def test_implicit_tls(server_tls, client_tls):
    handler = Capture()
    with smtp_server(handler, ssl_context=server_tls) as port, provider(port, client_tls, security="tls") as smtp:
        result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.ACCEPTED
    assert len(handler.messages) == 1


def test_auth_over_starttls_good_password(server_tls, client_tls):
    handler, auth = Capture(), Authenticator()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True, authenticator=auth,
                     auth_required=True, auth_require_tls=True) as port:
        with provider(port, client_tls, username="frontdesk", password="s3cret") as smtp:
            result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.ACCEPTED
    assert auth.calls == 1 and len(handler.messages) == 1


def test_auth_bad_password_is_blocked(server_tls, client_tls):
    handler, auth = Capture(), Authenticator()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True, authenticator=auth,
                     auth_required=True, auth_require_tls=True) as port:
        with provider(port, client_tls, username="frontdesk", password="wrong") as smtp:
            result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.BLOCKED
    assert result.error_code == "535"
    assert handler.mail_commands == 0 and handler.messages == []


def test_server_without_starttls_is_blocked_and_nothing_goes_in_clear(client_tls):
    handler, auth = Capture(), Authenticator()
    # AUTH offered in clear text: the client must still neither log in nor send.
    with smtp_server(handler, authenticator=auth, auth_require_tls=False) as port:
        with provider(port, client_tls, username="frontdesk", password="s3cret") as smtp:
            result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.BLOCKED
    assert "STARTTLS" in result.error_message
    assert auth.calls == 0 and handler.mail_commands == 0 and handler.messages == []


def test_untrusted_certificate_is_blocked(server_tls):
    other = ssl.create_default_context()
    trustme.CA().configure_trust(other)  # trusts a different CA
    handler = Capture()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port, provider(port, other) as smtp:
        result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.BLOCKED
    assert "certificate" in result.error_message.lower()
    assert handler.messages == []


def test_wrong_hostname_is_blocked(ca, client_tls):
    wrong = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("mail.elsewhere.example").configure_cert(wrong)
    handler = Capture()
    with smtp_server(handler, ssl_context=wrong) as port, provider(port, client_tls, security="tls") as smtp:
        result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.BLOCKED
    assert "certificate" in result.error_message.lower()
    assert handler.messages == []


def test_only_verifying_tls_is_accepted():
    with pytest.raises(ValueError):
        SmtpProvider(host="127.0.0.1", port=25, security="none")
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    with pytest.raises(ValueError):
        SmtpProvider(host="127.0.0.1", port=465, security="tls", ssl_context=unverified)


# -- outcomes ---------------------------------------------------------------------------------


def test_rcpt_550_is_rejected_without_the_address(server_tls, client_tls):
    handler = Capture()
    handler.rcpt_reply = f"550 5.1.1 <{PATIENT}>: Recipient address rejected"
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port, provider(port, client_tls) as smtp:
        result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.REJECTED and result.error_code == "550"
    assert PATIENT not in result.error_message and "@" not in result.error_message
    assert "Recipient address rejected" in result.error_message
    assert handler.messages == []


def test_rcpt_451_is_retry(server_tls, client_tls):
    handler = Capture()
    handler.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port, provider(port, client_tls) as smtp:
        result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.RETRY and result.error_code == "451"
    assert handler.messages == []


def test_connection_refused_is_retry(client_tls):
    with provider(free_port(), client_tls) as smtp:
        result = smtp.send(outgoing())
    assert result.outcome is SendOutcome.RETRY
    assert "nothing was sent" in result.error_message


def test_timeout_after_data_is_unknown(server_tls, client_tls):
    handler = Capture()
    handler.data_delay = 2.0
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port:
        with provider(port, client_tls, timeout=0.8) as smtp:
            started = time.monotonic()
            result = smtp.send(outgoing())
            elapsed = time.monotonic() - started
    assert result.outcome is SendOutcome.UNKNOWN
    assert len(handler.messages) == 1  # it did reach the server
    assert PATIENT not in result.error_message
    assert elapsed < 2.0


# -- connection reuse -------------------------------------------------------------------------


def test_one_connection_serves_several_sends(server_tls, client_tls):
    handler = Capture()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port, provider(port, client_tls) as smtp:
        first = smtp.send(outgoing())
        second = smtp.send(outgoing(to="other@patients.example", message_id="outbox-42@engage.local"))
    assert first.outcome is second.outcome is SendOutcome.ACCEPTED
    assert second.provider_id == "<outbox-42@engage.local>"
    assert len(handler.messages) == 2 and len(handler.sessions) == 1
    assert handler.envelopes[1] == ("frontdesk@smile.example", ["other@patients.example"])


def test_reconnects_after_the_server_drops_the_connection(server_tls, client_tls):
    handler = Capture()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="mail.test",
                            tls_context=server_tls, require_starttls=True)
    controller.start()
    try:
        with provider(port, client_tls) as smtp:
            assert smtp.send(outgoing()).outcome is SendOutcome.ACCEPTED
            server = handler.servers[0]
            controller.loop.call_soon_threadsafe(server.transport.close)  # like an idle timeout
            time.sleep(0.2)
            result = smtp.send(outgoing())
    finally:
        controller.stop()
    assert result.outcome is SendOutcome.ACCEPTED
    assert len(handler.messages) == 2 and len(handler.sessions) == 2


def test_a_rejection_keeps_the_connection_usable(server_tls, client_tls):
    handler = Capture()
    with smtp_server(handler, tls_context=server_tls, require_starttls=True) as port, provider(port, client_tls) as smtp:
        handler.rcpt_reply = "550 5.1.1 User unknown"
        assert smtp.send(outgoing()).outcome is SendOutcome.REJECTED
        handler.rcpt_reply = None
        assert smtp.send(outgoing()).outcome is SendOutcome.ACCEPTED
    assert len(handler.messages) == 1 and len(handler.sessions) == 1


# -- build_email on its own -------------------------------------------------------------------


def test_text_only_message_and_no_one_click_without_https():
    msg = build_email(outgoing(html=None, unsubscribe_url="http://unsub.smile.example/u/abc", message_id="abc@x"),
                      domain="smile.example")
    assert msg.get_content_type() == "text/plain"
    assert msg["Message-ID"] == "<abc@x>"
    assert msg["List-Unsubscribe"] == f"<http://unsub.smile.example/u/abc>, <{MAILTO}>"
    assert msg["List-Unsubscribe-Post"] is None
    assert "Unsubscribe: http://unsub.smile.example/u/abc" in msg.get_content()


def test_mailto_only_and_footer_appended_without_body_tag():
    msg = build_email(outgoing(unsubscribe_url=None, html="<p>Hi</p>"), domain="smile.example")
    assert msg["List-Unsubscribe"] == f"<{MAILTO}>" and msg["List-Unsubscribe-Post"] is None
    html = msg.get_payload()[1].get_content()
    assert html.startswith("<p>Hi</p>") and f'href="{MAILTO}"' in html
    assert msg["Message-ID"].endswith("@smile.example>")


def test_header_injection_is_refused():
    with pytest.raises(ValueError):
        build_email(outgoing(subject="Hi\r\nBcc: everyone@example.com"), domain="smile.example")
    with pytest.raises(ValueError):
        build_email(outgoing(unsubscribe_url="https://x.example/a b"), domain="smile.example")
