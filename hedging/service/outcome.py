"""Before and after: what the hedge program does to spend, on the same simulated paths.

Risk (standard deviation, VaR, CVaR) is of spend over the hedge horizon; the budget comparison
(budget-at-risk, probability of overrun) is of the fiscal year the spec names: its reported
months, the estimated months not yet reported, and the forecast months, with the hedge's P&L in
the months of the horizon that fall in it. Liquidity is computed in :mod:`hedging.hedge.liquidity`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from hedging.hedge.attribution import RESIDUAL, Attribution, Exposure, attribute, basis_part_by_line_group
from hedging.hedge.effectiveness import Effectiveness
from hedging.hedge.liquidity import Liquidity, liquidity
from hedging.risk import RiskSummary, quantile, risk_summary, volatility_reduction
from hedging.service.forecast import ForecastView
from hedging.service.hedge import HedgeResult, _hedgeable_share, build_program


@dataclass(frozen=True, eq=False)
class Outcome:
    unhedged: RiskSummary               # horizon spend (no budget)
    hedged: RiskSummary
    fiscal_unhedged: RiskSummary        # fiscal-year spend against the (covered part of the) budget
    fiscal_hedged: RiskSummary
    budget: float                       # the annual budget
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
    remaining: "RemainingRisk | None" = None     # what the hedge did not remove, by source

    @property
    def margin_needed(self) -> float:
        """Peak initial margin plus the 95th-percentile variation margin, USD."""
        return float(self.liquidity.initial_margin["initial margin"].max()) + self.liquidity.peak_variation_margin_p95


def _worst_month(spend: np.ndarray) -> float:
    return quantile(spend.max(axis=1), 0.95)


def program_liquidity(view: ForecastView, result: HedgeResult) -> Liquidity:
    c = result.contracts
    sims = [view.underlyings[u].simulation for u in c.table["underlying"]]
    return liquidity(result.program.trades, sims=sims, quotes=c.quotes, lot_size=c.lot_size,
                     margin_per_lot=c.margin_per_lot, last_trading_day=list(c.table["last_trading_day"]),
                     settlement=c.settlement, entry_prices=c.layer_prices, trade_dates=list(c.trade_dates),
                     months=view.future)


def evaluate(view: ForecastView, result: HedgeResult, budget_annual: float, liquidity: Liquidity | None = None,
             **extra) -> Outcome:
    """Risk of horizon spend with and without the program, the fiscal year against the budget,
    liquidity and (through ``extra``) stress, effectiveness and history."""
    covered_budget = view.budget_for_covered(budget_annual)
    u_total, h_total = result.unhedged.sum(axis=1), result.hedged.sum(axis=1)
    vr = volatility_reduction(u_total, h_total)
    q_u, q_h = quantile(result.unhedged, 0.95, axis=0), quantile(result.hedged, 0.95, axis=0)
    monthly = pd.DataFrame({
        "month": view.future,
        "expected unhedged": result.unhedged.mean(axis=0), "expected hedged": result.hedged.mean(axis=0),
        "sd unhedged": result.unhedged.std(axis=0, ddof=1), "sd hedged": result.hedged.std(axis=0, ddof=1),
        "95th pct unhedged": q_u, "95th pct hedged": q_h})
    return Outcome(
        unhedged=risk_summary(u_total), hedged=risk_summary(h_total),
        fiscal_unhedged=risk_summary(view.fiscal_spend(), covered_budget),
        fiscal_hedged=risk_summary(view.fiscal_spend(result.hedged - result.unhedged), covered_budget),
        budget=float(budget_annual), sd_reduction=vr.sd_reduction, variance_reduction=vr.variance_reduction,
        worst_month_unhedged=_worst_month(result.unhedged), worst_month_hedged=_worst_month(result.hedged),
        monthly=monthly, program_cost=float(np.sum(result.cost)), expected_hedge_pnl=float(result.pnl.sum(axis=1).mean()),
        liquidity=liquidity or program_liquidity(view, result), **extra)


def metrics_table(outcome: Outcome, fiscal_name: str = "fiscal year") -> pd.DataFrame:
    """The before/after table a CFO reads (USD unless stated)."""
    u, h = outcome.unhedged, outcome.hedged
    fu, fh = outcome.fiscal_unhedged, outcome.fiscal_hedged
    rows = [("Expected spend, horizon", u.mean, h.mean), ("Standard deviation, horizon", u.std, h.std),
            ("Coefficient of variation", u.cv, h.cv), ("VaR 95%, horizon", u.var_95, h.var_95),
            ("CVaR 95%, horizon", u.cvar_95, h.cvar_95),
            ("VaR 99%, horizon", u.var_99, h.var_99), ("CVaR 99%, horizon", u.cvar_99, h.cvar_99),
            (f"Expected spend, {fiscal_name}", fu.mean, fh.mean),
            (f"Budget at risk, {fiscal_name} (95th pct − expected)", fu.budget_at_risk_95, fh.budget_at_risk_95),
            (f"P(spend > budget), {fiscal_name}", fu.prob_exceed_budget, fh.prob_exceed_budget),
            ("Worst month (95th percentile)", outcome.worst_month_unhedged, outcome.worst_month_hedged)]
    frame = pd.DataFrame(rows, columns=["metric", "unhedged", "hedged"])
    frame["change"] = frame["hedged"] - frame["unhedged"]
    return frame


# ----------------------------------------------------------------------------------------------
# what the hedge did not remove

#: How each source of the remaining variance reads on the page and in the PDF.
SOURCE_LABELS = {
    "volume": "Volume: how much you will use",
    "basis": "Basis: your price against the index",
    "timing": "Timing: month's average against settlement day",
    "rounding": "Lot rounding: whole lots only",
    "exclusions": "Exclusions: left unhedged by choice",
    "cover": "Hedge ratio: the share the policy covers",
    RESIDUAL: "Residual: months without a contract, caps, later layers",
}


@dataclass(frozen=True, eq=False)
class RemainingRisk:
    """The remaining variance of horizon spend attributed to its sources (:mod:`hedging.hedge.attribution`)."""

    attribution: Attribution
    basis_by: dict          # underlying -> variance the basis of that underlying alone adds, USD^2
    slopes: dict            # underlying -> basis slope
    labels: dict            # underlying -> "token" / "GPU"
    excluded: tuple[str, ...]

    def table(self) -> pd.DataFrame:
        a = self.attribution
        return pd.DataFrame({"source": [SOURCE_LABELS[s] for s in a.parts],
                             "share of what remains": [a.share(s) for s in a.parts],
                             "part of the sd (USD)": [a.sd_part(s) for s in a.parts]})

    def sentence(self) -> str:
        """One plain sentence on the largest part."""
        a = self.attribution
        top = a.largest()
        if a.total <= 0 or a.parts[top] <= 0:
            return "The hedge leaves no variance of the horizon's spend to explain."
        lead = f"Most of what remains ({a.share(top):.0%}) is "
        if top == "basis":
            u = max(self.basis_by, key=self.basis_by.get)
            slope = self.slopes[u]
            how = "moved against" if slope < 0 else ("moved less than" if slope < 0.8 else "moved apart from")
            return (lead + f"basis: your {self.labels[u]} price {how} the index (slope {slope:.2f}); "
                    "hedging more futures would not remove it.")
        if top == "volume":
            return (lead + "volume: how much compute you will use is uncertain, and futures fix a price, not a "
                    "quantity; more futures would not remove it.")
        if top == "timing":
            return (lead + "timing: the futures settle on one day's index while you pay the month's average; "
                    "a contract settled on the monthly average would remove it.")
        if top == "rounding":
            return lead + "lot rounding: whole lots cannot match your exposure exactly."
        if top == "exclusions":
            return (lead + f"what you chose to leave unhedged ({', '.join(self.excluded)}); include it on the "
                    "Hedge program page to hedge it.")
        if top == "cover":
            return (lead + "the share of your spend the policy leaves uncovered; a higher hedge ratio "
                    "(the layered policy's bands) would remove part of it.")
        return (lead + "in months without a listed contract, or in the caps' and later layers' prices; "
                "no futures position can remove it.")


def remaining_risk(view: ForecastView, result: HedgeResult) -> RemainingRisk:
    """Attribute the variance of hedged horizon spend left by ``result`` to volume, basis, timing,
    lot rounding, exclusions and the hedge ratio, on the forecast's own paths (exclusions are
    judged against the program the same policy builds with nothing excluded)."""
    parts = list(view.underlyings.values())
    h = view.horizon
    excluded = tuple(result.policy.excluded)
    full = result if not excluded else build_program(view, replace(result.policy, excluded=()))
    c = full.contracts
    keys = list(zip(c.table["underlying"], c.table["symbol"]))
    lots = np.zeros(len(keys))
    mine = result.contracts.table
    for k, key in enumerate(zip(mine["underlying"], mine["symbol"])):
        lots[keys.index(key)] = result.lots[k]
    order = {p.underlying: i for i, p in enumerate(parts)}
    line = np.array([order[u] * h for u in c.table["underlying"]]) + c.month
    # natural hedges: the floating lines carry the price-exposed volume; what is paid at fixed prices is
    # one more line per underlying at a constant "price" of 1 (its variance is volume risk, never basis)
    fixed = [p for p in parts if p.natural is not None]
    e = Exposure(volume=np.hstack([p.exposed_paths for p in parts] + [p.natural.fixed_cost[:, p.h0:] for p in fixed]),
                 price=np.hstack([p.unit_price_paths for p in parts] + [np.ones((view.n_paths, h)) for p in fixed]),
                 index=np.hstack([p.index_paths for p in parts] + [p.index_paths for p in fixed]),
                 share=np.concatenate([np.repeat([_hedgeable_share(p, excluded) for p in parts], h),
                                       np.zeros(h * len(fixed))]),
                 line=line, settlement=c.settlement, entry=c.entry, lot_size=c.lot_size, lots=lots,
                 lots_all=np.asarray(full.lots, float), other=np.zeros(view.n_paths))
    spend_less_hedge = (e.volume * e.price).sum(axis=1) - (e.settlement - e.entry) @ (lots * e.lot_size)
    e = replace(e, other=result.hedged.sum(axis=1) - spend_less_hedge)
    groups = {p.underlying: np.concatenate([np.repeat(np.arange(len(parts)) == i, h), np.zeros(h * len(fixed), bool)])
              for i, p in enumerate(parts)}
    return RemainingRisk(attribute(e), basis_part_by_line_group(e, groups),
                         {p.underlying: p.basis.slope for p in parts},
                         {p.underlying: ("token" if p.underlying == "token" else "GPU") for p in parts}, excluded)
