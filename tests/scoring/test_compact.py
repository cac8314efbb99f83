"""The shipped compact model and the combined scorer."""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moderation.scoring import compact
from moderation.scoring.base import ScorerUnavailable, Scores
from moderation.scoring.compact import (
    TERMS,
    CombinedScorer,
    CompactModel,
    CompactScorer,
    FeatureSpec,
    Lexicons,
    evaluations,
    normalize_for_model,
    shipped_model_dir,
    tokenize,
)

ODD_INPUTS = ["", "   \n\t ", "Größe 😀", "Ärger über die Grüße 🤬🤬🤬", "x" * 5000,
              "Kommentar " * 600, "\u200b\u0000", "!!!!!!!!", "ẞ" * 10]


@pytest.fixture(scope="module")
def shipped() -> CompactScorer:
    return CompactScorer()


def test_shipped_model_loads_without_torch() -> None:
    code = (
        "import json, sys\n"
        "from moderation.scoring.compact import CompactScorer\n"
        "scorer = CompactScorer()\n"
        "scores = scorer.score(['Schöne Grüße aus München!'])\n"
        "print(json.dumps({'torch': 'torch' in sys.modules, 'scores': scores}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,  # noqa: S603
                         check=True, timeout=60)
    result = json.loads(out.stdout)
    assert result["torch"] is False
    assert 0.0 <= result["scores"][0]["toxicity"] <= 1.0


def test_shipped_version_is_the_manifests(shipped: CompactScorer) -> None:
    manifest = json.loads((shipped_model_dir() / "manifest.json").read_text(encoding="utf-8"))
    assert shipped.version == manifest["version"]
    assert shipped.name == "compact-de"
    assert manifest["model_file"]["bytes"] < 10_000_000


def test_any_input_scores_into_0_1(shipped: CompactScorer) -> None:
    scores = shipped.score(ODD_INPUTS)
    assert len(scores) == len(ODD_INPUTS)
    for result in scores:
        assert set(result) == {"toxicity"}
        assert 0.0 <= result["toxicity"] <= 1.0
    assert shipped.score([]) == []


def test_shipped_model_ranks_german_abuse_above_thanks(shipped: CompactScorer) -> None:
    abuse, thanks = shipped.score(["Halt die Fresse, du dummes Arschloch!",
                                   "Danke für den informativen Artikel, schöne Grüße!"])
    assert abuse["toxicity"] > 0.5 > thanks["toxicity"]


def test_one_text_scores_the_same_alone_and_in_a_batch(shipped: CompactScorer) -> None:
    alone = shipped.score(["Du Idiot"])[0]["toxicity"]
    batch = shipped.score(["", "Du Idiot", "Grüße"])[1]["toxicity"]
    assert alone == pytest.approx(batch)


@pytest.mark.parametrize(("text", "normalised"), [
    ("@Dirki_M Straße", "@user strasse"),
    ("ÄRGER über Öl", "aerger ueber oel"),
    ("sooooo gut!!!!!", "soo gut!!"),
    ("Raum 451 um 10 Uhr", "raum 451 um 10 uhr"),
    ("siehe https://example.com/x?y=1 jetzt", "siehe http jetzt"),
    ("Grüße 😀\n\nTschüss", "gruesse 😀 tschuess"),
    ("du 1diot, 4rsch", "du 1diot, 4rsch"),  # no lexicon: no digit is read as a letter
])
def test_normalisation(text: str, normalised: str) -> None:
    assert normalize_for_model(text) == normalised


LEXICON = {word: rank for rank, word in enumerate(
    ["ist", "idiot", "arsch", "arschloch", "scheisse", "klasse", "ass", "fuck", "kb"])}


@pytest.mark.parametrize(("text", "normalised"), [
    ("du 1diot, 4rsch", "du idiot, arsch"),
    ("Du A.r.s.c.h!", "du arsch!"),
    ("I-d-i-o-t", "idiot"),
    ("a r s c h", "arsch"),
    ("@rschl*ch", "arschloch"),
    ("Id!ot.", "idiot."),
    ("Schei$$e", "scheisse"),
    ("(f*ck)", "(fuck)"),
    ("@Dirki_M ist da", "@user ist da"),
    ("Lehrer*innen", "lehrer*innen"),
    # Product codes, versions and update ids are no words in disguise: a single letter
    # among digits, more digits than letters, or no known word in any reading.
    ("Galaxy A55", "galaxy a55"),
    ("Update KB5034441", "update kb5034441"),
    ("Version 2.5.1", "version 2.5.1"),
    ("Win10 und H2O", "win10 und h2o"),
    ("z.B. so", "z.b. so"),
])
def test_digits_and_symbols_are_read_as_letters_only_where_that_makes_a_known_word(
        text: str, normalised: str) -> None:
    assert normalize_for_model(text, LEXICON) == normalised


