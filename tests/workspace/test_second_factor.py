"""The second factor at sign-in: a code after the password, once only; setting it up when
an admin requires it, or of one's own accord."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from moderation.models import Account, AuditEvent
from tests.workspace.conftest import csrf_of, post_form, sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enter_code(client, code: str, weiter: str | None = None):
    page = client.get("/redaktion/anmelden/code")
    data = {"csrf_token": csrf_of(page), "code": code}
    if weiter:
        data["weiter"] = weiter
    return client.post("/redaktion/anmelden/code", data=data)


def failures(database) -> list[dict]:
    with database.transaction() as session:
        return [e.details for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "signin.failed"))]


def test_the_password_alone_does_not_sign_in_an_account_with_a_second_factor(
        client, make_account, clock, database):
    make_account(totp_secret=SECRET)

    response = sign_in(client, weiter="/redaktion/konto")

    assert response.status_code == 302
    assert response.headers["Location"] == "/redaktion/anmelden/code?weiter=/redaktion/konto"
    assert client.get("/redaktion/konto").status_code == 302  # not yet
    page = client.get("/redaktion/anmelden/code")
    assert "sechsstelligen Code" in page.get_data(as_text=True)

    response = enter_code(client, pyotp.TOTP(SECRET).at(clock()), "/redaktion/konto")

    assert response.status_code == 302 and response.headers["Location"] == "/redaktion/konto"
    assert client.get("/redaktion/konto").status_code == 200
    with database.transaction() as session:
        assert session.scalar(select(AuditEvent.details).where(
            AuditEvent.action == "signin.succeeded")) == {"second_factor": True}


def test_the_code_step_starts_yet_another_session(client, make_account, clock):
    make_account(totp_secret=SECRET)
    pending = sign_in(client).headers.getlist("Set-Cookie")

    signed_in = enter_code(client, pyotp.TOTP(SECRET).at(clock())).headers.getlist("Set-Cookie")

    def token(headers):
        return next(re.match(r"redaktion_sitzung=([^;]*)", h).group(1) for h in headers
                    if h.startswith("redaktion_sitzung="))

    assert token(pending) != token(signed_in)
    half_way = client.application.test_client()
    half_way.set_cookie("redaktion_sitzung", token(pending), path="/redaktion")
    assert half_way.get("/redaktion/konto").status_code == 302


def test_a_wrong_code_is_refused_and_recorded(client, make_account, clock, database):
    make_account(totp_secret=SECRET)
    sign_in(client)
    right = pyotp.TOTP(SECRET).at(clock())

    response = enter_code(client, f"{(int(right) + 1) % 1_000_000:06d}")

    assert response.status_code == 401
    assert "Der Code stimmt nicht oder wurde schon verwendet." in response.get_data(as_text=True)
    assert client.get("/redaktion/konto").status_code == 302
    assert failures(database) == [{"reason": "code"}]


def test_a_code_that_signed_in_once_does_not_sign_in_again(app, make_account, clock, database):
    make_account(totp_secret=SECRET)
    code = pyotp.TOTP(SECRET).at(clock())
    first = app.test_client()
    sign_in(first)
    assert enter_code(first, code).status_code == 302

    # Someone who saw the password and the code over the editor's shoulder:
    onlooker = app.test_client()
    sign_in(onlooker)
    response = enter_code(onlooker, code)

    assert response.status_code == 401
    assert onlooker.get("/redaktion/konto").status_code == 302
    assert failures(database) == [{"reason": "code_used_before"}]
    # The next step's code works.
    clock.advance(seconds=30)
    assert enter_code(onlooker, pyotp.TOTP(SECRET).at(clock())).status_code == 302


def test_wrong_codes_count_towards_the_lockout(client, make_account, clock):
    make_account(totp_secret=SECRET)
    sign_in(client)
    for _ in range(5):
        enter_code(client, "000000")

    response = enter_code(client, pyotp.TOTP(SECRET).at(clock()))

    assert response.status_code == 429


def test_the_code_step_waits_only_minutes(client, make_account, clock):
    make_account(totp_secret=SECRET)
    sign_in(client)
    clock.advance(minutes=6)

    response = client.get("/redaktion/anmelden/code")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/redaktion/anmelden")


def test_without_a_password_first_there_is_no_code_step(client):
    assert client.get("/redaktion/anmelden/code").status_code == 302
    page = client.get("/redaktion/anmelden")
    response = client.post("/redaktion/anmelden/code",
                           data={"csrf_token": csrf_of(page), "code": "123456"})
    assert response.status_code == 302


def test_an_account_required_to_use_one_sets_it_up_at_sign_in(client, make_account, clock,
                                                              database):
    make_account(totp_required=True)
    sign_in(client)

    page = client.get("/redaktion/anmelden/code").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    uri = re.search(r'id="totp-uri">([^<]+)<', page).group(1)
    assert uri.startswith("otpauth://totp/moderation:anna%40zeitung.de?secret=" + secret)
    assert client.get("/redaktion/konto").status_code == 302
    # Reloading shows the same secret: the app may already hold it.
    assert secret in client.get("/redaktion/anmelden/code").get_data(as_text=True)

    response = enter_code(client, pyotp.TOTP(secret).at(clock()))

    assert response.status_code == 302
    assert client.get("/redaktion/konto").status_code == 200
    with database.transaction() as session:
        assert session.scalar(select(Account.totp_secret)) == secret
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["account.totp_enrolled", "signin.succeeded"]


def test_setting_it_up_needs_a_code_of_the_secret_shown(client, make_account, clock, database):
    make_account(totp_required=True)
    sign_in(client)
    client.get("/redaktion/anmelden/code")

    response = enter_code(client, pyotp.TOTP(SECRET).at(clock()))  # another secret's code

    assert response.status_code == 401
    with database.transaction() as session:
        assert session.scalar(select(Account.totp_secret)) is None


def test_a_person_sets_up_a_second_factor_of_their_own_accord(editor_browser, clock, app):
    page = editor_browser.get("/redaktion/konto/zwei-faktor").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)

    wrong = post_form(editor_browser, "/redaktion/konto/zwei-faktor", {"code": "000000"},
                      page="/redaktion/konto/zwei-faktor")
    assert wrong.status_code == 422
    response = post_form(editor_browser, "/redaktion/konto/zwei-faktor",
                         {"code": pyotp.TOTP(secret).at(clock())},
                         page="/redaktion/konto/zwei-faktor")

    assert response.headers["Location"] == "/redaktion/konto?geaendert=zwei-faktor"
    post_form(editor_browser, "/redaktion/abmelden")
    assert sign_in(editor_browser).headers["Location"].startswith("/redaktion/anmelden/code")
    # The code that set it up does not sign in: each code works once.
    assert enter_code(editor_browser, pyotp.TOTP(secret).at(clock())).status_code == 401
