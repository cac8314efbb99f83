"""The articles screen: the list with its counts, search, order and pages; an article's page
with its comments by status; changes of mode, comments and title from either, through the
articles service, on the audit log with the person; refusals in German."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from moderation.domain import CommentStatus, ModerationMode
from moderation.models import Article, AuditEvent
from moderation.services.articles import update_article
from tests.support.records import add_comment
from tests.workspace.conftest import csrf_of

ARTICLES = "/redaktion/artikel"
REVIEW, APPROVED, REJECTED = CommentStatus.REVIEW, CommentStatus.APPROVED, CommentStatus.REJECTED


def page_of(key: str) -> str:
    return f"{ARTICLES}/{quote(key)}"


@pytest.fixture
def newsroom(database, clock):
    """Three articles: one with two comments waiting, one closed and pre-moderated with
    none, one with a key that needs quoting."""
    with database.transaction() as session:
        update_article(session, "bahnstreik", {"title": "Bahnstreik: Was Pendler wissen müssen",
                                               "url": "https://zeitung.example.de/bahn"},
                       clock())
        for status in (REVIEW, REVIEW, APPROVED, REJECTED):
            clock.advance(seconds=1)
            add_comment(session, clock(), article_key="bahnstreik", status=status)
        update_article(session, "haushalt", {"title": "Haushalt 2027", "comments_open": False,
                                             "moderation_mode": ModerationMode.PRE}, clock())
        clock.advance(seconds=1)
        add_comment(session, clock(), article_key="2026/11/größe & grüße", status=APPROVED)


def rows(html: str) -> list[str]:
    """The article names in the list's order."""
    return re.findall(r'<tr id="artikel-\d+" tabindex="-1">\s*<td>\s*<a href="[^"]+">([^<]+)</a>',
                      html)


def stored(database, key: str) -> Article:
    with database.transaction() as session:
        return session.scalars(select(Article).where(Article.key == key)).one()


def audit_events(database) -> list[AuditEvent]:
    with database.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.changed").order_by(AuditEvent.id)))


def post(browser, path: str, data: dict[str, str], page: str = ARTICLES):
    token = csrf_of(browser.get(page))
    return browser.post(path, data={"csrf_token": token, **data})


# --- access ---------------------------------------------------------------------------------

def test_nobody_signed_in_is_sent_to_sign_in(client):
    answer = client.get(ARTICLES)

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/redaktion/anmelden?weiter=/redaktion/artikel"


def test_an_editor_finds_the_articles_in_the_navigation(editor_browser, newsroom):
    answer = editor_browser.get(ARTICLES)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert f'<a href="{ARTICLES}" aria-current="page">Artikel</a>' in html
    assert answer.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


# --- the list -------------------------------------------------------------------------------

def test_the_list_counts_each_articles_comments_most_waiting_first(editor_browser, newsroom):
    html = editor_browser.get(ARTICLES).get_data(as_text=True)

    assert rows(html)[0] == "Bahnstreik: Was Pendler wissen müssen"
    assert set(rows(html)) == {"Bahnstreik: Was Pendler wissen müssen", "Haushalt 2027",
                               "2026/11/größe &amp; grüße"}
    assert ">2<span class=\"visually-hidden\"> wartend in der Warteschlange</span>" in html
    assert "1 veröffentlicht" in html and "1 abgelehnt" in html
    assert "geschlossen" in html and "Vormoderation (jeder Kommentar wartet)" in html


def test_the_list_searches_key_and_title_and_filters_by_mode_and_comments(
        editor_browser, newsroom):
    assert rows(editor_browser.get(f"{ARTICLES}?q=GRÖSSE").get_data(as_text=True)) == [
        "2026/11/größe &amp; grüße"]
    assert rows(editor_browser.get(f"{ARTICLES}?q=pendler").get_data(as_text=True)) == [
        "Bahnstreik: Was Pendler wissen müssen"]
    assert rows(editor_browser.get(f"{ARTICLES}?mode=pre").get_data(as_text=True)) == [
        "Haushalt 2027"]
    assert rows(editor_browser.get(f"{ARTICLES}?comments_open=false&q=&sort=")
                .get_data(as_text=True)) == ["Haushalt 2027"]
    assert rows(editor_browser.get(f"{ARTICLES}?in_review=true").get_data(as_text=True)) == [
        "Bahnstreik: Was Pendler wissen müssen"]
    assert rows(editor_browser.get(f"{ARTICLES}?q=nichts").get_data(as_text=True)) == []


