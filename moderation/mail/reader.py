"""What the mails to comment authors say, in German and English, addressed with "du" / "you":
the confirmation of their address (double opt-in) and the notifications about their
comments. Each mail is one ``Letter`` written out twice, as plain text and as HTML whose
every piece of text is escaped (Jinja's autoescape): a comment's text can add no markup, no
link, no remote image. Pure: the service gathers the facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from moderation.texts import day

_CATALOGUE: dict[str, dict[str, str]] = {
    "de": {
        "on_title": " zu „{title}“",
        "hello": "Hallo {name},",
        "confirm.subject": "Bitte bestätige deine E-Mail-Adresse für Benachrichtigungen",
        "confirm.intro": "du hast bei deinem Kommentar{on_title} angegeben, dass du per "
                         "E-Mail erfahren möchtest, wenn er veröffentlicht oder abgelehnt "
                         "wird und wenn jemand darauf antwortet.",
        "confirm.ask": "Bitte bestätige, dass diese Adresse dir gehört. Erst dann schicken "
                       "wir dir Benachrichtigungen – über das, was ab dann geschieht.",
        "confirm.action": "Benachrichtigungen bestätigen",
        "confirm.not_me": "Warst du das nicht? Dann musst du nichts tun: Ohne Bestätigung "
                          "bekommst du von uns keine weitere Mail.",
        "confirm.never": "Nie wieder Mails an diese Adresse:",
        "confirm.never_label": "Keine Mails mehr",
        "published.subject": "Dein Kommentar{on_title} ist veröffentlicht",
        "published.intro": "dein Kommentar{on_title} ist jetzt veröffentlicht:",
        "published.action": "Zum Kommentar",
        "rejected.subject.not_published": "Dein Kommentar{on_title} wurde nicht "
                                          "veröffentlicht",
        "rejected.subject.removal": "Dein Kommentar{on_title} wurde entfernt",
        "rejected.intro": "wir haben über deinen Kommentar{on_title} entschieden. Die "
                          "Begründung:",
        "rejected.appeal": "Du kannst einmal Widerspruch einlegen, bis zum {until}: im "
                           "Kommentarbereich unter dem Artikel, im selben Browser, mit dem du "
                           "kommentiert hast. Ein Mensch aus der Redaktion prüft ihn, wo "
                           "möglich ein anderer als der, der entschieden hat.",
        "rejected.appeal.where": "Der Kommentarbereich unter dem Artikel ist auf der Seite "
                                 "des Artikels.",
        "rejected.appeal.action": "Zum Artikel und Widerspruch einlegen",
        "rejected.no_appeal": "Ein weiterer Widerspruch bei uns ist nicht möglich.",
        "reply.subject": "Neue Antwort auf deinen Kommentar{on_title}",
        "reply.intro": "{replier} hat auf deinen Kommentar{on_title} geantwortet:",
        "reply.action": "Zur Antwort",
        "why": "Du bekommst diese Mail, weil du beim Kommentieren Benachrichtigungen bestellt "
               "und bestätigt hast.",
        "unsubscribe": "Keine Mails mehr an diese Adresse:",
        "unsubscribe_label": "Abbestellen",
        "data": "Was wir zu deiner Adresse gespeichert haben:",
        "data_label": "Deine Daten",
    },
    "en": {
        "on_title": " on “{title}”",
        "hello": "Hello {name},",
        "confirm.subject": "Please confirm your email address for notifications",
        "confirm.intro": "with your comment{on_title} you asked to be told by email when it "
                         "is published or rejected and when someone replies to it.",
        "confirm.ask": "Please confirm that this address is yours. Only then do we send you "
                       "notifications – about what happens from then on.",
        "confirm.action": "Confirm notifications",
        "confirm.not_me": "Wasn't you? Then there is nothing to do: without a confirmation "
                          "you get no further mail from us.",
        "confirm.never": "Never send mail to this address again:",
        "confirm.never_label": "No more mail",
        "published.subject": "Your comment{on_title} is published",
        "published.intro": "your comment{on_title} is now published:",
        "published.action": "Go to your comment",
        "rejected.subject.not_published": "Your comment{on_title} was not published",
        "rejected.subject.removal": "Your comment{on_title} was removed",
        "rejected.intro": "we have decided on your comment{on_title}. The reasons:",
        "rejected.appeal": "You can appeal once, until {until}: in the comments below the "
                           "article, in the same browser you commented with. A person from "
                           "the newsroom reviews it, where possible another than the one who "
                           "decided.",
        "rejected.appeal.where": "The comments are below the article on its page.",
        "rejected.appeal.action": "Go to the article and appeal",
        "rejected.no_appeal": "No further appeal to us is possible.",
        "reply.subject": "New reply to your comment{on_title}",
        "reply.intro": "{replier} replied to your comment{on_title}:",
        "reply.action": "Go to the reply",
        "why": "You receive this mail because you asked for notifications when you commented "
               "and confirmed them.",
        "unsubscribe": "No more mail to this address:",
        "unsubscribe_label": "Unsubscribe",
        "data": "What we store about your address:",
        "data_label": "Your data",
    },
}

_PAGES = Environment(loader=PackageLoader("moderation.mail", "templates"),
                     autoescape=select_autoescape(default=True), trim_blocks=True,
                     lstrip_blocks=True)


@dataclass(frozen=True)
class Links:
    """The address's own links, each with its secret token."""

    confirm: str
    unsubscribe: str
    data: str


