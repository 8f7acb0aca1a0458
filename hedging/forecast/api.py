"""One monthly series in, a table of forecast means and central prediction intervals out.

:func:`forecast_series` runs the same machinery as the app's volume forecast on any monthly
series of non-negative values (tokens, GPU-hours, dollars):

1. calendar regressors per month, ``(weekend days, days in month)``, for the history and the
   horizon (the definition the app uses for usage: Saturdays and Sundays are weekend days);
2. :func:`hedging.forecast.automatic.automatic_forecast`: a rolling-origin backtest, scored over
   ``min(12, horizon)`` months ahead, of the statsmodels ETS, Theta, ARIMA and STL models and the
   package's damped trend, log-linear (calendar, season, level shifts) and seasonal naive models;
   the three with the lowest MASE are combined (geometric mean of their point forecasts);
3. the combination's backtest errors calibrate its intervals per horizon band (1-3, 4-6, 7-12
   months) by split-conformal quantiles, and ``n_paths`` simulated paths are mapped so that their
   80% and 95% bands are the calibrated ones;
4. per month, ``mean`` is the mean of the calibrated paths and the central ``L``% interval runs
   from the ``(1 - L/100)/2`` to the ``(1 + L/100)/2`` quantile of the paths
   (:func:`hedging.risk.quantile`, the product's one quantile definition).

The app also correlates volume shocks with the price index's innovations; this function forecasts
the series on its own (independent shocks), so for the same seed its paths are not the app's,
while the models, calendar, backtest, combination and calibration are the same.
"""

from __future__ import annotations

import calendar as _calendar
import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning, InputError
from hedging.forecast.automatic import automatic_forecast
from hedging.forecast.calibration import bands
from hedging.forecast.paths import DEFAULT_PATHS, check_horizon

__all__ = ["BACKTEST_HORIZON", "DEFAULT_SEED", "forecast_series", "month_calendar", "volume_paths"]

#: Longest horizon the backtest scores each candidate over (as in the app's forecast).
BACKTEST_HORIZON = 12
#: Seed used when none is given, so that the same input always gives the same table.
DEFAULT_SEED = 7
_MIN_PATHS, _MAX_PATHS = 100, 1_000_000


def month_calendar(months: pd.DatetimeIndex) -> np.ndarray:
    """Calendar regressors per month: ``(weekend days, days in month)``, shape ``(n, 2)``.

    Weekend days are the Saturdays and Sundays of the month. Worked number: January 2025 has 31
    days and begins on a Wednesday, so its Saturdays (4, 11, 18, 25) and Sundays (5, 12, 19, 26)
    give ``(8.0, 31.0)``.
    """
    rows = []
    for m in months:
        days = _calendar.monthrange(m.year, m.month)[1]
        weekend = sum(1 for d in range(1, days + 1) if _calendar.weekday(m.year, m.month, d) >= 5)
        rows.append((float(weekend), float(days)))
    return np.array(rows, dtype=float).reshape(len(rows), 2)


def _month(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m}"


def _checked_series(y) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """The values (float, >= 0, finite) and their month-start index, or an InputError."""
    if not isinstance(y, pd.Series):
        kind = type(y).__name__
        fix = ("pass one column, e.g. `df['tokens']`." if isinstance(y, pd.DataFrame) else
               "build it as `pd.Series(values, index=pd.date_range('2024-01-01', periods=len(values), "
               "freq='MS'))`.")
        raise InputError(f"`y` must be a pandas Series of monthly values, got a {kind}.", column="y", fix=fix)
    if len(y) == 0:
        raise InputError("`y` is empty: there is no history to forecast from.", column="y",
                         fix="pass at least one month of values.")
    idx = y.index
    if isinstance(idx, pd.PeriodIndex):
        raise InputError("the index of `y` is a PeriodIndex; a DatetimeIndex of month starts is needed.",
                         column="y", fix="convert it with `y.to_timestamp(how='start')`.")
    if not isinstance(idx, pd.DatetimeIndex):
        raise InputError(f"the index of `y` must be a DatetimeIndex of month starts, got a "
                         f"{type(idx).__name__}.", column="y",
                         fix="set `y.index = pd.to_datetime(y.index)`, with each value on the first day "
                             "of its month.")
    if idx.hasnans:
        raise InputError("the index of `y` has a missing date (NaT).", column="y",
                         fix="give every value the first day of its month.")
    off = np.flatnonzero((idx.day != 1) | (idx != idx.normalize()))
    if off.size:
        bad = idx[int(off[0])]
        raise InputError(f"the index of `y` must hold month starts (the 1st at midnight); {bad} is not "
                         f"one ({off.size} such date{'s' if off.size > 1 else ''}).", column="y",
                         fix="label each month by its first day, e.g. "
                             "`y.index = y.index.to_period('M').to_timestamp()` (after making sure "
                             "each month appears once).")
    if idx.has_duplicates:
        dup = idx[idx.duplicated()][0]
        raise InputError(f"month {_month(dup)} appears more than once in `y`.", column="y",
                         fix="keep one value per month, e.g. `y.groupby(level=0).sum()`.")
    if not idx.is_monotonic_increasing:
        raise InputError("the months of `y` are not in order, oldest first.", column="y",
                         fix="sort them with `y.sort_index()`.")
    full = pd.date_range(idx[0], idx[-1], freq="MS")
    if len(full) != len(idx):
        missing = full.difference(idx)
        raise InputError(f"`y` has gaps: {len(missing)} month{'s are' if len(missing) > 1 else ' is'} "
                         f"missing between {_month(idx[0])} and {_month(idx[-1])}, the first "
                         f"{_month(missing[0])}.", column="y",
                         fix="supply a value for every month (0 if the usage really was zero); a month "
                             "without data must not be left out, or forecast from the months after "
                             "the gap.")
    values = pd.to_numeric(y, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"the value for {_month(idx[i])} is not a finite number ({bad.size} such "
                         f"month{'s' if bad.size > 1 else ''}).", column="y", value=y.iloc[i],
                         fix="fill the month with its measured value (0 if there was no usage); "
                             "do not leave it blank.")
    neg = np.flatnonzero(values < 0)
    if neg.size:
        i = int(neg[0])
        raise InputError(f"the value for {_month(idx[i])} is negative ({neg.size} such "
                         f"month{'s' if neg.size > 1 else ''}); monthly volumes are >= 0.", column="y",
                         value=values[i], fix="correct the month (refunds and credits belong in a "
                                              "separate series).")
    if not (values > 0).any():
        raise InputError("every month of `y` is zero, so there is nothing to forecast.", column="y",
                         fix="forecast a series with some usage.")
    return values, idx