def test_the_list_pages_through_every_article_once(editor_browser, newsroom):
    seen, path = [], f"{ARTICLES}?limit=2&sort=key"
    while path:
        html = editor_browser.get(path).get_data(as_text=True)
        seen += rows(html)
        found = re.search(r'<a class="button button-quiet" href="([^"]+)">Nächste Seite</a>',
                          html)
        path = found.group(1).replace("&amp;", "&") if found else None

    assert seen == ["2026/11/größe &amp; grüße", "Bahnstreik: Was Pendler wissen müssen",
                    "Haushalt 2027"]


@pytest.mark.parametrize("query", ["sort=sideways", "mode=manual", "cursor=kaputt",
                                   "q=" + "x" * 201, "limit=0", "comments_open=vielleicht"])
def test_a_filter_that_cannot_be_used_is_a_german_422(editor_browser, newsroom, query):
    answer = editor_browser.get(f"{ARTICLES}?{query}")

    assert answer.status_code == 422
    assert "Einige Filter ließen sich nicht anwenden" in answer.get_data(as_text=True)


# --- an article's page ----------------------------------------------------------------------

def test_an_articles_page_counts_its_comments_by_status_into_the_queue(editor_browser,
                                                                       newsroom):
    html = editor_browser.get(page_of("bahnstreik")).get_data(as_text=True)

    assert "<h1>Bahnstreik: Was Pendler wissen müssen</h1>" in html
    assert ('<a href="/redaktion/warteschlange?status=review&amp;article=bahnstreik">'
            'Zurückgehalten zur Prüfung</a></th>\n      <td>2</td>') in html
    assert ('<a href="/redaktion/warteschlange?status=all&amp;article=bahnstreik">Alle</a>'
            '</th>\n      <td>4</td>') in html
    assert 'href="https://zeitung.example.de/bahn" rel="noopener noreferrer"' in html


def test_a_key_with_slashes_spaces_and_umlauts_has_its_page(editor_browser, newsroom):
    answer = editor_browser.get(page_of("2026/11/größe & grüße"))

    assert answer.status_code == 200
    assert "<h1>2026/11/größe &amp; grüße</h1>" in answer.get_data(as_text=True)


@pytest.mark.parametrize("key", ["gibt-es-nicht", "x" * 300])
def test_an_unknown_article_is_a_german_404(editor_browser, newsroom, key):
    answer = editor_browser.get(f"{ARTICLES}/{key}")

    assert answer.status_code == 404
    assert "Es gibt keinen Artikel mit diesem Schlüssel." in answer.get_data(as_text=True)


# --- changes --------------------------------------------------------------------------------

def test_an_editor_changes_an_article_on_its_page_audited_with_the_person(
        editor_browser, newsroom, database, clock):
    answer = post(editor_browser, page_of("bahnstreik"), {
        "title": "  Bahnstreik: Was Pendler jetzt wissen müssen ", "url": "",
        "moderation_mode": "post", "comments_open": "0"}, page=page_of("bahnstreik"))

    assert answer.status_code == 303
    assert answer.headers["Location"] == f"{page_of('bahnstreik')}?gespeichert=1"
    article = stored(database, "bahnstreik")
    assert article.title == "Bahnstreik: Was Pendler jetzt wissen müssen"
    assert article.url is None
    assert (article.moderation_mode, article.comments_open) == (ModerationMode.POST, False)
    [event] = audit_events(database)
    assert event.actor == "user:anna@zeitung.de" and event.target == "bahnstreik"
    assert event.details["changes"] == {
        "title": {"from": "Bahnstreik: Was Pendler wissen müssen",
                  "to": "Bahnstreik: Was Pendler jetzt wissen müssen"},
        "url": {"from": "https://zeitung.example.de/bahn", "to": None},
        "moderation_mode": {"from": "auto", "to": "post"},
        "comments_open": {"from": True, "to": False}}
    assert "Die Einstellungen sind gespeichert." in editor_browser.get(
        answer.headers["Location"]).get_data(as_text=True)


