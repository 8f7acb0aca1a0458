"""Rolling-origin backtest of a volume model: scaled errors (MASE) and interval coverage.

For each origin ``T = min_train, min_train + step, ...`` up to ``n - 1`` the model is fitted to
``y[:T]`` and forecasts ``min(horizon, n - T)`` months, which are compared with what happened
(Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16(4); FPP3 section 5.10).

Errors are scaled as in Hyndman and Koehler (2006), "Another look at measures of forecast
accuracy", IJF 22(4), eq. for ``q_t``: the absolute error of each forecast is divided by the
in-sample mean absolute error of the seasonal naive forecast on that origin's training data,

    q = |y_{T+h} - y_hat_{T+h|T}| / ( (1 / (T - m)) sum_{i=m}^{T-1} |y_i - y_{i-m}| ),

and ``MASE`` is the mean of ``q`` over all origins and horizons. Rule for ``m``: 12 when every
training window holds at least 18 months (six or more year-on-year changes to average), else 1
(the month-on-month naive). MASE < 1 beats the in-sample naive; volumes are compared in their
units (not logs). Coverage is the share of realised months inside the 80% and 95% intervals
(bounds included, with a 1e-12 relative allowance for rounding).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import HedgingError, HedgingWarning, InputError, ModelError
from hedging.forecast.paths import (MONTHS_PER_YEAR, SHORT_HISTORY, VolumeForecast, as_calendar,
                                    check_horizon)
from hedging.forecast.volume import MODELS, FittedVolume, fit_volume

#: Training months needed for the year-on-year (m = 12) MASE scale.
SEASONAL_SCALE_MONTHS = 18
#: Relative slack when checking an actual against interval bounds: bounds are exp(log y) and
#: carry rounding of a few 1e-16, which must not turn a zero-width hit into a miss.
_ROUNDING = 1e-12
#: Paths simulated per backtest forecast (enough for 80% and 95% bounds to within ~1%).
BACKTEST_PATHS = 1_000


@dataclass(frozen=True)
class Backtest:
    """Rolling-origin backtest of one model on one series.

    Attributes
    ----------
    model : str
        Model name.
    horizon, min_train, step, season : int
        Longest forecast, first training length, origin step, and ``m`` of the MASE scale.
    origins : tuple of int
        Training lengths ``T`` used.
    records : tuple of tuple
        One ``(origin, h, actual, point, lower80, upper80, lower95, upper95, scale)`` per
        forecast month (volume units; ``scale`` is the origin's in-sample naive MAE).
    mase : float
        Mean of ``|actual - point| / scale`` over all records (nan if every scale is 0).
    mase_by_horizon : tuple of float
        The same mean for ``h = 1..horizon`` (nan where no record has that ``h``).
    mae : float
        Mean absolute error in volume units (used to rank models when MASE is undefined).
    coverage_80, coverage_95 : float
        Share of records inside the 80% and 95% intervals.
    warnings : tuple of HedgingWarning
    """

    model: str
    horizon: int
    min_train: int
    step: int
    season: int
    origins: tuple[int, ...]
    records: tuple[tuple[float, ...], ...]
    mase: float
    mase_by_horizon: tuple[float, ...]
    mae: float
    coverage_80: float
    coverage_95: float
    warnings: tuple[HedgingWarning, ...] = ()
    #: The last origin's estimates (statsmodels models): starting values for a fit on more months.
    warm_start: dict | None = field(default=None, compare=False, repr=False)

    @property
    def n_forecasts(self) -> int:
        """Number of (origin, month) forecasts compared with actuals."""
        return len(self.records)


def naive_scale(train: ArrayLike, season: int = 1) -> float:
    """In-sample mean absolute error of the (seasonal) naive forecast, ``mean |y_i - y_{i-m}|``.

    Example: ``(10, 12, 11, 15)`` with ``m = 1``: ``(2 + 1 + 4) / 3 = 2.333``.
    """
    y = np.asarray(train, dtype=float)
    if y.size <= season:
        raise InputError(f"the MASE scale with m = {season} needs more than {season} training "
                         f"months, got {y.size}.", column="train", fix="Use m = 1 or more months.")
    return float(np.mean(np.abs(y[season:] - y[:-season])))


def mean_absolute_scaled_error(actual: ArrayLike, forecast: ArrayLike, train: ArrayLike,
                               season: int = 1) -> float:
    """MASE of one forecast (Hyndman and Koehler 2006): ``mean |e| / naive_scale(train, m)``.

    Parameters
    ----------
    actual, forecast : array_like
        Realised and forecast volumes over the test months.
    train : array_like
        The training series the forecast was made from.
    season : int
        ``m``: 1 for the naive scale, 12 for the seasonal naive.

    Examples
    --------
    Train ``(10, 12, 11, 15)`` (scale 7/3), actual ``(16, 18)``, forecast ``(15, 15)``:
    ``mean(1, 3) / (7/3) = 6/7 = 0.857``.
    """
    a, f = np.asarray(actual, dtype=float), np.asarray(forecast, dtype=float)
    if a.shape != f.shape:
        raise InputError(f"`actual` has shape {a.shape} but `forecast` has {f.shape}.",
                         column="forecast", fix="Pass one forecast per realised month.")
    return float(np.mean(np.abs(a - f)) / naive_scale(train, season))


def default_min_train(n: int) -> int:
    """First training length: 12 months when ``n >= 18``, else ``max(6, n - 6)``."""
    return 12 if n >= SHORT_HISTORY + 12 else max(SHORT_HISTORY, n - 6)


def _slice_calendar(calendar: ArrayLike | Mapping | None, n: int, lo: int, hi: int):
    if calendar is None:
        return None
    if isinstance(calendar, Mapping):
        return {k: np.asarray(v, dtype=float)[lo:hi] for k, v in calendar.items()}
    arr, _ = as_calendar(calendar, n, "calendar")
    return arr[lo:hi]


def backtest(y: ArrayLike, model: str, *, horizon: int, min_train: int | None = None,
             step: int = 1, calendar: ArrayLike | Mapping | None = None,
             n_paths: int = BACKTEST_PATHS, seed: int = 0, origins: tuple[int, ...] | None = None,
             **options) -> Backtest:
    """Rolling-origin evaluation of ``model`` on ``y`` (module docstring for the method).

    Parameters
    ----------
    y : array_like
        Monthly volumes, oldest first, >= 0. Leading zero months are dropped first.
    model : str
        A key of :data:`~hedging.forecast.volume.MODELS`.
    horizon : int
        Longest forecast in months; near the end of the data fewer months are available.
    min_train : int, optional
        First training length (:func:`default_min_train` when omitted).
    step : int
        Months between origins (1).
    calendar : array_like or mapping, optional
        Calendar regressors for all ``n`` months (sliced for each origin).
    n_paths, seed : int
        Simulation size and seed of each origin's forecast (seed + origin).
    origins : tuple of int, optional
        Training lengths to use instead of ``min_train, min_train + step, ...`` (each from
        ``min_train`` to ``n - 1``, increasing), e.g. a thinned set when each fit is costly.
    **options
        Passed to the model's ``fit``.

    Returns
    -------
    Backtest
    """
    horizon = check_horizon(horizon)
    if model not in MODELS:
        raise InputError(f"unknown volume model {model!r}.", column="model", value=model,
                         fix=f"Use one of {sorted(MODELS)}.")
    values = np.asarray(y, dtype=float)
    if values.ndim != 1:
        raise InputError("`y` must be a 1-D array of monthly volumes.", column="y",
                         fix="Pass one number per month, oldest first.")
    positive = np.flatnonzero(values > 0)
    first = int(positive[0]) if positive.size else 0
    warnings = []
    if first:
        warnings.append(HedgingWarning("leading_zeros", f"The first {first} month(s) have zero "
                                       "volume and were left out of the backtest."))
    full_n = values.size
    values = values[first:]
    n = values.size
    min_train = default_min_train(n) if min_train is None else min_train
    for name, value in (("min_train", min_train), ("step", step)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise InputError(f"`{name}` must be a whole number >= 1.", column=name, value=value,
                             fix="Use e.g. min_train=12, step=1.")
    if origins is None:
        origins = tuple(range(int(min_train), n, int(step)))
    else:
        origins = tuple(int(T) for T in origins)
        if any(T < min_train or T >= n for T in origins) or list(origins) != sorted(set(origins)):
            raise InputError(f"backtest origins must increase and lie from {min_train} to {n - 1}.",
                             column="origins", value=origins, fix="Leave origins out for every month.")
    if not origins:
        raise InputError(f"{n} months leave nothing to test after min_train = {min_train}.",
                         column="min_train", value=min_train,
                         fix=f"Use min_train <= {n - 1}, or wait for more months.")
    season = MONTHS_PER_YEAR if min_train >= SEASONAL_SCALE_MONTHS else 1
    records = []
    zero_scale = 0
    for T in origins:
        h = min(horizon, n - T)
        fitted = fit_volume(values[:T], model,
                            calendar=_slice_calendar(calendar, full_n, first, first + T),
                            **options)
        if getattr(fitted, "warm_start", None) is not None:
            # statsmodels fits: this origin's estimates start the next origin's optimiser
            options = {**options, "warm": fitted.warm_start}
        fc = fitted.forecast(h, calendar_future=_slice_calendar(calendar, full_n, first + T,
                                                                first + T + h),
                             n_paths=n_paths, seed=seed + T)
        scale = naive_scale(values[:T], season)
        zero_scale += scale == 0
        lo80, hi80 = fc.interval(80)
        lo95, hi95 = fc.interval(95)
        for j in range(h):
            records.append((T, j + 1, float(values[T + j]), fc.point[j], float(lo80[j]),
                            float(hi80[j]), float(lo95[j]), float(hi95[j]), scale))
    rec = np.array(records)
    if zero_scale:
        warnings.append(HedgingWarning("zero_scale", f"{zero_scale} training window(s) are "
                                       "constant, so their scaled errors are left out of MASE."))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(rec[:, 8] > 0, np.abs(rec[:, 2] - rec[:, 3]) / rec[:, 8], np.nan)
    ok = np.isfinite(q)
    mase = float(q[ok].mean()) if ok.any() else float("nan")
    by_h = []
    for j in range(1, horizon + 1):
        sel = ok & (rec[:, 1] == j)
        by_h.append(float(q[sel].mean()) if sel.any() else float("nan"))
    lo, hi = 1.0 - _ROUNDING, 1.0 + _ROUNDING
    inside80 = (rec[:, 4] * lo <= rec[:, 2]) & (rec[:, 2] <= rec[:, 5] * hi)
    inside95 = (rec[:, 6] * lo <= rec[:, 2]) & (rec[:, 2] <= rec[:, 7] * hi)
    return Backtest(model=model, horizon=horizon, min_train=int(min_train), step=int(step),
                    season=season, origins=origins,
                    records=tuple(tuple(float(v) for v in r) for r in records), mase=mase,
                    mase_by_horizon=tuple(by_h),
                    mae=float(np.abs(rec[:, 2] - rec[:, 3]).mean()),
                    coverage_80=float(inside80.mean()),
                    coverage_95=float(inside95.mean()), warnings=tuple(warnings),
                    warm_start=options.get("warm"))


@dataclass(frozen=True)
class CandidateScore:
    """One row of the model-selection table: a candidate's backtest summary, or why it failed."""

    model: str
    mase: float
    coverage_80: float
    coverage_95: float
    n_forecasts: int
    mae: float = float("nan")
    error: str | None = None


@dataclass(frozen=True)
class Selection:
    """Automatic choice of volume model by backtest MASE, and the chosen model's forecast.

    Attributes
    ----------
    model : str
        Chosen model (``"drift"`` for fewer than 6 months).
    scores : tuple of CandidateScore
        Every candidate's MASE and 80%/95% coverage, in the order given, for display.
    backtests : tuple of Backtest
        The candidates' backtests (those that ran).
    fitted : fitted model
        The chosen model fitted to the whole history.
    forecast : VolumeForecast
        Its forecast over the requested horizon (with the paths).
    warnings : tuple of HedgingWarning
        Selection warnings followed by the forecast's.
    """

    model: str
    scores: tuple[CandidateScore, ...]
    backtests: tuple[Backtest, ...]
    fitted: FittedVolume
    forecast: VolumeForecast
    warnings: tuple[HedgingWarning, ...]


#: Realised 80% coverage below this (over >= 10 backtest months) is flagged as too narrow.
LOW_COVERAGE_80 = 0.65


def select_model(y: ArrayLike, horizon: int, *, calendar: ArrayLike | Mapping | None = None,
                 calendar_future: ArrayLike | Mapping | None = None,
                 candidates: tuple[str, ...] = ("seasonal_naive", "damped_trend", "loglinear"),
                 min_train: int | None = None, n_paths: int | None = None,
                 seed: int | np.random.Generator | None = None, shocks: ArrayLike | None = None,
                 backtest_paths: int = BACKTEST_PATHS, backtest_horizon: int | None = None) -> Selection:
    """Backtest each candidate, keep the lowest mean MASE, and forecast with it.

    Candidates are ranked by mean MASE; when a constant training window leaves MASE undefined
    for some candidate, all are ranked by mean absolute error (``mase_undefined`` warning).

    Parameters
    ----------
    y : array_like
        Monthly volumes, oldest first, >= 0.
    horizon : int
        Forecast months (also the backtest horizon).
    calendar, calendar_future : array_like or mapping, optional
        Calendar regressors for the history and for the horizon.
    candidates : tuple of str
        Model names to compare; ties go to the earlier one.
    min_train : int, optional
        First backtest training length (:func:`default_min_train`).
    n_paths, seed, shocks
        Passed to the chosen model's ``forecast``.
    backtest_paths : int
        Paths per backtest forecast.
    backtest_horizon : int, optional
        Months ahead each backtest forecast is scored over (default ``horizon``); a forecast that
        also bridges months not yet reported scores the models over the horizon that matters.

    Returns
    -------
    Selection

    Notes
    -----
    Fewer than 6 months: no backtest; the drift model with a ``short_history`` warning. 6 or 7
    months (fewer than two origins): damped trend, with a ``no_backtest`` warning. A candidate
    that fails to fit at some origin is listed with its error and not chosen.
    """
    horizon = check_horizon(horizon)
    for name in candidates:
        if name not in MODELS:
            raise InputError(f"unknown candidate model {name!r}.", column="candidates",
                             value=name, fix=f"Use names from {sorted(MODELS)}.")
    if not candidates:
        raise InputError("`candidates` is empty.", column="candidates",
                         fix=f"Pass one or more of {sorted(MODELS)}.")
    if min_train is not None and (isinstance(min_train, bool)
                                  or not isinstance(min_train, (int, np.integer))
                                  or min_train < 1):
        raise InputError("`min_train` must be a whole number >= 1.", column="min_train",
                         value=min_train, fix="Leave it out for the default.")
    values = np.asarray(y, dtype=float)
    n = int(np.sum(np.cumsum(values > 0) > 0)) if values.ndim == 1 else 0
    warnings: list[HedgingWarning] = []
    scores, backtests = [], []
    if n < SHORT_HISTORY:
        chosen = "damped_trend" if "damped_trend" in candidates else candidates[0]
    elif len(range(min_train or default_min_train(n), n)) < 2:
        chosen = "damped_trend" if "damped_trend" in candidates else candidates[0]
        warnings.append(HedgingWarning(
            "no_backtest", f"{n} months are too few to backtest the models (two or more "
            f"rolling origins are needed), so {chosen} was used without comparison."))
    else:
        for name in candidates:
            try:
                bt = backtest(values, name, horizon=check_horizon(backtest_horizon or horizon), min_train=min_train,
                              calendar=calendar, n_paths=backtest_paths)
            except (HedgingError, np.linalg.LinAlgError) as err:
                scores.append(CandidateScore(name, float("nan"), float("nan"), float("nan"), 0,
                                             error=str(err)))
                continue
            backtests.append(bt)
            scores.append(CandidateScore(name, bt.mase, bt.coverage_80, bt.coverage_95,
                                         bt.n_forecasts, bt.mae))
        ran = [s for s in scores if s.error is None]
        if not ran:
            raise ModelError("no candidate volume model could be backtested: "
                             + "; ".join(f"{s.model}: {s.error}" for s in scores)
                             + ". Check the history for broken months or a unit change.")
        if all(np.isfinite(s.mase) for s in ran):
            best = min(ran, key=lambda s: s.mase)
        else:
            best = min(ran, key=lambda s: s.mae)
            warnings.append(HedgingWarning(
                "mase_undefined", "The history has constant stretches, so the scaled error "
                "(MASE) is undefined; the models were ranked by mean absolute error instead."))
        chosen = best.model
        if best.n_forecasts >= 10 and best.coverage_80 < LOW_COVERAGE_80:
            warnings.append(HedgingWarning(
                "backtest_coverage", f"In the backtest only {best.coverage_80:.0%} of realised "
                f"months fell inside {chosen}'s 80% intervals: treat the intervals as too narrow "
                "(the history has more surprises than the model expects)."))
    fitted = fit_volume(values, chosen, calendar=calendar)
    forecast = fitted.forecast(horizon, calendar_future=calendar_future, n_paths=n_paths,
                               seed=seed, shocks=shocks)
    return Selection(model=forecast.model, scores=tuple(scores), backtests=tuple(backtests),
                     fitted=fitted, forecast=forecast,
                     warnings=tuple(warnings) + forecast.warnings)
