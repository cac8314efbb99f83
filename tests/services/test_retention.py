"""The retention purge: address hashes after days, rejected comments after the appeal period,
webhook logs after a month; never what is still needed."""

from __future__ import annotations

from sqlalchemy import func, select

from moderation.domain import CommentStatus, Resolution
from moderation.models import (
    AddressKey,
    Appeal,
    AuditEvent,
    Comment,
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
)
from moderation.services import addresses, retention
from tests.support.records import (
    add_appeal,
    add_comment,
    add_delivery,
    add_endpoint,
    comment_by_id,
)

NOTHING = {"address_hashes": 0, "rejected_comments": 0, "webhook_attempts": 0,
           "webhook_deliveries": 0, "webhook_messages": 0}


def purge(database, config, clock):
    with database.transaction() as session:
        return retention.purge(session, config, clock())


def rejected(database, clock, **fields):
    with database.transaction() as session:
        return add_comment(session, clock(), body="Ihr Idioten, alle miteinander!",
                           author_name="Grantler", author_email="grantler@example.de",
                           status=CommentStatus.REJECTED, scores={"insult": 0.95},
                           **fields).public_id


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