@pytest.mark.parametrize(("text", "word"), [
    ("1diot", "idiot"), ("A.r.s.c.h", "arsch"), ("@rschl*ch", "arschloch"), ("Id!ot", "idiot"),
    ("I-d-i-o-t", "idiot"), ("A55", "a55"), ("KB5034441", "kb5034441"), ("2.5.1", "2.5.1"),
])
def test_the_shipped_model_reads_disguised_words_and_leaves_codes(shipped: CompactScorer,
                                                                  text: str, word: str) -> None:
    assert shipped.model.normalize(text) == word


def test_disguised_abuse_scores_like_the_plain_word(shipped: CompactScorer) -> None:
    disguised = shipped.score(["Du 1diot", "Du A.r.s.c.h", "Du @rschl*ch"])
    plain = shipped.score(["Du Idiot", "Du Arsch", "Du Arschloch"])
    assert disguised == plain
    assert all(s["toxicity"] > 0.5 for s in disguised)


# Held at the default review threshold (0.35) by the model trained before issue 11.
HARMLESS = ["Nintendo Switch", "Mein Sohn spielt Fußball", "Nummer 2 ist mein Favorit",
            "Galaxy A55 oder iPhone?"]
ABOUT_GROUPS = ["Ich bin schwul.", "Als schwuler Mann fühle ich mich in dieser Stadt sicher.",
                "Frauen arbeiten in der Pflege.", "Die Linke hat gewonnen.",
                "Die Grünen haben gewonnen.", "Ich bin schwarz und lebe in Leipzig.",
                "Unsere neue Kollegin ist Türkin und Ingenieurin."]


@pytest.mark.parametrize("text", HARMLESS + ABOUT_GROUPS)
def test_products_numbers_and_groups_are_no_abuse_by_themselves(shipped: CompactScorer,
                                                                text: str) -> None:
    assert shipped.score([text])[0]["toxicity"] < 0.35


def test_abuse_of_a_group_still_scores_high(shipped: CompactScorer) -> None:
    for scores in shipped.score(["Schwule sind widerliche Missgeburten, verpisst euch",
                                 "Diese dreckigen Türken sind alle Abschaum"]):
        assert scores["toxicity"] > 0.5


def _evaluations(text: str) -> list[str]:
    return evaluations(tokenize(normalize_for_model(text)))


@pytest.mark.parametrize(("text", "features"), [
    ("Das Essen war toll", ["<lob>"]),
    ("Das ist widerlich", ["<tadel>"]),
    ("Flüchtlinge sind faul", ["<tadel>", "<gruppe> <tadel>"]),
    ("Flüchtlinge sind nicht faul", ["nicht <tadel>", "<gruppe> nicht <tadel>"]),
    ("Frauen sind gar nicht klug", ["nicht <lob>", "<gruppe> nicht <lob>"]),
    ("Muslime sind keine Bereicherung", ["nicht <lob>", "<gruppe> nicht <lob>"]),
    # A negation further back than two words is about something else.
    ("Nicht jeder weiß, dass Schwule herzlich sind",
     ["<lob>", "<gruppe> <lob>"]),
    ("Meine Nachbarn sind freundlich und ehrlich", ["<lob>", "<lob>"]),
    # Parties and political camps are named, but their blame is no pair: criticism of them
    # is debate.
    ("Die SPD ist verlogen", ["<tadel>"]),
    ("Die Grünen sind unfähig", ["<tadel>"]),
    ("Nintendo Switch", []),
    ("Die Klasse 7b hat gewonnen", []),
])
def test_praise_and_blame_are_read_with_their_negation_and_the_group_named(
        text: str, features: list[str]) -> None:
    assert _evaluations(text) == features


def test_evaluative_features_join_the_word_block_only_when_asked() -> None:
    text = normalize_for_model("Juden sind nicht gefährlich")
    plain = FeatureSpec(char_scope="word", mask_groups=True)
    evaluative = FeatureSpec(char_scope="word", mask_groups=True, evaluative=True)
    chars, words = evaluative.grams(text)
    assert chars == plain.grams(text)[0]
    assert words == plain.grams(text)[1] + ["nicht <tadel>", "<gruppe> nicht <tadel>"]


def test_the_feature_spec_round_trips_through_the_model_file(tmp_path: Path,
                                                             shipped: CompactScorer) -> None:
    model = copy.copy(shipped.model)  # the module's scorer stays as shipped
    for evaluative in (False, True):
        model.spec = FeatureSpec(**{**model.spec.as_dict(), "evaluative": evaluative})
        model.save(tmp_path / str(evaluative))
        assert CompactModel.load(tmp_path / str(evaluative) / "model.npz").spec == model.spec


