"""Simulated paths: nested and widening intervals, calibration, shocks, short and odd histories."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hedging.errors import InputError
from hedging.forecast import INTERVAL_LEVELS, DriftFit, VolumeForecast, fit_volume
from hedging.forecast.drift import SIGMA_FLOOR
from hedging.forecast.paths import empirical_quantile

MODELS = ("seasonal_naive", "damped_trend", "loglinear")


def growing(n, seed, noise=0.05, growth=0.05):
    rng = np.random.default_rng(seed)
    return 1e6 * np.exp(growth * np.arange(n) + noise * rng.standard_normal(n))


def log_widths(fc: VolumeForecast, level: int) -> np.ndarray:
    lo, hi = fc.interval(level)
    return np.log(hi) - np.log(lo)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 36), model=st.sampled_from(MODELS), seed=st.integers(0, 10_000),
       noise=st.floats(0.0, 0.3), horizon=st.integers(1, 24))
def test_intervals_are_nested_and_positive(n, model, seed, noise, horizon):
    fc = fit_volume(growing(n, seed, noise), model).forecast(horizon, n_paths=300, seed=seed)
    assert fc.horizon == horizon and len(fc.mean) == horizon
    bounds = {level: fc.interval(level) for level in INTERVAL_LEVELS}
    for inner, outer in zip(INTERVAL_LEVELS, INTERVAL_LEVELS[1:]):
        assert np.all(bounds[outer][0] <= bounds[inner][0])
        assert np.all(bounds[inner][1] <= bounds[outer][1])
    assert np.all(bounds[95][0] > 0)
    paths = fc.paths()
    assert paths.shape == (300, horizon) and np.all(paths > 0)


@pytest.mark.parametrize("model, n", [("damped_trend", 30), ("loglinear", 20), ("drift", 4)])
def test_intervals_widen_with_the_horizon(model, n):
    """Log widths of the 80% and 95% intervals grow every 3 months (Monte Carlo noise of a width
    with 20,000 paths is ~1%; the growth over 3 months here is larger)."""
    fc = fit_volume(growing(n, seed=21), "damped_trend" if model == "drift" else model).forecast(
        24, n_paths=20_000, seed=22)
    assert fc.model == model
    for level in (80, 95):
        w = log_widths(fc, level)
        assert np.all(np.diff(w[::3]) > 0), w


def test_loglinear_with_season_widens_year_on_year():
    """With the Fourier pair, x'(X'X)^{-1}x oscillates within the year, so the widths need not
    rise every month; they rise from one year to the next and from the first month to the last."""
    fc = fit_volume(growing(30, seed=21), "loglinear").forecast(24, n_paths=20_000, seed=22)
    for level in (80, 95):
        w = log_widths(fc, level)
        assert w[12:].mean() > w[:12].mean() and w[-1] > w[0]


def test_seasonal_naive_widens_year_by_year():
    """Within a year every month is one seasonal step from data (equal log widths); the second
    year adds a second step, so its widths are larger by about sqrt(2)."""
    fc = fit_volume(growing(36, seed=23, noise=0.1), "seasonal_naive").forecast(
        24, n_paths=20_000, seed=24)
    w = log_widths(fc, 80)
    assert np.ptp(w[:12]) < 0.05 * w[:12].mean()
    assert w[12:].mean() / w[:12].mean() == pytest.approx(math.sqrt(2), rel=0.15)


def test_loglinear_80pct_interval_covers_80pct_of_simulated_futures():
    """Simulation study with known truth: 200 series of 24 months from log y = 7 + 0.05 t +
    0.1 sin(2 pi t / 12) + 0.05 e, forecast 12 months with the full procedure (shift detection
    on). Coverage is averaged per series first; its standard error is the spread of the 200
    per-series coverages / sqrt(200) (realised: 1.2 points), so 75-85% is +/- 4 SE."""
    rng = np.random.default_rng(2024)
    t = np.arange(36)
    per_series = []
    for i in range(200):
        y = np.exp(7 + 0.05 * t + 0.1 * np.sin(2 * np.pi * t / 12)
                   + 0.05 * rng.standard_normal(36))
        fc = fit_volume(y[:24], "loglinear").forecast(12, n_paths=2000, seed=i)
        lo, hi = fc.interval(80)
        per_series.append(np.mean((lo <= y[24:]) & (y[24:] <= hi)))
    coverage = float(np.mean(per_series))
    se = float(np.std(per_series, ddof=1) / math.sqrt(200))
    assert 0.75 <= coverage <= 0.85, (coverage, se)
    assert se < 0.0125


# --- shocks -----------------------------------------------------------------------------------

@pytest.mark.parametrize("model", MODELS + ("drift",))
def test_same_shocks_same_paths(model):
    y = growing(4 if model == "drift" else 30, seed=31)
    fitted = fit_volume(y, "loglinear" if model == "drift" else model)
    z = np.random.default_rng(32).standard_normal((500, 12))
    a = fitted.forecast(12, shocks=z, seed=5).paths()
    b = fitted.forecast(12, shocks=z.copy(), seed=5).paths()
    assert np.array_equal(a, b)
    if model in ("seasonal_naive", "damped_trend"):  # shocks are their only randomness
        assert np.array_equal(a, fitted.forecast(12, shocks=z, seed=99).paths())


@pytest.mark.parametrize("model", MODELS + ("drift",))
def test_positively_correlated_shocks_give_correlated_volumes(model):
    """Two forecasts driven by shocks with correlation 0.8 have positively correlated volumes
    (and independent shocks give correlations within 4 / sqrt(n) of zero)."""
    y = growing(4 if model == "drift" else 30, seed=33, noise=0.1)
    fitted = fit_volume(y, "loglinear" if model == "drift" else model)
    rng = np.random.default_rng(34)
    z1 = rng.standard_normal((4000, 6))
    z2 = 0.8 * z1 + 0.6 * rng.standard_normal((4000, 6))
    z3 = rng.standard_normal((4000, 6))
    p1 = fitted.forecast(6, shocks=z1, seed=1).paths()[:, 0]
    p2 = fitted.forecast(6, shocks=z2, seed=1).paths()[:, 0]
    p3 = fitted.forecast(6, shocks=z3, seed=1).paths()[:, 0]
    assert np.corrcoef(p1, p2)[0, 1] > 0.4
    if model == "damped_trend":
        assert abs(np.corrcoef(p1, p3)[0, 1]) < 4 / math.sqrt(4000)


def test_shocks_shape_and_n_paths_are_checked():
    fitted = fit_volume(growing(20, seed=35), "damped_trend")
    with pytest.raises(InputError, match=r"shocks.*\(n_paths, 12\)"):
        fitted.forecast(12, shocks=np.zeros((10, 11)))
    with pytest.raises(InputError, match="n_paths"):
        fitted.forecast(12, shocks=np.zeros((10, 12)), n_paths=20)
    assert fitted.forecast(12, shocks=np.zeros((10, 12))).n_paths == 10


def test_empirical_quantile_matches_numpy_linear_method():
    """Definition 7 of Hyndman and Fan (1996) is numpy's default 'linear' method."""
    rng = np.random.default_rng(36)
    sample = np.sort(rng.standard_normal(17))
    u = rng.random(1000)
    assert empirical_quantile(sample, u) == pytest.approx(np.quantile(sample, u), abs=1e-12)
    assert float(empirical_quantile(np.array([1.0, 2.0, 4.0]), np.array(0.75))) == 3.0


