"""Handing mails to the newsroom's SMTP server (standard library only)."""

from __future__ import annotations

import enum
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import Message


class Security(enum.StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"  # plain connection, upgraded to TLS before anything is said
    SSL = "ssl"  # TLS from the start ("SMTPS", port 465)
    NONE = "none"  # no TLS: only for a relay on the same host or a local test sink


DEFAULT_PORTS = {Security.STARTTLS: 587, Security.SSL: 465, Security.NONE: 25}


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0


def send(server: SmtpServer, mails: Sequence[Message],
         tls: ssl.SSLContext) -> list[str | None]:
    """Hand ``mails`` to ``server`` over one connection. For each mail: ``None`` when the
    server accepted it, else what went wrong. A mail the server refuses leaves the others
    to go; a connection, TLS or sign-in failure is every remaining mail's."""
    outcomes: list[str | None] = []
    try:
        with _connect(server, tls) as connection:
            for mail in mails:
                outcomes.append(_send_one(connection, mail))
    except (OSError, smtplib.SMTPException) as error:  # SMTPException is an OSError too
        outcomes += [describe(error)] * (len(mails) - len(outcomes))
    return outcomes


def _connect(server: SmtpServer, tls: ssl.SSLContext) -> smtplib.SMTP:
    if server.security is Security.SSL:
        connection: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, context=tls,
                                                    timeout=server.timeout_seconds)
    else:
        connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout_seconds)
    try:
        if server.security is Security.STARTTLS:
            # Fails when the server offers no STARTTLS: a mail never goes out in clear text
            # to a server that was meant to be reached over TLS.
            connection.starttls(context=tls)
        if server.user:
            connection.login(server.user, server.password or "")
    except BaseException:
        connection.close()
        raise
    return connection


class Refusal(str):
    """The server's refusal of one mail, for its recipient (at RCPT) or its content (at
    DATA), described like any error. A permanent one (5xx) says that this address takes no
    mail from us; a refused sender or a failed sign-in is ours, and no ``Refusal``."""

    code: int

    def __new__(cls, described: str, code: int) -> Refusal:
        refusal = super().__new__(cls, described)
        refusal.code = code
        return refusal

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


def _send_one(connection: smtplib.SMTP, mail: Message) -> str | None:
    # smtplib resets the transaction after each refusal: the connection goes on.
    try:
        connection.send_message(mail)
    except smtplib.SMTPRecipientsRefused as error:
        [(code, _said), *_] = error.recipients.values()
        return Refusal(describe(error), code)
    except smtplib.SMTPDataError as error:
        return Refusal(describe(error), error.smtp_code)
    except smtplib.SMTPSenderRefused as error:
        return describe(error)
    return None


def describe(error: BaseException) -> str:
    """What went wrong, in one line for the outbox: the server's code and words, or the
    network's error. Never the password: no error smtplib raises carries it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
        if answers:
            code, said = answers[0]
            return _answer(code, said)
    if isinstance(error, smtplib.SMTPResponseException):
        return _answer(error.smtp_code, error.smtp_error)
    return f"{type(error).__name__}: {error}".splitlines()[0][:500]


def _answer(code: int, said: bytes | str) -> str:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else said
    return f"SMTP {code} {' '.join(text.split())}"[:500]
