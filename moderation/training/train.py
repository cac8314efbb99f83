"""Train the compact model: labelled CSVs in, a model folder (``model.npz`` +
``manifest.json``) out.

Only rows of the train splits are used, never a ``test`` split. Each file's train rows are cut,
stratified by label and seeded, into *fit*, *validation* and *calibration* parts:

1. fit on *fit*, Platt-calibrate on *calibration*, measure on *validation* (the manifest's
   validation figures, and reliability before and after calibration);
2. refit the same recipe on *fit* + *validation*, calibrate again on *calibration*: the
   shipped model. Its figures are those of step 1 (an honest, slightly pessimistic estimate).

Files can be weighted: ``file_weights[name] = w`` makes that file's rows weigh, in total, ``w``
times the first (primary) file's row count, and with ``match_base_rate`` its classes are
reweighted to the primary file's share of positives. That is how Davidson 2017 (83 % offensive,
sampled with a hate lexicon) adds English without drowning German or moving the base rate.

The same data and parameters give byte-identical files (liblinear with a fixed seed, sorted
vocabularies, a zip without timestamps).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from moderation.scoring.compact import (
    MANIFEST_FILE,
    MODEL_FILE,
    CompactModel,
    FeatureSpec,
    count_rows,
    normalize_for_model,
    tfidf_values,
)
from moderation.training import metrics
from moderation.training.data import Columns, DataError, LabelledText, file_sha256, read_rows

FORBIDDEN_SPLITS = frozenset({"test"})
METHODS = ("nbsvm", "lr", "svm")
CREDITS = [
    "GermEval 2018 Shared Task on the Identification of Offensive Language, Wiegand, Siegel, "
    "Ruppenhofer 2018 (CC BY 4.0)",
    "Davidson, Warmsley, Macy, Weber 2017: Automated Hate Speech Detection and the Problem of "
    "Offensive Language (data under the MIT licence of t-davidson/hate-speech-and-offensive-"
    "language)",
]


@dataclass(frozen=True)
class TrainParams:
    """Everything that decides the model; recorded in the manifest."""

    method: str = "nbsvm"
    c: float = 4.0
    char_min: int = 2
    char_max: int = 5
    word_min: int = 1
    word_max: int = 2
    min_df: int = 2
    max_char_features: int = 300_000
    max_word_features: int = 100_000
    validation_fraction: float = 0.15
    calibration_fraction: float = 0.15
    seed: int = 13
    match_base_rate: bool = True
    file_weights: dict[str, float] = field(default_factory=dict)
    # extra head -> fine labels that make it positive, e.g. {"insult": ["INSULT"]}
    heads: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        if self.c <= 0:
            raise ValueError("c must be positive")
        if not 0 < self.validation_fraction + self.calibration_fraction < 0.9:
            raise ValueError("validation and calibration fractions must leave rows to fit on")

    @property
    def spec(self) -> FeatureSpec:
        return FeatureSpec(self.char_min, self.char_max, self.word_min, self.word_max)


@dataclass
class Dataset:
    """Train rows of every file, featurised once, with their part and weight."""

    rows: list[LabelledText]
    file_index: np.ndarray
    part: np.ndarray  # 0 fit, 1 validation, 2 calibration
    weights: np.ndarray
    grams: list[tuple[list[str], list[str]]]
    files: list[dict[str, Any]]

    @property
    def labels(self) -> np.ndarray:
        return np.fromiter((r.label for r in self.rows), dtype=np.int64, count=len(self.rows))


def load_dataset(paths: Sequence[Path], columns: Columns, train_splits: Sequence[str],
                 params: TrainParams) -> Dataset:
    """Read, split, weight and featurise the train rows of ``paths``."""
    forbidden = FORBIDDEN_SPLITS & set(train_splits)
    if forbidden:
        raise DataError(f"refusing to train on the {', '.join(sorted(forbidden))} split: "
                        "it is kept for reporting")
    if not paths:
        raise DataError("no data file given")
    rows: list[LabelledText] = []
    file_index, part, files = [], [], []
    splits = frozenset(train_splits) if columns.split else None
    for index, path in enumerate(paths):
        file_rows = list(read_rows(path, columns, splits))
        labels = np.array([r.label for r in file_rows], dtype=np.int64)
        if not file_rows:
            raise DataError(f"{path.name}: no rows in split(s) {', '.join(train_splits)}")
        if labels.min() == labels.max():
            raise DataError(f"{path.name}: the train rows hold one class only")
        rng = np.random.default_rng([params.seed, index])
        parts = np.zeros(len(file_rows), dtype=np.int64)
        for value in (0, 1):  # stratified by label
            members = rng.permutation(np.flatnonzero(labels == value))
            n_val = round(len(members) * params.validation_fraction)
            n_cal = round(len(members) * params.calibration_fraction)
            parts[members[:n_val]] = 1
            parts[members[n_val:n_val + n_cal]] = 2
        rows += file_rows
        file_index += [index] * len(file_rows)
        part.append(parts)
        files.append({"name": path.name, "sha256": file_sha256(path), "rows": len(file_rows),
                      "positives": int(labels.sum()),
                      "splits": sorted({r.split for r in file_rows})})
    file_array = np.asarray(file_index, dtype=np.int64)
    labels = np.array([r.label for r in rows], dtype=np.int64)
    weights = row_weights(file_array, labels, [f["name"] for f in files], params)
    for info, index in zip(files, range(len(files)), strict=True):
        info["total_weight"] = round(float(weights[file_array == index].sum()), 3)
    spec = params.spec
    grams = [spec.grams(normalize_for_model(r.text)) for r in rows]
    return Dataset(rows, file_array, np.concatenate(part), weights, grams, files)


def row_weights(file_index: np.ndarray, labels: np.ndarray, names: list[str],
                 params: TrainParams) -> np.ndarray:
    unknown = set(params.file_weights) - set(names)
    if unknown:
        raise DataError(f"file weight for a file not given: {', '.join(sorted(unknown))}")
    primary = file_index == 0
    base_rate = labels[primary].mean()
    weights = np.ones(len(labels), dtype=np.float64)
    for index, name in enumerate(names):
        inside = file_index == index
        total = params.file_weights.get(name, 1.0) * primary.sum() if index else primary.sum()
        if params.match_base_rate:
            for value, share in ((1, base_rate), (0, 1 - base_rate)):
                members = inside & (labels == value)
                weights[members] = total * share / members.sum()
        else:
            weights[inside] = total / inside.sum()
    return weights


def build_vocabulary(gram_lists: Sequence[list[str]], min_df: int, max_features: int
                     ) -> tuple[dict[str, int], np.ndarray]:
    """The ``max_features`` grams found in most texts (at least ``min_df``), sorted, and
    their smoothed idf."""
    df: Counter[str] = Counter()
    for grams in gram_lists:
        df.update(set(grams))
    kept = [g for g, n in df.items() if n >= min_df]
    kept.sort(key=lambda g: (-df[g], g))
    kept = sorted(kept[:max_features])
    n = len(gram_lists)
    idf = np.array([np.log((1 + n) / (1 + df[g])) + 1.0 for g in kept], dtype=np.float64)
    return {g: i for i, g in enumerate(kept)}, idf


def _round_idf(idf: np.ndarray) -> np.ndarray:
    """idf as the model file stores it (float16), so training sees what scoring computes."""
    return idf.astype(np.float16).astype(np.float64)


def design_matrix(gram_lists: Sequence[tuple[list[str], list[str]]],
                  vocabularies: Sequence[dict[str, int]], idf: Sequence[np.ndarray]) -> Any:
    """TF-IDF blocks side by side, computed by the same code the scorer runs."""
    from scipy import sparse

    blocks = []
    for block, (vocabulary, block_idf) in enumerate(zip(vocabularies, idf, strict=True)):
        rows = count_rows([g[block] for g in gram_lists], vocabulary)
        values = tfidf_values(rows, block_idf)
        blocks.append(sparse.csr_matrix((values, rows.indices, rows.indptr),
                                        shape=(len(gram_lists), len(vocabulary))))
    return sparse.hstack(blocks, format="csr")


def _nb_ratio(x: Any, labels: np.ndarray, weights: np.ndarray, alpha: float = 1.0
              ) -> np.ndarray:
    """Naive-Bayes log-count ratio of each feature (Wang & Manning 2012), weighted rows."""
    present = (x > 0).astype(np.float64)
    positive = present.T @ (weights * (labels == 1)) + alpha
    negative = present.T @ (weights * (labels == 0)) + alpha
    return np.log(positive / positive.sum()) - np.log(negative / negative.sum())


def fit_linear(x: Any, labels: np.ndarray, weights: np.ndarray, params: TrainParams
               ) -> tuple[np.ndarray, float]:
    """(coefficients over the design matrix's columns, intercept)."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    scale = None
    if params.method == "nbsvm":
        scale = _nb_ratio(x, labels, weights)
        x = x @ sparse.diags(scale)
    if params.method == "svm":
        model: Any = LinearSVC(C=params.c, dual=True, max_iter=5000,
                               random_state=params.seed)
    else:
        model = LogisticRegression(C=params.c, solver="liblinear", max_iter=1000,
                                   random_state=params.seed)
    model.fit(x, labels, sample_weight=weights)
    coef = np.asarray(model.coef_[0], dtype=np.float64)
    if scale is not None:
        coef = coef * scale
    return coef, float(model.intercept_[0])


def head_targets(dataset: Dataset, heads: dict[str, list[str]]
                 ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(labels, row mask) per head. Extra heads learn from files that use their fine labels:
    a file with another labelling scheme would only teach them wrong negatives."""
    labels = dataset.labels
    targets = {"toxicity": (labels, np.ones(len(labels), dtype=bool))}
    fine = np.array([r.fine_label for r in dataset.rows], dtype=object)
    for head, values in heads.items():
        positive = np.isin(fine, values)
        files_using = np.unique(dataset.file_index[positive])
        mask = np.isin(dataset.file_index, files_using)
        if positive.sum() < 2:
            raise DataError(f"head {head!r}: fewer than two rows labelled {', '.join(values)}")
        targets[head] = (positive.astype(np.int64), mask)
    return targets


@dataclass
class Fitted:
    model: CompactModel
    raw: dict[str, np.ndarray]  # raw scores of every row, per head


def fit_model(dataset: Dataset, params: TrainParams, fit_rows: np.ndarray,
              calibration_rows: np.ndarray) -> Fitted:
    """Fit every head on ``fit_rows``, Platt-calibrate on ``calibration_rows``."""
    fit_grams = [dataset.grams[i] for i in np.flatnonzero(fit_rows)]
    maxima = (params.max_char_features, params.max_word_features)
    vocabularies, idf = [], []
    for block, max_features in enumerate(maxima):
        vocabulary, block_idf = build_vocabulary([g[block] for g in fit_grams], params.min_df,
                                                 max_features)
        vocabularies.append(vocabulary)
        idf.append(_round_idf(block_idf))
    x = design_matrix(dataset.grams, vocabularies, idf)
    sizes = np.cumsum([0] + [len(v) for v in vocabularies])
    targets = head_targets(dataset, params.heads)
    columns, bias, calibration, raw = [], [], [], {}
    for head, (labels, mask) in targets.items():
        rows = fit_rows & mask
        coef, intercept = fit_linear(x[rows], labels[rows], dataset.weights[rows], params)
        coef = coef.astype(np.float16).astype(np.float64)  # as stored
        intercept = float(np.float32(intercept))
        raw[head] = x @ coef + intercept
        cal = calibration_rows & mask
        calibration.append(metrics.fit_platt(raw[head][cal], labels[cal],
                                             dataset.weights[cal]))
        columns.append(coef)
        bias.append(intercept)
    weights = np.column_stack(columns)
    model = CompactModel(
        spec=params.spec, heads=list(targets), vocabularies=vocabularies, idf=idf,
        weights=[weights[sizes[b]:sizes[b + 1]] for b in range(len(vocabularies))],
        bias=np.asarray(bias), calibration=np.asarray(calibration))
    return Fitted(model, raw)


def figures(labels: np.ndarray, probabilities: np.ndarray, cut_off: float = 0.5
            ) -> dict[str, float]:
    """Ranking, decision (at ``cut_off``) and reliability figures, one vote per row."""
    decided = metrics.binary_figures(labels, probabilities >= cut_off)
    return {"rows": len(labels), "positives": int(np.sum(labels)),
            "roc_auc": round(metrics.roc_auc(labels, probabilities), 4),
            "macro_f1": round(decided["macro_f1"], 4),
            "precision": round(decided["precision"], 4),
            "recall": round(decided["recall"], 4),
            "brier": round(metrics.brier(labels, probabilities), 4),
            "ece": round(metrics.expected_calibration_error(labels, probabilities), 4)}


def validate(dataset: Dataset, params: TrainParams) -> dict[str, Any]:
    """Step 1: fit without the validation part and measure on it, per head and per file."""
    fitted = fit_model(dataset, params, dataset.part == 0, dataset.part == 2)
    validation = dataset.part == 1
    report: dict[str, Any] = {}
    targets = head_targets(dataset, params.heads)
    for h, (head, (labels, mask)) in enumerate(targets.items()):
        a, b = fitted.model.calibration[h]
        raw = fitted.raw[head]
        per_file = {}
        for index, info in enumerate(dataset.files):
            rows = validation & mask & (dataset.file_index == index)
            if not rows.any():
                continue
            calibrated = metrics.sigmoid(a * raw[rows] + b)
            uncalibrated = metrics.sigmoid(raw[rows])
            per_file[info["name"]] = {
                **figures(labels[rows], calibrated),
                "before_calibration": {
                    "brier": round(metrics.brier(labels[rows], uncalibrated), 4),
                    "ece": round(metrics.expected_calibration_error(labels[rows],
                                                                    uncalibrated), 4)}}
        report[head] = per_file
    return report


def train(paths: Sequence[Path], out: Path, *, columns: Columns | None = None,
          train_splits: Sequence[str] = ("train", "all"),
          params: TrainParams | None = None, command: str = "") -> dict[str, Any]:
    """Train, validate and write ``out/model.npz`` and ``out/manifest.json``; returns the
    manifest."""
    columns = columns or Columns()
    params = params or TrainParams()
    dataset = load_dataset(paths, columns, train_splits, params)
    validation = validate(dataset, params)
    final = fit_model(dataset, params, dataset.part != 2, dataset.part == 2)
    final.model.save(out)
    model_sha = file_sha256(out / MODEL_FILE)
    manifest = {
        "name": "compact-de",
        "version": f"{params.method}-{model_sha[:12]}",
        "model_file": {"name": MODEL_FILE, "sha256": model_sha,
                       "bytes": (out / MODEL_FILE).stat().st_size},
        "heads": final.model.heads,
        "features": {"char_ngrams": [params.char_min, params.char_max],
                     "word_ngrams": [params.word_min, params.word_max],
                     "vocabulary": [len(v) for v in final.model.vocabularies],
                     "normalisation": "moderation.scoring.compact.normalize_for_model"},
        "command": command,
        "parameters": _jsonable(asdict(params)),
        "columns": asdict(columns),
        "train_splits": list(train_splits),
        "data": dataset.files,
        "parts": {"fit": int((dataset.part == 0).sum()),
                  "validation": int((dataset.part == 1).sum()),
                  "calibration": int((dataset.part == 2).sum()),
                  "final_model_fit_on": "fit + validation",
                  "calibrated_on": "calibration (Platt scaling)"},
        "validation": validation,
        "libraries": _versions(),
        "credits": CREDITS,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    return manifest


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("numpy", "scipy", "scikit-learn"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


def digest(paths: Sequence[Path]) -> str:
    """One sha256 over several files (tests compare trainings with it)."""
    total = hashlib.sha256()
    for path in paths:
        total.update(path.read_bytes())
    return total.hexdigest()
