"""Minimum CVaR over futures and caps together."""

from __future__ import annotations

import numpy as np
import pytest

from hedging.hedge.cap_policy import min_cvar_futures_and_caps
from hedging.hedge.optimise import min_cvar_program
from hedging.hedge.program import hedged_spend
from hedging.risk import conditional_value_at_risk

N, M = 1500, 3


@pytest.fixture(scope="module")
def book():
    rng = np.random.default_rng(4)
    index = 2.0 * np.exp(0.35 * rng.standard_normal((N, M)) - 0.35 ** 2 / 2)
    volume = 1000 * np.exp(0.1 * rng.standard_normal((N, M)))
    spend = volume * index * np.exp(0.05 * rng.standard_normal((N, M)))
    lot = 100.0
    fut = (index - index.mean(axis=0)) * lot
    cap = np.maximum(index - 2.2, 0) * lot
    return spend, fut, cap, np.full(M, 1.0), cap.mean(axis=0) + 1.0


def test_caps_priced_out_give_the_futures_only_program(book):
    spend, fut, cap, cost, _ = book
    program, caps = min_cvar_futures_and_caps(spend, fut, cost, cap, np.full(M, 1e9), contract_month=np.arange(M),
                                              max_lots=12)
    futures_only = min_cvar_program(spend, fut, cost, contract_month=np.arange(M), max_lots=12)
    assert caps.sum() == 0
    assert program.lots == futures_only.lots
    assert program.objective_value == pytest.approx(futures_only.objective_value, rel=1e-6)


def test_futures_and_caps_share_the_line_limit_and_do_no_worse(book):
    spend, fut, cap, cost, cap_cost = book
    program, caps = min_cvar_futures_and_caps(spend, fut, cost, cap, cap_cost, contract_month=np.arange(M),
                                              max_lots=8, margin_per_lot=50.0, margin_budget=600.0)
    lots = np.asarray(program.lots)
    assert (lots + caps <= 8).all() and 50.0 * lots.sum() <= 600.0
    assert caps.sum() > 0          # the margin budget binds, and caps (no margin) carry the rest
    futures_only = min_cvar_program(spend, fut, cost, contract_month=np.arange(M), max_lots=8, margin_per_lot=50.0,
                                    margin_budget=600.0)
    assert program.objective_value <= futures_only.objective_value * (1 + 1e-6)
    # the reported objective is the CVaR of the hedged spend it describes
    hedged = hedged_spend(spend, np.hstack([fut, cap]), np.concatenate([cost, cap_cost]), np.concatenate([lots, caps]))
    assert program.objective_all_paths == pytest.approx(conditional_value_at_risk(hedged, 0.95))
    assert program.policy == "min_cvar_caps" and all(t.lots > 0 for t in program.trades)


def test_least_premium_caps_meet_the_ceiling_at_least_cost(book):
    from hedging.hedge.cap_policy import least_premium_caps
    spend, _, cap, _, cap_cost = book
    m = np.arange(M)
    unhedged = conditional_value_at_risk(spend.sum(axis=1), 0.95)
    full = conditional_value_at_risk(hedged_spend(spend, cap, cap_cost, np.full(M, 12)), 0.95)
    ceiling = 0.5 * (unhedged + full)          # reachable, but not without caps
    program, caps = least_premium_caps(spend, cap, cap_cost, contract_month=m, max_lots=12, ceiling=ceiling)
    hedged = hedged_spend(spend, cap, cap_cost, caps)
    assert conditional_value_at_risk(hedged, 0.95) <= ceiling * (1 + 1e-9)
    assert np.quantile(hedged, 0.95) <= ceiling                       # VaR <= CVaR <= ceiling
    assert program.status == "optimal" and caps.sum() > 0 and program.trades == ()
    # least cost: every program with one lot fewer on any line breaks the ceiling
    for j in np.flatnonzero(caps):
        fewer = caps.copy()
        fewer[j] -= 1
        assert conditional_value_at_risk(hedged_spend(spend, cap, cap_cost, fewer), 0.95) > ceiling * (1 - 1e-9)
    # an unreachable ceiling gives the most protective caps and says so
    program, caps = least_premium_caps(spend, cap, cap_cost, contract_month=m, max_lots=12, ceiling=0.5 * full)
    assert program.status == "ceiling_unreachable" and program.warnings[0].code == "ceiling_unreachable"
    assert caps.sum() > 0
