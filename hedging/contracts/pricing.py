"""Fair futures prices, market-maker quotes and tick rounding for the listed contracts.

Compute cannot be stored, so there is no cost-of-carry link between spot and futures: the fair
price of a contract is the price model's conditional expectation of what the contract settles to
(arXiv 2603.21690 eq. 13):

* point settlement on the last trading day ``T``:  ``F = model.futures_price(x0, t, T)``;
* monthly-average settlement over ``[T1, T2]``:   ``F = model.average_futures_price(x0, t, T1, T2)``.

Times are years (ACT/365.25, :func:`hedging.contracts.calendar.year_fraction`) measured from a
model time origin, a date the caller passes in; ``t`` is the as-of date on that clock.

Quotes follow the paper's market-maker rule (§5.4): bid-ask width within 2% of mid for the front
month to 5% for the back month; here the width rises linearly across the listed months and the
bid/ask are rounded outward to the tick, so the quoted width is never below the rule.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from hedging.contracts.calendar import ListedContract, listed_contracts, year_fraction
from hedging.contracts.specs import ContractSpec
from hedging.errors import HedgingWarning, InputError

_ROUND_MODES = ("nearest", "down", "up")
#: Ticks per price are rounded to this many decimals first, to absorb binary float error.
_TICK_COUNT_DECIMALS = 9


@runtime_checkable
class PriceModel(Protocol):
    """Anything that prices futures on the index (e.g. the market jump-diffusion model).

    ``x0`` is the index level (quote units) at model time ``t``; times are in years.
    """

    def futures_price(self, x0: float, t: float, T: Any) -> Any:
        """E[P_T | P_t = x0]; vectorised over ``T``."""

    def average_futures_price(self, x0: float, t: float, T1: float, T2: float) -> Any:
        """E[mean of P_s over s in [T1, T2] | P_t = x0]."""


def round_to_tick(price, tick: float, mode: str = "nearest"):
    """Round a price (scalar or array) to a multiple of ``tick``.

    ``n = price / tick`` is first rounded to 9 decimals so that binary float error cannot push a
    value across a tick boundary; then ``nearest`` rounds halves up (``floor(n + 1/2)``), ``down``
    takes ``floor(n)`` and ``up`` takes ``ceil(n)``. The result ``n x tick`` is rounded to the
    tick's decimals so it prints cleanly.

    Examples
    --------
    >>> round_to_tick(0.105, 0.01)         # 0.105 / 0.01 = 10.4999999... in binary floats
    0.11
    >>> round_to_tick(2.5071, 0.005, "down")
    2.505
    """
    if mode not in _ROUND_MODES:
        raise ValueError(f"mode must be one of {_ROUND_MODES}, got {mode!r}")
    if not (tick > 0 and math.isfinite(tick)):
        raise ValueError(f"tick must be a positive number, got {tick!r}")
    n = np.round(np.asarray(price, dtype=float) / tick, _TICK_COUNT_DECIMALS)
    if mode == "nearest":
        k = np.floor(n + 0.5)
    elif mode == "down":
        k = np.floor(n)
    else:
        k = np.ceil(n)
    out = np.round(k * tick, _tick_decimals(tick))
    return float(out) if out.ndim == 0 else out


def _tick_decimals(tick: float) -> int:
    """Decimals needed to write multiples of ``tick`` exactly (0.005 -> 3), plus a margin."""
    text = f"{tick:.12f}".rstrip("0")
    return max(0, len(text.split(".")[1]) if "." in text else 0) + 2


def spread_fraction(spec: ContractSpec, position: int, count: int) -> float:
    """Bid-ask width as a fraction of mid for the ``position``-th (0 = front) of ``count`` months.

    ``s_i = s_front + (s_back - s_front) x i / (count - 1)``; with SIT's 2%/5% and 10 listed
    months, the fourth month (i = 3) gets 2% + 3% x 3/9 = 3%.
    """
    if count <= 1:
        return spec.spread_front
    return spec.spread_front + (spec.spread_back - spec.spread_front) * position / (count - 1)


@dataclass(frozen=True)
class ForwardQuote:
    """One row of the forward curve; prices in quote units, notional in USD per lot."""

    symbol: str
    delivery_month: dt.date
    last_trading_day: dt.date
    settlement: str
    T: float
    T_start: float
    T_end: float
    fair: float
    bid: float
    ask: float
    spread_fraction: float
    notional_per_lot: float


@dataclass(frozen=True)
class ForwardCurve:
    """Fair prices and indicative quotes of every listed month on ``as_of``."""

    root: str
    as_of: dt.date
    origin: dt.date
    spot: float
    quotes: tuple[ForwardQuote, ...]
    warnings: tuple[HedgingWarning, ...] = ()

    def to_frame(self):
        """The quotes as a pandas DataFrame, one row per contract, front first."""
        import pandas as pd

        return pd.DataFrame([q.__dict__ for q in self.quotes])


def forward_curve(model: PriceModel, spec: ContractSpec, as_of: dt.date, x0: float, *,
                  origin: dt.date | None = None, t0: float | None = None,
                  realised_average: float | None = None) -> ForwardCurve:
    """Fair price, bid and ask of each contract listed on ``as_of``.

    Parameters
    ----------
    model : PriceModel
        Provides ``futures_price`` and ``average_futures_price`` in model years.
    spec : ContractSpec
    as_of : date
        Pricing date; the index stands at ``x0`` (quote units) on this date.
    origin : date, optional
        Date of model time 0 (default ``as_of``). ``T = year_fraction(origin, date)``.
    t0 : float, optional
        Model time of ``as_of``; default ``year_fraction(origin, as_of)``.
    realised_average : float, optional
        For a monthly-average contract whose averaging month has begun, the mean of the index
        fixings already published this month. If omitted, ``x0`` stands in for it and a warning
        says so.

    Returns
    -------
    ForwardCurve
        ``bid = round_down(F (1 - s/2))``, ``ask = round_up(F (1 + s/2))`` with ``s`` from
        :func:`spread_fraction`. Worked number: SIT front with F = $2.00/M, s = 2%:
        bid 1.98, ask 2.02, notional $2.00 per lot.

    References
    ----------
    arXiv 2603.21690 §5.4 (market-maker spreads), eq. 13 (futures as conditional expectation).
    """
    as_of = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    if (isinstance(x0, bool) or not isinstance(x0, numbers.Real) or not math.isfinite(x0)
            or x0 <= 0):
        raise InputError("the index level must be a positive number.", column="x0", value=x0,
                         fix="Pass the latest index value in quote units, e.g. 2.0.")
    origin = as_of if origin is None else origin
    t = year_fraction(origin, as_of) if t0 is None else float(t0)
    contracts = listed_contracts(spec, as_of)
    warnings: list[HedgingWarning] = []
    quotes = []
    for i, c in enumerate(contracts):
        fair, T, T1, T2 = _fair_price(model, c, origin, as_of, t, float(x0), realised_average,
                                      warnings)
        if not (math.isfinite(fair) and fair > 0):
            raise InputError(f"the price model returned a non-positive or invalid price for "
                             f"{c.symbol}.", column="fair", value=fair,
                             fix="Check the model parameters and the index level.")
        s = spread_fraction(spec, i, len(contracts))
        quotes.append(ForwardQuote(
            symbol=c.symbol, delivery_month=c.delivery_month, last_trading_day=c.last_trading_day,
            settlement=c.settlement, T=T, T_start=T1, T_end=T2, fair=fair,
            bid=round_to_tick(fair * (1 - s / 2), spec.tick, "down"),
            ask=round_to_tick(fair * (1 + s / 2), spec.tick, "up"),
            spread_fraction=s, notional_per_lot=spec.notional(fair),
        ))
    return ForwardCurve(root=spec.root, as_of=as_of, origin=origin, spot=float(x0),
                        quotes=tuple(quotes), warnings=tuple(warnings))


def _fair_price(model: PriceModel, c: ListedContract, origin: dt.date, as_of: dt.date, t: float,
                x0: float, realised_average: float | None,
                warnings: list[HedgingWarning]) -> tuple[float, float, float, float]:
    """(fair, T, T_start, T_end) of one contract; see :func:`forward_curve`."""
    T = year_fraction(origin, c.last_trading_day)
    if c.settlement == "point":
        return _scalar(model.futures_price(x0, t, np.array([T]))), T, T, T
    T1 = year_fraction(origin, c.settlement_start)
    T2 = year_fraction(origin, c.settlement_end)
    if c.settlement_start > as_of:
        return _scalar(model.average_futures_price(x0, t, T1, T2)), T, T1, T2
    # The averaging month has begun: fixings up to as_of are known, the rest are expected.
    # Weights are calendar days (a daily index published on business days only is approximated).
    known = (as_of - c.settlement_start).days + 1
    total = (c.settlement_end - c.settlement_start).days + 1
    if realised_average is None:
        realised_average = x0
        warnings.append(HedgingWarning(
            "realised_average_assumed",
            f"{c.symbol} is in its averaging month; the {known} fixings published so far are "
            f"taken at today's index {x0:g} because their average was not given."))
    remaining = total - known
    if remaining <= 0:
        return float(realised_average), T, T1, T2
    future = _scalar(model.average_futures_price(x0, t, t, T2))
    fair = (known * float(realised_average) + remaining * future) / total
    return fair, T, T1, T2


def _scalar(value: Any) -> float:
    arr = np.asarray(value, dtype=float).reshape(-1)
    if arr.size != 1:
        raise ValueError(f"expected one price from the model, got {arr.size}")
    return float(arr[0])
