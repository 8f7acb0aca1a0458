"""Minimum-variance hedge ratio and contract counts: Hull's jet-fuel example, the paper's
effectiveness identity, and scipy minimisation of the hedged variance."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy import optimize

from hedging.errors import InputError
from hedging.hedge.ratio import (
    hedge_effectiveness_from_ratio, hedge_ratio_from_correlation, max_hedge_effectiveness,
    min_variance_hedge_ratio, optimal_contracts, tailed_contracts,
)

# Hull, "Options, Futures, and Other Derivatives", Table 3.2: 15 monthly changes in the heating
# oil futures price (dF) and the jet fuel price per gallon (dS), the data behind Example 3.3.
# The test below reproduces the summary statistics Hull prints from them.
HULL_DF = [0.021, 0.035, -0.046, 0.001, 0.044, -0.029, -0.026, -0.029, 0.048, -0.006, -0.036,
           -0.011, 0.019, -0.027, 0.029]
HULL_DS = [0.029, 0.020, -0.044, 0.008, 0.026, -0.019, -0.010, -0.007, 0.043, 0.011, -0.036,
           -0.018, 0.009, -0.032, 0.023]
HULL_H = 0.7777


def test_hull_example_3_3_hedge_ratio():
    """Hull, Options, Futures, and Other Derivatives, Example 3.3 / Table 3.2:
    sigma_F = 0.0313, sigma_S = 0.0263, rho = 0.928, h* = 0.7777.

    From the table the ratio is 0.7777; from the three ROUNDED summary numbers the formula
    gives 0.928 x 0.0263 / 0.0313 = 0.7798 (0.78), the gap being the rounding of the inputs."""
    f, s = np.array(HULL_DF), np.array(HULL_DS)
    assert f.std(ddof=1) == pytest.approx(0.0313, abs=5e-5)
    assert s.std(ddof=1) == pytest.approx(0.0263, abs=5e-5)
    assert np.corrcoef(s, f)[0, 1] == pytest.approx(0.928, abs=5e-4)
    h = min_variance_hedge_ratio(s, f)
    assert h == pytest.approx(HULL_H, abs=5e-5)
    assert round(h, 3) == 0.778

    from_moments = hedge_ratio_from_correlation(0.928, 0.0263, 0.0313)
    assert from_moments == pytest.approx(0.928 * 0.0263 / 0.0313)
    assert round(from_moments, 2) == 0.78
    assert from_moments == pytest.approx(0.7798, abs=5e-5)  # the worked number in the docstrings
    exact_moments = hedge_ratio_from_correlation(np.corrcoef(s, f)[0, 1], s.std(ddof=1),
                                                 f.std(ddof=1))
    assert exact_moments == pytest.approx(h, rel=1e-12)


def test_hull_example_3_3_contracts_and_tailing():
    """Hull Example 3.3: 2,000,000 gallons, heating oil contract 42,000 gallons,
    N* = 0.7777 x 2,000,000 / 42,000 = 37.03 -> 37. Tailing (Hull §3.4) with spot 1.94 and
    futures 1.99: V_A = 3,880,000, V_F = 83,580, N* = 0.7777 x 3,880,000 / 83,580 = 36.10 -> 36."""
    assert HULL_H * 2_000_000 / 42_000 == pytest.approx(37.03, abs=5e-3)
    assert optimal_contracts(HULL_H, 2_000_000, 42_000) == 37
    assert HULL_H * 2_000_000 * 1.94 / (42_000 * 1.99) == pytest.approx(36.10, abs=5e-3)
    assert optimal_contracts(HULL_H, 2_000_000 * 1.94, 42_000 * 1.99) == 36
    assert tailed_contracts(HULL_H, 2_000_000, 1.94, 42_000, 1.99) == 36


def test_paper_effectiveness_identity():
    """arXiv 2603.21690 §6.2, eq. 10: "When rho_SF = 0.85, hedge efficiency is 72.25%"."""
    assert max_hedge_effectiveness(0.85) == pytest.approx(0.7225)
    assert max_hedge_effectiveness(-0.5) == pytest.approx(0.25)


def test_ratio_matches_scipy_minimisation_and_population_value():
    """h* minimises Var(dS - h dF): scipy's minimize_scalar on the same simulated sample finds the
    same h; the estimate is within 4 standard errors sigma_e / (sigma_F sqrt n) of the true 0.9;
    the effectiveness at h* equals the squared sample correlation (eq. 10)."""
    rng = np.random.default_rng(11)
    n, beta, sig_f, sig_e = 5000, 0.9, 0.25, 0.10
    f = rng.normal(0.0, sig_f, n)
    s = beta * f + rng.normal(0.0, sig_e, n)
    h = min_variance_hedge_ratio(s, f)
    res = optimize.minimize_scalar(lambda k: np.var(s - k * f), bracket=(0.0, 2.0),
                                   method="brent", options={"xtol": 1e-12})
    assert res.success, res.message
    assert h == pytest.approx(res.x, abs=1e-7)
    assert h == pytest.approx(np.polyfit(f, s, 1)[0], rel=1e-10)
    assert abs(h - beta) < 4 * sig_e / (sig_f * math.sqrt(n))
    rho = np.corrcoef(s, f)[0, 1]
    assert hedge_effectiveness_from_ratio(h, s, f) == pytest.approx(rho**2, rel=1e-10)
    assert hedge_effectiveness_from_ratio(0.0, s, f) == 0.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100)), min_size=3, max_size=40),
       st.floats(-5, 5), st.floats(0.1, 10), st.floats(0.1, 10))
def test_ratio_properties(pairs, h_other, a, b):
    s = np.array([p[0] for p in pairs])
    f = np.array([p[1] for p in pairs])
    assume(np.var(f) > 1e-3 and np.var(s) > 1e-3)
    h = min_variance_hedge_ratio(s, f)
    e_star = hedge_effectiveness_from_ratio(h, s, f)
    # h* is the best ratio: no other ratio removes more variance; E(h*) = rho^2 in [0, 1]
    assert hedge_effectiveness_from_ratio(h_other, s, f) <= e_star + 1e-9
    assert e_star == pytest.approx(np.corrcoef(s, f)[0, 1] ** 2, abs=1e-9)
    assert -1e-12 <= e_star <= 1 + 1e-12
    # scaling: h*(a dS, b dF) = (a / b) h*; flipping dF flips the ratio
    assert min_variance_hedge_ratio(a * s, b * f) == pytest.approx(a / b * h, rel=1e-9, abs=1e-9)
    assert min_variance_hedge_ratio(s, -f) == pytest.approx(-h, rel=1e-9, abs=1e-12)


def test_contract_rounding():
    assert optimal_contracts(1.0, 37.5, 1.0) == 38  # halves away from zero, not to even
    assert optimal_contracts(1.0, 36.5, 1.0) == 37
    assert optimal_contracts(1.0, -37.5, 1.0) == -38
    assert optimal_contracts(0.5, 149, 1.0) == 75
    assert optimal_contracts(0.85, 0.0, 1.0) == 0
    assert isinstance(optimal_contracts(0.85, 10.0, 1.0), int)


@pytest.mark.parametrize("call, match", [
    (lambda: min_variance_hedge_ratio([1, 2, 3], [1, 2]), "different lengths"),
    (lambda: min_variance_hedge_ratio([1, 2], [1, 2]), "at least 3"),
    (lambda: min_variance_hedge_ratio([1, 2, 3], [1, 1, 1]), "do not vary"),
    (lambda: min_variance_hedge_ratio([1, np.nan, 3], [1, 2, 3]), "missing"),
    (lambda: min_variance_hedge_ratio([[1, 2, 3]], [1, 2, 3]), "1-D"),
    (lambda: hedge_effectiveness_from_ratio(1.0, [1, 1, 1], [1, 2, 3]), "no variance"),
    (lambda: hedge_ratio_from_correlation(1.2, 0.1, 0.1), "between -1 and 1"),
    (lambda: hedge_ratio_from_correlation(0.9, 0.1, 0.0), "positive"),
    (lambda: max_hedge_effectiveness(float("nan")), "finite"),
    (lambda: optimal_contracts(0.9, 1000, 0), "positive"),
    (lambda: optimal_contracts(0.9, "many", 10), "number"),
    (lambda: tailed_contracts(0.9, 1000, 1.0, 10, -2.0), "positive"),
])
def test_input_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=5, max_size=60, unique=True), st.integers(1, 40), st.floats(-1e4, 1e4))
def test_perfect_hedge_of_a_perfectly_correlated_exposure_removes_the_price_variance(f, lots, a):
    """Exposure changes that are an exact multiple of the futures changes (whole lots, so the
    optimiser can hit the ratio exactly): h* equals that multiple and the hedged variance is 0."""
    from hedging.hedge.optimise import min_variance_program

    f = np.array(f)
    assume(np.var(f) > 1e-3)
    s = lots * f
    h = min_variance_hedge_ratio(s, f)
    assert h == pytest.approx(lots, rel=1e-9)
    assert hedge_effectiveness_from_ratio(h, s, f) == pytest.approx(1.0, abs=1e-9)
    # the same through the programme optimiser: spend rises one-for-one with the futures P&L per lot
    spend = (a + s)[:, None]
    program = min_variance_program(spend, f[:, None], np.array([0]), np.array([0.0]), max_lots=np.array([10_000]))
    hedged = spend[:, 0] - f * program.lots[0]
    assert program.lots[0] == lots
    assert np.var(hedged) <= 1e-9 * max(1.0, np.var(spend))
