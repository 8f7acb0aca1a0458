"""Hedged spend, the minimum-variance program and the minimum-CVaR MILP.

Cross-checks: the whole-lot optimisers against brute force over every integer grid point on
small books, the CVaR programme's optimum against the CVaR of the sorted hedged sample (computed
here independently of the product code), and zero hedges against the unhedged spend bit for bit.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

import hedging.hedge.optimise as optimise
from hedging.errors import InputError, ModelError
from hedging.hedge.optimise import min_cvar_program, min_variance_program
from hedging.hedge.program import HedgeProgram, hedged_spend, hedged_spend_by_month
from hedging.risk import conditional_value_at_risk


def sorted_cvar(x: np.ndarray, level: float) -> float:
    """CVaR of a sample from its sorted values (fractional tail; Acerbi & Tasche 2002, JBF 26(7)).

    With k = (1 - level) n and j = floor(k): (x_(1) + ... + x_(j) + (k - j) x_(j+1)) / k, the
    x_(i) sorted from the largest. Written here from the definition, independently of hedging/.
    """
    s = np.sort(np.asarray(x, dtype=float))[::-1]
    k = (1.0 - level) * s.size
    j = int(math.floor(k + 1e-9))
    frac = max(k - j, 0.0)
    return float((s[:j].sum() + (frac * s[j] if frac > 0 else 0.0)) / k)


def book(seed: int, n: int = 400, corr: float = 0.6):
    """Small book: month 0 has contracts 0 and 1 (correlated P&L), month 1 has contract 2."""
    rng = np.random.default_rng(seed)
    p = rng.standard_normal((n, 3)) * [10.0, 8.0, 5.0]
    p[:, 1] += corr * p[:, 0]
    spend = np.column_stack([
        1_000 + 3.3 * p[:, 0] + 2.4 * p[:, 1] + 40 * rng.standard_normal(n),
        500 + 4.6 * p[:, 2] + 20 * rng.standard_normal(n)])
    return spend, p, np.array([0, 0, 1]), np.array([0.05, 0.04, 0.03])


def monthly_variance(spend, pnl, month, lots) -> float:
    """Sum over months of the sample variance (ddof=1) of hedged monthly spend, by brute force."""
    h = spend.copy()
    for k, q in enumerate(lots):
        h[:, month[k]] -= pnl[:, k] * q
    return float(np.var(h, axis=0, ddof=1).sum())


# ---------------------------------------------------------------------------------------------
# hedged spend


def test_hedged_spend_worked_number():
    """Module docstring: 100 + 120 - 15 + 0.5 = 205.5 (long hedge gains offset spend)."""
    out = hedged_spend([[100.0, 120.0]], [[15.0]], [0.5], [1])
    assert out.tolist() == [205.5]
    by_month = hedged_spend_by_month([[100.0, 120.0]], [[15.0]], [0.5], [1], [1])
    assert by_month.tolist() == [[100.0, 105.5]]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30), st.integers(1, 5), st.integers(1, 6), st.integers(0, 2 ** 32 - 1))
def test_zero_hedge_is_unhedged_exactly(n, n_months, n_contracts, seed):
    """Property: zero lots give the unhedged spend bit for bit, whatever the P&L and costs."""
    rng = np.random.default_rng(seed)
    spend = rng.lognormal(10, 2, (n, n_months))
    pnl = rng.standard_normal((n, n_contracts)) * 1e4
    cost = rng.uniform(0, 50, n_contracts)
    month = rng.integers(0, n_months, n_contracts)
    zero = np.zeros(n_contracts, dtype=int)
    assert np.array_equal(hedged_spend(spend, pnl, cost, zero), spend.sum(axis=1))
    assert np.array_equal(hedged_spend_by_month(spend, pnl, cost, zero, month), spend)


@settings(max_examples=40, deadline=None)
@given(arrays(float, (7, 3), elements=st.floats(-1e6, 1e6)),
       arrays(float, (7, 4), elements=st.floats(-1e4, 1e4)),
       st.lists(st.integers(0, 50), min_size=4, max_size=4))
def test_monthly_hedged_spend_adds_up_to_total(spend, pnl, lots):
    cost, month = np.array([1.0, 2.0, 0.0, 3.0]), np.array([0, 2, 2, 1])
    total = hedged_spend(spend, pnl, cost, lots)
    by_month = hedged_spend_by_month(spend, pnl, cost, lots, month)
    direct = spend.sum(axis=1) - pnl @ np.array(lots) + cost @ np.array(lots)
    np.testing.assert_allclose(by_month.sum(axis=1), total, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(total, direct, rtol=1e-9, atol=1e-3)


def test_hedged_spend_rejects_bad_shapes():
    with pytest.raises(InputError, match="pnl_per_lot"):
        hedged_spend(np.ones((3, 2)), np.ones((4, 1)), [0.0], [1])
    with pytest.raises(InputError, match="lots"):
        hedged_spend(np.ones((3, 2)), np.ones((3, 2)), [0.0, 0.0], [1])
    with pytest.raises(InputError, match="NaN"):
        hedged_spend(np.array([[np.nan]]), np.ones((1, 1)), [0.0], [1])


# ---------------------------------------------------------------------------------------------
# minimum variance


def test_min_variance_one_contract_is_the_ederington_ratio():
    """Ederington (1979): h = Cov(s, P) / Var(P) per month, here rounded and clipped to limits."""
    rng = np.random.default_rng(3)
    n = 2_000
    pnl = rng.standard_normal((n, 3)) * [10.0, 5.0, 2.0]
    spend = np.column_stack([40 * pnl[:, 0], -3 * pnl[:, 1], 7.3 * pnl[:, 2]])
    spend += rng.standard_normal((n, 3)) * 30
    prog = min_variance_program(spend, pnl, [0, 1, 2], [0.0, 0.0, 0.0], max_lots=[100, 100, 5])
    ratio = [np.cov(spend[:, k], pnl[:, k])[0, 1] / np.var(pnl[:, k], ddof=1) for k in range(3)]
    expected = [min(max(round(r), 0), u) for r, u in zip(ratio, [100, 100, 5])]
    assert prog.lots == tuple(expected)
    assert 39 <= prog.lots[0] <= 41 and prog.lots[1] == 0 and prog.lots[2] == 5
    assert prog.objective_value == pytest.approx(monthly_variance(spend, pnl, [0, 1, 2],
                                                                  prog.lots), rel=1e-10)
    assert prog.optimality_gap == 0.0 and prog.status == "optimal"


@pytest.mark.parametrize("seed,corr", [(0, 0.6), (1, 0.95), (2, -0.8), (3, 0.0), (6, 5.0),
                                       (7, -5.0)])
def test_min_variance_matches_brute_force(seed, corr):
    """Exact whole-lot optimum: equal to the best point of the full grid 0..8 lots."""
    spend, pnl, month, cost = book(seed, corr=corr)
    upper = [8, 8, 8]
    prog = min_variance_program(spend, pnl, month, cost, max_lots=upper)
    grid = itertools.product(*(range(u + 1) for u in upper))
    best = min(monthly_variance(spend, pnl, month, g) for g in grid)
    assert monthly_variance(spend, pnl, month, prog.lots) == pytest.approx(best, rel=1e-12)
    assert prog.objective_value == pytest.approx(best, rel=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_min_variance_nearly_collinear_pair_on_a_wide_grid(seed):
    """Two P&Ls with correlation ~0.999 and 0..150 lots each: the search still finds the best of
    all 22,801 grid points (variances computed directly from the hedged samples)."""
    rng = np.random.default_rng(seed)
    n = 150
    z = rng.standard_normal((n, 2))
    pnl = np.column_stack([z[:, 0], z[:, 0] + 0.04 * z[:, 1]]) * 10.0
    spend = 37.3 * pnl[:, 0] + 61.7 * pnl[:, 1] + 5.0 * rng.standard_normal(n)
    spend += rng.uniform(-300, 300) * z[:, 1]  # pushes the unconstrained optimum around
    prog = min_variance_program(spend[:, None], pnl, [0, 0], [0.0, 0.0], max_lots=[150, 150])
    g = np.array(list(itertools.product(range(151), range(151))), dtype=float)
    variances = np.concatenate([np.var(spend[:, None] - pnl @ chunk.T, axis=0, ddof=1)
                                for chunk in np.array_split(g, 20)])
    ours = float(np.var(spend - pnl @ np.array(prog.lots), ddof=1))
    assert ours == pytest.approx(variances.min(), rel=1e-10)
    assert prog.warnings == ()


@pytest.mark.parametrize("seed,budget", [(0, 9.0), (1, 6.0), (4, 5.5), (5, 0.0)])
def test_min_variance_margin_budget_against_brute_force(seed, budget):
    """Margin-bound lots fit the budget and are within the reported gap of the grid optimum."""
    spend, pnl, month, cost = book(seed)
    upper, margin = [8, 8, 8], np.array([1.5, 1.0, 0.5])
    prog = min_variance_program(spend, pnl, month, cost, max_lots=upper, margin_per_lot=margin,
                                margin_budget=budget)
    feasible = [g for g in itertools.product(*(range(u + 1) for u in upper))
                if margin @ np.array(g) <= budget + 1e-12]
    best = min(monthly_variance(spend, pnl, month, g) for g in feasible)
    ours = monthly_variance(spend, pnl, month, prog.lots)
    assert margin @ np.array(prog.lots) <= budget + 1e-12
    assert prog.status == "margin_bound"
    assert [w.code for w in prog.warnings] == ["margin_bound"]
    assert "Raise the margin budget" in prog.message
    assert ours >= best * (1 - 1e-12)
    assert ours - best <= prog.optimality_gap * (1 + 1e-9) + 1e-9 * best
    assert ours <= best * 1.05  # the heuristic is close on these books, not just bounded


def test_min_variance_budget_that_does_not_bind_changes_nothing():
    spend, pnl, month, cost = book(0)
    free = min_variance_program(spend, pnl, month, cost, max_lots=[8, 8, 8])
    loose = min_variance_program(spend, pnl, month, cost, max_lots=[8, 8, 8],
                                 margin_per_lot=[1.0, 1.0, 1.0], margin_budget=1e6)
    assert loose.lots == free.lots and loose.status == "optimal" and loose.warnings == ()
    assert loose.objective_value == free.objective_value


def test_min_variance_zero_limits_and_program_fields():
    spend, pnl, month, cost = book(1)
    prog = min_variance_program(spend, pnl, month, cost, max_lots=0)
    assert prog.lots == (0, 0, 0) and prog.trades == ()
    assert np.array_equal(hedged_spend(spend, pnl, cost, prog.lots), spend.sum(axis=1))
    assert prog.objective_value == pytest.approx(np.var(spend, axis=0, ddof=1).sum(), rel=1e-12)
    hash(prog)  # frozen and hashable (cacheable)


def test_min_variance_trades_and_hedge_ratio():
    spend, pnl, month, cost = book(2)
    prog = min_variance_program(spend, pnl, month, cost, max_lots=[8, 8, 8],
                                margin_per_lot=[3.0, 2.0, 1.0], lot_size=[10.0, 10.0, 100.0],
                                price=[2.0, 4.0, 1.0], expected_volume=[50.0, 50.0, 800.0])
    lots = np.array(prog.lots)
    assert sum(t.lots for t in prog.trades) == lots.sum()
    for t in prog.trades:
        k = t.contract_index
        assert (t.side, t.trade_date_index, t.delivery_month_index) == ("buy", 0, month[k])
        assert t.notional == pytest.approx(t.lots * [2.0, 4.0, 1.0][k] * [10, 10, 100][k])
        assert t.initial_margin == pytest.approx(t.lots * [3.0, 2.0, 1.0][k])
        assert t.cost == pytest.approx(t.lots * cost[k])
    # month 0 mixes two contracts: hedged volume / expected volume, both valued at the prices
    r0 = (lots[0] * 10 * 2.0 + lots[1] * 10 * 4.0) / (50 * 2.0 + 50 * 4.0)
    assert prog.hedge_ratio_by_month == pytest.approx((r0, lots[2] * 100 / 800.0))


def test_min_variance_input_errors():
    spend, pnl, month, cost = book(0)
    with pytest.raises(InputError, match="contract_month"):
        min_variance_program(spend, pnl, [0, 0, 2], cost, max_lots=5)
    with pytest.raises(InputError, match="max_lots"):
        min_variance_program(spend, pnl, month, cost, max_lots=[-1, 2, 3])
    with pytest.raises(InputError, match="margin_per_lot"):
        min_variance_program(spend, pnl, month, cost, max_lots=5, margin_budget=10.0)
    with pytest.raises(InputError, match="margin budget"):
        min_variance_program(spend, pnl, month, cost, max_lots=5, margin_per_lot=1.0,
                             margin_budget=-1.0)


# ---------------------------------------------------------------------------------------------
# minimum CVaR


@pytest.mark.parametrize("level", [0.95, 0.9, 0.99])
def test_cvar_lp_optimum_equals_sorted_sample_cvar(level):
    """Rockafellar & Uryasev (2000), Thm 1: the LP optimum is the CVaR at the optimal lots."""
    spend, pnl, month, cost = book(7, n=1_000)
    prog = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=[8, 8, 8],
                            level=level)
    hedged = hedged_spend(spend, pnl, cost, prog.lots)
    assert prog.n_paths_used == 1_000 and prog.status == "optimal"
    assert prog.objective_value == pytest.approx(sorted_cvar(hedged, level), rel=1e-6)
    assert prog.objective_value == pytest.approx(conditional_value_at_risk(hedged, level),
                                                 rel=1e-6)
    assert prog.objective_all_paths == pytest.approx(sorted_cvar(hedged, level), rel=1e-12)
    assert sum(prog.lots) > 0


@pytest.mark.parametrize("seed,budget", [(0, None), (1, None), (2, 6.0), (3, 2.5)])
def test_min_cvar_matches_brute_force(seed, budget):
    """Two contracts, 0..6 lots each: the MILP finds the grid's smallest CVaR (costs included)."""
    rng = np.random.default_rng(seed)
    n = 300
    pnl = rng.standard_normal((n, 2)) * [6.0, 3.0] + rng.standard_t(3, (n, 2))
    spend = np.column_stack([200 + 2.0 * pnl[:, 0] + rng.standard_normal(n) * 3,
                             150 + 1.5 * pnl[:, 1] + 0.4 * pnl[:, 0] + rng.exponential(4, n)])
    cost, margin = np.array([0.3, 0.2]), np.array([1.0, 0.5])
    prog = min_cvar_program(spend, pnl, cost, contract_month=[0, 1], max_lots=[6, 6],
                            level=0.9, margin_per_lot=margin, margin_budget=budget, mip_gap=1e-9)
    grid = [g for g in itertools.product(range(7), range(7))
            if budget is None or margin @ np.array(g) <= budget]
    best = min(sorted_cvar(hedged_spend(spend, pnl, cost, g), 0.9) for g in grid)
    ours = sorted_cvar(hedged_spend(spend, pnl, cost, prog.lots), 0.9)
    assert ours == pytest.approx(best, rel=1e-9)
    if budget is not None:
        assert margin @ np.array(prog.lots) <= budget


