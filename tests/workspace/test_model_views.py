"""The model versions' screen, for admins: what scores now, the candidate with its manifest,
shadow report and disagreements (the text as text); promote and roll back after a
confirmation, audited with the person; refusals of the service as a German notice."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus, Role
from moderation.models import AuditEvent, Comment, ModelState, ModelVersion
from moderation.services import model_versions
from tests.support.compact_models import train_tiny
from tests.support.shadow_models import decided_in_shadow, install_candidate
from tests.workspace.conftest import sign_in
from tests.workspace.html_forms import form_of

MODELS = "/redaktion/modelle"
PROMOTE = f"{MODELS}/uebernehmen"
ROLLBACK = f"{MODELS}/zuruecksetzen"
ADMIN = "user:chefin@zeitung.de"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory.mktemp("trained") / "modell")


@pytest.fixture
def store_config(config, tmp_path):
    return config.replace(model_store=tmp_path / "modelle")


@pytest.fixture
def candidate(database, store_config, clock, trained) -> tuple[int, str]:
    return install_candidate(database, trained, store_config, clock, note="Grüße aus Köln")


def confirmed(browser, action: str, page: str = MODELS):
    """Press the button sending to ``action`` on ``page``, then confirm on the page that
    asks: the confirmation's answer."""
    asked = browser.post(action, data=form_of(browser.get(page).get_data(as_text=True), action))
    assert asked.status_code == 200
    return browser.post(action, data=form_of(asked.get_data(as_text=True), action))


def model_audit(database) -> list[tuple[str, str, str | None]]:
    with database.transaction() as session:
        return [(e.action, e.actor, e.details.get("kind") if e.details else None)
                for e in session.scalars(select(AuditEvent).where(
                    AuditEvent.action.like("model.%")).order_by(AuditEvent.id))]


def live(database) -> str | None:
    with database.transaction() as session:
        return model_versions.live_version(session)


# --- access ---------------------------------------------------------------------------------

def test_editors_may_not_open_the_models(editor_browser):
    answer = editor_browser.get(MODELS)

    assert answer.status_code == 403
    assert "Zugriff verweigert" in answer.get_data(as_text=True)
    assert f'href="{MODELS}"' not in editor_browser.get("/redaktion/konto").get_data(
        as_text=True)


@pytest.mark.parametrize("path", [PROMOTE, ROLLBACK])
def test_editors_may_not_change_the_models(editor_browser, candidate, database, path):
    token = form_of(editor_browser.get("/redaktion/konto").get_data(as_text=True),
                    "/redaktion/abmelden")["csrf_token"]
    answer = editor_browser.post(path, data={"csrf_token": token, "version": candidate[1],
                                             "kind": "compact", "bestaetigt": "1"})

    assert answer.status_code == 403
    assert live(database) is None and model_audit(database) == [("model.installed", "cli",
                                                                 None)]


def test_nobody_signed_in_is_sent_to_sign_in(client):
    assert client.get(MODELS).headers["Location"] == "/redaktion/anmelden?weiter=/redaktion/modelle"


def test_without_a_version_the_shipped_model_scores_and_nothing_rolls_back(admin_browser):
    answer = admin_browser.get(MODELS)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'<a href="{MODELS}" aria-current="page">Modelle</a>' in html
    assert model_versions.shipped_version() in html
    assert "(das mit dem Dienst ausgelieferte Modell)" in html
    assert "Es ist kein Kandidat installiert." in html
    assert "Nichts zurückzusetzen: Es bewertet das mit dem Dienst ausgelieferte Modell." in html
    assert "Nichts zurückzusetzen: Kein Transformer ist live." in html
    assert f'action="{ROLLBACK}"' not in html and f'action="{PROMOTE}"' not in html


# --- the candidate --------------------------------------------------------------------------

def test_the_candidate_shows_its_manifest_report_and_disagreements_as_text(
        admin_browser, client, database, worker, clock, candidate):
    candidate_id, version = candidate
    decided_in_shadow(client, database, worker, clock, candidate_id, [
        ("Grüße an die <b>Größenwahnsinnigen</b> da oben & überall", CommentStatus.REJECTED),
        ("Danke für den Artikel über Köln", CommentStatus.APPROVED)])

    html = admin_browser.get(MODELS).get_data(as_text=True)

    assert f'<span class="code">{version}</span> (Kompaktmodell), installiert' in html
    assert "Anmerkung: „Grüße aus Köln“" in html
    assert "modell.csv" in html and "Trainingsdaten" in html
    assert '<span class="code">min_df=1</span>' in html
    assert "Verglichene Entscheidungen <strong>2</strong>" in html
    assert "Übereinstimmung mit dem geltenden Modell <strong>50,0" in html
    assert "Grüße an die &lt;b&gt;Größenwahnsinnigen&lt;/b&gt; da oben &amp; überall" in html
    assert "<b>Größenwahnsinnigen</b>" not in html
    assert "Danke für den Artikel über Köln" not in html  # both decided alike
    row = html[html.index("Größenwahnsinnigen"):]
    assert row.index("Veröffentlicht") < row.index("Abgelehnt")  # live, then candidate
    assert "Wurde mit inzwischen gelöschten Kommentaren trainiert" not in html


