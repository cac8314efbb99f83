"""The search behind the shipped model: candidates cross-validated on the primary file's train
rows (never a test split), next to the floor baseline reproduced the usual way on the same
folds.

``python -m moderation.training.search --data-dir /work/shared/data`` prints one JSON line
per candidate: ROC-AUC and macro-F1 (at 0.5, at the recommended threshold, and with the
threshold chosen nested) as mean ± sd over the folds of GermEval 2018 train. Needs
scikit-learn. Each candidate costs about a minute on one core.
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
from moderation.training.params import TrainParams
from moderation.training.train import (
    Dataset,
    cross_validation,
    load_dataset,
    out_of_fold_scores,
    row_weights,
)

PRIMARY, ENGLISH = "germeval2018.csv", "davidson2017.csv"


def floor_baseline(dataset: Dataset, params: TrainParams) -> dict[str, dict[str, float]]:
    """The data README's floor: TF-IDF word 1–2 + char_wb 2–5-gram logistic regression on raw
    text, read at 0.5, on the same folds of the primary file (mean ± sd)."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    primary = np.flatnonzero(dataset.file_index == 0)
    texts = np.array([dataset.rows[i].text for i in primary], dtype=object)
    labels, fold = dataset.labels[primary], dataset.fold[primary]
    aucs, f1s = [], []
    for k in range(params.folds):
        fit, held = fold != k, fold == k
        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                min_df=2)
        x_fit = sparse.hstack([words.fit_transform(texts[fit]),
                               chars.fit_transform(texts[fit])])
        x_held = sparse.hstack([words.transform(texts[held]), chars.transform(texts[held])])
        model = LogisticRegression(max_iter=1000, random_state=params.seed)
        p = model.fit(x_fit, labels[fit]).predict_proba(x_held)[:, 1]
        aucs.append(metrics.roc_auc(labels[held], p))
        f1s.append(metrics.binary_figures(labels[held], p >= 0.5)["macro_f1"])
    return {"roc_auc": {"mean": round(float(np.mean(aucs)), 4),
                        "sd": round(float(np.std(aucs)), 4)},
            "macro_f1_at_0.5": {"mean": round(float(np.mean(f1s)), 4),
                                "sd": round(float(np.std(f1s)), 4)}}


# (components, Davidson's weight): the single models, then the stacks.
CANDIDATES: list[tuple[tuple[str, ...], float]] = [
    (("nbsvm:all:4",), 0.3),  # the previous shipped recipe
    (("nbsvm:char:4",), 0.3),
    (("lr:all:16",), 0.3),
    (("nbsvm:char:4", "nbsvm:word:4"), 0.3),
    (("nbsvm:char:4", "nbsvm:word:4", "lr:all:16"), 0.3),
    (("nbsvm:char:4", "nbsvm:word:4", "lr:char:16", "lr:word:16"), 0.3),
    (("nbsvm:char:4", "nbsvm:word:4", "lr:all:16"), 0.0),
    (("nbsvm:char:4", "nbsvm:word:4", "lr:all:16"), 0.6),
]


def run_candidate(dataset: Dataset, params: TrainParams) -> dict:
    report = cross_validation(dataset, params, out_of_fold_scores(dataset, params))
    cv = report["toxicity"]
    return {**cv["per_fold"], "recommended_review_threshold":
            cv["recommended_review_threshold"], "components_roc_auc": cv["components_roc_auc"]}


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("/work/shared/data"), show_default=True)
@click.option("--seed", default=13, show_default=True)
@click.option("--no-floor", is_flag=True, help="Skip the floor baseline.")
def main(data_dir: Path, seed: int, no_floor: bool) -> None:
    """Cross-validate candidates on GermEval 2018's train rows; one JSON line each."""
    columns = Columns(fine_label="fine_label")
    splits = ("train", "all")
    params = TrainParams(seed=seed, file_weights={ENGLISH: 0.3})
    both = load_dataset([data_dir / PRIMARY, data_dir / ENGLISH], columns, splits, params)
    german: Dataset | None = None
    if not no_floor:
        print(json.dumps({"candidate": "floor", **floor_baseline(both, params)}), flush=True)
    for components, english in CANDIDATES:
        started = time.perf_counter()
        tried = replace(params, components=components,
                        file_weights={ENGLISH: english} if english else {})
        if english:
            both.weights = row_weights(both.file_index, both.labels,
                                       [f["name"] for f in both.files], tried)
            data = both
        else:  # English off: German rows alone (the same folds: they depend on German only)
            german = german or load_dataset([data_dir / PRIMARY], columns, splits, tried)
            data = german
        print(json.dumps({"components": components, "english_weight": english,
                          **run_candidate(data, tried),
                          "seconds": round(time.perf_counter() - started, 1)}), flush=True)


if __name__ == "__main__":
    main()
