"""Mails to comment authors who ask for them: double opt-in, notifications, suppression.

- **Opt-in** (``opt_in``): an author who gives an email and ticks "notify me" subscribes
  that comment. The address gets one confirmation mail (at most one a day, so that nobody
  can flood a stranger's mailbox by typing it in); nothing else goes to it until the link
  in that mail is confirmed. Only what happens after the confirmation is mailed: a decision
  taken while the address waited is not sent later.
- **Notifications** (``on_status_change``, called by ``decisions._record``, the one path of
  every status change, in its transaction): own comment published (once per comment), own
  comment rejected (with the statement of reasons and how to appeal, once per rejection),
  a reply to it published (once per reply; never one's own reply to oneself).
- **Suppression**: an address that unsubscribed, bounced (5xx from the SMTP server, or
  reported by the MTA's bounce processor) or complained gets nothing any more; its pending
  mails are cancelled. A reader who had confirmed and unsubscribed later may opt in again
  with a new comment, and confirms afresh; "not me" on a confirmation mail is for good.

Mails are worded when the worker sends them (``compose``), from the comment as it stands
then: one whose news is no longer true (published, then rejected before the mail went) is
cancelled instead of sent.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus
from moderation.errors import NotFound
from moderation.mail import reader
from moderation.models import (
    Comment,
    MailMessage,
    ReaderAddress,
    ReaderSubscription,
    email_key,
)
from moderation.services import audit, mail_outbox
from moderation.services.mail_outbox import Mailing
from moderation.texts import LANGUAGES

# What ``opt_in`` answers (the ``notification`` of a submitted comment).
CONFIRMATION_SENT, SUBSCRIBED, UNAVAILABLE, SUPPRESSED = (
    "confirmation_sent", "subscribed", "unavailable", "suppressed")
# Why an address gets nothing any more.
UNSUBSCRIBED, BOUNCED, COMPLAINT = "unsubscribed", "bounced", "complaint"
SUPPRESSION_REASONS = (UNSUBSCRIBED, BOUNCED, COMPLAINT)
# The kinds of mail to readers.
CONFIRMATION, PUBLISHED, REJECTED, REPLY = (
    "reader_confirmation", "reader_published", "reader_rejected", "reader_reply")
CONFIRMATION_INTERVAL = timedelta(hours=24)
# An address nobody confirmed is forgotten after this (the retention purge).
UNCONFIRMED_RETENTION = timedelta(days=7)


# --- opt-in -------------------------------------------------------------------------------

def opt_in(session: Session, comment: Comment, language: str | None, mailing: Mailing,
           now: datetime) -> str:
    """Subscribe ``comment`` (already flushed, with an author email) to notifications for
    its author; returns what the author is told (``CONFIRMATION_SENT`` …). Mails are in
    ``language``, the one of the address's first opt-in."""
    if not mailing.to_readers:
        return UNAVAILABLE
    assert comment.author_email is not None, "the schema asks for an email with notify"
    address = _address_for(session, comment.author_email, language or mailing.language, now)
    if address.suppressed:
        if not _may_opt_in_again(address):
            return SUPPRESSED
        # Asked afresh: confirmed afresh, and nothing goes before.
        address.suppressed_at = address.suppressed_reason = address.confirmed_at = None
        address.confirmation_sent_at, address.updated_at = None, now
    session.add(ReaderSubscription(comment_id=comment.id, reader_address_id=address.id,
                                   created_at=now))
    if address.confirmed:
        return SUBSCRIBED
    sent = address.confirmation_sent_at
    if sent is None or now - sent >= CONFIRMATION_INTERVAL:
        address.confirmation_sent_at = address.updated_at = now
        mail_outbox.queue_to_reader(
            session, address, kind=CONFIRMATION, name=comment.author_name, now=now,
            dedupe_key=f"{CONFIRMATION}:{address.id}:{now.isoformat()}",
            comment_id=comment.id)
    return CONFIRMATION_SENT


def _may_opt_in_again(address: ReaderAddress) -> bool:
    """Whether a new opt-in may lift the address's suppression: only for a reader who once
    confirmed it and unsubscribed later. "Not me" on a confirmation mail, a bounce or a
    complaint stays for good: typing the address again must not reach its owner."""
    return address.suppressed_reason == UNSUBSCRIBED and address.confirmed_at is not None


def _address_for(session: Session, email: str, language: str, now: datetime) -> ReaderAddress:
    """The address's row, made on its first opt-in (in a savepoint: on PostgreSQL two
    first opt-ins at once both try; the second finds the first's row)."""
    key = email_key(email)
    address = session.scalar(select(ReaderAddress).where(ReaderAddress.email_key == key)
                             .with_for_update())
    if address is not None:
        return address
    try:
        with session.begin_nested():
            address = ReaderAddress(email=email, language=language,
                                    token=secrets.token_urlsafe(32), created_at=now,
                                    updated_at=now)
            session.add(address)
    except IntegrityError:
        address = session.scalars(select(ReaderAddress).where(ReaderAddress.email_key == key)
                                  .with_for_update()).one()
    return address


