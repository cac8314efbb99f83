"""The readers' widget in Chromium, embedded with its two lines in a publisher's page on
another origin, under a strict Content-Security-Policy: reading a thread, writing, replying,
the author's own pending comment, rejection and appeal, reports and their decision, the rate
limit's message, markup that stays text, accessibility (axe-core sees into the open shadow
root), revisits that cost a 304, English and the dark theme, and count.js."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from moderation import migrate
from tests.browser.checks import PageWatch, assert_accessible
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.live import LiveServer, serving
from tests.browser.widget_site import (
    ARTICLE,
    LONG_ARTICLE,
    LONG_THREAD,
    MARKUP,
    QUIET_ARTICLE,
    TITLE,
    Seeded,
    Site,
    editor_call,
    publisher_site,
    seed,
)
from tests.conftest import drop_database, fresh_database_url
from tests.support.smtp import SmtpSink

# The author's widget looks again this often (seconds) while a decision is awaited.
REFRESH = 2
# Longer than a refresh, for what the widget notices by itself.
NOTICED_MS = TIMEOUT_MS + REFRESH * 1000


@dataclass
class WidgetService:
    server: LiveServer
    seeded: Seeded
    smtp: SmtpSink

    def decide(self, path: str, body: dict | None = None) -> dict:
        return editor_call(self.server.url, self.seeded.editor_key, path, body)

    def counts(self, *keys: str) -> dict[str, int]:
        query = "&".join(f"article={key}" for key in keys)
        with urllib.request.urlopen(f"{self.server.url}/v1/counts?{query}",  # noqa: S310
                                    timeout=10) as answer:
            return json.loads(answer.read())["counts"]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with publisher_site() as running:
        yield running


@pytest.fixture(scope="module")
def widget_service(browser_folder, site: Site) -> Iterator[WidgetService]:
    """The comment service for the publisher's site only: its own database, the site's
    origin as the one CORS setting, mail to a real SMTP server on loopback, and a low
    limit of comments per email address (2 a minute)."""
    database_url = fresh_database_url("moderation_widget", browser_folder)
    migrate.upgrade(database_url)
    seeded = seed(database_url)
    smtp = SmtpSink().start()
    try:
        with serving(database_url, browser_folder, CORS_ORIGINS=site.url,
                     LIMIT_COMMENTS_PER_ADDRESS="100/minute",
                     LIMIT_COMMENTS_PER_EMAIL="2/minute", SMTP_HOST="127.0.0.1",
                     SMTP_PORT=str(smtp.port), SMTP_SECURITY="none",
                     MAIL_FROM="Redaktion <redaktion@zeitung.example.de>",
                     PUBLIC_BASE_URL="https://kommentare.zeitung.example.de") as server:
            site.point_to(server.url)
            yield WidgetService(server, seeded, smtp)
    finally:
        smtp.stop()
        drop_database(database_url)


@pytest.fixture
def context(browser: Browser, site: Site, widget_service: WidgetService
            ) -> Iterator[BrowserContext]:
    """A reader's fresh browser (no cookies, empty localStorage) on the publisher's site."""
    context = browser.new_context(base_url=site.url, locale="de-DE",
                                  viewport={"width": 1024, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def other_reader(browser: Browser, site: Site) -> Iterator[tuple[Page, PageWatch]]:
    """Somebody else's browser, watched like the first."""
    context = browser.new_context(base_url=site.url, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    watch = PageWatch.attach(context)
    yield context.new_page(), watch
    watch.assert_clean()
    context.close()


def open_article(page: Page, article: str = ARTICLE, **query: str) -> None:
    parameters = "&".join(f"{name}={quote(value, safe='')}" for name, value in
                          {"refresh": str(REFRESH), **query}.items())
    page.goto(f"/artikel/{article}?{parameters}")
    expect(page.locator("#kommentare[data-state=ready]")).to_be_attached()


def write(page: Page, name: str, text: str, email: str | None = None) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    if email:
        page.get_by_label("E-Mail (freiwillig)").fill(email)
    page.get_by_label("Dein Kommentar").fill(text)
    page.get_by_role("button", name="Kommentar senden").click()


def thread_item(page: Page, text: str):
    """The published comment with ``text`` in the thread."""
    return page.locator("li[data-id]").filter(has=page.locator(
        ":scope > article .body", has_text=text))


def own_comment(page: Page):
    return page.locator("li[data-own]")


# --- reading ------------------------------------------------------------------------------

def test_a_reader_finds_the_thread_nested_with_more_replies_and_both_orders(page: Page):
    open_article(page)

    widget = page.locator("#kommentare")
    expect(widget.get_by_role("heading", name="Kommentare", exact=True)).to_be_visible()
    expect(widget.get_by_text("8 Kommentare")).to_be_visible()
    first = thread_item(page, "Spannender Artikel")
    replies = first.locator(":scope > ol > li")
    expect(replies).to_have_count(3)  # the first three; the rest on request
    first.get_by_role("button", name="Weitere Antworten (2)").click()
    expect(replies).to_have_count(5)
    expect(replies.last).to_contain_text("Lena Groß")
    expect(first.get_by_role("button", name=re.compile("Weitere Antworten"))).to_have_count(0)

    top_level = page.locator("section > ol > li")
    expect(top_level.first).to_contain_text("Testerin")  # newest first
    page.get_by_label("Reihenfolge").select_option(label="Älteste zuerst")
    expect(top_level.first).to_contain_text("Jürgen Müller")
    assert_accessible(page)


def test_a_long_discussion_is_read_page_by_page(page: Page):
    open_article(page, LONG_ARTICLE)

    comments = page.locator("section > ol > li")
    expect(comments).to_have_count(20)
    expect(comments.first).to_contain_text(f"Meinung Nr. {LONG_THREAD} zum Haushalt")
    page.get_by_role("button", name="Weitere Kommentare laden").click()

    expect(comments).to_have_count(LONG_THREAD)
    expect(comments.last).to_contain_text("Meinung Nr. 1 zum Haushalt")
    expect(page.get_by_role("button", name="Weitere Kommentare laden")).to_be_hidden()


def test_markup_in_a_comment_stays_text(page: Page):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    open_article(page)

    expect(thread_item(page, "<img src=x").locator(".body")).to_have_text(MARKUP)
    assert page.locator("#kommentare img, #kommentare b").count() == 0
    assert dialogs == []


def test_a_revisit_costs_a_304(page: Page):
    sent: dict[str, str] = {}
    statuses: dict[str, int] = {}
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    # The status the service really answered, before the browser's cache fills the 304 in.
    cdp.on("Network.requestWillBeSent",
           lambda event: sent.__setitem__(event["requestId"], event["request"]["url"]))
    cdp.on("Network.responseReceivedExtraInfo",
           lambda event: statuses.__setitem__(event["requestId"], event["statusCode"]))
    open_article(page)
    page.reload()
    expect(page.locator("#kommentare[data-state=ready]")).to_be_attached()

    thread = [statuses.get(request) for request, url in sent.items()
              if f"/v1/articles/{ARTICLE}/comments?" in url]
    assert thread == [200, 304]


def test_the_widget_speaks_english_in_the_dark_and_passes_axe(page: Page):
    open_article(page, lang="en", theme="dark")

    widget = page.locator("#kommentare")
    expect(widget.get_by_role("heading", name="Comments", exact=True)).to_be_visible()
    expect(widget.get_by_text("8 comments")).to_be_visible()
    expect(widget.get_by_role("button", name="Send comment")).to_be_visible()
    assert widget.get_attribute("data-theme") == "dark"
    assert_accessible(page)


def test_the_page_language_chooses_the_widget_language(page: Page):
    open_article(page, page_lang="en")
    expect(page.get_by_role("heading", name="Comments", exact=True)).to_be_visible()


def test_the_honeypot_is_hidden_from_people_and_screen_readers(page: Page):
    open_article(page)

    assert page.get_by_role("textbox", name=re.compile("Website")).count() == 0
    honeypot = page.locator("#kommentare input[name=website]")
    assert honeypot.get_attribute("tabindex") == "-1"
    box = honeypot.bounding_box()
    assert box is not None and box["x"] + box["width"] < 0


# --- writing ------------------------------------------------------------------------------

def test_a_new_comment_waits_for_an_editor_and_only_its_author_sees_it(
        page: Page, other_reader, widget_service: WidgetService):
    text = "KI sollte überall gekennzeichnet werden – auch in Behörden."
    open_article(page)
    counter = page.get_by_text("0 von 5000 Zeichen")
    expect(counter).to_be_visible()
    page.get_by_label("Dein Kommentar").fill("Grüße!")
    expect(page.get_by_text("6 von 5000 Zeichen")).to_be_visible()

    write(page, "Clara Fuchs", text)

    expect(page.get_by_text("Danke! Dein Kommentar wird geprüft.")).to_be_focused()
    mine = own_comment(page)
    expect(mine).to_contain_text(text)
    expect(mine).to_contain_text("Nur du siehst diesen Kommentar")
    expect(page.get_by_label("Dein Kommentar")).to_have_value("")
    comment_id = mine.get_attribute("data-own")
    assert_accessible(page)

    stranger, _ = other_reader
    open_article(stranger)
    expect(stranger.locator("li[data-own]")).to_have_count(0)
    expect(stranger.get_by_text(text)).to_have_count(0)

    widget_service.decide(f"/v1/moderation/comments/{comment_id}/approve")

    # The author's widget notices by itself; the comment joins the thread.
    expect(mine).to_have_attribute("data-status", "approved", timeout=NOTICED_MS)
    expect(mine).to_contain_text("Dein Kommentar ist veröffentlicht.")
    expect(thread_item(page, text)).to_be_visible()
    stranger.reload()
    expect(thread_item(stranger, text)).to_contain_text("Clara Fuchs")


def test_a_reply_goes_below_the_comment_it_answers(page: Page, widget_service: WidgetService):
    open_article(page)
    parent = thread_item(page, "Folgeartikel über Datenschutz")
    parent.get_by_role("button", name="Antworten: Miriam Yılmaz").click()
    expect(page.get_by_text("Deine Antwort an Miriam Yılmaz")).to_be_visible()
    expect(page.get_by_label("Dein Kommentar")).to_be_focused()

    write(page, "Tom Krause", "Ja, bitte – mit Beispielen aus der Praxis!")
    reply_id = own_comment(page).get_attribute("data-own")
    widget_service.decide(f"/v1/moderation/comments/{reply_id}/approve")
    page.reload()

    reply = thread_item(page, "Folgeartikel über Datenschutz").locator(":scope > ol > li")
    expect(reply).to_contain_text("Ja, bitte – mit Beispielen aus der Praxis!")
    expect(reply).to_contain_text("Tom Krause")


def test_a_new_article_takes_title_and_link_from_the_page(page: Page,
                                                         widget_service: WidgetService,
                                                         site: Site):
    def article(key: str) -> dict:
        return editor_call(widget_service.server.url, widget_service.seeded.editor_key,
                           f"/v1/moderation/articles/{key}", method="GET")

    open_article(page, "seitendaten-attribute", title="Wahl in Köln: die Ergebnisse",
                 url="/politik/wahl-koeln#oben")
    write(page, "Ida Brandt", "Danke für die schnelle Auswertung!")
    expect(page.get_by_text("Danke! Dein Kommentar wird geprüft.")).to_be_visible()
    named = article("seitendaten-attribute")
    assert (named["title"], named["url"]) == ("Wahl in Köln: die Ergebnisse",
                                              f"{site.url}/politik/wahl-koeln")

    # Without the attributes: what the page says of itself, its title and address.
    open_article(page, "seitendaten-seite")
    write(page, "Ida Brandt", "Gut erklärt.")
    expect(page.get_by_text("Danke! Dein Kommentar wird geprüft.")).to_be_visible()
    found = article("seitendaten-seite")
    assert (found["title"], found["url"]) == (TITLE, f"{site.url}/artikel/seitendaten-seite"
                                                     f"?refresh={REFRESH}")


def test_notifications_are_offered_once_an_email_is_typed(page: Page):
    open_article(page)
    offer = page.get_by_label(re.compile("Benachrichtige mich per E-Mail"))
    expect(offer).to_be_hidden()
    page.get_by_label("E-Mail (freiwillig)").fill("leserin@example.de")
    expect(offer).to_be_visible()
    offer.check()
    page.get_by_label("Name", exact=True).fill("Greta Lang")
    page.get_by_label("Dein Kommentar").fill("Bitte sagt mir Bescheid, wenn es weitergeht.")
    page.get_by_role("button", name="Kommentar senden").click()

    expect(page.get_by_text("Wir haben dir eine E-Mail geschickt: bitte bestätige die "
                            "Adresse.")).to_be_visible()


def test_too_many_comments_get_a_german_wait_and_keep_the_text(page: Page, watch: PageWatch):
    watch.expect_console_error("429")
    open_article(page)
    for number in (1, 2):
        write(page, "Eilige Leserin", f"Mein {number}. Kommentar in einer Minute.",
              email="eilig@example.de")
        expect(page.get_by_text("Danke! Dein Kommentar wird geprüft.")).to_be_visible()
        expect(page.get_by_label("Dein Kommentar")).to_have_value("")

    write(page, "Eilige Leserin", "Und noch einer, schnell.", email="eilig@example.de")

    alert = page.locator("#kommentare form [role=alert]").first
    expect(alert).to_have_text(re.compile(
        r"^Zu viele Anfragen\. Bitte versuche es in (\d+ Sekunden|einer Sekunde|einer Minute) "
        r"erneut\.$"))
    expect(page.get_by_label("Dein Kommentar")).to_have_value("Und noch einer, schnell.")


def test_offline_says_so_and_keeps_the_text(page: Page, context: BrowserContext):
    open_article(page)
    context.set_offline(True)

    write(page, "Otto Funk", "Geschrieben im Tunnel.")

    expect(page.locator("#kommentare form [role=alert]").first).to_have_text(
        re.compile("^Du bist offline"))
    expect(page.get_by_label("Dein Kommentar")).to_have_value("Geschrieben im Tunnel.")
    context.set_offline(False)


def test_a_field_the_widget_refuses_is_named_and_nothing_is_lost(page: Page):
    open_article(page)
    page.get_by_label("Dein Kommentar").fill("Ohne Namen geht es nicht.")
    page.get_by_role("button", name="Kommentar senden").click()

    expect(page.locator("#kommentare form [role=alert]").first).to_have_text(
        "Bitte prüfe das Feld „Name“.")
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    expect(page.get_by_label("Dein Kommentar")).to_have_value("Ohne Namen geht es nicht.")


# --- rejection, appeal, reports ---------------------------------------------------------

def test_a_rejected_author_reads_the_reasons_and_appeals_right_there(
        page: Page, widget_service: WidgetService):
    open_article(page)
    write(page, "Karl Klein", "Das hier ist völlig am Thema vorbei, aber egal.")
    comment_id = own_comment(page).get_attribute("data-own")

    widget_service.decide(f"/v1/moderation/comments/{comment_id}/reject",
                          {"reason_code": "off_topic",
                           "reason": "Der Kommentar hat mit dem Artikel nichts zu tun."})

    mine = own_comment(page)
    expect(mine).to_have_attribute("data-status", "rejected", timeout=NOTICED_MS)
    expect(mine).to_contain_text("Dein Kommentar wurde nicht veröffentlicht.")
    expect(mine).to_contain_text("Der Kommentar hat mit dem Artikel nichts zu tun.")
    expect(mine.get_by_role("heading", name="Widerspruch einlegen")).to_be_visible()
    expect(mine).not_to_contain_text("null")
    assert_accessible(page)

    mine.get_by_label("Warum ist die Entscheidung falsch?").fill(
        "Es geht um KI im Alltag, genau wie im Artikel.")
    mine.get_by_role("button", name="Widerspruch senden").click()

    expect(mine).to_contain_text("Dein Widerspruch ist eingegangen und wird geprüft.")
    page.reload()
    expect(own_comment(page)).to_contain_text("Dein Widerspruch ist eingegangen")


def test_a_reader_reports_a_comment_and_later_sees_the_decision(
        page: Page, widget_service: WidgetService):
    open_article(page)
    comment = thread_item(page, "Sehe ich auch so.")
    comment.get_by_role("button", name="Melden: Anna Schäfer").press("Enter")
    expect(comment.get_by_label("Grund")).to_be_focused()
    comment.get_by_label("Grund").select_option(label="Spam")
    comment.get_by_label("Erläuterung (mindestens 10 Zeichen)").fill(
        "Derselbe Satz steht unter jedem Artikel.")
    comment.get_by_label("Ich versichere").check()
    assert_accessible(page)
    comment.get_by_role("button", name="Meldung senden").click()

    expect(comment.get_by_text("Danke für deine Meldung.")).to_be_focused()
    report = page.locator("li[data-report]")
    expect(report).to_contain_text("Deine Meldung wird geprüft.")
    report_id = report.get_attribute("data-report")

    widget_service.decide(f"/v1/moderation/reports/{report_id}/dismiss",
                          {"reason": "Kein Spam: eine Zustimmung."})
    page.reload()

    expect(page.locator("li[data-report]")).to_have_attribute("data-status", "dismissed")
    expect(page.locator("li[data-report]")).to_contain_text(
        "Wir haben deine Meldung geprüft und keinen Verstoß festgestellt.")


def test_a_report_needs_a_category_and_good_faith(page: Page):
    open_article(page)
    comment = thread_item(page, "Und die Daten?")
    comment.get_by_role("button", name="Melden: Petra Weiß").click()
    comment.get_by_label("Erläuterung (mindestens 10 Zeichen)").fill("Zu kurz?")
    comment.get_by_role("button", name="Meldung senden").click()

    expect(comment.get_by_role("alert")).to_contain_text("Bitte prüfe das Feld „Grund“.")
    expect(comment.get_by_label("Grund")).to_have_attribute("aria-invalid", "true")
    expect(comment.get_by_label("Erläuterung (mindestens 10 Zeichen)")).to_have_value("Zu kurz?")


# --- count.js -----------------------------------------------------------------------------

def test_count_js_fills_every_counter_with_one_request(page: Page,
                                                       widget_service: WidgetService):
    asked = []
    page.on("request", lambda request: asked.append(request.url)
            if "/v1/counts" in request.url else None)
    published = widget_service.counts(ARTICLE)[ARTICLE]

    page.goto("/")

    counters = page.locator("[data-kommentare-zaehler]")
    expect(counters.nth(0)).to_have_text(f"{published} Kommentare")
    expect(counters.nth(1)).to_have_text("Noch keine Kommentare")
    expect(counters.nth(2)).to_have_text(f"{published} comments")  # in an English item
    assert len(asked) == 1
    assert f"article={ARTICLE}" in asked[0] and f"article={QUIET_ARTICLE}" in asked[0]
    assert_accessible(page)
