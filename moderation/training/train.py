"""Train the compact model: labelled CSVs in, a model folder (``model.npz`` +
``manifest.json``) out.

Only rows of the train splits are used, never a ``test`` split. The model is a *stack*: a few
linear components over the same TF-IDF blocks (by default NB-SVM on character n-grams, NB-SVM
on word n-grams and a logistic regression on both), combined by a logistic meta-model that
also calibrates. Because every component and the meta-model are linear in the features, the
stack collapses into one weight vector per head: scoring stays one sparse dot product.

How the train rows of the primary (first) file are used, cross-fitted in ``folds`` stratified,
seeded folds (rows of other files are in every fit and never scored):

1. for each fold: vocabulary and components fit on the other folds, raw component scores on
   this fold (out-of-fold scores for every primary row);
2. the meta-model is fit on those out-of-fold scores. The manifest's ``cross_validation``
   figures come from a meta-model fit on the other folds' scores, so every figure is of rows
   nothing was fit on; the recommended review threshold is the cut-off that maximises
   macro-F1 on those out-of-fold probabilities;
3. vocabulary and components are refit on every train row, and the meta-model from 2 turns
   their scores into probabilities: the shipped model.

Files can be weighted: ``file_weights[name] = w`` makes that file's rows weigh, in total, ``w``
times the primary file's row count, and with ``match_base_rate`` its classes are reweighted to
the primary file's share of positives. That is how Davidson 2017 (83 % offensive, sampled with
a hate lexicon) adds English without drowning German or moving the base rate.

The same data and parameters give byte-identical files (liblinear and lbfgs with fixed seeds,
sorted vocabularies, a zip without timestamps).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from moderation.scoring.compact import (
    MANIFEST_FILE,
    MODEL_FILE,
    CompactModel,
    count_rows,
    known_words,
    normalize_for_model,
    tfidf_values,
)
from moderation.training import augment, metrics
from moderation.training.data import Columns, DataError, LabelledText, file_sha256, read_rows
from moderation.training.params import TrainParams

FORBIDDEN_SPLITS = frozenset({"test"})
# Cut-offs searched for the recommended review threshold, and the rarer share of abuse a real
# blog sees (GermEval's 34 % is a sampled, abuse-rich set) for the held-share estimate.
THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)
BLOG_BASE_RATE = 0.10
CREDITS = [
    "GermEval 2018 Shared Task on the Identification of Offensive Language, Wiegand, Siegel, "
    "Ruppenhofer 2018 (CC BY 4.0)",
    "Davidson, Warmsley, Macy, Weber 2017: Automated Hate Speech Detection and the Problem of "
    "Offensive Language (data under the MIT licence of t-davidson/hate-speech-and-offensive-"
    "language)",
]


@dataclass
class Dataset:
    """Train rows of every file, featurised once, with their fold and weight."""

    rows: list[LabelledText]
    file_index: np.ndarray
    fold: np.ndarray  # primary rows: 0 … folds-1; other files' rows: -1 (always fitted)
    weights: np.ndarray
    grams: list[tuple[list[str], list[str]]]
    files: list[dict[str, Any]]
    lexicon: dict[str, int]

    @property
    def labels(self) -> np.ndarray:
        return np.fromiter((r.label for r in self.rows), dtype=np.int64, count=len(self.rows))


def load_dataset(paths: Sequence[Path], columns: Columns, train_splits: Sequence[str],
                 params: TrainParams) -> Dataset:
    """Read, fold, weight and featurise the train rows of ``paths``."""
    forbidden = FORBIDDEN_SPLITS & set(train_splits)
    if forbidden:
        raise DataError(f"refusing to train on the {', '.join(sorted(forbidden))} split: "
                        "it is kept for reporting")
    if not paths:
        raise DataError("no data file given")
    rows: list[LabelledText] = []
    file_index, files = [], []
    splits = frozenset(train_splits) if columns.split else None
    for index, path in enumerate(paths):
        file_rows = list(read_rows(path, columns, splits))
        labels = np.array([r.label for r in file_rows], dtype=np.int64)
        if not file_rows:
            raise DataError(f"{path.name}: no rows in split(s) {', '.join(train_splits)}")
        if labels.min() == labels.max():
            raise DataError(f"{path.name}: the train rows hold one class only")
        rows += file_rows
        file_index += [index] * len(file_rows)
        files.append({"name": path.name, "sha256": file_sha256(path), "rows": len(file_rows),
                      "positives": int(labels.sum()),
                      "splits": sorted({r.split for r in file_rows})})
    if params.augment:
        generated = augment.generate(params.augment)
        rows += generated
        file_index += [len(files)] * len(generated)
        files.append({"name": augment.FILE_NAME, "sets": list(params.augment),
                      "generator": "moderation.training.augment",
                      "sha256": augment.digest(generated), "rows": len(generated),
                      "positives": sum(r.label for r in generated), "splits": [augment.SPLIT]})
    file_array = np.asarray(file_index, dtype=np.int64)
    labels = np.array([r.label for r in rows], dtype=np.int64)
    fold = assign_folds(labels, file_array == 0, params.folds, params.seed)
    weights = row_weights(file_array, labels, [f["name"] for f in files], params)
    for info, index in zip(files, range(len(files)), strict=True):
        info["total_weight"] = round(float(weights[file_array == index].sum()), 3)
    lexicon = build_lexicon([r.text for r in rows], params.min_df)
    spec = params.spec
    grams = [spec.grams(normalize_for_model(r.text, lexicon), lexicon) for r in rows]
    return Dataset(rows, file_array, fold, weights, grams, files, lexicon)


def build_lexicon(texts: Sequence[str], min_df: int) -> dict[str, int]:
    """The words (letters only, three or more) in at least ``min_df`` of ``texts``, read
    without a lexicon, each with its frequency rank: what the model counts as a known word
    when it reads digits and symbols as letters and, with char scope ``unknown``, which
    tokens it reads whole. Built from every train row once, not per fold: it says which
    words exist, not what they mean."""
    df: Counter[str] = Counter()
    for text in texts:
        df.update(set(known_words(normalize_for_model(text))))
    kept = sorted((w for w, n in df.items() if n >= min_df), key=lambda w: (-df[w], w))
    return {w: rank for rank, w in enumerate(kept)}


def assign_folds(labels: np.ndarray, primary: np.ndarray, folds: int, seed: int
                 ) -> np.ndarray:
    """Stratified, seeded folds for the primary rows; -1 elsewhere."""
    fold = np.full(len(labels), -1, dtype=np.int64)
    rng = np.random.default_rng([seed, 0])
    for value in (0, 1):
        members = rng.permutation(np.flatnonzero(primary & (labels == value)))
        if len(members) < folds:
            raise DataError(f"the primary file has {len(members)} rows labelled {value}: "
                            f"too few for {folds} folds")
        fold[members] = np.arange(len(members)) % folds
    return fold


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
        if params.match_base_rate and len(np.unique(labels[inside])) == 2:
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


def fit_linear(x: Any, labels: np.ndarray, weights: np.ndarray, method: str, c: float,
               seed: int) -> tuple[np.ndarray, float]:
    """(coefficients over ``x``'s columns, intercept) of one linear model."""
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    scale = None
    if method == "nbsvm":
        scale = _nb_ratio(x, labels, weights)
        x = x @ sparse.diags(scale)
    if method == "svm":
        model: Any = LinearSVC(C=c, dual=True, max_iter=5000, random_state=seed)
    else:
        model = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
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
        if positive.sum() < 2:
            raise DataError(f"head {head!r}: fewer than two rows labelled {', '.join(values)}")
        if not positive[dataset.file_index == 0].any():
            raise DataError(f"head {head!r}: the primary file has no row labelled "
                            f"{', '.join(values)} (the head is calibrated on it)")
        mask = np.isin(dataset.file_index, np.unique(dataset.file_index[positive]))
        targets[head] = (positive.astype(np.int64), mask)
    return targets


@dataclass
class Components:
    """Every component fitted on some rows, per head: vocabularies, idf, and for each head a
    (features × components) coefficient matrix with its intercepts."""

    vocabularies: list[dict[str, int]]
    idf: list[np.ndarray]
    coef: dict[str, np.ndarray]
    intercept: dict[str, np.ndarray]

    def raw(self, x: Any, head: str) -> np.ndarray:
        """Raw component scores, shape (rows, components)."""
        return np.asarray(x @ self.coef[head]) + self.intercept[head]


def fit_components(dataset: Dataset, params: TrainParams, fit_rows: np.ndarray
                   ) -> tuple[Components, Any]:
    """Vocabulary and every component of every head, fit on ``fit_rows``; also the design
    matrix of all rows under that vocabulary."""
    fit_grams = [dataset.grams[i] for i in np.flatnonzero(fit_rows)]
    maxima = (params.max_char_features, params.max_word_features)
    vocabularies, idf = [], []
    for block, max_features in enumerate(maxima):
        vocabulary, block_idf = build_vocabulary([g[block] for g in fit_grams], params.min_df,
                                                 max_features)
        vocabularies.append(vocabulary)
        idf.append(_round_idf(block_idf))
    x = design_matrix(dataset.grams, vocabularies, idf)
    n_char = len(vocabularies[0])
    columns = {"char": slice(0, n_char), "word": slice(n_char, x.shape[1]),
               "all": slice(0, x.shape[1])}
    coefs, intercepts = {}, {}
    for head, (labels, mask) in head_targets(dataset, params.heads).items():
        rows = np.flatnonzero(fit_rows & mask)
        coef = np.zeros((x.shape[1], len(params.components)))
        intercept = np.zeros(len(params.components))
        for j, component in enumerate(params.parsed_components):
            block = columns[component.block]
            coef[block, j], intercept[j] = fit_linear(
                x[rows][:, block], labels[rows], dataset.weights[rows], component.method,
                component.c, params.seed)
        coefs[head], intercepts[head] = coef, intercept
    return Components(vocabularies, idf, coefs, intercepts), x


def fit_meta(scores: np.ndarray, labels: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """(coefficient per component, intercept) of the logistic meta-model on component
    scores: it weighs the components and calibrates their sum in one step."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, solver="lbfgs", max_iter=1000).fit(scores, labels)
    return np.asarray(model.coef_[0], dtype=np.float64), float(model.intercept_[0])


def out_of_fold_scores(dataset: Dataset, params: TrainParams) -> dict[str, np.ndarray]:
    """Raw component scores of every primary row from components that never saw it, per head:
    shape (rows of the dataset, components), NaN outside the primary file."""
    targets = head_targets(dataset, params.heads)
    scores = {head: np.full((len(dataset.rows), len(params.components)), np.nan)
              for head in targets}
    for k in range(params.folds):
        held = dataset.fold == k
        fitted, x = fit_components(dataset, params, ~held)
        for head, (_, mask) in targets.items():
            rows = np.flatnonzero(held & mask)
            scores[head][rows] = fitted.raw(x[rows], head)
    return scores


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


def best_cut_off(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """The cut-off of ``THRESHOLD_GRID`` with the highest macro-F1 (the lowest on ties)."""
    f1 = [metrics.binary_figures(labels, probabilities >= t)["macro_f1"]
          for t in THRESHOLD_GRID]
    return float(THRESHOLD_GRID[int(np.argmax(f1))])


def _mean_sd(values: Sequence[float]) -> dict[str, float]:
    return {"mean": round(float(np.mean(values)), 4), "sd": round(float(np.std(values)), 4)}


def cross_validation(dataset: Dataset, params: TrainParams, scores: dict[str, np.ndarray]
                     ) -> dict[str, Any]:
    """Per head: figures of the out-of-fold probabilities (the meta-model of each fold fit on
    the other folds' scores), per fold as mean ± sd and pooled; the recommended review
    threshold (best pooled macro-F1), checked nested (chosen on the other folds, measured on
    the fold); and what a few cut-offs mean on a blog whose base rate is 10 %."""
    report: dict[str, Any] = {}
    for head, (labels, _) in head_targets(dataset, params.heads).items():
        rows = np.flatnonzero(~np.isnan(scores[head][:, 0]))
        z, y, fold = scores[head][rows], labels[rows], dataset.fold[rows]
        probabilities = np.zeros(len(rows))
        for k in range(params.folds):
            coef, intercept = fit_meta(z[fold != k], y[fold != k], params.meta_c)
            probabilities[fold == k] = metrics.sigmoid(z[fold == k] @ coef + intercept)
        threshold = best_cut_off(y, probabilities)
        per_fold: dict[str, list[float]] = {"roc_auc": [], "macro_f1_at_0.5": [],
                                            "macro_f1_at_threshold": [],
                                            "macro_f1_nested": [], "nested_threshold": []}
        for k in range(params.folds):
            inside, others = fold == k, fold != k
            nested = best_cut_off(y[others], probabilities[others])
            per_fold["roc_auc"].append(metrics.roc_auc(y[inside], probabilities[inside]))
            for key, cut in (("macro_f1_at_0.5", 0.5), ("macro_f1_at_threshold", threshold),
                             ("macro_f1_nested", nested)):
                per_fold[key].append(metrics.binary_figures(
                    y[inside], probabilities[inside] >= cut)["macro_f1"])
            per_fold["nested_threshold"].append(nested)
        report[head] = {
            "file": dataset.files[0]["name"],
            "folds": params.folds,
            "per_fold": {key: _mean_sd(values) for key, values in per_fold.items()},
            "pooled_at_0.5": figures(y, probabilities),
            "pooled_at_threshold": figures(y, probabilities, threshold),
            "recommended_review_threshold": threshold,
            "components_roc_auc": {raw: round(metrics.roc_auc(y, z[:, j]), 4)
                                   for j, raw in enumerate(params.components)},
            "operating_points": operating_points(y, probabilities, sorted(
                {0.3, 0.35, 0.4, 0.45, 0.5, threshold})),
        }
    return report


def operating_points(labels: np.ndarray, probabilities: np.ndarray,
                     cut_offs: Sequence[float]) -> list[dict[str, float]]:
    """At each cut-off: figures on the data, and on a blog with ``BLOG_BASE_RATE`` abuse (the
    classes reweighted): share of comments held, precision of holds, share of abuse missed."""
    points = []
    for cut in cut_offs:
        decided = metrics.binary_figures(labels, probabilities >= cut)
        tpr = decided["recall"]
        fpr = decided["fp"] / max(decided["fp"] + decided["tn"], 1)
        held = BLOG_BASE_RATE * tpr + (1 - BLOG_BASE_RATE) * fpr
        points.append({
            "cut_off": round(float(cut), 2),
            "macro_f1": round(decided["macro_f1"], 4),
            "precision": round(decided["precision"], 4), "recall": round(tpr, 4),
            "held_share": round(float(np.mean(probabilities >= cut)), 4),
            f"held_share_at_{BLOG_BASE_RATE:.0%}_abuse": round(held, 4),
            f"precision_at_{BLOG_BASE_RATE:.0%}_abuse":
                round(BLOG_BASE_RATE * tpr / held, 4) if held else 0.0,
            "abuse_missed": round(1 - tpr, 4)})
    return points


def fit_final(dataset: Dataset, params: TrainParams, scores: dict[str, np.ndarray]
              ) -> tuple[CompactModel, dict[str, Any]]:
    """Components refit on every row, combined by the meta-model fit on all out-of-fold
    scores into one linear model per head (weights Σ mᵢ·wᵢ, bias Σ mᵢ·bᵢ, calibration
    ``(1, m₀)``)."""
    fitted, _ = fit_components(dataset, params, np.ones(len(dataset.rows), dtype=bool))
    columns, bias, calibration, meta = [], [], [], {}
    for head, (labels, _) in head_targets(dataset, params.heads).items():
        rows = np.flatnonzero(~np.isnan(scores[head][:, 0]))
        coef, intercept = fit_meta(scores[head][rows], labels[rows], params.meta_c)
        columns.append(fitted.coef[head] @ coef)
        bias.append(float(np.float32(fitted.intercept[head] @ coef)))
        calibration.append((1.0, intercept))
        meta[head] = {"coefficients": {raw: round(float(m), 4)
                                       for raw, m in zip(params.components, coef, strict=True)},
                      "intercept": round(intercept, 4)}
    weights = np.column_stack(columns)
    sizes = np.cumsum([0] + [len(v) for v in fitted.vocabularies])
    model = CompactModel(
        spec=params.spec, heads=list(meta), vocabularies=fitted.vocabularies, idf=fitted.idf,
        weights=[weights[sizes[b]:sizes[b + 1]] for b in range(len(fitted.vocabularies))],
        bias=np.asarray(bias), calibration=np.asarray(calibration), lexicon=dataset.lexicon)
    return model, meta


def train(paths: Sequence[Path], out: Path, *, columns: Columns | None = None,
          train_splits: Sequence[str] = ("train", "all"),
          params: TrainParams | None = None, command: str = "") -> dict[str, Any]:
    """Cross-validate, train and write ``out/model.npz`` and ``out/manifest.json``; returns
    the manifest."""
    columns = columns or Columns()
    params = params or TrainParams()
    dataset = load_dataset(paths, columns, train_splits, params)
    scores = out_of_fold_scores(dataset, params)
    report = cross_validation(dataset, params, scores)
    model, meta = fit_final(dataset, params, scores)
    model.save(out)
    model_sha = file_sha256(out / MODEL_FILE)
    manifest = {
        "name": "compact-de",
        "version": f"stack-{model_sha[:12]}",
        "model_file": {"name": MODEL_FILE, "sha256": model_sha,
                       "bytes": (out / MODEL_FILE).stat().st_size},
        "heads": model.heads,
        "features": {"char_ngrams": [params.char_min, params.char_max],
                     "word_ngrams": [params.word_min, params.word_max],
                     "char_scope": params.char_scope, "mask_groups": params.mask_groups,
                     "evaluative": params.evaluative,
                     "vocabulary": [len(v) for v in model.vocabularies],
                     "lexicon": len(model.lexicon),
                     "lexicons": model.spec.lexicons.summary(),
                     "normalisation": "moderation.scoring.compact.normalize_for_model"},
        "command": command,
        "parameters": _jsonable(asdict(params)),
        "columns": asdict(columns),
        "train_splits": list(train_splits),
        "data": dataset.files,
        "training": {
            "components_fit_on": "every train row",
            "meta_model_fit_on": f"out-of-fold component scores of {dataset.files[0]['name']} "
                                 f"({params.folds} folds)",
            "meta_model": meta},
        "cross_validation": report,
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
