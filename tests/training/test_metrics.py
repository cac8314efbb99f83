"""Figures and calibration checked against values worked out by hand or known by design."""

from __future__ import annotations

import numpy as np
import pytest

from moderation.training import metrics


def test_roc_auc_by_hand() -> None:
    labels = np.array([1, 1, 1, 0, 0, 0])
    scores = np.array([0.95, 0.7, 0.3, 0.6, 0.2, 0.1])
    # 3 + 3 + 2 of 9 positive/negative pairs are ordered right
    assert metrics.roc_auc(labels, scores) == pytest.approx(8 / 9)
    assert metrics.roc_auc(labels, np.full(6, 0.5)) == pytest.approx(0.5)  # ties count half
    assert np.isnan(metrics.roc_auc(np.ones(3), np.arange(3.0)))


def test_binary_figures_by_hand() -> None:
    figures = metrics.binary_figures(np.array([1, 1, 1, 0, 0, 0]),
                                     np.array([1, 1, 0, 1, 0, 0]))
    assert figures["precision"] == pytest.approx(2 / 3)
    assert figures["recall"] == pytest.approx(2 / 3)
    assert figures["macro_f1"] == pytest.approx(2 / 3)


def test_platt_scaling_brings_probabilities_to_observed_frequencies() -> None:
    """Raw scores whose sigmoid is far from the truth (the true log-odds are 3·s − 1) get
    calibrated on one half; on the other half Brier score and ECE must improve."""
    rng = np.random.default_rng(0)
    scores = rng.normal(size=20_000)
    labels = rng.random(20_000) < metrics.sigmoid(3 * scores - 1)
    fit, held = slice(0, 10_000), slice(10_000, None)

    a, b = metrics.fit_platt(scores[fit], labels[fit])
    raw = metrics.sigmoid(scores[held])
    calibrated = metrics.sigmoid(a * scores[held] + b)

    assert a == pytest.approx(3, abs=0.2) and b == pytest.approx(-1, abs=0.1)
    assert metrics.brier(labels[held], calibrated) < metrics.brier(labels[held], raw) - 0.005
    assert (metrics.expected_calibration_error(labels[held], calibrated)
            < 0.5 * metrics.expected_calibration_error(labels[held], raw))
    assert metrics.expected_calibration_error(labels[held], calibrated) < 0.02


def test_platt_scaling_survives_separable_data() -> None:
    a, b = metrics.fit_platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]))
    assert np.isfinite(a) and np.isfinite(b) and a > 0
