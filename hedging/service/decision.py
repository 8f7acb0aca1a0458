"""The decision-ready summary of a run: what a board reads on the Proposal page and the PDF's first page.

:func:`decision_summary` turns a :class:`~hedging.service.run.Run` into a :class:`DecisionSummary`
of sentences and numbers (the recommendation, the decision requested, the headline numbers with one
reconciled cost, the three risks that remain, what happens if prices fall). The page and the PDF
both render that one object (saved in the proposal as :meth:`DecisionSummary.to_dict`), so they
cannot disagree.

The cost bridge (:func:`cost_bridge`) reconciles the two costs the app reports: the *program cost*
(fees, half bid-ask spreads and cap premiums, paid whatever happens) and the *expected cost of
hedging* (expected hedged spend minus expected unhedged spend over the horizon, on the same paths).
Hedged spend on path ``i`` is ``spend_i + sum_k cost_k - sum_k pnl_ik`` (see
:func:`hedging.hedge.program.hedged_spend_by_month`), so

    expected cost of hedging = program cost - E[futures P&L] - E[cap payoffs]

holds exactly on the simulated paths; the displayed, whole-dollar lines are rounded so that they
also add up to the dollar.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from hedging import fmt
from hedging.service.instruments import regret_worlds
from hedging.service.market import UNDERLYINGS
from hedging.service.spec import POLICY_SHORT
from hedging.service.stress import _program_pnl, holds_position

#: The price moves the summary reports (names of :data:`hedging.hedge.stress.REGRET_SCENARIOS`).
PRICE_FALLS = ("prices fall 30%", "prices fall 40%")
#: What is consumed, per underlying, in "x% of expected ... consumption".
CONSUMPTION = {"token": "LLM-token", "gpu": "GPU-hour"}


def _money(value, signed: bool = False) -> str:
    """Whole dollars, as the bridge lines are."""
    return fmt.money(value, signed=signed, cents=False)


@dataclass(frozen=True)
class CostBridge:
    """From what the program pays to what it is expected to cost, USD over the horizon.

    ``net = fees_and_spreads + premiums - expected_futures_pnl - expected_cap_payoff``; a positive
    ``net`` raises expected spend. ``program_cost`` is ``fees_and_spreads + premiums``.
    """

    fees_and_spreads: float        # exchange fees and half the bid-ask spread, futures and caps
    premiums: float                # caps' premiums (value at the delivery month's end)
    expected_futures_pnl: float    # mean over paths of the futures' settlement gain (+) or loss (-)
    expected_cap_payoff: float     # mean over paths of what the caps pay
    net: float                     # expected hedged spend - expected unhedged spend

    @property
    def program_cost(self) -> float:
        return self.fees_and_spreads + self.premiums

    def lines(self) -> list[tuple[str, int]]:
        """The bridge as whole-dollar lines that add up to the last one (the net) exactly: each
        line is its amount as it changes expected spend (a futures gain lowers it), rounded by
        largest remainder so the rounded parts sum to the rounded net."""
        parts = [("Fees and half spreads", self.fees_and_spreads)]
        if self.premiums or self.expected_cap_payoff:
            parts.append(("Cap premiums", self.premiums))
        parts.append(("Expected futures P&L (a gain lowers the cost)", -self.expected_futures_pnl))
        if self.premiums or self.expected_cap_payoff:
            parts.append(("Expected cap payoffs", -self.expected_cap_payoff))
        rounded = round_to_total([v for _, v in parts], round(self.net))
        return [(label, r) for (label, _), r in zip(parts, rounded)] + [("Net expected cost of hedging",
                                                                         int(round(self.net)))]


def round_to_total(values: list[float], total: int) -> list[int]:
    """``values`` rounded to whole numbers that add up to ``total`` (largest remainder: each value
    moves by less than one, and the ones with the largest fractional parts take the difference)."""
    floors = [math.floor(v) for v in values]
    short = int(total - sum(floors))
    order = sorted(range(len(values)), key=lambda i: values[i] - floors[i], reverse=short > 0)
    out = list(floors)
    for i in order[:abs(short)] if values else []:
        out[i] += 1 if short > 0 else -1
    return out


def cost_bridge(run) -> CostBridge:
    """The bridge of ``run``'s program (see the module docstring)."""
    result, outcome = run.result, run.outcome
    c, caps = result.contracts, result.caps
    lots = np.asarray(result.lots, float)
    pnl = np.asarray(result.pnl, float).sum(axis=1)
    premiums = cap_payoff = cap_dealing = 0.0
    if caps is not None and caps.lots.any():
        q = np.asarray(caps.lots, float)
        cap_dealing = float(q @ c.cost_per_lot)
        premiums = float(q @ (caps.cost_per_lot - c.cost_per_lot))
        payoff = caps.payoff_per_lot @ q
        cap_payoff = float(payoff.mean())
        pnl = pnl - payoff
    futures_cost = float(np.sum(result.cost)) - premiums - cap_dealing if lots.any() else 0.0
    return CostBridge(fees_and_spreads=futures_cost + cap_dealing, premiums=premiums,
                      expected_futures_pnl=float(pnl.mean()), expected_cap_payoff=cap_payoff,
                      net=float(outcome.hedged.mean - outcome.unhedged.mean))


