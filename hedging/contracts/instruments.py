"""Instruments beside futures: a monthly swap, Asian calls and caps, a zero-cost collar and a binary.

Specs are data (:data:`INSTRUMENTS`), priced on the same simulated daily index paths as the futures
(:class:`~hedging.market.simulation.IndexSimulation`), so basis, volume and price risk come from one
set of paths. Per settlement month ``m`` and path ``i``, with ``A`` the arithmetic mean of the
month's daily index fixings and ``P`` the index on the month's last day, one unit (one GPU-hour or
one million tokens) pays

* swap, fixed ``K`` (company pays fixed, receives floating):  ``A - K``;
* Asian call (a cap is a strip of them, one per month):        ``max(A - K, 0)``;
* Asian put (the floor a collar sells):                         ``max(K - A, 0)``;
* collar, cap ``Kc``, floor ``Kp < Kc``:                        ``max(A - Kc, 0) - max(Kp - A, 0)``;
* binary "index above K" (Kalshi style, point fixing):          ``1{P > K}`` dollars.

Price = discounted mean over paths, ``V = mean_i sum_m DF_m Q_m payoff_im`` with
``DF_m = exp(-r tau_m)`` to the month's last day, and its Monte Carlo standard error
``sd_i(sum_m DF_m Q_m payoff_im) / sqrt(n)``. The model's measure is used as the pricing measure
(the price model's assumption Q = P: compute cannot be stored, so no carry argument applies).

The swap's fair fixed price is ``K* = sum_m DF_m Q_m E[A_m] / sum_m DF_m Q_m`` (reference note D1);
per month it is the closed-form monthly-average futures price
(:meth:`~hedging.market.model.JumpDiffusionModel.average_futures_price`). The zero-cost collar
floor solves ``V_put(Kp) = V_call(Kc)`` on the same paths.

References: ``/work/shared/reference/treasury-and-instruments.md`` D1-D5 (cash flows, valuation,
OTC credit, Kalshi rules); closed forms in :mod:`hedging.contracts.option_formulas`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from hedging import fmt
from hedging.errors import InputError, ModelError

#: USD discount rate for premiums paid today (an assumption of this app; the reference note's
#: compute examples use 4%).
DEFAULT_RATE = 0.04


@dataclass(frozen=True)
class InstrumentSpec:
    """One instrument design, as data: what it pays, where it trades, and its credit terms."""

    key: str
    name: str
    venue: str
    settles_on: str
    cash_at_inception: str
    if_prices_fall: str
    if_prices_rise: str
    credit: str
    source: str


INSTRUMENTS: dict[str, InstrumentSpec] = {s.key: s for s in (
    InstrumentSpec(
        "swap", "Monthly fixed-for-floating swap", "OTC, bilateral with a dealer",
        "the arithmetic average of the month's daily index fixings", "none (struck at the fair fixed price)",
        "the company pays (fixed - average) x quantity", "the company receives (average - fixed) x quantity",
        "Counterparty credit: the dealer is not a clearing house (OrnnX risk disclosure, a 'de minimis swap "
        "dealer'). Trade only under an ISDA Master Agreement with a Credit Support Annex: threshold, minimum "
        "transfer amount and eligible collateral per counterparty; exposure is the positive mark-to-market "
        "(potential future exposure at a high percentile); policy gate 'ISDA/CSA before any OTC exposure'.",
        "Reference note D1 (Ornn structured compute swap; CME average-price swap settlement; ISDA/CSA terms)."),
    InstrumentSpec(
        "cap", "Cap (monthly Asian calls)", "OTC with a dealer (listed average-price options are the model)",
        "the arithmetic average of the month's daily index fixings", "premium paid up front",
        "keeps the savings, loses the premium", "paid (average - strike) x quantity above the strike",
        "Premium paid up front, so the company carries the dealer's credit risk on the payout only; no margin "
        "calls. An ISDA Master Agreement is still needed.",
        "Reference note D2 (airline 'jet fuel Asian call option contracts'; ICE average-price options)."),
    InstrumentSpec(
        "collar", "Zero-cost collar", "OTC, bilateral with a dealer",
        "the arithmetic average of the month's daily index fixings", "about zero (the floor is solved so)",
        "pays (floor - average) x quantity below the floor", "paid (average - cap) x quantity above the cap",
        "The company writes a put, so it owes the dealer when prices fall below the floor: bilateral credit "
        "both ways, collateral under a CSA as for a swap.",
        "Reference note D3 (buyer's collar: cap strike fixed, floor solved)."),
    InstrumentSpec(
        "binary", "Binary 'index above K' contract", "Kalshi (CFTC-regulated exchange), event contracts",
        "the index on the month's last day (a point value, not an average)", "the contract price, 1-99 cents, "
        "plus a taker fee of ceil(0.07 x C x P x (1 - P)) cents", "loses the price paid",
        "paid $1 per contract when the index ends above the strike",
        "Fully paid up front on a regulated exchange: no margin calls, no dealer credit. Books are thin "
        "(the H100 Dec-31 event showed $669 of 24-hour volume on 2026-05-28).",
        "Reference note D4 (Kalshi compute markets, resolution on the Ornn index rounded to 2 decimals)."),
)}


@dataclass(frozen=True)
class MCPrice:
    """A Monte Carlo price: the discounted mean and its standard error (same units), over ``n_paths``."""

    value: float
    std_error: float
    n_paths: int


# --- payoffs (per unit, arrays of shape (n_paths, n_months)) ------------------------------------

def swap_payoff(average, fixed):
    """``A - K``: what the fixed payer receives per unit (negative: pays)."""
    return np.asarray(average, dtype=float) - np.asarray(fixed, dtype=float)


def call_payoff(average, strike):
    """``max(A - K, 0)``: an Asian call, one month of a cap."""
    return np.maximum(np.asarray(average, dtype=float) - np.asarray(strike, dtype=float), 0.0)


def put_payoff(average, strike):
    """``max(K - A, 0)``: an Asian put, the floor a collar sells."""
    return np.maximum(np.asarray(strike, dtype=float) - np.asarray(average, dtype=float), 0.0)


def collar_payoff(average, cap, floor):
    """``max(A - Kc, 0) - max(Kp - A, 0)``: long the cap, short the floor."""
    return call_payoff(average, cap) - put_payoff(average, floor)


def binary_payoff(fixing, strike):
    """``1{P > K}``: a binary 'index above K' pays one dollar per contract."""
    return (np.asarray(fixing, dtype=float) > np.asarray(strike, dtype=float)).astype(float)


def kalshi_fee(contracts, price, rate: float = 0.07):
    """Kalshi's trading fee in USD: ``ceil(rate x C x P x (1 - P))`` rounded up to the cent, for ``C``
    contracts at price ``P`` dollars (taker rate 0.07, maker 0.0175).

    Worked numbers (reference note D4, docs.kalshi.com fee rounding): 1 at 50 cents -> $0.02;
    10,000 at 50 cents -> $175.00; 100 at 88 cents -> $0.74.
    """
    raw = rate * np.asarray(contracts, dtype=float) * np.asarray(price, dtype=float) * (1 - np.asarray(price, dtype=float))
    return np.ceil(np.round(raw * 100, 9)) / 100


# --- pricing -----------------------------------------------------------------------------------

def _matrix(name: str, a) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    a = a[:, None] if a.ndim == 1 else a
    if a.ndim != 2 or a.shape[0] < 2 or not np.all(np.isfinite(a)):
        raise InputError(f"{name} must be finite, one row per simulated path (at least two paths).",
                         column=name, value=getattr(a, "shape", None), fix="Simulate more paths.")
    return a


def _weights(discount, quantity, n_months: int) -> np.ndarray:
    w = np.broadcast_to(np.asarray(discount, dtype=float), (n_months,)) * \
        np.broadcast_to(np.asarray(quantity, dtype=float), (n_months,))
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise InputError("discount factors and quantities must be finite and non-negative.",
                         column="quantity", value=w.tolist()[:3], fix="Use the expected volume per month.")
    return w


def present_value(payoff, discount=1.0, quantity=1.0) -> MCPrice:
    """``mean_i sum_m DF_m Q_m payoff_im`` and its standard error ``sd / sqrt(n)`` (``ddof = 1``).

    Worked number: payoffs 0 and 2 on two paths, DF = 0.5, Q = 10: value 5, standard error 5.
    """
    x = _matrix("payoff", payoff)
    pv = x @ _weights(discount, quantity, x.shape[1])
    return MCPrice(float(pv.mean()), float(pv.std(ddof=1) / math.sqrt(pv.size)), int(pv.size))


def with_control_variate(payoff, control, control_mean: float) -> MCPrice:
    """Control-variate estimate ``mean(Y) - c (mean(X) - E[X])``, ``c = cov(Y, X) / var(X)``.

    ``payoff`` Y and ``control`` X are discounted per-path values (1-D); ``E[X]`` is known in closed
    form (e.g. the geometric-average option of :func:`~hedging.contracts.option_formulas.
    geometric_asian`). The standard error is that of the residual ``Y - c X``. Reference: Kemna &
    Vorst (1990) §4; Glasserman, *Monte Carlo Methods in Financial Engineering* (2003) §4.1.
    """
    y, x = np.asarray(payoff, dtype=float).reshape(-1), np.asarray(control, dtype=float).reshape(-1)
    cov = np.cov(y, x)
    c = cov[0, 1] / cov[1, 1] if cov[1, 1] > 0 else 0.0
    resid = y - c * x
    return MCPrice(float(resid.mean() + c * control_mean), float(resid.std(ddof=1) / math.sqrt(y.size)), int(y.size))


def swap_rate(average, discount=1.0, quantity=1.0) -> MCPrice:
    """Fair fixed price of a swap on ``average`` (paths x months): ``sum DF Q E[A] / sum DF Q``.

    Per path ``sum_m DF_m Q_m A_im / sum_m DF_m Q_m``; value and standard error of its mean. At this
    price the swap is worth zero on these paths. Worked number (reference note D1): one month with
    E[A] = $2.65 gives K* = $2.65; then A = $3.05 on 50,000 GPU-hours pays the company $20,000.
    """
    a = _matrix("average", average)
    w = _weights(discount, quantity, a.shape[1])
    if w.sum() <= 0:
        raise InputError("a swap needs a positive quantity in at least one month.", column="quantity",
                         value=0, fix="Hedge at least one month's volume.")
    per_path = a @ (w / w.sum())
    return MCPrice(float(per_path.mean()), float(per_path.std(ddof=1) / math.sqrt(per_path.size)),
                   int(per_path.size))


def zero_cost_floor(average, cap: float, discount=1.0, quantity=1.0) -> float:
    """Floor strike ``Kp`` at which the sold puts pay for the bought calls at ``cap`` on these paths.

    Solves ``V_put(Kp) = V_call(cap)`` with Brent's method on ``(0, cap]`` (the put value rises
    with its strike). Worked number (reference note D3, lognormal forward $2.50, sigma 60%, month 3):
    cap $2.75 -> floor $2.309.

    Raises
    ------
    ModelError
        When no floor at or below the cap pays for the cap (the cap is below the expected average).
    """
    a = _matrix("average", average)
    w = _weights(discount, quantity, a.shape[1])
    premium = float((call_payoff(a, cap) @ w).mean())

    def gap(k: float) -> float:
        return float((put_payoff(a, k) @ w).mean()) - premium

    if gap(cap) < 0:
        raise ModelError(f"no floor at or below the cap of {cap:.4g} pays for it: the cap is below the "
                         "expected average price. Choose a cap strike above the swap's fixed price.")
    low = 1e-9 * cap
    if gap(low) >= 0:
        return low
    floor, info = brentq(gap, low, cap, xtol=1e-10 * cap, full_output=True)
    if not info.converged:
        raise ModelError(f"the zero-cost floor search did not converge ({info.flag}).")
    return float(floor)


# --- on the simulated index --------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MonthFixings:
    """What the instruments settle on, per horizon month: ``average`` and ``month_end`` are
    (n_paths, n_months) index values; ``discount`` (n_months,) to each month's last day;
    ``closed_form`` (n_months,) the model's expected average (the monthly-average futures price)."""

    months: pd.DatetimeIndex
    average: np.ndarray
    month_end: np.ndarray
    discount: np.ndarray
    closed_form: np.ndarray