def test_the_held_out_figures_are_shown_new_against_current(admin_browser, database,
                                                            candidate):
    figures = {"roc_auc": 0.91, "macro_f1": 0.8, "precision": 0.75, "recall": 0.7,
               "approved_share": 0.6, "review_share": 0.25, "rejected_share": 0.15,
               "toxic_published": 2}
    with database.transaction() as session:
        row = model_versions.versions(session)[0]
        row.manifest = {**row.manifest, "decisions": 120, "held_out_decisions": {
            "rows": 24, "candidate": figures,
            "current": {**figures, "roc_auc": 0.83, "review_share": 0.4, "toxic_published": 5}}}

    html = admin_browser.get(MODELS).get_data(as_text=True)

    assert "Gelernt aus Entscheidungen der Redaktion</dt><dd>120</dd>" in html
    assert "An den 24 neuesten Entscheidungen der Redaktion" in html
    assert "<th scope=\"row\">ROC-AUC</th><td>0,91</td><td>0,83</td>" in html
    assert "<td>25,0 %</td><td>40,0 %</td>" in html
    assert "<td>2</td><td>5</td>" in html


def test_a_candidate_trained_on_erased_comments_is_marked(admin_browser, database, candidate,
                                                          clock):
    with database.transaction() as session:
        row = model_versions.versions(session)[0]
        row.trained_on_erased_at = clock()

    html = admin_browser.get(MODELS).get_data(as_text=True)

    assert "Wurde mit inzwischen gelöschten Kommentaren trainiert" in html


def test_promote_asks_first_then_makes_the_candidate_live_audited_with_the_person(
        admin_browser, database, candidate):
    version = candidate[1]
    asked = admin_browser.post(PROMOTE, data=form_of(
        admin_browser.get(MODELS).get_data(as_text=True), PROMOTE))

    html = asked.get_data(as_text=True)
    assert "Kandidaten-Modell übernehmen?" in html and version in html
    assert model_versions.shipped_version() in html  # what it replaces
    assert live(database) is None

    answer = admin_browser.post(PROMOTE, data=form_of(html, PROMOTE))

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{MODELS}?erledigt=uebernommen"
    assert live(database) == version
    assert model_audit(database)[-1] == ("model.promoted", ADMIN, "compact")
    page = admin_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Das Kandidaten-Modell ist jetzt live" in page
    assert "Es ist kein Kandidat installiert." in page


def test_rollback_asks_first_then_returns_to_the_shipped_model(admin_browser, database,
                                                               candidate, clock):
    with database.transaction() as session:
        model_versions.promote(session, actor="cli", now=clock())

    asked = admin_browser.post(ROLLBACK, data=form_of(
        admin_browser.get(MODELS).get_data(as_text=True), ROLLBACK))
    assert "Zurücksetzen?" in asked.get_data(as_text=True)
    assert live(database) == candidate[1]
    answer = admin_browser.post(ROLLBACK, data=form_of(asked.get_data(as_text=True), ROLLBACK))

    assert answer.headers["Location"] == f"{MODELS}?erledigt=zurueckgesetzt"
    assert live(database) is None
    assert model_audit(database)[-1] == ("model.rolled_back", ADMIN, "compact")
    html = admin_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Zurückgesetzt" in html
    assert "ausgemustert" in html  # the version list names its state


def test_the_live_transformer_is_rolled_back_to_none_leaving_the_compact_model(
        admin_browser, database, clock, tmp_path):
    with database.transaction() as session:
        session.add(ModelVersion(kind="transformer", version="hf:gbert@0123456789ab",
                                 state=ModelState.LIVE, path=str(tmp_path),
                                 manifest={"files": {}}, created_by="cli", created_at=clock(),
                                 promoted_by="cli", promoted_at=clock()))
    html = admin_browser.get(MODELS).get_data(as_text=True)
    assert "Zurücksetzen: Transformer" in html
    assert "kein Transformer: Das Kompaktmodell bewertet allein" in html

    answer = confirmed(admin_browser, ROLLBACK)

    assert answer.status_code == 303
    with database.transaction() as session:
        assert model_versions.live_versions(session) == {}
    assert model_audit(database) == [("model.rolled_back", ADMIN, "transformer")]


def test_a_transformer_candidate_shows_what_was_fetched(admin_browser, database, clock,
                                                        tmp_path):
    with database.transaction() as session:
        session.add(ModelVersion(
            kind="transformer", version="hf:gbert@0123456789ab", state=ModelState.CANDIDATE,
            path=str(tmp_path), created_by="cli", created_at=clock(), manifest={
                "files": {"model.safetensors": {"sha256": "ab" * 32, "bytes": 10}},
                "fetch": {"model": "deepset/gbert-base", "weights_sha256": "cd" * 32,
                          "fetched_at": "2026-11-20T08:00:00+00:00"}}))

    html = admin_browser.get(MODELS).get_data(as_text=True)

    assert "(Transformer), installiert" in html
    assert '<span class="code">deepset/gbert-base</span>' in html
    assert f'title="{"cd" * 32}">{"cd" * 6}</span>' in html
    assert "Trainingsdaten" not in html


