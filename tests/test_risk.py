"""Risk metrics: VaR/CVaR against closed forms, hand-computed samples, the Rockafellar-Uryasev
minimisation done by scipy, and invariants (CVaR >= VaR, monotone in level, translation and scale).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy import optimize, stats

from hedging.errors import InputError
from hedging.risk import (
    RiskSummary, budget_at_risk, coefficient_of_variation, conditional_value_at_risk,
    prob_exceed, risk_summary, value_at_risk, volatility_reduction, worst,
)

ONE_TO_TEN = np.arange(1.0, 11.0)


# ---------------------------------------------------------------- hand-computed samples


def test_hand_computed_var_cvar():
    """Outcomes 1..10 (k = ceil(a n), fractional atom (k - a n) / n), worked by hand:

    * a = 0.75: a n = 7.5, k = 8, VaR = 8; tail 2.5 outcomes = 10 + 9 + 0.5 x 8 -> CVaR 9.2.
    * a = 0.80: a n = 8 (whole), k = 8, VaR = 8; tail = 9 and 10 -> CVaR 9.5.
    * a = 0.95: a n = 9.5, k = 10, VaR = 10; the half outcome of tail is 10 -> CVaR 10.
    * 10, 20, 30, 40 at a = 0.5: VaR = 20, CVaR = (30 + 40) / 2 = 35.
    """
    assert value_at_risk(ONE_TO_TEN, 0.75) == 8.0
    assert conditional_value_at_risk(ONE_TO_TEN, 0.75) == pytest.approx((10 + 9 + 0.5 * 8) / 2.5)
    assert conditional_value_at_risk(ONE_TO_TEN, 0.75) == pytest.approx(9.2)
    assert value_at_risk(ONE_TO_TEN, 0.80) == 8.0
    assert conditional_value_at_risk(ONE_TO_TEN, 0.80) == pytest.approx(9.5)
    assert value_at_risk(ONE_TO_TEN, 0.95) == 10.0
    assert conditional_value_at_risk(ONE_TO_TEN, 0.95) == pytest.approx(10.0)
    # 0.55 x 100 is 55.00000000000001 in floating point; the tail still starts after X_(55)
    hundred = np.arange(1.0, 101.0)
    assert 0.55 * 100 != 55
    assert value_at_risk(hundred, 0.55) == 55.0
    assert conditional_value_at_risk(hundred, 0.55) == pytest.approx(np.mean(hundred[55:]))
    assert value_at_risk([40, 10, 30, 20], 0.5) == 20.0
    assert conditional_value_at_risk([40, 10, 30, 20], 0.5) == pytest.approx(35.0)


def test_hand_computed_other_metrics():
    """mean 5.5, sample sd sqrt(sum (i - 5.5)^2 / 9) = sqrt(82.5 / 9) = 3.0277."""
    assert budget_at_risk(ONE_TO_TEN, 0.75) == pytest.approx(8 - 5.5)
    assert prob_exceed(ONE_TO_TEN, 8) == pytest.approx(0.2)  # 9 and 10; ties do not exceed
    assert prob_exceed(ONE_TO_TEN, 0.5) == 1.0
    assert prob_exceed(ONE_TO_TEN, 10) == 0.0
    assert coefficient_of_variation(ONE_TO_TEN) == pytest.approx(math.sqrt(82.5 / 9) / 5.5)
    assert worst(ONE_TO_TEN) == 10.0


def test_var_is_numpy_inverted_cdf_quantile():
    """The documented definition: numpy's lower empirical quantile, method="inverted_cdf"."""
    rng = np.random.default_rng(7)
    for n in (1, 2, 19, 20, 100, 137, 1000):
        x = rng.lognormal(size=n)
        for a in (0.5, 0.9, 0.95, 0.99):
            assert value_at_risk(x, a) == np.quantile(x, a, method="inverted_cdf")


# ---------------------------------------------------------------- normal closed forms by MC


def test_reference_normal_numbers():
    """Standard normal closed forms VaR_a = z_a, CVaR_a = phi(z_a) / (1 - a) (McNeil, Frey &
    Embrechts, Quantitative Risk Management): VaR_95 = 1.6449, CVaR_95 = 2.0627."""
    z = stats.norm.ppf(0.95)
    assert z == pytest.approx(1.6449, abs=5e-5)
    assert stats.norm.pdf(z) / 0.05 == pytest.approx(2.0627, abs=5e-5)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_normal_var_cvar_by_monte_carlo(level):
    """N(mu, s^2): VaR = mu + z s, CVaR = mu + phi(z) / (1 - a) s. Tolerances are 4 asymptotic
    standard errors: SE(VaR) = s sqrt(a (1 - a)) / (phi(z) sqrt n) and
    SE(CVaR) = sd((X - VaR)+) / ((1 - a) sqrt n)."""
    mu, s, n = 10.0, 3.0, 1_000_000
    x = np.random.default_rng(20240601).normal(mu, s, size=n)
    z = stats.norm.ppf(level)
    var_exact = mu + z * s
    cvar_exact = mu + stats.norm.pdf(z) / (1 - level) * s
    se_var = s * math.sqrt(level * (1 - level)) / (stats.norm.pdf(z) * math.sqrt(n))
    v = value_at_risk(x, level)
    se_cvar = float(np.std(np.maximum(x - v, 0.0))) / ((1 - level) * math.sqrt(n))
    assert abs(v - var_exact) < 4 * se_var
    assert abs(conditional_value_at_risk(x, level) - cvar_exact) < 4 * se_cvar
    assert budget_at_risk(x, level) == pytest.approx(v - x.mean())


