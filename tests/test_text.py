"""Reader text hygiene."""

from __future__ import annotations

import pytest

from moderation.text import count_links, normalize, sentences


@pytest.mark.parametrize(("raw", "clean"), [
    ("Gru\u0308ße", "Grüße"),  # decomposed umlaut becomes one code point
    ("Straße 👍🏽", "Straße 👍🏽"),
    ("  Hallo  ", "Hallo"),
    ("Zeile 1\r\nZeile 2\rZeile 3", "Zeile 1\nZeile 2\nZeile 3"),
    ("a\n\n\n\n\nb", "a\n\nb"),
    ("Null\x00byte\x07", "Nullbyte"),
    ("evil\u202etxt.exe", "eviltxt.exe"),
    ("Tab\tbleibt", "Tab\tbleibt"),
])
def test_normalize(raw, clean):
    assert normalize(raw) == clean


@pytest.mark.parametrize(("text", "links"), [
    ("Kein Link, nur Text mit 3.5 Prozent und z.B. Abkürzungen.", 0),
    ("Siehe https://heise.de/news/123 und http://example.com", 2),
    ("Billig: www.pillen-shop.ru und pillen.xyz/kaufen und mehr.de", 3),
    ("Version 2.0 von node.js ist da", 0),
])
def test_count_links(text, links):
    assert count_links(text) == links


def test_sentences_have_offsets_into_the_text():
    text = "Guter Artikel! Aber der Autor ist ein Idiot. Wirklich?\nNeue Zeile"
    spans = sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "Guter Artikel!", "Aber der Autor ist ein Idiot.", "Wirklich?", "Neue Zeile"]
    assert sentences("Ein Satz ohne Punkt") == [(0, 19)]
    assert sentences("   ") == []
