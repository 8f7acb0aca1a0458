"""Seasonal naive forecast of monthly volume, with intervals from its own empirical errors.

Point forecast (Hyndman and Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.,
section 5.2): ``y_{T+h} = y_{T+h-12k}``, ``k = ceil(h / 12)``, i.e. the same month of the last
observed year. With fewer than 12 months it is the naive forecast ``y_{T+h} = y_T``.

Intervals come from simulating the model forward with innovations drawn from the empirical
distribution of its past errors in logs, centred to mean zero so that the paths are centred on
the point forecast (the model ``y_t = y_{t-m} + e_t`` with zero-mean errors of FPP3 section 5.5;
its bootstrapped intervals, without the mean):

* seasonal (``n >= 12``): ``log y_{T+h} = log y_{T+h-12} + e_h``, where ``log y_{T+h-12}`` is
  observed for ``h <= 12`` and simulated beyond, and ``e`` follows the centred seasonal log
  differences ``log y_t - log y_{t-12}``. With fewer than :data:`MIN_DIFFERENCES` of those
  (12-17 months) it follows ``sqrt(12) (d_i - d_bar)`` over the ``n - 1`` first differences
  ``d_i`` (the spread of a sum of 12 of them);
* naive (``6 <= n < 12``): ``log y_{T+h} = log y_{T+h-1} + e_h``, ``e`` following the centred
  first log differences.

A growing history therefore does not make the paths grow: like its point forecast, this
benchmark ignores the trend, and its backtest says what that costs.

A standard normal shock ``z`` becomes the innovation ``Q(Phi(z))``, with ``Phi`` the normal CDF
and ``Q`` the empirical quantile function (:func:`~hedging.forecast.paths.empirical_quantile`),
so correlated shocks give correlated volumes. Innovations never exceed the largest observed
(centred) difference, a known limit of an empirical distribution of 6-30 values. ``calendar`` is
accepted for a uniform signature and not used: this model is the benchmark the others must beat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from hedging.errors import HedgingWarning
from hedging.forecast.drift import DriftFit, fit_drift
from hedging.forecast.paths import (MONTHS_PER_YEAR, SHORT_HISTORY, VolumeForecast, as_history,
                                    check_horizon, empirical_quantile, standard_shocks,
                                    summarise_paths)

#: Fewest seasonal differences used directly as the innovation distribution.
MIN_DIFFERENCES = 6
NAME = "seasonal_naive"


@dataclass(frozen=True)
class SeasonalNaiveFit:
    """Fitted seasonal naive model.

    Attributes
    ----------
    model : str
        ``"seasonal_naive"``.
    season : int
        12 for the seasonal forecast, 1 for the naive forecast (fewer than 12 months).
    history : tuple of float
        Log volumes used (after dropping leading zero months).
    innovations : tuple of float
        Sorted, centred empirical innovation sample (log units) that the simulation draws from.
    innovation_source : str
        ``"seasonal differences"``, ``"first differences scaled to 12 months"`` or
        ``"first differences"``.
    start : int
        Month position of the first forecast month.
    warnings : tuple of HedgingWarning
    """

    model: str
    season: int
    history: tuple[float, ...]
    innovations: tuple[float, ...]
    innovation_source: str
    start: int
    warnings: tuple[HedgingWarning, ...]

    def point_log(self, horizon: int) -> np.ndarray:
        """Log point forecasts ``log y_{T+h-season k}``, ``h = 1..horizon``."""
        hist = np.asarray(self.history)
        m = self.season
        h = np.arange(1, check_horizon(horizon) + 1)
        return hist[hist.size - m + (h - 1) % m]

    def forecast(self, horizon: int, *, calendar_future: ArrayLike | Mapping | None = None,
                 n_paths: int | None = None, seed: int | np.random.Generator | None = None,
                 shocks: ArrayLike | None = None) -> VolumeForecast:
        """Simulate ``horizon`` months: ``log y_{T+h} = log y_{T+h-m} + Q(Phi(z_h))``.

        ``z`` is ``shocks`` when given (used as is, column ``h - 1`` for month ``h``), else
        standard normal draws from ``seed``; ``m`` is :attr:`season`. ``calendar_future`` is not
        used.

        Example: history ``(10, 20, ..., 120)`` in 12 months and ``horizon = 13`` gives points
        ``10, 20, ..., 120, 10``.
        """
        horizon = check_horizon(horizon)
        rng = np.random.default_rng(seed)
        z = standard_shocks(shocks, n_paths, horizon, rng)
        e = empirical_quantile(np.asarray(self.innovations), ndtr(z))
        hist = np.asarray(self.history)
        m = self.season
        log_paths = np.empty_like(e)
        for j in range(horizon):
            base = hist[hist.size - m + j] if j < m else log_paths[:, j - m]
            log_paths[:, j] = base + e[:, j]
        return summarise_paths(self.model, log_paths, self.point_log(horizon), self.start, seed,
                               self.warnings)


def fit(y: ArrayLike, *, calendar: ArrayLike | Mapping | None = None,
        season: int = MONTHS_PER_YEAR) -> SeasonalNaiveFit | DriftFit:
    """Fit the seasonal naive model to monthly volumes.

    Parameters
    ----------
    y : array_like
        Monthly volumes (tokens, GPU-hours), oldest first, >= 0.
    calendar : array_like or mapping, optional
        Accepted for a uniform signature; not used.
    season : int
        Seasonal period in months (12).

    Returns
    -------
    SeasonalNaiveFit or DriftFit
        ``DriftFit`` (with a ``short_history`` warning) for fewer than 6 months.
    """
    history = as_history(y, calendar)
    if history.n < SHORT_HISTORY:
        return fit_drift(history, NAME)
    logs = history.logs
    warnings = list(history.warnings)
    if history.n >= season > 1:
        m = season
        seasonal = logs[season:] - logs[:-season]
        if seasonal.size >= MIN_DIFFERENCES:
            innovations, source = seasonal - seasonal.mean(), "seasonal differences"
        else:
            d = np.diff(logs)
            innovations = math.sqrt(season) * (d - d.mean())
            source = f"first differences scaled to {season} months"
            warnings.append(HedgingWarning(
                "few_seasonal_differences",
                f"{history.n} months give only {seasonal.size} year-on-year changes, so the "
                f"seasonal naive intervals use month-on-month changes scaled to {season} months."))
    else:
        d = np.diff(logs)
        m, innovations, source = 1, d - d.mean(), "first differences"
    return SeasonalNaiveFit(model=NAME, season=m, history=tuple(float(v) for v in logs),
                            innovations=tuple(float(v) for v in np.sort(innovations)),
                            innovation_source=source, start=history.length,
                            warnings=tuple(warnings))
