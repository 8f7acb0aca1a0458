"""The run: one spec in, one frozen run out (DESIGN.md section 4.1).

``build_run(spec)`` = forecast -> program -> outcome, then the sanity check every headline passes
before it is shown or printed. The three stages are separate functions so that a caller (the
pages' cache) can reuse a forecast when only the policy changes, and a program when only the
budget changes; a saved proposal freezes the :class:`Run` on screen and never recomputes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hedging import fmt
from hedging.config import Settings
from hedging.errors import HedgingError, HedgingWarning
from hedging.service.forecast import ForecastView, forecast
from hedging.hedge.layered import ratios_by_tenor
from hedging.service.hedge import HedgeResult, build_program, ratio_table
from hedging.service.outcome import Outcome, evaluate, program_liquidity, remaining_risk
from hedging.service.spec import POLICY_SHORT, RunSpec
from hedging.service.stress import history_backtests, stress_table
from hedging.service.usage import default_settings

#: Expected horizon spend per month may differ from the latest month's spend by this factor
#: (either way) before the run is refused; announced price changes widen it by their size.
PLAUSIBLE_MULTIPLE = 6.0


class SanityError(HedgingError):
    """A headline failed its check; the message says which and why, and nothing is shown or printed."""


@dataclass(frozen=True, eq=False)
class Program:
    """The hedge program and the parts of its outcome that do not depend on the budget."""

    result: HedgeResult
    liquidity: object
    stress: object
    effectiveness: object
    history: dict
    remaining: object = None        # what the hedge does not remove, by source (RemainingRisk)


@dataclass(frozen=True, eq=False)
class Run:
    spec: RunSpec                   # as run: the budget, index and model of each underlying resolved
    forecast: ForecastView
    result: HedgeResult
    outcome: Outcome
    warnings: tuple[HedgingWarning, ...]

    @property
    def budget(self) -> float:
        return self.outcome.budget

    def headline(self) -> dict:
        """The numbers a board reads first (USD unless stated), as ``--json`` prints them."""
        o, f = self.outcome, self.forecast
        return {"expected_spend": o.unhedged.mean, "horizon_months": f.horizon, "sd_before": o.unhedged.std,
                "sd_after": o.hedged.std, "volatility_reduction": o.sd_reduction,
                "variance_reduction": o.variance_reduction, "program_cost": o.program_cost,
                "expected_cost_of_hedging": o.hedged.mean - o.unhedged.mean,
                "fiscal_year": f.spec.fiscal_name(), "budget": o.budget,
                "budget_compared": f.budget_for_covered(o.budget), "fiscal_months_covered": f.fiscal_covered,
                "fiscal_expected_spend": o.fiscal_unhedged.mean,
                "bar_before": o.fiscal_unhedged.budget_at_risk_95, "bar_after": o.fiscal_hedged.budget_at_risk_95,
                "prob_over_before": o.fiscal_unhedged.prob_exceed_budget,
                "prob_over_after": o.fiscal_hedged.prob_exceed_budget,
                "initial_margin_peak": float(o.liquidity.initial_margin["initial margin"].max()),
                "vm_p95": o.liquidity.peak_variation_margin_p95, "margin_needed": o.margin_needed,
                "trades": len(self.result.program.trades), "lots": int(np.sum(self.result.lots)),
                "run_rate_monthly": f.run_rate}

    def spec_line(self) -> str:
        """One line saying what this run looks at (shown atop every analysis page and in the PDF)."""
        s, f = self.spec, self.forecast
        data = ", ".join(f"{'token' if p.underlying == 'token' else 'GPU'} data to {p.last_complete_month:%b %Y}"
                         for p in f.underlyings.values())
        indices = "; ".join(f"{p.index_name.split(' (')[0]} ({p.market.choice} model, last print "
                            f"{fmt.date(p.market.valuation)})" for p in f.underlyings.values())
        return (f"As of {fmt.date(s.as_of)} · {data} · horizon {fmt.month(f.future[0])} – {fmt.month(f.future[-1])} · "
                f"budget {fmt.money(self.budget)} for {s.fiscal_name()} · {indices} · policy {POLICY_SHORT[s.policy.name]} · "
                f"{fmt.count(s.n_paths)} paths, seed {s.seed}"
                + (" · price changes: " + ", ".join(c.label() for c in s.price_changes) if s.price_changes else "")
                + (f" · natural hedges: {len(s.commitments)} commitment{'s' if len(s.commitments) > 1 else ''}"
                   if s.commitments else ""))


def build_program_stage(view: ForecastView, spec: RunSpec) -> Program:
    """The program for ``spec.policy`` on ``view`` and what of its outcome needs no budget."""
    result = build_program(view, spec.policy)
    stress, prospective = stress_table(view, result)
    return Program(result, program_liquidity(view, result), stress, prospective,
                   history_backtests(view, policy_ratios(view, spec.policy, result)), remaining_risk(view, result))


def policy_ratios(view: ForecastView, policy, result: HedgeResult) -> dict[str, tuple[float, ...]]:
    """The chosen policy as hedge ratios by tenor (1-12 months ahead) per underlying, for the
    historical backtest: the layered policy's bands, or the ratios the program just built holds
    for each month ahead (what minimum variance or CVaR chooses today, applied to each past month).
    An underlying left unhedged has no ratios."""
    if policy.name == "layered":
        ratios = tuple(ratios_by_tenor(12, policy.bands))
        return {u: (ratios if u not in policy.excluded else (0.0,) * 12) for u in view.underlyings}
    out = {u: [0.0] * 12 for u in view.underlyings}
    first = view.spec.as_of.year * 12 + view.spec.as_of.month
    for _, row in ratio_table(result, view).iterrows():
        tenor = row["month"].year * 12 + row["month"].month - first
        if 1 <= tenor <= 12 and row["underlying"] in out:
            out[row["underlying"]][tenor - 1] += float(row["hedge ratio"])
    return {u: tuple(r) for u, r in out.items()}


def finish_run(spec: RunSpec, view: ForecastView, program: Program) -> Run:
    """Add the budget comparison, check the headline and freeze the run."""
    budget = view.default_budget() if spec.budget_annual is None else float(spec.budget_annual)
    outcome = evaluate(view, program.result, budget, liquidity=program.liquidity, stress=program.stress,
                       effectiveness=program.effectiveness, history=program.history, remaining=program.remaining)
    warnings = list(view.warnings)
    for p in view.underlyings.values():
        warnings += list(p.warnings)
    warnings += list(program.result.warnings)
    if outcome.sd_reduction < 0:
        warnings.append(HedgingWarning("adds_volatility", (
            f"This program raises the volatility of the horizon's spend by {-outcome.sd_reduction:.1%} instead of "
            "lowering it: the company's price moves against the index it would hedge with (see the basis slope). "
            "Choose the minimum-variance policy or leave that underlying unhedged.")))
    resolved = spec.with_(budget_annual=budget,
                          index=tuple((u, p.market.data.key) for u, p in view.underlyings.items()),
                          model=tuple((u, spec.model_choice(u)) for u in view.underlyings))
    run = Run(resolved, view, program.result, outcome, tuple(dict.fromkeys(warnings)))
    check_sanity(run)
    return run


def build_run(spec: RunSpec, settings: Settings | None = None,
              progress: Callable[[float, str], None] | None = None) -> Run:
    """Forecast, program and outcome for ``spec``, checked; ``progress(fraction, text)`` is told each stage."""
    settings = settings or default_settings()
    say = progress or (lambda fraction, text: None)
    say(0.05, "Simulating volume, prices and spend")
    view = forecast(spec, settings)
    say(0.55, "Building the hedge program and stressing it")
    program = build_program_stage(view, spec)
    say(0.95, "Comparing with the budget")
    return finish_run(spec, view, program)


def check_sanity(run: Run) -> None:
    """Refuse a run whose headline is not fit to show: non-finite numbers, a negative budget-at-risk,
    an expected spend implausibly far from the recent run-rate (unless price changes explain it)."""
    h = run.headline()
    for key in ("expected_spend", "sd_before", "sd_after", "program_cost", "bar_before", "bar_after", "margin_needed",
                "fiscal_expected_spend", "budget"):
        value = h[key]
        if value is None or not math.isfinite(value):
            raise SanityError(f"the run's {key.replace('_', ' ')} is not a finite number ({value}); nothing is shown. "
                              "Fix: check the imports on the Data page for broken months, or use more simulated paths.")
    for key in ("bar_before", "bar_after"):
        if h[key] < -1e-6 * max(1.0, abs(h["fiscal_expected_spend"])):
            raise SanityError(f"the budget-at-risk ({key.replace('_', ' ')}) came out negative (${h[key]:,.0f}), "
                              "which a sound simulation cannot give. Fix: use more simulated paths.")
    monthly = h["expected_spend"] / h["horizon_months"]
    rate = h["run_rate_monthly"]
    if rate > 0:
        spread = 1.0
        for c in run.spec.price_changes:
            spread *= max(c.factor, 1 / c.factor)
        ratio = monthly / rate
        if not 1 / (PLAUSIBLE_MULTIPLE * spread) <= ratio <= PLAUSIBLE_MULTIPLE * spread:
            raise SanityError(
                f"the expected spend of ${monthly:,.0f} a month is {ratio:.2g} times the latest complete month's "
                f"${rate:,.0f}, beyond the {PLAUSIBLE_MULTIPLE:g}x a forecast of this history can justify; nothing is "
                "shown. Fix: check the latest months on the Data page (a partial or duplicated export), or shorten "
                "the horizon.")
