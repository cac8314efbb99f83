"""The account-mapping rules, without HTTP: what the provider's claims say, who gets in,
and as what."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import select

from moderation.accounts.oidc.admission import Person, Refusal, Rules, admit
from moderation.accounts.signin import Outcome
from moderation.domain import Role
from moderation.models import Account
from tests.accounts.support import add_account

RULES = Rules(email_domains=frozenset({"zeitung.de"}), group_claim="groups",
              editor_groups=frozenset({"redaktion"}), admin_groups=frozenset({"chefredaktion"}),
              create_accounts=True, email_verified_claim="email_verified", locale="de")
DOMAINS_ONLY = replace(RULES, group_claim=None, editor_groups=frozenset(),
                       admin_groups=frozenset())


def person(email: str = "jana@zeitung.de", groups: frozenset[str] = frozenset({"redaktion"}),
           verified: bool = True) -> Person:
    return Person(subject="sub-1", email=email, email_verified=verified, name="Jana",
                  groups=groups)


@pytest.mark.parametrize(("claims", "expected"), [
    ({"sub": "s", "email": " Jana@Zeitung.DE ", "email_verified": True, "name": "Jana  K.",
      "groups": ["redaktion", 7]},
     Person("s", "jana@zeitung.de", True, "Jana K.", frozenset({"redaktion"}))),
    # Some providers write booleans as strings, and a single group as a string.
    ({"sub": "s", "email": "jana@zeitung.de", "email_verified": "true", "groups": "redaktion"},
     Person("s", "jana@zeitung.de", True, "jana", frozenset({"redaktion"}))),
    ({"sub": "s", "email": "jana@zeitung.de", "email_verified": "yes"},
     Person("s", "jana@zeitung.de", False, "jana", frozenset())),
    ({"sub": "s"}, Person("s", None, False, "SSO", frozenset())),
])
def test_the_claims_are_read_as_providers_send_them(claims, expected):
    assert Person.from_claims(claims, RULES) == expected


def test_entra_ids_verified_claim_is_read_where_configured():
    rules = replace(RULES, email_verified_claim="xms_edov")
    claims = {"sub": "s", "email": "jana@zeitung.de", "email_verified": False, "xms_edov": True}

    assert Person.from_claims(claims, rules).email_verified


@pytest.mark.parametrize(("who", "rules", "refusal"), [
    (person(verified=False), RULES, Refusal.EMAIL_NOT_VERIFIED),
    (person(email="jana@zeitung.de.example"), RULES, Refusal.DOMAIN_NOT_ALLOWED),
    (person(groups=frozenset({"chefredaktion-alt"})), RULES, Refusal.GROUP_NOT_ALLOWED),
    # Domain and group both set: both must hold.
    (person(email="jana@fremd.example", groups=frozenset({"chefredaktion"})), RULES,
     Refusal.DOMAIN_NOT_ALLOWED),
    (person(email=("j" * 110) + "@zeitung.de"), RULES, Refusal.INVALID_EMAIL),
    (person(), replace(RULES, create_accounts=False), Refusal.UNKNOWN_ACCOUNT),
])
def test_who_is_kept_out(database, clock, who, rules, refusal):
    with database.transaction() as session:
        admission = admit(session, rules, who, clock())

        assert (admission.outcome, admission.refusal) == (Outcome.REFUSED, refusal)
        assert session.scalar(select(Account)) is None


def test_without_a_group_claim_the_domain_decides_and_the_role_stays_as_an_admin_set_it(
        database, clock):
    with database.transaction() as session:
        add_account(session, clock(), email="jana@zeitung.de", role=Role.ADMIN)

        admission = admit(session, DOMAINS_ONLY, person(groups=frozenset()), clock())

        assert admission.outcome is Outcome.SIGNED_IN
        assert admission.account.role is Role.ADMIN


def test_a_new_account_of_a_domain_only_sign_in_is_an_editor(database, clock):
    with database.transaction() as session:
        admission = admit(session, DOMAINS_ONLY, person(), clock())

        assert (admission.account.email, admission.account.role) == ("jana@zeitung.de",
                                                                     Role.EDITOR)
        assert admission.account.last_signed_in_at == clock()


@pytest.mark.parametrize(("fields", "outcome"), [
    ({"totp_secret": "JBSWY3DPEHPK3PXP"}, Outcome.SECOND_FACTOR),
    ({"totp_required": True}, Outcome.ENROL),
])
def test_the_workspaces_own_second_factor_still_follows(database, clock, fields, outcome):
    with database.transaction() as session:
        add_account(session, clock(), email="jana@zeitung.de", **fields)

        admission = admit(session, RULES, person(), clock())

        assert admission.outcome is outcome
        assert admission.account.last_signed_in_at is None


def test_two_first_sign_ins_at_once_share_one_account(database, clock):
    """The same person signing in for the first time in two tabs: the second waits for the
    first's new account (PostgreSQL: on its unique email; SQLite: on the write lock) and
    signs in to it instead of failing."""
    created, committing = threading.Event(), threading.Event()
    found: dict[str, object] = {}

    def sign_in(name: str, hold: bool) -> None:
        try:
            if not hold:
                created.wait(10)
            with database.transaction() as session:
                found[name] = admit(session, DOMAINS_ONLY, person(), clock()).account.id
                if hold:
                    created.set()
                    committing.wait(10)
        except Exception as error:  # reported by the assertion below
            found[name] = error

    tabs = [threading.Thread(target=sign_in, args=("first", True)),
            threading.Thread(target=sign_in, args=("second", False))]
    for tab in tabs:
        tab.start()
    created.wait(10)
    time.sleep(0.5)  # the second tab is now waiting on the first's uncommitted account
    committing.set()
    for tab in tabs:
        tab.join(20)

    assert isinstance(found["first"], int) and found["second"] == found["first"]
    with database.transaction() as session:
        assert len(session.scalars(select(Account)).all()) == 1
