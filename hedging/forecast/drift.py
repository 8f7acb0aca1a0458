"""Random walk on log volume around the run-rate: the forecast for histories shorter than six months.

With fewer than :data:`~hedging.forecast.paths.SHORT_HISTORY` months no trend, season or
smoothing parameter can be estimated honestly, so every volume model hands such series to this
one and says so with a ``short_history`` warning. Its expected volume stays at the latest month's
(no drift is extrapolated: two or three months of growth compounded over a year gave 1.5-2.2
times the run-rate) and its intervals are deliberately wide: the monthly volatility is floored at
:data:`SIGMA_FLOOR` and an unknown trend of the size the data allows is simulated around zero,
which makes the interval width grow like ``h`` rather than ``sqrt(h)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import HedgingWarning
from hedging.forecast.paths import (SHORT_HISTORY, History, VolumeForecast, check_horizon,
                                    standard_shocks, summarise_paths)

#: Smallest monthly log volatility used for a short history (0.10 = about 10% a month).
SIGMA_FLOOR = 0.10


@dataclass(frozen=True)
class DriftFit:
    """Fitted random walk with drift on log volume.

    ``log y_{T+h} = log y_T + h mu + sigma (z_1 + ... + z_h)``, with ``mu`` and ``sigma`` the
    mean and standard deviation (``ddof=1``; ``sigma`` at least :data:`SIGMA_FLOOR`) of the monthly
    log changes, and ``drift_se = sigma / sqrt(max(n - 1, 1))`` the standard error of ``mu``.

    Attributes
    ----------
    model : str
        Always ``"drift"``.
    requested : str
        The model the caller asked for, which the short history did not allow.
    n, start : int
        Months used, and the position of the first forecast month.
    last_log, drift, sigma, drift_se : float
        ``log y_T`` and the parameters above (log units per month).
    warnings : tuple of HedgingWarning
    """

    model: str
    requested: str
    n: int
    start: int
    last_log: float
    drift: float
    sigma: float
    drift_se: float
    warnings: tuple[HedgingWarning, ...]

    def forecast(self, horizon: int, *, calendar_future: ArrayLike | Mapping | None = None,
                 n_paths: int | None = None, seed: int | np.random.Generator | None = None,
                 shocks: ArrayLike | None = None) -> VolumeForecast:
        """Simulate ``horizon`` months of volume around the latest month's level.

        Path ``k``: ``log y_{T+h} = log y_T + h u_k drift_se + sigma sum_{i<=h} z_{k,i} - v_h / 2``
        with ``v_h = h sigma^2 + h^2 drift_se^2``, ``u_k`` standard normal from ``seed`` (the
        trend nobody can estimate from so few months, centred on none) and ``z`` the ``shocks``
        (or draws from ``seed``). The ``- v_h / 2`` term makes the mean of every month equal the
        latest month's volume (a lognormal's mean is ``exp(m + v / 2)``), so a short history never
        compounds a drift into the expected spend; the point forecast is that run-rate.

        Example: ``y = (100, 110, 121)``: ``sigma`` = the floor 0.10 and ``drift_se = 0.10 / sqrt(2)``;
        the point forecast is 121 in every month and the simulated mean of month 12 is 121 too.
        """
        horizon = check_horizon(horizon)
        rng = np.random.default_rng(seed)
        z = standard_shocks(shocks, n_paths, horizon, rng)
        u = rng.standard_normal(z.shape[0])
        h = np.arange(1, horizon + 1)
        variance = h * self.sigma ** 2 + (h * self.drift_se) ** 2
        log_paths = (self.last_log + (self.drift_se * u)[:, None] * h + self.sigma * np.cumsum(z, axis=1)
                     - variance / 2)
        log_point = np.full(horizon, self.last_log)
        return summarise_paths(self.model, log_paths, log_point, self.start, seed, self.warnings)


def fit_drift(history: History, requested: str) -> DriftFit:
    """Fit the short-history random walk with drift to a checked history (any length >= 1).

    A single month gives ``mu = 0`` and ``drift_se = sigma = SIGMA_FLOOR``.
    """
    logs = history.logs
    d = np.diff(logs)
    drift = float(d.mean()) if d.size else 0.0
    spread = float(d.std(ddof=1)) if d.size >= 2 else 0.0
    sigma = max(spread, SIGMA_FLOOR)
    drift_se = sigma / math.sqrt(max(d.size, 1))
    warning = HedgingWarning(
        "short_history",
        f"Only {history.n} month(s) of history: {requested} needs at least {SHORT_HISTORY}, so "
        "the forecast holds the latest month's volume as the run-rate (a trend from so few months "
        f"would compound; the months seen moved {drift * 100:+.1f}% a month) with deliberately wide "
        f"intervals (volatility at least {SIGMA_FLOOR:.0%} a month, plus an unknown trend). Treat it "
        "as indicative until six months are available.")
    return DriftFit(model="drift", requested=requested, n=history.n, start=history.length,
                    last_log=float(logs[-1]), drift=drift, sigma=sigma, drift_se=drift_se,
                    warnings=history.warnings + (warning,))
