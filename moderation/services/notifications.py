"""Each workspace account's mail settings: immediate mails about reports of illegal content
and threats (on by default) and a digest of the queue (off, hourly or daily; off by
default). The account page reads them with ``preferences`` and changes them with
``change_preferences``."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from moderation.domain import Role
from moderation.errors import Invalid
from moderation.models import Account, NotificationSettings
from moderation.services import audit


class DigestFrequency(enum.StrEnum):
    OFF = "off"
    HOURLY = "hourly"
    DAILY = "daily"  # at MODERATION_DIGEST_HOUR, Europe/Berlin


@dataclass(frozen=True)
class Preferences:
    immediate: bool
    digest: DigestFrequency
    last_digest_at: datetime | None  # when the last digest was queued


DEFAULT = Preferences(immediate=True, digest=DigestFrequency.OFF, last_digest_at=None)
# Who gets notifications at all: every role that works the queue.
NOTIFIED_ROLES = (Role.EDITOR, Role.ADMIN)


def preferences(session: Session, account: Account) -> Preferences:
    """The account's settings, or the defaults where it never changed them."""
    settings = session.get(NotificationSettings, account.id)
    if settings is None:
        return DEFAULT
    return Preferences(settings.immediate, DigestFrequency(settings.digest),
                       settings.last_digest_at)


def change_preferences(session: Session, account: Account, *, immediate: bool | None = None,
                       digest: str | None = None, actor: str, now: datetime) -> Preferences:
    """Change what ``account`` is sent (``None`` leaves a setting as it is); audited with
    ``actor``. A digest switched on starts with the next due one, not at once."""
    frequency = None if digest is None else _frequency(digest)
    settings = session.get(NotificationSettings, account.id) or _defaults(session, account, now)
    changes: dict[str, object] = {}
    if immediate is not None and immediate != settings.immediate:
        settings.immediate = changes["immediate"] = immediate
    if frequency is not None and frequency != settings.digest:
        settings.digest = changes["digest"] = frequency.value
        settings.digest_checked_at = now
    if changes:
        settings.updated_at = now
        audit.record(session, "account.notifications_changed", actor=actor,
                     target=account.actor, now=now, details=changes)
    return preferences(session, account)


def immediate_recipients(session: Session) -> list[Account]:
    """Active accounts that want immediate mails (no settings row: the default, on)."""
    return list(session.scalars(
        select(Account).outerjoin(NotificationSettings)
        .where(Account.disabled_at.is_(None), Account.role.in_(NOTIFIED_ROLES),
               or_(NotificationSettings.immediate.is_(None),
                   NotificationSettings.immediate.is_(True)))
        .order_by(Account.id)))


def digest_subscribers(session: Session) -> list[tuple[Account, NotificationSettings]]:
    """Active accounts with a digest on, each with its settings (locked for the caller)."""
    rows = session.execute(
        select(Account, NotificationSettings).join(NotificationSettings)
        .where(Account.disabled_at.is_(None), Account.role.in_(NOTIFIED_ROLES),
               NotificationSettings.digest != DigestFrequency.OFF.value)
        .order_by(Account.id).with_for_update(of=NotificationSettings)).all()
    return [(row.Account, row.NotificationSettings) for row in rows]


def _frequency(digest: str) -> DigestFrequency:
    try:
        return DigestFrequency(digest)
    except ValueError:
        raise Invalid("Unknown digest frequency.", code="invalid_digest", errors={
            "digest": [f"One of {', '.join(DigestFrequency)}."]}) from None


def _defaults(session: Session, account: Account, now: datetime) -> NotificationSettings:
    settings = NotificationSettings(account_id=account.id, immediate=DEFAULT.immediate,
                                    digest=DEFAULT.digest.value, updated_at=now)
    session.add(settings)
    return settings