@dataclass(frozen=True)
class Figure:
    """One headline number: label, the value as shown, a short note, and the amount behind it."""

    label: str
    value: str
    note: str
    amount: float | None = None


@dataclass(frozen=True)
class PriceFall:
    """Expected horizon spend when every index path is lower by ``move`` (the program keeps its trades)."""

    scenario: str
    unhedged: float          # expected spend without the program, USD
    hedged: float            # with it (futures losses and costs included), USD
    sentence: str

    @property
    def regret(self) -> float:
        """What the program costs in that world against no hedge, USD (positive: the hedge loses)."""
        return self.hedged - self.unhedged


@dataclass(frozen=True)
class DecisionSummary:
    recommendation: str
    decision: str
    figures: tuple[Figure, ...]
    bridge: CostBridge
    risks: tuple[str, ...]
    price_falls: tuple[PriceFall, ...]
    holds_position: bool = True
    bridge_lines: tuple[tuple[str, int], ...] = field(default=())

    def to_dict(self) -> dict:
        """Plain JSON-friendly data (saved in a proposal); :meth:`from_dict` reads it back."""
        out = asdict(self)
        out["bridge_lines"] = [list(x) for x in self.bridge.lines()]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "DecisionSummary":
        return cls(recommendation=str(data["recommendation"]), decision=str(data["decision"]),
                   figures=tuple(Figure(**f) for f in data["figures"]), bridge=CostBridge(**data["bridge"]),
                   risks=tuple(str(r) for r in data["risks"]),
                   price_falls=tuple(PriceFall(**p) for p in data["price_falls"]),
                   holds_position=bool(data.get("holds_position", True)),
                   bridge_lines=tuple((str(a), int(b)) for a, b in data.get("bridge_lines") or ()))


def _names(keys) -> str:
    names = [CONSUMPTION.get(k) or (UNDERLYINGS[k].label if k in UNDERLYINGS else str(k)) for k in keys]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def _covered_share(run) -> float:
    """Hedged units over expected consumption, across the contract rows the program could trade."""
    c, result = run.result.contracts, run.result
    covered = result.lots + (0 if result.caps is None else result.caps.lots)
    expected = float(np.sum(c.expected_volume))
    return float(np.sum(covered * c.lot_size)) / expected if expected > 0 else 0.0


def _budget_at_risk_clause(fiscal: str, before: float, after: float) -> str:
    """How the hedge moves the fiscal year's budget at risk, in the direction it moves: a hedge that
    narrows the spread can still raise the 95th percentile by its cost (a short history)."""
    if round(after) < round(before):
        return f"and the {fiscal} budget at risk from {_money(before)} to {_money(after)}"
    if round(after) > round(before):
        return (f"but raises the {fiscal} budget at risk from {_money(before)} to {_money(after)} (the 95th "
                "percentile moves with the hedge's cost, not only its spread)")
    return f"and leaves the {fiscal} budget at risk at {_money(after)}"


