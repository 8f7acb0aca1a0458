"""Random walk with drift on log volume: the forecast for histories shorter than six months.

With fewer than :data:`~hedging.forecast.paths.SHORT_HISTORY` months no trend, season or
smoothing parameter can be estimated honestly, so every volume model hands such series to this
one and says so with a ``short_history`` warning. Its intervals are deliberately wide: the
monthly volatility is floored at :data:`SIGMA_FLOOR` and the uncertainty of the estimated drift is
simulated, which makes the interval width grow like ``h`` rather than ``sqrt(h)``.
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
        """Simulate ``horizon`` months of volume.

        Path ``k``: ``log y_{T+h} = log y_T + h mu_k + sigma sum_{i<=h} z_{k,i}``, with
        ``mu_k = mu + drift_se u_k``, ``u_k`` standard normal from ``seed`` (parameter
        uncertainty) and ``z`` the ``shocks`` (or draws from ``seed``). ``calendar_future`` is not
        used. Point forecast: ``y_T exp(h mu)``.

        Example: ``y = (100, 110, 121)`` has log changes of ``ln 1.1`` twice, so ``mu = 0.0953``,
        ``sigma`` = the floor 0.10 and ``drift_se = 0.10 / sqrt(2)``; the one-month point is 133.1.
        """
        horizon = check_horizon(horizon)
        rng = np.random.default_rng(seed)
        z = standard_shocks(shocks, n_paths, horizon, rng)
        u = rng.standard_normal(z.shape[0])
        h = np.arange(1, horizon + 1)
        mu = self.drift + self.drift_se * u
        log_paths = self.last_log + mu[:, None] * h + self.sigma * np.cumsum(z, axis=1)
        log_point = self.last_log + self.drift * h
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
        f"Only {history.n} month(s) of history: {requested} needs at least {SHORT_HISTORY}, so the "
        f"forecast is a random walk with drift ({drift * 100:+.1f}% log change a month) with "
        f"deliberately wide intervals (volatility at least {SIGMA_FLOOR:.0%} a month, plus the "
        "uncertainty of the drift). Treat it as indicative until more months are available.")
    return DriftFit(model="drift", requested=requested, n=history.n, start=history.length,
                    last_log=float(logs[-1]), drift=drift, sigma=sigma, drift_se=drift_se,
                    warnings=history.warnings + (warning,))
