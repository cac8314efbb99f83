"""A person's own account page: password, language, and the workspace in their language."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from moderation import create_app
from moderation.accounts.passwords import check_password
from moderation.models import Account, AuditEvent
from moderation.workspace.access import current_decider
from tests.accounts.support import PASSWORD
from tests.workspace.conftest import post_form, sign_in

NEW = "Ein ganz neues Passwort"


def change_password(client, current=PASSWORD, new=NEW, confirmation=NEW):
    return post_form(client, "/redaktion/konto/passwort", {
        "current_password": current, "new_password": new, "confirmation": confirmation})


def test_the_workspace_speaks_german_by_default(editor_browser):
    html = editor_browser.get("/redaktion/konto").get_data(as_text=True)

    assert '<html lang="de">' in html
    assert "Ihr Konto" in html and "Passwort ändern" in html and "Überall abmelden" in html


def test_a_person_who_chose_english_gets_english(editor_browser, database):
    response = post_form(editor_browser, "/redaktion/konto/sprache", {"locale": "en"})

    assert response.headers["Location"] == "/redaktion/konto?geaendert=sprache"
    html = editor_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Your account" in html and "The language has been changed." in html
    assert "Main navigation" in html
    with database.transaction() as session:
        assert session.scalar(select(Account.locale)) == "en"


def test_an_unknown_language_is_refused(editor_browser):
    response = post_form(editor_browser, "/redaktion/konto/sprache", {"locale": "fr"})

    assert response.status_code == 422
    assert "Bitte wählen Sie eine Sprache." in response.get_data(as_text=True)


def test_before_sign_in_the_services_language_applies(config, clock, database):
    app = create_app(config.replace(language="en"), clock=clock)

    html = app.test_client().get("/redaktion/anmelden").get_data(as_text=True)

    assert '<html lang="en">' in html and ">Sign in<" in html
    app.extensions["moderation"].database.dispose()


def test_changing_the_password_keeps_this_browser_and_ends_the_others(app: Flask,
                                                                      editor_browser,
                                                                      database):
    other = app.test_client()
    sign_in(other)

    response = change_password(editor_browser)

    assert response.headers["Location"] == "/redaktion/konto?geaendert=passwort"
    assert editor_browser.get("/redaktion/konto").status_code == 200
    assert other.get("/redaktion/konto").status_code == 302
    with database.transaction() as session:
        stored = session.scalar(select(Account.password_hash))
        assert check_password(stored, NEW).matches
        assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()[-1] == (
            "account.password_changed")


def test_a_password_change_needs_the_current_password_and_a_good_new_one(editor_browser):
    cases = [(change_password(editor_browser, current="falsch"), "bisherige Passwort stimmt"),
             (change_password(editor_browser, confirmation="anders"), "stimmen nicht überein"),
             (change_password(editor_browser, new="kurz", confirmation="kurz"),
              "mindestens 12 Zeichen"),
             (change_password(editor_browser, new="anna@zeitung.de",
                              confirmation="anna@zeitung.de"), "nicht Ihre E-Mail")]

    for response, says in cases:
        assert response.status_code == 422
        assert says in response.get_data(as_text=True)
    assert sign_in(editor_browser.application.test_client()).status_code == 302


def test_a_one_time_password_must_be_replaced_before_anything_else(client, make_account):
    make_account(password_change_required=True)

    response = sign_in(client, weiter="/redaktion/")

    assert response.headers["Location"] == "/redaktion/konto"
    for elsewhere in ("/redaktion/", "/redaktion/konto/zwei-faktor"):
        assert client.get(elsewhere).headers["Location"] == "/redaktion/konto"
    assert "Einmalpasswort" in client.get("/redaktion/konto").get_data(as_text=True)
    change_password(client)
    assert client.get("/redaktion/konto/zwei-faktor").status_code == 200


def test_decisions_in_the_app_are_made_as_the_signed_in_person(app, editor_account):
    with app.test_request_context():
        from flask import g

        g.account = editor_account
        decider = current_decider()

    assert decider.actor == "user:anna@zeitung.de"
    assert decider.person and decider.key is None
    assert decider.payload() == {"type": "editor", "user": "anna@zeitung.de"}
