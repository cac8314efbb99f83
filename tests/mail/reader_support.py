"""Helpers of the readers' notification tests: an article with a title and a URL, comments
submitted with ``notify``, the mails the loopback SMTP server received, taken apart."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from moderation.db import Database
from moderation.models import Article, ReaderAddress
from tests.conftest import FrozenClock
from tests.support.http import QUEUE, json_of
from tests.support.smtp import SmtpSink

ARTICLE_KEY = "stadtgruen-2026"
TITLE = "Größere Städte, grünere Straßen"
ARTICLE_URL = "https://zeitung.example.de/artikel/stadtgruen"
EMAIL = "juergen.mueller@leser.example"
LINK = re.compile(r"/v1/notifications/(confirm|unsubscribe|data)/([A-Za-z0-9_-]+)")


def add_article(database: Database, clock: FrozenClock) -> None:
    with database.transaction() as session:
        session.add(Article(key=ARTICLE_KEY, title=TITLE, url=ARTICLE_URL,
                            created_at=clock(), updated_at=clock()))


def submit(client: FlaskClient, body: str = "Mehr Bäume, weniger Hitze: gut so!",
           **fields: Any) -> dict[str, Any]:
    payload = {"author_name": "Jürgen Müller", "author_email": EMAIL, "notify": True,
               "body": body, **fields}
    return json_of(client.post(f"/v1/articles/{ARTICLE_KEY}/comments", json=payload), 202)


def decide(client: FlaskClient, editor: dict[str, str], comment_id: str, action: str,
           **fields: Any) -> dict[str, Any]:
    """An editor's decision through the API: the one decision path."""
    return json_of(client.post(f"{QUEUE}/{comment_id}/{action}", headers=editor, json=fields))


def plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html(mail: EmailMessage) -> str:
    return mail.get_body(("html",)).get_content().replace("\r\n", "\n")


def token_in(mail: EmailMessage, kind: str = "confirm") -> str:
    [token] = {found for what, found in LINK.findall(plain(mail)) if what == kind}
    return token


def address(database: Database, email: str = EMAIL) -> ReaderAddress | None:
    with database.transaction() as session:
        return session.scalar(select(ReaderAddress).where(ReaderAddress.email == email))


def confirmed(client: FlaskClient, mailer: Any, sink: SmtpSink) -> str:
    """Opt in with a first comment, confirm with the mail's link; returns the token."""
    submit(client, "Erster Kommentar: Schattenplätze fehlen überall.")
    mailer.run_once()
    token = token_in(sink.received[-1].message)
    response = client.post(f"/v1/notifications/confirm/{token}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return token
