"""The audit log of admin actions: who changed the policy and the webhooks, and when."""

from __future__ import annotations

import json

import pytest

from moderation.pagination import encode_cursor
from tests.support.http import assert_error

AUDIT = "/v1/admin/audit"
POLICY = "/v1/admin/policy"
HOOKS = "/v1/webhooks"


def audit_log(client, admin, **query):
    response = client.get(AUDIT, headers=admin, query_string=query)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def test_every_policy_change_is_audited_newest_first(client, admin):
    client.patch(POLICY, headers=admin, json={"thresholds": {"insult": {"review": 0.4}},
                                              "note": "Beleidigungen strenger prüfen"})
    client.post(f"{POLICY}/words", headers=admin, json={"kind": "banned", "term": "Trottel"})
    client.post(f"{POLICY}/words/remove", headers=admin, json={"kind": "banned",
                                                               "term": "Trottel"})
    client.put(f"{POLICY}/candidate", headers=admin, json={"max_links": 5})
    client.post(f"{POLICY}/candidate/promote", headers=admin)
    client.put(f"{POLICY}/candidate", headers=admin, json={"suspect": ["Größenwahn"]})
    client.delete(f"{POLICY}/candidate", headers=admin)
    # Refused changes leave no trace.
    client.patch(POLICY, headers=admin, json={"max_links": -1})

    events = audit_log(client, admin)["events"]

    assert [(e["action"], e["target"]) for e in reversed(events)] == [
        ("policy.changed", "live@1"),
        ("policy.word_added", "live@2"),
        ("policy.word_removed", "live@3"),
        ("policy.candidate_started", "candidate@1"),
        ("policy.candidate_promoted", "live@4"),
        ("policy.candidate_ended", "candidate@2"),
        ("policy.candidate_started", "candidate@3"),
        ("policy.candidate_ended", "candidate@4"),
    ]
    assert {e["actor"] for e in events} == {"key:chefin"}
    changed, added = events[-1], events[-2]
    assert changed["details"] == {"note": "Beleidigungen strenger prüfen",
                                  "fields": ["thresholds"]}
    assert added["details"] == {"note": None, "kind": "banned", "term": "Trottel"}
    assert events[3]["details"]["candidate"] == "candidate@1"
    assert events[1]["details"]["fields"] == ["suspect"]


def test_article_changes_are_audited_with_what_changed(client, admin, editor):
    path = "/v1/moderation/articles/wahl-2026"
    client.patch(path, headers=editor, json={"title": "Wahl 2026", "comments_open": False})
    client.patch(path, headers=editor, json={"comments_open": False})  # changes nothing

    events = audit_log(client, admin, action="article.changed")["events"]

    assert [(e["actor"], e["target"]) for e in events] == [("key:anna", "wahl-2026")]
    assert events[0]["details"] == {"changes": {
        "title": {"from": None, "to": "Wahl 2026"},
        "comments_open": {"from": True, "to": False}}}


def test_webhook_changes_are_audited_without_secrets(client, admin):
    created = client.post(HOOKS, headers=admin, json={
        "url": "http://127.0.0.1:9/hooks/T0KEN-geheim", "event_types": ["comment.erased"]}
    ).get_json()
    hook = f"{HOOKS}/{created['id']}"
    client.patch(hook, headers=admin, json={"url": "http://127.0.0.1:9/hooks/N3U-geheim",
                                            "description": "CMS Größe"})
    rotated = client.post(f"{hook}/rotate-secret", headers=admin).get_json()
    pinged = client.post(f"{hook}/ping", headers=admin).get_json()
    client.post(f"{hook}/deliveries/{pinged['id']}/redeliver", headers=admin)
    client.post(f"{hook}/redeliver", headers=admin, json={"since": "2026-01-01T00:00:00Z"})
    client.delete(hook, headers=admin)

    page = audit_log(client, admin)
    events = list(reversed(page["events"]))

    assert [e["action"] for e in events] == [
        "webhook.created", "webhook.updated", "webhook.secret_rotated", "webhook.pinged",
        "webhook.redelivered", "webhook.redelivered", "webhook.deleted"]
    assert {e["target"] for e in events} == {created["id"]}
    assert events[0]["details"] == {"url_host": "127.0.0.1", "event_types": ["comment.erased"]}
    assert events[1]["details"] == {"changes": {"description": "CMS Größe",
                                                "url_host": "127.0.0.1"}}
    assert events[3]["details"] == events[4]["details"] == {"delivery_id": pinged["id"]}
    assert events[5]["details"]["queued"] == 0
    logged = json.dumps(page, ensure_ascii=False)
    for secret in (created["secret"], rotated["secret"], "whsec_", "T0KEN", "N3U"):
        assert secret not in logged


def test_the_log_filters_by_action_and_time_and_pages_with_a_cursor(client, admin, clock):
    start = clock()
    for max_links in range(1, 6):
        client.patch(POLICY, headers=admin, json={"max_links": max_links})
        clock.advance(hours=1)
    client.post(f"{POLICY}/words", headers=admin, json={"kind": "suspect", "term": "Quatsch"})

    changed = audit_log(client, admin, action="policy.changed")["events"]
    assert [e["target"] for e in changed] == [f"live@{n}" for n in (5, 4, 3, 2, 1)]
    window = audit_log(client, admin, since=(start.replace(hour=10)).isoformat(),
                       until=(start.replace(hour=12)).isoformat())["events"]
    assert [e["target"] for e in window] == ["live@3", "live@2"]

    first = audit_log(client, admin, limit=4)
    second = audit_log(client, admin, limit=4, cursor=first["next_cursor"])
    assert [e["target"] for e in first["events"]] == ["live@6", "live@5", "live@4", "live@3"]
    assert [e["target"] for e in second["events"]] == ["live@2", "live@1"]
    assert second["next_cursor"] is None
    assert audit_log(client, admin, action="key.created") == {"events": [],
                                                              "next_cursor": None}


@pytest.mark.parametrize("query", [
    {"cursor": "kaputt"}, {"limit": 0}, {"limit": 201}, {"since": "2026-11-25T09:30:00"},
    {"action": "Policy!"}, {"until": "0001-01-01T00:00:00+05:00"},  # before the year 1 in UTC
    {"cursor": encode_cursor("2026-11-25T09:30:00+00:00", 2**63)},  # no 64-bit id
])
def test_bad_queries_are_refused(client, admin, query):
    assert_error(client.get(AUDIT, headers=admin, query_string=query), 422,
                 "validation_failed")


def test_only_admins_read_the_log(client, editor):
    assert_error(client.get(AUDIT, headers=editor), 403, "forbidden")
    assert_error(client.get(AUDIT), 401, "unauthorized")