def test_a_fine_tuned_candidate_shows_its_figures_before_and_after(admin_browser, database,
                                                                  clock, tmp_path):
    figures = {"before": {"rows": 40, "roc_auc": 0.5512, "macro_f1": 0.4},
               "after": {"rows": 40, "roc_auc": 0.8123, "macro_f1": 0.7011}}
    held_out = {"before": {"rows": 8, "roc_auc": 0.61, "macro_f1": 0.5},
                "after": {"rows": 8, "roc_auc": 0.9, "macro_f1": 0.75}}
    with database.transaction() as session:
        session.add(ModelVersion(
            kind="transformer", version="hf:gbert-site@0123456789ab",
            state=ModelState.CANDIDATE, path=str(tmp_path), created_by="cli",
            created_at=clock(), manifest={
                "files": {"model.safetensors": {"sha256": "ab" * 32, "bytes": 10}},
                "training": {"test": {**figures, "by_file": {
                    "kommentare.csv": figures, "entscheidungen.csv": held_out}}}}))

    html = admin_browser.get(MODELS).get_data(as_text=True)

    assert "Feinabstimmung: Testzahlen vorher und nachher" in html
    assert "0,55 / 0,81" in html and "0,40 / 0,70" in html
    assert "Zurückgehaltene Entscheidungen der Redaktion</th><td>8</td>" \
        "<td>0,61 / 0,90</td>" in html
    assert '<span class="code">kommentare.csv</span>' not in html
    assert "kommentare.csv</th><td>40</td>" in html


def test_a_candidate_whose_files_changed_is_refused_in_german(admin_browser, database,
                                                              candidate):
    with database.transaction() as session:
        stored = Path(model_versions.versions(session)[0].path)
    (stored / "model.npz").write_bytes(b"vertauscht")

    answer = confirmed(admin_browser, PROMOTE)

    assert answer.status_code == 409
    assert "Die Dateien des Modells haben sich seit der Installation geändert (model.npz)" in \
        answer.get_data(as_text=True)
    assert live(database) is None


def test_a_candidate_replaced_meanwhile_is_not_promoted(admin_browser, database, candidate,
                                                        store_config, clock, tmp_path):
    drawn = form_of(admin_browser.get(MODELS).get_data(as_text=True), PROMOTE)
    other = install_candidate(database, train_tiny(tmp_path / "anderes", leave_out=1),
                              store_config, clock)

    answer = admin_browser.post(PROMOTE, data={**drawn, "bestaetigt": "1"})

    assert answer.status_code == 409
    assert "Die Modellversionen wurden inzwischen geändert." in answer.get_data(as_text=True)
    assert live(database) is None and other[1] != candidate[1]


def test_a_rollback_of_a_kind_not_live_is_refused(admin_browser, database, candidate):
    token = form_of(admin_browser.get(MODELS).get_data(as_text=True),
                    PROMOTE)["csrf_token"]

    answer = admin_browser.post(ROLLBACK, data={"csrf_token": token, "version": candidate[1],
                                                "kind": "compact", "bestaetigt": "1"})

    assert answer.status_code == 409
    assert model_audit(database) == [("model.installed", "cli", None)]


@pytest.mark.parametrize("fields", [{}, {"kind": "bert"}, {"kind": "compact", "extra": "1"}])
def test_an_incomplete_form_is_refused(admin_browser, database, candidate, clock, fields):
    with database.transaction() as session:
        model_versions.promote(session, actor="cli", now=clock())
    token = form_of(admin_browser.get(MODELS).get_data(as_text=True), ROLLBACK)["csrf_token"]

    answer = admin_browser.post(ROLLBACK, data={"csrf_token": token, "version": candidate[1],
                                                **fields})

    assert answer.status_code == 422
    assert "Das Formular ist unvollständig." in answer.get_data(as_text=True)
    assert live(database) == candidate[1]


def test_a_write_without_the_csrf_token_is_refused(admin_browser, database, candidate):
    answer = admin_browser.post(PROMOTE, data={"version": candidate[1], "bestaetigt": "1"})

    assert answer.status_code == 403
    assert live(database) is None


def test_an_erased_comment_shows_no_text(admin_browser, client, database, worker, clock,
                                         candidate):
    (public_id,) = decided_in_shadow(client, database, worker, clock, candidate[0], [
        ("Geheimer Text über Müller", CommentStatus.REJECTED)])
    with database.transaction() as session:
        comment = session.scalar(select(Comment).where(Comment.public_id == public_id))
        comment.body, comment.erased_at = "", clock()

    html = admin_browser.get(MODELS).get_data(as_text=True)

    assert "Geheimer Text" not in html and "Gelöscht" in html


def test_the_models_page_is_english_for_an_english_admin(app, make_account, candidate):
    make_account("jan@zeitung.de", role=Role.ADMIN, locale="en")
    browser = app.test_client()
    sign_in(browser, "jan@zeitung.de")

    html = browser.get(MODELS).get_data(as_text=True)
    assert "Promote: make it the live model" in html and "Scoring now" in html

