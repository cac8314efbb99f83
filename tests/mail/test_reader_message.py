"""Wording and building a reader's mail, without a server: both parts say the same, the HTML
escapes everything it is given, the added headers stay one line each."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from io import BytesIO

from moderation.mail import message, reader

SENDER = message.sender_address("Kommentare <kommentare@zeitung.example.de>")
LINKS = reader.Links(confirm="https://m.example/v1/notifications/confirm/t0k3n",
                     unsubscribe="https://m.example/v1/notifications/unsubscribe/t0k3n",
                     data="https://m.example/v1/notifications/data/t0k3n")


def wire(mail) -> bytes:
    out = BytesIO()
    BytesGenerator(out).flatten(mail, linesep="\r\n")
    return out.getvalue()


def test_the_html_part_escapes_names_titles_and_comments():
    worded = reader.word(reader.Reply(
        name='<img src="https://tracker.example/p.gif">', title='"Straße" & <Größe>',
        replier="<script>alert(1)</script>", body="<a href='https://spam.example'>hier</a>",
        link=None, links=LINKS), "de")

    assert "<img" not in worded.html and "<script" not in worded.html
    assert "spam.example'>" not in worded.html and "<a href='" not in worded.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hat auf deinen Kommentar" in worded.html
    assert worded.subject == 'Neue Antwort auf deinen Kommentar zu „"Straße" & <Größe>“'
    assert "<script>alert(1)</script> hat auf deinen Kommentar" in worded.text


def test_a_rejection_without_an_appeal_left_says_so():
    statement = {"summary": "Wir haben Ihre Beschwerde geprüft.", "measure": "removal",
                 "facts": "Bestätigt.", "ground": {"explanation": "AGB 4.2"},
                 "redress": {"appeal": None, "out_of_court": "Streitbeilegung.",
                             "courts": "Gerichte."}}
    worded = reader.word(reader.Rejected("Jürgen", None, statement, None, LINKS), "en")

    assert worded.subject == "Your comment was removed"
    assert "No further appeal to us is possible." in worded.text
    assert "> Wir haben Ihre Beschwerde geprüft.\n>\n> Bestätigt.\n>\n> AGB 4.2" in worded.text


def test_a_multipart_mail_keeps_its_added_headers_on_one_line_each():
    mail = message.build(
        sender=SENDER, recipient="leserin@example.de", recipient_name="Grete Köhler",
        subject="Grüße", body="Größe\n", html="<p>Größe</p>", dedupe_key="reader:1",
        written_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        headers={"List-Unsubscribe": "<https://m.example/u>\r\nBcc: opfer@example.org",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    parsed = message_from_bytes(wire(mail), policy=policy.default)

    assert parsed["Bcc"] is None
    assert parsed["List-Unsubscribe"] == "<https://m.example/u> Bcc: opfer@example.org"
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == [
        "text/plain", "text/html"]
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Größe</p>"
    assert parsed["Subject"] == "Grüße"
