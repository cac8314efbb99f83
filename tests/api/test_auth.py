"""Bearer API keys on the editors' endpoints: who gets in, who does not, and what is recorded."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from moderation.domain import Role
from moderation.models import ApiKey
from moderation.services import keys
from tests.support.http import assert_error, post_comment

ARTICLE_SETTINGS = "/v1/moderation/articles/ki-im-alltag"


def editor_routes(comment_id: str,
                  report_id: str = "MELDUNG") -> list[tuple[str, str, dict | None]]:
    """Every editor endpoint as (method, path, JSON body), each valid for an editor."""
    return [
        ("GET", "/v1/moderation/comments", None),
        ("GET", "/v1/moderation/queue/counts", None),
        ("GET", "/v1/moderation/articles", None),
        ("GET", f"/v1/moderation/comments/{comment_id}", None),
        ("POST", f"/v1/moderation/comments/{comment_id}/approve",
         {"reason_code": "passt", "reason": "Sachlich und höflich"}),
        ("POST", f"/v1/moderation/comments/{comment_id}/reject",
         {"reason_code": "beleidigung", "reason": "Persönlicher Angriff auf die Autorin"}),
        ("POST", "/v1/moderation/comments/bulk", {"ids": [comment_id], "action": "reject"}),
        ("GET", ARTICLE_SETTINGS, None),
        ("PATCH", ARTICLE_SETTINGS, {"comments_open": False, "title": "Straßenbahn-Ärger"}),
        ("GET", "/v1/moderation/status", None),
        ("GET", f"/v1/moderation/reports/{report_id}", None),
        ("POST", f"/v1/moderation/reports/{report_id}/dismiss",
         {"reason": "Kein Verstoß erkennbar"}),
    ]


ROUTE_IDS = ["queue", "queue-counts", "articles", "detail", "approve", "reject", "bulk",
             "article-get", "article-patch", "status", "report", "report-dismiss"]


def call(client, route: tuple[str, str, dict | None], headers: dict[str, str]):
    method, path, body = route
    if body is None:
        return client.open(path, method=method, headers=headers)
    return client.open(path, method=method, headers=headers, json=body)


@pytest.fixture
def comment_id(client) -> str:
    response = post_comment(client, "Grüße aus Düsseldorf, schöner Beitrag!")
    assert response.status_code == 202
    return response.get_json()["id"]


def assert_untouched(client, editor, comment_id: str) -> None:
    """A refused request changed nothing."""
    comment = client.get(f"/v1/moderation/comments/{comment_id}", headers=editor).get_json()
    assert comment["status"] == "pending"
    assert len(comment["events"]) == 1
    article = client.get(ARTICLE_SETTINGS, headers=editor).get_json()
    assert article["comments_open"] is True and article["title"] is None


def key_row(database, name: str) -> ApiKey:
    with database.transaction() as session:
        return session.scalars(select(ApiKey).where(ApiKey.name == name)).one()


# --- refused ------------------------------------------------------------------------------

@pytest.mark.parametrize("index", range(len(ROUTE_IDS)), ids=ROUTE_IDS)
def test_every_editor_endpoint_needs_a_key(client, editor, comment_id, index):
    response = call(client, editor_routes(comment_id)[index], {})

    body = assert_error(response, 401, "unauthorized")
    assert "Bearer" in body["message"]
    assert response.headers["Cache-Control"] == "no-store"
    assert_untouched(client, editor, comment_id)


def test_the_route_list_covers_every_editor_endpoint(app):
    editor_rules = {(rule.rule, method) for rule in app.url_map.iter_rules()
                    if rule.rule.startswith("/v1/moderation")
                    for method in rule.methods - {"HEAD", "OPTIONS"}}
    covered = {(path.replace("MELDUNG", "<string:report_id>").replace("ID", "<string:comment_id>")
                .replace("/v1/moderation/articles/ki-im-alltag",
                         "/v1/moderation/articles/<path:article_key>"), method)
               for method, path, _ in editor_routes("ID")}

    assert covered == editor_rules


def bad_credentials(editor_key: str) -> dict[str, str]:
    wrong_checksum = editor_key[:-1] + ("A" if editor_key[-1] != "A" else "B")
    wrong_randomness = editor_key[:4] + ("A" if editor_key[4] != "A" else "B") + editor_key[5:]
    basic = base64.b64encode(f"anna:{editor_key}".encode()).decode()
    return {
        "empty": "",
        "scheme-only": "Bearer",
        "blank-token": "Bearer    ",
        "malformed": "Bearer mod_kaputt",
        "not-ours": "Bearer sk_live_Straße123",
        "wrong-checksum": f"Bearer {wrong_checksum}",
        "wrong-randomness": f"Bearer {wrong_randomness}",
        "well-formed-unknown": f"Bearer {keys.new_secret()}",
        "basic-scheme": f"Basic {basic}",
        "no-scheme": editor_key,
        "token-scheme": f"Token {editor_key}",
        "key-twice": f"Bearer {editor_key} {editor_key}",
    }


CREDENTIAL_KINDS = list(bad_credentials("mod_" + "x" * 49))


@pytest.mark.parametrize("kind", CREDENTIAL_KINDS)
@pytest.mark.parametrize("index", [0, 4], ids=["queue", "approve"])
def test_bad_credentials_are_refused(client, editor, editor_key, comment_id, index, kind):
    authorization = bad_credentials(editor_key)[kind]

    response = call(client, editor_routes(comment_id)[index], {"Authorization": authorization})

    assert_error(response, 401, "unauthorized")
    assert_untouched(client, editor, comment_id)


def test_a_well_formed_unknown_key_passes_its_own_checksum(editor_key):
    # The "well-formed-unknown" case above must reach the database lookup.
    assert keys.well_formed(keys.new_secret())
    assert keys.well_formed(editor_key)
    assert not keys.well_formed(bad_credentials(editor_key)["wrong-checksum"][7:])


def test_the_scheme_is_case_insensitive(client, editor_key):
    response = client.get("/v1/moderation/comments",
                          headers={"Authorization": f"bearer {editor_key}"})
    assert response.status_code == 200


def test_authentication_comes_before_validation_and_lookup(client):
    assert_error(client.post("/v1/moderation/comments/bulk", json={}), 401, "unauthorized")
    assert_error(client.get("/v1/moderation/comments?limit=0"), 401, "unauthorized")
    assert_error(client.get("/v1/moderation/comments/gibt-es-nicht"), 401, "unauthorized")
    assert_error(client.post("/v1/moderation/comments/gibt-es-nicht/approve"),
                 401, "unauthorized")
    assert_error(client.get("/v1/moderation/articles/gibt-es-nicht"), 401, "unauthorized")


@pytest.mark.parametrize("index", range(len(ROUTE_IDS)), ids=ROUTE_IDS)
def test_a_revoked_key_is_refused(client, database, clock, editor, editor_key, admin_key,
                                  comment_id, index):
    route = editor_routes(comment_id)[index]
    assert client.get("/v1/moderation/comments", headers=editor).status_code == 200
    clock.advance(minutes=5)
    with database.transaction() as session:
        keys.revoke_key(session, "anna", clock())

    response = call(client, route, editor)

    assert_error(response, 401, "unauthorized")
    assert_untouched(client, {"Authorization": f"Bearer {admin_key}"}, comment_id)
    assert key_row(database, "anna").revoked_at == clock()


def test_an_expiring_key_works_until_it_expires(client, database, clock, comment_id):
    with database.transaction() as session:
        secret = keys.create_key(session, "bernd", Role.EDITOR, clock(),
                                 expires_at=clock() + timedelta(hours=1)).secret
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/moderation/comments", headers=headers).status_code == 200
    clock.advance(minutes=59, seconds=59)
    assert client.get("/v1/moderation/comments", headers=headers).status_code == 200

    clock.advance(seconds=1)

    assert_error(client.get("/v1/moderation/comments", headers=headers), 401, "unauthorized")
    response = client.post(f"/v1/moderation/comments/{comment_id}/approve", headers=headers)
    assert_error(response, 401, "unauthorized")


# --- accepted -----------------------------------------------------------------------------

@pytest.mark.parametrize("index", range(len(ROUTE_IDS)), ids=ROUTE_IDS)
def test_an_admin_key_works_on_every_editor_endpoint(client, admin_key, comment_id, index):
    admin = {"Authorization": f"Bearer {admin_key}"}
    published = post_comment(client, "Danke für die Übersicht!").get_json()["id"]
    client.post(f"/v1/moderation/comments/{published}/approve", headers=admin)
    report = client.post(f"/v1/comments/{published}/reports", json={
        "category": "spam", "explanation": "Werbung für einen Onlineshop.", "good_faith": True})
    assert report.status_code == 202, report.get_data(as_text=True)

    response = call(client, editor_routes(comment_id, report.get_json()["id"])[index], admin)

    assert response.status_code == 200, response.get_data(as_text=True)


def test_decisions_name_the_admin_who_made_them(client, admin_key, comment_id):
    response = client.post(f"/v1/moderation/comments/{comment_id}/reject",
                           headers={"Authorization": f"Bearer {admin_key}"},
                           json={"reason": "Beleidigung – gelöscht"})

    event = response.get_json()["events"][-1]
    assert event["actor"] == "key:chefin"
    assert event["reason"] == "Beleidigung – gelöscht"


def test_last_use_is_recorded_at_most_once_a_minute(client, database, clock, editor):
    created_at = clock()
    assert key_row(database, "anna").last_used_at is None

    assert client.get("/v1/moderation/comments", headers=editor).status_code == 200
    assert key_row(database, "anna").last_used_at == created_at

    clock.advance(seconds=59)
    assert client.get("/v1/moderation/comments", headers=editor).status_code == 200
    assert key_row(database, "anna").last_used_at == created_at

    clock.advance(seconds=1)
    assert client.get("/v1/moderation/comments", headers=editor).status_code == 200
    assert key_row(database, "anna").last_used_at == created_at + timedelta(minutes=1)


def test_refused_requests_do_not_count_as_use(client, database, clock, editor_key):
    with database.transaction() as session:
        keys.revoke_key(session, "anna", clock())

    assert_error(client.get("/v1/moderation/comments",
                            headers={"Authorization": f"Bearer {editor_key}"}),
                 401, "unauthorized")

    assert key_row(database, "anna").last_used_at is None
