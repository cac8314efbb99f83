"""A reader's rights under the GDPR: a copy of everything stored about them (Art. 15 and 20)
and its erasure (Art. 17).

A reader is identified by the email they gave (matched by its ``email_key``: any spelling
of it that NFC and casefolding make one), the author tokens their comments were submitted
with and the report tokens of reports they filed, in any combination. Erasure turns each of
their comments into a tombstone with ``scrub_comments``, the one scrub the retention purge
uses too: the body and everything that identifies the author or may quote the body goes;
the decision record (status, reason codes, who decided and when, scores) stays, as the DSA
asks of it. Reports they filed keep the notice (comment, category, legal provision, status
and decision) and lose what they wrote, who they are and their token. The record of their
email for notifications (``reader_mail``) goes with its subscriptions and mails.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from moderation import jobs
from moderation.domain import CommentStatus
from moderation.errors import Invalid
from moderation.models import (
    Appeal,
    Article,
    Comment,
    Job,
    ModerationEvent,
    Report,
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
    email_key,
)
from moderation.services import appeals, audit, decisions, mail_outbox, reader_mail, reports
from moderation.tokens import hash_token

ERASURE_REQUEST = "erasure_request"
RETENTION = "retention"

# A statement of reasons keeps the decision (what was done, on what ground, by what means,
# when), not the facts and matched words, which may quote the body.
STATEMENT_KEPT = frozenset({
    "comment_id", "summary", "measure", "reason_code", "ground", "automated_detection",
    "automated_decision", "automated_means", "decided_at",
})
# An automatic decision's details keep what drove it, not the words and sentences it found.
EVENT_DETAILS_KEPT = frozenset({"model", "model_version", "mode", "scores"})


@dataclass(frozen=True)
class Subject:
    """Whose data a request is about."""

    email_key: str | None
    token_hashes: tuple[str, ...]
    report_token_hashes: tuple[str, ...] = ()

    @classmethod
    def of(cls, email: str | None, author_tokens: Iterable[str],
           report_tokens: Iterable[str] = ()) -> Subject:
        subject = cls(email_key(email), _hashes(author_tokens), _hashes(report_tokens))
        if not subject.identified_by():
            raise Invalid("Name the reader: an email, author tokens or report tokens.",
                          errors={"email": ["Give an email or at least one author or report "
                                            "token."]})
        return subject

    def identified_by(self) -> list[str]:
        return [name for name, given in (("email", self.email_key),
                                         ("author_tokens", self.token_hashes),
                                         ("report_tokens", self.report_token_hashes)) if given]

    def wrote(self) -> ColumnElement[bool]:
        """Matches the comments this reader wrote."""
        return or_(
            Comment.author_email_key == self.email_key if self.email_key else false(),
            Comment.author_token_hash.in_(self.token_hashes) if self.token_hashes else false())

    def reported(self) -> ColumnElement[bool]:
        """Matches the reports this reader filed: by the email they gave or the report
        token they got (an author token knows nothing of reports)."""
        return or_(
            Report.reporter_email_key == self.email_key if self.email_key else false(),
            Report.token_hash.in_(self.report_token_hashes) if self.report_token_hashes
            else false())


def _hashes(tokens: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({hash_token(t) for t in tokens if t}))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _by(actor: str) -> str:
    # Editors' key names are staff data: the reader learns that an editor decided, not who.
    return "editor" if actor.startswith("key:") else actor


@dataclass(frozen=True)
class Holdings:
    """What is stored about one reader, counted: enough to tell that it is them and what
    an erasure would take, without showing any of it."""

    request_id: str
    comments: int  # an erased one cannot be found: its email and token went with it
    appeals: int  # on their comments
    reports: int  # they filed
    first_comment_at: datetime | None
    last_comment_at: datetime | None

    @property
    def found(self) -> bool:
        return bool(self.comments or self.reports)


def lookup(session: Session, email: str | None = None, author_tokens: Sequence[str] = (),
           *, report_tokens: Sequence[str] = (), actor: str, api_key_id: int | None = None,
           now: datetime) -> Holdings:
    """Count what is stored about one reader (before an export or an erasure); audited by
    id and counts, like both."""
    subject = Subject.of(email, author_tokens, report_tokens)
    rows = session.execute(select(Comment.id, Comment.created_at)
                           .where(subject.wrote())).all()
    reports_filed = session.scalar(select(func.count(Report.id)).where(subject.reported()))
    appeals_on = session.scalar(select(func.count(Appeal.id)).where(
        Appeal.comment_id.in_([row.id for row in rows]))) if rows else 0
    moments = [row.created_at for row in rows]
    holdings = Holdings(
        request_id=uuid.uuid4().hex, comments=len(rows), appeals=appeals_on or 0,
        reports=reports_filed or 0,
        first_comment_at=min(moments, default=None), last_comment_at=max(moments, default=None))
    audit.record(session, "privacy.looked_up", actor=actor, api_key_id=api_key_id,
                 target=f"request:{holdings.request_id}", now=now, details={
                     "request_id": holdings.request_id,
                     "identified_by": subject.identified_by(), "comments": holdings.comments,
                     "appeals": holdings.appeals, "reports": holdings.reports})
    return holdings


def export_author(session: Session, email: str | None = None,
                  author_tokens: Sequence[str] = (), *, report_tokens: Sequence[str] = (),
                  actor: str, api_key_id: int | None = None, now: datetime,
                  address_retention_days: int) -> dict[str, Any]:
    """Everything stored about one reader, as a JSON-able document (GDPR Art. 15, 20).

    The request is audited by id and counts; the email does not go into the audit log."""
    subject = Subject.of(email, author_tokens, report_tokens)
    comments = list(session.scalars(
        select(Comment).where(subject.wrote()).options(selectinload(Comment.events))
        .order_by(Comment.created_at, Comment.id)))
    appeals = _appeals_on(session, [c.id for c in comments])
    reports = list(session.scalars(select(Report).where(subject.reported())
                                   .options(selectinload(Report.comment))
                                   .order_by(Report.created_at, Report.id)))
    request_id = uuid.uuid4().hex
    audit.record(session, "privacy.exported", actor=actor, api_key_id=api_key_id,
                 target=f"request:{request_id}", now=now, details={
                     "request_id": request_id, "identified_by": subject.identified_by(),
                     "comments": len(comments), "appeals": len(appeals),
                     "reports": len(reports)})
    public_ids = {c.id: c.public_id for c in comments}
    return {
        "request_id": request_id,
        "exported_at": now.isoformat(),
        "identified_by": subject.identified_by(),
        "comments": [_exported_comment(c) for c in comments],
        "appeals": [_exported_appeal(a, public_ids[a.comment_id]) for a in appeals],
        "reports": [_exported_report(r) for r in reports],
        "notifications": reader_mail.holdings(session, subject.email_key),
        "not_stored": _not_stored(address_retention_days),
    }


def _appeals_on(session: Session, comment_ids: list[int]) -> list[Appeal]:
    if not comment_ids:
        return []
    return list(session.scalars(select(Appeal).where(Appeal.comment_id.in_(comment_ids))
                                .order_by(Appeal.created_at, Appeal.id)))


def _exported_comment(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.public_id,
        "article_key": comment.article.key,
        "article_title": comment.article.title,
        "parent_id": comment.parent_public_id,
        "author_name": comment.author_name,
        "author_email": comment.author_email,
        "body": comment.body,
        "status": comment.status.value,
        "status_reason_code": comment.status_reason_code,
        "status_reason": comment.status_reason,
        "statement_of_reasons": comment.statement_of_reasons,
        "scores": comment.scores,
        "scored_by": comment.scored_by,
        "spam_signals": comment.spam,
        "address_hash": comment.client_hash,
        "created_at": _iso(comment.created_at),
        "updated_at": _iso(comment.updated_at),
        "rejected_at": _iso(comment.rejected_at),
        "erased_at": _iso(comment.erased_at),
        "erased_reason": comment.erased_reason,
        "moderation_events": [{
            "by": _by(event.actor),
            "from_status": event.from_status.value if event.from_status else None,
            "to_status": event.to_status.value,
            "reason_code": event.reason_code,
            "reason": event.reason,
            # What drove an automatic decision; not the editors' evidence view, whose word
            # list entries are the publisher's (the statement of reasons names the matches).
            "details": _exported_details(event.details),
            "created_at": _iso(event.created_at),
        } for event in comment.events],
    }


def _exported_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if details is None:
        return None
    return {key: value for key, value in details.items()
            if key in EVENT_DETAILS_KEPT or key == "statement_of_reasons"}


def _exported_appeal(appeal: Appeal, comment_id: str) -> dict[str, Any]:
    return {"id": appeal.public_id, "comment_id": comment_id,
            "explanation": appeal.explanation, "status": appeal.status,
            "decided_at": _iso(appeal.decided_at), "created_at": _iso(appeal.created_at)}


def _exported_report(report: Report) -> dict[str, Any]:
    return {"id": report.public_id, "comment_id": report.comment.public_id,
            "category": report.category, "legal_provision": report.legal_provision,
            "explanation": report.explanation,
            "reporter_name": report.reporter_name, "reporter_email": report.reporter_email,
            "good_faith": report.good_faith, "status": report.status,
            "decided_at": _iso(report.decided_at), "address_hash": report.client_hash,
            "created_at": _iso(report.created_at)}


def _not_stored(address_retention_days: int) -> list[str]:
    return [
        "No IP address is stored. Spam checks and the counting of reports use a keyed hash "
        "of the address; the daily key and the hashes are deleted after "
        f"{address_retention_days} days, after which nobody can link a hash to an address. "
        "Rate limits count requests per network (e.g. 203.0.113.0/24) and per hashed email, "
        "and forget the counts when their window ends.",
        "Author and report tokens are stored only as a SHA-256 hash and are not part of "
        "this export.",
        "No cookies, browser fingerprints or reading history are stored.",
    ]


def erase_author(session: Session, email: str | None = None,
                 author_tokens: Sequence[str] = (), *, report_tokens: Sequence[str] = (),
                 actor: str, api_key_id: int | None = None, now: datetime) -> dict[str, Any]:
    """Erase one reader's data (GDPR Art. 17): their comments become tombstones and the
    reports they filed lose what they wrote, their contact data and their report token.
    Idempotent; audited by id and counts."""
    subject = Subject.of(email, author_tokens, report_tokens)
    # Locked (and those a retention purge holds waited for, then skipped as erased): the
    # two never scrub one comment twice.
    comments = list(session.scalars(select(Comment).where(subject.wrote(),
                                                          Comment.erased_at.is_(None))
                                    .order_by(Comment.id).with_for_update(of=Comment)))
    scrubbed = scrub_comments(session, comments, ERASURE_REQUEST, now)
    reports_scrubbed = _scrub_filed_reports(session, subject)
    request_id = uuid.uuid4().hex
    counts = {"comments": len(comments), "appeals": scrubbed.appeals,
              "reports": reports_scrubbed,
              "webhook_messages": scrubbed.webhook_messages,
              # Asked for by email: its notification record, subscriptions and mails go.
              "reader_addresses": reader_mail.forget(session, subject.email_key)}
    audit.record(session, "privacy.erased", actor=actor, api_key_id=api_key_id,
                 target=f"request:{request_id}", now=now,
                 details={"request_id": request_id,
                          "identified_by": subject.identified_by(), **counts})
    return {"request_id": request_id, **counts}


def _scrub_filed_reports(session: Session, subject: Subject) -> int:
    """The notice stays on record (editors still decide it; the DSA counts it); what the
    reporter wrote, who they are and the token that showed them the decision go. The key
    and the token are what found the report, so a second erasure finds nothing."""
    filed = list(session.scalars(select(Report).where(subject.reported())
                                 .order_by(Report.id).with_for_update(of=Report)))
    for report in filed:
        report.explanation = None
        report.decision_note = None  # the editor's note may answer, or name, the reporter
        report.reporter_name = None
        report.reporter_email = None  # and with it the key
        report.client_hash = None
        report.token_hash = secrets.token_hex(32)  # the hash of no token anybody holds
    return len(filed)


@dataclass(frozen=True)
class Scrubbed:
    comments: int
    appeals: int
    webhook_messages: int


def scrub_comments(session: Session, comments: Sequence[Comment], reason: str,
                   now: datetime) -> Scrubbed:
    """Turn comments into tombstones (``reason``: erasure_request or retention).

    Gone: the body, the author's name, email, address hash and token, spam signals, the
    evidence of automatic decisions, the free text of events, appeals and reports on them,
    what webhook messages and delivery logs said about them, and the mails to editors that
    quote them. Kept: status, reason codes, who decided and when, scores, and a minimal
    statement of reasons. Subscribers hear ``comment.erased`` to delete their copies."""
    if not comments:
        return Scrubbed(0, 0, 0)
    ids = [c.id for c in comments]
    for comment in comments:
        _tombstone(comment, reason, now)
    for event in session.scalars(select(ModerationEvent)
                                 .where(ModerationEvent.comment_id.in_(ids))):
        event.reason = None
        event.details = _minimal_details(event.details)
    appeals_scrubbed = session.execute(
        update(Appeal).where(Appeal.comment_id.in_(ids)).values(explanation=None)
        .execution_options(synchronize_session=False)).rowcount or 0
    # Others' reports on the comment, and an editor's note on them, may quote it.
    session.execute(update(Report).where(Report.comment_id.in_(ids))
                    .values(explanation=None, decision_note=None)
                    .execution_options(synchronize_session=False))
    # Nothing left to score: a worker must not judge (and maybe publish) an empty body.
    session.execute(delete(Job).where(Job.kind == jobs.SCORE_COMMENT, Job.subject_id.in_(ids)))
    messages = _redact_webhook_messages(session, comments)
    # Mails to editors quote the comment and the reports on it: they go, sent or not.
    mail_outbox.forget_comments(session, ids)
    # Nothing is left to decide on: open reports and appeals close, and their senders hear
    # so (after the redaction: these messages say nothing of the comment's content).
    reports.close_for_erased(session, ids, now)
    appeals.close_for_erased(session, ids, now)
    for comment in comments:
        decisions.erase(comment, reason, now)
    return Scrubbed(len(comments), appeals_scrubbed, messages)


def _tombstone(comment: Comment, reason: str, now: datetime) -> None:
    if comment.status is CommentStatus.APPROVED:
        # The public thread changes: a new ETag (counted in SQL: no lost update).
        comment.article.public_revision = Article.public_revision + 1
    comment.body = ""
    comment.author_name = ""
    comment.author_email = None
    comment.client_hash = None
    comment.author_token_hash = secrets.token_hex(32)  # the hash of no token anybody holds
    comment.spam = None
    comment.text_fingerprint = None
    comment.explanation = None
    comment.status_reason = None
    comment.statement_of_reasons = _minimal_statement(comment.statement_of_reasons)
    comment.erased_at = now
    comment.erased_reason = reason
    comment.updated_at = now


def _minimal_statement(statement: dict[str, Any] | None) -> dict[str, Any] | None:
    if statement is None:
        return None
    kept = {key: value for key, value in statement.items() if key in STATEMENT_KEPT}
    if isinstance(kept.get("automated_means"), dict):
        # The words and targets matched are the author's own words: they go with the text.
        kept["automated_means"] = {key: value for key, value in kept["automated_means"].items()
                                   if key not in ("words", "targets")}
    return kept


def _minimal_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    if details is None:
        return None
    kept = {key: value for key, value in details.items() if key in EVENT_DETAILS_KEPT}
    if "statement_of_reasons" in details:
        kept["statement_of_reasons"] = _minimal_statement(details["statement_of_reasons"])
    return kept


def _redact_webhook_messages(session: Session, comments: Sequence[Comment]) -> int:
    """Messages about the comments shrink to their id; receivers' answers are forgotten."""
    public_ids = {c.id: c.public_id for c in comments}
    messages = list(session.scalars(select(WebhookMessage)
                                    .where(WebhookMessage.comment_id.in_(list(public_ids)))))
    for message in messages:
        message.payload = {**message.payload, "data": {
            "comment_id": public_ids[message.comment_id], "erased": True}}
    if messages:
        deliveries = select(WebhookDelivery.id).where(
            WebhookDelivery.message_id.in_([m.id for m in messages]))
        session.execute(update(WebhookAttempt)
                        .where(WebhookAttempt.delivery_id.in_(deliveries))
                        .values(response_excerpt=None)
                        .execution_options(synchronize_session=False))
    return len(messages)
