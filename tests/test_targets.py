"""Whom a comment is aimed at: the signals that let a high score reject."""

from __future__ import annotations

import pytest

from moderation.targets import find_targets


@pytest.mark.parametrize(("text", "expected"), [
    ("Du bist ein Idiot.", [("addressee", "Du")]),
    ("Halt endlich DEINE Klappe, Jürgen!", [("addressee", "DEINE")]),
    ("Sie sollten sich schämen.", [("addressee", "Sie")]),
    ("Der Autor ist ein Vollidiot.", [("person", "Autor")]),
    ("Was für eine dumme Journalistin.", [("person", "Journalistin")]),
    ("@jens_k halt die Klappe", [("person", "@jens_k")]),
    ("Die Juden sind an allem schuld.", [("group", "Juden")]),
    ("Flüchtlinge raus!", [("group", "Flüchtlinge")]),
    ("Fluechtlinge raus!", [("group", "Fluechtlinge")]),
    ("Alle Schwulen sind krank.", [("group", "Schwulen")]),
    ("You are an idiot", [("addressee", "You")]),
    ("Ach du Idiot, du hast doch keine Ahnung.", [("addressee", "du")]),
])
def test_aimed_comments_name_their_target(text, expected):
    found = find_targets(text)
    assert [(t.kind, t.matched) for t in found] == expected
    assert all(text[t.start:t.end] == t.matched for t in found)


@pytest.mark.parametrize("text", [
    "Scheiße, der Zug ist weg.",
    "Verdammt, ich habe den Bus verpasst.",
    "Das ist doch alles Mist hier.",
    "Mit der U-Bahn nach Hause, was für ein Scheißtag.",
    "Fuck, schon wieder Montag.",
    "Ach du Scheiße, das habe ich ja gar nicht gewusst.",
    "Du meine Güte, was für ein Wetter!",
    "Ach du lieber Himmel, schon wieder Stau.",
])
def test_swearing_at_nothing_has_no_target(text):
    assert find_targets(text) == []
