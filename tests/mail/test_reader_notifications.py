"""Mails to comment authors, end to end: the comment API, the editors' decisions, the mail
worker and a real SMTP server on loopback. Double opt-in first; then published, rejected
(with the statement of reasons and how to appeal) and replied to; one-click unsubscribe
(RFC 8058), bounces, the daily limit of confirmation mails, each notification once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from moderation.models import Job, MailMessage, ReaderSubscription
from tests.mail.conftest import BASE_URL, SENDER, outbox
from tests.mail.reader_support import (
    ARTICLE_URL,
    EMAIL,
    TITLE,
    add_article,
    address,
    confirmed,
    decide,
    html,
    plain,
    submit,
    token_in,
)


@pytest.fixture(autouse=True)
def article(database, clock):
    add_article(database, clock)


def test_the_first_opt_in_sends_a_confirmation_mail_and_nothing_else_until_confirmed(
        client, editor, mailer, sink, database):
    submitted = submit(client)
    assert submitted["notification"] == "confirmation_sent"

    decide(client, editor, submitted["id"], "approve")  # before the confirmation
    assert mailer.run_once() == 1

    [received] = sink.received
    mail = received.message
    assert received.rcpt_tos == [EMAIL]
    assert mail["From"].addresses[0].addr_spec == SENDER
    assert mail["Subject"] == "Bitte bestätige deine E-Mail-Adresse für Benachrichtigungen"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["List-Unsubscribe"] is None  # the confirmation offers "never again" instead
    token = token_in(mail)
    assert f"{BASE_URL}/v1/notifications/confirm/{token}" in plain(mail)
    assert f"{BASE_URL}/v1/notifications/unsubscribe/{token}" in plain(mail)
    assert f'href="{BASE_URL}/v1/notifications/confirm/{token}"' in html(mail)
    assert "Hallo Jürgen Müller," in plain(mail) and f"„{TITLE}“" in plain(mail)
    assert not address(database).confirmed  # a GET of the link would not confirm either
    assert mailer.run_once() == 0  # the approval before the confirmation is not mailed


def test_once_confirmed_the_author_hears_that_the_comment_is_published(
        client, editor, mailer, sink):
    token = confirmed(client, mailer, sink)
    body = "Endlich <b>Bäume</b> statt Asphalt & Hitze –\nGrüße aus Köln"
    submitted = submit(client, body)
    assert submitted["notification"] == "subscribed"

    decide(client, editor, submitted["id"], "approve")
    assert mailer.run_once() == 1

    mail = sink.received[-1].message
    assert mail["Subject"] == f"Dein Kommentar zu „{TITLE}“ ist veröffentlicht"
    unsubscribe = f"{BASE_URL}/v1/notifications/unsubscribe/{token}"
    # Folded before the URL (too long for one line): unfolded, the header is the URL.
    assert mail["List-Unsubscribe"].strip() == f"<{unsubscribe}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "> Endlich <b>Bäume</b> statt Asphalt & Hitze –\n> Grüße aus Köln" in plain(mail)
    page = html(mail)
    assert "Endlich &lt;b&gt;Bäume&lt;/b&gt; statt Asphalt &amp; Hitze" in page
    assert "<b>" not in page and "<img" not in page and "<script" not in page
    assert f'href="{ARTICLE_URL}#kommentar-{submitted["id"]}"' in page
    assert f'href="{BASE_URL}/v1/notifications/data/{token}"' in page


def test_a_rejection_is_mailed_with_its_statement_of_reasons_and_how_to_appeal(
        client, editor, mailer, sink, clock, config):
    confirmed(client, mailer, sink)
    submitted = submit(client, "Alle Radfahrer gehören eingesperrt.")

    decide(client, editor, submitted["id"], "reject", reason_code="insult",
           reason="Pauschale Herabsetzung einer Gruppe")
    assert mailer.run_once() == 1

    mail = sink.received[-1].message
    assert mail["Subject"] == f"Dein Kommentar zu „{TITLE}“ wurde nicht veröffentlicht"
    text = plain(mail)
    assert "Ihr Kommentar wurde nicht veröffentlicht, weil er gegen unsere" in text
    assert "Begründung der Redaktion: Pauschale Herabsetzung einer Gruppe" in text
    until = (clock() + timedelta(days=config.appeal_days)).strftime("%d.%m.%Y")
    assert f"Du kannst einmal Widerspruch einlegen, bis zum {until}" in text
    assert f"{ARTICLE_URL}#kommentar-{submitted['id']}" in text
    assert "außergerichtliche Streitbeilegungsstelle" in text
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_published_reply_is_mailed_to_the_author_replied_to_but_never_ones_own(
        client, editor, mailer, sink, database):
    confirmed(client, mailer, sink)
    parent = submit(client, "Wer gießt die neuen Bäume im Sommer?")
    decide(client, editor, parent["id"], "approve")
    mailer.run_once()
    before = len(sink.received)

    reply = submit(client, "Die Anwohner, hoffentlich!", author_name="Petra Schäfer",
                   author_email="petra@leser.example", notify=False, parent_id=parent["id"])
    own = submit(client, "Nachtrag: und die Stadtwerke.", parent_id=parent["id"])
    decide(client, editor, reply["id"], "approve")
    decide(client, editor, own["id"], "approve")
    mailer.run_once()

    subjects = [r.message["Subject"] for r in sink.received[before:]]
    assert sorted(subjects) == sorted([f"Neue Antwort auf deinen Kommentar zu „{TITLE}“",
                                       f"Dein Kommentar zu „{TITLE}“ ist veröffentlicht"])
    [mail] = [r.message for r in sink.received[before:] if "Antwort" in r.message["Subject"]]
    assert "Petra Schäfer hat auf deinen Kommentar" in plain(mail)
    assert "> Die Anwohner, hoffentlich!" in plain(mail)
    assert all(r.rcpt_tos == [EMAIL] for r in sink.received)
    kinds = [m.kind for m in outbox(database)]
    assert kinds.count("reader_reply") == 1  # not for the author's reply to themselves


def test_one_click_unsubscribe_stops_every_mail_at_once(client, editor, mailer, sink,
                                                        database):
    token = confirmed(client, mailer, sink)
    waiting = submit(client, "Noch ein Gedanke zum Stadtgrün.")
    decide(client, editor, waiting["id"], "approve")  # queued, not sent yet

    response = client.post(f"/v1/notifications/unsubscribe/{token}",
                           data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert address(database).suppressed_reason == "unsubscribed"
    sent_before = len(sink.received)
    later = submit(client, "Und noch einer.")  # without asking: nothing is mailed about it
    decide(client, editor, later["id"], "approve")
    assert mailer.run_once() == 0
    assert len(sink.received) == sent_before
    cancelled = [m for m in outbox(database) if m.kind == "reader_published"]
    assert [(m.status, m.last_error) for m in cancelled] == [
        ("cancelled", "the address is suppressed (unsubscribed)")]


def test_who_unsubscribed_may_ask_again_and_confirms_afresh(client, editor, mailer, sink,
                                                            database, clock):
    token = confirmed(client, mailer, sink)
    clock.advance(hours=2)
    client.post(f"/v1/notifications/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded")
    again = submit(client, "Ich möchte doch wieder Bescheid bekommen.")
    assert again["notification"] == "confirmation_sent"
    decide(client, editor, again["id"], "approve")  # before the new confirmation
    assert mailer.run_once() == 1
    assert sink.received[-1].message["Subject"].startswith("Bitte bestätige")
    assert (address(database).suppressed, address(database).confirmed) == (False, False)

    assert client.post(f"/v1/notifications/confirm/{token}").status_code == 200
    latest = submit(client, "Jetzt aber.")
    assert latest["notification"] == "subscribed"
    decide(client, editor, latest["id"], "approve")
    assert mailer.run_once() == 1
    assert sink.received[-1].message["Subject"].endswith("ist veröffentlicht")


def test_not_me_on_a_confirmation_mail_is_for_good(client, mailer, sink, database):
    submit(client)
    mailer.run_once()
    token = token_in(sink.received[0].message)
    client.post(f"/v1/notifications/unsubscribe/{token}", data="List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded")
    assert submit(client)["notification"] == "suppressed"
    assert mailer.run_once() == 0 and len(sink.received) == 1


def test_a_permanent_refusal_suppresses_the_address_and_a_temporary_one_retries(
        client, editor, mailer, sink, database, clock):
    sink.answers = ["451 4.3.0 Bitte später"]
    submit(client)
    assert mailer.run_once() == 1
    assert not address(database).suppressed
    [mail] = outbox(database)
    assert (mail.status, mail.attempts) == ("pending", 1)

    clock.advance(minutes=10)
    sink.answers = ["550 5.1.1 Postfach unbekannt"]
    assert mailer.run_once() == 1

    [mail] = outbox(database)
    assert (mail.status, mail.last_error) == ("failed", "SMTP 550 5.1.1 Postfach unbekannt")
    reader = address(database)
    assert (reader.suppressed_reason, reader.suppressed_at) == ("bounced", clock())
    clock.advance(days=2)
    assert submit(client)["notification"] == "suppressed"
    assert mailer.run_once() == 0 and sink.received == []


def test_an_address_gets_at_most_one_confirmation_mail_a_day(client, mailer, sink, clock):
    for _ in range(3):
        assert submit(client)["notification"] == "confirmation_sent"
        clock.advance(hours=7)
    mailer.run_once()
    assert len(sink.received) == 1

    clock.advance(hours=4)  # 25 hours after the first
    submit(client)
    mailer.run_once()
    assert len(sink.received) == 2
    assert token_in(sink.received[0].message) == token_in(sink.received[1].message)


def test_each_notification_is_one_mail_however_often_it_is_decided_or_claimed(
        client, editor, mailer, sink, database, config, clock):
    from moderation.workers.mail import MailWorker

    confirmed(client, mailer, sink)
    submitted = submit(client)
    for _ in range(2):
        decide(client, editor, submitted["id"], "approve")
    decide(client, editor, submitted["id"], "reject")
    decide(client, editor, submitted["id"], "approve")  # published again: no second mail

    second = MailWorker(database, config, clock, worker_id="zweiter-brieftraeger")
    assert mailer.run_once() == 2  # published, rejected: the other worker finds nothing
    assert second.run_once() == 0
    clock.advance(hours=1)
    assert mailer.run_once() + second.run_once() == 0

    kinds = sorted(m.kind for m in outbox(database) if m.kind != "reader_confirmation")
    assert kinds == ["reader_published", "reader_rejected"]
    # The rejection went first ... then the approval made its news untrue: cancelled.
    statuses = {m.kind: m.status for m in outbox(database)}
    assert statuses["reader_rejected"] == "cancelled"
    assert [r.message["Subject"] for r in sink.received[1:]] == [
        f"Dein Kommentar zu „{TITLE}“ ist veröffentlicht"]


def test_english_mails_for_an_author_who_chose_english(client, editor, mailer, sink):
    submit(client, language="en")
    mailer.run_once()
    mail = sink.received[0].message
    assert mail["Subject"] == "Please confirm your email address for notifications"
    assert f"with your comment on “{TITLE}”" in plain(mail)


def test_erasure_by_email_removes_the_address_its_subscriptions_and_mails(
        client, editor, admin, mailer, sink, database):
    token = confirmed(client, mailer, sink)
    submitted = submit(client)
    decide(client, editor, submitted["id"], "approve")

    erased = client.post("/v1/admin/privacy/erase", headers=admin,
                         json={"email": EMAIL.upper()}).get_json()

    assert erased["reader_addresses"] == 1
    assert address(database) is None
    with database.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ReaderSubscription)) == 0
        assert session.scalar(select(func.count()).select_from(MailMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Job)
                              .where(Job.kind == "send_mail")) == 0
    assert client.get(f"/v1/notifications/confirm/{token}").status_code == 404


def test_the_export_tells_the_notification_state_and_the_mails(client, admin, mailer, sink):
    confirmed(client, mailer, sink)

    exported = client.post("/v1/admin/privacy/export", headers=admin,
                           json={"email": EMAIL}).get_json()

    notifications = exported["notifications"]
    assert notifications["email"] == EMAIL and notifications["confirmed_at"]
    assert len(notifications["subscribed_comments"]) == 1
    assert [m["kind"] for m in notifications["mails"]] == ["reader_confirmation"]


def test_unconfirmed_addresses_are_purged_after_a_week(client, mailer, sink, database,
                                                       config, clock):
    from moderation.services import retention

    submit(client)
    mailer.run_once()
    clock.advance(days=8)
    with database.transaction() as session:
        counts = retention.purge(session, config, clock())
    assert counts["unconfirmed_reader_addresses"] == 1
    assert address(database) is None


def test_an_automatic_decision_of_the_scoring_worker_is_mailed_too(
        client, mailer, sink, worker):
    confirmed(client, mailer, sink)
    submit(client, "Ein sachlicher Vorschlag: mehr Trinkbrunnen in der Innenstadt.")
    submit(client, "Du bist ein Idiot, Jürgen.")  # the KeywordScorer rejects it

    worker.run_once()  # the first comment too, submitted before the confirmation
    assert mailer.run_once() == 3

    subjects = sorted(r.message["Subject"] for r in sink.received[1:])
    assert subjects == [f"Dein Kommentar zu „{TITLE}“ ist veröffentlicht"] * 2 + [
        f"Dein Kommentar zu „{TITLE}“ wurde nicht veröffentlicht"]
    rejection = next(r.message for r in sink.received if "nicht" in r.message["Subject"])
    assert "Unsere automatische Prüfung hat den Kommentar abgelehnt." in plain(rejection)


def test_a_bounce_cancels_the_addresses_queued_mails_but_not_what_already_went(
        client, editor, mailer, sink, database, clock):
    confirmed(client, mailer, sink)
    first, second = submit(client, "Erster."), submit(client, "Zweiter.")
    decide(client, editor, first["id"], "approve")
    decide(client, editor, second["id"], "approve")
    sink.answers = ["550 5.1.1 Postfach gelöscht"]  # the first of the two; the second goes
    assert mailer.run_once() == 2
    third = submit(client, "Dritter.")  # suppressed already: not subscribed

    by_comment = {m.comment_id: m for m in outbox(database) if m.kind == "reader_published"}
    assert sorted(m.status for m in by_comment.values()) == ["failed", "sent"]
    assert third["notification"] == "suppressed"
    assert address(database).suppressed_reason == "bounced"


def test_a_bounce_cancels_queued_mails_of_the_address_outside_the_batch(
        client, editor, mailer, sink, database, config, clock):
    from moderation.workers.mail import MailWorker

    confirmed(client, mailer, sink)
    first, second = submit(client, "Erster."), submit(client, "Zweiter.")
    decide(client, editor, first["id"], "approve")
    decide(client, editor, second["id"], "approve")
    one_at_a_time = MailWorker(database, config.replace(worker_batch_size=1), clock,
                               worker_id="einzeln")
    sink.answers = ["554 5.7.1 Empfänger abgelehnt"]

    assert one_at_a_time.run_once() == 1
    assert one_at_a_time.run_once() == 0  # the other one was cancelled, its job gone

    statuses = sorted((m.status, m.last_error) for m in outbox(database)
                      if m.kind == "reader_published")
    assert statuses == [
        ("cancelled", "the address bounced (SMTP 554 5.7.1 Empfänger abgelehnt)"),
        ("failed", "SMTP 554 5.7.1 Empfänger abgelehnt")]
