"""Immediate mails about reports of illegal content and threats, through the outbox and the
mail worker to a real SMTP server on loopback."""

from __future__ import annotations

from sqlalchemy import select

from moderation import create_app, jobs
from moderation.domain import Role
from moderation.models import Article, Job
from moderation.services import notifications
from tests.mail.conftest import BASE_URL, SENDER, TITLE, outbox, report


def body_of(mail) -> str:
    return mail.message.get_content().replace("\r\n", "\n")


def test_a_report_of_illegal_content_mails_every_editor_at_once_in_their_language(
        client, comment_id, add_account, mailer, sink, database, clock):
    add_account("anna@zeitung.example.de", "Anna Schäfer")
    add_account("ben@zeitung.example.de", "Ben Baker", role=Role.ADMIN, locale="en")

    report(client, comment_id)
    assert mailer.run_once() == 2

    by_recipient = {mail.rcpt_tos[0]: mail for mail in sink.received}
    assert set(by_recipient) == {"anna@zeitung.example.de", "ben@zeitung.example.de"}
    german = by_recipient["anna@zeitung.example.de"]
    assert german.message["Subject"] == (
        "Meldung: möglicherweise rechtswidriger Kommentar zu „" + TITLE + "“")
    assert german.message["From"] == f"Moderation <{SENDER}>"
    assert german.mail_from == SENDER
    assert german.message["To"] == "Anna Schäfer <anna@zeitung.example.de>"
    assert german.message.get_content_type() == "text/plain"
    assert german.message.get_content_charset() == "utf-8"
    text = body_of(german)
    link = f"{BASE_URL}/redaktion/kommentare/{comment_id}"
    for expected in ("Kategorie: möglicherweise rechtswidrig.",
                     "zügig zu entscheiden (Art. 16 DSA)",
                     "Genannte Rechtsvorschrift: § 130 StGB",
                     "> Das ist Volksverhetzung gegen eine ganze Partei.",
                     f"Der gemeldete Kommentar von Bernd Brause zu „{TITLE}“, geschrieben am "
                     "25.11.2026, 10:30 Uhr:",
                     "> Die Grünen gehören alle weggesperrt.\n> Und zwar für immer.",
                     f"Im Redaktionsbereich prüfen und entscheiden:\n{link}\n"):
        assert expected in text

    english = by_recipient["ben@zeitung.example.de"]
    assert english.message["Subject"] == f"Report: possibly illegal comment on “{TITLE}”"
    assert "Category: possibly illegal." in body_of(english)
    assert "25 November 2026, 10:30 (Berlin time)" in body_of(english)
    assert link in body_of(english)

    for mail in sink.received:  # who reported stays with the editors' tools, not in mails
        raw = mail.raw.decode()
        assert "rita" not in raw.lower() and "Rita" not in body_of(mail)
        assert "bernd@autor.example" not in raw
    assert [(m.status, m.attempts, m.sent_at, m.last_error) for m in outbox(database)] == [
        ("sent", 1, clock(), None)] * 2
    assert mailer.run_once() == 0


def test_a_threat_is_mailed_too_and_other_reports_wait_for_the_digest(
        client, comment_id, add_account, mailer, sink):
    add_account("anna@zeitung.example.de")

    report(client, comment_id, category="hate")
    report(client, comment_id, category="spam")
    report(client, comment_id, category="threat", legal_provision=None)
    mailer.run_once()

    [mail] = sink.received
    assert mail.message["Subject"] == f"Meldung: Drohung in einem Kommentar zu „{TITLE}“"
    text = body_of(mail)
    assert "Kategorie: Drohung." in text
    assert "Art. 16 DSA" not in text and "Rechtsvorschrift" not in text


def test_nobody_who_is_disabled_or_switched_immediate_mails_off_is_mailed(
        client, comment_id, add_account, mailer, sink, database, clock):
    add_account("anna@zeitung.example.de")
    add_account("ehemalig@zeitung.example.de", disabled=True)
    quiet = add_account("ruhig@zeitung.example.de")
    with database.transaction() as session:
        notifications.change_preferences(session, quiet, immediate=False, actor=quiet.actor,
                                         now=clock())

    report(client, comment_id)
    mailer.run_once()

    assert [mail.rcpt_tos for mail in sink.received] == [["anna@zeitung.example.de"]]


def test_an_account_disabled_after_the_report_gets_nothing(
        client, comment_id, add_account, mailer, sink, database, clock):
    anna = add_account("anna@zeitung.example.de")
    report(client, comment_id)
    with database.transaction() as session:
        session.get(type(anna), anna.id).disabled_at = clock()

    assert mailer.run_once() == 1

    assert sink.received == []
    [mail] = outbox(database)
    assert (mail.status, mail.last_error, mail.sent_at) == (
        "cancelled", "the account is disabled", None)
    with database.transaction() as session:
        assert session.scalars(select(Job).where(Job.kind == jobs.SEND_MAIL)).all() == []


def test_without_an_smtp_host_notifications_are_off_and_nothing_is_queued(
        config, comment_id, add_account, database, clock):
    add_account("anna@zeitung.example.de")
    app = create_app(config.replace(smtp_host=None), clock=clock)

    report(app.test_client(), comment_id)

    assert outbox(database) == []
    with database.transaction() as session:
        assert session.scalars(select(Job).where(Job.kind == jobs.SEND_MAIL)).all() == []
    app.extensions["moderation"].database.dispose()


def test_without_a_public_base_url_the_link_is_a_path(
        config, comment_id, add_account, mailer, sink, clock):
    add_account("anna@zeitung.example.de")
    app = create_app(config.replace(public_base_url=None), clock=clock)

    report(app.test_client(), comment_id)
    mailer.run_once()

    text = body_of(sink.received[0])
    assert f"\n/redaktion/kommentare/{comment_id}\n" in text
    assert BASE_URL not in text
    app.extensions["moderation"].database.dispose()


def test_line_breaks_in_titles_and_names_never_make_headers_of_their_own(
        client, comment_id, add_account, mailer, sink, database):
    with database.transaction() as session:
        article = session.scalars(select(Article)).one()
        article.title = "Tempolimit\r\nBcc: opfer@example.org\r\n\r\nGefälschter Text"
    add_account("anna@zeitung.example.de", "Anna\r\nBcc: zweites-opfer@example.org\nX-Evil: 1")

    report(client, comment_id)
    mailer.run_once()

    [mail] = sink.received
    assert mail.rcpt_tos == ["anna@zeitung.example.de"]
    headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode()
    names = [line.split(":", 1)[0] for line in headers.split("\r\n")
             if line and not line[0].isspace()]
    assert sorted(names) == sorted(["Content-Type", "Content-Transfer-Encoding", "MIME-Version",
                                    "From", "To", "Subject", "Date", "Message-ID",
                                    "Auto-Submitted"])
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    assert mail.message["Subject"] == ("Meldung: möglicherweise rechtswidriger Kommentar zu "
                                       "„Tempolimit Bcc: opfer@example.org Gefälschter Text“")
    assert mail.message["To"].addresses[0].addr_spec == "anna@zeitung.example.de"
    assert "Gefälschter Text“, geschrieben am" in body_of(mail)  # the title on one line
