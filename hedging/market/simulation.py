"""Daily simulated index paths over a span of calendar months, and their monthly means.

The forecast, the hedge's settlement and marks, the liquidity figures and the stress scenarios
all read the same :class:`IndexSimulation`, so basis, volume and price risk come from one set
of paths.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.market.model import DAYS_PER_YEAR


@dataclass(frozen=True, eq=False)
class IndexSimulation:
    """Daily simulated index from its start date (the last observation) to the end of the span.

    Attributes
    ----------
    dates : DatetimeIndex
        One entry per calendar day, from the last observed index date on.
    daily : ndarray, shape (n_paths, days)
        Simulated index (quote units), float32 to halve memory.
    months : DatetimeIndex
        Month starts of the span (the months ``monthly`` averages).
    monthly : ndarray, shape (n_paths, months)
        Mean of each calendar month's daily values that lie in the simulation; for a month that
        began before the start date the observed part is not included.
    model, origin, t0
        The price model, the calendar date of model time 0, and the model time of ``dates[0]``.
    """

    dates: pd.DatetimeIndex
    daily: np.ndarray
    months: pd.DatetimeIndex
    monthly: np.ndarray
    model: object
    origin: dt.date
    t0: float

    def at(self, day: dt.date) -> np.ndarray:
        """Simulated index on ``day`` (clamped to the simulated span)."""
        i = int(np.clip((pd.Timestamp(day) - self.dates[0]).days, 0, len(self.dates) - 1))
        return self.daily[:, i].astype(float)

    def window_mean(self, first: dt.date, last: dt.date) -> np.ndarray:
        """Mean of the daily index from ``first`` to ``last`` inclusive, on each path."""
        mask = (self.dates >= pd.Timestamp(first)) & (self.dates <= pd.Timestamp(last))
        return self.daily[:, mask].mean(axis=1, dtype=float)

    def with_daily(self, daily: np.ndarray, model=None) -> "IndexSimulation":
        """The same calendar with other daily paths (a stress scenario), monthly means recomputed."""
        return IndexSimulation(self.dates, np.asarray(daily, dtype=np.float32), self.months,
                               monthly_means(self.dates, daily, self.months), model or self.model, self.origin,
                               self.t0)


def monthly_means(dates: pd.DatetimeIndex, daily: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Mean of the daily values that fall in each of ``months`` (NaN for a month with none)."""
    out = np.full((daily.shape[0], len(months)), np.nan)
    period = dates.to_period("M")
    for j, m in enumerate(months):
        mask = period == m.to_period("M")
        if mask.any():
            out[:, j] = daily[:, mask].mean(axis=1, dtype=float)
    return out


def simulate_index(model, x0: float, t0: float, start: dt.date, months: pd.DatetimeIndex, n_paths: int,
                   seed: int, origin: dt.date) -> IndexSimulation:
    """Simulate the daily index from ``start`` (log level ``x0``, model time ``t0``) to the end of
    the last of ``months`` with the model's exact discretisation, and average each month."""
    last = (months[-1] + pd.offsets.MonthEnd(0)).date()
    days = max((last - start).days, 0)
    grid = t0 + np.arange(days + 1) / DAYS_PER_YEAR
    paths = model.simulate_prices(x0, grid, n_paths, seed)
    dates = pd.date_range(start, periods=days + 1, freq="D")
    return IndexSimulation(dates, paths.astype(np.float32), months, monthly_means(dates, paths, months), model,
                           origin, t0)
