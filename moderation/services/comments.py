"""The reader's side: submitting comments."""

from __future__ import annotations

import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.orm import Session

from moderation.domain import CommentStatus, ModerationMode
from moderation.errors import Conflict, Invalid
from moderation.models import Article, Comment
from moderation.policy import Decision, Signals, decide_at_intake
from moderation.services import addresses, decisions, reader_mail
from moderation.services.articles import adopt_page, get_or_create_article
from moderation.services.mail_outbox import Mailing
from moderation.services.spam import (
    SameTextSearch,
    caught_by_honeypot,
    duplicate_signals,
    fingerprint,
    honeypot_signals,
    same_text_search,
)
from moderation.statements import PublisherTerms
from moderation.text import count_links
from moderation.tokens import hash_token


@dataclass(frozen=True)
class NewComment:
    author_name: str
    body: str
    author_email: str | None = None
    parent_id: str | None = None
    # The honeypot: a field the widget hides from humans, so only bots fill it in.
    website: str | None = None
    # Mail the author about the comment (double opt-in), in ``language`` ("de", "en").
    notify: bool = False
    language: str | None = None
    # What the widget knows of the page it is on: adopted by an article without them.
    article_title: str | None = None
    article_url: str | None = None


@dataclass(frozen=True)
class Submitted:
    comment: Comment
    author_token: str
    # What the reader is told: a honeypot catch looks like any accepted comment.
    status: CommentStatus
    # What became of ``notify`` (``reader_mail.CONFIRMATION_SENT`` …); None: not asked.
    notification: str | None = None


@dataclass(frozen=True)
class Screening:
    """What is known of a comment's sender before it is stored: the keyed hash of its
    address (``None`` until today's key exists) and the spam signals."""

    address_hash: str | None = None
    spam: dict[str, Any] | None = None


def screen(session: Session, new: NewComment, address: str | None, now: datetime,
           duplicate_window: timedelta) -> Screening:
    """Look at the sender and the text: a filled-in honeypot, the same text again from the
    same author or address within ``duplicate_window``. Reads only, so that it can run
    before the write transaction (on SQLite: without holding the write lock)."""
    address_hash, search = _screening(session, new, address, now, duplicate_window)
    return Screening(address_hash, search.run(session) if search else honeypot_signals())


def _screening(session: Session, new: NewComment, address: str | None, now: datetime,
               duplicate_window: timedelta) -> tuple[str | None, SameTextSearch | None]:
    """The address's hash under today's key, and the search for the same text (None: the
    honeypot caught it, no search needed)."""
    hashes = addresses.known_hashes(session, address, now, duplicate_window) if address else {}
    if caught_by_honeypot(new.website):
        return hashes.get(addresses.day_of(now)), None
    return hashes.get(addresses.day_of(now)), same_text_search(
        body=new.body, author_name=new.author_name, author_email=new.author_email,
        address_hashes=list(hashes.values()), since=now - duplicate_window)


def _article_and_screening(session: Session, article_key: str, new: NewComment,
                           address: str | None, now: datetime,
                           duplicate_window: timedelta) -> tuple[Article, Screening]:
    """The article and the screening in one read where the article exists (one round trip
    on PostgreSQL instead of two); a new article is made and screened after."""
    address_hash, search = _screening(session, new, address, now, duplicate_window)
    if search is None:
        article = get_or_create_article(session, article_key, now)
        return article, Screening(address_hash, honeypot_signals())
    row = session.execute(_article_beside(search.statement),
                          {**search.values, "article_key": article_key}).first()
    if row is None:
        article = get_or_create_article(session, article_key, now)
        return article, Screening(address_hash, search.run(session))
    article, public_id, by = row
    return article, Screening(address_hash, duplicate_signals(public_id, by))


@cache
def _article_beside(same_text: Select[tuple[str, str]]) -> Select[tuple[Article, str, str]]:
    """The article by key, with the row of ``same_text`` (one at most) beside it."""
    earlier = same_text.subquery()
    return (select(Article, earlier.c.public_id, earlier.c.by)
            .outerjoin(earlier, true()).where(Article.key == bindparam("article_key")))


