"""The digest of the queue, mailed hourly or daily to each account that wants it: the counts
per working view, how long the oldest waits, the articles with most held, the link to the
queue. Nothing is sent when nothing waits for an editor.

A digest belongs to a slot: the full hour, or the day from the digest hour (Europe/Berlin)
on. An account's slot is looked at once, whether a digest went or nothing waited; a worker
that was down catches up with the slot it missed, once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus, Resolution
from moderation.mail import templates
from moderation.mail.message import one_line
from moderation.mail.templates import NEWSROOM_TIME, QueueDigest
from moderation.models import Appeal, Comment, Report
from moderation.services import articles, mail_outbox, notifications, queue
from moderation.services.mail_outbox import Mailing
from moderation.services.notifications import DigestFrequency

KIND = "digest"
QUEUE_PATH = "/redaktion/"
# The views that wait for an editor; comments not yet scored wait for the scorer.
WAITING_VIEWS = ("review", "reported", "appealed")
TOP_ARTICLES = 5


def slot(frequency: DigestFrequency, now: datetime, daily_hour: int) -> datetime:
    """The start of the digest period ``now`` is in: the full hour, or the latest digest
    hour of the newsroom's day."""
    if frequency is DigestFrequency.HOURLY:
        return now.replace(minute=0, second=0, microsecond=0)
    local = now.astimezone(NEWSROOM_TIME)
    start = datetime.combine(local.date(), time(daily_hour), tzinfo=NEWSROOM_TIME)
    if start > local:
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def next_run(now: datetime) -> datetime:
    """The next full hour, where every slot starts (Berlin is a whole number of hours
    from UTC)."""
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def send_due(session: Session, mailing: Mailing, now: datetime) -> int:
    """Queue a digest for every subscriber whose slot has come and was not looked at yet;
    returns how many were queued."""
    if not mailing.enabled:
        return 0
    @cache  # one look at the queue for every digest of this run, and only when one is due
    def snapshot() -> QueueDigest | None:
        return waiting(session, now, mailing.link(QUEUE_PATH))

    queued = 0
    for account, settings in notifications.digest_subscribers(session):
        frequency = DigestFrequency(settings.digest)
        start = slot(frequency, now, mailing.digest_hour)
        if settings.digest_checked_at is not None and settings.digest_checked_at >= start:
            continue
        settings.digest_checked_at = now
        found = snapshot()
        if found is None:
            continue
        subject, body = templates.digest(found, frequency.value, mailing.language_of(account))
        if mail_outbox.queue(session, account, kind=KIND, subject=subject, body=body,
                             dedupe_key=f"{KIND}:{account.id}:{start.isoformat()}", now=now):
            settings.last_digest_at = now
            queued += 1
    return queued


def waiting(session: Session, now: datetime, link: str) -> QueueDigest | None:
    """What waits for the editors now, or ``None`` when nothing does."""
    counts = queue.counts(session, queue.QueueFilter())
    if not any(counts[name] for name in WAITING_VIEWS):
        return None
    oldest = _longest_waiting_since(session)
    top = articles.list_articles(session, articles.ArticleFilter(in_review=True),
                                 sort="review", cursor=None, limit=TOP_ARTICLES).articles
    return QueueDigest(
        counts=counts, longest_wait=now - oldest if oldest is not None else None,
        articles=[(one_line(o.article.title or o.article.key), o.in_review) for o in top],
        at=now, link=link)


def _longest_waiting_since(session: Session) -> datetime | None:
    """Since when the longest-waiting item waits: a held comment since it arrived, a
    report or an appeal since it was made."""
    since = [
        session.scalar(select(func.min(Comment.created_at)).where(
            Comment.status == CommentStatus.REVIEW, Comment.erased_at.is_(None))),
        session.scalar(select(func.min(Report.created_at)).where(
            Report.status == Resolution.OPEN.value)),
        session.scalar(select(func.min(Appeal.created_at)).where(
            Appeal.status == Resolution.OPEN.value)),
    ]
    found = [moment for moment in since if moment is not None]
    return min(found) if found else None
