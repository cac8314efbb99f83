"""The one path every decision takes: its rules, without HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus, Reason, Resolution, Role
from moderation.models import Appeal, ModerationEvent, WebhookMessage
from moderation.services import appeals, decisions, keys
from moderation.statements import PublisherTerms
from tests.support.records import add_comment, new_comment

TERMS = PublisherTerms("Kommentarrichtlinien", None, 183)
HOLD = decisions.Change(CommentStatus.REVIEW, Reason.SCORE_ABOVE_REVIEW, "Zurückgehalten.")
REJECT = decisions.Change(CommentStatus.REJECTED, Reason.BANNED_WORD, "Abgelehnt.")
APPROVE = decisions.Change(CommentStatus.APPROVED, Reason.EDITOR_DECISION)


def anna(session, clock) -> decisions.Decider:
    return decisions.Decider.editor(keys.create_key(session, "anna", Role.EDITOR, clock()).key)


def events(session, comment) -> list[tuple[str | None, str, str]]:
    return [(e.from_status and e.from_status.value, e.to_status.value, e.actor)
            for e in session.scalars(select(ModerationEvent).where(
                ModerationEvent.comment_id == comment.id).order_by(ModerationEvent.id))]


def test_a_rejection_states_its_reasons_under_the_publishers_terms(database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.PENDING)
        with pytest.raises(ValueError, match="terms"):
            decisions.apply(comment, REJECT, decisions.AUTOMATION, clock())
        assert decisions.apply(comment, REJECT, decisions.AUTOMATION, clock(), terms=TERMS)
        assert comment.statement_of_reasons["ground"]["clause"] == "Kommentarrichtlinien"
        assert comment.rejected_at == clock()


def test_automation_never_overrides_an_editors_decision(database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.PENDING)
        editor = anna(session, clock)
        assert decisions.apply(comment, decisions.Change(
            CommentStatus.APPROVED, Reason.EDITOR_DECISION), editor, clock())

        assert not decisions.apply(comment, HOLD, decisions.AUTOMATION, clock())
        assert comment.status is CommentStatus.APPROVED
        assert events(session, comment)[-1] == ("pending", "approved", "key:anna")


def test_an_open_appeal_waits_for_a_person(database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.REJECTED)
        assert decisions.apply(comment, decisions.Change(
            CommentStatus.REVIEW, Reason.APPEALED, "Widerspruch."), decisions.AUTHOR, clock())
        assert comment.editor_decided_at is None  # the earlier decision is contested

        assert not decisions.apply(comment, REJECT, decisions.AUTOMATION, clock(), terms=TERMS)
        assert events(session, comment)[-1] == ("rejected", "review", "author")


def test_an_erased_comment_is_left_alone_by_automation_and_refused_to_people(
        database, clock):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.PENDING,
                              erased_at=clock())
        assert not decisions.apply(comment, HOLD, decisions.AUTOMATION, clock())
        with pytest.raises(decisions.CommentErased):
            decisions.apply(comment, HOLD, anna(session, clock), clock())
        assert comment.status is CommentStatus.PENDING


def test_deciding_what_stands_records_nothing(database, clock, subscribed):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.REVIEW)
        assert not decisions.apply(comment, HOLD, decisions.AUTOMATION, clock())
        assert len(events(session, comment)) == 1
        assert session.scalars(select(WebhookMessage)).all() == []


def test_a_new_comment_is_heard_of_before_its_first_decision(database, clock, subscribed):
    with database.transaction() as session:
        comment = new_comment(session, clock())
        decisions.receive(session, comment, clock(), scoring=True)
        decisions.apply(comment, REJECT, decisions.AUTOMATION, clock(), terms=TERMS)
        told = session.scalars(select(WebhookMessage).order_by(WebhookMessage.id)).all()

    assert [m.event_type for m in told] == ["comment.created", "comment.rejected"]
    assert told[0].created_at < told[1].created_at  # one moment, two events, in order
    assert [m.payload["data"]["previous_status"] for m in told] == [None, "pending"]


def test_a_person_signed_in_to_the_workspace_decides_like_an_editors_key(
        database, clock, subscribed):
    with database.transaction() as session:
        comment = add_comment(session, clock(), status=CommentStatus.REVIEW)
        jana = decisions.Decider.user("jana@zeitung.de")
        assert jana.person and not jana.automatic
        assert decisions.apply(comment, REJECT, jana, clock(), terms=TERMS)

        assert not decisions.apply(comment, HOLD, decisions.AUTOMATION, clock())
        assert events(session, comment)[-1] == ("review", "rejected", "user:jana@zeitung.de")
        assert comment.statement_of_reasons["automated_decision"] is False
        told = session.scalars(select(WebhookMessage)).one()
        assert told.payload["data"]["actor"] == {"type": "editor", "user": "jana@zeitung.de"}


def test_the_person_who_rejected_does_not_decide_the_appeal_while_another_could(
        database, clock):
    with database.transaction() as session:
        other = anna(session, clock)
        comment = add_comment(session, clock(), status=CommentStatus.REVIEW)
        jana = decisions.Decider.user("jana@zeitung.de")
        decisions.apply(comment, REJECT, jana, clock(), terms=TERMS)
        appeal = Appeal(public_id="widerspruch-1", comment_id=comment.id, explanation=None,
                        rejected_by=jana.actor, status=Resolution.OPEN.value,
                        created_at=clock())
        session.add(appeal)
        decisions.apply(comment, decisions.Change(
            CommentStatus.REVIEW, Reason.APPEALED, "Widerspruch."), decisions.AUTHOR, clock())

        with pytest.raises(appeals.NeedsOtherEditor):
            decisions.apply(comment, APPROVE, jana, clock())
        assert decisions.apply(comment, APPROVE, other, clock())
        assert (appeal.status, appeal.decided_by) == ("upheld", "key:anna")
