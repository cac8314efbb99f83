"""`moderation model fetch` and the worker finding the fetched model offline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation.cli import main
from moderation.config import Config
from moderation.scoring.base import ScorerUnavailable
from moderation.scoring.factory import load_scorer
from tests.support.fake_hub import build_release


@pytest.fixture(autouse=True)
def hub_off(tiny_detoxify: tuple[Path, Path]) -> None:
    """The ``tiny_detoxify`` fixture switches the Hugging Face Hub off for the session."""


def test_a_fetched_model_scores_only_where_asked_for_until_it_is_registered(
        tmp_path: Path) -> None:
    release = build_release(tmp_path / "release")
    cache = tmp_path / "models"
    result = CliRunner().invoke(main, [
        "model", "fetch", "--model", "multilingual", "--cache", str(cache),
        "--checkpoint-url", str(release.checkpoint), "--quiet", "--no-install"])
    assert result.exit_code == 0, result.output
    assert f"Fetched multilingual into {cache / 'multilingual'}" in result.output
    assert "moderation model install --detoxify multilingual" in result.output

    detoxify = load_scorer(Config(model_cache=cache, scorer="detoxify"))
    assert detoxify.name == "detoxify-checkpoint"
    scores = detoxify.score(["Schöne Grüße aus München!"])[0]
    assert set(scores) == {"toxicity", "severe_toxicity", "obscene", "identity_attack",
                           "insult", "threat", "sexual_explicit"}
    # The default does not pick up a fetched model: that is what promoting a version does.
    assert load_scorer(Config(model_cache=cache)).name == "compact-de"
    # A checkpoint the settings name is the publisher's explicit choice.
    fetched = cache / "multilingual"
    combined = load_scorer(Config(model_cache=tmp_path / "leer",
                                  detoxify_checkpoint=str(fetched / "checkpoint.ckpt"),
                                  detoxify_config_dir=str(fetched / "hf")))
    assert "compact-de" in combined.name and "detoxify-checkpoint" in combined.name
    assert set(combined.score(["Schöne Grüße aus München!"])[0]) == set(scores)


def test_without_detoxify_weights_the_default_is_the_shipped_german_model(
        tmp_path: Path) -> None:
    scorer = load_scorer(Config(model_cache=tmp_path / "leer"))
    assert scorer.name == "compact-de"
    harmless, abusive = scorer.score(["Danke für den tollen Artikel, sehr hilfreich!",
                                      "Du dummes Arschloch, halt die Fresse!"])
    assert abusive["toxicity"] > harmless["toxicity"]


def test_a_broken_detoxify_checkpoint_falls_back_to_the_german_model(tmp_path: Path) -> None:
    broken = tmp_path / "kaputt.ckpt"
    broken.write_bytes(b"kein Modell")
    assert load_scorer(Config(detoxify_checkpoint=str(broken))).name == "compact-de"


def test_a_failed_fetch_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [
        "model", "fetch", "--cache", str(tmp_path / "models"),
        "--checkpoint-url", "http://127.0.0.1:1/fehlt.ckpt", "--quiet"])
    assert result.exit_code != 0
    assert "cannot download" in result.output and "Traceback" not in result.output
    unknown = CliRunner().invoke(main, ["model", "fetch", "--model", "gibtsnicht",
                                        "--cache", str(tmp_path / "models")])
    assert unknown.exit_code == 2 and "multilingual" in unknown.output


def test_without_a_fetched_model_the_factory_says_how_to_get_one(tmp_path: Path) -> None:
    config = Config(model_cache=tmp_path / "leer", detoxify_checkpoint=str(tmp_path / "x.ckpt"),
                    scorer="detoxify")
    with pytest.raises(ScorerUnavailable, match="moderation model fetch"):
        load_scorer(config)


def test_without_the_detoxify_extra_fetch_names_the_extra(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "detoxify", None)  # as if it were not installed
    result = CliRunner().invoke(main, ["model", "fetch", "--cache", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == ("Error: fetching a model needs the detoxify extra (detoxify is "
                             "missing): pip install 'moderation[detoxify]'\n")


def test_without_the_detoxify_extra_fetch_prints_one_line_and_no_traceback(
        tmp_path: Path) -> None:
    hidden = ("import sys; sys.modules['detoxify'] = None\n"
              "from moderation.cli import main\n"
              f"main(['model', 'fetch', '--cache', {str(tmp_path)!r}])")
    result = subprocess.run([sys.executable, "-c", hidden],  # noqa: S603
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "Error: fetching a model needs the detoxify extra (detoxify is missing): "
        "pip install 'moderation[detoxify]'"]