def _recommendation(run, bridge: CostBridge, holds: bool) -> tuple[str, str]:
    o, f, result = run.outcome, run.forecast, run.result
    period = f"{fmt.month(f.future[0])} – {fmt.month(f.future[-1])}"
    policy = POLICY_SHORT[result.policy.name]
    fiscal = run.spec.fiscal_name().split(" (")[0]
    if not holds:
        return (f"Do not hedge now: the {policy} policy buys nothing for {period}, so the {fiscal} budget keeps its "
                f"full budget at risk of {_money(o.fiscal_unhedged.budget_at_risk_95)}.",
                f"The board is asked to note that no hedge is proposed and to accept the unhedged budget at risk of "
                f"{_money(o.fiscal_unhedged.budget_at_risk_95)} for {fiscal}, or to ask for a higher hedge ratio "
                "(the layered policy's bands on the Hedge program page).")
    trades = run.result.program.trades
    lots = int(np.sum(result.lots)) + (0 if result.caps is None else int(np.sum(result.caps.lots)))
    under = _names(dict.fromkeys(result.contracts.table["underlying"].iloc[t.contract_index] for t in trades)
                   if trades else dict.fromkeys(result.contracts.table["underlying"]))
    kind = "futures and caps" if result.caps is not None and result.caps.lots.any() and trades else \
        ("caps" if not trades else "long futures")
    if o.sd_reduction < 0:
        return (f"Do not adopt this programme: its {fmt.count(lots)} lots of {under} {kind} raise the volatility of "
                f"{period} compute spend by {fmt.share(-o.sd_reduction)} instead of lowering it.",
                "The board is asked to decline this programme and to ask treasury for the minimum-variance policy, "
                "or to leave the underlying whose price moves against its index unhedged.")
    cost = (f"an expected net cost of {_money(bridge.net)}" if round(bridge.net) > 0 else
            f"an expected net saving of {_money(-bridge.net)}" if round(bridge.net) < 0 else "no expected net cost")
    bar = _budget_at_risk_clause(fiscal, o.fiscal_unhedged.budget_at_risk_95, o.fiscal_hedged.budget_at_risk_95)
    rec = (f"Hedge {fmt.share(_covered_share(run), 0)} of expected {under} consumption for {period} with "
           f"{fmt.count(lots)} lots of {kind} ({policy}): this lowers the volatility of compute spend by "
           f"{fmt.share(o.sd_reduction)} {bar}, for {cost}.")
    first = run.result.contracts.trade_dates[0] if run.result.contracts.trade_dates else run.spec.as_of
    decision = (f"The board is asked to approve the {policy} programme of {fmt.count(len(trades) or lots)} "
                f"{'trades' if trades else 'cap lines'} from {fmt.date(first)}, a program cost of up to "
                f"{_money(bridge.program_cost)}, and a margin line of {_money(o.margin_needed)} "
                "(peak initial margin plus the 95th-percentile variation margin).")
    return rec, decision


def _figures(run, bridge: CostBridge) -> tuple[Figure, ...]:
    o, f = run.outcome, run.forecast
    fiscal = run.spec.fiscal_name().split(" (")[0]
    fu, fh = o.fiscal_unhedged, o.fiscal_hedged
    return (
        Figure(f"Expected spend, {f.horizon} months", _money(o.unhedged.mean),
               f"{fiscal}: {_money(fu.mean)} expected against a budget of {_money(o.budget)}", o.unhedged.mean),
        Figure(f"Budget at risk, {fiscal}", f"{_money(fu.budget_at_risk_95)} → {_money(fh.budget_at_risk_95)}",
               "95th percentile minus expected spend, before → after", fh.budget_at_risk_95),
        Figure("Volatility reduction", fmt.share(o.sd_reduction),
               f"standard deviation {_money(o.unhedged.std)} → {_money(o.hedged.std)}", o.sd_reduction),
        Figure("P(spend > budget)", f"{fmt.share(fu.prob_exceed_budget)} → {fmt.share(fh.prob_exceed_budget)}",
               f"{fiscal}, before → after", fh.prob_exceed_budget),
        Figure("Net expected cost of hedging", _money(bridge.net),
               f"program cost {_money(bridge.program_cost)}, expected hedge P&L "
               f"{_money(bridge.expected_futures_pnl + bridge.expected_cap_payoff, signed=True)}", bridge.net),
        Figure("Margin cash needed", _money(o.margin_needed),
               f"initial margin peak {_money(o.margin_needed - o.liquidity.peak_variation_margin_p95)} + "
               f"95th-percentile variation margin {_money(o.liquidity.peak_variation_margin_p95)}", o.margin_needed),
    )


