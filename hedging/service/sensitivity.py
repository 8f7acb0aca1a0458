"""Sensitivity of a run: its frontier over hedge ratios and the tornado of its assumptions.

The maths is in :mod:`hedging.hedge.sensitivity`; this module takes what it needs from a run.

* The frontier reads the run's own paths (no new simulation): see :func:`frontier`.
* The tornado holds the program as bought and moves one assumption at a time, each by a stated
  amount (:data:`MOVES`): volume uncertainty and basis noise on the run's own paths (the same random
  draws, scaled); the volume-price correlation and the index model by a new forecast from the same
  seed, which a caller may take from its cache (``forecast_for``). Budget-at-risk is of the fiscal
  year, as on the Before / after page; the centre line is the run's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from hedging.contracts.instruments import call_payoff
from hedging.contracts.paths import futures_at, settlement_on
from hedging.errors import HedgingError
from hedging.forecast.spend import unit_price_paths
from hedging.hedge.sensitivity import Frontier, Tornado, TornadoBar, hedge_frontier, spread_scaled, tornado
from hedging.risk import budget_at_risk
from hedging.service.forecast import ForecastView, _company, forecast
from hedging.service.hedge import HedgeResult
from hedging.service.run import Run
from hedging.service.stress import _fixings

#: How far each assumption is moved, in words and numbers (shown under the chart).
RHO_MOVE = 0.3              # volume-price correlation: the run's value -/+ 0.3, kept within [-1, 1]
VOLUME_FACTORS = (0.5, 1.5)  # volume uncertainty: spread around the expected volume halved / 1.5 times
BASIS_FACTORS = (0.5, 1.5)   # basis: residual volatility of the company's price against the index
MOVES = {
    "Volume-price correlation": f"the run's correlation {-RHO_MOVE:+.1f} and {RHO_MOVE:+.1f} (within −1 to 1)",
    "Volume uncertainty": "spread of simulated volume around its expectation × 0.5 and × 1.5",
    "Basis": "volatility of your price against the index (the basis residual) × 0.5 and × 1.5",
    "Index model": "the run's price model against the other one (calibrated to the index, or the paper's Table 3)",
}


def overall_hedge_ratio(result: HedgeResult) -> float:
    """Hedged volume over expected hedgeable volume across the horizon, both valued at the
    contracts' fair prices (futures and caps lots alike): ``sum lots x size x fair / sum volume x fair``."""
    c = result.contracts
    covered = np.asarray(result.lots, float) + (0.0 if result.caps is None else np.asarray(result.caps.lots, float))
    exposure = float(np.sum(c.expected_volume * c.fair))
    return float(np.sum(covered * c.lot_size * c.fair) / exposure) if exposure > 0 else 0.0


def frontier(run: Run) -> Frontier | None:
    """The run's program scaled from 0% to 100% of the expected volume, on the run's own paths;
    None when the program holds nothing (there is no shape to scale)."""
    result, view = run.result, run.forecast
    base = overall_hedge_ratio(result)
    if base <= 0:
        return None
    change = result.hedged - result.unhedged                      # (paths, months): costs less P&L
    return hedge_frontier(result.unhedged.sum(axis=1), change.sum(axis=1), base,
                          fiscal_unhedged=view.fiscal_spend(), fiscal_hedge=change[:, view.fiscal_horizon_mask].sum(axis=1))


def frontier_table(f: Frontier) -> pd.DataFrame:
    """The frontier's points for a table (ratios and reductions as shares, amounts in USD)."""
    return pd.DataFrame({"hedge ratio": f.ratio, "volatility reduction": f.sd_reduction,
                         "expected cost of hedging (USD)": f.expected_cost,
                         **({} if f.budget_at_risk is None else {"budget at risk, hedged (USD)": f.budget_at_risk}),
                         "this run": np.isclose(f.ratio, f.base_ratio, rtol=0, atol=1e-12)})


def _bar(view: ForecastView, change: np.ndarray) -> float:
    return budget_at_risk(view.fiscal_spend(change))


def _rebuilt(view: ForecastView, parts: dict) -> ForecastView:
    return _company(view.spec, parts)


def _volume_view(view: ForecastView, factor: float) -> ForecastView:
    parts = {}
    for u, p in view.underlyings.items():
        volume = spread_scaled(p.all_volume, factor)
        parts[u] = replace(p, all_volume=volume, all_spend=p.spend_of(volume, p.all_unit_price))
    return _rebuilt(view, parts)


