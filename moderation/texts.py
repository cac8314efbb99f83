"""The texts readers and editors read about decisions, in the publisher's language.

One setting (``MODERATION_LANGUAGE``, German by default) chooses the language of every reason
a decision records, of statements of reasons and of what reporters are told. Numbers and
dates are written the language's way (0,97 and 27.05.2027 in German).
"""

from __future__ import annotations

from datetime import date

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
# The newsroom's reasons for rejecting a comment, as editors pick them (reason codes).
# ``criminal_content`` goes with a provision of law as its ground.
EDITOR_REJECTION_REASONS = ("insult", "hate_speech", "threat", "spam", "personal_data",
                            "off_topic", "criminal_content")

_CATALOGUE: dict[str, dict[str, str]] = {
    "de": {
        "pre_moderation": "Jeder Kommentar zu diesem Artikel wartet auf die Redaktion.",
        "pre_moderation_found": "Jeder Kommentar zu diesem Artikel wartet auf die Redaktion. "
                                "Gefunden: {summary}.",
        "nothing_found": "Kein Schwellenwert erreicht und kein gelistetes Wort gefunden.",
        "rejected": "Automatisch abgelehnt: {summary}.",
        "rejected_at_intake": "Beim Eingang abgelehnt: {summary}.",
        "held": "Zur Prüfung zurückgehalten: {summary}.",
        "post_moderation": "Sofort veröffentlicht; der Klassifikator prüft den Kommentar "
                           "danach.",
        "appealed": "Die Autorin oder der Autor hat gegen die Ablehnung Widerspruch eingelegt.",
        "banned_word": "gesperrter Begriff „{matched}“ ({term})",
        "suspect_word": "zu prüfender Begriff „{matched}“ ({term})",
        "starter_term": "{term} – {label} (Liste {name} v{version})",
        "honeypot": "das für Menschen verborgene Feld war ausgefüllt",
        "duplicate_author": "derselbe Text wie Kommentar {comment} derselben Person",
        "duplicate_address": "derselbe Text wie Kommentar {comment} vom selben Anschluss",
        "score": "{category} {score} ≥ {threshold}",
        "too_many_links": "{links} Links (höchstens {max_links})",
        "no_target": "kein Angriffsziel erkannt: eine hohe Bewertung allein lehnt nicht ab",
        "scorer_unavailable": "Klassifikator nicht verfügbar ({detail})",
        "scoring_failed": "Bewertung fehlgeschlagen ({detail})",
        "gave_up": "nach {attempts} Versuchen aufgegeben",
        # Statements of reasons (DSA Art. 17): what the author reads.
        "category.toxicity": "toxische Sprache",
        "category.severe_toxicity": "schwer toxische Sprache",
        "category.obscene": "Obszönität",
        "category.identity_attack": "Angriff auf eine Gruppe oder Identität",
        "category.insult": "Beleidigung",
        "category.threat": "Drohung",
        "category.sexual_explicit": "sexuell explizite Inhalte",
        "list.banned": "gesperrter Begriff",
        "list.suspect": "zu prüfender Begriff",
        "list.other": "Begriff",
        "check.honeypot": "ein verstecktes Formularfeld, das nur Programme ausfüllen, war "
                          "ausgefüllt",
        "check.duplicate_text": "derselbe Text war kurz zuvor schon eingereicht worden",
        "finding.score": "{label}: Bewertung {score} (Grenzwert {threshold})",
        "finding.word": "{list} „{matched}“",
        "finding.targets": "gerichtet an {matched}",
        "ground.illegal": "Die Redaktion hält den Kommentar für rechtswidrig nach {provision}.",
        "ground.terms": "Der Kommentar ist mit unseren Nutzungsbedingungen nicht vereinbar "
                        "({clause}).",
        "summary.removal": "Ihr Kommentar wurde entfernt",
        "summary.not_published": "Ihr Kommentar wurde nicht veröffentlicht",
        "summary.appeal.removal": "Wir haben Ihre Beschwerde geprüft: Ihr Kommentar bleibt "
                                  "entfernt",
        "summary.appeal.not_published": "Wir haben Ihre Beschwerde geprüft: Ihr Kommentar "
                                        "bleibt unveröffentlicht",
        "summary.illegal": "{start}, weil er nach Einschätzung der Redaktion rechtswidrig ist "
                           "({provision}).",
        "summary.terms": "{start}, weil er gegen unsere Nutzungsbedingungen verstößt ({clause}).",
        "facts.automatic": "Unsere automatische Prüfung hat den Kommentar abgelehnt.",
        "facts.found": " Festgestellt: {findings}.",
        "facts.editor": "Die Redaktion hat den Kommentar geprüft und abgelehnt.",
        "facts.appeal_dismissed": "Die Redaktion hat Ihre Beschwerde geprüft und die Ablehnung "
                                  "bestätigt; eine weitere Beschwerde bei uns ist nicht "
                                  "möglich.",
        "facts.notice": " Anlass waren Meldungen von Leserinnen und Lesern.",
        "facts.hints": " Hinweise der automatischen Prüfung: {findings}.",
        "facts.editor_reason": " Begründung der Redaktion: {reason}",
        "redress.appeal": "Sie können bis zum {until} Beschwerde gegen diese Entscheidung "
                          "einlegen, mit einer Begründung und dem Autoren-Token, das Sie beim "
                          "Absenden erhalten haben. Ein Mensch aus der Redaktion prüft sie, wo "
                          "möglich ein anderer als der, der entschieden hat.",
        "redress.out_of_court": "Sie können sich außerdem an eine zertifizierte "
                                "außergerichtliche Streitbeilegungsstelle (Art. 21 DSA) wenden.",
        "redress.courts": "Der Rechtsweg zu den Gerichten steht Ihnen unabhängig davon offen.",
        # Readers' reports (DSA Art. 16): what the reporter reads.
        "report.received": "Danke für Ihre Meldung. Wir prüfen den Kommentar und entscheiden "
                           "so bald wie möglich; den Stand Ihrer Meldung und unsere "
                           "Entscheidung sehen Sie mit dem Meldungs-Token.",
        "report.upheld": "Wir haben Ihre Meldung geprüft: Der Kommentar verstößt gegen "
                         "geltendes Recht oder unsere Kommentarrichtlinien und ist nicht mehr "
                         "öffentlich.",
        "report.dismissed": "Wir haben Ihre Meldung geprüft und keinen Verstoß gegen geltendes "
                            "Recht oder unsere Kommentarrichtlinien festgestellt.",
        "report.closed": "Der gemeldete Kommentar wurde inzwischen gelöscht; eine Entscheidung "
                         "darüber ist nicht mehr nötig.",
        # Reason codes as editors read them in the workspace (every ``Reason`` and the
        # newsroom's rejection reasons, ``EDITOR_REJECTION_REASONS``).
        "reason.submitted": "Eingegangen",
        "reason.post_moderation": "Sofort veröffentlicht (Nachmoderation)",
        "reason.pre_moderation": "Vormoderation: jeder Kommentar wartet",
        "reason.score_below_thresholds": "Unter allen Schwellenwerten",
        "reason.score_above_review": "Bewertung über der Prüfschwelle",
        "reason.score_above_reject": "Bewertung über der Ablehnungsschwelle",
        "reason.banned_word": "Gesperrter Begriff",
        "reason.suspect_word": "Zu prüfender Begriff",
        "reason.no_target": "Hohe Bewertung, aber kein Angriffsziel erkannt",
        "reason.too_many_links": "Zu viele Links",
        "reason.scorer_unavailable": "Klassifikator nicht verfügbar",
        "reason.scoring_failed": "Bewertung fehlgeschlagen",
        "reason.editor_decision": "Entscheidung der Redaktion",
        "reason.honeypot": "Verstecktes Formularfeld ausgefüllt",
        "reason.duplicate_text": "Derselbe Text noch einmal",
        "reason.appealed": "Widerspruch gegen die Ablehnung",
        "reason.erased": "Gelöscht",
        "reason.insult": "Beleidigung",
        "reason.hate_speech": "Hassrede",
        "reason.threat": "Drohung",
        "reason.spam": "Spam/Werbung",
        "reason.personal_data": "Persönliche Daten",
        "reason.off_topic": "Themenfremd",
        "reason.criminal_content": "Strafbarer Inhalt",
        # What readers report a comment for (DSA Art. 16).
        "report_category.illegal": "Rechtswidriger Inhalt",
        "report_category.hate": "Hass",
        "report_category.harassment": "Belästigung",
        "report_category.threat": "Drohung",
        "report_category.spam": "Spam",
        "report_category.privacy": "Persönliche Daten",
        "report_category.misinformation": "Falschinformation",
        "report_category.other": "Sonstiges",
    },
    "en": {
        "pre_moderation": "Every comment on this article waits for an editor.",
        "pre_moderation_found": "Every comment on this article waits for an editor. "
                                "Found: {summary}.",
        "nothing_found": "No threshold reached and no listed word found.",
        "rejected": "Rejected automatically: {summary}.",
        "rejected_at_intake": "Rejected at intake: {summary}.",
        "held": "Held for review: {summary}.",
        "post_moderation": "Published at once; the classifier checks it afterwards.",
        "appealed": "The author appealed against the rejection.",
        "banned_word": "banned word „{matched}“ ({term})",
        "suspect_word": "suspect word „{matched}“ ({term})",
        "starter_term": "{term} – {label} (list {name} v{version})",
        "honeypot": "the field hidden from humans was filled in",
        "duplicate_author": "same text as comment {comment} from the same author",
        "duplicate_address": "same text as comment {comment} from the same address",
        "score": "{category} {score} ≥ {threshold}",
        "too_many_links": "{links} links (at most {max_links})",
        "no_target": "aimed at no one: a high score alone does not reject",
        "scorer_unavailable": "scorer unavailable ({detail})",
        "scoring_failed": "scoring failed ({detail})",
        "gave_up": "gave up after {attempts} attempts",
        "category.toxicity": "toxic language",
        "category.severe_toxicity": "severely toxic language",
        "category.obscene": "obscenity",
        "category.identity_attack": "attack on a group or identity",
        "category.insult": "insult",
        "category.threat": "threat",
        "category.sexual_explicit": "sexually explicit content",
        "list.banned": "banned term",
        "list.suspect": "term to be checked",
        "list.other": "term",
        "check.honeypot": "a hidden form field that only programs fill in was filled in",
        "check.duplicate_text": "the same text had been submitted shortly before",
        "finding.score": "{label}: score {score} (threshold {threshold})",
        "finding.word": "{list} “{matched}”",
        "finding.targets": "aimed at {matched}",
        "ground.illegal": "The editors consider the comment illegal under {provision}.",
        "ground.terms": "The comment is not compatible with our terms of use ({clause}).",
        "summary.removal": "Your comment was removed",
        "summary.not_published": "Your comment was not published",
        "summary.appeal.removal": "We have reviewed your appeal: your comment stays removed",
        "summary.appeal.not_published": "We have reviewed your appeal: your comment stays "
                                        "unpublished",
        "summary.illegal": "{start} because the editors consider it illegal ({provision}).",
        "summary.terms": "{start} because it breaks our terms of use ({clause}).",
        "facts.automatic": "Our automated checks rejected the comment.",
        "facts.found": " Found: {findings}.",
        "facts.editor": "The editors reviewed the comment and rejected it.",
        "facts.appeal_dismissed": "The editors reviewed your appeal and upheld the rejection; "
                                  "no further appeal to us is possible.",
        "facts.notice": " Reports by readers led to the review.",
        "facts.hints": " Hints of the automated checks: {findings}.",
        "facts.editor_reason": " The editors' reasons: {reason}",
        "redress.appeal": "You may appeal against this decision until {until}, with your "
                          "reasons and the author token you received when you submitted the "
                          "comment. A person on the editorial team reviews it, where possible "
                          "another one than who decided.",
        "redress.out_of_court": "You may also turn to a certified out-of-court dispute "
                                "settlement body (Art. 21 DSA).",
        "redress.courts": "You remain free to take the matter to court.",
        "report.received": "Thank you for your report. We will review the comment and decide "
                           "as soon as possible; the report token shows you where your report "
                           "stands and our decision.",
        "report.upheld": "We have reviewed your report: the comment breaks the law or our "
                         "comment guidelines and is no longer public.",
        "report.dismissed": "We have reviewed your report and found no breach of the law or "
                            "of our comment guidelines.",
        "report.closed": "The reported comment has since been erased; no decision on it is "
                         "needed any more.",
        "reason.submitted": "Received",
        "reason.post_moderation": "Published at once (post-moderation)",
        "reason.pre_moderation": "Pre-moderation: every comment waits",
        "reason.score_below_thresholds": "Below every threshold",
        "reason.score_above_review": "Score above the review threshold",
        "reason.score_above_reject": "Score above the reject threshold",
        "reason.banned_word": "Banned term",
        "reason.suspect_word": "Term to be checked",
        "reason.no_target": "High score, but aimed at no one",
        "reason.too_many_links": "Too many links",
        "reason.scorer_unavailable": "Scorer unavailable",
        "reason.scoring_failed": "Scoring failed",
        "reason.editor_decision": "Editor's decision",
        "reason.honeypot": "Hidden form field filled in",
        "reason.duplicate_text": "The same text again",
        "reason.appealed": "Appeal against the rejection",
        "reason.erased": "Erased",
        "reason.insult": "Insult",
        "reason.hate_speech": "Hate speech",
        "reason.threat": "Threat",
        "reason.spam": "Spam/advertising",
        "reason.personal_data": "Personal data",
        "reason.off_topic": "Off topic",
        "reason.criminal_content": "Criminal content",
        "report_category.illegal": "Illegal content",
        "report_category.hate": "Hate",
        "report_category.harassment": "Harassment",
        "report_category.threat": "Threat",
        "report_category.spam": "Spam",
        "report_category.privacy": "Personal data",
        "report_category.misinformation": "Misinformation",
        "report_category.other": "Other",
    },
}


def text(language: str, key: str, **params: object) -> str:
    """The text ``key`` in ``language``, filled in with ``params``."""
    return _CATALOGUE[language][key].format(**params)


def number(value: float, language: str) -> str:
    """A score as the language writes it: ``0,97`` in German, ``0.97`` in English."""
    written = f"{value:.2f}"
    return written.replace(".", ",") if language == "de" else written


def day(value: date, language: str) -> str:
    """A date as the language writes it: ``27.05.2027`` in German, ``27 May 2027`` in
    English."""
    return f"{value:%d.%m.%Y}" if language == "de" else f"{value.day} {value:%B %Y}"


def label(language: str, kind: str, code: str) -> str:
    """The name of a ``code`` of ``kind`` (``reason``, ``category``, ``report_category``) in
    ``language``; a code without one (an integration's own reason code) by itself."""
    return _CATALOGUE[language].get(f"{kind}.{code}", code)
