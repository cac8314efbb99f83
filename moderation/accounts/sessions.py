"""Server-side sessions of the workspace. The browser holds a random token (256 bits); the
database holds only its SHA-256, so a copy of the database signs nobody in.

A session ends when it is revoked (sign-out, sign-out everywhere, the account disabled or
its password reset), after ``idle`` without a request, or ``absolute`` after sign-in however
active it is. One that waits for the second factor lasts a few minutes only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from moderation.config import Config
from moderation.models import Account, WebSession

# Writing the last request's time on every request would make every read a write.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)
SECOND_FACTOR_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta

    @classmethod
    def of(cls, config: Config) -> Timeouts:
        return cls(idle=timedelta(minutes=config.session_idle_minutes),
                   absolute=timedelta(hours=config.session_max_hours))


@dataclass(frozen=True)
class Started:
    """A new session and the token for the browser's cookie (it exists only here)."""

    web_session: WebSession
    token: str


def hash_token(token: str) -> str:
    # 256 random bits need no slow hash: nobody can guess their way to a match.
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, account: Account, now: datetime, timeouts: Timeouts, *,
          second_factor_pending: bool = False) -> Started:
    """A new session with a new token and a new CSRF token (never the one a browser
    brought: no session fixation). The account's ended sessions are cleared away."""
    session.execute(delete(WebSession).where(
        WebSession.account_id == account.id,
        or_(WebSession.revoked_at.is_not(None), WebSession.expires_at <= now)))
    token = secrets.token_urlsafe(32)
    web_session = WebSession(
        account=account, token_hash=hash_token(token), csrf_token=secrets.token_urlsafe(32),
        second_factor_pending=second_factor_pending, created_at=now, last_seen_at=now,
        expires_at=now + (SECOND_FACTOR_WINDOW if second_factor_pending
                          else timeouts.absolute))
    session.add(web_session)
    session.flush()
    return Started(web_session, token)


def find(session: Session, token: str | None, now: datetime,
         timeouts: Timeouts) -> WebSession | None:
    """The live session behind ``token``: not revoked, expired or idle too long, of an
    account that is not disabled. Notes the request's time (to the minute)."""
    if not token or len(token) > 100:
        return None
    web_session = session.scalar(select(WebSession).where(
        WebSession.token_hash == hash_token(token)))
    if web_session is None or not _live(web_session, now, timeouts):
        return None
    if now - web_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        web_session.last_seen_at = now
    return web_session


def _live(web_session: WebSession, now: datetime, timeouts: Timeouts) -> bool:
    return (web_session.revoked_at is None and now < web_session.expires_at
            and now - web_session.last_seen_at < timeouts.idle
            and not web_session.account.disabled)


def purge_ended(session: Session, now: datetime, timeouts: Timeouts) -> int:
    """Delete every session that can no longer sign anyone in: revoked, expired, or idle
    too long. How many there were."""
    return session.execute(delete(WebSession).where(or_(
        WebSession.revoked_at.is_not(None), WebSession.expires_at <= now,
        WebSession.last_seen_at <= now - timeouts.idle))).rowcount


def revoke(web_session: WebSession, now: datetime) -> None:
    if web_session.revoked_at is None:
        web_session.revoked_at = now


def revoke_all(session: Session, account: Account, now: datetime, *,
               keep: WebSession | None = None) -> int:
    """End every live session of ``account`` but ``keep``; how many there were."""
    query = update(WebSession).where(
        WebSession.account_id == account.id, WebSession.revoked_at.is_(None),
        WebSession.expires_at > now)
    if keep is not None:
        query = query.where(WebSession.id != keep.id)
    return session.execute(query.values(revoked_at=now)).rowcount