def _basis_view(view: ForecastView, factor: float) -> ForecastView:
    """The same paths with the basis residual's volatility times ``factor`` (the same draws: the
    forecast's seed for the residual noise, so the noise scales exactly)."""
    parts = {}
    for u, p in view.underlyings.items():
        basis = replace(p.basis, residual_sd=p.basis.residual_sd * factor)
        prices = unit_price_paths(p.all_index, basis, p.last_unit_price, p.anchor_index, seed=p.seed + 3,
                                  steps=p.price_steps)
        parts[u] = replace(p, all_unit_price=prices, all_spend=p.spend_of(p.all_volume, prices))
    return _rebuilt(view, parts)


def change_in(view: ForecastView, other: ForecastView, result: HedgeResult) -> np.ndarray:
    """Hedged minus unhedged spend by month (paths x horizon) of ``result``'s program, bought as it
    was in ``view``, when the index follows ``other``'s paths: lots bought on the as-of date keep
    their price; later layers pay the futures price then on ``other``'s paths; caps pay on its averages."""
    c = result.contracts
    out = np.zeros_like(result.unhedged)
    for k, cost in enumerate(result.cost):
        out[:, c.month[k]] += cost
    sims = {u: p.simulation for u, p in other.underlyings.items()}
    for t in result.program.trades:
        k = t.contract_index
        u = c.table["underlying"].iloc[k]
        sim = sims[u]
        if t.trade_date_index == 0:
            entry = c.entry[:, k]
        else:
            day = c.trade_dates[t.trade_date_index]
            entry = futures_at(sim.model, sim.origin, c.quotes[k], day, sim.at(day))
        out[:, c.month[k]] -= t.lots * (settlement_on(sim, c.quotes[k]) - entry) * c.lot_size[k]
    caps = result.caps
    for k in ([] if caps is None else np.flatnonzero(caps.lots)):
        u = c.table["underlying"].iloc[k]
        average = _fixings(sims[u], view.future)[0][:, c.month[k]]
        out[:, c.month[k]] -= caps.lots[k] * call_payoff(average, caps.strike[k]) * c.lot_size[k]
    return out


def sensitivity_tornado(run: Run, settings=None,
                        forecast_for: Callable | None = None) -> tuple[Tornado, tuple[str, ...]]:
    """Budget-at-risk of the fiscal year with each assumption moved low and high (:data:`MOVES`), the
    program held as bought. Returns the tornado and notes on any assumption that could not be moved."""
    view, result = run.forecast, run.result
    fc = forecast_for or (lambda spec: forecast(spec, settings))
    change = result.hedged - result.unhedged
    base = run.outcome.fiscal_hedged.budget_at_risk_95
    bars, notes = [], []
    rho = float(run.spec.rho)
    lo, hi = max(-1.0, rho - RHO_MOVE), min(1.0, rho + RHO_MOVE)
    try:   # the index and the company's price come from the same seeds: only volume moves
        lows, highs = (_bar(fc(run.spec.with_(rho=r)), change) for r in (lo, hi))
        bars.append(TornadoBar("Volume-price correlation", f"{lo:+.2f}", f"{hi:+.2f}", lows, highs))
    except HedgingError as err:
        notes.append(f"Volume-price correlation: not moved ({err}).")
    bars.append(TornadoBar("Volume uncertainty", "× 0.5", "× 1.5",
                           *(_bar(_volume_view(view, f), change) for f in VOLUME_FACTORS)))
    bars.append(TornadoBar("Basis", "× 0.5", "× 1.5", *(_bar(_basis_view(view, f), change) for f in BASIS_FACTORS)))
    used = {u: p.market.choice for u, p in view.underlyings.items()}
    other = {u: "paper" if c != "paper" else "calibrated" for u, c in used.items()}
    try:
        alt = fc(run.spec.with_(model=tuple(other.items())))
        alt_bar = _bar(alt, change_in(view, alt, result))
        label = lambda m: ", ".join(sorted(set(m.values())))  # noqa: E731
        bars.append(TornadoBar("Index model", label(used) + " (this run)", label(other), base, alt_bar))
    except HedgingError as err:
        notes.append(f"Index model: the other model could not be used ({err}).")
    settings_of = (("Volume-price correlation", f"{rho:+.2f}"), ("Volume uncertainty", "as forecast"),
                   ("Basis", "as fitted"), ("Index model", ", ".join(sorted(set(used.values())))))
    t = tornado(base, bars)
    return Tornado(t.base, t.bars, settings_of), tuple(notes)


def tornado_table(t: Tornado) -> pd.DataFrame:
    """The tornado's rows, largest swing first (USD)."""
    return pd.DataFrame([{"assumption": b.assumption, "moved to (low / high)": f"{b.low_setting} / {b.high_setting}",
                          "budget at risk, low (USD)": b.low, "budget at risk, high (USD)": b.high,
                          "swing (USD)": b.swing} for b in t.bars])