def test_min_cvar_zero_hedge_equals_unhedged():
    spend, pnl, month, cost = book(4)
    prog = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=[0, 0, 0])
    assert prog.lots == (0, 0, 0) and prog.trades == ()
    hedged = hedged_spend(spend, pnl, cost, prog.lots)
    assert np.array_equal(hedged, spend.sum(axis=1))
    assert prog.objective_value == conditional_value_at_risk(spend.sum(axis=1), 0.95)


def test_min_cvar_subsample_then_all_paths():
    """More paths than max_paths: solved on a seeded subsample, evaluated on every path."""
    spend, pnl, month, cost = book(5, n=3_000)
    a = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=8, max_paths=500)
    b = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=8, max_paths=500)
    assert a == b and a.n_paths_used == 500
    on_all = sorted_cvar(hedged_spend(spend, pnl, cost, a.lots), 0.95)
    assert a.objective_all_paths == pytest.approx(on_all, rel=1e-12)
    assert "few_tail_paths" not in [w.code for w in a.warnings]  # 25 tail paths


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.8, 0.97))
def test_min_cvar_never_worse_than_no_hedge(seed, level):
    """Property: x = 0 is feasible, so the optimum CVaR is at most the unhedged CVaR."""
    spend, pnl, month, cost = book(seed, n=120)
    prog = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=5, level=level)
    unhedged = sorted_cvar(spend.sum(axis=1), level)
    assert prog.objective_value <= unhedged * (1 + 1e-9)
    assert prog.optimality_gap is not None and prog.optimality_gap >= 0


