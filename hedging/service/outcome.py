"""Before and after: what the hedge program does to the budget, on the same simulated paths.

Metrics are of spend (higher is worse) over the horizon and by month; liquidity is the initial
margin the program ties up each month and the variation margin it may have to pay when prices
fall (a long hedger pays when the index drops, just as its compute gets cheaper).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.hedge.effectiveness import Effectiveness
from hedging.risk import RiskSummary, risk_summary, volatility_reduction
from hedging.service.forecast import ForecastView
from hedging.service.hedge import HedgeResult, futures_on

VM_PATHS = 1_000
VM_STEP_DAYS = 7


@dataclass(frozen=True, eq=False)
class Liquidity:
    initial_margin: pd.DataFrame        # month, initial margin held (USD)
    peak_variation_margin_p95: float    # 95th percentile over paths of the largest cumulative VM outflow
    peak_variation_margin_p50: float
    n_paths: int
    step_days: int


@dataclass(frozen=True, eq=False)
class Outcome:
    unhedged: RiskSummary
    hedged: RiskSummary
    sd_reduction: float
    variance_reduction: float
    worst_month_unhedged: float         # 95th percentile of the most expensive month
    worst_month_hedged: float
    monthly: pd.DataFrame               # month, expected/sd/p95 unhedged and hedged
    program_cost: float                 # fees and half spreads, USD
    expected_hedge_pnl: float
    liquidity: Liquidity
    effectiveness: Effectiveness | None = None   # prospective test (price doubles); None without lots
    stress: pd.DataFrame | None = None
    history: dict | None = None


def _worst_month(spend: np.ndarray) -> float:
    return float(np.quantile(spend.max(axis=1), 0.95))


def evaluate(view: ForecastView, result: HedgeResult, budget_annual: float | None) -> Outcome:
    """Risk of total and monthly spend with and without the program, liquidity and effectiveness."""
    budget = None if budget_annual is None else budget_annual * len(view.future) / 12
    u_total, h_total = result.unhedged.sum(axis=1), result.hedged.sum(axis=1)
    vr = volatility_reduction(u_total, h_total)
    monthly = pd.DataFrame({
        "month": view.future,
        "expected unhedged": result.unhedged.mean(axis=0), "expected hedged": result.hedged.mean(axis=0),
        "sd unhedged": result.unhedged.std(axis=0, ddof=1), "sd hedged": result.hedged.std(axis=0, ddof=1),
        "95th pct unhedged": np.quantile(result.unhedged, 0.95, axis=0),
        "95th pct hedged": np.quantile(result.hedged, 0.95, axis=0)})
    return Outcome(
        unhedged=risk_summary(u_total, budget), hedged=risk_summary(h_total, budget),
        sd_reduction=vr.sd_reduction, variance_reduction=vr.variance_reduction,
        worst_month_unhedged=_worst_month(result.unhedged), worst_month_hedged=_worst_month(result.hedged),
        monthly=monthly, program_cost=float(np.sum(result.cost)), expected_hedge_pnl=float(result.pnl.sum(axis=1).mean()),
        liquidity=liquidity(view, result))


def metrics_table(outcome: Outcome) -> pd.DataFrame:
    """The before/after table a CFO reads (USD unless stated)."""
    u, h = outcome.unhedged, outcome.hedged
    rows = [("Expected spend", u.mean, h.mean), ("Standard deviation", u.std, h.std),
            ("Coefficient of variation", u.cv, h.cv), ("VaR 95%", u.var_95, h.var_95), ("CVaR 95%", u.cvar_95, h.cvar_95),
            ("VaR 99%", u.var_99, h.var_99), ("CVaR 99%", u.cvar_99, h.cvar_99),
            ("Budget at risk (95% − expected)", u.budget_at_risk_95, h.budget_at_risk_95),
            ("P(spend > budget)", u.prob_exceed_budget, h.prob_exceed_budget),
            ("Worst month (95th percentile)", outcome.worst_month_unhedged, outcome.worst_month_hedged)]
    frame = pd.DataFrame(rows, columns=["metric", "unhedged", "hedged"])
    frame["change"] = frame["hedged"] - frame["unhedged"]
    return frame


def liquidity(view: ForecastView, result: HedgeResult) -> Liquidity:
    """Initial margin held per month, and the variation margin a long position pays when prices fall.

    Variation margin is marked weekly on the first ``VM_PATHS`` paths at the model's closed-form
    futures price given each path's index (monthly-average contracts are marked at the expected
    average of their remaining fixings); a contract stops moving once it settles.
    """
    c, trades = result.contracts, result.program.trades
    months = view.future
    im = np.zeros(len(months))
    for t in trades:
        ltd = pd.Timestamp(c.table["last_trading_day"].iloc[t.contract_index])
        for j, m in enumerate(months):
            if j >= t.trade_date_index and m <= ltd:
                im[j] += t.lots * c.margin_per_lot[t.contract_index]
    n = min(VM_PATHS, view.total_spend.shape[0])
    parts = {u: p for u, p in view.underlyings.items()}
    cum = None
    steps = None
    for t in trades:
        row = c.table.iloc[t.contract_index]
        part = parts[row["underlying"]]
        sim = part.simulation
        if steps is None:
            steps = pd.date_range(sim.dates[0], sim.dates[-1], freq=f"{VM_STEP_DAYS}D")
            cum = np.zeros((n, len(steps)))
        entry = c.layer_prices[:n, t.contract_index, t.trade_date_index]
        start = months[0] if t.trade_date_index == 0 else months[t.trade_date_index]
        ltd = pd.Timestamp(row["last_trading_day"])
        quote = c.quotes[t.contract_index]
        marks = np.empty((n, len(steps)))
        for i, day in enumerate(steps):
            if day < start:
                marks[:, i] = entry
            elif day >= ltd:
                marks[:, i] = c.settlement[:n, t.contract_index]
            else:
                marks[:, i] = futures_on(sim, quote, day.date(), slice(0, n))
        cum += (marks - entry[:, None]) * c.lot_size[t.contract_index] * t.lots
    peak = np.zeros(n) if cum is None else np.maximum(0.0, -cum.min(axis=1))
    return Liquidity(pd.DataFrame({"month": months, "initial margin": im}), float(np.quantile(peak, 0.95)),
                     float(np.quantile(peak, 0.50)), n, VM_STEP_DAYS)
