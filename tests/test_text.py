"""Reader text hygiene."""

from __future__ import annotations

import pytest

from moderation.text import normalize


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
