"""Spam signals found when a comment arrives: a filled-in honeypot, the same text again."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from moderation.models import Comment, email_key


def fingerprint(body: str) -> str:
    """What duplicates are found by: a hash of the text with case and runs of white space
    ignored (a hash, so that the index holds no text)."""
    return hashlib.sha256(" ".join(body.split()).casefold().encode()).hexdigest()


def intake_signals(session: Session, *, body: str, author_name: str, author_email: str | None,
                   website: str | None, address_hashes: Sequence[str],
                   since: datetime) -> dict[str, Any] | None:
    """What intake knows about a comment: ``{"honeypot": true}`` when the field hidden from
    humans was filled in, ``{"duplicate_of": id, "by": "author" | "address"}`` when the same
    author or the same address sent the same text since ``since``; otherwise ``None``."""
    if website and website.strip():
        return {"honeypot": True}
    earlier = _earlier_same_text(session, body, author_name, author_email, address_hashes, since)
    return {"duplicate_of": earlier[0], "by": earlier[1]} if earlier else None


def _earlier_same_text(session: Session, body: str, author_name: str, author_email: str | None,
                       address_hashes: Sequence[str],
                       since: datetime) -> tuple[str, str] | None:
    """The first comment in the window with the same text from the same author (same email
    in any spelling; without one, same name and address), else from the same address:
    ``(public id, by)``."""
    key = email_key(author_email)
    same_author = Comment.author_email_key == key if key \
        else (func.lower(Comment.author_name) == author_name.lower()) \
        & Comment.client_hash.in_(address_hashes)
    by = case((same_author, "author"), else_="address")
    # The (fingerprint, created_at) index finds the comments with this text; one is enough,
    # so the cost does not grow with how often the text was sent before.
    earlier = session.execute(
        select(Comment.public_id, by)
        .where(Comment.text_fingerprint == fingerprint(body), Comment.created_at >= since,
               Comment.erased_at.is_(None),
               or_(same_author, Comment.client_hash.in_(address_hashes)))
        .order_by(case((same_author, 0), else_=1), Comment.created_at, Comment.id)
        .limit(1)).first()
    return (earlier[0], earlier[1]) if earlier else None
