"""Signing in through the newsroom's OpenID provider (a real one, on loopback): accounts made
or found, roles from groups, every refusal in German and on the audit log, and the attacks
on the way back (a changed state, another browser, a replayed code, a changed nonce or PKCE
challenge, another issuer)."""

from __future__ import annotations

import base64
import hashlib
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit, urlunsplit

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from moderation import create_app
from moderation.accounts.sessions import hash_token
from moderation.domain import Role
from moderation.models import Account, AuditEvent, WebSession
from moderation.workspace.headers import WORKSPACE_CSP
from tests.oidc import idp
from tests.oidc.conftest import callback, onwards, query_of, sso_sign_in, start
from tests.workspace.conftest import csrf_of, sign_in

TRANSACTION = "redaktion_sso"
EXPIRED = ("Die Anmeldung ist abgelaufen oder wurde nicht in diesem Browser begonnen. "
           "Bitte versuchen Sie es noch einmal.")
UNVERIFIABLE = "Die Antwort von Keycloak ließ sich nicht prüfen."
NOT_ALLOWED = "Ihr Konto bei Keycloak ist für die Redaktion nicht freigegeben."


def audit(database) -> list[tuple[str, str, str | None, dict | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.target, e.details) for e in session.scalars(
            select(AuditEvent).order_by(AuditEvent.id))]


def accounts(database) -> list[tuple[str, Role]]:
    with database.transaction() as session:
        return [(a.email, a.role) for a in session.scalars(select(Account).order_by(Account.id))]


def cookies_set(answer) -> dict[str, SimpleCookie]:
    found = {}
    for header in answer.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie(header)
        found.update({name: cookie for name in cookie})
    return found


def signed_in(client: FlaskClient) -> bool:
    """The sign-in page sends someone signed in onwards."""
    return client.get("/redaktion/anmelden").status_code == 302


def signed_in_as(client: FlaskClient, database) -> str | None:
    """The email of the account this browser is signed in to."""
    if not signed_in(client):
        return None
    token = client.get_cookie("redaktion_sitzung", path="/redaktion").value
    with database.transaction() as session:
        return session.scalar(select(Account.email).join(WebSession).where(
            WebSession.token_hash == hash_token(token)))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**query_of(url), **changes})))


@pytest.mark.parametrize(("login", "email", "role"), [
    ("jana", "jana.krueger@zeitung.de", Role.EDITOR),
    ("petra", "petra.chefin@zeitung.de", Role.ADMIN),  # in both groups: admin wins
])
def test_a_first_sign_in_makes_the_account_with_the_role_of_its_group(
        client, database, login, email, role):
    answer = sso_sign_in(client, login, weiter="/redaktion/konto")

    assert onwards(answer) == "/redaktion/konto"
    assert answer.headers["Content-Security-Policy"] == WORKSPACE_CSP
    assert answer.headers["Cache-Control"] == "no-store"
    assert signed_in_as(client, database) == email
    assert accounts(database) == [(email, role)]
    person = f"user:{email}"
    assert audit(database) == [
        ("account.created", "sso", person, {"role": role.value}),
        ("signin.succeeded", person, person,
         {"method": "sso", "subject": login, "second_factor": False})]


def test_the_new_account_signs_in_with_no_password_anybody_knows(client, database):
    sso_sign_in(client, "jana")
    other = client.application.test_client()

    assert sign_in(other, "jana.krueger@zeitung.de", idp.PASSWORD).status_code == 401
    with database.transaction() as session:
        assert session.scalar(select(Account.name)) == "Jana Krüger"


def test_an_account_is_found_by_its_normalised_email_and_its_role_follows_the_group(
        client, database, make_account):
    make_account("anna@zeitung.de")  # the provider says "Anna@Zeitung.DE", chefredaktion

    answer = sso_sign_in(client, "anna")

    assert onwards(answer) == "/redaktion/"
    assert accounts(database) == [("anna@zeitung.de", Role.ADMIN)]
    assert audit(database)[0] == ("account.role_changed", "sso", "user:anna@zeitung.de",
                                  {"from": "editor", "to": "admin"})
    assert signed_in(client)


def test_the_last_active_admin_keeps_the_role_whatever_the_groups_say(
        client, database, make_account):
    make_account("jana.krueger@zeitung.de", Role.ADMIN)

    onwards(sso_sign_in(client, "jana"))

    assert accounts(database) == [("jana.krueger@zeitung.de", Role.ADMIN)]
    assert signed_in(client)


