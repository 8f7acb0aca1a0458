"""Instruments beside futures for the run's exposure: the comparison table and the hedge-regret table.

Every instrument hedges the same quantity per underlying and delivery month: what the program
holds (futures lots plus caps, times the lot size), or, when it holds nothing, the most the policy
allows (its volume cap). Terms are set on the run's paths; the regret table keeps them when prices
fall or rise 30% and 40% (:data:`hedging.hedge.stress.REGRET_SCENARIOS`). The maths is in
:mod:`hedging.hedge.instrument_book` and :mod:`hedging.contracts.instruments`.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import pandas as pd

from hedging.contracts.instruments import DEFAULT_RATE, INSTRUMENTS, month_fixings, quote_table
from hedging.hedge.instrument_book import ORDER, HedgeLines, compare, instrument_terms, line_cash
from hedging.hedge.stress import REGRET_SCENARIOS
from hedging.service.forecast import ForecastView
from hedging.service.hedge import HedgeResult
from hedging.service.stress import World, _fixings, _program_pnl, _world, holds_position

_REGRET: "weakref.WeakKeyDictionary[ForecastView, list]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def hedged_quantity(result: HedgeResult) -> tuple[np.ndarray, str]:
    """Units hedged per contract row, and a sentence saying where the quantity comes from."""
    c = result.contracts
    lots = result.lots + (0 if result.caps is None else result.caps.lots)
    if lots.sum() > 0:
        return lots * c.lot_size, "the quantity the program hedges (its futures and caps)"
    return c.max_lots * c.lot_size, ("the most the policy allows (its volume cap), because the program holds "
                                     "nothing")


def hedge_lines(view: ForecastView, result: HedgeResult, quantity: np.ndarray, world: World | None = None) -> HedgeLines:
    """The program's contract rows as instrument lines, on the run's paths or in a stressed world."""
    c = result.contracts
    fixings = world.fixings if world is not None else {
        u: _fixings(p.simulation, view.future) for u, p in view.underlyings.items()}
    under = list(c.table["underlying"])
    average = np.column_stack([fixings[u][0][:, m] for u, m in zip(under, c.month)])
    month_end = np.column_stack([fixings[u][1][:, m] for u, m in zip(under, c.month)])
    settlement = c.settlement if world is None else np.column_stack([world.settlement[q.symbol] for q in c.quotes])
    days = np.array([((view.future[m] + pd.offsets.MonthEnd(0)).date() - view.spec.as_of).days for m in c.month])
    return HedgeLines(np.asarray(c.month), np.asarray(quantity, float), average, month_end,
                      np.exp(-DEFAULT_RATE * np.maximum(days, 0) / 365.0), settlement, c.entry,
                      c.cost_per_lot / c.lot_size, c.margin_per_lot / c.lot_size)


def instrument_comparison(view: ForecastView, result: HedgeResult, cap_strike: float | None = None) -> tuple[pd.DataFrame, str]:
    """Volatility reduction, cost, premium and cash needed of each instrument on the same volume.

    Returns the table (one row per instrument) and a note saying which quantity was hedged and
    how the instruments were struck.
    """
    quantity, basis = hedged_quantity(result)
    lines = hedge_lines(view, result, quantity)
    strike = (cap_strike if cap_strike is not None else result.policy.cap_strike) / 100.0
    terms = instrument_terms(lines, cap_moneyness=strike)
    rows = []
    for r in compare(view.total_spend.sum(axis=1), lines, terms):
        spec = INSTRUMENTS.get(r.key)
        rows.append({"instrument": r.name, "terms": r.terms, "volatility reduction": r.volatility_reduction,
                     "expected cost (USD)": r.expected_cost, "cost std error (USD)": r.expected_cost_se,
                     "premium today (USD)": r.premium, "fees (USD)": r.fees, "margin or cash needed (USD)": r.cash_needed,
                     "95th pct spend after (USD)": r.p95_after, "CVaR 95% after (USD)": r.cvar95_after,
                     "venue": spec.venue if spec else "listed futures (this app's contract assumptions)",
                     "credit": spec.credit if spec else "cleared: daily variation margin, no dealer credit"})
    note = (f"Each instrument hedges {basis}: {quantity.sum():,.0f} units over {len(view.future)} months. "
            f"Swaps are struck at the fair fixed price on the paths; caps and collars cap at {strike:.0%} of it, the "
            "collar's floor solved for zero premium; binaries are a strip of 20 'above K' contracts from the cap up, "
            "settled on the month-end index. Premiums are fair on these paths with no dealer margin; margin or cash "
            "needed is initial margin for futures, the 95th percentile of the net payments owed to the dealer over the "
            "horizon for swaps and collars, and premium plus fees for caps and binaries.")
    return pd.DataFrame(rows), note


def regret_worlds(view: ForecastView) -> list[World]:
    """The hedge-regret scenarios applied to ``view`` (memoised per forecast)."""
    with _LOCK:
        cached = _REGRET.get(view)
    if cached is None:
        cached = [_world(view, s) for s in REGRET_SCENARIOS]
        with _LOCK:
            _REGRET[view] = cached
    return cached


def regret_table(view: ForecastView, result: HedgeResult, cap_strike: float | None = None) -> pd.DataFrame:
    """Expected horizon spend unhedged, and each hedge's difference from it, when prices fall or rise.

    Negative differences are savings (protection); positive ones are the cost of certainty (regret).
    The program as run keeps its trades; the instruments keep the terms set on the run's paths.
    """
    quantity, _ = hedged_quantity(result)
    base = hedge_lines(view, result, quantity)
    strike = (cap_strike if cap_strike is not None else result.policy.cap_strike) / 100.0
    terms = instrument_terms(base, cap_moneyness=strike)
    total = view.total_spend.sum(axis=1)
    program = result.hedged.sum(axis=1) - total
    rows = [_regret_row("as simulated (no move)", total, program, base, terms)]
    for world in regret_worlds(view):
        lines = hedge_lines(view, result, quantity, world)
        pnl = _program_pnl(view, result, world) if holds_position(result) else np.zeros_like(world.unhedged)
        rows.append(_regret_row(world.scenario.name, world.unhedged, -pnl, lines, terms))
    return pd.DataFrame(rows)


def _regret_row(name: str, unhedged: np.ndarray, program_change: np.ndarray, lines: HedgeLines, terms) -> dict:
    row = {"scenario": name, "unhedged, expected (USD)": float(unhedged.mean()),
           "program as run (USD)": float(program_change.mean())}
    labels = {"futures": "futures", "swap": "swap", "cap": "cap", "collar": "collar", "binary": "binaries"}
    for key in ORDER:
        row[f"{labels[key]} (USD)"] = float(-line_cash(terms[key], lines).sum(axis=1).mean())
    return row


def instrument_quotes(view: ForecastView, cap_strike: float = 110.0) -> pd.DataFrame:
    """Per underlying and horizon month, per unit: the swap's fair fixed price (with the model's closed
    form beside it), the cap premium, the zero-cost collar floor and the binary price, each Monte Carlo
    estimate with its standard error, on the run's paths (:func:`hedging.contracts.instruments.quote_table`)."""
    frames = []
    for u, part in view.underlyings.items():
        table = quote_table(month_fixings(part.simulation, view.future, view.spec.as_of, DEFAULT_RATE),
                            cap_moneyness=cap_strike / 100.0, binary_moneyness=cap_strike / 100.0)
        table.insert(0, "unit", part.unit)
        table.insert(0, "underlying", part.label)
        frames.append(table)
    return pd.concat(frames, ignore_index=True)
