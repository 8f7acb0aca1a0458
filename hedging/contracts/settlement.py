"""Daily mark-to-market, margin calls, final settlement and daily price limits.

Variation margin (Hull, *Options, Futures, and Other Derivatives*, ch. 2 "Operation of margin
accounts"): each day a position of ``lots`` (long positive) is paid

    VM_t = (S_t - S_{t-1}) x lot_size x lots,     S_0 = entry price,

so VM sums to ``(S_N - entry) x lot_size x lots``. The margin account starts at the initial
margin; when its balance after VM falls *below* the maintenance margin, the holder is called for
the amount that restores it to the **initial** margin (the classic convention of Hull's Table 2.1;
some brokers only call back to maintenance). Calls are assumed met before the next settlement,
and excess balance is not withdrawn.

Final settlement (this app's assumption, see the contract specs): ``"point"`` contracts settle on
the index value of the last trading day; ``"monthly_average"`` contracts on the arithmetic mean of
the daily index values published in the delivery month.

Price limits (arXiv 2603.21690 §5.3): a move beyond 15% of the previous settlement triggers a
trading halt (tier 1); beyond 25% trading stops for the session (tier 2). A move of exactly the
limit is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hedging.contracts.pricing import round_to_tick
from hedging.contracts.specs import ContractSpec
from hedging.errors import HedgingWarning, InputError

#: A balance counts as below maintenance only if lower by more than this (USD), to ignore float noise.
_CALL_TOLERANCE = 1e-9
_LIMIT_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class MarkToMarket:
    """Daily margin-account history of one position along one path or many.

    Arrays have the shape of ``settle_prices`` (``(days,)`` or ``(paths, days)``); totals have the
    shape ``()`` or ``(paths,)``. USD throughout.

    Attributes
    ----------
    variation_margin : daily VM (positive = received).
    cumulative_pnl : running sum of VM.
    equity : account balance after the day's VM, before any call is met.
    margin_calls : amount called that day (0 if none).
    balance : balance after the call is met (the next day's opening balance).
    total_calls, n_calls : sum and count of calls.
    peak_outflow : largest cumulative VM paid out, ``max(0, -min_t cumulative_pnl)``.
    final_pnl : ``cumulative_pnl`` on the last day.
    """

    lots: int
    initial_margin: float
    maintenance_margin: float
    variation_margin: np.ndarray
    cumulative_pnl: np.ndarray
    equity: np.ndarray
    margin_calls: np.ndarray
    balance: np.ndarray
    total_calls: Any
    n_calls: Any
    peak_outflow: Any
    final_pnl: Any


def mark_to_market(entry_price: float, settle_prices, lots: int, spec: ContractSpec,
                   initial_margin: float, maintenance_margin: float) -> MarkToMarket:
    """Variation margin, account balance and margin calls of a futures position.

    Parameters
    ----------
    entry_price : float
        Trade price, quote units.
    settle_prices : array, shape (days,) or (paths, days)
        Daily settlement prices after entry, quote units.
    lots : int
        Position; positive long, negative short.
    initial_margin, maintenance_margin : float
        USD **per lot**; the account holds ``|lots|`` times these.

    Returns
    -------
    MarkToMarket

    Examples
    --------
    Hull's gold example: 2 contracts of 100 oz bought at $1,450, initial $6,000 and maintenance
    $4,500 per contract. A settlement of $1,441 pays VM (1,441 - 1,450) x 100 x 2 = -$1,800 and
    leaves $10,200; a call comes once the loss exceeds $12,000 - $9,000 = $3,000, i.e. below
    $1,450 - 3,000/200 = $1,435, and restores the account to $12,000.
    """
    s = np.asarray(settle_prices, dtype=float)
    if s.ndim not in (1, 2) or s.shape[-1] == 0:
        raise InputError("settlement prices must be a non-empty 1-D path or a 2-D paths x days "
                         "array.", column="settle_prices", value=s.shape,
                         fix="Pass one price per day after entry.")
    if not np.all(np.isfinite(s)) or not math.isfinite(entry_price):
        raise InputError("prices must be finite numbers.", column="settle_prices",
                         fix="Remove missing or infinite prices.")
    if maintenance_margin < 0 or initial_margin < maintenance_margin:
        raise InputError("margins must satisfy 0 <= maintenance <= initial.",
                         column="maintenance_margin", value=maintenance_margin,
                         fix="Pass per-lot margins, e.g. from margin_requirement().")
    if isinstance(lots, bool) or int(lots) != lots:
        raise InputError("the number of lots must be a whole number.", column="lots", value=lots,
                         fix="Round the position to whole lots.")
    one_path = s.ndim == 1
    s2 = s[None, :] if one_path else s
    n = abs(int(lots))
    im, mm = initial_margin * n, maintenance_margin * n
    prev = np.concatenate([np.full((s2.shape[0], 1), float(entry_price)), s2[:, :-1]], axis=1)
    vm = (s2 - prev) * spec.lot_size * int(lots)
    equity = np.empty_like(vm)
    calls = np.zeros_like(vm)
    balance_hist = np.empty_like(vm)
    balance = np.full(s2.shape[0], im)
    threshold = mm - _CALL_TOLERANCE
    for t in range(vm.shape[1]):
        balance = balance + vm[:, t]
        equity[:, t] = balance
        call = np.where(balance < threshold, im - balance, 0.0)
        calls[:, t] = call
        balance = balance + call
        balance_hist[:, t] = balance
    cum = np.cumsum(vm, axis=1)
    totals = dict(
        total_calls=calls.sum(axis=1), n_calls=(calls > 0).sum(axis=1),
        peak_outflow=np.maximum(0.0, -cum.min(axis=1)), final_pnl=cum[:, -1],
    )
    if one_path:
        arrays = [a[0] for a in (vm, cum, equity, calls, balance_hist)]
        totals = {k: v[0].item() for k, v in totals.items()}
    else:
        arrays = [vm, cum, equity, calls, balance_hist]
    for a in arrays:
        a.flags.writeable = False
    return MarkToMarket(lots=int(lots), initial_margin=im, maintenance_margin=mm,
                        variation_margin=arrays[0], cumulative_pnl=arrays[1], equity=arrays[2],
                        margin_calls=arrays[3], balance=arrays[4], **totals)


# --- final settlement ----------------------------------------------------------------------------

@dataclass(frozen=True)
class FinalSettlement:
    """Final settlement price (quote units) and the fixings it used."""

    price: float
    method: str
    start: dt.date
    end: dt.date
    observations: int
    business_days: int
    warnings: tuple[HedgingWarning, ...] = ()


def final_settlement(spec: ContractSpec, daily_index, window) -> FinalSettlement:
    """Final settlement price of a contract from a daily index.

    Parameters
    ----------
    daily_index : pandas Series or mapping of date -> value
        Daily index values (quote units) keyed by date (``date``, ``datetime``, ``Timestamp`` or
        ISO text). Missing values (NaN) count as not published.
    window : ListedContract or (start, end)
        Inclusive settlement window; a :class:`ListedContract` supplies its own.

    Returns
    -------
    FinalSettlement
        ``"point"``: the value on ``end`` (the last trading day).
        ``"monthly_average"``: ``mean(I_d for start <= d <= end)``. Worked number: fixings 2.40,
        2.50 and 2.60 in the window settle at 2.50. A warning is attached when fewer values than
        business days were published.
    """
    start, end = _window(window)
    series = _index_items(daily_index)
    if spec.settlement == "point":
        value = series.get(end)
        if value is None:
            raise InputError(f"the index has no value on the last trading day {end.isoformat()}.",
                             column="daily_index", value=end.isoformat(),
                             fix="Add the index fixing of that day before settling the contract.")
        return FinalSettlement(price=value, method="point", start=end, end=end, observations=1,
                               business_days=1)
    values = [v for d, v in series.items() if start <= d <= end]
    if not values:
        raise InputError(f"the index has no values between {start.isoformat()} and "
                         f"{end.isoformat()}.", column="daily_index",
                         fix="Add the daily fixings of the delivery month.")
    bdays = int(np.busday_count(start, end + dt.timedelta(days=1)))
    warnings = ()
    if len(values) < bdays:
        warnings = (HedgingWarning(
            "settlement_fixings_missing",
            f"Only {len(values)} of {bdays} business-day fixings between {start.isoformat()} and "
            f"{end.isoformat()} are available; the average uses those."),)
    return FinalSettlement(price=float(np.mean(values)), method="monthly_average", start=start,
                           end=end, observations=len(values), business_days=bdays,
                           warnings=warnings)


def _window(window) -> tuple[dt.date, dt.date]:
    if hasattr(window, "settlement_start") and hasattr(window, "settlement_end"):
        return window.settlement_start, window.settlement_end
    start, end = window
    start, end = _to_date(start), _to_date(end)
    if end < start:
        raise InputError("the settlement window ends before it starts.", column="window",
                         value=f"{start} to {end}", fix="Pass (start, end) in date order.")
    return start, end


def _index_items(daily_index) -> dict[dt.date, float]:
    items = daily_index.items() if hasattr(daily_index, "items") else daily_index
    out: dict[dt.date, float] = {}
    for key, value in items:
        v = float(value)
        if math.isfinite(v):
            out[_to_date(key)] = v
    return out


def _to_date(value) -> dt.date:
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime) or hasattr(value, "to_pydatetime"):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, np.datetime64):
        return value.astype("datetime64[D]").item()
    raise InputError("index dates must be dates.", column="daily_index", value=value,
                     fix="Key the daily index by date.")


# --- price limits --------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class LimitCheck:
    """Per-price limit status: ``tier`` 0 (inside), 1 (beyond tier 1: halt), 2 (beyond tier 2)."""

    move: np.ndarray
    tier: np.ndarray
    clamped: np.ndarray | None

    @property
    def any_halt(self) -> bool:
        return bool(np.any(self.tier >= 1))

    @property
    def any_close(self) -> bool:
        return bool(np.any(self.tier >= 2))


def limit_breaches(prev_settle, prices, spec: ContractSpec, *, clamp: bool = False) -> LimitCheck:
    """Flag moves beyond the daily price limits, and optionally clamp them at tier 2.

    ``move = price / prev_settle - 1``; tier 1 if ``|move| > price_limit_tier1`` (15%), tier 2 if
    ``|move| > price_limit_tier2`` (25%). With ``clamp=True`` a price beyond tier 2 is replaced by
    ``prev x (1 +- 0.25)`` rounded to the tick toward ``prev`` (inside the band).
    Worked number: previous settlement 2.00, price 2.40 (+20%) is tier 1; 2.60 (+30%) is tier 2
    and clamps to 2.50.
    """
    prev = np.asarray(prev_settle, dtype=float)
    p = np.asarray(prices, dtype=float)
    if np.any(prev <= 0):
        raise InputError("the previous settlement must be positive.", column="prev_settle",
                         fix="Pass the last settlement price in quote units.")
    move = p / prev - 1.0
    tier = np.where(np.abs(move) > spec.price_limit_tier2 + _LIMIT_TOLERANCE, 2,
                    np.where(np.abs(move) > spec.price_limit_tier1 + _LIMIT_TOLERANCE, 1, 0))
    clamped = None
    if clamp:
        hi = round_to_tick(prev * (1 + spec.price_limit_tier2), spec.tick, "down")
        lo = round_to_tick(prev * (1 - spec.price_limit_tier2), spec.tick, "up")
        clamped = np.where(tier == 2, np.clip(p, lo, hi), p)
    return LimitCheck(move=move, tier=tier, clamped=clamped)


def limit_path(prev_settle: float, settle_prices, spec: ContractSpec) -> np.ndarray:
    """Settlement path with each day's move clamped at tier 2 of the *previous clamped* settlement.

    Shape ``(days,)`` or ``(paths, days)``; use it before :func:`mark_to_market` to simulate the
    limit rule. Prices that stay inside the limits are unchanged.
    """
    s = np.asarray(settle_prices, dtype=float)
    s2 = np.atleast_2d(s)
    out = np.empty_like(s2)
    prev = np.full(s2.shape[0], float(prev_settle))
    for t in range(s2.shape[1]):
        prev = limit_breaches(prev, s2[:, t], spec, clamp=True).clamped
        out[:, t] = prev
    return out[0] if s.ndim == 1 else out
