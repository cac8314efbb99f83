"""The widget's message catalogue: every key in both languages, every placeholder too."""

from __future__ import annotations

import re

import pytest

from moderation.domain import ReportCategory
from moderation.widget.messages import COUNT_KEYS, LANGUAGES, MESSAGES, widget_messages

PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_german_and_english_say_the_same_things():
    assert set(LANGUAGES) == {"de", "en"}
    assert set(MESSAGES["de"]) == set(MESSAGES["en"])


@pytest.mark.parametrize("key", sorted(MESSAGES["de"]))
def test_each_message_has_the_same_placeholders_in_both_languages(key):
    assert (set(PLACEHOLDER.findall(MESSAGES["de"][key]))
            == set(PLACEHOLDER.findall(MESSAGES["en"][key])))


def test_the_german_texts_say_du_and_keep_their_umlauts():
    german = MESSAGES["de"]
    assert german["sent"] == "Danke! Dein Kommentar wird geprüft."
    assert not any(re.search(r"\b(Sie|Ihr|Ihre|Ihnen)\b", text) for text in german.values())


def test_report_categories_are_named_as_the_server_names_them():
    for language in LANGUAGES:
        messages = widget_messages(language)
        names = [messages[f"category.{category.value}"] for category in ReportCategory]
        assert all(names) and len(set(names)) == len(names)
    assert widget_messages("de")["category.illegal"] == "Rechtswidriger Inhalt"
    assert widget_messages("en")["category.hate"] == "Hate"


def test_the_count_words_fit_every_number():
    for language in LANGUAGES:
        assert {key for key in COUNT_KEYS} <= set(MESSAGES[language])
    assert MESSAGES["de"]["count.many"].format(n=12) == "12 Kommentare"
    assert MESSAGES["en"]["count.many"].format(n=12) == "12 comments"
    assert MESSAGES["de"]["count.none"] == "Noch keine Kommentare"
