"""What the Hedge program page shows, from the program alone: a change of policy, hedge ratios,
limits or margin budget rebuilds only the hedge on the cached simulated paths and reads this,
without the stress scenarios, variation margin, backtest and attribution the full run adds
(:func:`hedging.service.run.build_program_stage`, which then reuses the same program).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hedging.errors import HedgingWarning
from hedging.hedge.liquidity import initial_margin_by_month
from hedging.risk import volatility_reduction
from hedging.service.forecast import ForecastView
from hedging.service.hedge import HedgeResult, build_program
from hedging.service.run import adds_volatility, spec_line
from hedging.service.spec import RunSpec


@dataclass(frozen=True, eq=False)
class HedgeView:
    """The program on the forecast's paths and its headline, as the full run would report them."""

    spec: RunSpec
    forecast: ForecastView
    result: HedgeResult
    program_cost: float                 # fees and half spreads, USD (the run's ``outcome.program_cost``)
    sd_reduction: float                 # 1 - hedged sd / unhedged sd of horizon spend
    initial_margin: np.ndarray          # USD held in each horizon month
    warnings: tuple[HedgingWarning, ...]
    budget: float

    def spec_line(self) -> str:
        return spec_line(self.spec, self.forecast, self.budget)


def hedge_result(view: ForecastView, spec: RunSpec) -> HedgeResult:
    """The program of ``spec.policy`` on ``view``'s paths (what a policy change recomputes)."""
    return build_program(view, spec.policy)


def hedge_view(spec: RunSpec, view: ForecastView, result: HedgeResult) -> HedgeView:
    """The Hedge program page's headline of ``result``: the same formulas as the full run's outcome."""
    c = result.contracts
    vr = volatility_reduction(result.unhedged.sum(axis=1), result.hedged.sum(axis=1))
    warnings = tuple(result.warnings) + ((adds_volatility(vr.sd_reduction),) if vr.sd_reduction < 0 else ())
    budget = view.default_budget() if spec.budget_annual is None else float(spec.budget_annual)
    return HedgeView(spec, view, result, float(np.sum(result.cost)), vr.sd_reduction,
                     initial_margin_by_month(result.program.trades, c.margin_per_lot, list(c.table["last_trading_day"]),
                                             view.future), warnings, budget)
