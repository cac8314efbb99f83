"""The shipped compact model and the combined scorer."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.scoring.base import ScorerUnavailable, Scores
from moderation.scoring.compact import (
    CombinedScorer,
    CompactScorer,
    normalize_for_model,
    shipped_model_dir,
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
    ("du 1diot, 4rsch", "du idiot, arsch"),
    ("Raum 451 um 10 Uhr", "raum 451 um 10 uhr"),
    ("siehe https://example.com/x?y=1 jetzt", "siehe http jetzt"),
    ("Grüße 😀\n\nTschüss", "gruesse 😀 tschuess"),
])
def test_normalisation(text: str, normalised: str) -> None:
    assert normalize_for_model(text) == normalised


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
