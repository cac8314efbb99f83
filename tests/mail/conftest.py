"""Fixtures: a real SMTP server on loopback, the service configured to mail through it,
accounts of editors, and the mail and digest workers on the test clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation.config import Config
from moderation.db import Database
from moderation.domain import Role
from moderation.models import Account, MailMessage
from moderation.workers.digest import DigestWorker
from moderation.workers.mail import MailWorker
from tests.conftest import FrozenClock
from tests.support.records import add_comment
from tests.support.smtp import SmtpSink

TITLE = "Tempolimit: Was die Zahlen über Unfälle sagen"
COMMENT = "Die Grünen gehören alle weggesperrt.\nUnd zwar für immer."
ILLEGAL = {"category": "illegal", "good_faith": True, "legal_provision": "§ 130 StGB",
           "explanation": "Das ist Volksverhetzung gegen eine ganze Partei.",
           "reporter_name": "Rita Leserin", "reporter_email": "rita@leser.example"}
BASE_URL = "https://moderation.zeitung.example.de"
SENDER = "moderation@zeitung.example.de"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def config(config: Config, sink: SmtpSink) -> Config:
    """The test configuration with mail through ``sink`` (no TLS: it runs on loopback)."""
    return config.replace(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security="none",
                          smtp_timeout_seconds=5.0, mail_from=f"Moderation <{SENDER}>",
                          public_base_url=BASE_URL)


AddAccount = Callable[..., Account]


@pytest.fixture
def add_account(database: Database, clock: FrozenClock) -> AddAccount:
    """Write a workspace account (no password: these tests never sign in)."""

    def add(email: str, name: str = "Anna Schäfer", role: Role = Role.EDITOR,
            locale: str = "de", disabled: bool = False) -> Account:
        with database.transaction() as session:
            account = Account(email=email, name=name, role=role, password_hash="-",
                              locale=locale, created_at=clock(),
                              disabled_at=clock() if disabled else None)
            session.add(account)
        return account

    return add


@pytest.fixture
def mailer(database: Database, config: Config, clock: FrozenClock) -> MailWorker:
    return MailWorker(database, config, clock, worker_id="brieftraeger")


@pytest.fixture
def digester(database: Database, config: Config, clock: FrozenClock) -> DigestWorker:
    return DigestWorker(database, config, clock, worker_id="uebersicht")


@pytest.fixture
def comment_id(database: Database, clock: FrozenClock) -> str:
    """A published comment on an article with a title."""
    with database.transaction() as session:
        comment = add_comment(session, clock(), body=COMMENT, author_name="Bernd Brause",
                              author_email="bernd@autor.example")
        comment.article.title = TITLE
        return comment.public_id


def report(client: FlaskClient, comment_id: str, **fields: Any) -> dict[str, Any]:
    """A reader's report through the public API (illegal content, unless ``fields`` say)."""
    response = client.post(f"/v1/comments/{comment_id}/reports", json={**ILLEGAL, **fields})
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()


def outbox(database: Database) -> list[MailMessage]:
    """Every mail on record, oldest first."""
    with database.transaction() as session:
        return list(session.scalars(select(MailMessage).order_by(MailMessage.id)))
