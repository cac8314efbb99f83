"""Spam signals found when a comment arrives: a filled-in honeypot, the same text again."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
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


def caught_by_honeypot(website: str | None) -> bool:
    """The field hidden from humans was filled in."""
    return bool(website and website.strip())


def honeypot_signals() -> dict[str, Any]:
    return {"honeypot": True}


@dataclass(frozen=True)
class SameTextSearch:
    """The search for the first comment in a window with the same text from the same author
    (same email in any spelling; without one, same name and address), else from the same
    address: a statement of one row ``(public_id, by)`` at most and its values, to run alone
    or beside another read (``statement.subquery()``)."""

    statement: Select[tuple[str, str]]
    values: dict[str, Any]

    def run(self, session: Session) -> dict[str, Any] | None:
        earlier = session.execute(self.statement, self.values).first()
        return duplicate_signals(*earlier) if earlier else None


def same_text_search(*, body: str, author_name: str, author_email: str | None,
                     address_hashes: Sequence[str], since: datetime) -> SameTextSearch:
    key = email_key(author_email)
    return SameTextSearch(_same_text_query(by_email=key is not None), {
        "fingerprint": fingerprint(body), "since": since, "email_key": key,
        "author_name": author_name.lower(), "hashes": list(address_hashes)})


def duplicate_signals(public_id: str | None, by: str | None) -> dict[str, Any] | None:
    """``{"duplicate_of": id, "by": "author" | "address"}`` for an earlier comment found by
    ``SameTextSearch``; ``None`` when there was none."""
    return {"duplicate_of": public_id, "by": by} if public_id else None


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
    return (select(comments.public_id, case((same_author, "author"), else_="address").label("by"))
            .where(comments.text_fingerprint == bindparam("fingerprint"),
                   comments.created_at >= bindparam("since"), comments.erased_at.is_(None),
                   or_(same_author, comments.client_hash.in_(hashes)))
            .order_by(case((same_author, 0), else_=1), comments.created_at, comments.id)
            .limit(1))
