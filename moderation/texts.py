"""The texts readers and editors read about decisions, in the publisher's language.

One setting (``MODERATION_LANGUAGE``, German by default) chooses the language of every reason
a decision records. Numbers are written the language's way (0,97 in German).
"""

from __future__ import annotations

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

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
        "honeypot": "das für Menschen verborgene Feld war ausgefüllt",
        "duplicate_author": "derselbe Text wie Kommentar {comment} derselben Person",
        "duplicate_address": "derselbe Text wie Kommentar {comment} vom selben Anschluss",
        "score": "{category} {score} ≥ {threshold}",
        "too_many_links": "{links} Links (höchstens {max_links})",
        "scorer_unavailable": "Klassifikator nicht verfügbar ({detail})",
        "scoring_failed": "Bewertung fehlgeschlagen ({detail})",
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
        "honeypot": "the field hidden from humans was filled in",
        "duplicate_author": "same text as comment {comment} from the same author",
        "duplicate_address": "same text as comment {comment} from the same address",
        "score": "{category} {score} ≥ {threshold}",
        "too_many_links": "{links} links (at most {max_links})",
        "scorer_unavailable": "scorer unavailable ({detail})",
        "scoring_failed": "scoring failed ({detail})",
    },
}


def checked_language(language: str) -> str:
    """``language`` if there are texts for it; a ValueError naming the choices otherwise."""
    if language not in _CATALOGUE:
        raise ValueError(f"no texts in {language!r}; choose one of {', '.join(LANGUAGES)}")
    return language


def text(language: str, key: str, **params: object) -> str:
    """The text ``key`` in ``language``, filled in with ``params``."""
    return _CATALOGUE[language][key].format(**params)


def number(value: float, language: str) -> str:
    """A score as the language writes it: ``0,97`` in German, ``0.97`` in English."""
    written = f"{value:.2f}"
    return written.replace(".", ",") if language == "de" else written
