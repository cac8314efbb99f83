"""The admin API: the live policy with its history, word lists, shadow mode."""

from __future__ import annotations

import threading

import pytest

from tests.support.http import assert_error, post_comment

POLICY = "/v1/admin/policy"


def test_the_configured_defaults_are_the_live_policy_until_an_admin_saves_one(client, admin):
    policy = client.get(POLICY, headers=admin).get_json()
    assert (policy["version"], policy["created_by"]) == (0, "configuration")
    assert policy["thresholds"]["insult"] == {"review": 0.5, "reject": 0.9}
    assert policy["banned"] == [] and policy["max_links"] == 2


def test_editors_may_not_change_the_policy(client, editor):
    assert_error(client.get(POLICY, headers=editor), 403, "forbidden")
    assert_error(client.patch(POLICY, json={"max_links": 5}, headers=editor), 403, "forbidden")
    assert_error(client.get(POLICY), 401, "unauthorized")


def test_every_change_is_a_new_version_with_author_and_note(client, admin):
    first = client.patch(POLICY, headers=admin, json={
        "thresholds": {"insult": {"review": 0.4, "reject": 0.8}},
        "note": "Beleidigungen strenger prüfen"}).get_json()
    assert first["version"] == 1 and first["created_by"] == "key:chefin"
    assert first["thresholds"]["insult"] == {"review": 0.4, "reject": 0.8}
    assert first["thresholds"]["toxicity"] == {"review": 0.42, "reject": 0.9}

    second = client.patch(POLICY, headers=admin, json={"max_links": None}).get_json()
    assert second["version"] == 2 and second["max_links"] is None
    assert second["thresholds"]["insult"] == {"review": 0.4, "reject": 0.8}

    history = client.get(f"{POLICY}/history", headers=admin).get_json()["versions"]
    assert [(v["version"], v["note"]) for v in history] == [
        (2, None), (1, "Beleidigungen strenger prüfen")]
    assert history[1]["max_links"] == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"thresholds": {"insult": {"review": 0.9, "reject": 0.5}}}, "thresholds"),
    ({"thresholds": {"insult": {"review": 1.5}}}, "thresholds"),
    ({"thresholds": {"Insult!": {"review": 0.5}}}, "thresholds"),
    ({"banned": ["ok", "   "]}, "banned"),
    ({"suspect": ["*"]}, "suspect"),
    ({"max_links": -1}, "max_links"),
    ({"farbe": "blau"}, "farbe"),
])
def test_invalid_policy_changes_are_refused_and_save_nothing(client, admin, changes, field):
    body = assert_error(client.patch(POLICY, json=changes, headers=admin), 422,
                        "validation_failed")
    assert field in body["errors"]
    assert client.get(POLICY, headers=admin).get_json()["version"] == 0


def test_words_are_added_and_removed_one_at_a_time(client, admin):
    added = client.post(f"{POLICY}/words", headers=admin,
                        json={"term": "Arschloch", "kind": "banned"}).get_json()
    assert "arschloch" in [t.casefold() for t in added["banned"]]
    client.post(f"{POLICY}/words", headers=admin, json={"term": "kanake", "kind": "suspect"})
    removed = client.post(f"{POLICY}/words/remove", headers=admin,
                          json={"term": added["banned"][0], "kind": "banned"}).get_json()
    assert removed["banned"] == [] and removed["suspect"] == ["kanake"]
    assert removed["version"] == 3
    missing = client.post(f"{POLICY}/words/remove", headers=admin,
                          json={"term": "gibtsnicht", "kind": "banned"})
    assert_error(missing, 404, "not_found")


