"""Minimum CVaR over futures and caps together (Rockafellar-Uryasev MILP with two instruments a line).

For each line ``k`` (an underlying and delivery month) the program may buy ``x_k`` futures lots and
``y_k`` cap lots (a cap lot covers the same quantity as a futures lot), with ``x_k + y_k`` no more
than the line's limit (so the two together never over-hedge), and the futures within the margin
budget (a cap is paid up front and posts no margin). With ``T_i`` the unhedged total spend on path
``i``, ``f_ik`` / ``g_ik`` the P&L of one futures / cap lot and ``c_k`` / ``p_k`` their costs
(fees and half spread; premium at its month-end value plus the same dealing cost), hedged spend is

    H_i = T_i - sum_k (f_ik - c_k) x_k - sum_k (g_ik - p_k) y_k,

and the program minimises ``zeta + sum_i u_i / ((1 - level) n)`` with ``u_i >= H_i - zeta``,
``u_i >= 0``: the CVaR of ``H`` at ``level`` (Rockafellar & Uryasev 2000, "Optimization of
conditional value-at-risk", J. Risk 2(3)).

A cap's expected P&L is its premium (fair on the paths), so it buys protection against the tail
without the futures' loss when prices fall; the optimiser takes caps where the tail is cheaper to
cut with them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from hedging.errors import HedgingWarning, InputError, ModelError
from hedging.hedge.optimise import DEFAULT_MAX_PATHS, _schedule_fields
from hedging.hedge.program import (
    HedgeProgram, as_lot_limits, as_margin, as_matrix, as_months, as_vector, hedged_spend,
)
from hedging.risk import conditional_value_at_risk


def min_cvar_futures_and_caps(spend, futures_pnl, futures_cost, cap_pnl, cap_cost, *, contract_month, max_lots,
                              level=0.95, margin_per_lot=None, margin_budget=None, time_limit=10.0,
                              max_paths=DEFAULT_MAX_PATHS, seed=0, mip_gap=1e-6, lot_size=None, price=None,
                              expected_volume=None) -> tuple[HedgeProgram, np.ndarray]:
    """Whole futures and cap lots per line minimising the CVaR of total hedged spend.

    Returns the futures program (policy ``"min_cvar_caps"``; its hedge ratios count caps too) and
    the cap lots per line. Arrays as in :func:`hedging.hedge.optimise.min_cvar_program`, with
    ``cap_pnl`` (n_paths, k) the payoff of one cap lot (USD) and ``cap_cost`` (k,) its premium at
    settlement plus dealing cost (USD).

    Worked number: with caps forbidden (``cap_pnl`` all zero and a cost above zero) the result is
    the futures-only minimum-CVaR program.
    """
    spend = as_matrix("spend", spend)
    f = as_matrix("futures_pnl", futures_pnl, n_rows=spend.shape[0])
    g = as_matrix("cap_pnl", cap_pnl, n_rows=spend.shape[0])
    n, n_months = spend.shape
    k = f.shape[1]
    if g.shape[1] != k:
        raise InputError("there must be one cap per futures line.", column="cap_pnl", value=g.shape,
                         fix="Build the caps on the same lines as the futures.")
    month = as_months(contract_month, k, n_months)
    fc = as_vector("futures_cost", futures_cost, k, nonnegative=True)
    gc = as_vector("cap_cost", cap_cost, k, nonnegative=True)
    upper = as_lot_limits(max_lots, k).astype(float)
    margin, budget = as_margin(margin_per_lot, margin_budget, k)
    if not 0.0 < float(level) < 1.0:
        raise InputError("the CVaR level must be strictly between 0 and 1.", column="level", value=level,
                         fix="Use e.g. 0.95.")
    rows = np.arange(n)
    if n > max_paths:
        rows = np.sort(np.random.default_rng(seed).choice(n, int(max_paths), replace=False))
    m = rows.size
    total = spend[rows].sum(axis=1)
    centre = float(total.mean())
    scale = float(total.std()) or 1.0
    pnl = np.hstack([f[rows], g[rows]])
    cost = np.concatenate([fc, gc])
    a = sp.hstack([sp.csr_matrix((cost[None, :] - pnl) / scale), sp.csr_matrix(-np.ones((m, 1))),
                   -sp.identity(m, format="csr")], format="csr")
    constraints = [LinearConstraint(a, -np.inf, -(total - centre) / scale)]
    group = sp.hstack([sp.identity(k), sp.identity(k), sp.csr_matrix((k, 1 + m))], format="csr")
    constraints.append(LinearConstraint(group, -np.inf, upper))
    if budget is not None:
        constraints.append(LinearConstraint(np.concatenate([margin, np.zeros(k + 1 + m)])[None, :], -np.inf, budget))
    c = np.concatenate([np.zeros(2 * k), [1.0], np.full(m, 1.0 / ((1.0 - level) * m))])
    lb = np.concatenate([np.zeros(2 * k), [-np.inf], np.zeros(m)])
    ub = np.concatenate([upper, upper, [np.inf], np.full(m, np.inf)])
    integrality = np.concatenate([np.ones(2 * k), np.zeros(1 + m)])
    res = milp(c, constraints=constraints, bounds=Bounds(lb, ub), integrality=integrality,
               options={"time_limit": float(time_limit), "mip_rel_gap": float(mip_gap), "disp": False})
    warnings = []
    if res.status == 1 and res.x is not None:
        status = "time_limit"
        warnings.append(HedgingWarning("time_limit", (
            f"the optimiser over futures and caps stopped at its {time_limit:g} s limit with the best whole-lot "
            "program found; it may not be the least-CVaR one.")))
    elif res.x is None or not res.success:
        raise ModelError(f"the optimiser over futures and caps found no program ({res.message}). Raise the margin "
                         "budget or the position limit, or use the futures-only minimum-CVaR policy.")
    else:
        status = "optimal"
    x = np.clip(np.rint(res.x[:2 * k]), 0, np.concatenate([upper, upper]))
    lots, caps = x[:k].astype(np.int64), x[k:].astype(np.int64)
    if budget is not None:
        while float(margin @ lots) > budget * (1 + 1e-12) and lots.any():
            lots[int(np.argmax(np.where(lots > 0, margin, -np.inf)))] -= 1
    fun = centre + scale * float(res.fun)
    everything = hedged_spend(spend, np.hstack([f, g]), cost, np.concatenate([lots, caps]))
    on_all = conditional_value_at_risk(everything, level)
    covered = lots + caps
    fields = _schedule_fields(covered, month, n_months, fc, margin, lot_size, price, expected_volume)
    fields["trades"] = _schedule_fields(lots, month, n_months, fc, margin, lot_size, price, expected_volume)["trades"]
    program = HedgeProgram(
        policy="min_cvar_caps", lots=tuple(int(v) for v in lots), **fields,
        objective=f"CVaR {level:.1%} of total hedged spend over the horizon (futures and caps), USD",
        objective_value=float(fun), objective_all_paths=float(on_all), n_paths_used=int(m), status=status,
        message=f"{status}: {int(lots.sum()):,} futures lots and {int(caps.sum()):,} cap lots", warnings=tuple(warnings))
    return program, caps


def least_premium_caps(spend, cap_pnl, cap_cost, *, contract_month, max_lots, ceiling: float, level=0.95,
                       time_limit=10.0, max_paths=DEFAULT_MAX_PATHS, seed=0, mip_gap=1e-6, lot_size=None,
                       price=None, expected_volume=None) -> tuple[HedgeProgram, np.ndarray]:
    """Whole cap lots per line of least total cost holding the ``level`` CVaR of total spend at or under
    ``ceiling`` (USD): "cap the budget at the 95th percentile for the least premium".

    CVaR is at least the percentile (VaR) at the same level, so a program whose 95% CVaR is under the
    ceiling has its 95th percentile under it too; the constraint is the Rockafellar-Uryasev one,
    ``zeta + sum_i u_i / ((1 - level) n) <= ceiling`` with ``u_i >= H_i - zeta``, ``u_i >= 0``, and the
    objective ``sum_k p_k y_k`` (premium at settlement plus dealing cost). When no caps within the
    limits reach the ceiling, the caps that lower the CVaR most are returned with a warning saying so.

    Returns the (futures-free) program, policy ``"cap_tail"``, and the cap lots per line.
    """
    spend = as_matrix("spend", spend)
    g = as_matrix("cap_pnl", cap_pnl, n_rows=spend.shape[0])
    n, n_months = spend.shape
    k = g.shape[1]
    month = as_months(contract_month, k, n_months)
    gc = as_vector("cap_cost", cap_cost, k, nonnegative=True)
    upper = as_lot_limits(max_lots, k).astype(float)
    if not np.isfinite(ceiling):
        raise InputError("the spend ceiling must be a number of USD.", column="ceiling", value=ceiling,
                         fix="Give the most the horizon's spend may reach at the 95th percentile.")
    rows = np.arange(n)
    if n > max_paths:
        rows = np.sort(np.random.default_rng(seed).choice(n, int(max_paths), replace=False))
    m = rows.size
    total = spend[rows].sum(axis=1)
    centre, scale = float(total.mean()), float(total.std()) or 1.0
    a = sp.hstack([sp.csr_matrix((gc[None, :] - g[rows]) / scale), sp.csr_matrix(-np.ones((m, 1))),
                   -sp.identity(m, format="csr")], format="csr")
    tail = np.concatenate([np.zeros(k), [1.0], np.full(m, 1.0 / ((1.0 - level) * m))])
    constraints = [LinearConstraint(a, -np.inf, -(total - centre) / scale),
                   LinearConstraint(tail[None, :], -np.inf, (ceiling - centre) / scale)]
    bounds = Bounds(np.concatenate([np.zeros(k), [-np.inf], np.zeros(m)]),
                    np.concatenate([upper, [np.inf], np.full(m, np.inf)]))
    integrality = np.concatenate([np.ones(k), np.zeros(1 + m)])
    options = {"time_limit": float(time_limit), "mip_rel_gap": float(mip_gap), "disp": False}
    res = milp(np.concatenate([gc / scale, np.zeros(1 + m)]), constraints=constraints, bounds=bounds,
               integrality=integrality, options=options)
    warnings, status = [], "optimal"
    if res.status == 2 or res.x is None:      # the ceiling is out of reach: the most protective caps instead
        res = milp(tail, constraints=constraints[:1], bounds=bounds, integrality=integrality, options=options)
        if res.x is None:
            raise ModelError(f"the caps optimiser found no program ({res.message}). Raise the position limit or "
                             "use the minimum-CVaR policy.")
        status = "ceiling_unreachable"
        reached = centre + scale * float(tail @ res.x)
        warnings.append(HedgingWarning("ceiling_unreachable", (
            f"No caps within the volume limits hold the 95% tail of spend at ${ceiling:,.0f}; the lowest reachable "
            f"is about ${reached:,.0f} with these caps. Raise the ceiling, lower the cap strike, or add futures "
            "(minimum-CVaR policy over futures and caps).")))
    elif res.status == 1:
        status = "time_limit"
        warnings.append(HedgingWarning("time_limit", f"the caps optimiser stopped at its {time_limit:g} s limit with "
                                                     "the cheapest caps found so far; cheaper ones may exist."))
    elif not res.success:
        raise ModelError(f"the caps optimiser failed: {res.message}. Use the minimum-CVaR policy instead.")
    caps = np.clip(np.rint(res.x[:k]), 0, upper).astype(np.int64)
    hedged = hedged_spend(spend, g, gc, caps)
    on_all = conditional_value_at_risk(hedged, level)
    none = np.zeros(k, dtype=np.int64)
    fields = _schedule_fields(caps, month, n_months, gc, None, lot_size, price, expected_volume)
    fields["trades"] = ()
    program = HedgeProgram(
        policy="cap_tail", lots=tuple(int(v) for v in none), **fields,
        objective="cap premium and dealing cost at settlement, USD, with the 95% CVaR of spend at or under "
                  f"${ceiling:,.0f}",
        objective_value=float(gc @ caps), objective_all_paths=float(on_all), n_paths_used=int(m), status=status,
        message=f"{status}: {int(caps.sum()):,} cap lots; 95% CVaR of spend on all paths ${on_all:,.0f}",
        warnings=tuple(warnings))
    return program, caps
