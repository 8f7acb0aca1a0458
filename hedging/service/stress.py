"""Stress scenarios, the prospective dollar-offset test, the historical backtest and the paper check.

A stress keeps the program fixed (the lots bought today at today's prices, and for a layered
programme the same layers bought later at the then-current stressed prices) and moves the world:
the paper's three scenarios re-simulate the index with stressed parameters from the same random
draws; the deterministic ones multiply the simulated index or volume by a ramp over three months.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from hedging.contracts import year_fraction
from hedging.forecast.spend import unit_price_paths
from hedging.hedge.effectiveness import Effectiveness, hedge_effectiveness
from hedging.hedge.history import HistoryBacktest, historical_backtest
from hedging.hedge.layered import ratios_by_tenor
from hedging.hedge.paper_check import PaperCheck, paper_check
from hedging.hedge.stress import STRESS_SCENARIOS, Scenario, stressed_model
from hedging.service.forecast import ForecastView, IndexSimulation
from hedging.service.hedge import HedgeResult, layer_prices, settlement_on

PROSPECTIVE_SCENARIO = "price doubles within a quarter"


def _stressed_part(part, scenario: Scenario):
    """Daily index, monthly index, unit price and volume of one underlying under ``scenario``."""
    sim = part.simulation
    model, daily = sim.model, sim.daily.astype(float)
    if scenario.model_overrides:
        model = stressed_model(sim.model, scenario, t_now=sim.t0)
        grid = sim.t0 + np.arange(len(sim.dates)) / 365
        daily = model.simulate_prices(np.log(part.spot), grid, daily.shape[0], part.seed)
    month_of_day = np.searchsorted(part.future, sim.dates, side="right") - 1
    if scenario.price_shock is not None:
        factors = scenario.price_shock.factors(len(part.future))
        daily = daily * factors[np.clip(month_of_day, 0, len(factors) - 1)]
    monthly = np.column_stack([daily[:, month_of_day == j].mean(axis=1) for j in range(len(part.future))])
    last_index = part.index_at_months[-1] if np.isfinite(part.index_at_months[-1]) else part.spot
    prices = unit_price_paths(monthly, part.basis, float(part.unit_price[-1]), float(last_index),
                              seed=part.seed + 3, steps=part.steps)
    volume = part.volume_paths
    if scenario.volume_multiplier is not None:
        volume = volume * scenario.volume_multiplier.factors(len(part.future))
    sim2 = IndexSimulation(sim.dates, daily.astype(np.float32), monthly, model, sim.origin, sim.t0)
    return sim2, volume * prices


def _program_pnl(view: ForecastView, result: HedgeResult, sims: dict) -> np.ndarray:
    """P&L per path of the program's trades when the index follows ``sims`` (USD)."""
    c = result.contracts
    pnl = np.zeros(view.total_spend.shape[0])
    layer_dates = [m.date() for m in view.future]
    cache = {}
    for t in result.program.trades:
        k = t.contract_index
        underlying = c.table["underlying"].iloc[k]
        if k not in cache:
            quote = c.quotes[k]
            sim = sims[underlying]
            cache[k] = (settlement_on(sim, quote, view.underlyings[underlying].valuation_date),
                        layer_prices(sim, quote, layer_dates))
        settle, layers = cache[k]
        pnl += t.lots * (settle - layers[:, t.trade_date_index]) * c.lot_size[k]
    return pnl - float(np.sum(result.cost))


def stress_table(view: ForecastView, result: HedgeResult) -> tuple[pd.DataFrame, Effectiveness | None]:
    """Spend over the horizon under each scenario with and without the program, and the prospective
    dollar-offset test (hedge gain against the extra cost when the price doubles within a quarter)."""
    rows, prospective = [], None
    base_pnl = None
    for scenario in STRESS_SCENARIOS:
        sims, spend = {}, 0.0
        for u, part in view.underlyings.items():
            sims[u], s = _stressed_part(part, scenario)
            spend = spend + s
        unhedged = np.asarray(spend).sum(axis=1)
        pnl = _program_pnl(view, result, sims) if result.program.trades else np.zeros_like(unhedged)
        hedged = unhedged - pnl
        if scenario.name == STRESS_SCENARIOS[0].name:
            base_unhedged, base_pnl = unhedged, pnl
        rows.append({"scenario": scenario.name, "what it assumes": scenario.description,
                     "unhedged, expected": unhedged.mean(), "unhedged, 95th pct": np.quantile(unhedged, 0.95),
                     "hedged, expected": hedged.mean(), "hedged, 95th pct": np.quantile(hedged, 0.95),
                     "hedge P&L, expected": pnl.mean()})
        if scenario.name == PROSPECTIVE_SCENARIO and base_pnl is not None and np.ptp(pnl - base_pnl) > 0:
            prospective = hedge_effectiveness(-(unhedged - base_unhedged), pnl - base_pnl,
                                              observations="simulated paths")
    return pd.DataFrame(rows), prospective


def history_backtests(view: ForecastView, bands) -> dict[str, tuple[pd.DatetimeIndex, HistoryBacktest]]:
    """The layered policy's ratios applied to each underlying's own history (retrospective test).

    Returns, per underlying, the calendar months of the backtest window and the backtest.
    """
    out = {}
    for u, part in view.underlyings.items():
        ok = np.isfinite(part.index_at_months)
        if ok.sum() < 15 or not ok.all():
            continue
        sim = part.simulation
        first = part.months[0].date()
        offset = round(year_fraction(sim.origin, first) * 12)
        ratios = ratios_by_tenor(12, bands)
        h = historical_backtest(part.index_at_months, part.volume, part.unit_price,
                                _model_then(sim.model, part.index_at_months, offset),
                                ratios_by_tenor=ratios, lot_size=1.0, start=12, model_origin=-offset)
        out[u] = (part.months[list(h.months)], h)
    return out


def _model_then(model, index_at_months: np.ndarray, offset: int):
    """The model as it stood at each past month: the paper preset is anchored to the latest index, so
    pricing past futures with today's anchor would use information nobody had then (and its trend
    would put past levels far above the index). Re-anchor at every layer date; a calibrated model is
    used as fitted."""
    if not str(getattr(model, "label", "")).startswith("Paper Table 3"):
        return model

    def at(j: int):
        t = (j + offset) / 12
        x = float(np.log(index_at_months[j]))
        theta0 = x - model.beta * t - model.gamma * np.sin(2 * np.pi * t / model.season_period)
        return replace(model, theta0=theta0)

    return at


def paper_reproduction(seed: int = 2026) -> PaperCheck:
    """The paper's setup (Table 3, 10,000 paths, 36 months, ratio 0.85) measured by this engine."""
    return paper_check(seed=seed)