# ---------------------------------------------------------------- Rockafellar-Uryasev by scipy


def _ru(zeta, x, a):
    return zeta + np.mean(np.maximum(x - zeta, 0.0)) / (1 - a)


@pytest.mark.parametrize("n, level", [(137, 0.95), (200, 0.95), (53, 0.9), (1000, 0.99),
                                      (7, 0.75)])
def test_cvar_equals_rockafellar_uryasev_minimum(n, level):
    """CVaR = min_z z + E[(X - z)+] / (1 - a) (Rockafellar & Uryasev 2000, Theorem 1), solved
    three ways on the same sample: scipy's bounded Brent search, the equivalent linear program
    (scipy linprog), and brute force over the kinks (sample points). n = 137 and 53 make
    (1 - a) n fractional; VaR is where the function attains its minimum."""
    x = np.random.default_rng(n).gamma(2.0, 50.0, size=n)
    cvar, var = conditional_value_at_risk(x, level), value_at_risk(x, level)

    brute = min(_ru(z, x, level) for z in x)
    assert cvar == pytest.approx(brute, rel=1e-12)
    assert _ru(var, x, level) == pytest.approx(cvar, rel=1e-12)

    res = optimize.minimize_scalar(_ru, bounds=(x.min(), x.max()), args=(x, level),
                                   method="bounded", options={"xatol": 1e-10})
    assert res.success, res.message
    assert res.fun == pytest.approx(cvar, rel=1e-8)

    # LP: min z + sum(u) / ((1 - a) n)  s.t.  u_i >= x_i - z, u_i >= 0
    c = np.concatenate([[1.0], np.full(n, 1.0 / ((1 - level) * n))])
    a_ub = np.hstack([-np.ones((n, 1)), -np.eye(n)])
    lp = optimize.linprog(c, A_ub=a_ub, b_ub=-x, bounds=[(None, None)] + [(0, None)] * n,
                          method="highs")
    assert lp.success, lp.message
    assert lp.fun == pytest.approx(cvar, rel=1e-9)


# ---------------------------------------------------------------- properties

samples = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=200)
levels = st.floats(0.5, 0.999)


def _tol(x):
    return 1e-9 * (1.0 + float(np.max(np.abs(x))))


@settings(max_examples=150, deadline=None)
@given(samples, levels)
def test_cvar_at_least_var_and_mean(xs, level):
    x = np.array(xs)
    v, c = value_at_risk(x, level), conditional_value_at_risk(x, level)
    assert c >= v - _tol(x)
    assert c >= x.mean() - _tol(x)
    assert v <= x.max() and c <= x.max() + _tol(x)


@settings(max_examples=100, deadline=None)
@given(samples, levels)
def test_var_at_least_mean_for_symmetric_samples(xs, level):
    """VaR >= mean holds for symmetric distributions at a > 0.5 (not in general: see below)."""
    assume(level > 0.5 + 1e-6)
    x = np.array(xs + [-v for v in xs])  # symmetric about 0
    assert value_at_risk(x, level) >= x.mean() - _tol(x)


def test_var_can_be_below_the_mean_for_skewed_spend():
    """A right-skewed sample: 0, 0, 0, 0, 100 at 60% has VaR = X_(3) = 0 < mean 20, while
    CVaR = (0.0 x 0 + 0 + 100) / 2 = 50 is still above the mean."""
    x = [0, 0, 0, 0, 100]
    assert value_at_risk(x, 0.6) == 0.0 < np.mean(x)
    assert conditional_value_at_risk(x, 0.6) == pytest.approx(50.0)


@settings(max_examples=150, deadline=None)
@given(samples, levels, levels)
def test_monotone_in_level(xs, a1, a2):
    x = np.array(xs)
    lo, hi = sorted((a1, a2))
    assert value_at_risk(x, lo) <= value_at_risk(x, hi)
    assert conditional_value_at_risk(x, lo) <= conditional_value_at_risk(x, hi) + _tol(x)


