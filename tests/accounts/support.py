"""Accounts for tests, written straight into the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from moderation.accounts.passwords import hash_password
from moderation.accounts.sessions import Timeouts
from moderation.domain import Role
from moderation.models import Account

PASSWORD = "Grüße aus der Redaktion"
TIMEOUTS = Timeouts(idle=timedelta(minutes=60), absolute=timedelta(hours=12))


@cache
def _hash(password: str) -> str:
    # argon2 is slow on purpose: hash each test password once per run.
    return hash_password(password)


def add_account(session: Session, now: datetime, *, email: str = "anna@zeitung.de",
                name: str = "Anna Schmidt", role: Role = Role.EDITOR,
                password: str = PASSWORD, locale: str = "de", **fields: Any) -> Account:
    account = Account(email=email, name=name, role=role, password_hash=_hash(password),
                      locale=locale, created_at=now, **fields)
    session.add(account)
    session.flush()
    return account