def _checked_levels(levels) -> tuple[float, ...]:
    if isinstance(levels, (int, float)) and not isinstance(levels, bool):
        levels = (levels,)
    if not isinstance(levels, Iterable) or isinstance(levels, (str, bytes)):
        raise InputError("`levels` must be a sequence of interval levels in percent.", column="levels",
                         value=levels, fix="use e.g. `levels=(80, 95)`.")
    out = []
    for lev in levels:
        if isinstance(lev, bool) or not isinstance(lev, (int, float, np.integer, np.floating)) or not (
                math.isfinite(float(lev)) and 0 < float(lev) < 100):
            raise InputError("each interval level must be a percentage strictly between 0 and 100.",
                             column="levels", value=lev, fix="use e.g. `levels=(80, 95)`.")
        out.append(float(lev))
    return tuple(sorted(set(out)))


def _label(level: float) -> str:
    return f"{level:g}"


def volume_paths(values: np.ndarray, months: pd.DatetimeIndex, future: pd.DatetimeIndex, *, n_paths: int,
                 seed: int | None, shocks: np.ndarray | None = None):
    """The machinery behind :func:`forecast_series` and the app's volume forecast: calendar
    regressors, the backtest, combination and per-horizon calibration of
    :func:`hedging.forecast.automatic.automatic_forecast` (scored over ``min(12, len(future))``
    months), simulated with ``shocks`` when given (standard normal, paths x months).
    Returns ``(result, calibrated paths, calibration, warnings)``."""
    result = automatic_forecast(values, len(future), calendar=month_calendar(months),
                                calendar_future=month_calendar(future), n_paths=n_paths, seed=seed,
                                shocks=shocks, backtest_horizon=min(BACKTEST_HORIZON, len(future)))
    return result, result.forecast.paths(), result.calibration, tuple(result.warnings)