def test_a_change_from_the_list_returns_to_the_list_as_it_was(editor_browser, newsroom,
                                                              database):
    back = f"{ARTICLES}?sort=key&q=haus"
    answer = post(editor_browser, page_of("haushalt"), {
        "moderation_mode": "auto", "comments_open": "1", "weiter": back}, page=back)

    assert answer.status_code == 303
    article = stored(database, "haushalt")
    assert answer.headers["Location"] == (f"{ARTICLES}?sort=key&q=haus&gespeichert=haushalt"
                                          f"#artikel-{article.id}")
    assert (article.moderation_mode, article.comments_open) == (ModerationMode.AUTO, True)
    assert article.title == "Haushalt 2027"  # the row's form leaves the title alone
    listed = editor_browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert ("Gespeichert: „Haushalt 2027“ ist jetzt Automatisch (im Zweifel zurückgehalten) "
            "und offen für Kommentare.") in listed


def test_saving_unchanged_settings_writes_no_audit_entry(editor_browser, newsroom, database):
    post(editor_browser, page_of("haushalt"), {"moderation_mode": "pre", "comments_open": "0"})

    assert audit_events(database) == []


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/x", "/v1/admin",
                                  "javascript:alert(1)"])
def test_a_change_never_leads_off_the_workspace(editor_browser, newsroom, back):
    answer = post(editor_browser, page_of("haushalt"), {"comments_open": "1", "weiter": back})

    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(page_of("haushalt"))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("url", "javascript:alert(1)", "Eine Adresse, die mit http:// oder https:// beginnt"),
    ("url", "ftp://zeitung.example.de/x", "Eine Adresse, die mit http:// oder https://"),
    ("title", "T" * 301, "Ein Titel mit höchstens 300 Zeichen"),
    ("moderation_mode", "manual", "Bitte eine der Moderationsarten wählen."),
    ("comments_open", "vielleicht", "Bitte offen oder geschlossen wählen."),
])
def test_a_refused_change_is_explained_in_german_with_the_values_kept(
        editor_browser, newsroom, database, field, value, message):
    form = {"title": "Neuer Titel", "url": "https://zeitung.example.de/neu",
            "moderation_mode": "pre", "comments_open": "0", field: value}
    answer = post(editor_browser, page_of("bahnstreik"), form, page=page_of("bahnstreik"))

    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert message in html
    assert "Bitte prüfen Sie die markierten Felder; nichts wurde gespeichert." in html
    if field != "title":
        assert 'value="Neuer Titel"' in html
    assert stored(database, "bahnstreik").title == "Bahnstreik: Was Pendler wissen müssen"
    assert audit_events(database) == []


@pytest.mark.parametrize("path", [f"{ARTICLES}?q=%00", f"{ARTICLES}/a%00b",
                                  f"{ARTICLES}?q=%ED%A0%80", f"{ARTICLES}/%ED%A0%80",
                                  f"{ARTICLES}?sort=" + "x" * 100_000])
def test_odd_addresses_are_no_500(editor_browser, newsroom, path):
    assert editor_browser.get(path).status_code in {200, 400, 404, 422}


def test_control_characters_are_taken_out_of_a_title(editor_browser, newsroom, database):
    post(editor_browser, page_of("haushalt"), {"title": "Haus\x00halt 2027\x07"})

    assert stored(database, "haushalt").title == "Haushalt 2027"


def test_an_unknown_field_is_refused(editor_browser, newsroom, database):
    before = stored(database, "haushalt").public_revision
    answer = post(editor_browser, page_of("haushalt"), {"public_revision": "99"})

    assert answer.status_code == 422
    assert stored(database, "haushalt").public_revision == before != 99


def test_a_change_without_the_csrf_token_is_refused(editor_browser, newsroom, database):
    answer = editor_browser.post(page_of("haushalt"), data={"comments_open": "1"})

    assert answer.status_code == 403
    assert stored(database, "haushalt").comments_open is False


def test_an_unknown_article_is_not_created_by_a_change(editor_browser, newsroom, database):
    answer = post(editor_browser, page_of("neu"), {"comments_open": "0"})

    assert answer.status_code == 404
    with database.transaction() as session:
        assert session.scalar(select(Article).where(Article.key == "neu")) is None


def test_a_huge_form_is_no_500(editor_browser, newsroom):
    answer = post(editor_browser, page_of("haushalt"), {"title": "ä" * 2_000_000})

    assert answer.status_code in {413, 422}


def test_the_page_is_english_for_an_english_account(app, make_account, newsroom):
    from tests.workspace.conftest import sign_in

    make_account("jan@zeitung.de", locale="en")
    browser = app.test_client()
    sign_in(browser, "jan@zeitung.de")

    html = browser.get(ARTICLES).get_data(as_text=True)
    assert "Most waiting first" in html and "Pre-moderation (every comment waits)" in html
