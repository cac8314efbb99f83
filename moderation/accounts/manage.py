"""Accounts created, listed and changed, by an admin in the workspace, on the command line,
or by the person themselves; every change on the audit log."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from moderation.accounts import sessions
from moderation.accounts.passwords import check_new_password, hash_password
from moderation.domain import Role
from moderation.errors import Conflict, Invalid, NotFound
from moderation.models import Account
from moderation.services import audit
from moderation.text import normalised_email
from moderation.texts import LANGUAGES

# Records name a person "user:<email>" in columns of 120 characters.
MAX_EMAIL_LENGTH = 120 - len("user:")


def _valid_email(email: str) -> str:
    normalised = normalised_email(email) or ""
    local, _, domain = normalised.partition("@")
    if not local or "." not in domain or any(c.isspace() for c in normalised):
        raise Invalid("Not an email address.", code="invalid_email",
                      errors={"email": ["not an email address"]})
    if len(normalised) > MAX_EMAIL_LENGTH:
        raise Invalid("Email address too long.", code="invalid_email",
                      errors={"email": [f"at most {MAX_EMAIL_LENGTH} characters"]})
    return normalised


def _valid_name(name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 100:
        raise Invalid("A name of 1 to 100 characters is needed.", code="invalid_name",
                      errors={"name": ["1 to 100 characters"]})
    return name


def find_account(session: Session, email: str) -> Account | None:
    """The account of ``email``, however its case or composition is typed."""
    return session.scalar(select(Account).where(Account.email == normalised_email(email)))


def get_account(session: Session, email: str) -> Account:
    account = find_account(session, email)
    if account is None:
        raise NotFound(f"No account for {email!r}.", code="account_not_found")
    return account


def account_by_id(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("No such account.", code="account_not_found")
    return account


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.name, Account.email)))


def create_account(session: Session, *, email: str, name: str, role: Role, password: str,
                   locale: str, actor: str, now: datetime,
                   password_change_required: bool = False) -> Account:
    """A new account that signs in with ``password``."""
    email = _valid_email(email)
    if find_account(session, email) is not None:
        raise Conflict(f"An account for {email!r} exists already.", code="account_exists")
    check_new_password(password, email)
    account = Account(email=email, name=_valid_name(name), role=role,
                      password_hash=hash_password(password),
                      password_change_required=password_change_required,
                      locale=_valid_locale(locale), created_at=now)
    session.add(account)
    session.flush()
    audit.record(session, "account.created", actor=actor, target=account.actor, now=now,
                 details={"role": role.value})
    return account


def _valid_locale(locale: str) -> str:
    if locale not in LANGUAGES:
        raise Invalid(f"Language must be one of {', '.join(LANGUAGES)}.",
                      code="invalid_locale", errors={"locale": [", ".join(LANGUAGES)]})
    return locale


def change_role(session: Session, account: Account, role: Role, *, actor: str,
                now: datetime) -> None:
    if account.role is role:
        return
    _keep_an_admin(session, account, losing="role")
    audit.record(session, "account.role_changed", actor=actor, target=account.actor, now=now,
                 details={"from": account.role.value, "to": role.value})
    account.role = role


def disable(session: Session, account: Account, *, actor: str, now: datetime) -> None:
    """The account signs in no more; its sessions end at once."""
    if account.disabled:
        return
    _keep_an_admin(session, account, losing="account")
    account.disabled_at = now
    ended = sessions.revoke_all(session, account, now)
    audit.record(session, "account.disabled", actor=actor, target=account.actor, now=now,
                 details={"sessions_ended": ended})


def enable(session: Session, account: Account, *, actor: str, now: datetime) -> None:
    if not account.disabled:
        return
    account.disabled_at = None
    audit.record(session, "account.enabled", actor=actor, target=account.actor, now=now)


def _keep_an_admin(session: Session, account: Account, losing: str) -> None:
    """The last active admin cannot be demoted or disabled: nobody could undo it in the app."""
    if account.role is not Role.ADMIN or account.disabled:
        return
    others = session.scalar(select(Account.id).where(
        Account.role == Role.ADMIN, Account.disabled_at.is_(None), Account.id != account.id)
        .limit(1))
    if others is None:
        raise Conflict("This is the last active admin account.", code="last_admin",
                       errors={losing: ["the last active admin"]})


def temporary_password() -> str:
    """A one-time password: 20 characters, 120 random bits."""
    return secrets.token_urlsafe(15)


def reset_password(session: Session, account: Account, *, actor: str, now: datetime) -> str:
    """A one-time password for ``account`` (returned, never stored), to be replaced at the
    next sign-in; the account's sessions end."""
    one_time = temporary_password()
    account.password_hash = hash_password(one_time)
    account.password_change_required = True
    ended = sessions.revoke_all(session, account, now)
    audit.record(session, "account.password_reset", actor=actor, target=account.actor,
                 now=now, details={"sessions_ended": ended})
    return one_time


def change_password(session: Session, account: Account, new_password: str, *,
                    now: datetime) -> None:
    """The person sets their own password (their current one already checked)."""
    check_new_password(new_password, account.email)
    account.password_hash = hash_password(new_password)
    account.password_change_required = False
    audit.record(session, "account.password_changed", actor=account.actor,
                 target=account.actor, now=now)


def require_totp(session: Session, account: Account, required: bool, *, actor: str,
                 now: datetime) -> None:
    """Whether the account must sign in with a second factor (enrolled at the next sign-in
    where it has none)."""
    if account.totp_required is required:
        return
    account.totp_required = required
    audit.record(session, "account.totp_required" if required else "account.totp_optional",
                 actor=actor, target=account.actor, now=now)


def enrol_totp(session: Session, account: Account, secret: str, step: int, *,
               now: datetime) -> None:
    """The person confirmed ``secret`` with a code of time step ``step``."""
    account.totp_secret = secret
    account.totp_last_step = step
    audit.record(session, "account.totp_enrolled", actor=account.actor,
                 target=account.actor, now=now)


def reset_totp(session: Session, account: Account, *, actor: str, now: datetime) -> None:
    """Forget the account's second factor (a lost phone): it enrols anew at the next
    sign-in if one is required."""
    if account.totp_secret is None:
        return
    account.totp_secret = None
    account.totp_last_step = None
    audit.record(session, "account.totp_reset", actor=actor, target=account.actor, now=now)


def set_locale(session: Session, account: Account, locale: str, *, now: datetime) -> None:
    if account.locale == locale:
        return
    account.locale = _valid_locale(locale)
    audit.record(session, "account.locale_changed", actor=account.actor,
                 target=account.actor, now=now, details={"locale": locale})