# --- the reader's links ---------------------------------------------------------------------

def by_token(session: Session, token: str, *, for_update: bool = False) -> ReaderAddress:
    """The address a mail's link names; ``NotFound`` for a token nobody was sent."""
    query = select(ReaderAddress).where(ReaderAddress.token == token[:64])
    address = session.scalar(query.with_for_update() if for_update else query)
    if address is None:
        raise NotFound("No such link: it may have been erased with the address's data.",
                       code="link_not_found")
    return address


def confirm(session: Session, token: str, now: datetime) -> ReaderAddress:
    """The reader confirms that the address is theirs (a suppressed one stays so)."""
    address = by_token(session, token, for_update=True)
    if address.confirmed_at is None and not address.suppressed:
        address.confirmed_at = address.updated_at = now
    return address


def unsubscribe(session: Session, token: str, now: datetime) -> ReaderAddress:
    """No more mail to the address, from now on (RFC 8058 one-click, or the page's
    button)."""
    address = by_token(session, token, for_update=True)
    _suppress(session, address, UNSUBSCRIBED, now)
    return address


def suppress(session: Session, email: str, reason: str, *, actor: str,
             api_key_id: int | None = None, now: datetime) -> ReaderAddress:
    """An MTA's bounce or complaint for ``email`` (CLI, admin API): no more mail to it,
    even to an address nobody opted in with yet. Audited without the address."""
    address = session.scalar(select(ReaderAddress).where(
        ReaderAddress.email_key == email_key(email)).with_for_update())
    if address is None:
        address = ReaderAddress(email=email, language=LANGUAGES[0],
                                token=secrets.token_urlsafe(32), created_at=now,
                                updated_at=now)
        session.add(address)
        session.flush()
    cancelled = _suppress(session, address, reason, now)
    audit.record(session, "mail.suppressed", actor=actor, api_key_id=api_key_id,
                 target=f"reader_address:{address.id}", now=now,
                 details={"reason": reason, "cancelled": cancelled})
    return address


def bounced(session: Session, address_id: int, error: str, now: datetime) -> None:
    """The SMTP server refused a mail to the address for good (5xx)."""
    address = session.get(ReaderAddress, address_id, with_for_update=True)
    if address is not None:
        _suppress(session, address, BOUNCED, now, why=f"the address bounced ({error})")


def _suppress(session: Session, address: ReaderAddress, reason: str, now: datetime, *,
              why: str | None = None) -> int:
    if address.suppressed_at is None:
        address.suppressed_at, address.suppressed_reason = now, reason
        address.updated_at = now
    return mail_outbox.cancel_to_reader(
        session, address.id, why or f"the address is suppressed ({reason})", now)


# --- notifications ------------------------------------------------------------------------

def on_status_change(session: Session, comment: Comment, from_status: CommentStatus | None,
                     now: datetime) -> None:
    """Queue the mails a status change means for subscribed authors, in its transaction."""
    if comment.status is CommentStatus.APPROVED and from_status is not CommentStatus.APPROVED:
        own = _subscribed(session, comment)
        if own is not None:
            mail_outbox.queue_to_reader(session, own, kind=PUBLISHED,
                                        name=comment.author_name, now=now,
                                        dedupe_key=f"{PUBLISHED}:{comment.id}",
                                        comment_id=comment.id)
        parent = session.get(Comment, comment.parent_id) if comment.parent_id else None
        above = _subscribed(session, parent) if parent is not None else None
        if parent is not None and above is not None \
                and above.email_key != comment.author_email_key:
            mail_outbox.queue_to_reader(session, above, kind=REPLY, name=parent.author_name,
                                        now=now, dedupe_key=f"{REPLY}:{comment.id}",
                                        comment_id=comment.id)
    elif comment.status is CommentStatus.REJECTED and from_status is not CommentStatus.REJECTED:
        own = _subscribed(session, comment)
        if own is not None:
            mail_outbox.queue_to_reader(
                session, own, kind=REJECTED, name=comment.author_name, now=now,
                dedupe_key=f"{REJECTED}:{comment.id}:{now.isoformat()}",
                comment_id=comment.id)


def _subscribed(session: Session, comment: Comment) -> ReaderAddress | None:
    """The address to tell about ``comment``: subscribed, confirmed and not suppressed."""
    if comment.author_email_key is None or comment.erased_at is not None:
        return None
    return session.scalar(
        select(ReaderAddress).join(ReaderSubscription)
        .where(ReaderSubscription.comment_id == comment.id,
               ReaderAddress.confirmed_at.is_not(None), ReaderAddress.suppressed_at.is_(None)))


# --- wording, when the worker sends ---------------------------------------------------------

@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str
    headers: dict[str, str] = field(default_factory=dict)


def links(address: ReaderAddress, mailing: Mailing) -> reader.Links:
    return reader.Links(
        confirm=mailing.link(f"/v1/notifications/confirm/{address.token}"),
        unsubscribe=mailing.link(f"/v1/notifications/unsubscribe/{address.token}"),
        data=mailing.link(f"/v1/notifications/data/{address.token}"))


