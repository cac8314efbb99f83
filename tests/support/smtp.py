"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and can be told to
refuse, to require STARTTLS and a sign-in, or to be down."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class SmtpSink:
    """``answers`` are said, in turn, to the next mails' DATA instead of accepting them
    (e.g. ``"451 4.3.0 Bitte später"``; the mails so refused are kept in ``refused``).
    With ``tls`` the server requires STARTTLS, or speaks TLS from the start
    (``implicit_tls``); ``login`` is the only user and password it accepts."""

    port: int = field(default_factory=free_port)
    tls: ssl.SSLContext | None = None
    implicit_tls: bool = False
    login: tuple[str, str] | None = None
    received: list[Received] = field(default_factory=list)
    refused: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    _controller: Controller | None = None

    def start(self) -> SmtpSink:
        options: dict[str, Any] = {}
        if self.tls is not None and self.implicit_tls:
            options.update(ssl_context=self.tls)
        elif self.tls is not None:
            options.update(tls_context=self.tls, require_starttls=True)
        if self.login is not None:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                      server_hostname="smtp.example.test", **options)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content
        mail = Received(envelope.mail_from, list(envelope.rcpt_tos), raw,
                        message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        if self.answers:
            self.refused.append(mail)
            return self.answers.pop(0)
        self.received.append(mail)
        return "250 2.0.0 OK"

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, _mechanism: str,
                      data: Any) -> AuthResult:
        given = (data.login.decode(), data.password.decode()) \
            if isinstance(data, LoginPassword) else None
        # handled=False: aiosmtpd then answers the refusal itself (535).
        return AuthResult(success=given == self.login, handled=False)
