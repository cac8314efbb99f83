"""Who a person the provider vouches for is in the workspace.

The rules, in order: the provider must have confirmed the email; its domain must be on the
allow-list (where one is set); where a group claim is set, a group must map to a role
(admin before editor). The account is the one with that email, normalised as accounts'
are; a person without one gets one (role from the group, else editor) unless single sign-on
only links existing accounts. A disabled account stays out. Where a group claim is set it
keeps the role in step at every sign-in (the last active admin is never demoted).

An account with a second factor of the workspace's own, or that must set one up, still
gives its code after the provider: the provider's own MFA is not visible to us in any
standard way, and an admin who required a second factor for an account must be able to
rely on it.

Every sign-in and every refusal goes on the audit log with the provider's subject; the
person is named ``user:<email>`` once the provider has confirmed the email, else
``anonymous``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation.accounts.manage import (
    MAX_EMAIL_LENGTH,
    change_role,
    create_account,
    find_account,
    temporary_password,
)
from moderation.accounts.signin import ANONYMOUS, Outcome
from moderation.domain import Role
from moderation.errors import Conflict, Invalid
from moderation.models import Account
from moderation.services import audit
from moderation.text import normalised_email

# Who records name for what the provider's claims did (an account made, a role changed).
SSO_ACTOR = "sso"
# Some providers send booleans as strings.
_TRUE = (True, "true")


class Refusal(enum.StrEnum):
    EMAIL_NOT_VERIFIED = "email_not_verified"
    INVALID_EMAIL = "invalid_email"
    DOMAIN_NOT_ALLOWED = "domain_not_allowed"
    GROUP_NOT_ALLOWED = "group_not_allowed"
    UNKNOWN_ACCOUNT = "unknown_account"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Rules:
    """Who may sign in through the provider, and as what."""

    email_domains: frozenset[str]
    group_claim: str | None
    editor_groups: frozenset[str]
    admin_groups: frozenset[str]
    create_accounts: bool
    email_verified_claim: str
    locale: str  # of accounts made at a first sign-in


@dataclass(frozen=True)
class Person:
    """What the provider says about the person who signed in there."""

    subject: str
    email: str | None  # normalised
    email_verified: bool
    name: str
    groups: frozenset[str]

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any], rules: Rules) -> Person:
        email = claims.get("email")
        email = normalised_email(email) if isinstance(email, str) else None
        name = claims.get("name")
        name = " ".join(name.split())[:100] if isinstance(name, str) else ""
        return cls(subject=str(claims["sub"]), email=email,
                   email_verified=claims.get(rules.email_verified_claim) in _TRUE,
                   name=name or (email or "").partition("@")[0] or "SSO",
                   groups=_groups(claims.get(rules.group_claim) if rules.group_claim
                                  else None))


def _groups(value: object) -> frozenset[str]:
    if isinstance(value, str):
        return frozenset({value})
    if isinstance(value, list):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


@dataclass(frozen=True)
class Admission:
    outcome: Outcome  # SIGNED_IN, SECOND_FACTOR, ENROL or REFUSED
    account: Account | None = None
    refusal: Refusal | None = None


def admit(session: Session, rules: Rules, person: Person, now: datetime) -> Admission:
    """Sign ``person`` in to their account (made where allowed), or refuse them."""
    if person.email is None or not person.email_verified:
        return _refused(session, person, Refusal.EMAIL_NOT_VERIFIED, now, named=False)
    if len(person.email) > MAX_EMAIL_LENGTH:
        return _refused(session, person, Refusal.INVALID_EMAIL, now, named=False)
    if rules.email_domains and person.email.rpartition("@")[2] not in rules.email_domains:
        return _refused(session, person, Refusal.DOMAIN_NOT_ALLOWED, now)
    role = _role_by_group(rules, person)
    if rules.group_claim and role is None:
        return _refused(session, person, Refusal.GROUP_NOT_ALLOWED, now)
    account = find_account(session, person.email)
    if account is None:
        if not rules.create_accounts:
            return _refused(session, person, Refusal.UNKNOWN_ACCOUNT, now)
        try:
            with session.begin_nested():
                account = _create(session, rules, person, role or Role.EDITOR, now)
        except Invalid:
            return _refused(session, person, Refusal.INVALID_EMAIL, now, named=False)
        except IntegrityError:  # the same first sign-in in another tab made it meanwhile
            account = find_account(session, person.email)
            if account is None:
                raise
    if account.disabled:
        return _refused(session, person, Refusal.DISABLED, now, account=account)
    if role is not None:
        _keep_role_in_step(session, account, role, now)
    if account.totp_secret is not None:
        return Admission(Outcome.SECOND_FACTOR, account)
    if account.totp_required:
        return Admission(Outcome.ENROL, account)
    account.last_signed_in_at = now
    audit.record(session, "signin.succeeded", actor=account.actor, target=account.actor,
                 now=now, details={"method": "sso", "subject": person.subject,
                                   "second_factor": False})
    return Admission(Outcome.SIGNED_IN, account)


def _role_by_group(rules: Rules, person: Person) -> Role | None:
    if person.groups & rules.admin_groups:
        return Role.ADMIN
    if person.groups & rules.editor_groups:
        return Role.EDITOR
    return None


def _create(session: Session, rules: Rules, person: Person, role: Role,
            now: datetime) -> Account:
    """The account of a first sign-in. Its password is random and told to nobody: it signs
    in through the provider until an admin resets the password."""
    return create_account(session, email=person.email or "", name=person.name, role=role,
                          password=temporary_password(), locale=rules.locale,
                          actor=SSO_ACTOR, now=now)


def _keep_role_in_step(session: Session, account: Account, role: Role,
                       now: datetime) -> None:
    # The last active admin keeps the role: someone must be able to undo mistakes.
    with suppress(Conflict):
        change_role(session, account, role, actor=SSO_ACTOR, now=now)


def _refused(session: Session, person: Person, refusal: Refusal, now: datetime, *,
             named: bool = True, account: Account | None = None) -> Admission:
    actor = account.actor if account is not None else (
        f"user:{person.email}" if named else ANONYMOUS)
    audit.record(session, "signin.failed", actor=actor,
                 target=account.actor if account is not None else None, now=now,
                 details={"method": "sso", "reason": refusal.value,
                          "subject": person.subject})
    return Admission(Outcome.REFUSED, refusal=refusal)