@settings(max_examples=150, deadline=None)
@given(samples, levels, st.floats(-1e5, 1e5), st.floats(0.01, 100.0))
def test_translation_and_positive_homogeneity(xs, level, shift, scale):
    x = np.array(xs)
    tol = 1e-7 * (1.0 + abs(shift) + scale * float(np.max(np.abs(x))))
    for f in (value_at_risk, conditional_value_at_risk):
        assert f(x + shift, level) == pytest.approx(f(x, level) + shift, abs=tol)
        assert f(scale * x, level) == pytest.approx(scale * f(x, level), abs=tol)
    assert budget_at_risk(x + shift, level) == pytest.approx(budget_at_risk(x, level), abs=tol)


@settings(max_examples=100, deadline=None)
@given(samples, levels)
def test_matches_numpy_quantile_everywhere(xs, level):
    """Same as numpy except where a n lies within float noise (1e-9) of a whole number, which
    value_at_risk deliberately treats as that whole number (see the 0.55 x 100 case above)."""
    x = np.array(xs)
    assume(abs(level * x.size - round(level * x.size)) > 1e-8)
    assert value_at_risk(x, level) == np.quantile(x, level, method="inverted_cdf")


# ---------------------------------------------------------------- summary and reduction


def test_risk_summary_fields_and_frozen():
    x = np.random.default_rng(3).lognormal(13.0, 0.3, size=5000)
    s = risk_summary(x, budget=500_000.0)
    assert isinstance(s, RiskSummary)
    assert s.n == 5000
    assert s.mean == pytest.approx(x.mean())
    assert s.std == pytest.approx(x.std(ddof=1))
    assert s.cv == pytest.approx(s.std / s.mean)
    assert s.var_95 == value_at_risk(x, 0.95) and s.var_99 == value_at_risk(x, 0.99)
    assert s.cvar_95 == conditional_value_at_risk(x, 0.95)
    assert s.cvar_99 == conditional_value_at_risk(x, 0.99)
    assert s.budget_at_risk_95 == pytest.approx(s.var_95 - s.mean)
    assert s.prob_exceed_budget == pytest.approx(np.mean(x > 500_000.0))
    assert s.worst == x.max()
    assert s.mean < s.var_95 <= s.cvar_95 <= s.var_99 <= s.cvar_99 <= s.worst
    assert s.as_dict()["budget"] == 500_000.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.mean = 0.0  # type: ignore[misc]
    assert risk_summary(x) == risk_summary(x)
    none = risk_summary(x)
    assert none.budget is None and none.prob_exceed_budget is None
    assert math.isnan(risk_summary([-1.0, 0.0, -2.0]).cv)


def test_volatility_reduction_paper_numbers():
    """arXiv 2603.21690 §8.2 baseline: SD 1.80 unhedged, 0.65 hedged, "a variance reduction of
    87%"; the SD reduction is 1 - 0.65 / 1.80 = 63.9%."""
    z = np.random.default_rng(5).normal(size=2000)
    z = (z - z.mean()) / z.std(ddof=1)
    r = volatility_reduction(2.0 + 1.80 * z, 2.0 + 0.65 * z[::-1])
    assert r.sd_unhedged == pytest.approx(1.80) and r.sd_hedged == pytest.approx(0.65)
    assert r.sd_reduction == pytest.approx(1 - 0.65 / 1.80)
    assert r.sd_reduction == pytest.approx(0.639, abs=5e-4)
    assert r.variance_reduction == pytest.approx(1 - (0.65 / 1.80) ** 2)
    assert round(r.variance_reduction, 2) == 0.87


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=3, max_size=50),
       st.floats(0.0, 3.0))
def test_volatility_reduction_identities(xs, k):
    x = np.array(xs)
    assume(x.std() > 1e-3)
    same = volatility_reduction(x, x)
    assert same.sd_reduction == 0.0 and same.variance_reduction == 0.0
    r = volatility_reduction(x, k * x + 7.0)
    assert r.sd_reduction == pytest.approx(1 - k, abs=1e-9)
    assert r.variance_reduction == pytest.approx(1 - (1 - r.sd_reduction) ** 2, abs=1e-9)


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("bad, match", [
    ([], "at least 1"), ([[1.0, 2.0]], "1-D"), ([1.0, float("nan")], "not a finite"),
    (["a", "b"], "must be numbers"),
])
def test_bad_outcomes(bad, match):
    with pytest.raises(InputError, match=match):
        value_at_risk(bad)


@pytest.mark.parametrize("level", [0.0, 1.0, 1.5, -0.1, "0.95", None])
def test_bad_level(level):
    with pytest.raises(InputError, match="level"):
        conditional_value_at_risk(ONE_TO_TEN, level)


def test_other_errors():
    with pytest.raises(InputError, match="budget"):
        prob_exceed(ONE_TO_TEN, float("nan"))
    with pytest.raises(InputError, match="positive mean"):
        coefficient_of_variation([-1.0, 1.0])
    with pytest.raises(InputError, match="at least 2"):
        risk_summary([1.0])
    with pytest.raises(InputError, match="does not vary"):
        volatility_reduction([1.0, 1.0, 1.0], ONE_TO_TEN)
