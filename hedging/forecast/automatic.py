"""The automatic volume forecast: backtest every candidate, combine the best, calibrate per horizon.

1. **Candidates.** The package's seasonal naive, damped trend and log-linear models (the last
   carries the calendar regressors and the level shifts of model migrations) and the statsmodels
   ETS, ARIMA, Theta and STL models of :mod:`hedging.forecast.statistical`. Windows shorter than
   :data:`STATS_MIN_TRAIN` months leave the statsmodels models out; ETS and STL join once every
   window holds two full years (without a season, ETS is ETS(A,Ad,N) on logs: the package's
   damped trend candidate) and ARIMA once it holds three (its non-seasonal form, ARIMA(0,1,1)
   with drift, is the Theta method's model; Hyndman and Billah 2003).
2. **Rolling-origin backtest** (:func:`hedging.forecast.backtest.backtest`) of every candidate at
   the same origins: up to :data:`MAX_ORIGINS` training lengths spread evenly over the last
   :data:`ORIGIN_SPAN` months (statsmodels fits cost tens of milliseconds each, so not every
   month is an origin), each scored over up to 12 months ahead by MASE.
3. **Combination.** The :data:`COMBINE` candidates with the lowest backtest MASE (mean absolute
   error when MASE is undefined) are combined: the point forecast is the geometric mean of their
   point forecasts (an equal-weight combination of log forecasts, which is robust where picking
   one winner from a short backtest is not: Makridakis et al. 2020, "The M4 Competition", IJF
   36(1); Petropoulos and Svetunkov 2020, "A simple combination of univariate models", IJF 36(1))
   and its log spread the mean of theirs, widened by the error of a trend estimated from the
   window (:func:`with_trend_uncertainty`). The combination's own backtest forecasts are scored
   the same way and listed as ``combination``.
4. **Calibration per horizon band** (split conformal prediction on the rolling-origin errors;
   Angelopoulos and Bates 2023, "Conformal prediction: a gentle introduction", Found. Trends ML
   16(4); Stankeviciute, Alaa and van der Schaar 2021, "Conformal time-series forecasting",
   NeurIPS). Each backtest forecast gives a standardised log error ``s = |log a - log p| / sigma``,
   with ``a`` the actual, ``p`` the point forecast and ``sigma`` the forecast's own log spread
   ``(log hi_80 - log lo_80) / (2 z_0.90)``. In each horizon band (:data:`BANDS`: 1-3, 4-6 and
   7-12 months; later months use the last band) with ``n`` errors, the conformal quantile at level
   ``L`` is the ``ceil((n + 1) L)``-th smallest ``s``; the band's factor is ``f_L = q_L / z_L``
   (``z_L`` the standard normal ``(1 + L)/2`` quantile), kept within :data:`FACTOR_RANGE`, and
   at least 1 for histories shorter than :data:`NARROW_MONTHS` (there the backtest only widens
   the models' bands). A band with too few errors for 95% (``(n + 1) 0.95 > n``) but enough
   for 80% takes ``q_95 = q_80`` times the pooled errors' ``q_95 / q_80``; a band with too few
   for 80% uses all bands pooled; with too few even then the factor is 1 and a warning says the
   intervals are uncalibrated.
5. **Paths.** Every simulated path's standardised log deviation ``u = (log v - log p) / sigma``
   is mapped through the odd, increasing, piecewise-linear ``g`` with ``g(z_0.90) = q_80`` and
   ``g(z_0.975) = q_95`` (slope ``q_80 / z_0.90`` inside, ``q_95 / z_0.975`` beyond), so the
   calibrated 80% and 95% bands of every month are exactly ``p exp(+/- q_L sigma)`` up to
   simulation noise, and the transform keeps each path's rank (its correlation with the price
   index survives). The app's volume paths are these paths.

Histories too short for two backtest origins (fewer than 8 months after the first month with
usage) keep the earlier rules, each with a warning: the drift model below 6 months; at 6-7 months
the damped trend's point forecast with the bands of a random walk whose drift is estimated from
those months (:func:`short_history_spread`), never narrower than the damped trend's own.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import norm

from hedging.errors import HedgingError, HedgingWarning, ModelError
from hedging.forecast.backtest import (BACKTEST_PATHS, Backtest, CandidateScore, default_min_train,
                                       backtest)
from hedging.forecast.drift import SIGMA_FLOOR
from hedging.forecast.paths import (SHORT_HISTORY, VolumeForecast, check_horizon, standard_shocks,
                                    summarise_paths)
from hedging.forecast.statistical import NAMES as STATS_NAMES
from hedging.forecast.statistical import SEASONAL_ARIMA_MONTHS, SEASONAL_MONTHS
from hedging.forecast.volume import FittedVolume, fit_volume

#: Candidate models, in the order ties are broken.
CANDIDATES = ("ets", "theta", "arima", "stl", "damped_trend", "loglinear", "seasonal_naive")
#: Shortest backtest window on which the statsmodels candidates are fitted.
STATS_MIN_TRAIN = 10
#: Number of best candidates combined.
COMBINE = 3
#: Most backtest origins, and the span of final months they are spread over.
MAX_ORIGINS = 6
ORIGIN_SPAN = 24
#: Horizon bands (months ahead, inclusive) calibrated separately.
BANDS = ((1, 3), (4, 6), (7, 12))
#: Interval levels the calibration targets (percent).
LEVELS = (80, 95)
#: Smallest and largest calibration factor. Below :data:`NARROW_MONTHS` of history the backtest
#: only widens a model's bands (a few dozen errors from short, overlapping windows are too noisy to
#: trust a narrowing: on simulated random walks with 24 months of history, allowing factors down
#: to 0.5 left 80% bands covering 67%); from four years on it may also narrow them, by a quarter
#: at most. The errors of one origin are correlated across horizons, so six origins are worth far
#: fewer than their few dozen errors: narrowing to half (the earlier floor) left the 95% bands
#: 7-12 months ahead covering 89% of held-out months on the real panel of bench/forecast.py,
#: and 0.75 gave 92-95% on forecasts made 12, 24 and 36 months before the end of each series.
FACTOR_RANGE = (0.75, 5.0)
NARROW_MONTHS = 48
#: A factor above this is reported to the user as a widening.
REPORT_WIDENING = 1.25

_Z = {lev: float(norm.ppf(0.5 + lev / 200)) for lev in LEVELS}


@dataclass(frozen=True)
class Calibration:
    """Interval calibration factors by horizon band.

    Attributes
    ----------
    bands : tuple of (first, last, n_errors, factor_80, factor_95, source)
        ``source`` is ``"band"`` (the band's own errors), ``"pooled"`` (all bands) or
        ``"none"`` (too few errors: factor 1).
    """

    bands: tuple[tuple[int, int, int, float, float, str], ...]

    def factors(self, horizon: int) -> np.ndarray:
        """``(horizon, 2)`` array: the 80% and 95% factors of each month ahead ``h = 1..horizon``."""
        out = np.ones((horizon, 2))
        for j in range(horizon):
            row = next((b for b in self.bands if b[0] <= j + 1 <= b[1]), self.bands[-1])
            out[j] = row[3], row[4]
        return out

    @staticmethod
    def identity() -> Calibration:
        return Calibration(tuple((lo, hi, 0, 1.0, 1.0, "none") for lo, hi in BANDS))


@dataclass(frozen=True)
class AutoForecast:
    """The automatic forecast of one series.

    Attributes
    ----------
    model : str
        ``"combination"``, or the single model used when no backtest was possible
        (``"drift"``, ``"damped_trend"``).
    members : tuple of str
        Candidates combined (empty when there was no backtest).
    scores : tuple of CandidateScore
        Every candidate's backtest MASE and coverage, then the combination's.
    backtests : tuple of Backtest
    calibration : Calibration
    forecast : VolumeForecast
        Calibrated point, mean, intervals and paths over the requested horizon.
    seasonal : bool
        Whether a member has a 12-month seasonal component.
    warnings : tuple of HedgingWarning
    """

    model: str
    members: tuple[str, ...]
    scores: tuple[CandidateScore, ...]
    backtests: tuple[Backtest, ...]
    calibration: Calibration
    forecast: VolumeForecast
    seasonal: bool
    warnings: tuple[HedgingWarning, ...]


def backtest_origins(n: int, min_train: int | None = None) -> tuple[int, ...]:
    """Training lengths of the backtest: up to :data:`MAX_ORIGINS`, evenly spread from
    ``max(min_train, n - ORIGIN_SPAN)`` to ``n - 1`` (both ends kept).

    >>> backtest_origins(24), backtest_origins(100), backtest_origins(10)
    ((12, 14, 16, 19, 21, 23), (76, 81, 85, 90, 94, 99), (6, 7, 8, 9))
    """
    min_train = default_min_train(n) if min_train is None else min_train
    first = max(min_train, n - ORIGIN_SPAN)
    if first >= n:
        return ()
    span = np.arange(first, n)
    if span.size <= MAX_ORIGINS:
        return tuple(int(t) for t in span)
    pick = np.unique(np.round(np.linspace(0, span.size - 1, MAX_ORIGINS)).astype(int))
    return tuple(int(t) for t in span[pick])


def _spread(lo80: np.ndarray, hi80: np.ndarray) -> np.ndarray:
    """Log spread ``sigma`` implied by an 80% band: ``(log hi - log lo) / (2 z_0.90)``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (np.log(hi80) - np.log(lo80)) / (2 * _Z[80])


def _standardised(actual, point, sigma) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.abs(np.log(actual) - np.log(point))
        s = err / sigma
    return np.where(err <= 1e-12, 0.0, np.where(sigma > 0, s, np.inf))


def conformal_quantile(scores: ArrayLike, level: float) -> float:
    """The split-conformal quantile: the ``ceil((n + 1) level)``-th smallest score (nan if that
    exceeds ``n``). Example: scores 1..19 at level 0.95 give the 19th smallest, 19.0; 18 scores
    give nan (``ceil(19 x 0.95) = 19 > 18``)."""
    s = np.sort(np.asarray(scores, dtype=float))
    k = math.ceil((s.size + 1) * level - 1e-12)
    return float(s[k - 1]) if 1 <= k <= s.size else float("nan")


def calibrate(h: ArrayLike, scores: ArrayLike, *, narrow: bool = True) -> Calibration:
    """Band factors from standardised backtest errors ``scores`` at months ahead ``h``
    (module docstring, step 4); ``narrow=False`` keeps every factor >= 1.

    Each level falls back on its own: a band with enough errors for 80% but not for 95% (a
    6-origin backtest scores about 16 errors 1-3 months ahead; 95% needs 19) keeps its own 80%
    factor, and its 95% quantile is its 80% quantile times the pooled errors' ratio of the two
    (the band's scale, the pooled tail; ``source`` ``"band+pooled tail"``). Before, one missing
    level sent both to the pooled errors, whose long horizons are scaled differently: 80% bands
    1-3 months ahead then covered 71% of held-out months on the real panel of bench/forecast.py.
    """
    h = np.asarray(h, dtype=int)
    scores = np.asarray(scores, dtype=float)
    lo_f, hi_f = FACTOR_RANGE
    lo_f = lo_f if narrow else max(lo_f, 1.0)

    def factor(q, level):
        return float("nan") if math.isnan(q) else float(np.clip(q / _Z[level], lo_f, hi_f))

    pooled = {lev: conformal_quantile(scores, lev / 100) for lev in LEVELS}
    tail = pooled[95] / pooled[80] if pooled[80] > 0 and not math.isnan(pooled[95]) else float("nan")
    rows = []
    for first, last in BANDS:
        sel = (h >= first) & (h <= last)
        q = {lev: conformal_quantile(scores[sel], lev / 100) for lev in LEVELS}
        source = "band"
        if math.isnan(q[95]) and not math.isnan(q[80]) and not math.isnan(tail):
            q[95], source = q[80] * tail, "band+pooled tail"
        elif any(math.isnan(q[lev]) for lev in LEVELS):
            q, source = dict(pooled), "pooled"
        f = {lev: factor(q[lev], lev) for lev in LEVELS}
        if any(math.isnan(f[lev]) for lev in LEVELS):
            f, source = {lev: 1.0 for lev in LEVELS}, "none"
        rows.append((first, last, int(sel.sum()), f[80], f[95], source))
    return Calibration(tuple(rows))


def calibrated_log_paths(log_paths: np.ndarray, log_point: np.ndarray, sigma: np.ndarray,
                         factors: np.ndarray) -> np.ndarray:
    """Map each path's standardised deviation through ``g`` (module docstring, step 5).

    ``factors`` is ``(horizon, 2)``: the 80% and 95% factors of each month. Months with
    ``sigma = 0`` (a constant history) are left as they are.
    """
    z80, z95 = _Z[80], _Z[95]
    q80 = factors[:, 0] * z80
    q95 = np.maximum(factors[:, 1] * z95, q80 * 1.05)
    safe = np.where(sigma > 0, sigma, 1.0)
    u = (log_paths - log_point) / safe
    a = np.abs(u)
    inner = a * (q80 / z80)
    middle = q80 + (a - z80) * (q95 - q80) / (z95 - z80)
    outer = q95 + (a - z95) * (q95 / z95)
    g = np.sign(u) * np.where(a <= z80, inner, np.where(a <= z95, middle, outer))
    return np.where(sigma > 0, log_point + g * safe, log_paths)


def _combine_records(backtests: list[Backtest]) -> np.ndarray:
    """Records of the combination: geometric-mean point and mean log spread, per (origin, h)."""
    recs = [np.asarray(bt.records, dtype=float) for bt in backtests]
    base = recs[0]
    for r in recs[1:]:
        if r.shape != base.shape or not np.array_equal(r[:, :3], base[:, :3]):
            raise ModelError("the candidates' backtests do not cover the same months.")
    log_point = np.mean([np.log(r[:, 3]) for r in recs], axis=0)
    sigma = np.mean([_spread(r[:, 4], r[:, 5]) for r in recs], axis=0)
    origin, h = base[:, 0], base[:, 1]
    for T in np.unique(origin):
        sel = origin == T
        first = sel & (h == 1)
        sigma[sel] = with_trend_uncertainty(sigma[sel], h[sel], float(sigma[first][0]) if first.any() else 0.0, T)
    out = np.column_stack([base[:, 0], base[:, 1], base[:, 2], np.exp(log_point), sigma, base[:, 8]])
    return out  # origin, h, actual, point, sigma, scale


def with_trend_uncertainty(sigma: np.ndarray, h: np.ndarray, sigma1: float, n: float) -> np.ndarray:
    """Log spreads widened by the error of a trend estimated from ``n`` months.

    The models' variances treat their estimated trend as known; for the random walk with drift the
    trend's estimation error adds ``sigma_1^2 h^2 / n`` at ``h`` months ahead (FPP3, Hyndman and
    Athanasopoulos 2021, section 5.5, table of benchmark intervals: ``sigma_h = sigma
    sqrt(h (1 + h / T))`` for the drift method), so ``sigma_h <- sqrt(sigma_h^2 + sigma_1^2 h^2 / n)``.
    Worked number: ``sigma_h = sigma_1 sqrt(h)`` with ``h = 12``, ``n = 24`` gives
    ``sigma_1 sqrt(12 + 6) = 4.243 sigma_1``, FPP3's drift value.
    """
    h = np.asarray(h, dtype=float)
    return np.sqrt(np.square(sigma) + (sigma1 * h) ** 2 / float(n))


def short_history_spread(logs: ArrayLike, horizon: int) -> np.ndarray:
    """Log spread of each month ahead for a history too short to backtest (6-7 months).

    Six or seven months cannot tell a steady trend with noise from a random walk, and a damped
    trend fitted to them (five parameters and states) explains the months almost exactly, so its
    own intervals stay as narrow 12 months ahead as one month ahead. The honest spread is the
    random walk with an estimated drift (FPP3, Hyndman and Athanasopoulos 2021, section 5.5:
    ``sigma_h = sigma sqrt(h (1 + h / T))`` with ``T`` the number of monthly changes), with
    ``sigma`` the standard deviation of the monthly log changes, at least the short-history floor
    :data:`hedging.forecast.drift.SIGMA_FLOOR` (the rule below six months, so the spread does not
    jump at six). Example: monthly changes with standard deviation 0.05 over 6 months (5 changes)
    give ``sigma = 0.10`` (the floor) and, 12 months ahead, ``0.10 sqrt(12 (1 + 12 / 5)) = 0.639``.
    """
    d = np.diff(np.asarray(logs, dtype=float))
    sigma = max(float(d.std(ddof=1)) if d.size >= 2 else 0.0, SIGMA_FLOOR)
    h = np.arange(1, horizon + 1, dtype=float)
    return sigma * np.sqrt(h * (1.0 + h / max(d.size, 1)))


def _short_history_spread(fc: VolumeForecast, history: np.ndarray, n: int, n_paths, seed,
                          shocks) -> VolumeForecast:
    """The damped trend's point forecast with at least :func:`short_history_spread`'s spread."""
    horizon = fc.horizon
    log_point = np.log(np.asarray(fc.point, dtype=float))
    lo, hi = fc.interval(80)
    own = np.nan_to_num(_spread(np.asarray(lo), np.asarray(hi)), nan=0.0)
    with np.errstate(divide="ignore"):
        logs = np.log(np.where(history > 0, history, np.nan))
    logs = logs[np.isfinite(logs)]
    sigma_h = np.maximum.accumulate(np.maximum(own, short_history_spread(logs, horizon)))
    rng = np.random.default_rng(seed)
    z = standard_shocks(shocks, n_paths, horizon, rng)
    log_paths = log_point + np.cumsum(z * np.sqrt(np.diff(sigma_h ** 2, prepend=0.0)), axis=1)
    return summarise_paths(fc.model, log_paths, log_point, fc.start, seed, fc.warnings)


def _mase(actual, point, scale) -> tuple[float, float]:
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(scale > 0, np.abs(actual - point) / scale, np.nan)
    ok = np.isfinite(q)
    return (float(q[ok].mean()) if ok.any() else float("nan")), float(np.abs(actual - point).mean())


def _coverage(actual, point, sigma, level) -> float:
    s = _standardised(actual, point, sigma)
    return float(np.mean(s <= _Z[level] * (1 + 1e-12)))


def candidates_for(n: int, origins: tuple[int, ...], candidates=CANDIDATES) -> tuple[str, ...]:
    """The candidates a history of ``n`` months can backtest at ``origins``."""
    first = origins[0] if origins else n
    out = []
    for name in candidates:
        if name in STATS_NAMES and first < STATS_MIN_TRAIN:
            continue
        if name in ("stl", "ets") and first < SEASONAL_MONTHS:
            # without a season statsmodels' ETS is ETS(A,Ad,N) on logs, the damped_trend candidate
            continue
        if name == "arima" and first < SEASONAL_ARIMA_MONTHS:
            # the non-seasonal ARIMA(0,1,1) with drift is the Theta method's model
            # (Hyndman and Billah 2003): no second copy of it
            continue
        out.append(name)
    return tuple(out)


def _is_seasonal(fitted: FittedVolume) -> bool:
    if getattr(fitted, "seasonal", None) is not None:
        return bool(fitted.seasonal)
    if fitted.model == "seasonal_naive":
        return getattr(fitted, "season", 1) > 1
    if fitted.model == "loglinear":
        return any("sin" in str(c) or "season" in str(c) for c in getattr(fitted, "columns", ()))
    return False


def automatic_forecast(y: ArrayLike, horizon: int, *, calendar: ArrayLike | Mapping | None = None,
                       calendar_future: ArrayLike | Mapping | None = None, n_paths: int | None = None,
                       seed: int | np.random.Generator | None = None, shocks: ArrayLike | None = None,
                       backtest_horizon: int | None = None,
                       candidates: tuple[str, ...] = CANDIDATES) -> AutoForecast:
    """Backtest, combine and calibrate (module docstring) and simulate ``horizon`` months.

    Parameters
    ----------
    y : array_like
        Monthly volumes, oldest first, >= 0, at least one positive.
    horizon : int
        Months to simulate.
    calendar, calendar_future : array_like or mapping, optional
        Calendar regressors for the history and for the horizon (used by the log-linear model).
    n_paths, seed, shocks
        Simulation size, seed, and optional ``(n_paths, horizon)`` standard normal shocks.
    backtest_horizon : int, optional
        Months ahead scored in the backtest (default ``min(12, horizon)``).
    candidates : tuple of str
        Candidate models (keys of :data:`hedging.forecast.volume.MODELS`).

    Raises
    ------
    ModelError
        When no candidate can be backtested.
    """
    horizon = check_horizon(horizon)
    values = np.asarray(y, dtype=float)
    n = int(np.sum(np.cumsum(values > 0) > 0)) if values.ndim == 1 else 0
    bt_h = check_horizon(backtest_horizon or min(12, horizon))
    origins = backtest_origins(n) if n >= SHORT_HISTORY else ()
    warnings: list[HedgingWarning] = []
    if len(origins) < 2:
        chosen = "damped_trend"
        if n >= SHORT_HISTORY:
            warnings.append(HedgingWarning(
                "no_backtest", f"{n} months are too few to backtest the models (two or more rolling "
                "origins are needed), so the damped trend model was used without comparison, and its "
                "bands are those of a random walk whose trend is unknown: wide, and widening with each "
                "month ahead."))
        fitted = fit_volume(values, chosen, calendar=calendar)
        fc = fitted.forecast(horizon, calendar_future=calendar_future, n_paths=n_paths, seed=seed,
                             shocks=shocks)
        if n >= SHORT_HISTORY:
            fc = _short_history_spread(fc, values[values.size - n:], n, n_paths, seed, shocks)
        return AutoForecast(model=fc.model, members=(), scores=(), backtests=(),
                            calibration=Calibration.identity(), forecast=fc,
                            seasonal=False, warnings=tuple(warnings) + fc.warnings)

    names = candidates_for(n, origins, candidates)
    scores: list[CandidateScore] = []
    runs: list[Backtest] = []
    for name in names:
        try:
            bt = backtest(values, name, horizon=bt_h, calendar=calendar, origins=origins,
                          min_train=origins[0], n_paths=BACKTEST_PATHS)
        except (HedgingError, np.linalg.LinAlgError) as err:
            scores.append(CandidateScore(name, float("nan"), float("nan"), float("nan"), 0, error=str(err)))
            continue
        runs.append(bt)
        scores.append(CandidateScore(name, bt.mase, bt.coverage_80, bt.coverage_95, bt.n_forecasts, bt.mae))
    if not runs:
        raise ModelError("no candidate volume model could be backtested: "
                         + "; ".join(f"{s.model}: {s.error}" for s in scores)
                         + ". Check the history for broken months or a unit change.")
    by_mase = all(np.isfinite(bt.mase) for bt in runs)
    if not by_mase:
        warnings.append(HedgingWarning(
            "mase_undefined", "The history has constant stretches, so the scaled error (MASE) is "
            "undefined; the models were ranked by mean absolute error instead."))
    order = sorted(range(len(runs)), key=lambda i: (runs[i].mase if by_mase else runs[i].mae, i))
    best = [runs[i] for i in order[:COMBINE]]
    members = tuple(bt.model for bt in best)

    rec = _combine_records(best)
    actual, point, sigma, scale = rec[:, 2], rec[:, 3], rec[:, 4], rec[:, 5]
    mase, mae = _mase(actual, point, scale)
    scores.append(CandidateScore("combination", mase, _coverage(actual, point, sigma, 80),
                                 _coverage(actual, point, sigma, 95), int(rec.shape[0]), mae))
    calibration = calibrate(rec[:, 1], _standardised(actual, point, sigma), narrow=n >= NARROW_MONTHS)

    # final fits, each simulated with the backtest's path count to measure its log spread
    log_points, spreads, seasonal = [], [], False
    for bt in best:
        name = bt.model
        fitted = fit_volume(values, name, calendar=calendar,
                            **({"warm": bt.warm_start} if bt.warm_start else {}))
        fc = fitted.forecast(horizon, calendar_future=calendar_future, n_paths=BACKTEST_PATHS, seed=0)
        lo, hi = fc.interval(80)
        log_points.append(np.log(np.asarray(fc.point)))
        spreads.append(_spread(lo, hi))
        seasonal = seasonal or _is_seasonal(fitted)
        start = fc.start
        warnings.extend(w for w in fc.warnings if w.code not in {x.code for x in warnings})
    log_point = np.mean(log_points, axis=0)
    sigma_h = np.nan_to_num(np.mean(spreads, axis=0), nan=0.0)
    sigma_h = np.maximum.accumulate(with_trend_uncertainty(sigma_h, np.arange(1, horizon + 1), sigma_h[0], n))
    rng = np.random.default_rng(seed)
    z = standard_shocks(shocks, n_paths, horizon, rng)
    log_paths = log_point + np.cumsum(z * np.sqrt(np.diff(sigma_h ** 2, prepend=0.0)), axis=1)
    factors = calibration.factors(horizon)
    log_paths = calibrated_log_paths(log_paths, log_point, sigma_h, factors)
    if any(b[5] == "none" for b in calibration.bands):
        warnings.append(HedgingWarning(
            "intervals_uncalibrated", "The backtest has too few months to check the intervals at "
            "some horizons, so there they are the models' own and may be too narrow."))
    widest = max(max(b[3], b[4]) for b in calibration.bands)
    if widest > REPORT_WIDENING:
        worst = max(calibration.bands, key=lambda b: max(b[3], b[4]))
        warnings.append(HedgingWarning(
            "intervals_widened", f"In the backtest the models' errors were larger than they expect, so "
            f"the bands are widened (x{worst[3]:.2f} for 80%, x{worst[4]:.2f} for 95% at {worst[0]}-"
            f"{worst[1]} months ahead) to what would have held 80% and 95% of the realised months."))
    forecast = summarise_paths("combination", log_paths, log_point, start, seed, ())
    return AutoForecast(model="combination", members=members, scores=tuple(scores), backtests=tuple(runs),
                        calibration=calibration, forecast=forecast, seasonal=seasonal,
                        warnings=tuple(warnings))


__all__ = ["AutoForecast", "BANDS", "CANDIDATES", "COMBINE", "Calibration", "automatic_forecast",
           "backtest_origins", "calibrate", "calibrated_log_paths", "conformal_quantile"]
