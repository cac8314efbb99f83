"""Readers' reports of comments, DSA Art. 16 notice and action: a reader reports a published
comment, editors see it in the "reported" queue, and their decision on the comment answers
the report, which the reporter can look up with the token they got."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, object_session

from moderation.domain import SYSTEM_ACTOR, CommentStatus, ReportCategory, Resolution
from moderation.errors import Conflict, Invalid, NotFound
from moderation.models import Comment, Report
from moderation.services import report_alerts, webhooks
from moderation.services.actors import Decider
from moderation.services.addresses import client_hash
from moderation.services.mail_outbox import Mailing
from moderation.texts import DEFAULT_LANGUAGE, text
from moderation.tokens import hash_token, token_matches


@dataclass(frozen=True)
class NewReport:
    category: ReportCategory
    explanation: str
    good_faith: bool
    legal_provision: str | None = None
    reporter_name: str | None = None
    reporter_email: str | None = None


@dataclass(frozen=True)
class Received:
    report: Report
    report_token: str
    message: str  # a confirmation to show the reporter


@dataclass(frozen=True)
class Decision:
    outcome: str
    decided_at: datetime
    note: str


@dataclass(frozen=True)
class ReporterView:
    """What the reporter may see of their report: no editor names, no internal notes."""

    report: Report
    decision: Decision | None


def report_comment(session: Session, comment_id: str, new: NewReport, address: str | None,
                   now: datetime, language: str = DEFAULT_LANGUAGE,
                   mailing: Mailing | None = None) -> Received:
    """Record a reader's notice about a published comment and count it for the editors.

    A notice must be made in good faith (DSA Art. 16(2)(d)). Repeated reports from one
    address while one of its reports is open are all kept, since each may add evidence and
    each reporter is owed the decision, but they count once: one reader cannot push a
    comment up the queue alone. Editors are mailed at once about possibly illegal content
    and threats (``mailing``: where mail is configured).
    """
    if not new.good_faith:
        raise Invalid("A report must be made in good faith.", errors={"good_faith": [
            "Confirm that the report is accurate and complete to the best of your knowledge."]})
    comment = session.scalar(select(Comment).where(Comment.public_id == comment_id)
                             .with_for_update(of=Comment))
    if comment is None or comment.status is not CommentStatus.APPROVED \
            or comment.erased_at is not None:
        raise NotFound("No published comment with this id.")
    token = secrets.token_urlsafe(24)
    report = Report(
        public_id=secrets.token_urlsafe(16), comment=comment, category=new.category.value,
        legal_provision=new.legal_provision, explanation=new.explanation,
        reporter_name=new.reporter_name,
        reporter_email=new.reporter_email, good_faith=True, token_hash=hash_token(token),
        client_hash=client_hash(session, address, now) if address else None,
        status=Resolution.OPEN.value, created_at=now)
    session.add(report)
    _recount(session, comment)
    webhooks.emit(session, "comment.reported", {
        "comment_id": comment.public_id, "article_key": comment.article.key,
        "report_id": report.public_id, "category": report.category,
        "open_reports": comment.open_reports, "links": _links(report)}, now,
        comment_id=comment.id)
    if mailing is not None:
        report_alerts.report_received(session, report, mailing, now)
    return Received(report, token, text(language, "report.received"))


def reporter_view(session: Session, report_id: str, token: str | None,
                  language: str = DEFAULT_LANGUAGE) -> ReporterView:
    """The reporter's view of their report and of the decision on it (the note on it in
    ``language``)."""
    report = session.scalar(select(Report).where(Report.public_id == report_id))
    # The same answer for a wrong token and a missing report: ids cannot be probed.
    if report is None or not token_matches(token, report.token_hash):
        raise NotFound("No such report, or the report token does not match.")
    if report.status == Resolution.OPEN:
        return ReporterView(report, None)
    outcome = Resolution(report.status)
    return ReporterView(report, Decision(outcome.value, report.decided_at,
                                         text(language, f"report.{outcome.value}")))


def get_report(session: Session, report_id: str) -> Report:
    """One report with the reporter's contact details, for editors and their mailers."""
    report = session.scalar(select(Report).where(Report.public_id == report_id))
    if report is None:
        raise NotFound(f"No report with the id {report_id!r}.")
    return report


def dismiss(session: Session, report_id: str, editor: Decider, reason: str | None,
            now: datetime) -> Report:
    """Dismiss one unfounded report and leave the comment as it is. Idempotent; a report
    upheld already cannot be dismissed."""
    report = get_report(session, report_id)
    _lock_comment(session, report.comment_id)
    session.refresh(report)  # another editor may have decided it meanwhile
    if report.status == Resolution.DISMISSED:
        return report
    if report.status != Resolution.OPEN:
        raise Conflict("This report was upheld already.", code="report_decided")
    _decide(session, report, Resolution.DISMISSED, editor, reason, now)
    _recount(session, report.comment)
    return report


def resolve_for(comment: Comment, decided: CommentStatus, editor: Decider,
                reason: str | None, now: datetime) -> None:
    """An editor's decision on a comment answers its open reports in the same transaction:
    rejecting it upholds them, approving (keeping) it dismisses them."""
    if not comment.open_reports:
        return
    session = object_session(comment)
    assert session is not None, "resolve_for needs a comment that belongs to a session"
    _lock_comment(session, comment.id)
    outcome = Resolution.UPHELD if decided is CommentStatus.REJECTED else Resolution.DISMISSED
    open_reports = session.scalars(select(Report).where(
        Report.comment_id == comment.id, Report.status == Resolution.OPEN)).all()
    for report in open_reports:
        _decide(session, report, outcome, editor, reason, now)
    _recount(session, comment)


def close_for_erased(session: Session, comment_ids: list[int], now: datetime) -> None:
    """Erased comments are gone: their open reports close without a decision, and their
    reporters are told so."""
    open_reports = session.scalars(select(Report).where(
        Report.comment_id.in_(comment_ids), Report.status == Resolution.OPEN)).all()
    for report in open_reports:
        _decide(session, report, Resolution.CLOSED, None, None, now)
        report.comment.open_reports = 0


def _decide(session: Session, report: Report, outcome: Resolution, editor: Decider | None,
            note: str | None, now: datetime) -> None:
    report.status = outcome.value
    report.decided_by = editor.actor if editor else SYSTEM_ACTOR
    report.decided_at = now
    report.decision_note = note
    comment = report.comment
    webhooks.emit(session, "report.decided", {
        "report_id": report.public_id, "comment_id": comment.public_id,
        "article_key": comment.article.key, "category": report.category,
        "outcome": outcome.value,
        "actor": editor.payload() if editor else {"type": SYSTEM_ACTOR},
        "links": _links(report)}, now, comment_id=comment.id)


def _lock_comment(session: Session, comment_id: int) -> None:
    # Whoever counts a comment's reports holds its row first (on SQLite the write lock
    # does): a report arriving meanwhile is then counted after, not lost.
    session.execute(select(Comment.id).where(Comment.id == comment_id).with_for_update())


def _recount(session: Session, comment: Comment) -> None:
    """Open reports, counting those from one address (a hash, until it is purged) once."""
    session.flush()
    without_address = func.count(Report.id) - func.count(Report.client_hash)
    comment.open_reports = session.scalar(
        select(without_address + func.count(distinct(Report.client_hash)))
        .where(Report.comment_id == comment.id, Report.status == Resolution.OPEN)) or 0


def _links(report: Report) -> dict[str, Any]:
    return {"report": f"/v1/moderation/reports/{report.public_id}",
            "comment": f"/v1/moderation/comments/{report.comment.public_id}"}