def compose(session: Session, mail: MailMessage, address: ReaderAddress,
            mailing: Mailing) -> Composed | str:
    """The mail to send now, or why it goes no more (the caller cancels it)."""
    if address.suppressed:
        return f"the address is suppressed ({address.suppressed_reason})"
    comment = session.get(Comment, mail.comment_id) if mail.comment_id else None
    notice_or_reason = _notice(mail, address, comment, links(address, mailing))
    if isinstance(notice_or_reason, str):
        return notice_or_reason
    worded = reader.word(notice_or_reason, address.language)
    headers = {} if mail.kind == CONFIRMATION else {
        # RFC 8058: one POST to this link unsubscribes, without a page or a cookie.
        "List-Unsubscribe": f"<{links(address, mailing).unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return Composed(worded.subject, worded.text, worded.html, headers)


def _notice(mail: MailMessage, address: ReaderAddress, comment: Comment | None,
            own_links: reader.Links) -> reader.Notice | str:
    if comment is None or comment.erased_at is not None:
        return "the comment was erased"
    title, name = comment.article.title, mail.recipient_name
    if mail.kind == CONFIRMATION:
        if address.confirmed:
            return "the address was confirmed meanwhile"
        return reader.Confirmation(name, title, own_links)
    if mail.kind == PUBLISHED:
        if comment.status is not CommentStatus.APPROVED:
            return "the comment is no longer published"
        return reader.Published(name, title, comment.body, _on_page(comment), own_links)
    if mail.kind == REJECTED:
        if comment.status is not CommentStatus.REJECTED or not comment.statement_of_reasons:
            return "the comment is no longer rejected"
        return reader.Rejected(name, title, comment.statement_of_reasons, _on_page(comment),
                               own_links)
    if comment.status is not CommentStatus.APPROVED:
        return "the reply is no longer published"
    return reader.Reply(name, title, comment.author_name, comment.body, _on_page(comment),
                        own_links)


def _on_page(comment: Comment) -> str | None:
    """The comment in the widget on its article's page (the widget's anchor)."""
    url = comment.article.url
    return f"{url}#kommentar-{comment.public_id}" if url else None


# --- privacy --------------------------------------------------------------------------------

def holdings(session: Session, key: str | None) -> dict[str, Any] | None:
    """What is stored for the address with ``email_key`` ``key``, for the reader's export
    (None: nothing)."""
    address = session.scalar(select(ReaderAddress).where(
        ReaderAddress.email_key == key)) if key else None
    if address is None:
        return None
    subscribed = session.scalars(select(Comment.public_id).join(
        ReaderSubscription, ReaderSubscription.comment_id == Comment.id)
        .where(ReaderSubscription.reader_address_id == address.id).order_by(Comment.id))
    mails = session.scalars(select(MailMessage).where(
        MailMessage.reader_address_id == address.id).order_by(MailMessage.id))
    return {
        "email": address.email, "language": address.language,
        "confirmed_at": _iso(address.confirmed_at),
        "confirmation_sent_at": _iso(address.confirmation_sent_at),
        "suppressed_at": _iso(address.suppressed_at),
        "suppressed_reason": address.suppressed_reason,
        "created_at": _iso(address.created_at),
        "subscribed_comments": list(subscribed),
        "mails": [{"kind": m.kind, "status": m.status, "created_at": _iso(m.created_at),
                   "sent_at": _iso(m.sent_at)} for m in mails],
    }


def forget(session: Session, key: str | None) -> int:
    """Erase the address with ``email_key`` ``key``, its subscriptions and every mail to it
    (GDPR Art. 17); returns how many addresses (0 or 1)."""
    if key is None:
        return 0
    address = session.scalar(select(ReaderAddress).where(ReaderAddress.email_key == key)
                             .with_for_update())
    if address is None:
        return 0
    _delete_addresses(session, [address.id])
    return 1


def purge_unconfirmed(session: Session, cutoff: datetime) -> int:
    """Addresses nobody confirmed, made before ``cutoff``, with their subscriptions and
    mails; a suppressed address stays (it must keep getting nothing)."""
    stale = list(session.scalars(select(ReaderAddress.id).where(
        ReaderAddress.confirmed_at.is_(None), ReaderAddress.suppressed_at.is_(None),
        ReaderAddress.created_at < cutoff)))
    _delete_addresses(session, stale)
    return len(stale)


def _delete_addresses(session: Session, ids: list[int]) -> None:
    if not ids:
        return
    mail_outbox.forget(session, MailMessage.reader_address_id.in_(ids))
    session.execute(delete(ReaderSubscription)
                    .where(ReaderSubscription.reader_address_id.in_(ids))
                    .execution_options(synchronize_session=False))
    session.execute(delete(ReaderAddress).where(ReaderAddress.id.in_(ids))
                    .execution_options(synchronize_session=False))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
