"""The same exposure hedged with each instrument: futures, a swap, a cap, a zero-cost collar, binaries.

A hedge *line* is one underlying and delivery month with a quantity ``Q`` (GPU-hours or M tokens).
Every instrument hedges the same lines on the same simulated paths, so their numbers compare:

* futures: ``(settlement - entry) Q``, minus fees and half spreads (as the program trades them);
* swap at the fair fixed price ``K = E[A]``: ``(A - K) Q``;
* cap, strike ``Kc = cap_moneyness x K``: ``max(A - Kc, 0) Q``, premium paid today;
* zero-cost collar, same cap, floor ``Kp`` solved on the paths: ``(max(A - Kc, 0) - max(Kp - A, 0)) Q``;
* binary strip (the reference note D4 "digitals as a cap"): ``n`` "above K_i" contracts at
  ``K_i = Kc + (i + 1/2) dK``, ``dK = binary_step x K``, ``Q dK`` contracts each, paying $1 each
  when the month-end index is above ``K_i``; Kalshi's taker fee ``ceil(0.07 C P (1 - P))`` cents.

The terms (fixed price, strikes, premiums) are set once on the base paths
(:func:`instrument_terms`) and kept when the world changes (:func:`line_cash`), which is what a
stress or a regret table needs. Premiums enter spend at their value at the month's end
(``premium / DF``), so a fairly priced option costs nothing on average; what it costs is in the
premium column, and what a futures program costs is its expected P&L.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hedging.contracts.instruments import (
    INSTRUMENTS, binary_payoff, call_payoff, collar_payoff, kalshi_fee, swap_rate, zero_cost_floor,
)
from hedging.errors import InputError
from hedging.risk import conditional_value_at_risk, quantile

KALSHI_TAKER_RATE = 0.07
ORDER = ("futures", "swap", "cap", "collar", "binary")
NAMES = {"futures": "Futures (listed, as the policy trades them)",
         **{k: s.name for k, s in INSTRUMENTS.items()}}


@dataclass(frozen=True, eq=False)
class HedgeLines:
    """What the instruments settle on, one column per line (underlying x delivery month).

    ``month`` (k,) horizon-month index; ``quantity`` (k,) units hedged; ``average`` and
    ``month_end`` (n_paths, k) index; ``discount`` (k,) to the month's end; ``settlement`` and
    ``entry`` (n_paths, k) futures final settlement and price paid; ``futures_cost`` and
    ``futures_margin`` (k,) USD per unit (fee + half spread; initial margin).
    """

    month: np.ndarray
    quantity: np.ndarray
    average: np.ndarray
    month_end: np.ndarray
    discount: np.ndarray
    settlement: np.ndarray
    entry: np.ndarray
    futures_cost: np.ndarray
    futures_margin: np.ndarray


@dataclass(frozen=True)
class Terms:
    """One instrument's terms on each line, fixed when it is bought."""

    key: str
    fixed: tuple = ()        # swap fixed price per line
    cap: tuple = ()          # cap strike per line
    floor: tuple = ()        # collar floor per line
    binary_strikes: tuple = ()  # per line, the strip's strikes
    binary_contracts: tuple = ()  # per line, contracts per strike
    premium: float = 0.0     # USD paid today
    premium_forward: tuple = ()  # per line, USD at the month's end
    fees: float = 0.0        # USD


def instrument_terms(lines: HedgeLines, *, cap_moneyness: float = 1.10, binary_step: float = 0.05,
                     binary_count: int = 20) -> dict[str, Terms]:
    """Fair terms of each instrument on ``lines`` (see the module docstring)."""
    if not (cap_moneyness >= 1.0 and math.isfinite(cap_moneyness)):
        raise InputError("the cap strike must be at or above the swap's fixed price.", column="cap strike",
                         value=cap_moneyness, fix="Use e.g. 110% of the fixed price.")
    k = lines.quantity.size
    q, df = lines.quantity, lines.discount
    fixed = np.array([swap_rate(lines.average[:, j]).value for j in range(k)])
    cap = cap_moneyness * fixed
    call_fwd = call_payoff(lines.average, cap).mean(axis=0) * q
    floor = np.array([zero_cost_floor(lines.average[:, j], cap[j]) for j in range(k)])
    strikes = cap[:, None] + (np.arange(binary_count) + 0.5) * (binary_step * fixed)[:, None]
    contracts = np.ceil(q * binary_step * fixed)
    prob = np.stack([binary_payoff(lines.month_end[:, j][:, None], strikes[j]).mean(axis=0) for j in range(k)])
    binary_fwd = (prob * contracts[:, None]).sum(axis=1)
    fees = kalshi_fee(contracts[:, None], np.round(prob * df[:, None], 2), KALSHI_TAKER_RATE)
    return {
        "futures": Terms("futures"),
        "swap": Terms("swap", fixed=tuple(fixed)),
        "cap": Terms("cap", cap=tuple(cap), premium=float(call_fwd @ df), premium_forward=tuple(call_fwd)),
        "collar": Terms("collar", cap=tuple(cap), floor=tuple(floor)),
        "binary": Terms("binary", cap=tuple(cap), binary_strikes=tuple(map(tuple, strikes)),
                        binary_contracts=tuple(contracts), premium=float(binary_fwd @ df),
                        premium_forward=tuple(binary_fwd), fees=float(fees.sum())),
    }


