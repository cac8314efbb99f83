"""The accounts screen: admins only; create with a one-time password shown once, change
the role, disable, require and reset the second factor, reset the password."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from moderation.accounts.passwords import check_password
from moderation.domain import Role
from moderation.models import Account, AuditEvent
from tests.workspace.conftest import post_form, sign_in

ACCOUNTS = "/redaktion/konten"


def account_id(database, email: str) -> int:
    with database.transaction() as session:
        return session.scalar(select(Account.id).where(Account.email == email))


def stored(database, email: str) -> Account:
    with database.transaction() as session:
        return session.scalar(select(Account).where(Account.email == email))


def last_audit(database) -> tuple[str, str, str | None]:
    with database.transaction() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        return event.action, event.actor, event.target


def admin_post(browser, path: str, data: dict[str, str] | None = None):
    return post_form(browser, path, data, page=ACCOUNTS)


def test_editors_may_not_open_the_accounts_screen(editor_browser):
    response = editor_browser.get(ACCOUNTS)

    assert response.status_code == 403
    assert "Zugriff verweigert" in response.get_data(as_text=True)
    assert "/redaktion/konten" not in editor_browser.get("/redaktion/konto").get_data(
        as_text=True)  # nor see it in the navigation


@pytest.mark.parametrize("path", [ACCOUNTS, f"{ACCOUNTS}/1/sperren", f"{ACCOUNTS}/1/passwort",
                                  f"{ACCOUNTS}/1/rolle"])
def test_editors_may_not_change_accounts(editor_browser, admin_account, path):
    response = post_form(editor_browser, path, {"role": "admin", "email": "x@zeitung.de",
                                                "name": "X", "locale": "de"})

    assert response.status_code == 403


def test_nobody_signed_in_is_sent_to_sign_in(client):
    response = client.get(ACCOUNTS)

    assert response.headers["Location"] == "/redaktion/anmelden?weiter=/redaktion/konten"


def test_admins_see_every_account(admin_browser, editor_account):
    html = admin_browser.get(ACCOUNTS).get_data(as_text=True)

    assert "anna@zeitung.de" in html and "chefin@zeitung.de" in html
    assert 'href="/redaktion/konten" aria-current="page"' in html


def test_an_admin_creates_an_account_whose_one_time_password_works_once_changed(
        app, admin_browser, database):
    response = admin_post(admin_browser, ACCOUNTS, {
        "name": "Jan Weber", "email": "Jan.Weber@Zeitung.de", "role": "editor",
        "locale": "en", "totp_required": "1"})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'id="one-time-password">([^<]+)<',
                         response.get_data(as_text=True)).group(1)
    jan = stored(database, "jan.weber@zeitung.de")
    assert (jan.name, jan.role, jan.locale, jan.totp_required) == (
        "Jan Weber", Role.EDITOR, "en", True)
    assert jan.password_change_required and check_password(jan.password_hash, password).matches
    assert password not in admin_browser.get(ACCOUNTS).get_data(as_text=True)  # shown once
    with database.transaction() as session:
        logged = [(e.action, e.actor, e.target) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("account.%"))
            .order_by(AuditEvent.id))]
    assert logged == [("account.created", "user:chefin@zeitung.de", "user:jan.weber@zeitung.de"),
                      ("account.totp_required", "user:chefin@zeitung.de",
                       "user:jan.weber@zeitung.de")]
    # Jan signs in with it: sets up the second factor first (required), then the password.
    browser = app.test_client()
    assert sign_in(browser, "jan.weber@zeitung.de", password).headers["Location"].startswith(
        "/redaktion/anmelden/code")


@pytest.mark.parametrize(("email", "says", "status"), [
    ("anna@zeitung.de", "existiert bereits", 409),
    ("keine-adresse", "gültige E-Mail-Adresse", 422),
])
def test_an_account_is_not_created_twice_nor_without_an_email(admin_browser, editor_account,
                                                              database, email, says, status):
    response = admin_post(admin_browser, ACCOUNTS, {
        "name": "Noch eine Anna", "email": email, "role": "editor", "locale": "de"})

    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert says in html and 'value="Noch eine Anna"' in html  # the form keeps what was typed
    with database.transaction() as session:
        assert len(session.scalars(select(Account)).all()) == 2


def test_an_admin_changes_a_role(admin_browser, editor_account, database):
    anna = account_id(database, "anna@zeitung.de")

    response = admin_post(admin_browser, f"{ACCOUNTS}/{anna}/rolle", {"role": "admin"})

    assert response.headers["Location"] == "/redaktion/konten?geaendert=rolle"
    assert stored(database, "anna@zeitung.de").role is Role.ADMIN
    assert last_audit(database) == ("account.role_changed", "user:chefin@zeitung.de",
                                    "user:anna@zeitung.de")


def test_the_last_admin_cannot_demote_or_disable_themselves(admin_browser, database):
    chefin = account_id(database, "chefin@zeitung.de")

    for path, data in [(f"{ACCOUNTS}/{chefin}/rolle", {"role": "editor"}),
                       (f"{ACCOUNTS}/{chefin}/sperren", None)]:
        response = admin_post(admin_browser, path, data)
        assert response.status_code == 409
        assert "letzte aktive Administration" in response.get_data(as_text=True)

    assert stored(database, "chefin@zeitung.de").role is Role.ADMIN
    assert admin_browser.get(ACCOUNTS).status_code == 200


def test_disabling_signs_the_account_out_at_once_and_enabling_lets_it_in(app, admin_browser,
                                                                         editor_browser,
                                                                         database):
    anna = account_id(database, "anna@zeitung.de")

    admin_post(admin_browser, f"{ACCOUNTS}/{anna}/sperren")

    assert last_audit(database) == ("account.disabled", "user:chefin@zeitung.de",
                                    "user:anna@zeitung.de")
    assert editor_browser.get("/redaktion/konto").status_code == 302
    assert sign_in(app.test_client()).status_code == 401
    admin_post(admin_browser, f"{ACCOUNTS}/{anna}/entsperren")
    assert sign_in(app.test_client()).status_code == 302


def test_an_admin_resets_a_password_and_the_second_factor(app, admin_browser, editor_browser,
                                                         database, clock):
    anna = account_id(database, "anna@zeitung.de")
    with database.transaction() as session:
        session.get(Account, anna).totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

    response = admin_post(admin_browser, f"{ACCOUNTS}/{anna}/passwort")
    password = re.search(r'id="one-time-password">([^<]+)<',
                         response.get_data(as_text=True)).group(1)
    admin_post(admin_browser, f"{ACCOUNTS}/{anna}/zwei-faktor-zuruecksetzen")

    assert editor_browser.get("/redaktion/konto").status_code == 302  # signed out
    browser = app.test_client()
    assert sign_in(browser, password=password).headers["Location"] == "/redaktion/konto"
    assert stored(database, "anna@zeitung.de").totp_secret is None
    assert last_audit(database)[0] == "signin.succeeded"


def test_an_admin_requires_a_second_factor_and_makes_it_optional(admin_browser,
                                                                 editor_account, database):
    anna = account_id(database, "anna@zeitung.de")

    admin_post(admin_browser, f"{ACCOUNTS}/{anna}/zwei-faktor", {"on": "1"})
    assert stored(database, "anna@zeitung.de").totp_required
    admin_post(admin_browser, f"{ACCOUNTS}/{anna}/zwei-faktor", {"on": "0"})
    assert not stored(database, "anna@zeitung.de").totp_required
    assert last_audit(database)[0] == "account.totp_optional"


def test_an_unknown_account_is_named_not_crashed_on(admin_browser):
    response = admin_post(admin_browser, f"{ACCOUNTS}/999999/passwort")

    assert response.status_code == 404
    assert "Dieses Konto gibt es nicht." in response.get_data(as_text=True)


def test_the_screen_is_in_english_for_an_admin_who_chose_it(admin_browser):
    post_form(admin_browser, "/redaktion/konto/sprache", {"locale": "en"})

    html = admin_browser.get(ACCOUNTS).get_data(as_text=True)

    assert '<html lang="en">' in html and "New account" in html and "Reset password" in html
