"""Rolling-origin backtest, MASE and automatic model selection."""

from __future__ import annotations

import numpy as np
import pytest

from hedging.errors import InputError
from hedging.forecast.backtest import (backtest, default_min_train, mean_absolute_scaled_error,
                                       naive_scale, select_model)


def test_mase_hand_computation_on_a_tiny_series():
    """Hyndman and Koehler (2006): scale = in-sample naive MAE = (2 + 1 + 4) / 3; errors 1, 3;
    MASE = 2 / (7/3) = 6/7 (worked by hand)."""
    assert naive_scale([10, 12, 11, 15]) == pytest.approx(7 / 3)
    assert mean_absolute_scaled_error([16, 18], [15, 15], [10, 12, 11, 15]) == pytest.approx(6 / 7)
    # seasonal scale, m = 2: |11 - 10| + |15 - 12| over 2 differences
    assert naive_scale([10, 12, 11, 15], season=2) == pytest.approx(2.0)


def test_backtest_records_match_a_hand_loop():
    """8 months, naive forecasts (seasonal naive with < 12 months is naive), origins 6 and 7,
    horizon 2, m = 1 scale. By hand: origin 6 forecasts y[5] for y[6], y[7]; origin 7 forecasts
    y[6] for y[7]; each error is divided by mean |diff(y[:T])|."""
    y = np.array([100.0, 103, 101, 108, 112, 111, 118, 121])
    bt = backtest(y, "seasonal_naive", horizon=2, min_train=6)
    assert bt.origins == (6, 7) and bt.season == 1 and bt.n_forecasts == 3
    s6 = np.mean(np.abs(np.diff(y[:6])))
    s7 = np.mean(np.abs(np.diff(y[:7])))
    q = [abs(118 - 111) / s6, abs(121 - 111) / s6, abs(121 - 118) / s7]
    assert bt.mase == pytest.approx(np.mean(q), rel=1e-12)
    assert bt.mase_by_horizon == pytest.approx(((q[0] + q[2]) / 2, q[1]), rel=1e-12)
    assert [r[3] for r in bt.records] == pytest.approx([111.0, 111.0, 118.0], rel=1e-14)


def test_seasonal_naive_is_perfect_on_an_exactly_seasonal_series():
    """A series that repeats every 12 months: seasonal naive errors are 0 at every origin and
    selection picks it. (The MASE scale is the m = 1 naive here: with m = 12 the in-sample
    seasonal naive MAE of such a series is 0 and MASE is undefined, reported as nan with a
    ``zero_scale`` warning.)"""
    pattern = 1e6 * (1 + 0.3 * np.sin(2 * np.pi * np.arange(12) / 12) + 0.1 * (np.arange(12) % 3))
    y = np.tile(pattern, 3)
    bt = backtest(y, "seasonal_naive", horizon=6)
    assert bt.season == 1 and bt.min_train == 12
    assert bt.mase == pytest.approx(0.0, abs=1e-14)
    late = [r for r in bt.records if r[0] >= 18]  # from 18 months: zero-width intervals
    assert all(r[6] == pytest.approx(r[2], rel=1e-12) == r[7] for r in late)
    undefined = backtest(y, "seasonal_naive", horizon=6, min_train=18)
    assert undefined.season == 12 and np.isnan(undefined.mase)
    assert undefined.warnings[0].code == "zero_scale"
    sel = select_model(y, 6, n_paths=500, seed=1)
    assert sel.model == "seasonal_naive"
    assert [s.model for s in sel.scores] == ["seasonal_naive", "damped_trend", "loglinear"]
    assert sel.scores[0].mase < 1e-14 < min(s.mase for s in sel.scores[1:])
    assert sel.forecast.point == pytest.approx(pattern[:6])


def test_selection_on_a_trend_prefers_a_trend_model_and_reports_all_candidates():
    rng = np.random.default_rng(3)
    y = 1e6 * np.exp(0.06 * np.arange(24) + 0.03 * rng.standard_normal(24))
    sel = select_model(y, 12, n_paths=1000, seed=2)
    assert sel.model in ("damped_trend", "loglinear")
    by_model = {s.model: s for s in sel.scores}
    assert by_model[sel.model].mase == min(s.mase for s in sel.scores)
    assert by_model["seasonal_naive"].mase > by_model[sel.model].mase
    assert len(sel.backtests) == 3 and sel.forecast.n_paths == 1000
    assert sel.forecast.paths().shape == (1000, 12)


def test_select_model_short_history_uses_drift_with_warning():
    sel = select_model([5e5, 5.5e5, 6e5, 6.2e5], 12, n_paths=500, seed=0)
    assert sel.model == "drift" and sel.scores == ()
    assert [w.code for w in sel.warnings] == ["short_history"]
    assert "Only 4 month(s)" in sel.warnings[0].message


def test_select_model_without_enough_origins_says_so():
    sel = select_model(1e6 * np.exp(0.05 * np.arange(7)), 6, n_paths=200, seed=0)
    assert sel.model == "damped_trend"
    assert sel.warnings[0].code == "no_backtest"


def test_backtest_slices_the_calendar_for_each_origin():
    rng = np.random.default_rng(4)
    weekend = rng.choice([8.0, 9.0, 10.0], size=20)
    y = np.exp(10 + 0.05 * np.arange(20) - 0.03 * weekend + 0.01 * rng.standard_normal(20))
    bt = backtest(y, "loglinear", horizon=3, calendar={"weekend_days": weekend})
    assert bt.origins == tuple(range(12, 20)) and bt.n_forecasts == 3 * 6 + 2 + 1
    sel = select_model(y, 3, calendar={"weekend_days": weekend},
                       calendar_future={"weekend_days": [8.0, 9.0, 10.0]}, n_paths=200, seed=0)
    assert sel.forecast.horizon == 3


def test_constant_history_is_ranked_by_mae_and_forecast_flat():
    """Every training window is constant, so every MASE scale is 0 and MASE undefined."""
    sel = select_model(np.full(20, 5e6), 6, n_paths=200, seed=0)
    assert [w.code for w in sel.warnings] == ["mase_undefined"]
    assert all(np.isnan(s.mase) and s.mae == pytest.approx(0.0, abs=1e-6) for s in sel.scores)
    assert sel.forecast.point == pytest.approx([5e6] * 6)
    assert sel.forecast.interval(95)[1] == pytest.approx([5e6] * 6)


def test_default_min_train_rule():
    assert default_min_train(36) == 12 and default_min_train(18) == 12
    assert default_min_train(17) == 11 and default_min_train(9) == 6


def test_backtest_input_errors():
    y = 1e6 * np.exp(0.05 * np.arange(10))
    with pytest.raises(InputError, match="nothing to test"):
        backtest(y, "damped_trend", horizon=3, min_train=10)
    with pytest.raises(InputError, match="unknown volume model"):
        backtest(y, "prophet", horizon=3)
    with pytest.raises(InputError, match="unknown candidate"):
        select_model(y, 3, candidates=("naive",))
    with pytest.raises(InputError, match="shape"):
        mean_absolute_scaled_error([1, 2], [1], [1, 2, 3])
