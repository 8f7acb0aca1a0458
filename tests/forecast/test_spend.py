"""Spend paths and the budget view: hand calculations, lognormal closed forms, Monte Carlo.

Monte Carlo tolerances are 3 standard errors with fixed seeds: a mean, ``sd / sqrt(n)``; a
variance, ``sqrt((m4 - s^4) / n)`` with ``m4`` the fourth central moment; a proportion,
``sqrt(p (1 - p) / n)``; a q-quantile, ``sqrt(q (1 - q) / n) / f(x_q)`` with ``f`` the density;
a correlation, ``(1 - rho^2) / sqrt(n)``. Expected values are written as formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from hedging.errors import InputError
from hedging.forecast.spend import (BudgetView, SpendPaths, budget_view, correlated_shocks,
                                    price_innovations, spend_paths, unit_price_paths)
from hedging.forecast.basis import BasisFit

Z95 = stats.norm.ppf(0.95)  # 1.6449


def basis(slope=1.0, sd=0.0, phi=0.0, intercept=0.0) -> BasisFit:
    return BasisFit(intercept=intercept, slope=slope, r_squared=1.0, residual_sd=sd,
                    residual_autocorr=phi, n=36, slope_se=0.01)


def mean_and_se(sample):
    return float(sample.mean()), float(sample.std(ddof=1) / math.sqrt(sample.size))


def variance_and_se(sample):
    centred = sample - sample.mean()
    s2 = float(np.mean(centred ** 2))
    return s2, math.sqrt((float(np.mean(centred ** 4)) - s2 ** 2) / sample.size)


# --- price innovations and correlated shocks -----------------------------------------------------

def test_price_innovations_by_hand():
    z = price_innovations([[1.0, 2.0], [1.0, 8.0]])
    np.testing.assert_allclose(z, [[0.0, -1.0], [0.0, 1.0]], atol=1e-12)


def test_price_innovations_are_standardised_each_month():
    rng = np.random.default_rng(2)
    logs = np.cumsum(0.1 * rng.standard_normal((500, 6)) + 0.02, axis=1)
    z = price_innovations(np.exp(logs))
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    d = np.diff(logs, axis=1)  # month 3's standardised log change, computed directly
    np.testing.assert_allclose(z[:, 2], (d[:, 1] - d[:, 1].mean()) / d[:, 1].std(), rtol=1e-9)
    with pytest.raises(InputError, match="at least 2 paths"):
        price_innovations(np.ones((1, 3)))
    with pytest.raises(InputError, match="positive"):
        price_innovations([[1.0, -1.0], [1.0, 2.0]])


@pytest.mark.parametrize("rho", [-0.7, 0.0, 0.3, 0.9])
def test_correlated_shocks_hit_the_target_correlation(rho):
    z_price = np.random.default_rng(4).standard_normal((20_000, 12))
    z_vol = correlated_shocks(z_price, rho, seed=5)
    n = z_price.size
    r = np.corrcoef(z_price.ravel(), z_vol.ravel())[0, 1]
    assert abs(r - rho) < 3 * (1 - rho ** 2) / math.sqrt(n) + 1e-12
    assert abs(z_vol.mean()) < 3 / math.sqrt(n)
    var, se = variance_and_se(z_vol.ravel())
    assert abs(var - 1.0) < 3 * se


def test_correlated_shocks_edges_and_validation():
    z = np.random.default_rng(0).standard_normal((10, 3))
    np.testing.assert_array_equal(correlated_shocks(z, 1.0), z)
    np.testing.assert_array_equal(correlated_shocks(z, -1.0), -z)
    np.testing.assert_array_equal(correlated_shocks(z, 0.4, seed=3), correlated_shocks(z, 0.4, 3))
    for bad in (1.2, float("nan"), "0.5", True):
        with pytest.raises(InputError, match="rho"):
            correlated_shocks(z, bad)


# --- unit price paths ----------------------------------------------------------------------------

def test_unit_price_reproduces_the_index_ratio_with_slope_one_and_no_residual():
    index = np.exp(np.random.default_rng(1).normal(0.5, 0.3, (50, 6)))
    prices = unit_price_paths(index, basis(), 3.0, 1.7, seed=0, start_residual=0.0)
    np.testing.assert_allclose(prices, 3.0 * index / 1.7, rtol=1e-13)
    # On the fitted line (observed residual 0) the default start gives the same.
    on_line = basis(intercept=math.log(3.0 / 1.7))
    np.testing.assert_allclose(unit_price_paths(index, on_line, 3.0, 1.7, seed=0),
                               3.0 * index / 1.7, rtol=1e-12)


def test_docstring_worked_number():
    index = np.full((1, 1), 1.5)
    p = unit_price_paths(index, basis(slope=0.8), 3.0, 2.0, start_residual=0.0)
    assert p[0, 0] == pytest.approx(3.0 * 0.75 ** 0.8) == pytest.approx(2.3833, abs=5e-5)
    cut = unit_price_paths(index, basis(slope=0.8), 3.0, 2.0, start_residual=0.0, steps=((0, 0.9),))
    assert cut[0, 0] == pytest.approx(2.1449, abs=5e-5)


def test_steps_apply_from_their_month_on_and_compound():
    index = np.exp(np.random.default_rng(3).normal(0.0, 0.2, (20, 8)))
    b = basis(slope=0.7, sd=0.03, phi=0.4)
    base = unit_price_paths(index, b, 2.0, 1.0, seed=9)
    stepped = unit_price_paths(index, b, 2.0, 1.0, seed=9, steps=((2, 0.8), (5, 1.1), (30, 2.0)))
    expected_ratio = np.array([1, 1, 0.8, 0.8, 0.8, 0.88, 0.88, 0.88])
    np.testing.assert_allclose(stepped / base, np.broadcast_to(expected_ratio, base.shape),
                               rtol=1e-12)
    for bad in (((-1, 0.9),), ((1, 0.0),), ((1.5, 0.9),), ((1,),)):
        with pytest.raises(InputError, match="price step"):
            unit_price_paths(index, b, 2.0, 1.0, steps=bad)


def test_residual_is_ar1_reverting_from_the_observed_basis():
    """With a constant index, log p_t - log p_0 = e_t - e_0 and, for an AR(1) started at e_0,
    E[e_t] = phi^t e_0 and Var[e_t] = s^2 (1 - phi^(2t))."""
    n, months, s, phi, e0 = 40_000, 6, 0.05, 0.6, 0.1
    b = basis(sd=s, phi=phi, intercept=-e0)  # observed residual log 2 - (-e0) - log 2 = e0
    index = np.full((n, months), 2.0)
    dev = np.log(unit_price_paths(index, b, 2.0, 2.0, seed=21) / 2.0)
    for t in range(1, months + 1):
        mean, se = mean_and_se(dev[:, t - 1])
        assert abs(mean - (phi ** t - 1) * e0) < 3 * se
        var, var_se = variance_and_se(dev[:, t - 1])
        assert abs(var - s ** 2 * (1 - phi ** (2 * t))) < 3 * var_se
    # start_residual=0 keeps today's basis: no drift.
    flat = np.log(unit_price_paths(index, b, 2.0, 2.0, seed=21, start_residual=0.0) / 2.0)
    mean, se = mean_and_se(flat[:, -1])
    assert abs(mean) < 3 * se


def test_unit_price_validation():
    index = np.ones((3, 2))
    levels_fit = BasisFit(intercept=0, slope=1, r_squared=1, residual_sd=0, residual_autocorr=0,
                          n=12, slope_se=0, log=False)
    with pytest.raises(InputError, match="log=True"):
        unit_price_paths(index, levels_fit, 1.0, 1.0)
    with pytest.raises(InputError, match="last_unit_price"):
        unit_price_paths(index, basis(), 0.0, 1.0)
    with pytest.raises(InputError, match="2-D"):
        unit_price_paths(np.ones(3), basis(), 1.0, 1.0)


# --- spend paths ---------------------------------------------------------------------------------

def test_spend_is_volume_times_price_in_usd():
    volume = np.array([[250e6, 100e6], [300e6, 0.0]])
    price = np.array([[2.40, 2.50], [2.00, 3.00]])
    sp = spend_paths(volume, price)
    np.testing.assert_allclose(sp.spend, [[600.0, 250.0], [600.0, 0.0]])
    np.testing.assert_allclose(sp.total(), [850.0, 600.0])
    np.testing.assert_allclose(sp.expected(), [600.0, 125.0])
    # lower empirical quantile of two paths: q = 0.5 -> X_(ceil(1)) = the smaller one
    np.testing.assert_allclose(sp.monthly_quantiles([0.0, 0.5, 1.0]),
                               [[600.0, 0.0], [600.0, 0.0], [600.0, 250.0]])
    assert (sp.n_paths, sp.months) == (2, 2)
    assert not sp.spend.flags.writeable and price.flags.writeable  # caller's array untouched
    gpu = spend_paths([1000.0, 2000.0], price, volume_unit_scale=1.0)  # shared volume
    np.testing.assert_allclose(gpu.spend, [[2400.0, 5000.0], [2000.0, 6000.0]])


def test_spend_validation():
    price = np.ones((2, 3))
    with pytest.raises(InputError, match="non-negative"):
        spend_paths(-np.ones((2, 3)), price)
    with pytest.raises(InputError, match="shape"):
        spend_paths(np.ones((3, 3)), price)
    with pytest.raises(InputError, match="volume_unit_scale"):
        spend_paths(np.ones((2, 3)), price, volume_unit_scale=0.0)
    with pytest.raises(InputError, match="quantile levels"):
        spend_paths(np.ones((2, 3)), price).monthly_quantiles([1.5])


def lognormal_product_variance(c, mx, sx, my, sy, rho):
    """Var(c e^(X+Y)) for jointly normal X, Y: c^2 e^(2(mx+my)) e^(v) (e^(v) - 1),
    v = sx^2 + sy^2 + 2 rho sx sy."""
    v = sx ** 2 + sy ** 2 + 2 * rho * sx * sy
    return c ** 2 * math.exp(2 * (mx + my) + v) * (math.exp(v) - 1)


@pytest.mark.parametrize("rho", [1.0, -1.0, 0.5, -0.6])
def test_spend_variance_is_that_of_a_product_of_lognormals(rho):
    n, b, s_i, s_v, p0, i0, v0 = 200_000, 0.8, 0.25, 0.3, 2.5, 2.0, 4e8
    index = i0 * np.exp(s_i * np.random.default_rng(31).standard_normal((n, 1)))
    z_vol = correlated_shocks(price_innovations(index), rho, seed=32)
    volume = v0 * np.exp(-0.5 * s_v ** 2 + s_v * z_vol)
    prices = unit_price_paths(index, basis(slope=b), p0, i0, start_residual=0.0)
    spend = spend_paths(volume, prices).spend[:, 0]
    # log spend = log(v0 1e-6 p0) + (-s_v^2/2 + s_v Z_v) + b s_i Z_I, corr(Z_v, Z_I) = rho
    expected = lognormal_product_variance(v0 * 1e-6 * p0, -0.5 * s_v ** 2, s_v, 0.0, b * s_i, rho)
    var, se = variance_and_se(spend)
    assert abs(var - expected) < 3 * se


# --- budget view ---------------------------------------------------------------------------------

def test_budget_view_by_hand():
    spend = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    view = budget_view(spend, budget_monthly=[2.5, 35.0], budget_annual=40.0 * 6)
    m1, m2, total = view.monthly[0], view.monthly[1], view.total
    # lower empirical quantile X_(ceil(q n)), n = 4 (Hyndman and Fan 1996, definition 1):
    # q = 0.5 -> X_(2), 0.25 -> X_(1), 0.75 -> X_(3), 0.1 and 0.025 -> X_(1), 0.95 -> X_(ceil(3.8)) = X_(4)
    assert (m1.expected, m1.median, m1.lower_50, m1.upper_50) == pytest.approx((2.5, 2.0, 1.0, 3.0))
    assert (m1.lower_80, m1.lower_95, m1.p95) == pytest.approx((1.0, 1.0, 4.0))
    assert m1.budget_at_risk == pytest.approx(4.0 - 2.5)
    assert (m1.prob_over_budget, m2.prob_over_budget) == (0.5, 0.25)
    assert m1.prob_over_budget_se == pytest.approx(math.sqrt(0.25 / 4))
    # total 11, 22, 33, 44 against 240 * 2 / 12 = 40 (prorated 2-month horizon)
    assert total.budget == pytest.approx(40.0)
    assert (total.expected, total.prob_over_budget) == pytest.approx((27.5, 0.25))
    assert total.p95 == pytest.approx(44.0)            # X_(ceil(0.95 * 4)) of 11, 22, 33, 44
    assert total.budget_at_risk == pytest.approx(44.0 - 27.5)
    assert {w.code for w in view.warnings} == {"prorated_annual_budget", "budgets_disagree"}
    frame = view.to_frame()
    assert list(frame.index) == [1, 2, "total"]
    assert frame.loc["total", "expected"] == pytest.approx(27.5)


def test_budget_view_defaults():
    spend = np.arange(1.0, 25.0).reshape(2, 12)
    view = budget_view(SpendPaths(spend, spend, spend, 1.0), budget_monthly=10.0)
    assert view.total.budget == pytest.approx(120.0) and view.warnings == ()
    assert view.monthly[0].budget == 10.0
    no_budget = budget_view(spend)
    assert no_budget.total.prob_over_budget is None and no_budget.monthly[3].budget is None
    assert budget_view(spend, budget_annual=120.0, budget_monthly=10.0).warnings == ()
    assert isinstance(no_budget, BudgetView) and no_budget.n_paths == 2
    with pytest.raises(InputError, match="budget_monthly"):
        budget_view(spend, budget_monthly=[1.0, 2.0])
    with pytest.raises(InputError, match="budget_annual"):
        budget_view(spend, budget_annual=-5.0)


def test_budget_view_matches_the_lognormal_closed_form():
    """log S ~ N(m, s^2): E S = e^(m + s^2/2), P(S > B) = 1 - Phi((ln B - m) / s),
    q_p = e^(m + s z_p); month 2 repeats month 1, so the total is 2 S (m + ln 2)."""
    n, m, s = 400_000, math.log(50_000.0), 0.3
    month = np.exp(m + s * np.random.default_rng(17).standard_normal(n))
    budget = 60_000.0
    view = budget_view(np.column_stack([month, month]), budget_monthly=[budget, budget])
    for summary, mu, b in ((view.monthly[0], m, budget), (view.total, m + math.log(2), 2 * budget)):
        mean = math.exp(mu + s ** 2 / 2)
        sd = mean * math.sqrt(math.exp(s ** 2) - 1)
        assert abs(summary.expected - mean) < 3 * sd / math.sqrt(n)
        p = 1 - stats.norm.cdf((math.log(b) - mu) / s)
        assert abs(summary.prob_over_budget - p) < 3 * math.sqrt(p * (1 - p) / n)
        for level, value in ((0.95, summary.p95), (0.975, summary.upper_95),
                             (0.025, summary.lower_95), (0.5, summary.median)):
            x = math.exp(mu + s * stats.norm.ppf(level))
            se = math.sqrt(level * (1 - level) / n) / stats.lognorm.pdf(x, s, scale=math.exp(mu))
            assert abs(value - x) < 3 * se
        assert summary.p95 == pytest.approx(math.exp(mu + Z95 * s), rel=3e-3)
        bar = math.exp(mu + Z95 * s) - mean
        assert summary.budget_at_risk == pytest.approx(bar, rel=0.02)


def test_pipeline_with_the_jump_diffusion_index():
    """Index paths from the price model: the shocks keep the target correlation despite jumps."""
    from hedging.market import PAPER_TABLE3

    n, rho = 20_000, 0.6
    times = np.arange(13) / 12.0
    index = PAPER_TABLE3.simulate_prices(math.log(2.0), times, n, seed=8)[:, 1:]
    z_price = price_innovations(index)
    z_vol = correlated_shocks(z_price, rho, seed=9)
    r = np.corrcoef(z_price.ravel(), z_vol.ravel())[0, 1]
    assert abs(r - rho) < 3 * (1 - rho ** 2) / math.sqrt(z_price.size)
    volume = 3e8 * np.exp(0.1 * np.cumsum(z_vol, axis=1))
    prices = unit_price_paths(index, basis(slope=0.9, sd=0.03, phi=0.3), 2.2, 2.0, seed=10)
    view = budget_view(spend_paths(volume, prices), budget_annual=12 * 700.0)
    assert len(view.monthly) == 12 and view.warnings == ()
    assert 0.0 <= view.total.prob_over_budget <= 1.0


# --- properties ----------------------------------------------------------------------------------

spend_arrays = hnp.arrays(np.float64, st.tuples(st.integers(1, 25), st.integers(1, 4)),
                          elements=st.floats(0.0, 1e7, allow_nan=False))


@settings(max_examples=60, deadline=None)
@given(spend_arrays, st.floats(0.0, 1e7), st.floats(0.0, 1e7))
def test_overrun_probability_is_non_increasing_in_budget(spend, b1, b2):
    low, high = sorted((b1, b2))
    months = spend.shape[1]
    lo_view = budget_view(spend, budget_monthly=np.full(months, low))
    hi_view = budget_view(spend, budget_monthly=np.full(months, high))
    for a, b in zip(lo_view.monthly + (lo_view.total,), hi_view.monthly + (hi_view.total,)):
        assert a.prob_over_budget >= b.prob_over_budget


@settings(max_examples=60, deadline=None)
@given(spend_arrays)
def test_quantile_bands_are_nested(spend):
    view = budget_view(spend)
    for s in view.monthly + (view.total,):
        assert (s.lower_95 <= s.lower_80 <= s.lower_50 <= s.median <= s.upper_50 <= s.upper_80
                <= s.p95 <= s.upper_95)
