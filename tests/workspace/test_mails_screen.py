"""Editors' mails in the workspace: each person's own notification settings on the account
page (audited as the person), and the admins' outbox at /redaktion/mails with a dead mail
sent again."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from moderation import jobs
from moderation.models import Account, AuditEvent, Job, MailMessage, ReaderAddress
from moderation.services import mail_outbox, notifications
from tests.workspace.conftest import post_form

ACCOUNT = "/redaktion/konto"
MAILS = "/redaktion/mails"


def settings_of(database, email: str) -> notifications.Preferences:
    with database.transaction() as session:
        account = session.scalar(select(Account).where(Account.email == email))
        return notifications.preferences(session, account)


def audit_of(database, action: str) -> list[tuple[str, str | None, dict | None]]:
    with database.transaction() as session:
        return [(e.actor, e.target, e.details) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_the_account_page_shows_the_persons_mail_settings(editor_browser):
    html = editor_browser.get(ACCOUNT).get_data(as_text=True)

    assert "Benachrichtigungen per E-Mail" in html
    assert 'name="immediate" value="1" aria-describedby="immediate-hint" checked' in html
    assert '<option value="off" selected>' in html
    assert "Täglich um 7:00 Uhr" in html
    assert "Noch ist kein Mailserver eingerichtet" in html


def test_an_editor_changes_her_own_settings_audited_as_herself(editor_browser, database):
    response = post_form(editor_browser, "/redaktion/konto/benachrichtigungen",
                         {"digest": "daily"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        "/redaktion/konto?benachrichtigungen=gespeichert#notifications-heading")
    saved = settings_of(database, "anna@zeitung.de")
    assert (saved.immediate, saved.digest) == (False, notifications.DigestFrequency.DAILY)
    page = editor_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ihre Benachrichtigungen wurden gespeichert" in page
    assert '<option value="daily" selected>' in page
    assert audit_of(database, "account.notifications_changed") == [
        ("user:anna@zeitung.de", "user:anna@zeitung.de",
         {"immediate": False, "digest": "daily"})]


@pytest.mark.parametrize("data", [{"digest": "weekly"}, {"digest": ""}, {},
                                  {"digest": "off", "immediate": "vielleicht"},
                                  {"digest": "off\x00"}])
def test_invalid_settings_change_nothing_and_say_so(editor_browser, database, data):
    response = post_form(editor_browser, "/redaktion/konto/benachrichtigungen", data)

    assert response.headers["Location"].endswith("benachrichtigungen=fehler#notifications-heading")
    assert "ließen sich nicht speichern" in editor_browser.get(
        response.headers["Location"]).get_data(as_text=True)
    assert settings_of(database, "anna@zeitung.de") == notifications.DEFAULT
    assert audit_of(database, "account.notifications_changed") == []


def test_settings_without_the_csrf_token_are_refused(editor_browser, database):
    response = editor_browser.post("/redaktion/konto/benachrichtigungen",
                                   data={"digest": "hourly"})

    assert response.status_code == 403
    assert settings_of(database, "anna@zeitung.de") == notifications.DEFAULT


@pytest.fixture
def dead_mail(database, clock, editor_account) -> int:
    """A report alert to Anna that the SMTP server refused until it was given up."""
    with database.transaction() as session:
        account = session.get(Account, editor_account.id)
        mail_outbox.queue(session, account, kind="report_alert",
                          subject="Meldung: möglicherweise rechtswidriger Kommentar",
                          body="…", dedupe_key="report:1:anna", now=clock())
        mail = session.scalars(select(MailMessage)).one()
        mail.status, mail.attempts = mail_outbox.FAILED, 7
        mail.last_error = "SMTP 550 5.1.1 Postfach voll"
        session.execute(delete(Job))
        return mail.id


def test_editors_may_not_open_the_outbox(editor_browser, dead_mail):
    assert editor_browser.get(MAILS).status_code == 403
    assert post_form(editor_browser, f"{MAILS}/{dead_mail}/erneut").status_code == 403


def test_the_outbox_shows_a_dead_mail_with_its_error(admin_browser, dead_mail):
    html = admin_browser.get(MAILS).get_data(as_text=True)

    assert f'id="mail-{dead_mail}" data-state="failed"' in html
    assert "SMTP 550 5.1.1 Postfach voll" in html and "aufgegeben" in html
    assert "Meldung: möglicherweise rechtswidriger Kommentar" in html
    assert 'data-state="failed"' in admin_browser.get(f"{MAILS}?status=failed").get_data(
        as_text=True)
    assert 'data-state="' not in admin_browser.get(f"{MAILS}?status=queued").get_data(
        as_text=True)


def test_an_admin_sends_a_dead_mail_again(admin_browser, dead_mail, database):
    response = post_form(admin_browser, f"{MAILS}/{dead_mail}/erneut", page=MAILS)

    assert response.headers["Location"] == f"{MAILS}?geaendert=erneut"
    html = admin_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Die Mail wird erneut gesendet" in html
    assert f'id="mail-{dead_mail}" data-state="queued"' in html
    with database.transaction() as session:
        assert session.scalars(select(Job.subject_id).where(
            Job.kind == jobs.SEND_MAIL)).all() == [dead_mail]
    assert audit_of(database, "mail.retried") == [
        ("user:chefin@zeitung.de", f"mail:{dead_mail}", {"kind": "report_alert"})]

    again = post_form(admin_browser, f"{MAILS}/{dead_mail}/erneut", page=MAILS)
    assert again.status_code == 409
    assert "Nur eine aufgegebene Mail" in again.get_data(as_text=True)


@pytest.mark.parametrize("mail_id", ["12345", "99999999999999999999999", "-1", "abc"])
def test_unknown_mails_are_a_german_404(admin_browser, dead_mail, mail_id):
    response = post_form(admin_browser, f"{MAILS}/{mail_id}/erneut", page=MAILS)

    assert response.status_code == 404


def test_an_unknown_filter_shows_every_mail(admin_browser, dead_mail):
    response = admin_browser.get(f"{MAILS}?status=verloren")

    assert response.status_code == 422
    assert f'id="mail-{dead_mail}"' in response.get_data(as_text=True)


def test_the_outbox_names_a_mail_to_a_comment_author_by_its_kind(admin_browser, database,
                                                                  clock):
    with database.transaction() as session:
        address = ReaderAddress(email="leserin@example.de", language="de", token="t" * 43,
                                created_at=clock(), updated_at=clock())
        session.add(address)
        session.flush()
        mail_outbox.queue_to_reader(session, address, kind="reader_confirmation",
                                    name="Jürgen Müller", dedupe_key="bestaetigung:1",
                                    now=clock())

    html = admin_browser.get(MAILS).get_data(as_text=True)

    assert "Postausgang" in html
    assert "An die Autorin oder den Autor: Adresse bestätigen" in html
    assert ">reader_confirmation<" not in html