def forecast_series(y: pd.Series, horizon: int, levels=(80, 95), *, n_paths: int = DEFAULT_PATHS,
                    seed: int | None = DEFAULT_SEED) -> pd.DataFrame:
    """Forecast a monthly series: the mean and central prediction intervals of each future month.

    Per forecast month ``t``, with ``v_t^(i)`` the calibrated simulated value on path ``i``
    (``i = 1..n``) and ``Q`` the lower empirical quantile (:func:`hedging.risk.quantile`)::

        mean_t = (1/n) sum_i v_t^(i)
        lo_L_t = Q_t((1 - L/100) / 2),   hi_L_t = Q_t((1 + L/100) / 2)
        log v_t^(i) = log p_t + sigma_t g_t((log u_t^(i) - log p_t) / sigma_t)

    where ``p`` is the combination's point forecast, ``sigma`` its log spread, ``u`` its raw paths
    and ``g_t`` the increasing map that sends the normal 80% and 95% quantiles to the
    conformal quantiles of the backtest errors in ``t``'s horizon band
    (:mod:`hedging.forecast.automatic`). Model choice and calendar regressors are described in the
    module docstring.

    Parameters
    ----------
    y : pandas.Series
        Monthly values in the series' own unit (e.g. tokens per month), indexed by month starts
        (a DatetimeIndex of the 1st of each month at midnight), oldest first, with no missing
        month, finite and >= 0, at least one of them positive. Leading zero months are left out
        of the fit; a zero month after the first positive one is treated as half the smallest
        positive month (the models work on logs).
    horizon : int
        Number of months to forecast, >= 1.
    levels : sequence of float, default (80, 95)
        Central interval levels in percent, each strictly between 0 and 100; computed from the
        simulated paths, so any level is available (the extreme ones need many paths).
    n_paths : int, default 10,000
        Simulated paths (100 to 1,000,000).
    seed : int or None, default 7
        Seed of the simulation; the same series, horizon, levels, ``n_paths`` and seed give the
        same table. None draws fresh randomness.

    Returns
    -------
    pandas.DataFrame
        One row per forecast month, indexed by the forecast month starts (named ``month``), with
        column ``mean`` then ``lo_L`` and ``hi_L`` for each level in increasing order (same unit
        as ``y``). ``attrs`` holds ``model`` (``"combination"``, or ``"drift"`` / ``"damped_trend"``
        for histories too short to backtest), ``models`` (the candidates combined), ``seasonal``
        (whether one of them has a 12-month season), ``calibration`` (per horizon band: months
        ahead, backtest errors, the 80% and 95% factors and their source) and ``warnings``
        (messages, e.g. a short history or widened intervals).

    Raises
    ------
    InputError
        When ``y``, ``horizon``, ``levels``, ``n_paths`` or ``seed`` is unusable; the message
        names the problem and the fix.
    ModelError
        When no candidate model can be fitted or its simulation overflows (e.g. volumes that
        grow by many orders of magnitude); raised by
        :func:`hedging.forecast.automatic.automatic_forecast`.

    Notes
    -----
    Guaranteed: ``lo_95 <= lo_80 <= hi_80 <= hi_95`` in every month (quantiles of one sample are
    monotone in the probability) and ``mean >= 0``. Not guaranteed: that ``mean`` lies inside a
    band, because the paths are right-skewed (log-normal-like), so the mean sits above the
    median and can pass ``hi_L`` for narrow levels.

    Examples
    --------
    A constant history of 500 for 24 months has no month-to-month change, so every model fits it
    exactly and every path stays at 500: each month's ``mean``, ``lo_80`` ... ``hi_95`` are 500.
    With 10,000 paths the 80% band of a month runs from its 1,000th to its 9,000th smallest
    simulated value (``ceil(0.10 x 10,000)`` and ``ceil(0.90 x 10,000)``).

    >>> import pandas as pd
    >>> y = pd.Series(500.0, index=pd.date_range("2023-01-01", periods=24, freq="MS"))
    >>> table = forecast_series(y, 3, n_paths=1_000)
    >>> list(table.columns), [f"{d:%Y-%m}" for d in table.index]
    (['mean', 'lo_80', 'hi_80', 'lo_95', 'hi_95'], ['2025-01', '2025-02', '2025-03'])
    >>> table.round(6).iloc[0].tolist()
    [500.0, 500.0, 500.0, 500.0, 500.0]

    References
    ----------
    L. J. Tashman (2000), "Out-of-sample tests of forecasting accuracy", IJF 16(4) (rolling
    origin); R. J. Hyndman and A. B. Koehler (2006), "Another look at measures of forecast
    accuracy", IJF 22(4) (MASE); R. J. Hyndman and Y. Fan (1996), "Sample quantiles in
    statistical packages", Am. Stat. 50(4), definition 1; A. N. Angelopoulos and S. Bates
    (2023), "Conformal prediction: a gentle introduction", Found. Trends ML 16(4) (calibration
    of the bands to the backtest errors); S. Makridakis, E. Spiliotis and V. Assimakopoulos
    (2020), "The M4 Competition: 100,000 time series and 61 forecasting methods", IJF 36(1)
    (combinations).
    """
    values, idx = _checked_series(y)
    horizon = check_horizon(horizon)
    wanted = _checked_levels(levels)
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or not (
            _MIN_PATHS <= n_paths <= _MAX_PATHS):
        raise InputError(f"`n_paths` must be a whole number from {_MIN_PATHS:,} to {_MAX_PATHS:,}.",
                         column="n_paths", value=n_paths, fix="use 10,000 (the default).")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputError("`seed` must be a whole number >= 0 or None.", column="seed", value=seed,
                         fix="use e.g. `seed=7`, or leave it out.")
    future = pd.date_range(idx[-1] + pd.offsets.MonthBegin(1), periods=horizon, freq="MS", tz=idx.tz)
    result, paths, calibration, warnings = volume_paths(values, idx, future, n_paths=int(n_paths),
                                                        seed=None if seed is None else int(seed))
    columns: dict[str, np.ndarray] = {"mean": paths.mean(axis=0)}
    for level, (lo, hi) in bands(paths, wanted).items():
        columns[f"lo_{_label(level)}"] = np.asarray(lo, dtype=float)
        columns[f"hi_{_label(level)}"] = np.asarray(hi, dtype=float)
    out = pd.DataFrame(columns, index=pd.DatetimeIndex(future, name="month"))
    notes = [w.message for w in warnings]
    out.attrs.update(model=result.model, models=tuple(result.members), seasonal=bool(result.seasonal),
                     calibration=tuple({"months_ahead": f"{lo}-{hi}", "backtest_errors": n, "factor_80": f80,
                                        "factor_95": f95, "source": source}
                                       for lo, hi, n, f80, f95, source in calibration.bands),
                     warnings=tuple(notes))
    return out
