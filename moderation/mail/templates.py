"""What the mails to editors say, in German and English: plain text, never the reporter's
name or contact, never a comment author's email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from moderation.texts import day

NEWSROOM_TIME = ZoneInfo("Europe/Berlin")

_CATALOGUE: dict[str, dict[str, str]] = {
    "de": {
        "alert.subject.illegal": "Meldung: möglicherweise rechtswidriger Kommentar zu „{title}“",
        "alert.subject.threat": "Meldung: Drohung in einem Kommentar zu „{title}“",
        "alert.category.illegal": "möglicherweise rechtswidrig",
        "alert.category.threat": "Drohung",
        "alert.intro": "Eine Leserin oder ein Leser hat am {reported} einen Kommentar gemeldet. "
                       "Kategorie: {category}.",
        "alert.expedite": "Über Meldungen möglicherweise rechtswidriger Inhalte ist zügig zu "
                          "entscheiden (Art. 16 DSA).",
        "alert.provision": "Genannte Rechtsvorschrift: {provision}",
        "alert.explanation": "Begründung der Meldung:",
        "alert.no_explanation": "Die Meldung enthält keine Begründung.",
        "alert.comment": "Der gemeldete Kommentar von {author} zu „{title}“, geschrieben am "
                         "{written}:",
        "alert.link": "Im Redaktionsbereich prüfen und entscheiden:",
        "alert.why": "Sie erhalten diese Nachricht, weil für Ihr Konto Sofortmeldungen "
                     "eingeschaltet sind. Sie können sie in Ihrem Konto abschalten.",
        "digest.subject": "Warteschlange: {review} zurückgehalten, {reported} gemeldet, "
                          "{appealed} Beschwerden",
        "digest.intro": "Stand der Warteschlange am {at}:",
        "digest.view.review": "Zur Prüfung zurückgehalten",
        "digest.view.reported": "Von Leserinnen und Lesern gemeldet",
        "digest.view.appealed": "Beschwerden gegen Ablehnungen",
        "digest.view.pending": "Noch nicht bewertet",
        "digest.longest_wait": "Am längsten wartet ein Kommentar seit {age}.",
        "digest.articles": "Artikel mit den meisten zurückgehaltenen Kommentaren:",
        "digest.link": "Zur Warteschlange:",
        "digest.why.hourly": "Sie erhalten diese Übersicht stündlich, wenn etwas wartet, wie "
                             "für Ihr Konto eingestellt. Sie können sie in Ihrem Konto "
                             "abschalten.",
        "digest.why.daily": "Sie erhalten diese Übersicht täglich, wenn etwas wartet, wie für "
                            "Ihr Konto eingestellt. Sie können sie in Ihrem Konto abschalten.",
        "time": "{day}, {hour:02d}:{minute:02d} Uhr",
        "minutes": "{n} Minuten", "minute": "einer Minute",
        "hours": "{n} Stunden", "hour": "einer Stunde",
        "days": "{n} Tagen",
    },
    "en": {
        "alert.subject.illegal": "Report: possibly illegal comment on “{title}”",
        "alert.subject.threat": "Report: threat in a comment on “{title}”",
        "alert.category.illegal": "possibly illegal",
        "alert.category.threat": "threat",
        "alert.intro": "A reader reported a comment on {reported}. Category: {category}.",
        "alert.expedite": "Reports of possibly illegal content are to be decided "
                          "expeditiously (Art. 16 DSA).",
        "alert.provision": "Legal provision named: {provision}",
        "alert.explanation": "The reader's explanation:",
        "alert.no_explanation": "The report gives no explanation.",
        "alert.comment": "The reported comment by {author} on “{title}”, written on {written}:",
        "alert.link": "Review and decide it in the workspace:",
        "alert.why": "You receive this message because immediate notifications are on for "
                     "your account. You can switch them off in your account.",
        "digest.subject": "Queue: {review} held, {reported} reported, {appealed} appealed",
        "digest.intro": "The queue on {at}:",
        "digest.view.review": "Held for review",
        "digest.view.reported": "Reported by readers",
        "digest.view.appealed": "Appeals against rejections",
        "digest.view.pending": "Not scored yet",
        "digest.longest_wait": "The comment waiting longest has waited {age}.",
        "digest.articles": "Articles with the most comments held:",
        "digest.link": "Open the queue:",
        "digest.why.hourly": "You receive this digest every hour when something waits, as set "
                             "for your account. You can switch it off in your account.",
        "digest.why.daily": "You receive this digest every day when something waits, as set "
                            "for your account. You can switch it off in your account.",
        "time": "{day}, {hour:02d}:{minute:02d} (Berlin time)",
        "minutes": "{n} minutes", "minute": "one minute",
        "hours": "{n} hours", "hour": "one hour",
        "days": "{n} days",
    },
}

DIGEST_VIEWS = ("review", "reported", "appealed", "pending")


@dataclass(frozen=True)
class ReportAlert:
    """A reader's report that cannot wait for the digest."""

    category: str  # illegal | threat
    legal_provision: str | None
    explanation: str | None
    reported_at: datetime
    article_title: str
    author_name: str
    comment_text: str
    written_at: datetime
    link: str


