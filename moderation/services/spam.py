"""Spam signals found when a comment arrives: a filled-in honeypot, the same text again."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, case, func, or_, select
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
    earlier = session.execute(_same_text_query(by_email=key is not None), {
        "fingerprint": fingerprint(body), "since": since, "email_key": key,
        "author_name": author_name.lower(), "hashes": list(address_hashes)}).first()
    return (earlier[0], earlier[1]) if earlier else None


@cache
def _same_text_query(*, by_email: bool) -> Select[tuple[str, str]]:
    """Built once per shape (every POST asks it); the values are bound at execution. On the
    table's columns, not the mapped class's: a plain Core statement, which the session runs
    without the ORM's compile and result steps."""
    comments = Comment.__table__.c
    hashes = bindparam("hashes", expanding=True)
    same_author = comments.author_email_key == bindparam("email_key") if by_email \
        else (func.lower(comments.author_name) == bindparam("author_name")) \
        & comments.client_hash.in_(hashes)
    # The (fingerprint, created_at) index finds the comments with this text; one is enough,
    # so the cost does not grow with how often the text was sent before.
    return (select(comments.public_id, case((same_author, "author"), else_="address"))
            .where(comments.text_fingerprint == bindparam("fingerprint"),
                   comments.created_at >= bindparam("since"), comments.erased_at.is_(None),
                   or_(same_author, comments.client_hash.in_(hashes)))
            .order_by(case((same_author, 0), else_=1), comments.created_at, comments.id)
            .limit(1))
