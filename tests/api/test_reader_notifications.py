"""The contract of readers' notifications over HTTP: ``notify`` and ``language`` on a
comment and ``notification`` in the answer; the pages behind the mails' links (a GET never
changes anything, a POST does; unknown links are a 404 page; a strict CSP); the one-click
unsubscribe of RFC 8058; suppressions reported by an MTA through the admin API or the CLI."""

from __future__ import annotations

import secrets

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from moderation.cli import main
from moderation.models import AuditEvent, ReaderAddress, ReaderSubscription
from moderation.readers.pages import READER_CSP
from tests.support.http import assert_error, json_of, post_comment
from tests.support.records import add_comment

EMAIL = "grete.koehler@leser.example"


@pytest.fixture
def reader(database, clock) -> ReaderAddress:
    """An address that opted in with one comment and has not confirmed yet."""
    with database.transaction() as session:
        comment = add_comment(session, clock(), author_name="Grete Köhler", author_email=EMAIL,
                              body="Schöne Grüße an die Redaktion!")
        address = ReaderAddress(email=EMAIL, language="de", token=secrets.token_urlsafe(32),
                                created_at=clock(), updated_at=clock())
        session.add(address)
        session.flush()
        session.add(ReaderSubscription(comment_id=comment.id, reader_address_id=address.id,
                                       created_at=clock()))
    return address


def stored(database) -> ReaderAddress:
    with database.transaction() as session:
        return session.scalars(select(ReaderAddress)).one()


def test_notify_without_an_email_is_refused_on_the_notify_field(client):
    body = assert_error(post_comment(client, notify=True), 422, "validation_failed")
    assert list(body["errors"]) == ["notify"]
    body = assert_error(post_comment(client, notify=True, author_email=EMAIL, language="fr"),
                        422, "validation_failed")
    assert list(body["errors"]) == ["language"]


def test_the_answer_says_what_became_of_notify(client):
    assert json_of(post_comment(client), 202)["notification"] is None
    # This service has no SMTP server: the wish is answered, and nothing is stored.
    answer = json_of(post_comment(client, notify=True, author_email=EMAIL, language="en"), 202)
    assert answer["notification"] == "unavailable"


def test_a_get_of_the_confirmation_link_only_asks_and_the_post_confirms(client, reader,
                                                                         database, clock):
    page = client.get(f"/v1/notifications/confirm/{reader.token}")

    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == READER_CSP
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    text = page.get_data(as_text=True)
    assert '<html lang="de">' in text and "Ja, benachrichtige mich" in text
    assert f'action="/v1/notifications/confirm/{reader.token}?lang=de"' in text
    assert stored(database).confirmed_at is None

    done = client.post(f"/v1/notifications/confirm/{reader.token}")
    assert done.status_code == 200 and "Bestätigt" in done.get_data(as_text=True)
    assert stored(database).confirmed_at == clock()


def test_unknown_or_malformed_links_are_a_404_page(client, reader):
    for path in ("confirm/" + "x" * 43, "unsubscribe/kurz", "data/" + "ü" * 30,
                 "confirm/" + "a" * 300):
        response = client.get(f"/v1/notifications/{path}")
        assert response.status_code == 404, path
        assert "Link nicht gefunden" in response.get_data(as_text=True)
    response = client.post(f"/v1/notifications/unsubscribe/{'y' * 43}",
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 404
    english = client.get(f"/v1/notifications/confirm/{'x' * 43}?lang=en")
    assert "Link not found" in english.get_data(as_text=True)


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "multipart/form-data"])
def test_one_click_unsubscribe_takes_the_rfc_8058_post_without_cookie_or_page(
        client, reader, database, content_type):
    response = client.post(f"/v1/notifications/unsubscribe/{reader.token}",
                           data={"List-Unsubscribe": "One-Click"}, content_type=content_type)

    assert response.status_code == 200
    address = stored(database)
    assert (address.suppressed_reason, address.confirmed_at) == ("unsubscribed", None)
    # Confirming afterwards changes nothing: the reader said no.
    client.post(f"/v1/notifications/confirm/{reader.token}")
    assert stored(database).confirmed_at is None


