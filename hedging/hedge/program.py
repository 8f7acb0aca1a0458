"""Hedge program results and hedged spend: the types every hedge policy returns.

A buyer of compute is short the price, so a hedge is LONG futures. Over ``n_paths`` simulated
outcomes, with ``spend`` (paths x months, USD), ``pnl_per_lot`` (paths x contracts, USD P&L of one
long lot held to settlement) and ``cost_per_lot`` (USD fee + half spread per lot bought), a program
of ``lots`` (whole lots per contract) gives the hedged spend

    H_i = sum_m spend[i, m] - sum_k pnl_per_lot[i, k] x lots_k + sum_k cost_per_lot_k x lots_k.

Worked number: spend 100 + 120 = $220 on a path where one lot gains $15 and costs $0.50 gives
H = 220 - 15 + 0.5 = $205.50.

Reference: J. C. Hull, *Options, Futures, and Other Derivatives*, ch. 3 (hedging with futures:
a long hedge locks in the purchase price; P&L = (settlement - entry) x size per lot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hedging.errors import HedgingWarning, InputError

BUY = "buy"


@dataclass(frozen=True)
class Trade:
    """One order of the trade schedule: buy ``lots`` of a contract on a trade date.

    Attributes
    ----------
    contract_index, delivery_month_index : int
        Column of the contract in the caller's arrays, and the delivery month it hedges (0 = the
        first month of the horizon).
    trade_date_index : int
        0 = now; ``j`` = the start of the j-th month from now (layered programs).
    side : str
        Always ``"buy"`` (long hedge).
    lots : int
        Whole lots, > 0.
    price : float or None
        Today's futures price (date 0) or the expected futures price on a later trade date, in
        quote units; None when the caller gave no prices.
    notional, initial_margin, cost : float or None
        USD: ``lots x price x lot_size``, ``lots x margin_per_lot`` and ``lots x cost_per_lot``;
        None when the input they need was not given.
    """

    contract_index: int
    delivery_month_index: int
    trade_date_index: int
    side: str
    lots: int
    price: float | None
    notional: float | None
    initial_margin: float | None
    cost: float


@dataclass(frozen=True)
class HedgeProgram:
    """A hedge program: lots per contract, the trade schedule and how the optimiser fared.

    Attributes
    ----------
    policy : str
        ``"min_variance"``, ``"min_cvar"`` or ``"layered"``.
    lots : tuple of int
        Total whole lots per contract (same order as the caller's contract arrays).
    hedge_ratio_by_month : tuple of float
        Per delivery month: hedged volume / expected volume, both valued at the contract prices
        so that several underlyings in one month add up (with one contract per month this is
        ``lots x lot_size / expected_volume``). Empty when ``lot_size`` or ``expected_volume``
        was not given; 0 for a month without expected volume.
    trades : tuple of Trade
        The schedule, ordered by trade date then contract.
    objective : str
        What ``objective_value`` measures, with units.
    objective_value : float or None
        The optimiser's objective on the paths it saw (None for a rule-based policy).
    objective_all_paths : float or None
        The same objective evaluated on all paths (differs when the optimiser used a subsample).
    n_paths_used : int
        Paths the optimiser saw.
    optimality_gap : float or None
        Proven upper bound on ``objective_value`` minus the best objective any whole-lot program
        within the limits could reach on the same paths (0 when proven optimal; None when no
        bound is known, e.g. for a rule-based policy).
    status, message : str
        Solver status (``"optimal"``, ``"time_limit"``, ``"margin_bound"``, ``"rule"``) and its
        message.
    warnings : tuple of HedgingWarning
        Soft problems for the UI (margin budget binds, time limit hit, limits clipped, ...).
    """

    policy: str
    lots: tuple[int, ...]
    hedge_ratio_by_month: tuple[float, ...]
    trades: tuple[Trade, ...]
    objective: str
    objective_value: float | None
    objective_all_paths: float | None
    n_paths_used: int
    status: str
    message: str
    optimality_gap: float | None = None
    warnings: tuple[HedgingWarning, ...] = ()

    @property
    def lots_array(self) -> np.ndarray:
        """``lots`` as an int64 array."""
        return np.asarray(self.lots, dtype=np.int64)


# ----------------------------------------------------------------------------------------------
# hedged spend


def hedged_spend(spend, pnl_per_lot, cost_per_lot, lots) -> np.ndarray:
    """Total hedged spend per path, USD: ``sum_m spend - pnl_per_lot @ lots + cost_per_lot @ lots``.

    Contracts with zero lots are left out of the sums, so a zero hedge returns the unhedged total
    ``spend.sum(axis=1)`` bit for bit. Worked number: see the module docstring ($205.50).

    Parameters
    ----------
    spend : array (n_paths, n_months)
    pnl_per_lot : array (n_paths, n_contracts)
    cost_per_lot, lots : array (n_contracts,)

    Returns
    -------
    ndarray (n_paths,)
    """
    spend = as_matrix("spend", spend)
    pnl = as_matrix("pnl_per_lot", pnl_per_lot, n_rows=spend.shape[0])
    cost = as_vector("cost_per_lot", cost_per_lot, pnl.shape[1])
    x = as_vector("lots", lots, pnl.shape[1])
    total = spend.sum(axis=1)
    held = np.flatnonzero(x)
    if held.size == 0:
        return total
    return total - pnl[:, held] @ x[held] + float(cost[held] @ x[held])


def hedged_spend_by_month(spend, pnl_per_lot, cost_per_lot, lots, contract_month) -> np.ndarray:
    """Hedged spend per path and delivery month, USD, shape (n_paths, n_months).

    ``H[i, m] = spend[i, m] - sum_{k in m} (pnl_per_lot[i, k] - cost_per_lot_k) x lots_k``; the
    sum over months equals :func:`hedged_spend` up to rounding, and a zero hedge returns a copy of
    ``spend`` exactly.
    """
    spend = as_matrix("spend", spend)
    pnl = as_matrix("pnl_per_lot", pnl_per_lot, n_rows=spend.shape[0])
    n_contracts = pnl.shape[1]
    cost = as_vector("cost_per_lot", cost_per_lot, n_contracts)
    x = as_vector("lots", lots, n_contracts)
    month = as_months(contract_month, n_contracts, spend.shape[1])
    out = spend.copy()
    for m in np.unique(month[x != 0]):
        held = np.flatnonzero((month == m) & (x != 0))
        out[:, m] -= pnl[:, held] @ x[held] - float(cost[held] @ x[held])
    return out


def hedged_spend_from_pnl(spend, pnl, cost) -> np.ndarray:
    """Total hedged spend per path when the hedge P&L is already in USD per contract.

    ``H_i = sum_m spend[i, m] - sum_k pnl[i, k] + sum_k cost_k``: for programs whose lots were
    bought at different prices (layered), ``pnl`` is the total P&L of each contract's position
    and ``cost`` its total trading cost. All-zero ``pnl`` and ``cost`` return the unhedged total
    exactly.
    """
    spend = as_matrix("spend", spend)
    pnl = as_matrix("pnl", pnl, n_rows=spend.shape[0])
    cost = as_vector("cost", cost, pnl.shape[1])
    total = spend.sum(axis=1)
    held = np.flatnonzero(np.any(pnl != 0, axis=0) | (cost != 0))
    if held.size == 0:
        return total
    return total - pnl[:, held].sum(axis=1) + float(cost[held].sum())


# ----------------------------------------------------------------------------------------------
# input checks and trade schedule (shared by the policies)


def as_matrix(name: str, value, n_rows: int | None = None) -> np.ndarray:
    """A finite 2-D float array, with an :class:`InputError` naming ``name`` otherwise."""
    a = np.asarray(value, dtype=float)
    if a.ndim != 2:
        raise InputError(f"`{name}` must be a 2-D array (paths x columns).", column=name,
                         value=a.shape, fix="Pass one row per simulated path.")
    if n_rows is not None and a.shape[0] != n_rows:
        raise InputError(f"`{name}` has {a.shape[0]} paths, expected {n_rows}.", column=name,
                         value=a.shape, fix="Build every array from the same simulated paths.")
    if not np.all(np.isfinite(a)):
        raise InputError(f"`{name}` contains NaN or infinite values.", column=name,
                         fix="Check the simulation that produced it.")
    return a


def as_vector(name: str, value, n: int, *, nonnegative: bool = False) -> np.ndarray:
    """A finite 1-D float array of length ``n`` (a scalar is broadcast)."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,):
        raise InputError(f"`{name}` must have one value per contract ({n}).", column=name,
                         value=a.shape, fix="Pass one value per contract column.")
    if not np.all(np.isfinite(a)):
        raise InputError(f"`{name}` contains NaN or infinite values.", column=name,
                         fix="Give a finite number for every contract.")
    if nonnegative and np.any(a < 0):
        raise InputError(f"`{name}` must be >= 0.", column=name, value=float(a[a < 0][0]),
                         fix="Costs, limits, margins and lot sizes are never negative.")
    return a


def as_optional_vector(name: str, value, n: int) -> np.ndarray | None:
    """None stays None; anything else must be a non-negative vector of length ``n``."""
    return None if value is None else as_vector(name, value, n, nonnegative=True)


def as_lot_limits(max_lots, n: int) -> np.ndarray:
    """``max_lots`` as non-negative integers (fractional limits are floored: never over-hedge)."""
    a = as_vector("max_lots", max_lots, n, nonnegative=True)
    return np.floor(a + 1e-9).astype(np.int64)


def as_months(contract_month, n_contracts: int, n_months: int) -> np.ndarray:
    """``contract_month`` as integer month indices in ``[0, n_months)``."""
    a = np.asarray(contract_month)
    if a.shape != (n_contracts,) or not np.all(np.equal(np.mod(a, 1), 0)):
        raise InputError("`contract_month` must give one whole month index per contract.",
                         column="contract_month", value=a.shape,
                         fix="Pass the index (0 = first month) of each contract's delivery month.")
    a = a.astype(np.int64)
    if np.any((a < 0) | (a >= n_months)):
        bad = int(a[(a < 0) | (a >= n_months)][0])
        raise InputError(f"delivery month index {bad} is outside the {n_months} spend months.",
                         column="contract_month", value=bad,
                         fix="Use indices 0..n_months-1 matching the columns of `spend`.")
    return a


def as_margin(margin_per_lot, margin_budget, n: int) -> tuple[np.ndarray | None, float | None]:
    """Validated margin inputs: both given, or the budget absent (no constraint)."""
    m = None if margin_per_lot is None else as_vector("margin_per_lot", margin_per_lot, n,
                                                      nonnegative=True)
    if margin_budget is None:
        return m, None
    if m is None:
        raise InputError("a margin budget needs `margin_per_lot`.", column="margin_per_lot",
                         fix="Pass the initial margin per lot of each contract.")
    budget = float(margin_budget)
    if not np.isfinite(budget) or budget < 0:
        raise InputError("the margin budget must be a non-negative number of USD.",
                         column="margin_budget", value=margin_budget,
                         fix="Enter the cash available for initial margin, e.g. 250000.")
    return m, budget


def hedge_ratio_by_month(lots, contract_month, n_months, lot_size, expected_volume,
                         price=None) -> tuple[float, ...]:
    """Hedged / expected volume per month, each contract weighted by its price when given.

    ``r_m = sum_{k in m} lots_k x lot_size_k x w_k / sum_{k in m} E_k x w_k`` with ``w_k`` the
    price (1 without prices). Worked number: 30 lots of 1,000 GPU-hours against 40,000 expected
    GPU-hours give 75%. Empty tuple when ``lot_size`` or ``expected_volume`` is None.
    """
    if lot_size is None or expected_volume is None:
        return ()
    x = np.asarray(lots, dtype=float)
    n = x.size
    size = as_vector("lot_size", lot_size, n, nonnegative=True)
    volume = as_vector("expected_volume", expected_volume, n, nonnegative=True)
    w = np.ones(n) if price is None else as_vector("price", price, n, nonnegative=True)
    hedged = np.bincount(contract_month, weights=x * size * w, minlength=n_months)
    exposed = np.bincount(contract_month, weights=volume * w, minlength=n_months)
    safe = np.where(exposed > 0, exposed, 1.0)
    return tuple(float(r) for r in np.where(exposed > 0, hedged / safe, 0.0))


def schedule(lots_by_date, contract_month, cost_per_lot, *, price_by_date=None, lot_size=None,
             margin_per_lot=None) -> tuple[Trade, ...]:
    """Trades from a (n_contracts, n_dates) array of whole lots bought on each trade date.

    ``cost_per_lot`` and ``price_by_date`` are per contract (1-D) or per contract and date (2-D).
    """
    lots_by_date = np.asarray(lots_by_date, dtype=np.int64)
    cost = np.asarray(cost_per_lot, dtype=float)
    cost = cost if cost.ndim == 2 else np.repeat(cost[:, None], lots_by_date.shape[1], axis=1)
    out = []
    for j in range(lots_by_date.shape[1]):
        for k in np.flatnonzero(lots_by_date[:, j]):
            q = int(lots_by_date[k, j])
            price = None if price_by_date is None else float(price_by_date[k, j])
            notional = None if price is None or lot_size is None else q * price * float(lot_size[k])
            margin = None if margin_per_lot is None else q * float(margin_per_lot[k])
            out.append(Trade(int(k), int(contract_month[k]), j, BUY, q, price, notional, margin,
                             q * float(cost[k, j])))
    return tuple(out)