def test_a_banned_word_rejects_a_comment_the_model_finds_harmless(client, admin, worker):
    client.patch(POLICY, headers=admin, json={"banned": ["arsch*"], "suspect": ["kanake"]})
    rejected = post_comment(client, "Was für ein 4rschloch, echt.").get_json()["id"]
    held = post_comment(client, "Der Kanake von nebenan …").get_json()["id"]
    fine = post_comment(client, "Marschmallows sind lecker.").get_json()["id"]
    worker.run_once()

    queue = {c["id"]: c for c in client.get(
        "/v1/moderation/comments?status=all", headers=admin).get_json()["comments"]}
    assert queue[rejected]["status"] == "rejected"
    assert queue[rejected]["status_reason_code"] == "banned_word"
    words = queue[rejected]["explanation"]["words"]
    assert words[0]["kind"] == "banned" and words[0]["matched"] == "4rschloch"
    assert "Was für ein 4rschloch, echt."[words[0]["start"]:words[0]["end"]] == "4rschloch"
    assert (queue[held]["status"], queue[held]["status_reason_code"]) == ("review",
                                                                          "suspect_word")
    assert queue[fine]["status"] == "approved"


def test_the_decision_records_which_policy_version_decided(client, admin, worker, editor):
    client.patch(POLICY, headers=admin, json={"max_links": 0})
    comment = post_comment(client, "Mehr unter https://example.de").get_json()["id"]
    worker.run_once()
    detail = client.get(f"/v1/moderation/comments/{comment}", headers=editor).get_json()
    decision = detail["events"][-1]
    assert decision["reason_code"] == "too_many_links"
    assert decision["details"]["policy"]["label"] == "live@1"
    assert decision["details"]["explanation"]["links"] == 1


def test_shadow_mode_reports_disagreements_with_live_policy_and_editors(
        client, admin, editor, worker):
    assert_error(client.get(f"{POLICY}/candidate", headers=admin), 404, "not_found")
    candidate = client.put(f"{POLICY}/candidate", headers=admin, json={
        "thresholds": {"insult": {"review": 0.3, "reject": 0.5}},
        "note": "Test: strengere Beleidigungsschwelle"}).get_json()
    assert candidate["name"] == "candidate" and candidate["version"] == 1

    mild = post_comment(client, "Ziemlich dumm, dieser Kommentator.").get_json()["id"]
    post_comment(client, "Danke für den Artikel!")
    worker.run_once()
    client.post(f"/v1/moderation/comments/{mild}/approve", headers=editor)

    report = client.get(f"{POLICY}/candidate/report", headers=admin).get_json()
    assert report["compared"] == 2
    assert report["disagree_with_live"] == 1
    assert {"live": "review", "candidate": "rejected", "count": 1} in report["live_vs_candidate"]
    assert report["editor_decided"] == 1 and report["disagree_with_editors"] == 1
    # the live policy is untouched by shadow mode
    assert client.get(POLICY, headers=admin).get_json()["version"] == 0


def test_a_candidate_can_be_promoted_or_dropped(client, admin):
    client.put(f"{POLICY}/candidate", headers=admin, json={"max_links": 5})
    live = client.post(f"{POLICY}/candidate/promote", headers=admin).get_json()
    assert (live["name"], live["version"], live["max_links"]) == ("live", 1, 5)
    assert "promoted" in live["note"]
    assert_error(client.get(f"{POLICY}/candidate", headers=admin), 404, "not_found")

    client.put(f"{POLICY}/candidate", headers=admin, json={"max_links": 9})
    assert client.delete(f"{POLICY}/candidate", headers=admin).status_code == 204
    assert_error(client.get(f"{POLICY}/candidate", headers=admin), 404, "not_found")
    assert_error(client.delete(f"{POLICY}/candidate", headers=admin), 404, "not_found")
    history = client.get(f"{POLICY}/history?name=candidate", headers=admin).get_json()
    assert [v["active"] for v in history["versions"]] == [False, True, False, True]


def test_status_reports_workers_queue_and_policy(client, editor, worker):
    post_comment(client)
    worker.ensure_scorer()
    status = client.get("/v1/moderation/status", headers=editor).get_json()
    assert status["scorer"]["workers"][0]["model"] == "keyword-test"
    assert status["queue"]["pending"] == 1
    assert status["policy"]["live"]["label"] == "configured"
    assert status["policy"]["candidate"] is None


