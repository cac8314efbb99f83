"""What the readers' widget and count.js say, in German ("du") and English.

The widget's own words live here, addressing the reader as "du"; the names of report
categories come from the server's catalogue in ``moderation.texts``, and the statement of
reasons comes from the server as written (in the publisher's language), so a reader reads
the same words in the widget and in a mail. ``{name}`` placeholders are filled in by the
widget.
"""

from __future__ import annotations

from moderation import texts
from moderation.domain import ReportCategory

MESSAGES: dict[str, dict[str, str]] = {
    "de": {
        "heading": "Kommentare",
        "loading": "Kommentare werden geladen …",
        "empty": "Noch keine Kommentare. Schreib den ersten!",
        "closed": "Die Kommentare zu diesem Artikel sind geschlossen.",
        "total": "{n} Kommentare",
        "total_one": "1 Kommentar",
        "order": "Reihenfolge",
        "newest": "Neueste zuerst",
        "oldest": "Älteste zuerst",
        "more": "Weitere Kommentare laden",
        "more_replies": "Weitere Antworten ({n})",
        "erased": "Dieser Kommentar wurde gelöscht.",
        "reply": "Antworten",
        "report": "Melden",
        "write": "Kommentar schreiben",
        "replying_to": "Deine Antwort an {name}",
        "cancel_reply": "Antwort abbrechen",
        "name": "Name",
        "email": "E-Mail (freiwillig)",
        "email_note": "Wird nicht veröffentlicht. Wir nutzen sie nur, um dich über "
                      "deinen Kommentar zu informieren, wenn du das möchtest.",
        "notify": "Benachrichtige mich per E-Mail, wenn mein Kommentar veröffentlicht wird "
                  "oder jemand antwortet",
        "body": "Dein Kommentar",
        "chars": "{n} von {max} Zeichen",
        "chars_over": "{n} von {max} Zeichen – bitte kürze deinen Text.",
        "website": "Website (bitte leer lassen)",
        "send": "Kommentar senden",
        "sending": "Wird gesendet …",
        "sent": "Danke! Dein Kommentar wird geprüft.",
        "confirmation_sent": "Wir haben dir eine E-Mail geschickt: bitte bestätige die "
                             "Adresse.",
        "subscribed": "Wir schreiben dir, sobald sich etwas tut.",
        "suppressed": "An diese Adresse schicken wir keine E-Mails mehr (abbestellt oder "
                      "nicht zustellbar).",
        "own": "Deine Kommentare",
        "status.pending": "Dein Kommentar wird geprüft.",
        "status.review": "Dein Kommentar wird geprüft.",
        "status.approved": "Dein Kommentar ist veröffentlicht.",
        "status.rejected": "Dein Kommentar wurde nicht veröffentlicht.",
        "only_you": "Nur du siehst diesen Kommentar, bis er veröffentlicht ist.",
        "statement": "Begründung",
        "appeal_heading": "Widerspruch einlegen",
        "appeal_intro": "Du kannst bis zum {date} Widerspruch einlegen. Ein Mensch aus der "
                        "Redaktion prüft deinen Kommentar dann noch einmal.",
        "appeal_explanation": "Warum ist die Entscheidung falsch?",
        "appeal_send": "Widerspruch senden",
        "appeal.open": "Dein Widerspruch ist eingegangen und wird geprüft.",
        "appeal.upheld": "Deinem Widerspruch wurde stattgegeben: Dein Kommentar ist "
                         "veröffentlicht.",
        "appeal.dismissed": "Dein Widerspruch wurde geprüft; die Ablehnung bleibt bestehen.",
        "appeal.closed": "Dein Kommentar wurde gelöscht.",
        "report_heading": "Kommentar melden",
        "report_intro": "Melde einen Kommentar, der gegen Gesetze oder unsere Regeln "
                        "verstößt. Die Redaktion prüft jede Meldung.",
        "category": "Grund",
        "choose": "Bitte wählen",
        "provision": "Verletzte Vorschrift (freiwillig, z. B. § 130 StGB)",
        "explanation": "Erläuterung (mindestens 10 Zeichen)",
        "contact": "E-Mail für die Antwort (freiwillig)",
        "good_faith": "Ich versichere, dass meine Angaben richtig und vollständig sind.",
        "report_send": "Meldung senden",
        "report_cancel": "Abbrechen",
        "report_sent": "Danke für deine Meldung. Die Redaktion prüft den Kommentar; die "
                       "Entscheidung siehst du hier.",
        "reports": "Deine Meldungen",
        "report.open": "Deine Meldung wird geprüft.",
        "report.upheld": "Wir haben deine Meldung geprüft: Der Kommentar verstößt gegen "
                         "geltendes Recht oder unsere Regeln und ist nicht mehr öffentlich.",
        "report.dismissed": "Wir haben deine Meldung geprüft und keinen Verstoß festgestellt.",
        "report.closed": "Der gemeldete Kommentar wurde inzwischen gelöscht.",
        "error.offline": "Du bist offline. Dein Text bleibt erhalten – versuche es erneut, "
                         "sobald du wieder verbunden bist.",
        "error.network": "Der Kommentarserver ist gerade nicht erreichbar. Dein Text bleibt "
                         "erhalten – bitte versuche es später erneut.",
        "error.429": "Zu viele Anfragen. Bitte versuche es in {wait} erneut.",
        "error.413": "„{field}“ ist zu lang. Bitte kürze den Text.",
        "error.422": "Bitte prüfe das Feld „{field}“.",
        "error.form": "Bitte prüfe deine Eingaben.",
        "error.comments_closed": "Die Kommentare zu diesem Artikel sind inzwischen "
                                 "geschlossen.",
        "error.not_found": "Diesen Kommentar gibt es nicht mehr.",
        "error.appeal": "Ein Widerspruch ist hier nicht mehr möglich.",
        "error.server": "Da ist bei uns etwas schiefgegangen. Dein Text bleibt erhalten – "
                        "bitte versuche es später erneut.",
        "seconds": "{n} Sekunden",
        "second": "einer Sekunde",
        "minutes": "{n} Minuten",
        "minute": "einer Minute",
        "count.none": "Noch keine Kommentare",
        "count.one": "1 Kommentar",
        "count.many": "{n} Kommentare",
    },
    "en": {
        "heading": "Comments",
        "loading": "Loading comments …",
        "empty": "No comments yet. Write the first one!",
        "closed": "Comments on this article are closed.",
        "total": "{n} comments",
        "total_one": "1 comment",
        "order": "Order",
        "newest": "Newest first",
        "oldest": "Oldest first",
        "more": "Load more comments",
        "more_replies": "More replies ({n})",
        "erased": "This comment was deleted.",
        "reply": "Reply",
        "report": "Report",
        "write": "Write a comment",
        "replying_to": "Your reply to {name}",
        "cancel_reply": "Cancel reply",
        "name": "Name",
        "email": "Email (optional)",
        "email_note": "Never published. We only use it to tell you about your comment, if "
                      "you want us to.",
        "notify": "Email me when my comment is published or someone replies",
        "body": "Your comment",
        "chars": "{n} of {max} characters",
        "chars_over": "{n} of {max} characters – please shorten your text.",
        "website": "Website (leave empty)",
        "send": "Send comment",
        "sending": "Sending …",
        "sent": "Thank you! Your comment is being reviewed.",
        "confirmation_sent": "We have sent you an email: please confirm the address.",
        "subscribed": "We will email you as soon as something happens.",
        "suppressed": "We no longer send emails to this address (unsubscribed or "
                      "undeliverable).",
        "own": "Your comments",
        "status.pending": "Your comment is being reviewed.",
        "status.review": "Your comment is being reviewed.",
        "status.approved": "Your comment is published.",
        "status.rejected": "Your comment was not published.",
        "only_you": "Only you see this comment until it is published.",
        "statement": "Reasons",
        "appeal_heading": "Appeal",
        "appeal_intro": "You may appeal until {date}. A person on the editorial team then "
                        "reviews your comment again.",
        "appeal_explanation": "Why is the decision wrong?",
        "appeal_send": "Send appeal",
        "appeal.open": "Your appeal was received and is being reviewed.",
        "appeal.upheld": "Your appeal was upheld: your comment is published.",
        "appeal.dismissed": "Your appeal was reviewed; the rejection stands.",
        "appeal.closed": "Your comment was deleted.",
        "report_heading": "Report comment",
        "report_intro": "Report a comment that breaks the law or our rules. The editors "
                        "review every report.",
        "category": "Reason",
        "choose": "Please choose",
        "provision": "Provision of law broken (optional, e.g. § 130 StGB)",
        "explanation": "Explanation (at least 10 characters)",
        "contact": "Email for the answer (optional)",
        "good_faith": "I confirm that my report is accurate and complete.",
        "report_send": "Send report",
        "report_cancel": "Cancel",
        "report_sent": "Thank you for your report. The editors will review the comment; you "
                       "will see their decision here.",
        "reports": "Your reports",
        "report.open": "Your report is being reviewed.",
        "report.upheld": "We have reviewed your report: the comment breaks the law or our "
                         "rules and is no longer public.",
        "report.dismissed": "We have reviewed your report and found no breach.",
        "report.closed": "The reported comment has since been deleted.",
        "error.offline": "You are offline. Your text is kept – try again once you are "
                         "connected.",
        "error.network": "The comment server cannot be reached right now. Your text is kept "
                         "– please try again later.",
        "error.429": "Too many requests. Please try again in {wait}.",
        "error.413": "“{field}” is too long. Please shorten it.",
        "error.422": "Please check the field “{field}”.",
        "error.form": "Please check your entries.",
        "error.comments_closed": "Comments on this article have been closed.",
        "error.not_found": "This comment no longer exists.",
        "error.appeal": "An appeal is no longer possible here.",
        "error.server": "Something went wrong on our side. Your text is kept – please try "
                        "again later.",
        "seconds": "{n} seconds",
        "second": "one second",
        "minutes": "{n} minutes",
        "minute": "one minute",
        "count.none": "No comments yet",
        "count.one": "1 comment",
        "count.many": "{n} comments",
    },
}
LANGUAGES = tuple(MESSAGES)
# count.js says only this much; the widget says everything.
COUNT_KEYS = ("count.none", "count.one", "count.many")


def widget_messages(language: str) -> dict[str, str]:
    """Everything the widget says in ``language``: its own words and the report categories'
    names from the server's catalogue (the names editors and mails use)."""
    messages = dict(MESSAGES[language])
    for category in ReportCategory:
        messages[f"category.{category.value}"] = texts.label(language, "report_category",
                                                             category.value)
    return messages


def count_messages(language: str) -> dict[str, str]:
    """What count.js writes into a page in ``language``."""
    return {key: MESSAGES[language][key] for key in COUNT_KEYS}
