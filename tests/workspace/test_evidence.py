"""Evidence marked in a comment's text: cut in Python at code-point offsets, so that no
offset ever has to be converted for JavaScript."""

from __future__ import annotations

import unicodedata

import pytest

from moderation.wordlists import WordEntry, WordList
from moderation.workspace.evidence import Segment, Span, excerpt, marked, segments, spans


def word(start: int, end: int, kind: str = "banned", **extra) -> dict:
    return {"term": "idiot", "kind": kind, "start": start, "end": end, **extra}


def test_a_banned_word_is_cut_out_of_the_text_at_its_offsets():
    body = "Du bist ein Idiot, echt."

    assert marked(body, {"words": [word(12, 17)]}) == [
        Segment("Du bist ein "), Segment("Idiot", ("banned",)), Segment(", echt.")]


@pytest.mark.parametrize("before", ["😀 ", "👩‍💻👩‍💻 ", "🇩🇪 ", "𝔄𝔟𝔠 ", "e\u0301e\u0301 ",
                                    "Ä" * 3 + " "])
def test_astral_and_combining_characters_before_a_match_do_not_shift_it(before):
    body = f"{before}Du Idiot!"
    start = body.index("Idiot")

    pieces = marked(body, {"words": [word(start, start + 5)]})

    assert [p.text for p in pieces if p.kind] == ["Idiot"]
    assert "".join(p.text for p in pieces) == body


def test_offsets_the_word_lists_give_for_a_text_with_emoji_mark_the_right_word():
    body = "🙄🙄 Was für ein I.d.i.o.t 🤡, wirklich"
    found = WordList([WordEntry("idiot", "banned")]).find(body)

    pieces = marked(body, {"words": [m.as_dict() for m in found]})

    assert [p.text for p in pieces if p.kind] == ["I.d.i.o.t"]


def test_overlapping_evidence_is_split_and_the_gravest_kind_shown():
    body = "Das ist Hetze. Du Idiot, verschwinde."
    sentence = {"start": 15, "end": 37, "category": "insult", "score": 0.93}

    pieces = marked(body, {"words": [word(18, 23)], "sentences": [sentence]})

    assert pieces == [Segment("Das ist Hetze. "), Segment("Du ", ("sentence",)),
                      Segment("Idiot", ("banned", "sentence")),
                      Segment(", verschwinde.", ("sentence",))]
    assert [p.kind for p in pieces] == [None, "sentence", "banned", "sentence"]


def test_adjacent_matches_stay_two_marks():
    body = "IdiotDepp"

    pieces = marked(body, {"words": [word(0, 5), word(5, 9, "suspect")]})

    assert pieces == [Segment("Idiot", ("banned",)), Segment("Depp", ("suspect",))]


@pytest.mark.parametrize("entry", [
    word(5, 3), word(-1, 2), word(0, 99), word("0", 2), word(0, 2.0), word(True, 2),
    word(0, 2, kind="unknown"), "not a dict", None,
])
def test_evidence_that_does_not_fit_the_text_is_left_out(entry):
    assert marked("Hallo Welt", {"words": [entry]}) == [Segment("Hallo Welt")]


@pytest.mark.parametrize("explanation", [None, {}, {"words": "nonsense"},
                                         {"sentences": {"start": 0}}])
def test_no_usable_explanation_leaves_the_text_as_it_is(explanation):
    assert marked("Hallo", explanation) == [Segment("Hallo")]


def test_an_erased_comment_has_no_segments_to_mark():
    assert marked("", {"words": [word(0, 5)]}) == []


def test_spans_keep_what_the_explanation_says_of_them():
    found = spans({"sentences": [{"start": 0, "end": 4, "category": "threat", "score": 0.8}],
                   "words": [word(0, 2)]}, 10)

    assert found == [Span(0, 2, "banned", term="idiot"),
                     Span(0, 4, "sentence", category="threat", score=0.8)]


def test_segments_join_to_the_text_however_the_evidence_lies():
    body = "a😀b👩‍💻c d e"
    evidence = [Span(0, 3, "banned"), Span(2, 7, "sentence"), Span(5, 6, "suspect")]

    assert "".join(p.text for p in segments(body, evidence)) == body


def test_a_short_text_is_its_own_excerpt():
    pieces = marked("Kurz.", None)

    assert excerpt(pieces) == pieces


def test_a_long_text_is_cut_after_a_word_and_keeps_its_marks():
    body = "Idiot " + "Wort " * 100
    pieces = excerpt(marked(body, {"words": [word(0, 5)]}), length=50)

    assert pieces[0] == Segment("Idiot", ("banned",))
    assert "".join(p.text for p in pieces) == "Idiot" + " Wort" * 8 + "…"


@pytest.mark.parametrize("body", ["x" * 49 + "e\u0301" + "y" * 60,
                                  "x" * 49 + "👩\u200d💻" + "y" * 60,
                                  "x" * 49 + "🇩🇪" + "y" * 60,
                                  "x" * 49 + "❤\ufe0f" + "y" * 60])
def test_an_excerpt_never_splits_what_reads_as_one_character(body):
    text = "".join(p.text for p in excerpt(marked(body, None), length=50))

    kept = text.removesuffix("…")
    assert body.startswith(kept)
    following = body[len(kept)]
    assert not unicodedata.combining(following)
    assert following not in {"\u200d", "\ufe0f", "🇪"}
    assert not kept.endswith("\u200d")