@pytest.mark.parametrize(("login", "message", "actor", "reason"), [
    ("max", NOT_ALLOWED, "user:max@fremd.example", "domain_not_allowed"),
    ("praktikant", NOT_ALLOWED, "user:praktikant@zeitung.de", "group_not_allowed"),
    ("ungeprueft", "Keycloak hat Ihre E-Mail-Adresse nicht bestätigt.", "anonymous",
     "email_not_verified"),
])
def test_a_person_the_rules_keep_out_is_refused_in_german_and_on_the_log(
        client, database, login, message, actor, reason):
    answer = sso_sign_in(client, login)

    assert answer.status_code == 403
    assert answer.mimetype == "text/html"
    assert message in answer.get_data(as_text=True)
    assert "redaktion_sitzung" not in cookies_set(answer)
    assert not signed_in(client)
    assert accounts(database) == []
    assert audit(database) == [("signin.failed", actor, None,
                                {"method": "sso", "reason": reason, "subject": login})]


def test_a_disabled_account_is_refused(client, database, make_account, clock):
    make_account("gesperrt@zeitung.de", disabled_at=clock())

    answer = sso_sign_in(client, "gesperrt")

    assert answer.status_code == 403
    assert "Dieses Konto ist gesperrt." in answer.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(database) == [("signin.failed", "user:gesperrt@zeitung.de",
                                "user:gesperrt@zeitung.de",
                                {"method": "sso", "reason": "disabled",
                                 "subject": "gesperrt"})]


def test_linking_only_refuses_a_person_without_an_account_and_links_one_with(
        config, database, make_account, clock):
    app = create_app(config.replace(oidc_create_accounts=False), clock=clock)
    make_account("anna@zeitung.de")

    refused = sso_sign_in(app.test_client(), "jana")
    linked = app.test_client()
    onwards(sso_sign_in(linked, "anna"))

    assert refused.status_code == 403
    assert "Für Ihre E-Mail-Adresse gibt es kein Redaktionskonto." in refused.get_data(
        as_text=True)
    assert accounts(database) == [("anna@zeitung.de", Role.ADMIN)]
    assert signed_in(linked)
    assert audit(database)[0] == ("signin.failed", "user:jana.krueger@zeitung.de", None,
                                  {"method": "sso", "reason": "unknown_account",
                                   "subject": "jana"})
    app.extensions["moderation"].database.dispose()


def test_an_account_with_a_second_factor_gives_its_code_after_the_provider(
        client, database, make_account, clock):
    secret = pyotp.random_base32()
    make_account("jana.krueger@zeitung.de", totp_secret=secret)

    answer = sso_sign_in(client, "jana", weiter="/redaktion/konto")

    assert onwards(answer) == "/redaktion/anmelden/code?weiter=/redaktion/konto"
    assert not signed_in(client)
    assert audit(database) == []
    page = client.get("/redaktion/anmelden/code?weiter=/redaktion/konto")
    code = client.post("/redaktion/anmelden/code", data={
        "csrf_token": csrf_of(page), "code": pyotp.TOTP(secret).at(clock()),
        "weiter": "/redaktion/konto"})
    assert code.headers["Location"] == "/redaktion/konto"
    assert signed_in(client)


@pytest.mark.parametrize(("weiter", "target"), [
    ("/redaktion/konto?tab=sprache", "/redaktion/konto?tab=sprache"),
    ("https://boese.example/redaktion/", "/redaktion/"),
    ("//boese.example/redaktion/", "/redaktion/"),
    ("/v1/comments", "/redaktion/"),
])
def test_only_a_workspace_path_is_kept_for_afterwards(client, weiter, target):
    assert onwards(sso_sign_in(client, "lena", weiter=weiter)) == target


def test_signing_in_makes_a_new_session_and_ends_the_one_the_browser_had(
        client, database, make_account):
    make_account("anna@zeitung.de", totp_secret=pyotp.random_base32())
    sign_in(client, "anna@zeitung.de")  # a session that waits for Anna's code
    before = client.get_cookie("redaktion_sitzung", path="/redaktion").value

    answer = sso_sign_in(client, "jana")

    cookie = cookies_set(answer)["redaktion_sitzung"]["redaktion_sitzung"]
    assert cookie.value != before
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert signed_in_as(client, database) == "jana.krueger@zeitung.de"
    with database.transaction() as session:
        assert session.scalar(select(WebSession.revoked_at).where(
            WebSession.token_hash == hash_token(before))) is not None