class _FakeResult:
    def __init__(self, status, x=None, message="fake solver message"):
        self.status, self.x, self.message = status, x, message
        self.success, self.fun, self.mip_gap, self.mip_dual_bound = status == 0, 0.0, 0.3, -1.0


@pytest.mark.parametrize("status,match", [(1, "time_limit"), (2, "infeasible"),
                                          (4, "failed")])
def test_min_cvar_solver_failures_raise_model_error(monkeypatch, status, match):
    spend, pnl, month, cost = book(0, n=50)
    monkeypatch.setattr(optimise, "milp", lambda *a, **k: _FakeResult(status))
    with pytest.raises(ModelError, match=match) as err:
        min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=3, time_limit=2.0)
    assert "fake solver message" in str(err.value)


def test_min_cvar_time_limit_returns_best_found_with_warning(monkeypatch):
    spend, pnl, month, cost = book(0, n=50)
    x = np.concatenate([[1.0, 2.0, 3.0], [0.0], np.zeros(50)])
    monkeypatch.setattr(optimise, "milp", lambda *a, **k: _FakeResult(1, x))
    prog = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=3, time_limit=2.0)
    assert prog.lots == (1, 2, 3) and prog.status == "time_limit"
    by_code = {w.code: w.message for w in prog.warnings}
    assert set(by_code) == {"time_limit", "few_tail_paths"}  # 50 paths: 2.5 in the 5% tail
    assert "Raise time_limit" in by_code["time_limit"] and "30.00%" in by_code["time_limit"]


def test_min_cvar_input_errors():
    spend, pnl, month, cost = book(0, n=50)
    with pytest.raises(InputError, match="level"):
        min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=3, level=1.0)
    with pytest.raises(InputError, match="max_paths"):
        min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=3, max_paths=1)
    with pytest.raises(InputError, match="cost_per_lot"):
        min_cvar_program(spend, pnl, -cost, contract_month=month, max_lots=3)


def test_program_is_a_frozen_result():
    spend, pnl, month, cost = book(0, n=60)
    prog = min_cvar_program(spend, pnl, cost, contract_month=month, max_lots=2)
    assert isinstance(prog, HedgeProgram)
    with pytest.raises(AttributeError):
        prog.lots = (0, 0, 0)
    assert prog.lots_array.dtype == np.int64
