"""Spam signals found when a comment arrives: a filled-in honeypot, the same text again."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from moderation.models import Comment


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
    """The first comment in the window with the same text from the same author (same email;
    without one, same name and address), else from the same address: ``(public id, by)``."""
    email = author_email.lower() if author_email else None
    senders = [Comment.client_hash.in_(address_hashes)] if address_hashes else []
    if email:
        senders.append(func.lower(Comment.author_email) == email)
    if not senders:
        return None
    # The (fingerprint, created_at) index finds the few comments with this text: the cost
    # does not grow with how much a sender (or a shared address) has posted.
    same_text = session.execute(
        select(Comment.public_id, Comment.author_name, Comment.author_email,
               Comment.client_hash)
        .where(Comment.text_fingerprint == fingerprint(body), Comment.created_at >= since,
               Comment.erased_at.is_(None), or_(*senders))
        .order_by(Comment.created_at, Comment.id)
    ).all()

    def same_author(row: Any) -> bool:
        if email:
            return (row.author_email or "").lower() == email
        return (row.author_name.casefold() == author_name.casefold()
                and row.client_hash in address_hashes)

    by_author = next((row for row in same_text if same_author(row)), None)
    if by_author is not None:
        return by_author.public_id, "author"
    by_address = next((row for row in same_text if row.client_hash in address_hashes), None)
    return (by_address.public_id, "address") if by_address is not None else None
