"""Fixtures for tests that need a fetched Hugging Face checkpoint, with the Hub switched off:
import them into a test folder's conftest (or a test module) to use them there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from moderation.cli import main


@pytest.fixture(scope="session")
def offline_hub() -> Iterator[None]:
    """No Hugging Face Hub for the session: what is not on disk cannot be loaded."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        # huggingface_hub reads HF_HUB_OFFLINE once, at import: cover an earlier import too.
        from huggingface_hub import constants

        mp.setattr(constants, "HF_HUB_OFFLINE", True)
        yield


@pytest.fixture(scope="session")
def tiny_hub(tmp_path_factory: pytest.TempPathFactory, offline_hub: None) -> Path:
    """A tiny single-label checkpoint (OTHER, OFFENSE) in a folder standing in for the Hub."""
    from tests.support.tiny_transformer import build_checkpoint

    return build_checkpoint(tmp_path_factory.mktemp("hub") / "gbert-offense")


@pytest.fixture(scope="session")
def tiny_cache(tmp_path_factory: pytest.TempPathFactory, tiny_hub: Path) -> Path:
    """A model cache holding ``tiny_hub`` fetched as ``gbert`` through the command (and not
    installed: tests register it where they need a version)."""
    cache = tmp_path_factory.mktemp("models")
    result = CliRunner().invoke(main, [
        "model", "fetch", "--from", str(tiny_hub), "--as", "gbert",
        "--label", "toxicity=OFFENSE", "--cache", str(cache), "--no-install"])
    assert result.exit_code == 0, result.output
    return cache
