"""Building a mail: one line per header whatever a title or name holds, German text that
round-trips, the same Message-ID on every try."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.generator import BytesGenerator
from io import BytesIO

import pytest

from moderation.mail import message, templates

SENDER = message.sender_address("Moderation <moderation@zeitung.example.de>")
WRITTEN = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def built(subject: str = "Grüße", name: str = "Anna Schäfer", body: str = "Größe\n",
          key: str = "report_alert:r1:1"):
    mail = message.build(sender=SENDER, recipient="anna@zeitung.example.de",
                         recipient_name=name, subject=subject, body=body, dedupe_key=key,
                         written_at=WRITTEN)
    wire = BytesIO()
    BytesGenerator(wire).flatten(mail, linesep="\r\n")  # as smtplib writes it
    raw = wire.getvalue()
    return raw, message_from_bytes(raw, policy=policy.default)


@pytest.mark.parametrize("value", [
    "Titel\r\nBcc: opfer@example.org", "Titel\nBcc: opfer@example.org",
    "Titel\rBcc: opfer@example.org", "Titel\u2028Bcc: opfer@example.org",
    "Titel\x85Bcc: opfer@example.org", "Titel\tBcc:\x00 opfer@example.org"])
def test_a_line_break_in_a_subject_or_name_stays_inside_its_header(value):
    raw, parsed = built(subject=value, name=value)

    assert parsed["Bcc"] is None
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\r\n"))
    assert parsed["Subject"] == "Titel Bcc: opfer@example.org"
    assert parsed["To"].addresses[0].display_name == "Titel Bcc: opfer@example.org"
    assert parsed["To"].addresses[0].addr_spec == "anna@zeitung.example.de"


def test_a_long_german_subject_keeps_every_space_where_it_is_folded():
    subject = ("Meldung: möglicherweise rechtswidriger Kommentar zu „Tempolimit auf "
               "Autobahnen: Was die Zahlen über Unfälle, Größe und Straßen sagen“")
    raw, parsed = built(subject=subject)
    assert parsed["Subject"] == subject
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78


def test_the_body_is_utf8_plain_text_that_round_trips_with_its_line_ends():
    body = "Grüße aus Köln.\r\n.\r\nEin Punkt allein,\rund Zeilenenden gemischt.\n"
    _raw, parsed = built(body=body)
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content().replace("\r\n", "\n") == (
        "Grüße aus Köln.\n.\nEin Punkt allein,\nund Zeilenenden gemischt.\n")


def test_every_try_of_one_mail_has_the_same_message_id_and_others_differ():
    assert built()[1]["Message-ID"] == built()[1]["Message-ID"]
    assert built()[1]["Message-ID"] != built(key="report_alert:r1:2")[1]["Message-ID"]
    assert built()[1]["Message-ID"].endswith("@zeitung.example.de>")
    assert built()[1]["Auto-Submitted"] == "auto-generated"


@pytest.mark.parametrize("value", [
    "", "keine-adresse", "a@", "a@b.de, c@d.de", "Redaktion <r@example.de",
    "r@example.de\r\nBcc: x@example.org"])
def test_a_sender_that_is_not_one_address_is_refused(value):
    with pytest.raises(ValueError):
        message.sender_address(value)


def test_a_sender_may_carry_a_name_with_umlauts():
    sender = message.sender_address('"Müller, Redaktion" <r@example.de>')
    assert (sender.display_name, sender.addr_spec) == ("Müller, Redaktion", "r@example.de")


@pytest.mark.parametrize(("length", "de", "en"), [
    (timedelta(seconds=20), "einer Minute", "one minute"),
    (timedelta(minutes=59), "59 Minuten", "59 minutes"),
    (timedelta(hours=1, minutes=59), "einer Stunde", "one hour"),
    (timedelta(hours=47), "47 Stunden", "47 hours"),
    (timedelta(days=3, hours=5), "3 Tagen", "3 days"),
])
def test_waits_read_in_one_unit(length, de, en):
    assert (templates.duration(length, "de"), templates.duration(length, "en")) == (de, en)


def test_moments_are_the_newsroom_s_time_in_winter_and_summer():
    assert templates.moment(WRITTEN, "de") == "25.11.2026, 10:30 Uhr"
    assert templates.moment(datetime(2026, 7, 1, 5, 0, tzinfo=UTC), "en") == (
        "1 July 2026, 07:00 (Berlin time)")
