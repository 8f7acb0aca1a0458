"""The public monthly forecast `hedging.forecast_series`: table shape, interval nesting, a season
recovered, a flat series kept flat, input errors that name the fix, determinism, and agreement
with the app's machinery (automatic_forecast: backtest, combination, per-band calibration, and the
one quantile definition)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import hedging
from hedging.errors import InputError
from hedging.forecast.api import BACKTEST_HORIZON, forecast_series, month_calendar
from hedging.forecast.automatic import automatic_forecast
from hedging.risk import quantile

PATHS = 2_000


def monthly(values, start="2022-01-01") -> pd.Series:
    values = np.asarray(values, dtype=float)
    return pd.Series(values, index=pd.date_range(start, periods=values.size, freq="MS"))


def shifting(seed: int = 0, n: int = 36) -> pd.Series:
    """A random walk in logs (5% a month) with a +50% level shift at month 24 and -40% at 30:
    more surprises than any candidate model expects, so the backtest widens its intervals."""
    rng = np.random.default_rng(seed)
    m = np.arange(n)
    logs = np.cumsum(rng.normal(0.0, 0.05, n)) + 0.5 * (m >= 24) - 0.4 * (m >= 30)
    return monthly(1000.0 * np.exp(logs), "2021-01-01")


def test_public_entry_points():
    assert hedging.forecast_series is forecast_series
    assert hedging.forecast.forecast_series is forecast_series
    assert "forecast_series" in hedging.forecast.__all__


def test_shape_columns_and_index():
    y = monthly(1000 + 10 * np.arange(18))  # Jan 2022 .. Jun 2023
    t = forecast_series(y, 6, n_paths=PATHS)
    assert list(t.columns) == ["mean", "lo_80", "hi_80", "lo_95", "hi_95"]
    expected = pd.date_range("2023-07-01", periods=6, freq="MS", name="month")
    pd.testing.assert_index_equal(t.index, expected, check_exact=True)
    assert t.shape == (6, 5) and np.isfinite(t.to_numpy()).all()
    assert t.attrs["model"] == "combination" and len(t.attrs["models"]) == 3
    assert [c["months_ahead"] for c in t.attrs["calibration"]] == ["1-3", "4-6", "7-12"]

    levels = forecast_series(y, 2, levels=(99, 50, 80, 80), n_paths=PATHS)
    assert list(levels.columns) == ["mean", "lo_50", "hi_50", "lo_80", "hi_80", "lo_99", "hi_99"]
    assert list(forecast_series(y, 1, levels=97.5, n_paths=PATHS).columns) == ["mean", "lo_97.5", "hi_97.5"]


def test_single_value_history():
    """One month is enough: the drift model of short histories forecasts it (with a warning)."""
    t = forecast_series(monthly([250.0], "2024-12-01"), 3, n_paths=PATHS)
    assert list(t.index.strftime("%Y-%m")) == ["2025-01", "2025-02", "2025-03"]
    assert (t["lo_95"] <= t["hi_95"]).all() and (t["mean"] > 0).all()
    assert t.attrs["warnings"]


def nested(t: pd.DataFrame, levels) -> None:
    """What the quantiles guarantee: for L1 < L2, lo_L2 <= lo_L1 <= hi_L1 <= hi_L2, all >= 0.
    The mean is only guaranteed to be >= 0: paths are right-skewed, so it may leave a band."""
    levels = sorted(levels)
    for lev in levels:
        assert (t[f"lo_{lev}"] <= t[f"hi_{lev}"]).all()
    for a, b in zip(levels, levels[1:]):
        assert (t[f"lo_{b}"] <= t[f"lo_{a}"]).all() and (t[f"hi_{a}"] <= t[f"hi_{b}"]).all()
    assert (t.to_numpy() >= 0).all() and (t["mean"] >= 0).all()


@settings(max_examples=12, deadline=None)
@given(st.lists(st.one_of(st.just(0.0), st.floats(1.0, 1e6)), min_size=1, max_size=30).filter(
    lambda v: max(v) > 0), st.integers(1, 14), st.integers(0, 2**31 - 1))
def test_intervals_are_nested(values, horizon, seed):
    """Usage counts (0 or at least 1 unit a month; denormal volumes such as 1e-308 make the log
    models overflow, which the automatic forecast reports as a ModelError)."""
    levels = (50, 80, 95, 99)
    nested(forecast_series(monthly(values), horizon, levels=levels, n_paths=500, seed=seed), levels)


def test_widened_intervals_are_nested():
    t = forecast_series(shifting(), 12, levels=(50, 80, 95), n_paths=PATHS)
    assert max(c["factor_80"] for c in t.attrs["calibration"]) > 1.0
    nested(t, (50, 80, 95))


def test_seasonal_series_recovers_its_season():
    """y_m = 1000 (1 + 0.3 sin(2 pi m / 12)) e^{eps}, eps ~ N(0, 0.02^2), 36 months from Jan 2022:
    the season peaks in April (m = 3) and bottoms in October (m = 9). Next year's mean forecast
    must follow it: within 5% of the same calendar month's formula value, peak in April, trough
    in October."""
    m = np.arange(36)
    season = 1000 * (1 + 0.3 * np.sin(2 * np.pi * m / 12))
    y = monthly(season * np.exp(np.random.default_rng(0).normal(0, 0.02, m.size)))
    t = forecast_series(y, 12, n_paths=PATHS)
    np.testing.assert_allclose(t["mean"].to_numpy(), season[:12], rtol=0.05)
    assert t["mean"].idxmax().month == 4 and t["mean"].idxmin().month == 10
    assert np.corrcoef(t["mean"], season[:12])[0, 1] > 0.99


def test_constant_series_gives_flat_forecast():
    """500 every month: no change to model, so every path, the mean and every bound are 500."""
    t = forecast_series(monthly(np.full(24, 500.0)), 6, n_paths=PATHS)
    np.testing.assert_allclose(t.to_numpy(), 500.0, rtol=1e-9)


def test_month_calendar_counts_weekend_days():
    """Against pandas' own calendar over 20 years, and by hand: January 2025 has 8 weekend days of
    31, February 2024 (leap) 8 of 29, June 2024 10 of 30."""
    months = pd.date_range("2015-01-01", "2034-12-01", freq="MS")
    days = pd.date_range(months[0], months[-1] + pd.offsets.MonthEnd(0), freq="D")
    by_month = pd.DataFrame({"weekend": days.day_of_week >= 5, "day": 1}, index=days).resample("MS").sum()
    np.testing.assert_array_equal(month_calendar(months), by_month[["weekend", "day"]].to_numpy(dtype=float))
    check = month_calendar(pd.DatetimeIndex(["2025-01-01", "2024-02-01", "2024-06-01"]))
    np.testing.assert_array_equal(check, [[8, 31], [8, 29], [10, 30]])


def test_deterministic():
    y = shifting(3)
    a = forecast_series(y, 9, n_paths=PATHS, seed=11)
    b = forecast_series(y.copy(), 9, n_paths=PATHS, seed=11)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.attrs == b.attrs
    c = forecast_series(y, 9, n_paths=PATHS, seed=12)
    assert not np.array_equal(a.to_numpy(), c.to_numpy())


@pytest.mark.parametrize("seed, horizon", [(0, 6), (3, 15)])
def test_agrees_with_the_automatic_forecast(seed, horizon):
    """The table is automatic_forecast (calendar regressors, backtest over min(12, horizon) months,
    combination, per-band calibration) on the same seed, summarised with hedging.risk.quantile:
    the same numbers to the last bit."""
    y = shifting(seed)
    months = y.index
    future = pd.date_range(months[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    auto = automatic_forecast(y.to_numpy(), horizon, calendar=month_calendar(months),
                              calendar_future=month_calendar(future), n_paths=PATHS, seed=5,
                              backtest_horizon=min(BACKTEST_HORIZON, horizon))
    paths = auto.forecast.paths()
    t = forecast_series(y, horizon, levels=(80, 95), n_paths=PATHS, seed=5)
    assert t.attrs["model"] == auto.model and t.attrs["models"] == auto.members
    np.testing.assert_array_equal(t["mean"], paths.mean(axis=0))
    for lev in (80, 95):
        np.testing.assert_array_equal(t[f"lo_{lev}"], quantile(paths, (1 - lev / 100) / 2, axis=0))
        np.testing.assert_array_equal(t[f"hi_{lev}"], quantile(paths, (1 + lev / 100) / 2, axis=0))
    # two level shifts are more surprise than any candidate expects: the backtest widens the bands
    assert max(b[3] for b in auto.calibration.bands) > 1.0
    assert any("widened" in w for w in t.attrs["warnings"])


GOOD = monthly([100.0, 120.0, 130.0, 125.0, 140.0, 150.0])


@pytest.mark.parametrize("make, problem, fix", [
    (lambda: GOOD.drop(GOOD.index[2]), "missing between 2022-01 and 2022-06, the first 2022-03",
     "supply a value for every month"),
    (lambda: GOOD.set_axis(GOOD.index + pd.Timedelta(days=14)), "must hold month starts",
     "to_period('M').to_timestamp()"),
    (lambda: GOOD.set_axis(pd.date_range("2022-01-31", periods=6, freq="ME")), "2022-01-31",
     "label each month by its first day"),
    (lambda: GOOD.set_axis(GOOD.index + pd.Timedelta(hours=6)), "must hold month starts", "first day"),
    (lambda: GOOD.where(GOOD.index != "2022-04-01", -5.0), "2022-04 is negative", "correct the month"),
    (lambda: GOOD.where(GOOD.index != "2022-02-01", np.nan), "2022-02 is not a finite number",
     "fill the month"),
    (lambda: GOOD.where(GOOD.index != "2022-02-01", np.inf), "not a finite number", "fill the month"),
    (lambda: GOOD.astype(object).where(GOOD.index != "2022-05-01", "n/a"), "2022-05 is not a finite",
     "fill the month"),
    (lambda: GOOD.iloc[:0], "empty", "at least one month"),
    (lambda: GOOD * 0, "every month of `y` is zero", "some usage"),
    (lambda: GOOD.iloc[::-1], "not in order", "sort_index"),
    (lambda: pd.concat([GOOD, GOOD.iloc[[-1]]]), "2022-06 appears more than once", "one value per month"),
    (lambda: GOOD.reset_index(drop=True), "DatetimeIndex of month starts", "pd.to_datetime"),
    (lambda: GOOD.to_period("M"), "PeriodIndex", "to_timestamp"),
    (lambda: GOOD.to_frame("tokens"), "got a DataFrame", "df['tokens']"),
    (lambda: GOOD.to_numpy(), "got a ndarray", "pd.Series(values"),
])
def test_bad_series_raise_input_error_with_fix(make, problem, fix):
    with pytest.raises(InputError) as err:
        forecast_series(make(), 3, n_paths=PATHS)
    text = str(err.value)
    assert problem in text and "Fix:" in text and fix in text


@pytest.mark.parametrize("kwargs, column", [
    ({"horizon": 0}, "horizon"), ({"horizon": 2.5}, "horizon"),
    ({"levels": (80, 100)}, "levels"), ({"levels": (0,)}, "levels"), ({"levels": ("80",)}, "levels"),
    ({"levels": "80"}, "levels"), ({"levels": (float("nan"),)}, "levels"),
    ({"n_paths": 10}, "n_paths"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
])
def test_bad_arguments_raise_input_error(kwargs, column):
    args = {"horizon": 3, **kwargs}
    with pytest.raises(InputError) as err:
        forecast_series(GOOD, args.pop("horizon"), n_paths=args.pop("n_paths", PATHS), **args)
    assert err.value.column == column and "Fix:" in str(err.value)


def test_timezone_aware_months_keep_their_zone():
    y = GOOD.tz_localize("UTC")
    t = forecast_series(y, 2, n_paths=PATHS)
    assert str(t.index.tz) == "UTC" and t.index[0] == pd.Timestamp("2022-07-01", tz="UTC")
