"""Demo data for the browser tests and the screenshots: three articles (auto, pre and post
moderation) with German comments, some of them held, reported or appealed, taken through
the real services and scored by the compact model, as if readers and an editor had been at
work this morning."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from moderation.config import Config
from moderation.db import Database
from moderation.domain import ModerationMode, ReportCategory
from moderation.scoring.factory import load_scorer
from moderation.services import articles, authors, moderation, reports
from moderation.services.actors import Decider
from moderation.services.comments import NewComment, submit_comment
from moderation.services.reports import NewReport
from moderation.statements import PublisherTerms
from moderation.workers.scoring import ScoringWorker

EDITOR = Decider.user("chefin@zeitung.example.de")
ARTICLES = {
    "ki-im-alltag": ("KI im Alltag: Was Sprachmodelle heute können", ModerationMode.AUTO),
    "bahnstreik-2026": ("Bahnstreik: Was Pendler jetzt wissen müssen", ModerationMode.PRE),
    "stadtrat-haushalt": ("Stadtrat beschließt den Haushalt 2027", ModerationMode.POST),
}
# (article, author, text); every comment written for this demo.
COMMENTS = [
    ("ki-im-alltag", "Jürgen Müller",
     "Spannender Artikel – danke für die Übersicht! Grüße aus München."),
    ("ki-im-alltag", "Anna Schäfer",
     "Ich sehe das anders: Die Größe des Modells ist nicht alles, die Daten zählen mehr."),
    ("ki-im-alltag", "Bernd Özdemir",
     "Könnt ihr einen Folgeartikel über Datenschutz und die DSGVO schreiben?"),
    ("ki-im-alltag", "Kalle", "Wer so einen Unsinn schreibt, ist ein Idiot und sollte "
                              "endlich den Mund halten."),
    ("bahnstreik-2026", "Petra Weiß",
     "Ich fahre seit drei Tagen mit dem Rad zur Arbeit – geht auch, wenn es nicht regnet."),
    ("bahnstreik-2026", "Heinz Krüger",
     "Die Gewerkschaft hat recht: Wer nachts Züge fährt, verdient mehr."),
    ("bahnstreik-2026", "Gast", "Diese Streikenden sind doch alle faule Schmarotzer."),
    ("stadtrat-haushalt", "Lena Groß",
     "Endlich wird in die Schulen investiert. Gute Entscheidung!"),
    ("stadtrat-haushalt", "Uwe", "Der Bürgermeister gehört eingesperrt, der Mann hat die "
                                 "Stadtkasse geplündert."),
    ("stadtrat-haushalt", "Miriam Yılmaz",
     "Mehr Geld für Radwege, weniger für Parkhäuser – so geht Zukunft."),
]
# (comment's text begins with, category, provision, the reader's explanation)
REPORTS = [
    ("Der Bürgermeister", ReportCategory.ILLEGAL, "§ 186 StGB",
     "Unbelegte Behauptung einer Straftat über eine namentlich bekannte Person."),
    ("Endlich wird", ReportCategory.SPAM, None, "Der Nutzer schreibt das unter jeden Artikel."),
]
APPEALED = ("ki-im-alltag", "Sabine Lorenz",
            "Das ist doch alles Werbung der Tech-Konzerne, glaubt denen kein Wort.")
APPEAL = "Das ist meine Meinung und keine Beleidigung. Bitte prüfen Sie das noch einmal."


@dataclass
class Demo:
    """The public ids of what was seeded, by what an editor sees first."""

    comments: dict[str, str] = field(default_factory=dict)  # text -> public id
    reported: list[str] = field(default_factory=list)
    appealed: list[str] = field(default_factory=list)


def seed(database_url: str, now: datetime | None = None) -> Demo:
    """Write the demo data into a migrated, empty database; returns what it wrote."""
    now = now or datetime.now(UTC) - timedelta(hours=3)
    config = Config(database_url=database_url, scorer="compact")
    terms = PublisherTerms.of(config)
    database = Database(database_url)
    demo = Demo()
    try:
        with database.transaction() as session:
            for key, (title, mode) in ARTICLES.items():
                articles.update_article(session, key, {"title": title, "moderation_mode": mode,
                                                       "url": f"https://zeitung.example.de/{key}"},
                                        now)
            for minutes, (key, author, body) in enumerate(COMMENTS):
                submitted = submit_comment(session, key, NewComment(author, body),
                                           now + timedelta(minutes=7 * minutes), terms=terms)
                demo.comments[body] = submitted.comment.public_id
            later = now + timedelta(hours=1)
            for start, category, provision, explanation in REPORTS:
                comment_id = next(id_ for body, id_ in demo.comments.items()
                                  if body.startswith(start))
                reports.report_comment(session, comment_id, NewReport(
                    category, explanation, good_faith=True, legal_provision=provision),
                    None, later)
                demo.reported.append(comment_id)
            key, author, body = APPEALED
            submitted = submit_comment(session, key, NewComment(author, body), now, terms=terms)
            demo.comments[body] = submitted.comment.public_id
            moderation.decide(session, submitted.comment.public_id, "reject", EDITOR,
                              reason_code=None, reason="Pauschale Unterstellung ohne Beleg.",
                              now=later, terms=terms)
            authors.submit_appeal(session, submitted.comment.public_id, submitted.author_token,
                                  APPEAL, terms=terms, now=later + timedelta(minutes=20))
            demo.appealed.append(submitted.comment.public_id)
        worker = ScoringWorker(database, config, load_scorer)
        while worker.run_once():
            pass
        worker.sign_off()
    finally:
        database.dispose()
    return demo
