"""The method search behind the shipped model: candidates measured on the validation part of
the train rows (never a test split), next to the floor baseline reproduced the usual way.

``python -m moderation.training.search --data-dir /work/shared/data`` prints one JSON line
per candidate. Needs scikit-learn. Validation figures are on GermEval 2018's validation part.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import click
import numpy as np

from moderation.training import metrics
from moderation.training.data import Columns
from moderation.training.train import (
    Dataset,
    TrainParams,
    figures,
    load_dataset,
    row_weights,
    validate,
)

PRIMARY, ENGLISH = "germeval2018.csv", "davidson2017.csv"


def floor_baseline(dataset: Dataset, seed: int) -> dict[str, float]:
    """The data README's floor: TF-IDF word 1–2 + char 2–5-gram logistic regression on raw
    text, fit on the fit part, read at 0.5 (and, for fairness, Platt-calibrated too)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts = np.array([r.text for r in dataset.rows], dtype=object)
    labels = dataset.labels
    german = dataset.file_index == 0
    fit, val, cal = (german & (dataset.part == p) for p in (0, 1, 2))
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2)
    x_fit = sparse.hstack([words.fit_transform(texts[fit]), chars.fit_transform(texts[fit])])

    def transform(rows: np.ndarray) -> sparse.spmatrix:
        return sparse.hstack([words.transform(texts[rows]), chars.transform(texts[rows])])

    model = LogisticRegression(max_iter=1000, random_state=seed).fit(x_fit, labels[fit])
    p_val = model.predict_proba(transform(val))[:, 1]
    a, b = metrics.fit_platt(model.decision_function(transform(cal)), labels[cal])
    calibrated = metrics.sigmoid(a * model.decision_function(transform(val)) + b)
    return {"raw": figures(labels[val], p_val), "calibrated": figures(labels[val], calibrated)}


CANDIDATES: list[dict] = [
    {"method": "lr", "c": 1.0},
    {"method": "lr", "c": 4.0},
    {"method": "lr", "c": 16.0},
    {"method": "svm", "c": 0.1},
    {"method": "svm", "c": 0.5},
    {"method": "nbsvm", "c": 1.0},
    {"method": "nbsvm", "c": 4.0},
    {"method": "nbsvm", "c": 16.0},
    {"method": "nbsvm", "c": 4.0, "char_min": 1, "char_max": 4},
    {"method": "nbsvm", "c": 4.0, "char_min": 2, "char_max": 6},
    {"method": "nbsvm", "c": 4.0, "word_max": 1},
    {"method": "nbsvm", "c": 4.0, "max_char_features": 100_000, "max_word_features": 30_000},
]
ENGLISH_WEIGHTS = (0.0, 0.15, 0.3, 0.6)


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/work/shared/data"), show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--stage", type=click.Choice(["methods", "english", "all"]), default="all")
@click.option("--base", default="{}", help="JSON parameters for the English-weight stage.")
def main(data_dir: Path, seed: int, stage: str, base: str) -> None:
    """Measure candidates on GermEval 2018's validation part; one JSON line each."""
    columns = Columns(fine_label="fine_label")
    splits = ("train", "all")
    if stage in ("methods", "all"):
        params = TrainParams(seed=seed)
        german = load_dataset([data_dir / PRIMARY], columns, splits, params)
        print(json.dumps({"candidate": "floor", **floor_baseline(german, seed)}), flush=True)
        for candidate in CANDIDATES:
            started = time.perf_counter()
            tried = replace(params, **candidate)
            data = german if tried.spec == params.spec else load_dataset(
                [data_dir / PRIMARY], columns, splits, tried)
            report = validate(data, tried)["toxicity"][PRIMARY]
            print(json.dumps({"candidate": candidate, **report,
                              "seconds": round(time.perf_counter() - started, 1)}), flush=True)
    if stage in ("english", "all"):
        chosen = TrainParams(seed=seed, **json.loads(base))
        both = load_dataset([data_dir / PRIMARY, data_dir / ENGLISH], columns, splits, chosen)
        for weight in ENGLISH_WEIGHTS:
            tried = replace(chosen, file_weights={ENGLISH: weight})
            if weight == 0.0:  # English off: German rows alone
                report = {PRIMARY: validate(load_dataset([data_dir / PRIMARY], columns, splits,
                                                         chosen), chosen)["toxicity"][PRIMARY]}
            else:
                both.weights = row_weights(both.file_index, both.labels,
                                           [f["name"] for f in both.files], tried)
                report = validate(both, tried)["toxicity"]
            print(json.dumps({"english_weight": weight, **report}), flush=True)


if __name__ == "__main__":
    main()
