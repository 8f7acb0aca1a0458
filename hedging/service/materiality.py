"""Materiality: trades too small to be worth executing are dropped from a programme, and listed.

A treasury does not book a $1,484 futures trade beside six-figure ones: the ticket costs more
attention than it saves. With a threshold of X dollars (``Policy.min_notional``), every trade of
the schedule whose notional (lots x price x lot size, USD, as the schedule shows it) is below X is removed, and so is every
cap line whose notional (lots x strike x lot size) is; the programme's lots, P&L on every path,
trading cost and hedged spend are recomputed from the trades that remain, so every number the
run shows describes the programme as it would be executed. The dropped trades stay on the result
(:func:`hedging.service.hedge.dropped_table` lists them), and a warning says how many and how much notional.

The optimiser is not re-run: dropping is what a desk does to a finished ticket list, and it
keeps the rest of the programme exactly as chosen.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.errors import HedgingWarning
from hedging.hedge.program import hedge_ratio_by_month


def trade_notional(result, trade) -> float:
    """A futures trade's notional in USD as the trade schedule shows it: lots x lot size x the price,
    which is the fair price on the as-of date for a trade made then and the expected price on its
    trade date for a later layer (:func:`hedging.service.hedge.schedule_table`)."""
    c, k = result.contracts, trade.contract_index
    price = float(c.fair[k]) if trade.trade_date_index == 0 or trade.price is None else float(trade.price)
    return float(trade.lots * price * c.lot_size[k])


def drop_immaterial(result, threshold: float):
    """``result`` without the trades and cap lines below ``threshold`` USD of notional (see the
    module docstring); ``result`` itself when the threshold is 0 or drops nothing."""
    if not threshold or threshold <= 0:
        return result
    c, caps = result.contracts, result.caps
    kept = [t for t in result.program.trades if trade_notional(result, t) >= threshold]
    dropped = tuple(t for t in result.program.trades if trade_notional(result, t) < threshold)
    cap_lots = None if caps is None else np.asarray(caps.lots, dtype=np.int64).copy()
    dropped_caps = None if caps is None else np.zeros_like(cap_lots)
    if caps is not None:
        small = (cap_lots > 0) & (cap_lots * caps.strike * c.lot_size < threshold)
        dropped_caps[small], cap_lots[small] = cap_lots[small], 0
    if not dropped and (dropped_caps is None or not dropped_caps.any()):
        return result

    lots, pnl, cost, hedged = position(result, kept, cap_lots)
    covered = lots + (0 if cap_lots is None else cap_lots)
    program = replace(result.program, lots=tuple(int(v) for v in lots), trades=tuple(kept),
                      hedge_ratio_by_month=hedge_ratio_by_month(covered, c.month, result.unhedged.shape[1], c.lot_size,
                                                                c.expected_volume, c.fair))
    n_caps = 0 if dropped_caps is None else int((dropped_caps > 0).sum())
    notional = sum(trade_notional(result, t) for t in dropped) + (
        0.0 if dropped_caps is None else float((dropped_caps * caps.strike * c.lot_size).sum()))
    what = f"{len(dropped) + n_caps} trade{'s' if len(dropped) + n_caps != 1 else ''}"
    warning = HedgingWarning("immaterial_trades", (
        f"{what} below the materiality threshold of {fmt.money(threshold)} notional "
        f"{'were' if len(dropped) + n_caps != 1 else 'was'} dropped ({fmt.money(notional)} of notional in all); "
        "they are listed under 'Dropped as immaterial' and every figure shown is for the trades that remain. "
        "Lower the materiality threshold on the Hedge program page to keep them."))
    return replace(result, program=program, lots=lots, pnl=pnl, cost=cost, hedged=hedged,
                   caps=None if caps is None else replace(caps, lots=cap_lots),
                   warnings=(*result.warnings, warning), dropped=dropped, dropped_cap_lots=dropped_caps)


def position(result, trades, cap_lots):
    """Lots per contract, P&L per path and contract (USD), trading cost per contract (USD) and hedged
    spend per path and month of ``trades`` plus ``cap_lots`` caps on ``result``'s contracts and paths.
    A lot bought on trade date j gains (settlement - that path's futures price on date j) x lot size."""
    c, caps = result.contracts, result.caps
    n = len(c.month)
    lots = np.zeros(n, dtype=np.int64)
    pnl = np.zeros((result.unhedged.shape[0], n))
    cost = np.zeros(n)
    for t in trades:
        k, j = t.contract_index, t.trade_date_index
        lots[k] += t.lots
        pnl[:, k] += t.lots * c.lot_size[k] * (c.settlement[:, k] - c.layer_prices[:, k, j])
        cost[k] += t.cost
    if caps is not None and cap_lots is not None:
        pnl += caps.payoff_per_lot * cap_lots
        cost += caps.cost_per_lot * cap_lots
    hedged = result.unhedged.copy()
    for k in np.flatnonzero(lots + (0 if cap_lots is None else cap_lots)):
        hedged[:, c.month[k]] += cost[k] - pnl[:, k]
    return lots, pnl, cost, hedged