def submit_comment(session: Session, article_key: str, new: NewComment, now: datetime, *,
                   terms: PublisherTerms, address: str | None = None,
                   screening: Screening | None = None,
                   duplicate_window: timedelta = timedelta(minutes=60),
                   mailing: Mailing | None = None,
                   page_origins: Collection[str] = ()) -> Submitted:
    """Accept a reader's comment and queue it for scoring.

    Nothing is public before it is judged, except on ``post`` articles, whose comments
    are published at once and judged afterwards. Spam signals are noted on arrival: a
    filled-in honeypot is rejected at once, but answered like any comment so that the bot
    learns nothing; the same text again from the same author or ``address`` within
    ``duplicate_window`` is held for review (``screening`` done beforehand, or here). Only a
    keyed hash of the address is kept. A rejection states its reasons under the publisher's
    ``terms``, in their language. An author who asks to be notified is subscribed before the
    comment is decided (``reader_mail.opt_in``), where ``mailing`` allows mail to readers.
    An article without a title or link takes those of the page the widget is on, a link only
    on one of the ``page_origins`` (``articles.adopt_page``).
    """
    if screening is None:
        article, screening = _article_and_screening(session, article_key, new, address, now,
                                                    duplicate_window)
    else:
        article = get_or_create_article(session, article_key, now)
    adopt_page(article, new.article_title, new.article_url, page_origins, now)
    if not article.comments_open:
        raise Conflict("Comments on this article are closed.", code="comments_closed")
    parent = _parent_for_reply(session, article, new.parent_id)
    token = secrets.token_urlsafe(24)
    comment = Comment(
        public_id=secrets.token_urlsafe(16), article=article, article_id=article.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_name=new.author_name, author_email=new.author_email,
        author_token_hash=hash_token(token), body=new.body,
        client_hash=screening.address_hash or (
            addresses.client_hash(session, address, now) if address else None),
        spam=screening.spam, text_fingerprint=fingerprint(new.body),
        created_at=now, updated_at=now,
    )
    verdict = decide_at_intake(comment.spam, article.moderation_mode, terms.language)
    # Scored unless rejected on arrival (a filled-in honeypot).
    scoring = verdict is None or verdict.status is not CommentStatus.REJECTED
    decisions.receive(session, comment, now, scoring=scoring,
                      last_write=verdict is None and not new.notify)
    caught = bool(comment.spam and comment.spam.get("honeypot"))
    notification = _opt_in(session, comment, new, mailing, now, caught)
    if verdict is not None:
        _apply_at_intake(comment, verdict, now, terms)
    if caught:  # told what a reader would be told
        usual = CommentStatus.APPROVED if article.moderation_mode is ModerationMode.POST \
            else CommentStatus.PENDING
        return Submitted(comment, token, usual, notification)
    return Submitted(comment, token, comment.status, notification)


def _opt_in(session: Session, comment: Comment, new: NewComment, mailing: Mailing | None,
            now: datetime, caught: bool) -> str | None:
    """Subscribe the author who asked; a bot caught by the honeypot mails nobody (it might
    have typed in a stranger's address), and is told what a person would be."""
    if not new.notify:
        return None
    if mailing is None or not mailing.to_readers:
        return reader_mail.UNAVAILABLE
    if caught:
        return reader_mail.CONFIRMATION_SENT
    return reader_mail.opt_in(session, comment, new.language, mailing, now)


def _apply_at_intake(comment: Comment, verdict: Decision, now: datetime,
                     terms: PublisherTerms) -> None:
    """Apply a decision taken on arrival, with the evidence an editor sees."""
    assert verdict.status is not None
    signals = Signals(None, links=count_links(comment.body), spam=comment.spam)
    explanation = verdict.explanation(signals) if verdict.findings else None
    details = {"mode": comment.article.moderation_mode.value}
    if explanation is not None:
        details.update(spam=comment.spam, explanation=explanation)
    decisions.apply(comment, decisions.Change(verdict.status, verdict.reason_code,
                                              verdict.reason, details, explanation),
                    decisions.AUTOMATION, now, terms=terms)


def _parent_for_reply(session: Session, article: Article, parent_id: str | None) -> Comment | None:
    """Replies go to public comments of the same article only."""
    if parent_id is None:
        return None
    parent = session.scalar(select(Comment).where(Comment.public_id == parent_id))
    if parent is None or parent.article_id != article.id:
        raise Invalid("The comment replied to does not belong to this article.",
                      errors={"parent_id": ["No such comment on this article."]})
    if parent.status is not CommentStatus.APPROVED:
        raise Invalid("Only published comments can be replied to.",
                      errors={"parent_id": ["This comment is not published."]})
    return parent