def test_the_trip_is_remembered_in_a_lax_cookie_of_the_sign_in_path_and_forgotten_after(
        client):
    answer = client.get("/redaktion/anmelden/sso")
    cookie = cookies_set(answer)[TRANSACTION][TRANSACTION]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/redaktion/anmelden/sso" and cookie["max-age"] == "600"
    url = answer.headers["Location"]
    assert url.startswith("http://localhost:")
    query = query_of(url)
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://127.0.0.1/redaktion/anmelden/sso/zurueck"
    assert query["scope"] == "openid email profile groups"
    assert {"state", "nonce", "code_challenge"} <= query.keys()

    back = callback(client, idp.sign_in_at_provider(url, "lena"))

    assert cookies_set(back)[TRANSACTION][TRANSACTION]["max-age"] == "0"


def test_a_changed_state_is_refused_before_the_code_is_used(client, database):
    url = idp.sign_in_at_provider(start(client), "jana")

    answer = callback(client, with_query(url, state="ausgetauscht"))

    assert answer.status_code == 400
    assert EXPIRED in answer.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(database) == []


def test_a_callback_in_another_browser_signs_nobody_in(client, database):
    """Login CSRF: someone's code and state carried into a victim's browser."""
    url = idp.sign_in_at_provider(start(client), "jana")
    victim = client.application.test_client()

    answer = callback(victim, url)

    assert answer.status_code == 400
    assert not signed_in(victim)
    assert accounts(database) == []


def test_a_replayed_code_is_refused_by_the_provider(client, database):
    url = start(client)
    transaction = client.get_cookie(TRANSACTION, path="/redaktion/anmelden/sso").value
    back = idp.sign_in_at_provider(url, "jana")
    onwards(callback(client, back))
    thief = client.application.test_client()
    thief.set_cookie(TRANSACTION, transaction, path="/redaktion/anmelden/sso")

    answer = callback(thief, back)

    assert answer.status_code == 400
    assert EXPIRED in answer.get_data(as_text=True)
    assert not signed_in(thief)
    assert [event[0] for event in audit(database)] == ["account.created", "signin.succeeded"]


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize(("changes", "message"), [
    ({"nonce": "eine-andere-nonce"}, UNVERIFIABLE),  # the ID token names another nonce
    ({"code_challenge": _challenge("x" * 43)}, EXPIRED),  # our verifier fits no more
])
def test_a_changed_authorization_request_signs_nobody_in(client, database, changes, message):
    url = idp.sign_in_at_provider(with_query(start(client), **changes), "jana")

    answer = callback(client, url)

    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert not signed_in(client)
    assert audit(database) == []


def test_an_answer_naming_another_issuer_is_refused(client, database):
    url = idp.sign_in_at_provider(start(client), "jana")

    answer = callback(client, with_query(url, iss="https://anderer-anbieter.example"))

    assert answer.status_code == 400
    assert UNVERIFIABLE in answer.get_data(as_text=True)
    assert not signed_in(client)


def test_a_sign_in_cancelled_at_the_provider_is_said_so(client):
    state = query_of(start(client))["state"]

    answer = client.get("/redaktion/anmelden/sso/zurueck",
                        query_string={"state": state, "error": "access_denied"})

    assert answer.status_code == 400
    assert "Die Anmeldung mit Keycloak wurde abgebrochen oder abgelehnt." in answer.get_data(
        as_text=True)


def test_a_provider_out_of_reach_is_a_german_page_not_an_error(config, clock, database):
    app = create_app(config.replace(oidc_issuer="http://127.0.0.1:9"), clock=clock)

    answer = app.test_client().get("/redaktion/anmelden/sso")

    assert answer.status_code == 502
    assert "Keycloak ist nicht erreichbar oder hat ungültig geantwortet." in answer.get_data(
        as_text=True)
    app.extensions["moderation"].database.dispose()


def test_the_sign_in_page_offers_the_provider(client):
    html = client.get("/redaktion/anmelden?weiter=/redaktion/konto").get_data(as_text=True)

    assert ('href="/redaktion/anmelden/sso?weiter=/redaktion/konto">Mit Keycloak anmelden</a>'
            in html)


def test_someone_signed_in_already_goes_on_without_a_trip(client):
    onwards(sso_sign_in(client, "lena"))

    answer = client.get("/redaktion/anmelden/sso?weiter=/redaktion/konto")

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/redaktion/konto"


def test_without_an_issuer_there_is_no_button_and_no_single_sign_on(config, clock, database):
    app = create_app(config.replace(oidc_issuer=None), clock=clock)
    client = app.test_client()

    assert "Mit Keycloak" not in client.get("/redaktion/anmelden").get_data(as_text=True)
    assert client.get("/redaktion/anmelden/sso").status_code == 404
    assert client.get("/redaktion/anmelden/sso/zurueck?state=x&code=y").status_code == 404
    app.extensions["moderation"].database.dispose()
