"""Tiny compact models, trained by the tests themselves on a handful of German rows."""

from __future__ import annotations

from pathlib import Path

from moderation.training.params import TrainParams
from moderation.training.train import train
from tests.training.conftest import HARMLESS, TOXIC, write_csv

SMALL = TrainParams(min_df=1, folds=4)


def train_tiny(folder: Path, *, leave_out: int = 0) -> Path:
    """A compact model in ``folder``; ``leave_out`` rows fewer of each class make another
    model (another version) from the same words."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ([{"text": t, "label": "1", "split": "train"} for t in TOXIC[leave_out:]]
            + [{"text": t, "label": "0", "split": "train"} for t in HARMLESS[leave_out:]])
    data = write_csv(folder.parent / f"{folder.name}.csv", rows)
    train([data], folder / "model", params=SMALL, command="moderation model train (Test)")
    return folder / "model"
