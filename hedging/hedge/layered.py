"""Layered hedge program: target ratios by tenor, bought in equal monthly layers.

For delivery month m with target ratio r_m, contract k of that month hedges
``N_k = rint(r_m x E_k / lot_size_k)`` whole lots (``E_k`` its expected volume, clipped to
``max_lots``). Trade date j is the start of the j-th month from now (j = 0 is now). A contract of
delivery month m is bought on dates ``0, 1, ..., m`` - now and at the start of each month until
the last month start before it settles at the end of month m - or on the first ``max_layers``
of those dates when given (and never beyond the price dates supplied). Its ``L_k`` layers are
equal, ``floor(N_k / L_k)`` lots each, with the remainder added to the last layer. Each layer is
bought at the then-current futures price on every simulated path, so the USD P&L per path is

    pnl_k = lot_size_k x sum_j lots_kj x (settlement_k - F_kj),

and the hedged spend is ``sum_m spend_m - sum_k pnl_k + sum_kj lots_kj x cost_kj``.

Worked number: 10 lots over 3 layers are bought as 3, 3, 4 lots; at futures prices 2.0, 2.2, 2.1
and a settlement of 2.5 with a lot of 1,000 units the P&L is
1,000 x (3 x 0.5 + 3 x 0.3 + 4 x 0.4) = $4,000.

Default ratios (DESIGN.md section 3, a common corporate layering policy): 75% of months 1-3,
50% of months 4-6, 25% of months 7-12, none beyond.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hedging.errors import HedgingWarning, InputError
from hedging.hedge.program import (
    HedgeProgram, as_lot_limits, as_margin, as_matrix, as_months, as_vector, hedge_ratio_by_month,
    hedged_spend_from_pnl, schedule,
)

#: (last month of the band, 1-based; target ratio) - 75% of months 1-3, 50% of 4-6, 25% of 7-12.
DEFAULT_BANDS: tuple[tuple[int, float], ...] = ((3, 0.75), (6, 0.50), (12, 0.25))


def ratios_by_tenor(n_months: int, bands=DEFAULT_BANDS) -> tuple[float, ...]:
    """Target hedge ratio of each delivery month from tenor bands; 0 after the last band.

    >>> ratios_by_tenor(8)
    (0.75, 0.75, 0.75, 0.5, 0.5, 0.5, 0.25, 0.25)
    """
    out, start = [0.0] * int(n_months), 0
    for last, ratio in bands:
        for m in range(start, min(int(last), int(n_months))):
            out[m] = float(ratio)
        start = max(start, int(last))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class LayeredProgram:
    """A layered program, its per-layer trade schedule, and its simulated P&L.

    ``eq=False`` because ``pnl`` is an array: compare ``program`` and ``layer_lots`` instead.

    Attributes
    ----------
    program : HedgeProgram
        Lots per contract, hedge ratios by month, and one trade per contract and layer date.
    layer_lots : tuple of tuple of int
        ``layer_lots[k][j]`` whole lots of contract k bought on trade date j.
    pnl : ndarray (n_paths, n_contracts)
        USD P&L per path of each contract's layers held to settlement.
    cost : tuple of float
        USD trading cost per contract over all its layers.
    contract_month : tuple of int
        Delivery-month index of each contract.
    """

    program: HedgeProgram
    layer_lots: tuple[tuple[int, ...], ...]
    pnl: np.ndarray
    cost: tuple[float, ...]
    contract_month: tuple[int, ...]

    def hedged_spend(self, spend) -> np.ndarray:
        """Total hedged spend per path, USD (a zero program returns the unhedged total exactly)."""
        return hedged_spend_from_pnl(spend, self.pnl, self.cost)

    def hedged_spend_by_month(self, spend) -> np.ndarray:
        """Hedged spend per path and delivery month, USD (n_paths, n_months)."""
        spend = as_matrix("spend", spend, n_rows=self.pnl.shape[0])
        out = spend.copy()
        month = self.contract_month
        for k in np.flatnonzero(np.any(self.pnl != 0, axis=0) | (np.asarray(self.cost) != 0)):
            out[:, month[k]] -= self.pnl[:, k] - self.cost[k]
        return out


def layered_program(futures_at_layer, settlement, lot_size, expected_volume, contract_month,
                    cost_per_lot, *, ratios=None, max_layers=None, max_lots=None,
                    margin_per_lot=None, margin_budget=None) -> LayeredProgram:
    """Hedge ratios by tenor bought in equal monthly layers at each path's then-current price.

    Parameters
    ----------
    futures_at_layer : array (n_paths, n_contracts, n_layer_dates)
        Futures price (quote units) of each contract on each trade date along each path. Date 0
        is today's curve (the same on every path). Entries after a contract's last layer date are
        not read (they may be NaN).
    settlement : array (n_paths, n_contracts)
        Final settlement price of each contract on each path.
    lot_size : array (n_contracts,)
        Quote units per lot (1 for 1M tokens quoted per million, 1,000 GPU-hours).
    expected_volume : array (n_contracts,)
        Expected volume of the exposure each contract hedges (its underlying in its delivery
        month), in the contract's units (millions of tokens, GPU-hours). Per contract rather than
        per month because one month can hold exposures in several underlyings.
    contract_month : array (n_contracts,)
        Delivery-month index of each contract (0 = first month of the horizon).
    cost_per_lot : array (n_contracts,) or (n_contracts, n_layer_dates)
        Fee + half spread per lot bought, USD, optionally by trade date.
    ratios : sequence of float, optional
        Target ratio per delivery month in [0, 1]; default :func:`ratios_by_tenor`.
    max_layers : int, optional
        Buy each contract within the first ``max_layers`` trade dates only.
    max_lots : array, optional
        Lot limits (position limit, no over-hedging); targets above them are clipped, with a
        warning.
    margin_per_lot, margin_budget : optional
        Today's initial margin per lot (USD), used for every layer, and the cash for it; when the
        peak margin of open positions exceeds the budget the program is kept and a warning says so.

    Returns
    -------
    LayeredProgram
    """
    f = np.asarray(futures_at_layer, dtype=float)
    if f.ndim != 3:
        raise InputError("`futures_at_layer` must be 3-D (paths x contracts x layer dates).",
                         column="futures_at_layer", value=f.shape,
                         fix="Pass the futures price of each contract on each trade date per path.")
    n_paths, n_contracts, n_dates = f.shape
    settle = as_matrix("settlement", settlement, n_rows=n_paths)
    if settle.shape[1] != n_contracts:
        raise InputError(f"`settlement` has {settle.shape[1]} contracts, expected {n_contracts}.",
                         column="settlement", value=settle.shape,
                         fix="Use the same contract columns in every array.")
    size = as_vector("lot_size", lot_size, n_contracts, nonnegative=True)
    volume = as_vector("expected_volume", expected_volume, n_contracts, nonnegative=True)
    months_in = np.asarray(contract_month)
    if months_in.shape != (n_contracts,) or not np.all(np.isfinite(months_in)):
        raise InputError("`contract_month` must give one month index per contract.",
                         column="contract_month", value=months_in.shape,
                         fix="Pass the index (0 = first month) of each contract's delivery month.")
    months_needed = int(np.max(months_in)) + 1 if n_contracts else 0
    target = np.asarray(ratios_by_tenor(months_needed) if ratios is None else ratios, dtype=float)
    if target.ndim != 1 or target.size < months_needed:
        raise InputError(f"`ratios` needs one ratio per delivery month ({months_needed}).",
                         column="ratios", value=target.shape, fix="Pass a ratio for every month.")
    if not np.all((target >= 0) & (target <= 1)):
        raise InputError("hedge ratios must be between 0 and 1 (above 1 is over-hedging).",
                         column="ratios", value=float(target[(target < 0) | (target > 1)][0]),
                         fix="Use e.g. 0.75 for 75%.")
    n_months = target.size
    month = as_months(months_in, n_contracts, n_months)
    cost = np.asarray(cost_per_lot, dtype=float)
    cost = np.repeat(as_vector("cost_per_lot", cost, n_contracts, nonnegative=True)[:, None],
                     n_dates, axis=1) if cost.ndim <= 1 else cost
    if cost.shape != (n_contracts, n_dates) or not np.all(np.isfinite(cost)) or np.any(cost < 0):
        raise InputError("`cost_per_lot` must be >= 0, per contract or per contract and date.",
                         column="cost_per_lot", value=cost.shape,
                         fix="Pass fee + half spread in USD per lot.")
    margin, budget = as_margin(margin_per_lot, margin_budget, n_contracts)
    if max_layers is not None and int(max_layers) < 1:
        raise InputError("`max_layers` must be at least 1.", column="max_layers",
                         value=max_layers, fix="Use e.g. 3 to buy within the first 3 months.")
    today = f[0, :, 0]
    if not np.all(np.isfinite(today) & (today > 0)):
        raise InputError("today's futures prices (date 0) must be positive numbers.",
                         column="futures_at_layer", fix="Check the forward curve.")

    warnings = []
    lots = np.rint(target[month] * volume / np.where(size > 0, size, 1.0)).astype(np.int64)
    lots[size <= 0] = 0
    if max_lots is not None:
        limit = as_lot_limits(max_lots, n_contracts)
        over = lots > limit
        if over.any():
            lots = np.minimum(lots, limit)
            warnings.append(HedgingWarning("max_lots", (
                f"{int(over.sum())} contract(s) were cut to their lot limit (position limit or "
                "no over-hedging); their months are hedged below the target ratio.")))
    n_layers = np.minimum(month + 1, n_dates if max_layers is None else min(n_dates,
                                                                            int(max_layers)))
    layer_lots = np.zeros((n_contracts, n_dates), dtype=np.int64)
    pnl = np.zeros((n_paths, n_contracts))
    for k in np.flatnonzero(lots):
        count = int(n_layers[k])
        base = lots[k] // count
        layer_lots[k, :count] = base
        layer_lots[k, count - 1] = lots[k] - base * (count - 1)
        prices = f[:, k, :count]
        if not np.all(np.isfinite(prices)):
            raise InputError(f"futures prices of contract {k} are missing on its layer dates.",
                             column="futures_at_layer", value=k,
                             fix="Provide prices on every trade date up to the contract's last "
                                 "layer.")
        pnl[:, k] = size[k] * (lots[k] * settle[:, k] - prices @ layer_lots[k, :count])
    total_cost = (layer_lots * cost).sum(axis=1)

    if budget is not None:
        held = np.cumsum(layer_lots, axis=1) * margin[:, None]
        open_ = np.arange(n_dates)[None, :] <= month[:, None]
        by_date = (held * open_).sum(axis=0)
        peak = int(np.argmax(by_date)) if n_dates else 0
        if n_dates and by_date[peak] > budget:
            warnings.append(HedgingWarning("margin_budget", (
                f"the layered program needs ${by_date[peak]:,.0f} of initial margin on trade "
                f"date {peak} (today's margin per lot), above the ${budget:,.0f} budget. "
                "Raise the margin budget or lower the ratios.")))

    expected_price = np.full((n_contracts, n_dates), np.nan)
    expected_price[:, 0] = today
    for k, j in zip(*np.nonzero(layer_lots)):
        if j > 0:
            expected_price[k, j] = float(f[:, k, j].mean())
    program = HedgeProgram(
        policy="layered",
        lots=tuple(int(v) for v in lots),
        hedge_ratio_by_month=hedge_ratio_by_month(lots, month, n_months, size, volume, today),
        trades=schedule(layer_lots, month, cost, price_by_date=expected_price, lot_size=size,
                        margin_per_lot=margin),
        objective="none: ratios by tenor bought in monthly layers",
        objective_value=None, objective_all_paths=None, n_paths_used=n_paths,
        status="rule", message=f"{int((layer_lots > 0).sum())} layer trades over "
                               f"{int(n_layers.max(initial=0))} trade dates",
        warnings=tuple(warnings))
    return LayeredProgram(program, tuple(tuple(int(v) for v in row) for row in layer_lots), pnl,
                          tuple(float(c) for c in total_cost), tuple(int(m) for m in month))