def test_the_queue_points_at_the_sentence_that_scored_highest(client, editor, worker):
    text = "Guter Artikel, danke. Aber der Autor ist ein Idiot! Trotzdem lesenswert."
    comment = post_comment(client, text).get_json()["id"]
    worker.run_once()
    queue = client.get("/v1/moderation/comments?status=rejected", headers=editor).get_json()
    explanation = queue["comments"][0]["explanation"]
    assert queue["comments"][0]["id"] == comment
    top = explanation["sentences"][0]
    assert text[top["start"]:top["end"]] == "Aber der Autor ist ein Idiot!"
    assert top["category"] == "toxicity" and top["score"] == pytest.approx(0.97)
    assert [r["code"] for r in explanation["reasons"]] == ["score_above_reject"] * 2


def test_every_admin_route_refuses_editors(app, client, editor):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/v1/admin")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    # policy (10), starter lists (2), privacy export and erase, audit log, mail suppressions,
    # model versions (5)
    assert len(routes) == 21
    for path, method in routes:
        response = client.open(path, method=method, headers=editor, json={})
        assert_error(response, 403, "forbidden")


def test_a_one_sentence_comment_names_its_sentence(client, editor, worker):
    text = "Der Autor ist ein Idiot"
    comment = post_comment(client, text).get_json()["id"]
    worker.run_once()
    explanation = client.get(f"/v1/moderation/comments/{comment}",
                             headers=editor).get_json()["explanation"]
    [top] = explanation["sentences"]
    assert (top["start"], top["end"], top["category"]) == (0, len(text), "toxicity")
    assert top["score"] == pytest.approx(0.97)