def month_fixings(sim, months, valuation: dt.date, rate: float = DEFAULT_RATE) -> MonthFixings:
    """Monthly averages and month-end fixings of ``sim`` for ``months`` (each wholly simulated).

    The closed form uses the simulation's own clock (``t = t0 + days / 365``) so it prices exactly
    the fixings the paths average.
    """
    months = pd.DatetimeIndex(months)
    start = sim.dates[0]
    avg, end, df, cf = [], [], [], []
    x0 = math.log(float(sim.daily[0, 0]))
    for m in months:
        first, last = m, m + pd.offsets.MonthEnd(0)
        if first < start or last > sim.dates[-1]:
            raise InputError(f"{m:%b %Y} is not wholly inside the simulated span "
                             f"({fmt.date(sim.dates[0])} – {fmt.date(sim.dates[-1])}).", column="month",
                             value=f"{m:%Y-%m}", fix="Price months after the last index observation.")
        avg.append(sim.window_mean(first.date(), last.date()))
        end.append(sim.at(last.date()))
        df.append(math.exp(-rate * max((last.date() - valuation).days, 0) / 365.0))
        t1 = sim.t0 + (first - start).days / 365.0
        t2 = sim.t0 + (last - start).days / 365.0
        cf.append(float(np.asarray(sim.model.average_futures_price(x0, sim.t0, t1, t2)).reshape(-1)[0]))
    return MonthFixings(months, np.column_stack(avg), np.column_stack(end), np.array(df), np.array(cf))


def quote_table(fix: MonthFixings, *, cap_moneyness: float = 1.10, binary_moneyness: float = 1.10) -> pd.DataFrame:
    """Per month, per unit: the swap's fair fixed price (Monte Carlo and closed form), the cap
    (strike = ``cap_moneyness`` x fixed price) premium, the zero-cost collar floor, and the binary
    "above K" price (K = ``binary_moneyness`` x fixed price), each with its standard error."""
    rows = []
    for j, m in enumerate(fix.months):
        a, df = fix.average[:, j], fix.discount[j]
        k = swap_rate(a)
        cap = cap_moneyness * k.value
        call = present_value(call_payoff(a, cap), df)
        floor = zero_cost_floor(a, cap, df)
        strike = binary_moneyness * k.value
        binary = present_value(binary_payoff(fix.month_end[:, j], strike), df)
        rows.append({"month": m, "swap fixed price": k.value, "swap std error": k.std_error,
                     "closed-form average": fix.closed_form[j], "cap strike": cap, "cap premium": call.value,
                     "cap std error": call.std_error, "collar floor": floor, "binary strike": strike,
                     "binary price": binary.value, "binary std error": binary.std_error, "discount factor": df})
    return pd.DataFrame(rows)
