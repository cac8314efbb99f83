"""The retention purge: address hashes after days, rejected comments after the appeal period,
reporters' details on decided reports after half a year, webhook logs after a month; never
what is still needed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from moderation.accounts import sessions as web_sessions
from moderation.config import Config
from moderation.domain import CommentStatus, Resolution
from moderation.models import (
    AddressKey,
    Appeal,
    AuditEvent,
    Comment,
    Report,
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
    WebSession,
)
from moderation.services import addresses, reports, retention
from moderation.tokens import hash_token
from tests.accounts.support import add_account
from tests.support.records import (
    add_appeal,
    add_comment,
    add_delivery,
    add_endpoint,
    add_report,
    comment_by_id,
)

NOTHING = {"address_hashes": 0, "rejected_comments": 0, "decided_reports": 0,
           "webhook_attempts": 0, "webhook_deliveries": 0, "webhook_messages": 0, "mails": 0,
           "web_sessions": 0, "unconfirmed_reader_addresses": 0}
REPORT_TOKEN = "meldung-7f3a"


def purge(database, config, clock):
    with database.transaction() as session:
        return retention.purge(session, config, clock())


def rejected(database, clock, **fields):
    with database.transaction() as session:
        return add_comment(session, clock(), body="Ihr Idioten, alle miteinander!",
                           author_name="Grantler", author_email="grantler@example.de",
                           status=CommentStatus.REJECTED, scores={"insult": 0.95},
                           **fields).public_id


def report(database, clock, *, comment_status=CommentStatus.APPROVED) -> int:
    """An open report with everything a reporter may give, from an address."""
    with database.transaction() as session:
        comment = add_comment(session, clock(), body="Die gehören alle weggesperrt!",
                              status=comment_status)
        return add_report(session, comment, clock(), explanation="Hetze gegen Geflüchtete, "
                          "strafbar nach § 130 StGB.", reporter_name="Käthe Großmann",
                          reporter_email="kaethe@example.de", legal_provision="§ 130 StGB",
                          client_hash=addresses.client_hash(session, "198.51.100.4",
                                                            clock())).id


def decide(database, clock, report_id: int, outcome: Resolution = Resolution.UPHELD) -> None:
    with database.transaction() as session:
        decided = session.get(Report, report_id)
        decided.status = outcome.value
        decided.decided_by, decided.decided_at = "key:anna", clock()
        decided.decision_note = "Volksverhetzung; Hinweis von Frau Großmann bestätigt."
        decided.token_hash = hash_token(REPORT_TOKEN)


def reporters_data(database, report_id: int) -> tuple:
    with database.transaction() as session:
        kept = session.get(Report, report_id)
        return (kept.reporter_name, kept.reporter_email, kept.client_hash, kept.explanation,
                kept.decision_note)


ANONYMOUS = (None, None, None, None, None)


def test_nothing_to_purge_is_still_a_purge(database, config, clock):
    assert purge(database, config, clock) == NOTHING


def test_address_hashes_and_their_keys_go_after_the_retention_days(database, config, clock):
    with database.transaction() as session:
        old = add_comment(session, clock(), client_hash=addresses.client_hash(
            session, "203.0.113.7", clock())).public_id
    clock.advance(days=7, hours=1)
    with database.transaction() as session:
        recent = add_comment(session, clock(), client_hash=addresses.client_hash(
            session, "203.0.113.7", clock())).public_id

    assert purge(database, config, clock)["address_hashes"] == 1

    with database.transaction() as session:
        assert comment_by_id(session, old).client_hash is None
        assert comment_by_id(session, recent).client_hash is not None
    # A day's key outlives the day's last possible hash; then nobody can link them.
    clock.advance(days=1)
    assert purge(database, config, clock)["address_hashes"] == 0
    with database.transaction() as session:
        assert session.scalars(select(AddressKey.day)).all() == ["2026-12-02"]


def test_a_rejected_comment_is_scrubbed_after_the_appeal_period(database, config, clock):
    config = config.replace(rejected_retention_days=30)  # the appeal period (183) is longer
    comment = rejected(database, clock)

    clock.advance(days=182)
    assert purge(database, config, clock)["rejected_comments"] == 0
    clock.advance(days=1, minutes=1)
    assert purge(database, config, clock)["rejected_comments"] == 1
    assert purge(database, config, clock)["rejected_comments"] == 0  # once

    with database.transaction() as session:
        tombstone = comment_by_id(session, comment)
        assert (tombstone.body, tombstone.author_name, tombstone.author_email) == ("", "", None)
        assert (tombstone.erased_at, tombstone.erased_reason) == (clock(), "retention")
        assert tombstone.status is CommentStatus.REJECTED
        assert tombstone.scores == {"insult": 0.95}
        erased = session.scalars(select(WebhookMessage)).all()
        assert erased == []  # no subscriber, no message


def test_a_longer_configured_period_wins_over_the_appeal_period(database, config, clock):
    config = config.replace(rejected_retention_days=365)
    rejected(database, clock)

    clock.advance(days=364)
    assert purge(database, config, clock)["rejected_comments"] == 0
    clock.advance(days=1, minutes=1)
    assert purge(database, config, clock)["rejected_comments"] == 1


def test_the_period_counts_from_the_rejection_or_else_the_last_change(database, config, clock):
    start = clock()
    with database.transaction() as session:
        late = add_comment(session, start, status=CommentStatus.REJECTED)
        late.rejected_at = None
        late.updated_at = start.replace(year=start.year + 1)
        late = late.public_id
    early = rejected(database, clock)

    clock.advance(days=184)
    assert purge(database, config, clock)["rejected_comments"] == 1
    with database.transaction() as session:
        assert comment_by_id(session, early).erased_at is not None
        assert comment_by_id(session, late).erased_at is None


def test_an_open_appeal_keeps_its_comment_until_decided(database, config, clock):
    comment = rejected(database, clock)
    with database.transaction() as session:
        appeal_id = add_appeal(session, comment_by_id(session, comment), clock()).id
    clock.advance(days=400)

    assert purge(database, config, clock)["rejected_comments"] == 0
    with database.transaction() as session:
        session.get(Appeal, appeal_id).status = Resolution.DISMISSED.value
    assert purge(database, config, clock)["rejected_comments"] == 1


def test_published_and_held_comments_are_never_purged(database, config, clock):
    with database.transaction() as session:
        for status in (CommentStatus.APPROVED, CommentStatus.REVIEW, CommentStatus.PENDING):
            add_comment(session, clock(), status=status)
    clock.advance(days=1000)

    assert purge(database, config, clock)["rejected_comments"] == 0
    with database.transaction() as session:
        assert session.scalar(select(func.count()).where(Comment.erased_at.is_not(None))) == 0


def test_finished_webhook_logs_go_after_their_retention_but_pending_ones_stay(
        database, config, clock):
    with database.transaction() as session:
        endpoint = add_endpoint(session, clock())
        add_delivery(session, endpoint, clock(), data={"n": 1}, status="succeeded")
        add_delivery(session, endpoint, clock(), data={"n": 2}, status="failed")
        add_delivery(session, endpoint, clock(), data={"n": 3}, status="pending")
        redelivered = add_delivery(session, endpoint, clock(), data={"n": 4},
                                   status="succeeded")
    clock.advance(days=29)
    with database.transaction() as session:
        # Sent again lately: the delivery stays, its month-old first attempt goes.
        session.get(WebhookDelivery, redelivered.id).updated_at = clock()
        session.add(WebhookAttempt(delivery_id=redelivered.id, attempted_at=clock(),
                                   status_code=204, latency_ms=2.0))
    assert purge(database, config, clock) == NOTHING

    clock.advance(days=1, minutes=1)
    counts = purge(database, config, clock)

    assert (counts["webhook_attempts"], counts["webhook_deliveries"],
            counts["webhook_messages"]) == (3, 2, 2)
    with database.transaction() as session:
        left = {d.message.payload["data"]["n"]: d.status
                for d in session.scalars(select(WebhookDelivery))}
        assert left == {3: "pending", 4: "succeeded"}
        assert session.scalar(select(func.count()).select_from(WebhookAttempt)) == 1


def test_every_purge_is_audited_with_its_counts(database, config, clock):
    rejected(database, clock)
    clock.advance(days=200)

    with database.transaction() as session:
        counts = retention.purge(session, config, clock(), actor="cli")
        entry = session.scalars(select(AuditEvent)).one()

    assert counts["rejected_comments"] == 1
    assert (entry.action, entry.actor, entry.details) == ("retention.purged", "cli", counts)


def test_address_hashes_on_reports_go_with_the_others(database, config, clock):
    report_id = report(database, clock)
    clock.advance(days=7, hours=1)

    assert purge(database, config, clock)["address_hashes"] == 1

    name, email, client_hash, explanation, _ = reporters_data(database, report_id)
    assert client_hash is None
    assert (name, email) == ("Käthe Großmann", "kaethe@example.de") and explanation


def test_a_decided_report_loses_the_reporters_data_after_the_report_period(
        database, config, clock):
    report_id = report(database, clock)
    clock.advance(days=2)
    decide(database, clock, report_id, Resolution.DISMISSED)
    clock.advance(days=183)  # 185 days after the report, 183 after the decision
    assert purge(database, config, clock)["decided_reports"] == 0
    assert reporters_data(database, report_id)[0] == "Käthe Großmann"

    clock.advance(minutes=1)
    assert purge(database, config, clock)["decided_reports"] == 1
    assert purge(database, config, clock)["decided_reports"] == 0  # once

    assert reporters_data(database, report_id) == ANONYMOUS
    with database.transaction() as session:
        kept = session.get(Report, report_id)
        assert (kept.category, kept.legal_provision, kept.status, kept.decided_by) == (
            "hate", "§ 130 StGB", "dismissed", "key:anna")
        assert kept.decided_at == clock() - timedelta(days=183, minutes=1)
        # The reporter can still look up the decision with their token.
        view = reports.reporter_view(session, kept.public_id, REPORT_TOKEN)
        assert view.decision.outcome == "dismissed"
        purges = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [p.details["decided_reports"] for p in purges] == [0, 1, 0]


def test_the_report_period_is_a_setting_counted_from_the_decision(database, config, clock):
    config = config.replace(report_retention_days=30)
    late, early = report(database, clock), report(database, clock)
    decide(database, clock, early)
    clock.advance(days=100)
    decide(database, clock, late)

    clock.advance(days=29)
    assert purge(database, config, clock)["decided_reports"] == 1
    assert reporters_data(database, early) == ANONYMOUS
    # As old as the other, but decided only 29 days ago.
    assert reporters_data(database, late)[0] == "Käthe Großmann"
    clock.advance(days=1, minutes=1)
    assert purge(database, config, clock)["decided_reports"] == 1
    assert reporters_data(database, late) == ANONYMOUS


def test_open_reports_are_never_anonymised(database, config, clock):
    report_id = report(database, clock)
    clock.advance(days=1000)

    assert purge(database, config, clock)["decided_reports"] == 0
    name, email, _, explanation, _ = reporters_data(database, report_id)
    assert (name, email, explanation) == ("Käthe Großmann", "kaethe@example.de",
                                          "Hetze gegen Geflüchtete, strafbar nach § 130 StGB.")


def test_an_open_appeal_keeps_the_reports_it_is_decided_on(database, config, clock):
    report_id = report(database, clock, comment_status=CommentStatus.REJECTED)
    decide(database, clock, report_id)
    with database.transaction() as session:
        appeal_id = add_appeal(session, session.get(Report, report_id).comment, clock()).id
    clock.advance(days=400)

    counts = purge(database, config, clock)
    assert (counts["rejected_comments"], counts["decided_reports"]) == (0, 0)
    assert reporters_data(database, report_id)[0] == "Käthe Großmann"

    with database.transaction() as session:
        session.get(Appeal, appeal_id).status = Resolution.DISMISSED.value
    counts = purge(database, config, clock)
    assert (counts["rejected_comments"], counts["decided_reports"]) == (1, 1)
    assert reporters_data(database, report_id) == ANONYMOUS


def test_a_dry_run_counts_the_reports_but_keeps_them(database, config, clock):
    report_id = report(database, clock)
    decide(database, clock, report_id)
    before = reporters_data(database, report_id)
    clock.advance(days=200)

    # As `moderation purge --dry-run` does: purge, count, roll back.
    with database.session() as session, session.begin() as transaction:
        counts = retention.purge(session, config, clock(), actor="cli")
        transaction.rollback()

    assert counts["decided_reports"] == 1
    assert reporters_data(database, report_id) == before
    with database.transaction() as session:
        assert session.scalars(select(AuditEvent)).all() == []


def test_the_report_period_comes_from_the_environment_and_is_at_least_a_day(monkeypatch):
    monkeypatch.delenv("MODERATION_REPORT_RETENTION_DAYS", raising=False)
    assert Config.from_env().report_retention_days == 183
    monkeypatch.setenv("MODERATION_REPORT_RETENTION_DAYS", "90")
    assert Config.from_env().report_retention_days == 90
    with pytest.raises(ValueError, match="at least one day"):
        Config(report_retention_days=0)


def test_workspace_sessions_that_can_sign_no_one_in_are_deleted(database, config, clock):
    timeouts = web_sessions.Timeouts.of(config)
    with database.transaction() as session:
        account = add_account(session, clock())
        started = {name: web_sessions.start(session, account, clock(), timeouts).web_session
                   for name in ("live", "revoked", "expired", "idle")}
        web_sessions.revoke(started["revoked"], clock())
        started["expired"].expires_at = clock() + timedelta(minutes=30)
        started["idle"].last_seen_at = clock() - timeouts.idle
    clock.advance(minutes=59)

    assert purge(database, config, clock)["web_sessions"] == 3
    with database.transaction() as session:
        left = session.scalars(select(WebSession)).all()
        assert [s.id for s in left] == [started["live"].id]