def test_words_added_at_the_same_time_are_all_in_the_live_policy(app, admin):
    """Twelve admins at once: every 200 is in the live policy, no 500, no version twice."""
    terms = [f"schimpfwort{n}" for n in range(12)]
    answers: dict[str, int] = {}

    def add(term: str) -> None:
        response = app.test_client().post(f"{POLICY}/words", headers=admin,
                                          json={"term": term, "kind": "suspect"})
        answers[term] = response.status_code

    threads = [threading.Thread(target=add, args=(term,)) for term in terms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers == dict.fromkeys(terms, 200)
    live = app.test_client().get(POLICY, headers=admin).get_json()
    assert sorted(live["suspect"]) == sorted(terms) and live["version"] == 12
    history = app.test_client().get(f"{POLICY}/history?limit=50", headers=admin).get_json()
    assert sorted(v["version"] for v in history["versions"]) == list(range(1, 13))


STARTER = {"beleidigungen-gruppen": {"version": 1, "kind": "suspect", "excluded": []},
           "drohungen": {"version": 2, "kind": "suspect", "excluded": []},
           "entmenschlichung": {"version": 1, "kind": "suspect", "excluded": []}}


def test_the_shipped_starter_lists_are_listed_with_version_size_and_source(client, admin):
    lists = client.get("/v1/admin/wordlists", headers=admin).get_json()["lists"]
    assert [(s["name"], s["version"], s["versions"]) for s in lists] == [
        ("beleidigungen-gruppen", 1, [1]), ("drohungen", 2, [1, 2]), ("entmenschlichung", 1, [1])]
    threats = lists[1]
    assert threats["label"] == {"de": "Drohung", "en": "threat"}
    assert threats["size"] > 100 and "selbst" in threats["provenance"]

    terms = client.get("/v1/admin/wordlists/drohungen", headers=admin).get_json()
    assert len(terms["terms"]) == threats["size"]
    veiled = next(t for t in terms["terms"] if t["term"] == "weiß … wo … wohnst")
    assert veiled["group"] == "verschleierte Drohung" and "§ 241 StGB" in veiled["source"]
    assert client.get("/v1/admin/wordlists/drohungen?version=2",
                      headers=admin).get_json() == terms
    first = client.get("/v1/admin/wordlists/drohungen?version=1", headers=admin).get_json()
    assert (first["version"], first["size"]) == (1, len(first["terms"]))
    assert first["size"] < threats["size"]


@pytest.mark.parametrize(("path", "status", "code"), [
    ("/v1/admin/wordlists/hassliste", 404, "not_found"),
    ("/v1/admin/wordlists/drohungen?version=3", 404, "not_found"),
    ("/v1/admin/wordlists/drohungen?version=null", 422, "validation_failed"),
])
def test_an_unknown_starter_list_is_an_error(client, admin, path, status, code):
    assert_error(client.get(path, headers=admin), status, code)


def test_the_configured_policy_includes_every_starter_list_as_suspect(client, admin):
    assert client.get(POLICY, headers=admin).get_json()["starter_lists"] == STARTER


def test_an_admin_leaves_out_a_list_switches_its_kind_and_removes_terms(client, admin):
    changed = client.patch(POLICY, headers=admin, json={"starter_lists": {
        "drohungen": {"included": False},
        "entmenschlichung": {"kind": "banned", "excluded": ["Viehzeug"]}}}).get_json()
    assert changed["version"] == 1
    assert changed["starter_lists"] == {
        "beleidigungen-gruppen": STARTER["beleidigungen-gruppen"],
        "entmenschlichung": {"version": 1, "kind": "banned", "excluded": ["viehzeug"]}}

    back = client.patch(POLICY, headers=admin, json={"starter_lists": {
        "drohungen": {}, "entmenschlichung": {"kind": "suspect", "excluded": []}}}).get_json()
    assert back["starter_lists"] == STARTER
    history = client.get(f"{POLICY}/history", headers=admin).get_json()["versions"]
    assert history[1]["starter_lists"] == changed["starter_lists"]


@pytest.mark.parametrize(("change", "where"), [
    ({"hassliste": {}}, "hassliste"),
    ({"drohungen": {"version": 3}}, "drohungen"),
    ({"drohungen": {"excluded": ["guten morgen"]}}, "drohungen"),
    ({"drohungen": {"kind": "verboten"}}, "drohungen"),
    ({"Drohungen!": {}}, "Drohungen!"),
    ({"drohungen": {"farbe": "rot"}}, "drohungen"),
])
def test_impossible_starter_list_changes_are_refused(client, admin, change, where):
    body = assert_error(client.patch(POLICY, headers=admin, json={"starter_lists": change}),
                        422, "validation_failed")
    assert where in body["errors"]["starter_lists"]
    assert client.get(POLICY, headers=admin).get_json()["version"] == 0


def test_a_held_comment_names_the_starter_list_that_matched(client, admin, editor, worker):
    text = "Ich weiß, wo du wohnst."
    held = post_comment(client, text).get_json()["id"]
    worker.run_once()
    detail = client.get(f"/v1/moderation/comments/{held}", headers=editor).get_json()
    assert (detail["status"], detail["status_reason_code"]) == ("review", "suspect_word")
    word = detail["explanation"]["words"][0]
    assert word["list"] == {"name": "drohungen", "version": 2}
    assert text[word["start"]:word["end"]] == "weiß, wo du wohnst"
    assert "weiß … wo … wohnst – Drohung (Liste drohungen v2)" in detail["status_reason"]
    assert detail["events"][-1]["details"]["policy"]["starter_lists"]["drohungen"] == {
        "version": 2, "kind": "suspect", "excluded": 0}


def test_a_starter_list_left_out_or_a_term_removed_holds_nothing(client, admin, worker):
    client.patch(POLICY, headers=admin, json={"starter_lists": {
        "drohungen": {"included": False},
        "entmenschlichung": {"excluded": ["*abschaum"]}}})
    threat = post_comment(client, "Ich weiß, wo du wohnst.").get_json()["id"]
    scum = post_comment(client, "Abschaum!").get_json()["id"]
    vermin = post_comment(client, "Ungeziefer!").get_json()["id"]
    worker.run_once()
    queue = {c["id"]: c["status"] for c in client.get(
        "/v1/moderation/comments?status=all", headers=admin).get_json()["comments"]}
    assert (queue[threat], queue[scum], queue[vermin]) == ("approved", "approved", "review")


def test_a_starter_list_switched_to_banned_rejects(client, admin, worker):
    client.patch(POLICY, headers=admin,
                 json={"starter_lists": {"drohungen": {"kind": "banned"}}})
    rejected = post_comment(client, "Den sollte man abknallen.").get_json()["id"]
    worker.run_once()
    comment = next(c for c in client.get("/v1/moderation/comments?status=all",
                                         headers=admin).get_json()["comments"]
                   if c["id"] == rejected)
    assert (comment["status"], comment["status_reason_code"]) == ("rejected", "banned_word")
