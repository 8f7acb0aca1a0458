"""Simulation views of a price model: the fan of price paths and the Monte Carlo check of a
forward curve's closed-form prices.

The check is the independent method behind every fair price the desk shows: the same model is
simulated (exact discretisation, no closed form involved) and the sample mean of what each
contract settles on is compared with the closed form, with its standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.market.model import DAYS_PER_YEAR, JumpDiffusionModel

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_TOL = 1e-9


def price_fan(model: JumpDiffusionModel, x0: float, t0: float, months: int = 36, n_paths: int = 5000,
              seed: int = 7) -> pd.DataFrame:
    """Quantiles (5, 25, 50, 75, 95%) and mean of the simulated index at monthly steps.

    Columns: ``month`` (0 = now), ``t`` (model years), ``mean``, ``q05`` … ``q95``; prices in the
    index's unit. Simulated on a daily grid (jumps and mean reversion between month ends count).
    """
    days = int(round(months * DAYS_PER_YEAR / 12))
    grid = t0 + np.arange(days + 1) / DAYS_PER_YEAR
    record = t0 + np.round(np.arange(months + 1) * DAYS_PER_YEAR / 12) / DAYS_PER_YEAR
    prices = model.simulate_prices(x0, grid, n_paths, seed, record=record)
    out = pd.DataFrame({"month": np.arange(months + 1), "t": record, "mean": prices.mean(axis=0)})
    for q in FAN_QUANTILES:
        out[f"q{int(round(q * 100)):02d}"] = np.quantile(prices, q, axis=0)
    return out


@dataclass(frozen=True)
class CurveCheck:
    """Monte Carlo estimate of each contract's fair price with its standard error."""

    mean: tuple[float, ...]
    std_error: tuple[float, ...]
    n_paths: int
    seed: int

    def band(self, z: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
        m, se = np.asarray(self.mean), np.asarray(self.std_error)
        return m - z * se, m + z * se


def monte_carlo_check(model: JumpDiffusionModel, x0: float, t0: float, quotes, n_paths: int = 20000,
                      seed: int = 11, realised_average: float | None = None) -> CurveCheck:
    """Simulate what each quoted contract settles on and average it over paths.

    ``quotes`` are :class:`hedging.contracts.pricing.ForwardQuote` rows (fields ``settlement``,
    ``T``, ``T_start``, ``T_end``). Point contracts settle on the index at ``T``; monthly-average
    contracts on the mean of daily fixings from ``T_start`` to ``T_end`` (one per calendar day,
    as the closed form counts them). A contract whose averaging month has begun counts the
    published fixings at ``realised_average`` (default: today's index), as the forward curve does.
    """
    x0_price = float(np.exp(x0))
    plans = []
    times = {t0}
    for q in quotes:
        if q.settlement == "point":
            fix = np.array([max(q.T, t0)])
            plans.append(("point", fix, 0, 1))
        elif q.T_start > t0 + _TOL:
            n = int(round((q.T_end - q.T_start) * DAYS_PER_YEAR)) + 1
            fix = np.linspace(q.T_start, q.T_end, n)
            plans.append(("average", fix, 0, n))
        else:  # in its averaging month: mirror hedging.contracts.pricing._fair_price
            known = int(round((t0 - q.T_start) * 365.25)) + 1
            total = int(round((q.T_end - q.T_start) * 365.25)) + 1
            n = int(round((q.T_end - t0) * DAYS_PER_YEAR)) + 1
            fix = np.linspace(t0, q.T_end, n)
            plans.append(("running", fix, known, total))
        times.update(fix.tolist())
    grid = np.array(sorted(times))
    grid = grid[np.concatenate([[True], np.diff(grid) > _TOL])]
    paths = model.simulate_prices(x0, grid, n_paths, seed)
    means, ses = [], []
    for kind, fix, known, total in plans:
        cols = np.searchsorted(grid, fix - _TOL)
        settle = paths[:, cols].mean(axis=1)
        if kind == "running":
            realised = x0_price if realised_average is None else realised_average
            remaining = total - known
            settle = (known * realised + remaining * settle) / total if remaining > 0 else np.full(n_paths, realised)
        means.append(float(settle.mean()))
        ses.append(float(settle.std(ddof=1) / np.sqrt(n_paths)))
    return CurveCheck(tuple(means), tuple(ses), n_paths, seed)


def annual_volatility(model: JumpDiffusionModel) -> float:
    """Instantaneous annualised volatility of log price: sqrt(sigma^2 + lam (mu_j^2 + sigma_j^2)).

    Used where the margin formula wants a 20-day volatility and only monthly history exists.
    Table 3: sqrt(0.16 + 3 (0.01 + 0.0625)) = 0.6442 per year.
    """
    return float(np.sqrt(model.sigma ** 2 + model.lam * (model.mu_j ** 2 + model.sigma_j ** 2)))


@dataclass(frozen=True)
class LevelPricer:
    """The price model seen through index *levels*, as the contract engine quotes them.

    :class:`JumpDiffusionModel` works in log price; :mod:`hedging.contracts` passes the index level
    (e.g. 0.70 $/M tokens). This adapter takes the log once, so the two can never disagree.
    """

    model: JumpDiffusionModel

    def futures_price(self, level: float, t: float, T):
        return self.model.futures_price(np.log(level), t, T)

    def average_futures_price(self, level: float, t: float, T1: float, T2: float):
        return self.model.average_futures_price(np.log(level), t, T1, T2)
