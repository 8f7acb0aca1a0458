"""Liquidity a long futures programme needs: initial margin held each month and the variation
margin it pays when prices fall after it is bought (a long hedger pays just as its compute gets
cheaper, so the cash is real even when the budget is fine).

Variation margin is marked weekly on the first ``n_paths`` paths at the model's closed-form
futures price given each path's simulated index (a monthly-average contract is marked at the
expected average of its remaining fixings); a contract stops moving once it settles. The figure
reported is the largest cumulative outflow along a path, at its median and 95th percentile.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.contracts.paths import futures_on
from hedging.risk import quantile

VM_PATHS = 1_000
VM_STEP_DAYS = 7


@dataclass(frozen=True, eq=False)
class Liquidity:
    initial_margin: pd.DataFrame        # month, initial margin held (USD)
    peak_variation_margin_p95: float    # 95th percentile over paths of the largest cumulative VM outflow
    peak_variation_margin_p50: float
    n_paths: int
    step_days: int


def initial_margin_by_month(trades, margin_per_lot, last_trading_day, months: pd.DatetimeIndex) -> np.ndarray:
    """USD of initial margin held in each month: a trade's lots from its trade month until the
    contract's last trading day."""
    im = np.zeros(len(months))
    for t in trades:
        ltd = pd.Timestamp(last_trading_day[t.contract_index])
        for j, m in enumerate(months):
            if j >= t.trade_date_index and m <= ltd:
                im[j] += t.lots * margin_per_lot[t.contract_index]
    return im


def liquidity(trades, *, sims: list, quotes, lot_size, margin_per_lot, last_trading_day, settlement, entry_prices,
              trade_dates: list[dt.date], months: pd.DatetimeIndex, n_paths: int = VM_PATHS,
              step_days: int = VM_STEP_DAYS) -> Liquidity:
    """Initial margin by month and the peak variation-margin outflow of ``trades``.

    ``sims[k]`` is the index simulation contract ``k`` settles on, ``entry_prices`` (paths x k x
    dates) the price each trade date pays, ``settlement`` (paths x k) the final settlement.
    """
    im = initial_margin_by_month(trades, margin_per_lot, last_trading_day, months)
    n = min(n_paths, settlement.shape[0])
    cum, steps = None, None
    contract_marks, first = {}, {}
    for t in trades:            # the first day any layer of each contract is held
        day = pd.Timestamp(trade_dates[t.trade_date_index])
        first[t.contract_index] = min(day, first.get(t.contract_index, day))
    for t in trades:
        k = t.contract_index
        sim = sims[k]
        if steps is None:
            steps = pd.date_range(sim.dates[0], sim.dates[-1], freq=f"{step_days}D")
            cum = np.zeros((n, len(steps)))
        entry = entry_prices[:n, k, t.trade_date_index]
        start = pd.Timestamp(trade_dates[t.trade_date_index])
        if k not in contract_marks:   # a contract's marks are the same for every layer that holds it
            contract_marks[k] = _contract_marks(sim, quotes[k], steps, pd.Timestamp(last_trading_day[k]),
                                                settlement[:n, k], first[k], n)
        marks = np.where((steps < start)[None, :], entry[:, None], contract_marks[k])
        cum += (marks - entry[:, None]) * lot_size[k] * t.lots
    peak = np.zeros(n) if cum is None else np.maximum(0.0, -cum.min(axis=1))
    return Liquidity(pd.DataFrame({"month": months, "initial margin": im}), quantile(peak, 0.95),
                     quantile(peak, 0.50), n, step_days)


def _contract_marks(sim, quote, steps: pd.DatetimeIndex, last_trading_day: pd.Timestamp, settlement: np.ndarray,
                    first: pd.Timestamp, n: int) -> np.ndarray:
    """(n, steps) mark of one contract on each step day from ``first`` on: the futures price along
    each path until its last trading day, the final settlement from then on (NaN before ``first``,
    where no layer holds it)."""
    marks = np.full((n, len(steps)), np.nan)
    for i, day in enumerate(steps):
        if day >= last_trading_day:
            marks[:, i] = settlement
        elif day >= first:
            marks[:, i] = futures_on(sim, quote, day.date(), slice(0, n))
    return marks