# --- short and odd histories ----------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3, 5])
@pytest.mark.parametrize("model", MODELS)
def test_short_history_still_forecasts_with_a_warning(n, model):
    fitted = fit_volume(growing(n, seed=41), model)
    assert isinstance(fitted, DriftFit) and fitted.requested == model
    fc = fitted.forecast(12, n_paths=2000, seed=0)
    codes = [w.code for w in fc.warnings]
    assert codes == ["short_history"]
    assert f"Only {n} month(s)" in fc.warnings[0].message
    # deliberately wide: at least the floor volatility with drift uncertainty,
    # 80% log width >= 2 z_0.9 SIGMA_FLOOR sqrt(h + h^2 / max(n-1, 1)), minus 10% for MC error
    h = np.arange(1, 13)
    floor = 2 * 1.2816 * SIGMA_FLOOR * np.sqrt(h + h ** 2 / max(n - 1, 1))
    assert np.all(log_widths(fc, 80) >= 0.9 * floor)


def test_drift_variance_matches_random_walk_with_drift_uncertainty():
    """Var(log y_{T+h}) = sigma^2 (h + h^2 / (n - 1)) for a random walk whose drift is estimated
    from n - 1 changes (derived: h mu_k with Var(mu_k) = sigma^2 / (n - 1), plus h steps).
    Tolerance 4 sqrt(2 / n_paths) relative."""
    y = np.exp(np.cumsum([0.0, 0.3, -0.1, 0.25, 0.05]))
    f = fit_volume(y, "loglinear")
    n_paths = 50_000
    logs = np.log(f.forecast(6, n_paths=n_paths, seed=3).paths())
    h = np.arange(1, 7)
    expected = f.sigma ** 2 * (h + h ** 2 / 4)
    assert f.sigma == pytest.approx(np.std(np.diff(np.log(y)), ddof=1))
    assert logs.var(axis=0, ddof=1) == pytest.approx(expected, rel=4 * math.sqrt(2 / n_paths))


