"""Backtest-calibrated interval width (hedging.forecast.calibration)."""

import numpy as np
import pytest
from scipy.stats import norm

from hedging.forecast.calibration import bands, interval_scale, widen_paths


def test_scale_restores_nominal_coverage_of_gaussian_errors():
    # errors N(0, 1.5^2) against intervals built for sd 1: realised 80%-interval coverage is
    # P(|Z| < 1.2816 / 1.5); the scale must recover 1.5 (a formula, not a published number)
    realised = 2 * norm.cdf(norm.ppf(0.9) / 1.5) - 1
    assert interval_scale(realised, n_forecasts=100) == pytest.approx(1.5, rel=1e-12)


def test_worked_number_and_guards():
    assert interval_scale(0.53, n_forecasts=78) == pytest.approx(1.2816 / 0.7225, rel=1e-3)
    assert interval_scale(0.85, n_forecasts=78) == 1.0     # never narrowed
    assert interval_scale(0.30, n_forecasts=5) == 1.0      # too few backtest forecasts to judge
    assert interval_scale(0.01, n_forecasts=50) == 3.0     # capped


def test_widening_scales_log_deviations_and_keeps_order():
    rng = np.random.default_rng(4)
    point = np.array([100.0, 120.0])
    paths = point * np.exp(rng.normal(0, 0.1, size=(20_000, 2)))
    wide = widen_paths(paths, point, 1.8)
    np.testing.assert_allclose(np.log(wide / point).std(axis=0), 1.8 * np.log(paths / point).std(axis=0))
    assert (np.argsort(wide[:, 0]) == np.argsort(paths[:, 0])).all()
    np.testing.assert_array_equal(widen_paths(paths, point, 1.0), paths)
    lo, hi = bands(wide)[80]
    lo50, hi50 = bands(wide)[50]
    assert (lo <= lo50).all() and (hi50 <= hi).all()
