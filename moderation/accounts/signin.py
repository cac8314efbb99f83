"""Signing in: the password, then the second factor where the account has or needs one.

Whatever is wrong — no such account, a wrong password, a disabled account, a wrong or
reused code — the answer is the same refusal, and an unknown email costs as much time as
a known one. Each failure counts towards the lockout and goes on the audit log, named by
the account where there is one (never by the email someone typed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from moderation.accounts import totp
from moderation.accounts.lockout import Lockout
from moderation.accounts.manage import enrol_totp, find_account
from moderation.accounts.passwords import check_password, spend_like_a_check
from moderation.models import Account
from moderation.services import audit
from moderation.text import normalised_email

# Who a failed sign-in for an email without an account is recorded as.
ANONYMOUS = "anonymous"


class Outcome(enum.StrEnum):
    SIGNED_IN = "signed_in"
    SECOND_FACTOR = "second_factor"  # the password was right; a code must follow
    ENROL = "enrol"  # the password was right; a second factor must be set up first
    REFUSED = "refused"
    LOCKED = "locked"


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    account: Account | None = None


@dataclass(frozen=True)
class Gate:
    """Where a sign-in comes from and what guards it."""

    lockout: Lockout
    network: str
    now: datetime


def with_password(session: Session, gate: Gate, email: str, password: str) -> Attempt:
    """The first step: the email and the password."""
    key = normalised_email(email) or ""
    if gate.lockout.locked(key, gate.network):
        return Attempt(Outcome.LOCKED)
    account = find_account(session, key) if key else None
    if account is None:
        spend_like_a_check(password)
        return _refused(session, gate, key, None, "unknown_account")
    checked = check_password(account.password_hash, password)
    if not checked.matches:
        return _refused(session, gate, key, account, "password")
    if account.disabled:
        return _refused(session, gate, key, account, "disabled")
    if checked.new_hash is not None:  # argon2's parameters have changed since
        account.password_hash = checked.new_hash
    if account.totp_secret is not None:
        return Attempt(Outcome.SECOND_FACTOR, account)
    if account.totp_required:
        return Attempt(Outcome.ENROL, account)
    return _signed_in(session, gate, account, second_factor=False)


def with_code(session: Session, gate: Gate, account: Account, code: str) -> Attempt:
    """The second step: a code from the account's authenticator."""
    if gate.lockout.locked(account.email, gate.network):
        return Attempt(Outcome.LOCKED)
    if account.disabled or account.totp_secret is None:
        return _refused(session, gate, account.email, account, "disabled")
    step = totp.accepted_step(account.totp_secret, code, gate.now, account.totp_last_step)
    if step is None:
        reused = totp.accepted_step(account.totp_secret, code, gate.now, None) is not None
        return _refused(session, gate, account.email, account,
                        "code_used_before" if reused else "code")
    account.totp_last_step = step
    return _signed_in(session, gate, account, second_factor=True)


def with_enrolment(session: Session, gate: Gate, account: Account, secret: str,
                   code: str) -> Attempt:
    """The second step of an account that must set up its second factor: a code made with
    the ``secret`` it was shown confirms it."""
    if gate.lockout.locked(account.email, gate.network):
        return Attempt(Outcome.LOCKED)
    step = totp.accepted_step(secret, code, gate.now, None)
    if step is None or account.disabled:
        return _refused(session, gate, account.email, account, "code")
    enrol_totp(session, account, secret, step, now=gate.now)
    return _signed_in(session, gate, account, second_factor=True)


def _signed_in(session: Session, gate: Gate, account: Account, *,
               second_factor: bool) -> Attempt:
    account.last_signed_in_at = gate.now
    gate.lockout.succeeded(account.email)
    audit.record(session, "signin.succeeded", actor=account.actor, target=account.actor,
                 now=gate.now, details={"second_factor": second_factor})
    return Attempt(Outcome.SIGNED_IN, account)


def _refused(session: Session, gate: Gate, key: str, account: Account | None,
             reason: str) -> Attempt:
    failure = gate.lockout.failed(key, gate.network)
    actor = account.actor if account is not None else ANONYMOUS
    target = account.actor if account is not None else None
    audit.record(session, "signin.failed", actor=actor, target=target, now=gate.now,
                 details={"reason": reason})
    if failure.locked_account or failure.locked_network:
        audit.record(session, "signin.locked_out", actor=actor, target=target, now=gate.now,
                     details={"account": failure.locked_account,
                              "network": failure.locked_network})
    return Attempt(Outcome.REFUSED)