def test_a_model_file_from_before_the_evaluative_block_loads_without_it(
        tmp_path: Path, shipped: CompactScorer) -> None:
    with np.load(shipped_model_dir() / "model.npz") as data:
        arrays = {key: data[key] for key in data.files}
    arrays["spec"] = arrays["spec"][:6]
    np.savez(tmp_path / "model.npz", **arrays)
    assert CompactModel.load(tmp_path / "model.npz").spec.evaluative is False


EVALUATED = ["Flüchtlinge sind faul.", "Flüchtlinge sind nicht faul.",
             "Schwule sind herzlich.", "Die Grünen sind unfähig."]


def _edit_the_modules_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every list the features read emptied, as an edit of compact.py would change them."""
    for name in ("GROUP_TERMS", "PEOPLE_TERMS", "PRAISE_TERMS", "BLAME_TERMS", "NEGATIONS"):
        monkeypatch.setattr(compact, name, frozenset())
    monkeypatch.setattr(compact, "NEGATION_REACH", 0)


def test_a_saved_model_reads_the_word_lists_it_was_trained_with(
        tmp_path: Path, shipped: CompactScorer, monkeypatch: pytest.MonkeyPatch) -> None:
    model = copy.copy(shipped.model)
    model.spec = FeatureSpec(**{**model.spec.as_dict(), "evaluative": True})
    model.save(tmp_path)
    trained = CompactModel.load(tmp_path / "model.npz")
    features = [trained.features(t) for t in EVALUATED]
    assert "<gruppe> <tadel>" in features[0][1] and "<gruppe>" in features[0][1]
    scores = trained.probabilities(EVALUATED)

    _edit_the_modules_lists(monkeypatch)
    assert Lexicons.current() != trained.spec.lexicons
    loaded = CompactModel.load(tmp_path / "model.npz")
    assert loaded.spec.lexicons == trained.spec.lexicons
    assert [loaded.features(t) for t in EVALUATED] == features
    assert np.array_equal(loaded.probabilities(EVALUATED), scores)
    assert CompactScorer().score(EVALUATED) == shipped.score(EVALUATED)  # the shipped one too


def test_a_model_file_from_before_the_lists_were_stored_reads_the_modules_lists(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with np.load(shipped_model_dir() / "model.npz") as data:
        arrays = {key: data[key] for key in data.files
                  if not key.startswith(TERMS) and key != "negation_reach"}
    np.savez(tmp_path / "model.npz", **arrays)
    assert CompactModel.load(tmp_path / "model.npz").spec.lexicons == Lexicons.current()
    _edit_the_modules_lists(monkeypatch)
    old = CompactModel.load(tmp_path / "model.npz")
    assert old.spec.lexicons == Lexicons.current()
    assert "<gruppe>" not in old.features(EVALUATED[0])[1]


def test_the_manifest_names_the_word_lists_the_shipped_model_stores(
        shipped: CompactScorer) -> None:
    assert shipped.manifest["features"]["lexicons"] == shipped.model.spec.lexicons.summary()


def test_a_missing_model_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ScorerUnavailable, match="cannot be loaded"):
        CompactScorer(tmp_path)


class Fixed:
    def __init__(self, name: str, rows: list[Scores], device: str = "cpu") -> None:
        self.name, self.version, self.rows, self.device = name, f"{name}-v1", rows, device

    def score(self, texts: list[str]) -> list[Scores]:
        return self.rows[:len(texts)]


def test_combined_takes_the_highest_probability_per_category() -> None:
    compact = Fixed("compact-de", [{"toxicity": 0.9}, {"toxicity": 0.1}])
    detoxify = Fixed("detoxify-multilingual", [{"toxicity": 0.2, "threat": 0.05},
                                               {"toxicity": 0.7, "threat": 0.6}])
    combined = CombinedScorer(compact, detoxify)

    assert combined.score(["Du Depp", "I will find you"]) == [
        {"toxicity": 0.9, "threat": 0.05}, {"toxicity": 0.7, "threat": 0.6}]
    assert combined.device == "cpu"
    assert CombinedScorer(compact, Fixed("gpu", [], device="cuda:0")).device == "cpu,cuda:0"
    assert combined.name == "max(compact-de,detoxify-multilingual)"
    assert combined.version == ("compact-de=compact-de-v1+"
                                "detoxify-multilingual=detoxify-multilingual-v1")


def test_combined_ignores_nan_and_refuses_short_answers() -> None:
    combined = CombinedScorer(Fixed("a", [{"toxicity": math.nan}]),
                              Fixed("b", [{"toxicity": 0.4}]))
    assert combined.score(["x"]) == [{"toxicity": 0.4}]
    with pytest.raises(ScorerUnavailable, match="returned 1 results for 2 texts"):
        combined.score(["x", "y"])
    with pytest.raises(ValueError):
        CombinedScorer()