def _risks(run, holds: bool) -> tuple[str, ...]:
    o, f = run.outcome, run.forecast
    rem = o.remaining
    if rem is not None and rem.attribution.total > 0:
        a = rem.attribution
        first = (f"What the hedge cannot remove: {rem.sentence()} The hedged spend still varies by "
                 f"{_money(a.sd)} (one standard deviation over the horizon).")
    else:
        first = (f"Spend still varies by {_money(o.hedged.std)} (one standard deviation over the horizon): "
                 "futures fix a price, not how much compute you will use.")
    fits = [(p.index_name.split(" (")[0], p.basis) for p in f.underlyings.values()]
    weakest = min(fits, key=lambda x: x[1].r_squared if x[1].r_squared == x[1].r_squared else -1)
    r2 = weakest[1].r_squared if weakest[1].r_squared == weakest[1].r_squared else 0.0
    e = o.effectiveness
    if e is None:
        account = "the hedge-accounting tests could not run (the program holds no futures)"
    elif e.passes:
        account = ("the programme passes the 80–125% hedge-accounting tests, so its gains and losses can wait in "
                   "equity until the compute is paid for")
    else:
        account = ("the programme does not pass the 80–125% hedge-accounting tests, so its gains and losses would go "
                   "through profit and loss each quarter, beside a compute cost that has not yet moved")
    index = weakest[0][:1].lower() + weakest[0][1:]
    if weakest[1].r_squared != weakest[1].r_squared:    # not fitted: too few paired months
        second = (f"Untested basis: your price could not yet be compared with the {index} (too few months), so it is "
                  f"assumed to follow it one-for-one and the hedge may remove less than shown; {account}.")
    else:
        second = (f"Your prices follow the index only in part: the {index} explains {fmt.share(r2, 0)} of the changes "
                  f"in your price, and the rest (basis) stays with you; {account}.")
    vm = o.liquidity.peak_variation_margin_p95
    if holds:
        third = (f"Cash for margin calls: if prices fall, the futures lose value before the cheaper compute is paid "
                 f"for; in 95% of simulated paths the calls stay below {_money(vm)}, on top of "
                 f"{_money(o.margin_needed - vm)} of initial margin at the peak. Treasury needs "
                 f"{_money(o.margin_needed)} of cash or a credit line ready.")
    else:
        third = ("Without a hedge there are no margin calls, but nothing offsets a price rise: the whole budget at risk "
                 f"of {_money(o.fiscal_unhedged.budget_at_risk_95)} stays with the budget.")
    return first, second, third


def _price_falls(run, holds: bool) -> tuple[PriceFall, ...]:
    view, result = run.forecast, run.result
    base = run.outcome.unhedged.mean
    out = []
    for world in regret_worlds(view):
        if world.scenario.name not in PRICE_FALLS:
            continue
        pnl = _program_pnl(view, result, world) if holds else np.zeros_like(world.unhedged)
        unhedged = float(world.unhedged.mean())
        hedged = float((world.unhedged - pnl).mean())
        move = world.scenario.name.replace("prices fall ", "")
        way = "falls" if unhedged <= base else "rises"
        head = (f"If the indices fall {move}, expected unhedged spend over the horizon {way} to {_money(unhedged)} "
                f"(from {_money(base)}"
                + ("; your prices do not follow the indices down, see the basis)" if unhedged > base else ")"))
        if not holds:
            text = head + "; with no hedge nothing is added or taken away."
        elif hedged > unhedged:
            text = (head + f", but the futures lose, so the company pays {_money(hedged)}: "
                    f"{_money(hedged - unhedged)} more than without the hedge. That is the price of certainty, "
                    "agreed in advance.")
        else:
            text = head + f"; with the programme it pays {_money(hedged)}."
        out.append(PriceFall(world.scenario.name, unhedged, hedged, text))
    order = {name: i for i, name in enumerate(PRICE_FALLS)}
    return tuple(sorted(out, key=lambda p: order[p.scenario]))


def decision_summary(run) -> DecisionSummary:
    """The decision-ready summary of ``run`` (see the module docstring)."""
    holds = holds_position(run.result)
    bridge = cost_bridge(run)
    rec, decision = _recommendation(run, bridge, holds)
    return DecisionSummary(rec, decision, _figures(run, bridge), bridge, _risks(run, holds),
                           _price_falls(run, holds), holds, tuple(bridge.lines()))