def test_leading_zeros_are_dropped_and_later_zeros_floored():
    y = np.r_[0, 0, growing(10, seed=42)]
    y[6] = 0.0
    fitted = fit_volume(y, "loglinear")
    codes = [w.code for w in fitted.warnings]
    assert "leading_zeros" in codes and "zero_months" in codes
    assert fitted.n == 10 and fitted.start == 12
    assert fitted.forecast(3, n_paths=10, seed=0).start == 12


@pytest.mark.parametrize("bad, match", [
    ([1.0, -2.0, 3.0], "negative"),
    ([1.0, float("nan"), 3.0], "not a number"),
    ([0.0, 0.0], "every month"),
    ([], "non-empty"),
    ([[1.0, 2.0]], "1-D"),
])
def test_bad_histories_are_input_errors(bad, match):
    with pytest.raises(InputError, match=match):
        fit_volume(bad, "damped_trend")


def test_bad_horizon_model_and_calendar_are_input_errors():
    y = growing(14, seed=43)
    with pytest.raises(InputError, match="horizon"):
        fit_volume(y, "loglinear").forecast(0)
    with pytest.raises(InputError, match="unknown volume model"):
        fit_volume(y, "prophet")  # "arima" is a candidate model now
    with pytest.raises(InputError, match="14 rows"):
        fit_volume(y, "loglinear", calendar=np.ones(13))
    fitted = fit_volume(y, "loglinear", calendar={"weekend_days": np.arange(14) % 3 + 8})
    with pytest.raises(InputError, match="calendar_future"):
        fitted.forecast(3)
    with pytest.raises(InputError, match="columns"):
        fitted.forecast(3, calendar_future={"days": [30, 31, 30]})


def test_forecast_is_hashable_and_compares_on_summaries():
    fitted = fit_volume(growing(20, seed=44), "damped_trend")
    a = fitted.forecast(6, n_paths=200, seed=7)
    b = fitted.forecast(6, n_paths=200, seed=7)
    assert a == b and hash(a) == hash(b)
    assert a.lower[80] == a.intervals[1][1] and a.upper[95] == a.intervals[2][2]
    big = fitted.forecast(12, n_paths=20_000, seed=7)
    assert big.mean[-1] > big.point[-1]  # E[exp X] > exp(E X); the gap is ~10 MC SE here
    paths = a.paths()
    paths[:] = 0
    assert np.all(a.paths() > 0)
