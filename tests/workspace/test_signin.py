"""Signing in to the workspace: one generic refusal, lockout, session fixation, cookies,
open redirects, sign-out here and everywhere, idle and absolute ends, the audit log."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation import create_app
from moderation.accounts.passwords import check_password
from moderation.models import Account, AuditEvent
from tests.accounts.support import PASSWORD
from tests.workspace.conftest import csrf_of, post_form, sign_in

GENERIC = "Die E-Mail-Adresse oder das Passwort stimmt nicht."
LOCKED = "Zu viele fehlgeschlagene Anmeldungen."


def session_cookie(response) -> SimpleCookie:
    cookies = [SimpleCookie(header) for header in response.headers.getlist("Set-Cookie")
               if header.startswith("redaktion_sitzung=")]
    assert len(cookies) == 1
    return cookies[0]


def audit(database) -> list[tuple[str, str, str | None, dict | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.target, e.details) for e in session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def test_a_right_password_signs_in_and_goes_where_the_person_wanted(client, editor_account,
                                                                     database):
    first = client.get("/redaktion/konto")
    assert first.status_code == 302
    assert first.headers["Location"] == "/redaktion/anmelden?weiter=/redaktion/konto"

    response = sign_in(client, "  Anna@ZEITUNG.de", weiter="/redaktion/konto")

    assert response.status_code == 302
    assert response.headers["Location"] == "/redaktion/konto"
    page = client.get("/redaktion/konto")
    assert page.status_code == 200
    assert "anna@zeitung.de" in page.get_data(as_text=True)
    assert audit(database) == [("signin.succeeded", "user:anna@zeitung.de",
                                "user:anna@zeitung.de", {"second_factor": False})]
    with database.transaction() as session:
        assert session.scalar(select(Account.last_signed_in_at)) is not None


@pytest.mark.parametrize(("email", "password", "reason"), [
    ("anna@zeitung.de", "Grüße aus der Redaktiom", "password"),
    ("niemand@zeitung.de", PASSWORD, "unknown_account"),
    ("gesperrt@zeitung.de", PASSWORD, "disabled"),
])
def test_every_refusal_reads_the_same(client, make_account, clock, database, email, password,
                                      reason):
    make_account()
    make_account("gesperrt@zeitung.de", disabled_at=clock())

    response = sign_in(client, email, password)

    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert GENERIC in html
    assert "redaktion_sitzung=" not in str(response.headers.getlist("Set-Cookie"))
    assert client.get("/redaktion/konto").status_code == 302
    actor = "anonymous" if reason == "unknown_account" else f"user:{email}"
    assert audit(database) == [("signin.failed", actor,
                                None if reason == "unknown_account" else actor,
                                {"reason": reason})]
    assert "niemand@zeitung.de" not in str(audit(database))  # never the email typed


def test_an_unknown_email_takes_as_long_as_a_wrong_password(client, editor_account):
    def duration(email: str) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            sign_in(client, email, "nicht das Passwort")
            times.append(time.perf_counter() - started)
        return min(times)

    # Without the dummy hash the unknown email would answer in a fraction of the time.
    assert duration("niemand@zeitung.de") > 0.5 * duration("anna@zeitung.de")


def test_after_five_failures_even_the_right_password_is_refused(client, editor_account,
                                                                database):
    for _ in range(5):
        assert sign_in(client, password="falsch falsch falsch").status_code == 401

    response = sign_in(client)

    assert response.status_code == 429
    assert LOCKED in response.get_data(as_text=True)
    assert client.get("/redaktion/konto").status_code == 302
    actions = [action for action, *_ in audit(database)]
    assert actions == ["signin.failed"] * 4 + ["signin.failed", "signin.locked_out"]
    assert audit(database)[-1][3] == {"account": True, "network": False}


def test_an_unknown_email_is_locked_out_like_a_known_one(client):
    for _ in range(5):
        sign_in(client, "niemand@zeitung.de", "falsch")

    assert sign_in(client, "niemand@zeitung.de", "falsch").status_code == 429


def test_a_network_is_locked_out_after_failures_for_many_emails(config, clock, database,
                                                                 editor_account):
    app = create_app(config.replace(limit_signin_failures_per_address="3/15 minutes"),
                     clock=clock)
    client = app.test_client()
    for n in range(3):
        sign_in(client, f"person{n}@zeitung.de", "falsch")

    assert sign_in(client).status_code == 429
    other_network = app.test_client()
    page = other_network.get("/redaktion/anmelden", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    response = other_network.post(
        "/redaktion/anmelden", environ_base={"REMOTE_ADDR": "10.1.2.3"},
        data={"csrf_token": csrf_of(page), "email": "anna@zeitung.de", "password": PASSWORD})
    assert response.status_code == 302
    app.extensions["moderation"].database.dispose()


def test_a_success_forgives_the_accounts_earlier_failures(client, editor_account):
    for _ in range(4):
        sign_in(client, password="falsch")
    assert sign_in(client).status_code == 302
    post_form(client, "/redaktion/abmelden")

    for _ in range(4):
        sign_in(client, password="falsch")
    assert sign_in(client).status_code == 302


def test_signing_in_makes_a_new_session_whatever_the_browser_brought(client, editor_account,
                                                                     database):
    # An attacker plants a session cookie of their own choosing ...
    client.set_cookie("redaktion_sitzung", "vom-angreifer-gesetzt", path="/redaktion")
    response = sign_in(client)

    token = session_cookie(response)["redaktion_sitzung"].value
    assert token != "vom-angreifer-gesetzt"
    # ... and a signed-in browser signing in again gets yet another session, the old one ended.
    old_token = token
    page = client.get("/redaktion/anmelden?weiter=/redaktion/konto")
    assert page.status_code == 302  # signed in already: onwards
    response = client.post("/redaktion/anmelden", data={
        "csrf_token": csrf_of(client.get("/redaktion/konto")), "email": "anna@zeitung.de",
        "password": PASSWORD})
    new_token = session_cookie(response)["redaktion_sitzung"].value
    assert new_token != old_token
    stale = client.application.test_client()
    stale.set_cookie("redaktion_sitzung", old_token, path="/redaktion")
    assert stale.get("/redaktion/konto").status_code == 302


def test_the_session_cookie_is_httponly_strict_and_secure(client, editor_account):
    cookie = session_cookie(sign_in(client))["redaktion_sitzung"]

    assert cookie["httponly"] and cookie["secure"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/redaktion"
    assert not cookie["expires"] and not cookie["max-age"]  # gone with the browser


def test_the_cookie_may_travel_over_http_on_a_development_machine(config, clock, database,
                                                                   editor_account):
    app = create_app(config.replace(session_cookie_secure=False), clock=clock)
    cookie = session_cookie(sign_in(app.test_client()))["redaktion_sitzung"]

    assert not cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
    app.extensions["moderation"].database.dispose()


@pytest.mark.parametrize("weiter", [
    "https://boese.example/redaktion/", "//boese.example/redaktion/", "/\\boese.example",
    "\\\\boese.example", "https:boese.example", "/redaktion/../v1/admin/keys",
    "/v1/moderation/comments", "javascript:alert(1)", "/redaktion/\r\nSet-Cookie: x=1",
    " //boese.example", "/redaktionX",
])
def test_sign_in_never_leads_off_the_workspace(client, editor_account, weiter):
    response = sign_in(client, weiter=weiter)

    assert response.status_code == 302
    assert response.headers["Location"] == "/redaktion/"


def test_sign_in_keeps_a_workspace_path_with_its_query(client, editor_account):
    response = sign_in(client, weiter="/redaktion/konto?geaendert=sprache")

    assert response.headers["Location"] == "/redaktion/konto?geaendert=sprache"


def test_a_signed_in_person_opening_the_form_goes_onwards_but_never_off_site(editor_browser):
    response = editor_browser.get("/redaktion/anmelden?weiter=https://boese.example/")

    assert response.headers["Location"] == "/redaktion/"


@pytest.mark.parametrize("token", [None, "", "falsch"])
def test_a_form_without_the_right_csrf_token_is_refused(editor_browser, token):
    data = {"locale": "en"} | ({} if token is None else {"csrf_token": token})

    response = editor_browser.post("/redaktion/konto/sprache", data=data)

    assert response.status_code == 403
    assert "Das Formular ist abgelaufen" in response.get_data(as_text=True)
    assert 'lang="de"' in editor_browser.get("/redaktion/konto").get_data(as_text=True)


def test_a_fetch_without_the_token_gets_json_403(editor_browser):
    response = editor_browser.post("/redaktion/konto/sprache", json={"locale": "en"},
                                   headers={"Accept": "application/json",
                                            "X-CSRF-Token": "falsch"})

    assert response.status_code == 403
    assert response.get_json()["code"] == "forbidden"


def test_the_sign_in_form_needs_its_own_token_too(client, editor_account):
    client.get("/redaktion/anmelden")

    response = client.post("/redaktion/anmelden", data={"email": "anna@zeitung.de",
                                                        "password": PASSWORD})

    assert response.status_code == 403


def test_another_sessions_token_does_not_pass(app, editor_browser, make_account):
    make_account("jan@zeitung.de")
    jan = app.test_client()
    sign_in(jan, "jan@zeitung.de")
    jans_token = csrf_of(jan.get("/redaktion/konto"))

    response = editor_browser.post("/redaktion/konto/sprache",
                                   data={"csrf_token": jans_token, "locale": "en"})

    assert response.status_code == 403


def test_signing_out_ends_the_session_and_needs_a_post_with_the_token(editor_browser,
                                                                      database):
    assert editor_browser.get("/redaktion/abmelden").status_code == 405
    assert editor_browser.post("/redaktion/abmelden").status_code == 403

    response = post_form(editor_browser, "/redaktion/abmelden")

    assert response.status_code == 302 and response.headers["Location"] == "/redaktion/anmelden"
    assert session_cookie(response)["redaktion_sitzung"].value == ""
    assert editor_browser.get("/redaktion/konto").status_code == 302
    assert audit(database)[-1][:2] == ("signout", "user:anna@zeitung.de")


def test_signing_out_everywhere_ends_every_session_of_the_account(app, editor_browser,
                                                                  make_account, database):
    phone = app.test_client()
    sign_in(phone)
    make_account("jan@zeitung.de")
    jan = app.test_client()
    sign_in(jan, "jan@zeitung.de")

    response = post_form(phone, "/redaktion/abmelden/ueberall")

    assert response.status_code == 302
    assert phone.get("/redaktion/konto").status_code == 302
    assert editor_browser.get("/redaktion/konto").status_code == 302
    assert jan.get("/redaktion/konto").status_code == 200
    assert audit(database)[-1] == ("signout.everywhere", "user:anna@zeitung.de",
                                   "user:anna@zeitung.de", {"sessions_ended": 2})


def test_a_session_ends_after_an_hour_without_a_request(editor_browser, clock):
    clock.advance(minutes=59)
    assert editor_browser.get("/redaktion/konto").status_code == 200
    clock.advance(minutes=59)
    assert editor_browser.get("/redaktion/konto").status_code == 200
    clock.advance(minutes=61)

    response = editor_browser.get("/redaktion/konto")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/redaktion/anmelden")


def test_a_session_ends_twelve_hours_after_sign_in_however_active(editor_browser, clock):
    for _ in range(23):
        clock.advance(minutes=30)
        assert editor_browser.get("/redaktion/konto").status_code == 200
    clock.advance(minutes=30)

    assert editor_browser.get("/redaktion/konto").status_code == 302


def test_a_fetch_after_the_session_ended_gets_json_401(editor_browser, clock):
    clock.advance(hours=2)

    response = editor_browser.get("/redaktion/konto", headers={"Accept": "application/json"})

    assert response.status_code == 401
    assert set(response.get_json()) == {"code", "message", "errors"}


def test_a_disabled_account_is_signed_out_at_its_next_request(editor_browser, database, clock):
    with database.transaction() as session:
        session.scalar(select(Account)).disabled_at = clock()

    assert editor_browser.get("/redaktion/konto").status_code == 302


def test_a_hash_with_older_parameters_is_renewed_at_sign_in(client, make_account, database):
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    make_account()
    with database.transaction() as session:
        session.scalar(select(Account)).password_hash = old

    assert sign_in(client).status_code == 302

    with database.transaction() as session:
        renewed = session.scalar(select(Account.password_hash))
    assert renewed != old and renewed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert check_password(renewed, PASSWORD).matches


def test_an_invalid_form_is_refused_without_a_crash(client: FlaskClient, app: Flask):
    page = client.get("/redaktion/anmelden")

    response = client.post("/redaktion/anmelden", data={
        "csrf_token": csrf_of(page), "email": "", "password": "x", "extra": "1"})

    assert response.status_code == 422
    assert "Bitte geben Sie" in response.get_data(as_text=True)