@dataclass(frozen=True)
class Confirmation:
    name: str
    title: str | None
    links: Links


@dataclass(frozen=True)
class Published:
    name: str
    title: str | None
    body: str
    link: str | None  # the comment on the article's page, when the article has a URL
    links: Links


@dataclass(frozen=True)
class Rejected:
    name: str
    title: str | None
    statement: dict[str, Any]  # the statement of reasons, as the author sees it in the API
    link: str | None
    links: Links


@dataclass(frozen=True)
class Reply:
    name: str
    title: str | None
    replier: str
    body: str
    link: str | None
    links: Links


Notice = Confirmation | Published | Rejected | Reply


@dataclass(frozen=True)
class Block:
    kind: str  # paragraph | quote | action
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Note:
    text: str
    url: str | None = None
    url_label: str | None = None


@dataclass(frozen=True)
class Letter:
    subject: str
    blocks: list[Block]
    footer: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class Worded:
    subject: str
    text: str
    html: str


def word(notice: Notice, language: str) -> Worded:
    """Subject, plain text and HTML of ``notice`` in ``language``."""
    letter = _letter(notice, language)
    return Worded(letter.subject, _plain(letter),
                  _PAGES.get_template("reader.html").render(letter=letter, language=language))


def _letter(notice: Notice, language: str) -> Letter:
    t = _CATALOGUE[language]
    on_title = t["on_title"].format(title=notice.title) if notice.title else ""
    hello = Block("paragraph", t["hello"].format(name=notice.name))
    if isinstance(notice, Confirmation):
        return Letter(t["confirm.subject"], [
            hello, Block("paragraph", t["confirm.intro"].format(on_title=on_title)),
            Block("paragraph", t["confirm.ask"]),
            Block("action", t["confirm.action"], notice.links.confirm),
            Block("paragraph", t["confirm.not_me"])],
            [Note(t["confirm.never"], notice.links.unsubscribe, t["confirm.never_label"])])
    footer = [Note(t["why"]),
              Note(t["unsubscribe"], notice.links.unsubscribe, t["unsubscribe_label"]),
              Note(t["data"], notice.links.data, t["data_label"])]
    if isinstance(notice, Published):
        blocks = [hello, Block("paragraph", t["published.intro"].format(on_title=on_title)),
                  Block("quote", notice.body)]
        if notice.link:
            blocks.append(Block("action", t["published.action"], notice.link))
        return Letter(t["published.subject"].format(on_title=on_title), blocks, footer)
    if isinstance(notice, Reply):
        blocks = [hello, Block("paragraph", t["reply.intro"].format(
            replier=notice.replier, on_title=on_title)), Block("quote", notice.body)]
        if notice.link:
            blocks.append(Block("action", t["reply.action"], notice.link))
        return Letter(t["reply.subject"].format(on_title=on_title), blocks, footer)
    return _rejected(notice, language, on_title, hello, footer)


def _rejected(notice: Rejected, language: str, on_title: str, hello: Block,
              footer: list[Note]) -> Letter:
    """The statement of reasons in full (DSA Art. 17), and how to appeal (Art. 20)."""
    t = _CATALOGUE[language]
    statement = notice.statement
    blocks = [hello, Block("paragraph", t["rejected.intro"].format(on_title=on_title)),
              Block("quote", "\n\n".join(part for part in (
                  statement.get("summary"), statement.get("facts"),
                  (statement.get("ground") or {}).get("explanation")) if part))]
    redress = statement.get("redress") or {}
    appeal = redress.get("appeal")
    if appeal:
        until = day(date.fromisoformat(appeal["until"]), language)
        blocks.append(Block("paragraph", t["rejected.appeal"].format(until=until)))
        if notice.link:
            blocks.append(Block("action", t["rejected.appeal.action"], notice.link))
        else:
            blocks.append(Block("paragraph", t["rejected.appeal.where"]))
    else:
        blocks.append(Block("paragraph", t["rejected.no_appeal"]))
    blocks += [Block("paragraph", text) for text in (redress.get("out_of_court"),
                                                      redress.get("courts")) if text]
    measure = "removal" if statement.get("measure") == "removal" else "not_published"
    return Letter(t[f"rejected.subject.{measure}"].format(on_title=on_title), blocks, footer)


def _plain(letter: Letter) -> str:
    lines: list[str] = []
    for block in letter.blocks:
        if block.kind == "quote":
            lines += [f"> {line}".rstrip() for line in block.text.replace("\r\n", "\n")
                      .replace("\r", "\n").split("\n")]
        elif block.kind == "action":
            lines += [f"{block.text}:", block.url or ""]
        else:
            lines.append(block.text)
        lines.append("")
    lines.append("-- ")
    lines += [f"{note.text} {note.url}" if note.url else note.text for note in letter.footer]
    return "\n".join(lines) + "\n"
