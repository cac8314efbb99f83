"""Accounts as an admin or the command line manage them; every change on the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation.accounts import manage, sessions
from moderation.accounts.passwords import check_password
from moderation.db import Database
from moderation.domain import Role
from moderation.errors import Conflict, Invalid, NotFound
from moderation.models import Account, AuditEvent
from tests.accounts.support import PASSWORD, TIMEOUTS, add_account


def audit_actions(database: Database) -> list[tuple[str, str, str | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.target) for e in session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def test_an_account_is_stored_by_its_normalised_email(database, clock):
    with database.transaction() as session:
        account = manage.create_account(
            session, email="  JÜRGEN.Müller@Zeitung.DE ", name=" Jürgen   Müller ",
            role=Role.EDITOR, password=PASSWORD, locale="de", actor="cli", now=clock())
        assert account.email == "jürgen.müller@zeitung.de"
        assert account.name == "Jürgen Müller"
        assert check_password(account.password_hash, PASSWORD).matches

    with database.transaction() as session:
        # Decomposed ü (u + combining diaeresis) and capitals find the same account.
        assert manage.find_account(session, "JU\u0308RGEN.MÜLLER@zeitung.de") is not None
    assert audit_actions(database) == [("account.created", "cli",
                                        "user:jürgen.müller@zeitung.de")]


def test_one_account_per_email_however_it_is_spelled(database, clock):
    with database.transaction() as session:
        add_account(session, clock(), email="anna@zeitung.de")

    with database.transaction() as session, pytest.raises(Conflict) as refused:
        manage.create_account(session, email="ANNA@Zeitung.de", name="Anna", role=Role.ADMIN,
                              password=PASSWORD, locale="de", actor="cli", now=clock())
    assert refused.value.code == "account_exists"


@pytest.mark.parametrize(("field", "value", "code"), [
    ("email", "anna", "invalid_email"),
    ("email", "anna@localhost", "invalid_email"),
    ("email", "a" * 110 + "@zeitung.de", "invalid_email"),
    ("name", "   ", "invalid_name"),
    ("password", "kurz", "password_too_short"),
    ("locale", "fr", "invalid_locale"),
])
def test_what_an_account_cannot_be_made_with(database, clock, field, value, code):
    given = {"email": "anna@zeitung.de", "name": "Anna", "password": PASSWORD, "locale": "de",
             field: value}
    with database.transaction() as session, pytest.raises(Invalid) as refused:
        manage.create_account(session, role=Role.EDITOR, actor="cli", now=clock(), **given)
    assert refused.value.code == code


def test_disabling_ends_every_session_of_the_account(database, clock):
    with database.transaction() as session:
        anna = add_account(session, clock())
        add_account(session, clock(), email="chefin@zeitung.de", role=Role.ADMIN)
        tokens = [sessions.start(session, anna, clock(), TIMEOUTS).token for _ in range(2)]

    with database.transaction() as session:
        manage.disable(session, manage.get_account(session, "anna@zeitung.de"),
                       actor="user:chefin@zeitung.de", now=clock())

    with database.transaction() as session:
        assert all(sessions.find(session, token, clock(), TIMEOUTS) is None for token in tokens)
    assert audit_actions(database)[-1] == ("account.disabled", "user:chefin@zeitung.de",
                                           "user:anna@zeitung.de")


def test_the_last_active_admin_can_be_neither_demoted_nor_disabled(database, clock):
    with database.transaction() as session:
        chefin = add_account(session, clock(), email="chefin@zeitung.de", role=Role.ADMIN)
        with pytest.raises(Conflict):
            manage.change_role(session, chefin, Role.EDITOR, actor="cli", now=clock())
        with pytest.raises(Conflict):
            manage.disable(session, chefin, actor="cli", now=clock())
        second = add_account(session, clock(), email="vize@zeitung.de", role=Role.ADMIN)
        manage.change_role(session, second, Role.EDITOR, actor="cli", now=clock())
        assert second.role is Role.EDITOR


def test_a_reset_password_works_once_shown_ends_sessions_and_must_be_changed(database, clock):
    with database.transaction() as session:
        anna = add_account(session, clock())
        token = sessions.start(session, anna, clock(), TIMEOUTS).token

    with database.transaction() as session:
        anna = manage.get_account(session, "anna@zeitung.de")
        one_time = manage.reset_password(session, anna, actor="cli", now=clock())

    with database.transaction() as session:
        anna = manage.get_account(session, "anna@zeitung.de")
        assert len(one_time) == 20
        assert check_password(anna.password_hash, one_time).matches
        assert not check_password(anna.password_hash, PASSWORD).matches
        assert anna.password_change_required
        assert sessions.find(session, token, clock(), TIMEOUTS) is None
        assert one_time not in str([e.details for e in session.scalars(select(AuditEvent))])

        manage.change_password(session, anna, "Ein neues Passwort für Anna", now=clock())
        assert not anna.password_change_required


def test_an_unknown_email_is_not_found(database):
    with database.transaction() as session, pytest.raises(NotFound):
        manage.get_account(session, "niemand@zeitung.de")


def test_requiring_a_second_factor_and_resetting_it_are_recorded(database, clock):
    with database.transaction() as session:
        anna = add_account(session, clock(), totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                           totp_last_step=5)
        manage.require_totp(session, anna, True, actor="cli", now=clock())
        manage.require_totp(session, anna, True, actor="cli", now=clock())  # no change
        manage.reset_totp(session, anna, actor="cli", now=clock())
        assert (anna.totp_required, anna.totp_secret, anna.totp_last_step) == (True, None, None)

    assert [action for action, _, _ in audit_actions(database)] == [
        "account.totp_required", "account.totp_reset"]


def test_the_language_is_one_of_ours(database, clock):
    with database.transaction() as session:
        anna = add_account(session, clock())
        manage.set_locale(session, anna, "en", now=clock() + timedelta(minutes=1))
        assert session.scalar(select(Account.locale)) == "en"
        with pytest.raises(Invalid):
            manage.set_locale(session, anna, "fr", now=clock())