def test_an_unsubscribe_post_without_the_one_click_field_is_refused(client, reader, database):
    response = client.post(f"/v1/notifications/unsubscribe/{reader.token}",
                           data={"List-Unsubscribe": "Bitte"})
    body = assert_error(response, 422, "validation_failed")
    assert list(body["errors"]) == ["List-Unsubscribe"]
    assert_error(client.post(f"/v1/notifications/unsubscribe/{reader.token}", json={}),
                 422, "validation_failed")
    assert stored(database).suppressed_at is None
    page = client.get(f"/v1/notifications/unsubscribe/{reader.token}?lang=en")
    text = page.get_data(as_text=True)
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in text
    assert "No more mail" in text
    assert_error(client.get(f"/v1/notifications/unsubscribe/{reader.token}?lang=xx"),
                 422, "validation_failed")


def test_the_data_page_lists_what_is_stored_for_the_address(client, reader, database):
    page = client.get(f"/v1/notifications/data/{reader.token}")

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert EMAIL in text and "nicht bestätigt – keine Benachrichtigungen" in text
    assert "ki-im-alltag" in text and "veröffentlicht" in text
    assert f'action="/v1/notifications/unsubscribe/{reader.token}?lang=de"' in text

    download = client.get(f"/v1/notifications/data/{reader.token}?format=json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    exported = download.get_json()
    assert exported["comments"][0]["body"] == "Schöne Grüße an die Redaktion!"
    assert exported["notifications"]["email"] == EMAIL
    with database.transaction() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions == ["privacy.exported", "privacy.exported"]


def test_an_mta_reports_a_bounce_through_the_admin_api(client, admin, editor, reader, database):
    assert_error(client.post("/v1/admin/mail/suppressions", headers=editor,
                             json={"email": EMAIL}), 403, "forbidden")
    assert_error(client.post("/v1/admin/mail/suppressions", headers=admin,
                             json={"email": "kein-mail", "reason": "bounced"}),
                 422, "validation_failed")

    answer = json_of(client.post("/v1/admin/mail/suppressions", headers=admin,
                                 json={"email": EMAIL.upper(), "reason": "complaint"}))

    assert answer["reason"] == "complaint"
    assert stored(database).suppressed_reason == "complaint"
    with database.transaction() as session:
        [event] = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "mail.suppressed")).all()
    assert (event.actor, event.details) == ("key:chefin", {"reason": "complaint",
                                                           "cancelled": 0})
    assert EMAIL not in str(event.details) and EMAIL not in (event.target or "")


def test_the_command_line_suppresses_an_address_nobody_opted_in_with(database_url, database):
    env = {"MODERATION_DATABASE_URL": database_url}
    result = CliRunner().invoke(main, ["mail", "suppress", "Bounce@Leser.Example"], env=env)

    assert result.exit_code == 0, result.output
    assert "bounced" in result.output
    refused = CliRunner().invoke(main, ["mail", "suppress", "kein-mail"], env=env)
    assert refused.exit_code == 2
    address = stored(database)
    assert (address.email, address.suppressed_reason) == ("Bounce@Leser.Example", "bounced")
    with database.transaction() as session:
        assert session.scalars(select(AuditEvent.actor)).all() == ["cli"]


def test_the_data_page_names_an_article_by_its_title(client, editor, reader):
    client.patch("/v1/moderation/articles/ki-im-alltag", headers=editor,
                 json={"title": "KI im Alltag: Was Sprachmodelle können"})

    text = client.get(f"/v1/notifications/data/{reader.token}").get_data(as_text=True)

    assert "<td>KI im Alltag: Was Sprachmodelle können</td>" in text
