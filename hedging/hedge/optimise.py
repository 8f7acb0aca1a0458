"""Optimised hedge programs: minimum variance per delivery month, and minimum CVaR of total spend.

Both work on simulated arrays only (see :mod:`hedging.hedge.program` for the shapes and the
hedged-spend formula) and return whole long lots within ``[0, max_lots]`` and the margin budget.

* :func:`min_variance_program` - per delivery month m, the lots h_m minimising
  ``Var(spend_m - P_m h_m)`` = ``Var(s_m) - 2 b_m'h_m + h_m'A_m h_m`` with ``A_m = Cov(P_m)``,
  ``b_m = Cov(P_m, s_m)`` (Ederington 1979, "The hedging performance of the new futures markets",
  J. Finance 34(1): one contract gives ``h = Cov(s, P) / Var(P)``). The integer optimum in the box
  is found exactly by enumeration (below). When the margin budget binds, a Lagrange multiplier
  prices margin: each month solves ``min h'A h - 2 (b - lambda g / 2)'h`` in whole lots, lambda is
  bisected to the smallest value whose lots fit the budget, and leftover budget is filled greedily
  by variance reduction per margin dollar. By Everett's theorem (Everett 1963, Oper. Res. 11(3))
  the Lagrangian lots are the exact optimum for the margin they use; the dual bound
  ``f(h_lambda) + lambda (g'h_lambda - B)`` bounds the best possible variance from below, and the
  gap is reported.
* :func:`min_cvar_program` - ``min_x CVaR_level(L(x))`` with ``L_i(x) = T_i - p_i'x + c'x`` (``T``
  total spend) by the linear programme of Rockafellar & Uryasev (2000), "Optimization of
  conditional value-at-risk", J. Risk 2(3): minimise ``zeta + sum_i u_i / ((1 - level) n)`` over
  integer x, free zeta and ``u_i >= max(0, L_i(x) - zeta)``, solved by HiGHS through
  :func:`scipy.optimize.milp`. Large samples are solved on a random subsample of ``max_paths``
  paths (default 2,000: the 95% tail then holds 100 paths) and the lots are evaluated on all.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from hedging.errors import HedgingWarning, InputError, ModelError
from hedging.hedge.program import (
    HedgeProgram, as_lot_limits, as_margin, as_matrix, as_months, as_optional_vector, as_vector,
    hedge_ratio_by_month, hedged_spend, schedule,
)
from hedging.risk import conditional_value_at_risk

#: Paths the CVaR programme is solved on when more are given (a random subsample, fixed seed).
DEFAULT_MAX_PATHS = 2_000
#: Enumeration nodes per month before the exact integer search stops with its best point.
MAX_NODES = 200_000
_RIDGE = 1e-10
_BISECTIONS = 60


class _MonthQP:
    """Exact ``min h'A h - 2 b'h`` over whole lots ``0 <= h <= U`` for one month's contracts.

    One contract: ``h = clip(rint(b / a), 0, U)`` (a convex parabola's nearest whole point).
    Several: integer coordinate descent gives a good start, then the enumeration of Fincke & Pohst
    (1985, Math. Comp. 44) on the Cholesky factor ``A = R'R`` proves or improves it:
    ``q(h) = |R (h - h*)|^2 + const`` with ``h* = A^-1 b``, searched coordinate by coordinate from
    the last, nearest centre first, pruning partial sums beyond the best point found.
    """

    def __init__(self, a: np.ndarray, upper: np.ndarray):
        self.a, self.upper, self.nodes_exhausted = a, upper, False
        if len(a) > 1:
            try:
                self.factor = scipy.linalg.cho_factor(a, lower=False)
            except np.linalg.LinAlgError:  # collinear P&L: a tiny ridge breaks the tie
                ridge = _RIDGE * float(np.max(np.diag(a))) * np.eye(len(a))
                self.factor = scipy.linalg.cho_factor(a + ridge, lower=False)
            self.r = np.triu(self.factor[0])

    def _descent(self, b: np.ndarray, h: np.ndarray) -> np.ndarray:
        a, diag = self.a, np.diag(self.a)
        for _ in range(1000):
            changed = False
            for i in range(len(b)):
                v = min(max(np.rint((b[i] - a[i] @ h + diag[i] * h[i]) / diag[i]), 0.0),
                        self.upper[i])
                if v != h[i]:
                    h[i], changed = v, True
            if not changed:
                break
        return h

    def solve(self, b: np.ndarray) -> np.ndarray:
        if len(b) == 1:
            return np.clip(np.rint(b / self.a[0]), 0.0, self.upper)
        centre = scipy.linalg.cho_solve(self.factor, b)
        best = self._descent(b, np.clip(np.rint(centre), 0.0, self.upper))
        r, upper = self.r, self.upper
        d = r @ (best - centre)
        state = {"best": best.copy(), "radius": float(d @ d) * (1 + 1e-9) + 1e-300, "nodes": 0}
        h = np.zeros(len(b))

        def visit(i: int, partial: float) -> None:
            if state["nodes"] >= MAX_NODES:
                self.nodes_exhausted = True
                return
            state["nodes"] += 1
            c = centre[i] - float(r[i, i + 1:] @ (h[i + 1:] - centre[i + 1:])) / r[i, i]
            room = (state["radius"] - partial) / r[i, i] ** 2
            if room < 0:
                return
            half = np.sqrt(room)
            lo, hi = max(0.0, np.ceil(c - half)), min(float(upper[i]), np.floor(c + half))
            values = np.arange(lo, hi + 1)
            for v in values[np.argsort(np.abs(values - c), kind="stable")]:
                step = partial + (r[i, i] * (v - c)) ** 2
                if step > state["radius"]:
                    break
                h[i] = v
                if i == 0:
                    state["radius"], state["best"] = step, h.copy()
                else:
                    visit(i - 1, step)

        visit(len(b) - 1, 0.0)
        return state["best"]


def min_variance_program(spend, pnl_per_lot, contract_month, cost_per_lot, *, max_lots,
                         margin_per_lot=None, margin_budget=None, lot_size=None, price=None,
                         expected_volume=None) -> HedgeProgram:
    """Whole long lots minimising the variance of each delivery month's hedged spend.

    Parameters
    ----------
    spend : array (n_paths, n_months)
        Simulated unhedged spend, USD per delivery month.
    pnl_per_lot : array (n_paths, n_contracts)
        USD P&L of one long lot held to settlement, ``(settlement - entry) x lot_size``.
    contract_month : array (n_contracts,)
        Delivery-month index (column of ``spend``) each contract hedges.
    cost_per_lot : array (n_contracts,)
        Fee + half spread per lot, USD (>= 0). It does not change a variance, so it does not
        change these lots; it is in the trades and the hedged spend.
    max_lots : array (n_contracts,)
        Upper limits (position limit and no over-hedging), whole lots.
    margin_per_lot, margin_budget : array, float, optional
        Initial margin per lot (USD) and the cash for it: ``margin_per_lot @ lots <= budget``.
    lot_size, price, expected_volume : array, optional
        For the trade schedule (notional) and hedge ratios by month.

    Returns
    -------
    HedgeProgram
        ``objective_value`` = sum over months of ``Var(hedged spend_m)`` in USD^2 (ddof = 1).

    Worked number: with one contract and Cov(s, P) = 4,000 USD^2, Var(P) = 100 USD^2, the hedge is
    h = 40 lots (Ederington 1979), clipped to ``max_lots``.
    """
    spend = as_matrix("spend", spend)
    pnl = as_matrix("pnl_per_lot", pnl_per_lot, n_rows=spend.shape[0])
    n, n_months = spend.shape
    n_contracts = pnl.shape[1]
    if n < 2:
        raise InputError("need at least 2 simulated paths to estimate a variance.",
                         column="spend", value=n, fix="Simulate more paths (e.g. 10,000).")
    month = as_months(contract_month, n_contracts, n_months)
    cost = as_vector("cost_per_lot", cost_per_lot, n_contracts, nonnegative=True)
    upper = as_lot_limits(max_lots, n_contracts)
    margin, budget = as_margin(margin_per_lot, margin_budget, n_contracts)

    p_c = pnl - pnl.mean(axis=0)
    s_c = spend - spend.mean(axis=0)
    a = (p_c.T @ p_c) / (n - 1)
    b = np.einsum("ik,ik->k", p_c, s_c[:, month]) / (n - 1)
    a_month = np.where(month[:, None] == month[None, :], a, 0.0)
    var_spend = float(np.sum(np.var(spend, axis=0, ddof=1)))

    def objective(h: np.ndarray) -> float:
        return var_spend - 2.0 * float(b @ h) + float(h @ a_month @ h)

    active = (upper > 0) & (np.diag(a) > 0)
    groups = [np.flatnonzero(active & (month == m)) for m in range(n_months)]
    solvers = {m: _MonthQP(a[np.ix_(g, g)], upper[g].astype(float))
               for m, g in enumerate(groups) if g.size}

    def lots_at(price_of_margin: float) -> np.ndarray:
        h = np.zeros(n_contracts)
        for m, qp in solvers.items():
            g = groups[m]
            shadow = 0.0 if margin is None else price_of_margin * margin[g] / 2.0
            h[g] = qp.solve(b[g] - shadow)
        return h

    h = lots_at(0.0)
    status, message, warnings = "optimal", "exact whole-lot minimum variance per month", []
    gap = 0.0
    if budget is not None and float(margin @ h) > budget:
        h, note, gap = _fit_margin(lots_at, objective, a_month, b, margin, budget, upper, h)
        status, message = "margin_bound", note
        warnings.append(HedgingWarning("margin_bound", note))
    if any(qp.nodes_exhausted for qp in solvers.values()):
        gap = None
        warnings.append(HedgingWarning("search_limit", (
            f"the whole-lot search stopped after {MAX_NODES:,} steps in some month; the lots are "
            "the best found, not proven optimal. Check for contracts whose P&L is nearly identical "
            "and drop one of them.")))
    lots = h.astype(np.int64)
    value = objective(h)
    return HedgeProgram(
        policy="min_variance",
        lots=tuple(int(v) for v in lots),
        **_schedule_fields(lots, month, n_months, cost, margin, lot_size, price, expected_volume),
        objective="sum over delivery months of the variance of monthly hedged spend, USD^2",
        objective_value=value, objective_all_paths=value, n_paths_used=n,
        status=status, message=message, optimality_gap=gap, warnings=tuple(warnings))


def _schedule_fields(lots, month, n_months, cost, margin, lot_size, price, expected_volume):
    """Hedge ratios by month and the trades (all bought now, at today's price) of a program."""
    n = len(lots)
    size = as_optional_vector("lot_size", lot_size, n)
    today = as_optional_vector("price", price, n)
    volume = as_optional_vector("expected_volume", expected_volume, n)
    return {
        "hedge_ratio_by_month": hedge_ratio_by_month(lots, month, n_months, size, volume, today),
        "trades": schedule(lots[:, None], month, cost, lot_size=size, margin_per_lot=margin,
                           price_by_date=None if today is None else today[:, None]),
    }


def _fit_margin(lots_at, objective, a_month, b, margin, budget, upper, h_free):
    """Lagrangian lots within the margin budget, then a greedy fill of the leftover budget."""
    priced = margin > 0
    lam_hi = 0.0
    if priced.any():
        lam_hi = float(np.max(2.0 * np.maximum(b[priced], 0.0) / margin[priced]))
    lam_hi = max(lam_hi, 1e-300) * 1.01
    h_hi = lots_at(lam_hi)
    for _ in range(200):  # lots of unpriced contracts can pull priced ones in: raise lambda
        if float(margin @ h_hi) <= budget:
            break
        lam_hi *= 2.0
        h_hi = lots_at(lam_hi)
    lam_lo = 0.0
    bound = objective(h_hi) + lam_hi * (float(margin @ h_hi) - budget)
    for _ in range(_BISECTIONS):
        lam = 0.5 * (lam_lo + lam_hi)
        h = lots_at(lam)
        bound = max(bound, objective(h) + lam * (float(margin @ h) - budget))
        if float(margin @ h) <= budget:
            lam_hi, h_hi = lam, h
        else:
            lam_lo = lam
        if lam_hi - lam_lo <= 1e-12 * lam_hi:
            break
    h = h_hi.copy()
    grad = a_month @ h - b  # half the gradient of the objective
    room = budget - float(margin @ h)
    for _ in range(100_000):
        gain = np.diag(a_month) + 2.0 * grad  # change in variance from one more lot
        ok = (h < upper) & (margin <= room + 1e-9) & (gain < 0)
        if not ok.any():
            break
        per_dollar = np.where(ok, gain / np.maximum(margin, 1e-12), np.inf)
        k = int(np.argmin(per_dollar))
        h[k] += 1
        room -= margin[k]
        grad += a_month[:, k]
    value, free = objective(h), objective(h_free)
    gap = max(value - bound, 0.0)
    note = (f"the margin budget of ${budget:,.0f} binds: the unconstrained hedge needs "
            f"${float(margin @ h_free):,.0f} of initial margin. Lots were cut where they reduce "
            f"variance least per margin dollar (variance {value:.6g} USD^2 against {free:.6g} "
            f"without the budget; at most {gap:.3g} USD^2 above the best whole-lot program). "
            "Raise the margin budget to hedge fully.")
    return h, note, gap


def min_cvar_program(spend, pnl_per_lot, cost_per_lot, *, contract_month, max_lots, level=0.95,
                     margin_per_lot=None, margin_budget=None, time_limit=10.0,
                     max_paths=DEFAULT_MAX_PATHS, seed=0, mip_gap=1e-6, lot_size=None,
                     price=None, expected_volume=None) -> HedgeProgram:
    """Whole long lots minimising the CVaR of total hedged spend (Rockafellar-Uryasev MILP).

    Parameters
    ----------
    spend, pnl_per_lot, cost_per_lot, max_lots, margin_per_lot, margin_budget
        As in :func:`min_variance_program`; costs enter the objective here.
    contract_month : array (n_contracts,)
        Delivery-month index of each contract (keyword; for the trades and hedge ratios).
    level : float
        CVaR confidence level, e.g. 0.95: the mean of the worst 5% of total hedged spend.
    time_limit : float
        Seconds given to HiGHS; when reached, the best whole-lot program found is returned with a
        ``time_limit`` warning, or a :class:`ModelError` if none was found.
    max_paths, seed : int
        When there are more paths, the programme is solved on ``max_paths`` of them drawn without
        replacement with ``numpy.random.default_rng(seed)``; ``objective_all_paths`` is the CVaR
        of the chosen lots on all paths.
    mip_gap : float
        Relative optimality gap at which HiGHS stops (on spend measured from its subsample mean).

    Returns
    -------
    HedgeProgram
        ``objective_value`` = the LP optimum ``zeta + sum u / ((1 - level) n)`` in USD on the
        paths used, which equals the CVaR of their sorted hedged spend at the chosen lots;
        ``optimality_gap`` = HiGHS's primal minus dual bound, USD.

    Worked number: losses 1..10 (no hedge), level 0.75: CVaR = (10 + 9 + 0.5 x 8) / 2.5 = 9.2.
    """
    spend = as_matrix("spend", spend)
    pnl = as_matrix("pnl_per_lot", pnl_per_lot, n_rows=spend.shape[0])
    n, n_months = spend.shape
    n_contracts = pnl.shape[1]
    month = as_months(contract_month, n_contracts, n_months)
    cost = as_vector("cost_per_lot", cost_per_lot, n_contracts, nonnegative=True)
    upper = as_lot_limits(max_lots, n_contracts)
    margin, budget = as_margin(margin_per_lot, margin_budget, n_contracts)
    if not 0.0 < float(level) < 1.0:
        raise InputError("the CVaR level must be strictly between 0 and 1.", column="level",
                         value=level, fix="Use e.g. 0.95 or 0.99.")
    if int(max_paths) < 2:
        raise InputError("`max_paths` must be at least 2.", column="max_paths", value=max_paths,
                         fix="Use e.g. 2000.")
    warnings = []
    rows = np.arange(n)
    if n > max_paths:
        rows = np.sort(np.random.default_rng(seed).choice(n, int(max_paths), replace=False))
    n_used = rows.size
    if (1.0 - level) * n_used < 20:
        warnings.append(HedgingWarning("few_tail_paths", (
            f"the {level:.1%} CVaR is estimated from {(1 - level) * n_used:.1f} paths only; "
            "simulate more paths or raise max_paths.")))

    total = spend[rows].sum(axis=1)
    var_idx = np.flatnonzero(upper > 0)
    x = np.zeros(n_contracts)
    if var_idx.size == 0:
        fun, status, message = conditional_value_at_risk(total, level), "optimal", "no lots allowed"
        gap = 0.0
    else:
        fun, xs, status, message, gap, extra = _solve_cvar_milp(
            total, pnl[np.ix_(rows, var_idx)], cost[var_idx], upper[var_idx].astype(float),
            None if budget is None else margin[var_idx], budget, float(level),
            float(time_limit), float(mip_gap))
        x[var_idx] = xs
        warnings += extra
    lots = x.astype(np.int64)
    on_all = conditional_value_at_risk(hedged_spend(spend, pnl, cost, lots), level)
    if n_used < n and abs(on_all - fun) > 0.02 * max(abs(on_all), 1e-12):
        warnings.append(HedgingWarning("subsample", (
            f"the CVaR on all {n:,} paths (${on_all:,.0f}) differs by more than 2% from the "
            f"{n_used:,}-path optimum (${fun:,.0f}); raise max_paths for a steadier program.")))
    return HedgeProgram(
        policy="min_cvar",
        lots=tuple(int(v) for v in lots),
        **_schedule_fields(lots, month, n_months, cost, margin, lot_size, price, expected_volume),
        objective=f"CVaR {level:.1%} of total hedged spend over the horizon, USD",
        objective_value=float(fun), objective_all_paths=float(on_all), n_paths_used=int(n_used),
        status=status, message=message, optimality_gap=gap, warnings=tuple(warnings))


def _solve_cvar_milp(total, pnl, cost, upper, margin, budget, level, time_limit, mip_gap):
    """HiGHS on the Rockafellar-Uryasev MILP; USD are measured as ``(v - mean) / sd`` inside."""
    n, k = pnl.shape
    centre = float(total.mean())
    scale = float(total.std()) or float(np.abs(pnl).max()) or 1.0
    # u_i >= L_i(x) - zeta  <=>  (c - p_i)'x - zeta - u_i <= -(T_i - centre)   (all / scale)
    a = sp.hstack([sp.csr_matrix((cost[None, :] - pnl) / scale), sp.csr_matrix(-np.ones((n, 1))),
                   -sp.identity(n, format="csr")], format="csr")
    constraints = [LinearConstraint(a, -np.inf, -(total - centre) / scale)]
    if budget is not None:
        row = np.concatenate([margin, np.zeros(1 + n)])
        constraints.append(LinearConstraint(row[None, :], -np.inf, budget))
    c = np.concatenate([np.zeros(k), [1.0], np.full(n, 1.0 / ((1.0 - level) * n))])
    lb = np.concatenate([np.zeros(k), [-np.inf], np.zeros(n)])
    ub = np.concatenate([upper, [np.inf], np.full(n, np.inf)])
    integrality = np.concatenate([np.ones(k), np.zeros(1 + n)])
    res = milp(c, constraints=constraints, bounds=Bounds(lb, ub), integrality=integrality,
               options={"time_limit": time_limit, "mip_rel_gap": mip_gap, "disp": False})
    warnings = []
    if res.status == 1 and res.x is not None:
        status = "time_limit"
        warnings.append(HedgingWarning("time_limit", (
            f"the CVaR optimiser stopped at its {time_limit:g} s time limit with the best "
            f"whole-lot program found (relative gap {getattr(res, 'mip_gap', float('nan')):.2%}). "
            "Raise time_limit, or lower max_paths, for a proven optimum.")))
    elif res.status == 1:
        raise ModelError(f"the CVaR optimiser found no whole-lot program within {time_limit:g} s "
                         f"({res.message}). Raise time_limit or lower max_paths.")
    elif res.status == 2:
        raise ModelError(f"the CVaR programme is infeasible ({res.message}). Check that the "
                         "margin budget is at least 0 and max_lots are non-negative; raise the "
                         "margin budget if it cannot hold any position.")
    elif not res.success or res.x is None:
        raise ModelError(f"the CVaR optimiser failed: {res.message} (status {res.status}). "
                         "Check the simulated arrays for extreme values, or use the "
                         "minimum-variance program.")
    else:
        status = "optimal"
    x = np.clip(np.rint(res.x[:k]), 0, upper)
    if budget is not None:  # integrality rounding must not breach the budget
        while float(margin @ x) > budget * (1 + 1e-12) and x.any():
            j = int(np.argmax(np.where(x > 0, margin, -np.inf)))
            x[j] -= 1
    fun = centre + scale * float(res.fun)
    bound = getattr(res, "mip_dual_bound", None)
    gap = None
    if bound is not None and np.isfinite(bound):
        gap = scale * max(float(res.fun - bound), 0.0)
    return fun, x, status, str(res.message), gap, warnings
