"""Handing mails to a real SMTP server on loopback: TLS as configured or nothing, a sign-in
only over TLS, a refusal per mail, an outage for all."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import trustme

from moderation.mail import message, smtp
from moderation.mail.smtp import Security, SmtpServer
from tests.support.smtp import SmtpSink

LOGIN = ("redaktion", "geheim-und-lang")


def mail(to: str = "anna@zeitung.example.de", subject: str = "Grüße") -> message.Message:
    return message.build(sender=message.sender_address("Moderation <m@zeitung.example.de>"),
                         recipient=to, recipient_name="Anna", subject=subject,
                         body="Größe und Grüße.\n", dedupe_key=f"test:{to}:{subject}",
                         written_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def tls_sink(ca: trustme.CA, **options) -> SmtpSink:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return SmtpSink(tls=context, **options).start()


@pytest.fixture
def starttls_sink(ca) -> Iterator[SmtpSink]:
    sink = tls_sink(ca, login=LOGIN)
    yield sink
    sink.stop()


def server(sink: SmtpSink, security: Security = Security.STARTTLS, login=LOGIN) -> SmtpServer:
    user, password = login if login else (None, None)
    return SmtpServer("127.0.0.1", sink.port, security, user, password, timeout_seconds=5)


def test_starttls_and_a_sign_in_deliver_the_mail(starttls_sink, trusting):
    assert smtp.send(server(starttls_sink), [mail()], trusting) == [None]

    [received] = starttls_sink.received
    assert received.message["Subject"] == "Grüße"
    assert received.message.get_content() == "Größe und Grüße.\r\n"


def test_a_certificate_nobody_vouches_for_stops_the_mail_before_anything_is_said(
        starttls_sink):
    untrusting = ssl.create_default_context()  # the system's CAs know no test CA

    [error] = smtp.send(server(starttls_sink), [mail()], untrusting)

    assert error.startswith("SSLCertVerificationError")
    assert starttls_sink.received == []


def test_a_server_without_starttls_gets_nothing_in_clear_text(sink, trusting):
    [error] = smtp.send(server(sink, login=None), [mail()], trusting)

    assert "STARTTLS extension not supported" in error
    assert sink.received == []


def test_a_wrong_password_is_every_mail_s_error_and_the_password_is_in_none(
        starttls_sink, trusting):
    errors = smtp.send(server(starttls_sink, login=("redaktion", "falsch-geraten")),
                       [mail(), mail(subject="Zweite")], trusting)

    assert errors[0] == errors[1]
    assert errors[0].startswith("SMTP 535")
    assert "falsch-geraten" not in errors[0]
    assert starttls_sink.received == []


def test_tls_from_the_start(ca, trusting):
    sink = tls_sink(ca, implicit_tls=True)
    try:
        assert smtp.send(server(sink, Security.SSL, login=None), [mail()], trusting) == [None]
    finally:
        sink.stop()
    assert len(sink.received) == 1


def test_the_password_never_shows_in_the_server_s_settings():
    settings = SmtpServer("smtp.example.de", 587, Security.STARTTLS, "redaktion", "geheim")
    assert "geheim" not in repr(settings)