@dataclass(frozen=True)
class QueueDigest:
    """What waits for the editors at one moment."""

    counts: dict[str, int]  # comments per working view
    longest_wait: timedelta | None
    articles: list[tuple[str, int]]  # title, comments held, the most first
    at: datetime
    link: str


def report_alert(alert: ReportAlert, language: str) -> tuple[str, str]:
    """Subject and body of the mail about one report."""
    t = _CATALOGUE[language]
    lines = [t["alert.intro"].format(reported=moment(alert.reported_at, language),
                                     category=t[f"alert.category.{alert.category}"])]
    if alert.category == "illegal":
        lines.append(t["alert.expedite"])
    if alert.legal_provision:
        lines.append(t["alert.provision"].format(provision=alert.legal_provision))
    lines.append("")
    if alert.explanation:
        lines += [t["alert.explanation"], *_quoted(alert.explanation)]
    else:
        lines.append(t["alert.no_explanation"])
    lines += ["", t["alert.comment"].format(author=alert.author_name, title=alert.article_title,
                                            written=moment(alert.written_at, language)),
              *_quoted(alert.comment_text),
              "", t["alert.link"], alert.link, "", "-- ", t["alert.why"]]
    subject = t[f"alert.subject.{alert.category}"].format(title=alert.article_title)
    return subject, "\n".join(lines) + "\n"


def digest(queue: QueueDigest, frequency: str, language: str) -> tuple[str, str]:
    """Subject and body of a digest sent ``frequency`` (hourly or daily)."""
    t = _CATALOGUE[language]
    lines = [t["digest.intro"].format(at=moment(queue.at, language)), ""]
    lines += [f"  {t[f'digest.view.{name}']}: {queue.counts.get(name, 0)}"
              for name in DIGEST_VIEWS]
    if queue.longest_wait is not None:
        lines += ["", t["digest.longest_wait"].format(age=duration(queue.longest_wait,
                                                                    language))]
    if queue.articles:
        lines += ["", t["digest.articles"],
                  *(f"  - {_quote_title(title, language)}: {held}"
                    for title, held in queue.articles)]
    lines += ["", t["digest.link"], queue.link, "", "-- ", t[f"digest.why.{frequency}"]]
    subject = t["digest.subject"].format(**{name: queue.counts.get(name, 0)
                                            for name in ("review", "reported", "appealed")})
    return subject, "\n".join(lines) + "\n"


def moment(at: datetime, language: str) -> str:
    """A moment in the newsroom's time, the language's way."""
    local = at.astimezone(NEWSROOM_TIME)
    return _CATALOGUE[language]["time"].format(day=day(local.date(), language),
                                               hour=local.hour, minute=local.minute)


def duration(length: timedelta, language: str) -> str:
    """How long, in the one unit that reads best: minutes, hours up to two days, days."""
    t = _CATALOGUE[language]
    minutes = max(1, int(length.total_seconds() // 60))
    if minutes < 60:
        return t["minute"] if minutes == 1 else t["minutes"].format(n=minutes)
    hours = minutes // 60
    if hours < 48:
        return t["hour"] if hours == 1 else t["hours"].format(n=hours)
    return t["days"].format(n=hours // 24)


def _quoted(text: str) -> list[str]:
    """Readers' text set apart as a quotation, line by line."""
    return [f"> {line}".rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n")
            .split("\n")]


def _quote_title(title: str, language: str) -> str:
    return f"„{title}“" if language == "de" else f"“{title}”"