def line_cash(terms: Terms, lines: HedgeLines) -> np.ndarray:
    """Cash to the company per path and line at settlement, USD, net of premiums (at their
    month-end value) and fees: hedged spend = spend - this."""
    q = lines.quantity
    if terms.key == "futures":
        return (lines.settlement - lines.entry) * q - lines.futures_cost * q
    if terms.key == "swap":
        return (lines.average - np.asarray(terms.fixed)) * q
    if terms.key == "cap":
        return call_payoff(lines.average, np.asarray(terms.cap)) * q - np.asarray(terms.premium_forward)
    if terms.key == "collar":
        return collar_payoff(lines.average, np.asarray(terms.cap), np.asarray(terms.floor)) * q
    if terms.key == "binary":
        k = q.size
        paid = np.column_stack([binary_payoff(lines.month_end[:, j][:, None], np.asarray(terms.binary_strikes[j]))
                                .sum(axis=1) * terms.binary_contracts[j] for j in range(k)])
        fee_share = terms.fees * (q / q.sum() if q.sum() > 0 else np.zeros(k))
        return paid - np.asarray(terms.premium_forward) - fee_share
    raise InputError(f"unknown instrument {terms.key!r}.", column="instrument", value=terms.key,
                     fix=f"use one of {', '.join(ORDER)}.")


@dataclass(frozen=True)
class InstrumentResult:
    """One instrument on the sample paths: the numbers of the comparison table (USD)."""

    key: str
    name: str
    volatility_reduction: float   # 1 - sd(hedged total) / sd(unhedged total)
    expected_cost: float          # E[hedged] - E[unhedged]; a fairly priced option's is about 0
    expected_cost_se: float       # its Monte Carlo standard error
    premium: float                # paid today
    fees: float
    cash_needed: float            # margin (futures), 95th pct of payments owed (swap, collar), premium + fees
    p95_after: float
    cvar95_after: float
    terms: str


def compare(spend_total: np.ndarray, lines: HedgeLines, terms: dict[str, Terms]) -> list[InstrumentResult]:
    """Each instrument's effect on total spend over the horizon (``spend_total`` (n_paths,))."""
    sd0 = float(spend_total.std(ddof=1))
    out = []
    for key in ORDER:
        t = terms[key]
        cash = line_cash(t, lines)
        total_cash = cash.sum(axis=1)
        hedged = spend_total - total_cash
        owed = np.maximum(-total_cash, 0.0)
        if key == "futures":
            need = float(lines.futures_margin @ lines.quantity)
        elif key in ("swap", "collar"):
            need = quantile(owed, 0.95)
        else:
            need = t.premium + t.fees
        out.append(InstrumentResult(
            key, NAMES[key], 1.0 - float(hedged.std(ddof=1)) / sd0 if sd0 > 0 else 0.0,
            float(-total_cash.mean()), float(total_cash.std(ddof=1) / math.sqrt(total_cash.size)),
            t.premium, t.fees, need, quantile(hedged, 0.95), conditional_value_at_risk(hedged, 0.95),
            describe(t, lines)))
    return out


def describe(t: Terms, lines: HedgeLines) -> str:
    """The terms in a line a treasurer reads: quantity-weighted strikes."""
    w = lines.quantity / lines.quantity.sum() if lines.quantity.sum() > 0 else lines.quantity
    avg = (lambda xs: float(np.asarray(xs) @ w))
    if t.key == "futures":
        return "long futures at today's prices"
    if t.key == "swap":
        return f"pay fixed {avg(t.fixed):.4g} (weighted), receive the monthly average"
    if t.key == "cap":
        return f"strike {avg(t.cap):.4g} (weighted), premium up front"
    if t.key == "collar":
        return f"cap {avg(t.cap):.4g}, floor {avg(t.floor):.4g} (weighted), zero premium"
    return (f"{len(t.binary_strikes[0]) if t.binary_strikes else 0} 'above K' strikes from {avg(t.cap):.4g} "
            f"on the month-end index; fees ${t.fees:,.0f}")
