"""What the Hedge program page shows, from the program alone: a change of policy, hedge ratios,
limits or margin budget rebuilds only the hedge on the cached simulated paths and reads this,
without the stress scenarios, variation margin, backtest and attribution the full run adds
(:func:`hedging.service.run.build_program_stage`, which then reuses the same program).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hedging.errors import HedgingWarning
from hedging.hedge.liquidity import initial_margin_by_month
from hedging.risk import volatility_reduction
from hedging.service.ahead import Ahead, content_key
from hedging.service.forecast import ForecastView
from hedging.service.hedge import HedgeResult, build_program
from hedging.service.run import adds_volatility, spec_line
from hedging.service.spec import POLICIES, RunSpec

#: Programs and their instrument tables, by the content of their inputs, shared by every session.
#: A program of 10,000 paths and 20 contracts holds about 3 MB of its own (its contracts' price
#: paths are shared by every program on the same forecast): 32 of them, the page on screen and the
#: alternatives of the last two states, are about 100 MB (500 MB at 50,000 paths).
KEPT = Ahead(max_entries=32)
#: One notch of the page's sliders (hedge ratio by tenor, volume percentile), in percent.
NOTCH = 5


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


def _program_key(stored: str, spec: RunSpec) -> str:
    return content_key("program", stored, spec.simulation_key(), spec.policy)


def _instruments_key(stored: str, spec: RunSpec) -> str:
    return content_key("instruments", stored, spec.simulation_key(), spec.policy)


def kept_hedge_result(view: ForecastView, spec: RunSpec, stored: str) -> HedgeResult:
    """:func:`hedge_result`, kept by the content of its inputs: ``stored`` says what the stored data
    and market are (their versions), ``spec`` the simulation and the policy. A program computed
    ahead (:func:`compute_ahead`) is read, or waited for while it is being computed."""
    return KEPT.get(_program_key(stored, spec), lambda: _build(view, spec, stored))


def _build(view: ForecastView, spec: RunSpec, stored: str) -> HedgeResult:
    """The program of ``spec``. A materiality threshold only drops trades from the program chosen
    without it (the optimiser is not re-run), so that program is kept and a new threshold drops
    from it: the same result as :func:`hedge_result`, in milliseconds instead of an optimisation."""
    from hedging.service.materiality import drop_immaterial

    policy = spec.policy
    if not policy.min_notional:
        return hedge_result(view, spec)
    whole = spec.with_(policy=replace(policy, min_notional=0.0))
    chosen = KEPT.get(_program_key(stored, whole), lambda: hedge_result(view, whole))
    return replace(drop_immaterial(chosen, policy.min_notional), policy=policy)


def kept_instrument_comparison(view: ForecastView, result: HedgeResult, stored: str):
    """The instrument table of ``result`` (``service.instrument_comparison``), kept like the program."""
    from hedging.service.instruments import instrument_comparison

    key = _instruments_key(stored, view.spec.with_(policy=result.policy))
    return KEPT.get(key, lambda: instrument_comparison(view, result))


def is_kept(spec: RunSpec, stored: str) -> bool:
    """True when the program of ``spec`` is ready (nothing to compute)."""
    return _program_key(stored, spec) in KEPT


def alternatives(spec: RunSpec) -> list[RunSpec]:
    """What the user may choose next on the Hedge program page, in the order they are built: each
    other policy with the same limits first (a policy not seen before costs up to a second to
    build, an optimiser or every layer of a layered programme to price), then one notch either way
    of the volume percentile cap and, for the layered policy, of each layered hedge ratio (a tenth
    of that each)."""
    policy = spec.policy
    out = [spec.with_(policy=replace(policy, name=name)) for name in POLICIES if name != policy.name]
    for step in (-NOTCH, NOTCH):
        moved = policy.volume_percentile + step
        if 0 < moved <= 100:
            out.append(spec.with_(policy=replace(policy, volume_percentile=moved)))
    if policy.name == "layered":
        for i, (last, ratio) in enumerate(policy.bands):
            for step in (-NOTCH, NOTCH):
                moved = round(ratio * 100) + step
                if 0 <= moved <= 100:
                    bands = policy.bands[:i] + ((last, moved / 100),) + policy.bands[i + 1:]
                    out.append(spec.with_(policy=replace(policy, bands=bands)))
    return out


def compute_ahead(view: ForecastView, spec: RunSpec, stored: str) -> int:
    """Queue the programs of :func:`alternatives` and their instrument tables on the background
    thread (replacing what was queued for an earlier state of the page); returns how many jobs
    were queued. A program that fails (e.g. a policy the limits make infeasible) is left for the
    page to compute, and to show its error, if the user picks it."""
    jobs = []
    for alt in alternatives(spec):
        if alt.policy == spec.policy:
            continue

        def program(alt=alt):
            return _build(view, alt, stored)

        def instruments(alt=alt):
            from hedging.service.instruments import instrument_comparison

            return instrument_comparison(view, kept_hedge_result(view, alt, stored))

        jobs += [(_program_key(stored, alt), program), (_instruments_key(stored, alt), instruments)]
    KEPT.ahead(jobs)
    return len(jobs)



def wait_ahead(timeout: float | None = None) -> bool:
    """Wait until the programs queued by :func:`compute_ahead` are built (benchmarks, tests)."""
    return KEPT.idle(timeout)
