"""Closed forms of the jump diffusion checked against quadrature and Monte Carlo.

Monte Carlo tolerances are 3 standard errors of the estimator with fixed seeds: for a mean,
SE = sample std / sqrt(n); for a variance, SE = sqrt((m4 - s^4) / n) with m4 the fourth central
moment.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from hedging.errors import ModelError
from hedging.market import PAPER_TABLE3, JumpDiffusionModel

X0 = math.log(2.0)


def mean_and_se(sample: np.ndarray) -> tuple[float, float]:
    return float(sample.mean()), float(sample.std(ddof=1) / math.sqrt(sample.size))


def variance_and_se(sample: np.ndarray) -> tuple[float, float]:
    centred = sample - sample.mean()
    s2 = float(np.mean(centred ** 2))
    m4 = float(np.mean(centred ** 4))
    return s2, math.sqrt((m4 - s2 ** 2) / sample.size)


# --- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [("kappa", 0.0), ("sigma", -0.1), ("lam", -1.0),
                                         ("sigma_j", -0.2), ("season_period", 0.0),
                                         ("beta", float("nan")), ("gamma", "abc")])
def test_invalid_parameters_name_field_and_value(field, value):
    params = {f.name: getattr(PAPER_TABLE3, f.name) for f in dataclasses.fields(PAPER_TABLE3)}
    params[field] = value
    with pytest.raises(ModelError, match=f"`{field}`"):
        JumpDiffusionModel(**params)


def test_paper_table3_values_and_half_life():
    m = PAPER_TABLE3
    assert (m.kappa, m.beta, m.sigma, m.lam, m.mu_j, m.sigma_j, m.gamma, m.season_period) == (
        2.5, -0.35, 0.40, 3.0, 0.10, 0.25, 0.08, 1.0)
    assert m.theta0 == math.log(2.0)
    assert m.half_life == pytest.approx(math.log(2) / 2.5)


# --- closed forms against quadrature --------------------------------------------------------

@pytest.mark.parametrize("t,T,period", [(0.0, 1.0, 1.0), (0.3, 0.31, 1.0), (1.7, 4.2, 0.5),
                                        (2.0, 40.0, 1.0), (0.0, 0.0, 1.0)])
def test_mean_reversion_integral_matches_quad(t, T, period):
    m = dataclasses.replace(PAPER_TABLE3, season_period=period, gamma=0.3)
    expected = quad(lambda s: m.kappa * math.exp(-m.kappa * (T - s)) * float(m.theta(s)), t, T,
                    epsabs=1e-14, epsrel=1e-13, limit=500)[0]
    assert float(m.mean_reversion_integral(t, T)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("kappa,mu_j,sigma_j", [(2.5, 0.10, 0.25), (0.05, -0.4, 1.5),
                                                (30.0, 0.8, 0.1), (1.0, 0.0, 2.0)])
@pytest.mark.parametrize("tau", [1e-4, 0.1, 1.0, 3.0, 30.0])
def test_jump_integral_matches_quad(kappa, mu_j, sigma_j, tau):
    m = dataclasses.replace(PAPER_TABLE3, kappa=kappa, mu_j=mu_j, sigma_j=sigma_j, lam=4.0)

    def integrand(u):
        d = math.exp(-kappa * u)
        return m.lam * (math.exp(mu_j * d + 0.5 * sigma_j ** 2 * d * d) - 1.0)

    expected = quad(integrand, 0.0, tau, epsabs=1e-14, epsrel=1e-13, limit=500)[0]
    got = float(m.log_futures_offset_parts(1.0, 1.0 + tau)["jumps"])
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-10)


def test_futures_limit_at_maturity_is_spot():
    m = PAPER_TABLE3
    assert float(m.futures_price(1.3, 0.5, 0.5)) == pytest.approx(math.exp(1.3), rel=1e-15)
    assert float(m.futures_price(1.3, 0.5, 0.5 + 1e-10)) == pytest.approx(math.exp(1.3), rel=1e-8)


def test_schwartz_1997_one_factor_futures_formula():
    """Schwartz (1997), J. Finance 52(3), model 1, futures price (eq. 8) with lambda = 0:

    ln F = e^{-kT} ln S + (1 - e^{-kT}) alpha* + sigma^2 / (4 k) (1 - e^{-2kT}).
    Checked as that formula and, independently, with the OU mean integrated by quadrature.
    """
    k, alpha, sigma, spot = 0.3, math.log(22.0), 0.3, 20.0
    m = JumpDiffusionModel(kappa=k, theta0=alpha, beta=0.0, sigma=sigma, lam=0.0, mu_j=0.0,
                           sigma_j=0.0, gamma=0.0)
    T = np.array([0.25, 1.0, 5.0, 20.0])
    formula = np.exp(np.exp(-k * T) * math.log(spot) + (1 - np.exp(-k * T)) * alpha
                     + sigma ** 2 / (4 * k) * (1 - np.exp(-2 * k * T)))
    np.testing.assert_allclose(m.futures_price(math.log(spot), 0.0, T), formula, rtol=1e-13)
    for tenor in T:
        ou_mean = quad(lambda s: k * math.exp(-k * (tenor - s)) * alpha, 0.0, tenor)[0]
        ou_var = quad(lambda s: sigma ** 2 * math.exp(-2 * k * (tenor - s)), 0.0, tenor)[0]
        independent = math.exp(math.exp(-k * tenor) * math.log(spot) + ou_mean + ou_var / 2)
        # time homogeneity: valuing from t = 3 with the same tenor gives the same price
        assert float(m.futures_price(math.log(spot), 3.0, 3.0 + tenor)) == pytest.approx(
            independent, rel=1e-12)


def test_risk_premium_multiplies_futures_and_leaves_paths_alone():
    base = PAPER_TABLE3
    tilted = dataclasses.replace(base, risk_premium=0.05)
    T = np.array([0.0, 0.5, 2.0])
    np.testing.assert_allclose(tilted.futures_price(X0, 0.2, 0.2 + T),
                               base.futures_price(X0, 0.2, 0.2 + T) * np.exp(0.05 * T), rtol=1e-14)
    grid = np.linspace(0, 1, 13)
    np.testing.assert_array_equal(base.simulate(X0, grid, 50, 1), tilted.simulate(X0, grid, 50, 1))


# --- Monte Carlo ----------------------------------------------------------------------------

def test_futures_price_matches_monte_carlo_mean():
    m = PAPER_TABLE3
    months = np.array([1, 3, 6, 12, 24])
    grid = np.arange(25) / 12
    prices = m.simulate_prices(X0, grid, 200_000, seed=11, record=months / 12)
    for j, T in enumerate(months / 12):
        mc, se = mean_and_se(prices[:, j])
        assert abs(mc - float(m.futures_price(X0, 0.0, T))) < 3 * se, (T, mc, se)


def test_one_large_step_has_exact_conditional_moments():
    """A single 0.5-year step must reproduce the exact law of X_T (no discretisation bias)."""
    m = dataclasses.replace(PAPER_TABLE3, lam=6.0, mu_j=-0.2)
    t, T, x0 = 0.3, 0.8, math.log(3.0)
    x = m.simulate(x0, [t, T], 400_000, seed=5)[:, 1]
    mean, se_mean = mean_and_se(x)
    var, se_var = variance_and_se(x)
    assert abs(mean - float(m.mean_log(x0, t, T))) < 3 * se_mean
    assert abs(var - float(m.variance_log(t, T))) < 3 * se_var
    mc, se = mean_and_se(np.exp(x))
    assert abs(mc - float(m.futures_price(x0, t, T))) < 3 * se


def test_variance_log_matches_monte_carlo_on_a_daily_grid():
    m = PAPER_TABLE3
    grid = np.arange(366) / 365
    x = m.simulate(X0, grid, 40_000, seed=3, record=[1.0])[:, 0]
    var, se = variance_and_se(x)
    assert abs(var - float(m.variance_log(0.0, 1.0))) < 3 * se


def test_simulate_is_reproducible_and_record_selects_columns():
    m = PAPER_TABLE3
    grid = np.arange(61) / 365
    full = m.simulate(X0, grid, 1000, seed=42)
    assert full.shape == (1000, 61)
    np.testing.assert_array_equal(full, m.simulate(X0, grid, 1000, seed=42))
    assert not np.array_equal(full, m.simulate(X0, grid, 1000, seed=43))
    picked = m.simulate(X0, grid, 1000, seed=42, record=grid[[0, 30, 60]])
    np.testing.assert_array_equal(picked, full[:, [0, 30, 60]])
    np.testing.assert_allclose(m.simulate_prices(X0, grid, 1000, seed=42), np.exp(full))
    with pytest.raises(ModelError, match="record"):
        m.simulate(X0, grid, 10, seed=1, record=[0.5 / 365])
    with pytest.raises(ModelError, match="increasing"):
        m.simulate(X0, [0.0, 0.2, 0.1], 10, seed=1)


def test_average_futures_price_matches_monte_carlo_daily_average():
    m = PAPER_TABLE3
    T1, T2 = 182 / 365, 212 / 365
    grid = np.arange(int(round(T2 * 365)) + 1) / 365
    fixings = grid[grid >= T1 - 1e-12]
    assert fixings.size == 31
    paths = m.simulate_prices(X0, grid, 100_000, seed=8, record=fixings)
    mc, se = mean_and_se(paths.mean(axis=1))
    assert abs(mc - float(m.average_futures_price(X0, 0.0, T1, T2))) < 3 * se


def test_average_futures_price_with_fixings_already_known():
    m = PAPER_TABLE3
    T1, T2 = 1.0, 1.0 + 30 / 365
    fixings = np.linspace(T1, T2, 31)
    t = fixings[10]
    known = 2.1 * 10
    expected = (known + m.futures_price(0.7, t, fixings[10:]).sum()) / 31
    got = m.average_futures_price(0.7, t, T1, T2, fixed_sum=known, n_fixed=10)
    assert float(got) == pytest.approx(expected, rel=1e-14)
    assert float(m.average_futures_price(0.7, T1, T1, T1, n_days=1)) == pytest.approx(math.exp(0.7))
    with pytest.raises(ModelError, match="n_fixed"):
        m.average_futures_price(0.7, t, T1, T2, fixed_sum=known, n_fixed=3)


def test_futures_before_valuation_time_is_refused():
    with pytest.raises(ModelError, match="before the valuation time"):
        PAPER_TABLE3.futures_price(X0, 1.0, 0.5)


# --- properties -----------------------------------------------------------------------------

models = st.builds(
    JumpDiffusionModel,
    kappa=st.floats(0.05, 50), theta0=st.floats(-3, 5), beta=st.floats(-5, 5),
    sigma=st.floats(0, 2), lam=st.floats(0, 10), mu_j=st.floats(-1, 1),
    sigma_j=st.floats(0, 1), gamma=st.floats(-2, 2), season_period=st.floats(0.1, 5),
)


@settings(max_examples=60, deadline=None)
@given(m=models, x0=st.floats(-3, 5), dx=st.floats(1e-3, 2), t=st.floats(0, 3),
       tau=st.floats(0, 3))
def test_futures_positive_and_increasing_in_spot(m, x0, dx, t, tau):
    low, high = m.futures_price([x0, x0 + dx], t, t + tau)
    resolvable = math.exp(-m.kappa * tau) * dx > 1e-12 * max(1.0, abs(math.log(high)))
    assert 0 < low < high if resolvable else 0 < low <= high


@settings(max_examples=60, deadline=None)
@given(m=models, t=st.floats(0, 3), a=st.floats(0, 2), b=st.floats(0, 2))
def test_variance_log_nonnegative_and_nondecreasing(m, t, a, b):
    short, long_ = sorted((a, b))
    v_short, v_long = m.variance_log(t, [t + short, t + long_])
    assert 0 <= v_short <= v_long * (1 + 1e-12)
