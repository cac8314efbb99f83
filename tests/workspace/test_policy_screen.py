"""The policy screens, for admins: every change through a form becomes a new policy version
with the right values and the person recorded; German refusals that keep what was entered;
a save after somebody else's change of the same part is refused; the history with what
each version changed and bringing one back; the candidate with its report, promoted or
ended."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from moderation.domain import Role
from moderation.models import AuditEvent, PolicyVersion
from moderation.starterlists import latest, shipped
from tests.support.http import post_comment
from tests.workspace.conftest import sign_in
from tests.workspace.html_forms import form_of

POLICY = "/redaktion/richtlinie"
THRESHOLDS = f"{POLICY}/schwellen"
LINKS = f"{POLICY}/links"
WORDS = f"{POLICY}/woerter"
REMOVE = f"{POLICY}/woerter/entfernen"
HISTORY = f"{POLICY}/verlauf"
CANDIDATE = f"{POLICY}/kandidat"
ADMIN = "user:chefin@zeitung.de"


def submit(browser, page: str, action: str, **changes: str | list[str]):
    """Open ``page``, change fields of its form posting to ``action``, and post it."""
    form = form_of(browser.get(page).get_data(as_text=True), action)
    for name, value in changes.items():
        if isinstance(value, list):
            form.setlist(name, value)
        else:
            form[name] = value
    return browser.post(action, data=form)


def versions(database, name: str = "live") -> list[PolicyVersion]:
    with database.transaction() as session:
        return list(session.scalars(select(PolicyVersion).where(PolicyVersion.name == name)
                                    .order_by(PolicyVersion.version)))


def live(database) -> PolicyVersion:
    return versions(database)[-1]


def audit_actions(database) -> list[tuple[str, str, str | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.target) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("policy.%"))
            .order_by(AuditEvent.id))]


@pytest.fixture
def second_admin(app, make_account):
    make_account("zweite@zeitung.de", role=Role.ADMIN, name="Zweite Chefin")
    browser = app.test_client()
    assert sign_in(browser, "zweite@zeitung.de").status_code == 302
    return browser


# --- access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [POLICY, HISTORY, CANDIDATE, f"{POLICY}/startlisten/drohungen"])
def test_editors_may_not_open_the_policy(editor_browser, path):
    answer = editor_browser.get(path)

    assert answer.status_code == 403
    assert "Zugriff verweigert" in answer.get_data(as_text=True)


@pytest.mark.parametrize("path", [THRESHOLDS, LINKS, WORDS, REMOVE, CANDIDATE,
                                  f"{CANDIDATE}/uebernehmen", f"{CANDIDATE}/beenden",
                                  f"{HISTORY}/1/wiederherstellen",
                                  f"{POLICY}/startlisten/drohungen"])
def test_editors_may_not_change_the_policy(editor_browser, database, path):
    token = form_of(editor_browser.get("/redaktion/konto").get_data(as_text=True),
                    "/redaktion/abmelden")["csrf_token"]
    answer = editor_browser.post(path, data={"csrf_token": token, "version": "0",
                                             "kind": "banned", "term": "idiot"})

    assert answer.status_code == 403
    assert versions(database) == [] and versions(database, "candidate") == []


def test_nobody_signed_in_is_sent_to_sign_in(client):
    assert client.get(POLICY).headers["Location"] == \
        "/redaktion/anmelden?weiter=/redaktion/richtlinie"


def test_admins_find_the_policy_in_the_navigation_with_the_configured_defaults(admin_browser):
    answer = admin_browser.get(POLICY)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'<a href="{POLICY}" aria-current="page">Richtlinie</a>' in html
    assert "Es gilt die Voreinstellung aus der Konfiguration." in html
    form = form_of(html, THRESHOLDS)
    assert form["review-insult"] == "0,5" and form["reject-insult"] == "0,9"
    assert form["version"] == "0"


def test_a_change_without_the_csrf_token_is_refused(admin_browser, database):
    answer = admin_browser.post(LINKS, data={"version": "0", "max_links": "7"})

    assert answer.status_code == 403
    assert versions(database) == []


# --- thresholds -----------------------------------------------------------------------------

def test_new_thresholds_become_a_version_saved_by_the_person(admin_browser, database):
    answer = submit(admin_browser, POLICY, THRESHOLDS, **{
        "review-insult": "0,45", "reject-insult": "0.8", "reject-threat": "",
        "note": "Beleidigungen strenger prüfen"})

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{POLICY}?gespeichert=1#schwellen"
    version = live(database)
    assert (version.version, version.created_by, version.note) == (
        1, ADMIN, "Beleidigungen strenger prüfen")
    assert version.thresholds["insult"] == {"review": 0.45, "reject": 0.8}
    assert version.thresholds["threat"]["reject"] is None
    assert version.thresholds["obscene"] == {"review": 0.6, "reject": 0.95}  # as shown
    assert audit_actions(database) == [("policy.changed", ADMIN, "live@1")]
    page = admin_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Gespeichert als Version 1." in page
    assert "Es gilt Version 1, gespeichert" in page and "chefin@zeitung.de" in page


def test_saving_the_thresholds_unchanged_makes_no_version(admin_browser, database):
    submit(admin_browser, POLICY, THRESHOLDS, **{"review-insult": "0,4"})
    answer = submit(admin_browser, POLICY, THRESHOLDS)

    assert answer.headers["Location"] == f"{POLICY}?gespeichert=0#schwellen"
    assert [v.version for v in versions(database)] == [1]
    assert "Nichts geändert" in admin_browser.get(answer.headers["Location"]).get_data(
        as_text=True)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"review-insult": "0,7", "reject-insult": "0,6"}, "reject-insult",
     "Die Ablehnungsschwelle darf nicht unter der Prüfschwelle liegen."),
    ({"review-insult": ""}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"review-insult": "viel"}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"review-insult": "1,5"}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"review-insult": "-0,1"}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"review-insult": "nan"}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"review-insult": "1e400"}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"review-insult": "0,5\x00"}, "review-insult", "Bitte eine Prüfschwelle eintragen"),
    ({"reject-insult": "9" * 5000}, "reject-insult", "Eine Zahl von 0 bis 1, z. B. 0,9"),
    ({"note": "n" * 2001}, "note", "Eine Anmerkung mit höchstens 2000 Zeichen"),
])
def test_thresholds_that_cannot_be_used_are_refused_in_german_keeping_the_entries(
        admin_browser, database, changes, field, message):
    answer = submit(admin_browser, POLICY, THRESHOLDS, **{"review-threat": "0,25", **changes})

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert message in html
    assert "Bitte prüfen Sie die markierten Felder; nichts wurde gespeichert." in html
    form = form_of(html, THRESHOLDS)
    assert form["review-threat"] == "0,25"  # what was entered, not what is stored
    assert form[field] == changes[field].replace("\x00", "")
    assert f'id="{field}" name="{field}"' in html or 'aria-invalid="true"' in html
    assert versions(database) == []


def test_an_unknown_field_in_the_thresholds_form_is_refused(admin_browser, database):
    answer = submit(admin_browser, POLICY, THRESHOLDS, **{"review-made_up": "0,5"})

    assert answer.status_code == 422
    assert versions(database) == []


def test_a_save_after_somebody_elses_change_of_the_same_part_is_refused(
        admin_browser, second_admin, database):
    drawn = form_of(admin_browser.get(POLICY).get_data(as_text=True), THRESHOLDS)
    submit(second_admin, POLICY, THRESHOLDS, **{"review-threat": "0,2"})

    drawn["review-insult"] = "0,42"
    answer = admin_browser.post(THRESHOLDS, data=drawn)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Inzwischen hat zweite@zeitung.de Version 1 gespeichert" in html
    assert form_of(html, THRESHOLDS)["review-insult"] == "0,42"  # kept
    assert form_of(html, THRESHOLDS)["version"] == "1"  # the next try builds on version 1
    assert [v.version for v in versions(database)] == [1]
    assert live(database).thresholds["threat"]["review"] == 0.2


def test_a_save_after_somebody_elses_change_of_another_part_goes_through(
        admin_browser, second_admin, database):
    drawn = form_of(admin_browser.get(POLICY).get_data(as_text=True), THRESHOLDS)
    submit(second_admin, POLICY, LINKS, max_links="5")

    drawn["review-insult"] = "0,42"
    answer = admin_browser.post(THRESHOLDS, data=drawn)

    assert answer.status_code == 303
    version = live(database)
    assert (version.version, version.max_links) == (2, 5)
    assert version.thresholds["insult"]["review"] == 0.42


# --- link limit -----------------------------------------------------------------------------

@pytest.mark.parametrize(("entered", "stored"), [("5", 5), ("0", 0), ("", None), (" 12 ", 12)])
def test_the_link_limit_is_saved(admin_browser, database, entered, stored):
    answer = submit(admin_browser, POLICY, LINKS, max_links=entered)

    assert answer.status_code == 303
    assert (live(database).max_links, live(database).created_by) == (stored, ADMIN)


@pytest.mark.parametrize("entered", ["-1", "1001", "zwei", "2,5", "9" * 400])
def test_a_link_limit_that_cannot_be_used_is_refused(admin_browser, database, entered):
    answer = submit(admin_browser, POLICY, LINKS, max_links=entered)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Eine ganze Zahl von 0 bis 1000, oder leer für keine Grenze." in html
    assert form_of(html, LINKS)["max_links"] == entered
    assert versions(database) == []


# --- word lists -----------------------------------------------------------------------------

def test_words_are_added_and_removed_each_a_version_by_the_person(admin_browser, database):
    added = submit(admin_browser, POLICY, WORDS, term="  Arsch* ", kind="banned")
    submit(admin_browser, POLICY, WORDS, term="man sollte ... aufhängen", kind="suspect")

    assert added.headers["Location"] == f"{POLICY}?gespeichert=1#woerter-banned"
    assert (live(database).banned, live(database).suspect) == (["arsch*"],
                                                               ["man sollte … aufhängen"])
    html = admin_browser.get(POLICY).get_data(as_text=True)
    removal = form_of(html, REMOVE)  # the first entry's button: the banned "arsch*"
    assert removal["term"] == "arsch*"
    admin_browser.post(REMOVE, data=removal)

    assert live(database).banned == [] and live(database).version == 3
    assert [action for action, *_ in audit_actions(database)] == [
        "policy.word_added", "policy.word_added", "policy.word_removed"]
    assert {actor for _, actor, _ in audit_actions(database)} == {ADMIN}


def test_a_word_on_the_list_already_makes_no_version(admin_browser, database):
    submit(admin_browser, POLICY, WORDS, term="idiot", kind="suspect")
    answer = submit(admin_browser, POLICY, WORDS, term="IDIOT", kind="suspect")

    assert answer.headers["Location"] == f"{POLICY}?gespeichert=0#woerter-suspect"
    assert [v.version for v in versions(database)] == [1]


@pytest.mark.parametrize(("term", "message"), [
    ("ar*sch", "Ein Platzhalter (*) darf nur am Anfang oder Ende eines Eintrags stehen."),
    ("arsch *", "Ein Platzhalter (*) muss direkt am Wort stehen"),
    ("**", "Ein Eintrag darf nicht nur aus Platzhaltern (*) bestehen."),
    ("… idiot", "Eine Lücke (…) steht zwischen zwei Wörtern"),
    ("a", "Ein Eintrag braucht mindestens zwei Buchstaben oder Ziffern."),
    ("w" * 101, "Ein Eintrag darf höchstens 100 Zeichen haben."),
    ("w" * 5000, "Bitte ein Wort oder eine Wendung mit höchstens 100 Zeichen eintragen."),
    ("idi\x00ot", "Bitte ein Wort oder eine Wendung mit höchstens 100 Zeichen eintragen."),
    ("idi\x07ot", "Steuerzeichen sind nicht erlaubt."),
    ("   ", "Bitte ein Wort oder eine Wendung eintragen."),
])
def test_an_entry_the_matcher_cannot_use_is_refused_in_german_and_kept(
        admin_browser, database, term, message):
    answer = submit(admin_browser, POLICY, WORDS, term=term, kind="banned")

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert message in html
    assert 'aria-describedby="word-term-error"' in html
    assert form_of(html, WORDS)["kind"] == "banned"
    assert versions(database) == []


def test_every_refusal_of_the_matcher_has_a_german_message(app):
    from moderation.wordlists import validate_term
    from moderation.workspace.policy_editing import term_problem

    for bad in ["", "x" * 101, "**", "ar*sch", "arsch *", "a", "… idiot", "a … … b"]:
        with pytest.raises(ValueError) as refused:
            validate_term(bad)
        with app.test_request_context():
            assert term_problem(str(refused.value)) != "Dieser Eintrag kann nicht verwendet " \
                                                      "werden.", bad


def test_removing_a_word_that_is_gone_says_so(admin_browser, database):
    answer = submit(admin_browser, POLICY, WORDS, term="idiot", kind="banned")
    answer = admin_browser.post(REMOVE, data=MultiDict({
        **form_of(admin_browser.get(POLICY).get_data(as_text=True), REMOVE),
        "term": "trottel"}))

    assert answer.status_code == 409
    assert "„trottel“ steht (nicht mehr) auf dieser Liste." in answer.get_data(as_text=True)
    assert [v.version for v in versions(database)] == [1]


# --- starter lists --------------------------------------------------------------------------

def test_a_starter_list_shows_its_terms_with_group_and_source(admin_browser):
    page = f"{POLICY}/startlisten/drohungen"
    html = admin_browser.get(page).get_data(as_text=True)

    newest = latest("drohungen")
    assert f"Version {newest.version}" not in html or "Angezeigte Version" in html
    first = newest.terms[0]
    assert first.term in html and first.group in html and first.source in html
    assert form_of(html, page)["included"] == "1"  # the configured policy includes it


def test_a_starter_list_is_made_banned_with_a_term_left_out(admin_browser, database):
    page = f"{POLICY}/startlisten/drohungen"
    term = latest("drohungen").terms[0].term

    answer = submit(admin_browser, page, page, kind="banned", excluded=[term])

    assert answer.status_code == 303
    choice = live(database).starter_lists["drohungen"]
    assert choice == {"version": latest("drohungen").version, "kind": "banned",
                      "excluded": [term]}
    assert live(database).created_by == ADMIN
    html = admin_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Gespeichert als Version 1." in html
    assert form_of(html, page).getlist("excluded") == [term]


def test_a_starter_list_is_left_out_and_taken_in_again_at_an_older_version(
        admin_browser, database):
    page = f"{POLICY}/startlisten/drohungen"
    submit(admin_browser, page, page, included="0")
    assert "drohungen" not in live(database).starter_lists

    older = f"{page}?version=1"
    answer = submit(admin_browser, older, page, included="1")

    assert answer.status_code == 303
    assert live(database).starter_lists["drohungen"]["version"] == 1
    history = admin_browser.get(HISTORY).get_data(as_text=True)
    assert "Startliste drohungen aufgenommen (Version 1, zu prüfen (hält zurück))" in history
    assert "Startliste drohungen ausgelassen" in history


def test_a_term_not_on_the_list_cannot_be_left_out(admin_browser, database):
    page = f"{POLICY}/startlisten/drohungen"
    answer = submit(admin_browser, page, page, excluded=["gibt es nicht"])

    assert answer.status_code == 422
    assert "Diese Version der Liste enthält nicht alle" in answer.get_data(as_text=True)
    assert versions(database) == []


@pytest.mark.parametrize("path", ["gibt-es-nicht", "Drohungen", "drohungen?version=99",
                                  "drohungen?version=abc"])
def test_an_unknown_starter_list_is_a_german_404(admin_browser, path):
    answer = admin_browser.get(f"{POLICY}/startlisten/{path}")

    assert answer.status_code in {200, 404}
    if answer.status_code == 404:
        assert "Diese Startliste gibt es nicht." in answer.get_data(as_text=True)
    else:
        assert path == "drohungen?version=abc"  # not a number: the list's own version


# --- history and revert ---------------------------------------------------------------------

def test_the_history_shows_who_changed_what_in_each_version(admin_browser, database):
    submit(admin_browser, POLICY, THRESHOLDS, **{"review-insult": "0,45", "note": "strenger"})
    submit(admin_browser, POLICY, WORDS, term="trottel", kind="suspect")
    submit(admin_browser, POLICY, LINKS, max_links="")

    html = admin_browser.get(HISTORY).get_data(as_text=True)

    assert html.index("Version 3") < html.index("Version 2") < html.index("Version 1")
    assert "Beleidigung: Prüfschwelle 0,5 → 0,45" in html
    assert "„trottel“ auf die Liste zu prüfen (hält zurück) gesetzt" in html
    assert "Höchstzahl der Links 2 → keine Grenze" in html
    assert "Anmerkung: „strenger“" in html and "chefin@zeitung.de" in html
    assert "Gegenüber der Voreinstellung:" in html


def test_an_earlier_version_is_brought_back_as_a_new_one(admin_browser, database):
    submit(admin_browser, POLICY, THRESHOLDS, **{"review-insult": "0,45"})
    submit(admin_browser, POLICY, THRESHOLDS, **{"review-insult": "0,3"})

    action = f"{HISTORY}/1/wiederherstellen"
    answer = submit(admin_browser, HISTORY, action)

    assert answer.status_code == 303
    version = live(database)
    assert (version.version, version.created_by, version.note) == (
        3, ADMIN, "Zurück zu Version 1.")
    assert version.thresholds["insult"]["review"] == 0.45
    assert audit_actions(database)[-1] == ("policy.reverted", ADMIN, "live@3")
    html = admin_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Beleidigung: Prüfschwelle 0,3 → 0,45" in html


def test_the_configured_defaults_can_be_brought_back(admin_browser, database):
    submit(admin_browser, POLICY, LINKS, max_links="9")

    submit(admin_browser, HISTORY, f"{HISTORY}/0/wiederherstellen")

    assert (live(database).version, live(database).max_links) == (2, 2)


def test_bringing_back_after_somebody_elses_change_is_refused(
        admin_browser, second_admin, database):
    submit(admin_browser, POLICY, LINKS, max_links="9")
    submit(admin_browser, POLICY, LINKS, max_links="8")
    drawn = form_of(admin_browser.get(HISTORY).get_data(as_text=True),
                    f"{HISTORY}/1/wiederherstellen")
    submit(second_admin, POLICY, WORDS, term="trottel", kind="banned")

    answer = admin_browser.post(f"{HISTORY}/1/wiederherstellen", data=drawn)

    assert answer.status_code == 409
    assert "Inzwischen hat zweite@zeitung.de Version 3 gespeichert" in answer.get_data(
        as_text=True)
    assert live(database).version == 3


def test_an_unknown_version_cannot_be_brought_back(admin_browser, database):
    submit(admin_browser, POLICY, LINKS, max_links="9")
    drawn = form_of(admin_browser.get(HISTORY).get_data(as_text=True),
                    f"{HISTORY}/0/wiederherstellen")

    answer = admin_browser.post(f"{HISTORY}/7/wiederherstellen", data=drawn)

    assert answer.status_code == 404
    assert "Diese Version der Richtlinie gibt es nicht." in answer.get_data(as_text=True)


@pytest.mark.parametrize("query", ["name=alles", "limit=0", "limit=9999", "name=%00"])
def test_a_history_view_that_does_not_exist_is_no_500(admin_browser, query):
    assert admin_browser.get(f"{HISTORY}?{query}").status_code in {400, 422}


# --- the candidate --------------------------------------------------------------------------

def test_a_candidate_is_started_reported_with_its_disagreements_and_promoted(
        admin_browser, client, worker, database):
    started = submit(admin_browser, CANDIDATE, CANDIDATE, **{
        "review-insult": "0,3", "reject-insult": "0,5", "banned": "trottel\n\nidiot*",
        "note": "Strengere Beleidigungsschwelle"})

    assert started.status_code == 303
    [candidate] = versions(database, "candidate")
    assert (candidate.created_by, candidate.banned, candidate.note) == (
        ADMIN, ["idiot*", "trottel"], "Strengere Beleidigungsschwelle")
    assert candidate.thresholds["insult"] == {"review": 0.3, "reject": 0.5}
    assert versions(database) == []  # the live policy is untouched

    post_comment(client, "Ziemlich dumm, dieser Kommentator.")
    post_comment(client, "Danke für den Artikel!")
    worker.run_once()

    html = admin_browser.get(CANDIDATE).get_data(as_text=True)
    assert "Verglichene Entscheidungen <strong>2</strong>" in html
    assert "Übereinstimmung mit der geltenden Richtlinie <strong>50,0" in html
    assert "Ziemlich dumm, dieser Kommentator." in html
    assert "Danke für den Artikel!" not in html  # both decided alike
    row = html[html.index("Ziemlich dumm"):]
    assert row.index("Zurückgehalten") < row.index("Abgelehnt")  # live, then candidate

    promoted = submit(admin_browser, CANDIDATE, f"{CANDIDATE}/uebernehmen")

    assert promoted.headers["Location"] == f"{POLICY}?gespeichert=1"
    version = live(database)
    assert (version.created_by, version.thresholds["insult"]) == (
        ADMIN, {"review": 0.3, "reject": 0.5})
    assert not versions(database, "candidate")[-1].active
    assert [a for a, *_ in audit_actions(database)] == [
        "policy.candidate_started", "policy.candidate_promoted", "policy.candidate_ended"]


def test_a_candidate_keeps_the_starter_lists_it_was_given(admin_browser, database):
    submit(admin_browser, CANDIDATE, CANDIDATE, **{"starter-drohungen": "banned",
                                                   "starter-version-drohungen": "1",
                                                   "starter-entmenschlichung": "off"})

    candidate = versions(database, "candidate")[-1]
    assert candidate.starter_lists["drohungen"]["kind"] == "banned"
    assert candidate.starter_lists["drohungen"]["version"] == 1
    assert "entmenschlichung" not in candidate.starter_lists
    form = form_of(admin_browser.get(CANDIDATE).get_data(as_text=True), CANDIDATE)
    assert (form["starter-drohungen"], form["starter-version-drohungen"]) == ("banned", "1")
    assert form["starter-entmenschlichung"] == "off"
    assert set(shipped()) >= {"drohungen", "entmenschlichung"}


def test_a_candidates_bad_entries_are_named_by_line(admin_browser, database):
    answer = submit(admin_browser, CANDIDATE, CANDIDATE, suspect="gut\nar*sch\n\n**")

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Zeile 2 („ar*sch“): Ein Platzhalter (*) darf nur am Anfang" in html
    assert "Zeile 4 („**“): Ein Eintrag darf nicht nur aus Platzhaltern" in html
    assert form_of(html, CANDIDATE)["suspect"] == "gut\nar*sch\n\n**"
    assert versions(database, "candidate") == []


def test_a_candidate_changed_meanwhile_is_not_promoted(admin_browser, second_admin,
                                                        database):
    submit(admin_browser, CANDIDATE, CANDIDATE, max_links="4")
    drawn = form_of(admin_browser.get(CANDIDATE).get_data(as_text=True),
                    f"{CANDIDATE}/uebernehmen")
    submit(second_admin, CANDIDATE, CANDIDATE, max_links="6")

    answer = admin_browser.post(f"{CANDIDATE}/uebernehmen", data=drawn)

    assert answer.status_code == 409
    assert "Der Kandidat wurde inzwischen geändert oder beendet." in answer.get_data(
        as_text=True)
    assert versions(database) == []


def test_shadow_mode_is_ended_and_the_candidate_stays_in_the_history(admin_browser,
                                                                      database):
    submit(admin_browser, CANDIDATE, CANDIDATE, max_links="4")

    answer = submit(admin_browser, CANDIDATE, f"{CANDIDATE}/beenden")

    assert answer.status_code == 303
    assert "Der Schattenmodus ist beendet" in admin_browser.get(
        answer.headers["Location"]).get_data(as_text=True)
    html = admin_browser.get(f"{HISTORY}?name=candidate").get_data(as_text=True)
    assert "Schattenmodus beendet" in html
    assert "Höchstzahl der Links 2 → 4" in html
    assert versions(database) == []


def test_nothing_to_promote_when_no_candidate_runs(admin_browser, database):
    drawn = form_of(admin_browser.get(CANDIDATE).get_data(as_text=True), CANDIDATE)

    answer = admin_browser.post(f"{CANDIDATE}/uebernehmen",
                                data={"csrf_token": drawn["csrf_token"], "version": "0"})

    assert answer.status_code == 409
    assert versions(database) == []


def test_the_policy_pages_are_english_for_an_english_admin(app, make_account):
    make_account("jan@zeitung.de", role=Role.ADMIN, locale="en")
    browser = app.test_client()
    sign_in(browser, "jan@zeitung.de")

    assert "Save thresholds" in browser.get(POLICY).get_data(as_text=True)
    assert "Start a candidate" in browser.get(CANDIDATE).get_data(as_text=True)
