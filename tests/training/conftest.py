"""A tiny hand-written German data set, written to a CSV per test."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

TOXIC = [
    "Du bist ein Idiot", "Halt die Fresse, du Vollidiot", "Was für ein dummes Arschloch",
    "Verpiss dich, du Penner", "Du dummer Drecksack", "Idiot! Lern erst mal lesen",
    "Was für ein Schwachsinn, du Depp", "Du Arsch, halt einfach die Klappe",
    "Dumme Kuh, geh sterben", "Volltrottel, du hast keine Ahnung", "Du Spast",
    "Scheiß Idioten alle zusammen", "Bist du zu blöd zum Lesen, du Idiot?",
    "Du Hurensohn", "Verdammter Dreckspenner", "Der Autor ist ein Vollidiot 🤬",
    "Halt's Maul, Depp", "Was für ein Arschloch 🤬🤬", "Du bist so dumm, Idiot",
    "Geh sterben, Penner",
]
HARMLESS = [
    "Danke für den Artikel", "Schöne Grüße aus München", "Sehr gut erklärt, danke!",
    "Ich sehe das anders, aber interessant", "Gibt es dazu eine Quelle?",
    "Toller Beitrag über die Größe der Modelle", "Könnt ihr mehr über Datenschutz schreiben?",
    "Spannend, ich freue mich auf den nächsten Teil", "Guter Punkt, das wusste ich nicht",
    "Grüße aus Köln 😀", "Vielen Dank für die Übersicht", "Ein sehr informativer Text",
    "Das Update hat bei mir gut funktioniert", "Wann erscheint die neue Version?",
    "Ich stimme dem Autor zu", "Interessante Zahlen, danke fürs Teilen",
    "Der Vergleich mit Java hinkt etwas", "Schönes Wochenende allen!",
    "Welche Hardware habt ihr benutzt?", "Klasse Artikel, weiter so 👍",
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    rows = ([{"text": t, "label": "1", "split": "train"} for t in TOXIC]
            + [{"text": t, "label": "0", "split": "train"} for t in HARMLESS]
            + [{"text": "Du Idiot, test", "label": "1", "split": "test"},
               {"text": "Danke, test", "label": "0", "split": "test"}])
    return write_csv(tmp_path / "tiny.csv", rows)
