"""The API keys screen: admins only; create (the key shown once, and it works), list
without secrets, revoke (and it stops working); audited as the person; German refusals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from moderation.models import ApiKey, AuditEvent
from tests.workspace.conftest import post_form

KEYS = "/redaktion/schluessel"
ADMIN_ACTOR = "user:chefin@zeitung.de"


def admin_post(browser, path: str, data: dict | None = None):
    return post_form(browser, path, data, page=KEYS)


def shown_key(html: str) -> str | None:
    found = re.search(r'<p class="secret" id="api-key"[^>]*>([^<]+)<', html)
    return found.group(1) if found else None


def stored_keys(database) -> list[ApiKey]:
    with database.transaction() as session:
        return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def key_audit(database) -> list[tuple[str, str, str | None, dict | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.target, e.details) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("key.%")).order_by(AuditEvent.id))]


def test_editors_may_neither_see_nor_make_keys(editor_browser, admin_account, database):
    assert editor_browser.get(KEYS).status_code == 403
    response = post_form(editor_browser, KEYS, {"name": "cms", "role": "admin"})

    assert response.status_code == 403
    assert stored_keys(database) == []


def test_a_key_is_shown_once_works_and_is_audited(app, admin_browser, database):
    response = admin_post(admin_browser, KEYS, {"name": "cms-redaktion", "role": "editor",
                                                "expires_in_days": "30"})

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = shown_key(html)
    assert secret and secret.startswith("mod_")
    assert "Nur jetzt sichtbar" in html and "nicht noch einmal angezeigt" in html
    [key] = stored_keys(database)
    assert (key.name, key.role.value) == ("cms-redaktion", "editor")
    assert key.expires_at is not None and (key.expires_at - key.created_at).days == 30
    assert app.test_client().get("/v1/moderation/queue/counts", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 200
    listing = admin_browser.get(KEYS).get_data(as_text=True)
    assert "cms-redaktion" in listing and secret not in listing
    assert key.prefix in listing  # recognisable by its beginning
    assert key_audit(database) == [("key.created", ADMIN_ACTOR, "key:cms-redaktion",
                                    {"role": "editor", "expires_at": key.expires_at.isoformat()})]


def test_revoking_a_key_stops_it_at_once(app, admin_browser, database):
    secret = shown_key(admin_post(admin_browser, KEYS, {"name": "skript", "role": "admin"})
                       .get_data(as_text=True))

    response = admin_post(admin_browser, f"{KEYS}/widerrufen", {"name": "skript"})

    assert response.headers["Location"] == f"{KEYS}?geaendert=widerrufen"
    listing = admin_browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Schlüssel ist widerrufen" in listing and 'data-state="revoked"' in listing
    assert app.test_client().get("/v1/moderation/queue/counts", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 401
    again = admin_post(admin_browser, f"{KEYS}/widerrufen", {"name": "skript"})
    assert again.headers["Location"] == f"{KEYS}?geaendert=war-widerrufen"
    assert [entry[:3] for entry in key_audit(database)] == [
        ("key.created", ADMIN_ACTOR, "key:skript"), ("key.revoked", ADMIN_ACTOR, "key:skript")]


def test_a_name_in_use_is_refused_beside_the_field(admin_browser, database):
    admin_post(admin_browser, KEYS, {"name": "cms", "role": "editor"})

    response = admin_post(admin_browser, KEYS, {"name": "cms", "role": "admin"})

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="key-name-error"' in html and "gibt es schon" in html
    assert len(stored_keys(database)) == 1
    assert shown_key(html) is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "role": "editor"}, "key-name", "Buchstaben"),
    ({"name": "mit leerzeichen", "role": "editor"}, "key-name", "ohne Leerzeichen"),
    ({"name": "x" * 101, "role": "editor"}, "key-name", "Buchstaben"),
    ({"name": "cms", "role": "chef"}, "key-role", "Wählen Sie eine Rolle"),
    ({"name": "cms", "role": "editor", "expires_in_days": "0"}, "key-days", "Tage"),
    ({"name": "cms", "role": "editor", "expires_in_days": "ewig"}, "key-days", "Tage"),
    ({"name": "cms\x00", "role": "editor"}, "key-name", "Buchstaben"),
])
def test_invalid_forms_are_refused_in_german(admin_browser, database, data, field, message):
    response = admin_post(admin_browser, KEYS, data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and message in html
    assert stored_keys(database) == []


def test_revoking_an_unknown_key_is_a_german_404(admin_browser):
    response = admin_post(admin_browser, f"{KEYS}/widerrufen", {"name": "gibtsnicht"})

    assert response.status_code == 404
    assert "Einen Schlüssel mit diesem Namen gibt es nicht" in response.get_data(as_text=True)


def test_writes_without_the_csrf_token_are_refused(admin_browser, database):
    assert admin_browser.post(KEYS, data={"name": "cms", "role": "admin"}).status_code == 403
    assert stored_keys(database) == []
