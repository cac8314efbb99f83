"""Immediate mails about readers' reports that cannot wait for the digest: possibly
illegal content (DSA Art. 16: act expeditiously) and threats. One mail per report to every
active editor and admin who wants them, in their language; never who reported."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from moderation.domain import ReportCategory
from moderation.mail import templates
from moderation.mail.message import one_line
from moderation.models import Report
from moderation.services import mail_outbox, notifications
from moderation.services.mail_outbox import Mailing

URGENT = frozenset({ReportCategory.ILLEGAL, ReportCategory.THREAT})
KIND = "report_alert"


def comment_path(comment_public_id: str) -> str:
    """Where the workspace shows one comment."""
    return f"/redaktion/kommentare/{comment_public_id}"


def report_received(session: Session, report: Report, mailing: Mailing, now: datetime) -> int:
    """Queue the mails about a new report, in its transaction; returns how many."""
    if not mailing.enabled or report.category not in URGENT:
        return 0
    comment = report.comment
    alert = templates.ReportAlert(
        category=report.category, legal_provision=report.legal_provision,
        explanation=report.explanation, reported_at=report.created_at,
        article_title=one_line(comment.article.title or comment.article.key),
        author_name=one_line(comment.author_name), comment_text=comment.body,
        written_at=comment.created_at, link=mailing.link(comment_path(comment.public_id)))
    worded = {}
    queued = 0
    for account in notifications.immediate_recipients(session):
        language = mailing.language_of(account)
        if language not in worded:
            worded[language] = templates.report_alert(alert, language)
        subject, body = worded[language]
        queued += mail_outbox.queue(
            session, account, kind=KIND, subject=subject, body=body,
            dedupe_key=f"{KIND}:{report.public_id}:{account.id}", now=now,
            comment_id=comment.id)
    return queued
