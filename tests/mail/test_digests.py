"""The queue digest: content, the hourly and daily schedule on the test clock, nothing when
nothing waits, nobody who did not ask for it or was disabled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from moderation import jobs
from moderation.domain import CommentStatus
from moderation.models import Job
from moderation.services import digests, notifications
from moderation.services.notifications import DigestFrequency
from tests.mail.conftest import BASE_URL, outbox
from tests.support.records import add_appeal, add_comment, add_report

TRAFFIC = "Tempolimit: Was die Zahlen über Unfälle sagen"


def fill_queue(database, now: datetime) -> None:
    """Four comments held (three on one article), one reported, one appealed."""
    with database.transaction() as session:
        for hours in (3, 2, 1):
            held = add_comment(session, now - timedelta(hours=hours), article_key="verkehr",
                               status=CommentStatus.REVIEW, body=f"Gehalten {hours}")
        held.article.title = TRAFFIC
        weather = add_comment(session, now, article_key="wetter", status=CommentStatus.REVIEW)
        weather.article.title = "Sturm über Hamburg"
        reported = add_comment(session, now, article_key="wetter", open_reports=1)
        add_report(session, reported, now - timedelta(minutes=30))
        rejected = add_comment(session, now, article_key="wetter",
                               status=CommentStatus.REJECTED)
        add_appeal(session, rejected, now - timedelta(minutes=10))


def subscribe(database, account, frequency: str, clock) -> None:
    with database.transaction() as session:
        notifications.change_preferences(session, account, digest=frequency,
                                         actor=account.actor, now=clock())


def at(clock, day: int, hour: int, minute: int = 0) -> None:
    clock.now = datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def run(digester, mailer) -> None:
    digester.run_once()
    mailer.run_once()


def body_of(mail) -> str:
    return mail.message.get_content().replace("\r\n", "\n")


def test_an_hourly_digest_tells_what_waits_and_comes_every_full_hour(
        add_account, digester, mailer, sink, database, clock):
    anna = add_account("anna@zeitung.example.de")
    subscribe(database, anna, "hourly", clock)  # 09:30 UTC, 10:30 in Berlin
    fill_queue(database, clock())

    run(digester, mailer)
    assert sink.received == []  # the 09:00 hour began before Anna asked

    at(clock, 25, 10)
    run(digester, mailer)

    [mail] = sink.received
    assert mail.message["Subject"] == "Warteschlange: 4 zurückgehalten, 1 gemeldet, 1 Beschwerden"
    assert body_of(mail) == (
        "Stand der Warteschlange am 25.11.2026, 11:00 Uhr:\n"
        "\n"
        "  Zur Prüfung zurückgehalten: 4\n"
        "  Von Leserinnen und Lesern gemeldet: 1\n"
        "  Beschwerden gegen Ablehnungen: 1\n"
        "  Noch nicht bewertet: 0\n"
        "\n"
        "Am längsten wartet ein Kommentar seit 3 Stunden.\n"
        "\n"
        "Artikel mit den meisten zurückgehaltenen Kommentaren:\n"
        f"  - „{TRAFFIC}“: 3\n"
        "  - „Sturm über Hamburg“: 1\n"
        "\n"
        "Zur Warteschlange:\n"
        f"{BASE_URL}/redaktion/\n"
        "\n"
        "-- \n"
        "Sie erhalten diese Übersicht stündlich, wenn etwas wartet, wie für Ihr Konto "
        "eingestellt. Sie können sie in Ihrem Konto abschalten.\n")
    with database.transaction() as session:
        assert notifications.preferences(session, anna).last_digest_at == clock()

    at(clock, 25, 10, 40)
    run(digester, mailer)
    assert len(sink.received) == 1
    at(clock, 25, 11)
    run(digester, mailer)
    assert len(sink.received) == 2
    assert len({m.message["Message-ID"] for m in sink.received}) == 2


def test_a_daily_digest_comes_at_the_digest_hour_in_berlin_in_the_reader_s_language(
        add_account, digester, mailer, sink, database, clock):
    ben = add_account("ben@zeitung.example.de", "Ben Baker", locale="en")
    subscribe(database, ben, "daily", clock)
    fill_queue(database, clock())

    for hour in (10, 14, 23):
        at(clock, 25, hour)
        run(digester, mailer)
    at(clock, 26, 5, 59)  # 06:59 in Berlin
    run(digester, mailer)
    assert sink.received == []

    at(clock, 26, 6)  # 07:00 in Berlin
    run(digester, mailer)
    [mail] = sink.received
    assert mail.message["Subject"] == "Queue: 4 held, 1 reported, 1 appealed"
    text = body_of(mail)
    assert text.startswith("The queue on 26 November 2026, 07:00 (Berlin time):\n")
    assert "  Held for review: 4\n" in text
    assert "The comment waiting longest has waited 23 hours.\n" in text
    assert "You receive this digest every day when something waits" in text

    for hour in (7, 12, 23):
        at(clock, 26, hour)
        run(digester, mailer)
    assert len(sink.received) == 1
    at(clock, 27, 6, 5)
    run(digester, mailer)
    assert len(sink.received) == 2


def test_a_worker_that_was_down_sends_the_missed_digest_once(
        add_account, digester, mailer, sink, database, clock):
    subscribe(database, add_account("anna@zeitung.example.de"), "daily", clock)
    fill_queue(database, clock())

    at(clock, 26, 9, 15)  # no run since yesterday
    run(digester, mailer)
    at(clock, 26, 10)
    run(digester, mailer)

    assert len(sink.received) == 1


def test_nothing_is_sent_when_nothing_waits_for_an_editor(
        add_account, digester, mailer, sink, database, clock):
    subscribe(database, add_account("anna@zeitung.example.de"), "hourly", clock)
    with database.transaction() as session:  # waits for the scorer, not for an editor
        add_comment(session, clock(), status=CommentStatus.PENDING)

    at(clock, 25, 10)
    run(digester, mailer)
    assert sink.received == [] and outbox(database) == []

    fill_queue(database, clock() + timedelta(minutes=20))
    at(clock, 25, 10, 20)
    run(digester, mailer)
    assert sink.received == []  # the 10:00 digest was looked at: the next is at 11:00
    at(clock, 25, 11)
    run(digester, mailer)
    assert "  Noch nicht bewertet: 1\n" in body_of(sink.received[0])


def test_nobody_gets_a_digest_who_did_not_ask_switched_it_off_or_was_disabled(
        add_account, digester, mailer, sink, database, clock):
    add_account("anna@zeitung.example.de")  # the default: no digest
    subscribe(database, add_account("ehemalig@zeitung.example.de", disabled=True), "hourly",
              clock)
    carla = add_account("carla@zeitung.example.de")
    subscribe(database, carla, "hourly", clock)
    subscribe(database, carla, "off", clock)
    fill_queue(database, clock())

    for hour in range(10, 24):
        at(clock, 25, hour)
        run(digester, mailer)

    assert sink.received == [] and outbox(database) == []


def test_the_digest_job_is_one_job_rescheduled_at_the_next_full_hour(digester, database, clock):
    assert digester.run_once() == 1
    assert digester.run_once() == 0

    with database.transaction() as session:
        [job] = session.scalars(select(Job).where(Job.kind == jobs.MAIL_DIGEST)).all()
    assert job.run_at == datetime(2026, 11, 25, 10, tzinfo=UTC)
    assert (job.lease_owner, job.attempts) == (None, 0)


@pytest.mark.parametrize(("now", "slot"), [
    (datetime(2026, 11, 25, 9, 30, tzinfo=UTC), datetime(2026, 11, 25, 6, tzinfo=UTC)),
    (datetime(2026, 11, 25, 5, 59, tzinfo=UTC), datetime(2026, 11, 24, 6, tzinfo=UTC)),
    (datetime(2026, 7, 1, 5, 0, tzinfo=UTC), datetime(2026, 7, 1, 5, tzinfo=UTC)),
    (datetime(2026, 3, 29, 4, 0, tzinfo=UTC), datetime(2026, 3, 28, 6, tzinfo=UTC)),
    (datetime(2026, 3, 29, 5, 0, tzinfo=UTC), datetime(2026, 3, 29, 5, tzinfo=UTC)),
])
def test_the_daily_slot_starts_at_the_digest_hour_in_berlin_summer_or_winter(now, slot):
    assert digests.slot(DigestFrequency.DAILY, now, 7) == slot
    assert digests.slot(DigestFrequency.HOURLY, now, 7) == now.replace(minute=0)
