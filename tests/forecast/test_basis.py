"""Basis regression: OLS against scipy, closed-form normal equations, Anscombe's set I, simulation.

Monte Carlo tolerances are 3 standard errors: the fit's own ``slope_se``/``intercept_se`` for the
coefficients, ``sigma / sqrt(2 (n - 2))`` for the residual sd (chi-square), and
``sqrt((1 - phi^2) / n)`` plus the known small-sample bias ``(1 + 3 phi) / n`` for the lag-1
autocorrelation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hedging.errors import InputError
from hedging.forecast.basis import BasisFit, annual_residual_vol_ar1, fit_basis


def simulated(n: int, a: float, b: float, sigma: float, phi: float = 0.0, seed: int = 1):
    rng = np.random.default_rng(seed)
    log_index = math.log(2.0) + np.cumsum(0.08 * rng.standard_normal(n))
    e = np.empty(n)
    e[0] = sigma * rng.standard_normal()
    for t in range(1, n):
        e[t] = phi * e[t - 1] + sigma * math.sqrt(1 - phi ** 2) * rng.standard_normal()
    return np.exp(a + b * log_index + e), np.exp(log_index)


def test_recovers_known_parameters_within_three_standard_errors():
    a, b, sigma, n = 0.3, 0.8, 0.04, 240
    price, index = simulated(n, a, b, sigma)
    fit = fit_basis(price, index)
    assert abs(fit.slope - b) < 3 * fit.slope_se
    assert abs(fit.intercept - a) < 3 * fit.intercept_se
    assert abs(fit.residual_sd - sigma) < 3 * sigma / math.sqrt(2 * (n - 2))
    assert fit.n == n and fit.n_dropped == 0 and fit.log
    assert fit.warnings == ()


def test_equals_scipy_linregress_in_logs_and_levels():
    price, index = simulated(60, 0.1, 1.2, 0.05, seed=7)
    for log in (True, False):
        x, y = (np.log(index), np.log(price)) if log else (index, price)
        ref = stats.linregress(x, y)
        fit = fit_basis(price, index, log=log)
        assert fit.slope == pytest.approx(ref.slope, rel=1e-12)
        assert fit.intercept == pytest.approx(ref.intercept, rel=1e-10, abs=1e-12)
        assert fit.r_squared == pytest.approx(ref.rvalue ** 2, rel=1e-12)
        assert fit.slope_se == pytest.approx(ref.stderr, rel=1e-10)
        assert fit.intercept_se == pytest.approx(ref.intercept_stderr, rel=1e-10)


def test_matches_normal_equations_and_residual_formulas():
    """Independent method: least squares by numpy.linalg.lstsq on the design [1, x]."""
    price, index = simulated(48, -0.2, 0.7, 0.06, phi=0.2, seed=3)
    x, y = np.log(index), np.log(price)
    design = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    fit = fit_basis(price, index)
    assert (fit.intercept, fit.slope) == pytest.approx(tuple(coef), rel=1e-10)
    assert fit.residual_sd == pytest.approx(math.sqrt(resid @ resid / (x.size - 2)), rel=1e-10)
    assert fit.r_squared == pytest.approx(1 - resid.var() / y.var(), rel=1e-10)
    assert fit.residual_autocorr == pytest.approx(
        np.sum(resid[1:] * resid[:-1]) / np.sum(resid ** 2), rel=1e-10)
    assert fit.last_residual == pytest.approx(resid[-1], abs=1e-12)
    assert fit.annual_residual_vol == pytest.approx(fit.residual_sd * math.sqrt(12))
    assert fit.max_price_hedge_effectiveness == fit.r_squared


def test_anscombe_quartet_set_one():
    """F. J. Anscombe (1973), "Graphs in Statistical Analysis", The American Statistician 27(1),
    17-21, data set I. Published: regression y = 3 + 0.5 x, regression SS 27.50, residual SS 13.75
    on 9 df, estimated SE of the slope 0.118, multiple R² 0.667. To four decimals the same data
    give slope 0.5001, intercept 3.0001, R² 0.6665 (recomputed here from the published data)."""
    x = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
    y = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]
    fit = fit_basis(y, x, log=False)
    assert fit.slope == pytest.approx(0.5001, abs=5e-5)
    assert fit.intercept == pytest.approx(3.0001, abs=5e-5)
    assert fit.r_squared == pytest.approx(0.6665, abs=5e-5)
    assert round(fit.r_squared, 3) == 0.667
    assert round(fit.slope_se, 3) == 0.118
    assert fit.residual_sd ** 2 * 9 == pytest.approx(13.75, abs=0.02)
    assert fit.n == 11 and "short_history" in {w.code for w in fit.warnings}


def test_missing_and_non_positive_months_are_dropped_and_reported():
    price, index = simulated(30, 0.0, 1.0, 0.03, seed=5)
    price[[2, 9]] = [np.nan, 0.0]
    index[[4]] = -1.0
    fit = fit_basis(price, index)
    ok = np.ones(30, bool)
    ok[[2, 4, 9]] = False
    ref = stats.linregress(np.log(index[ok]), np.log(price[ok]))
    assert fit.n == 27 and fit.n_dropped == 3
    assert fit.slope == pytest.approx(ref.slope, rel=1e-12)
    assert "dropped_months" in {w.code for w in fit.warnings}


def test_short_or_constant_inputs_raise_input_errors():
    with pytest.raises(InputError, match="at least 6"):
        fit_basis([1.0, 1.1, 1.2, 1.3, 1.4], [2.0, 2.1, 2.2, 2.3, 2.4])
    with pytest.raises(InputError, match="at least 6"):  # 7 months, 2 unusable
        fit_basis([1, 1.1, None, 1.3, 1.4, 1.5, 0], [2, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6])
    with pytest.raises(InputError, match="index is constant"):
        fit_basis([1.0, 1.1, 1.2, 1.3, 1.4, 1.5], [2.0] * 6)
    with pytest.raises(InputError, match="has 3 months"):
        fit_basis([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(InputError, match="must be numbers"):
        fit_basis(["a"] * 6, [1.0] * 6)


def test_identity_fallback_warns_and_uses_the_log_ratio():
    price = [2.2, 2.42, 1.98]
    index = [2.0, 2.0, 2.0]
    fit = BasisFit.identity(price, index, reason="3 months of history")
    ratio = np.log(np.array(price) / 2.0)
    assert fit.slope == 1.0 and fit.log
    assert fit.intercept == pytest.approx(ratio.mean())
    assert fit.residual_sd == pytest.approx(ratio.std(ddof=1))
    assert fit.last_residual == pytest.approx(ratio[-1] - ratio.mean())
    assert math.isnan(fit.r_squared) and math.isnan(fit.max_price_hedge_effectiveness)
    assert [w.code for w in fit.warnings] == ["basis_identity"]
    assert "3 months of history" in fit.warnings[0].message
    empty = BasisFit.identity(residual_sd=0.05)
    assert (empty.intercept, empty.residual_sd, empty.n) == (0.0, 0.05, 0)
    with pytest.raises(InputError):
        BasisFit.identity(residual_sd=-1.0)


def test_constant_unit_price_fits_zero_slope_with_a_warning():
    fit = fit_basis([3.0] * 8, [1.0, 1.2, 0.9, 1.1, 1.3, 1.0, 0.8, 1.4])
    assert fit.slope == 0.0 and fit.r_squared == 0.0 and fit.residual_sd == 0.0
    assert "constant_unit_price" in {w.code for w in fit.warnings}


def test_autocorrelated_residuals_are_estimated_and_flagged():
    n, phi = 600, 0.8
    price, index = simulated(n, 0.0, 1.0, 0.05, phi=phi, seed=11)
    fit = fit_basis(price, index)
    tolerance = 3 * math.sqrt((1 - phi ** 2) / n) + (1 + 3 * phi) / n
    assert abs(fit.residual_autocorr - phi) < tolerance
    warning = next(w for w in fit.warnings if w.code == "residual_autocorrelation")
    assert f"{annual_residual_vol_ar1(fit.residual_sd, fit.residual_autocorr):.3g}" in warning.message


def test_annual_ar1_volatility_against_a_direct_sum():
    """Var(sum of m stationary AR(1) terms) = sum_{i,j} s^2 phi^|i-j|, summed directly."""
    s, phi, m = 0.05, 0.5, 12
    i, j = np.meshgrid(np.arange(m), np.arange(m))
    direct = s * math.sqrt(np.sum(phi ** np.abs(i - j)))
    assert annual_residual_vol_ar1(s, phi, m) == pytest.approx(direct, rel=1e-12)
    assert annual_residual_vol_ar1(s, 0.0, m) == pytest.approx(s * math.sqrt(12))
    assert annual_residual_vol_ar1(0.05, 0.5) == pytest.approx(0.2828, abs=5e-5)


def test_residual_of_and_validation():
    fit = BasisFit(intercept=0.1, slope=0.8, r_squared=0.9, residual_sd=0.02,
                   residual_autocorr=0.0, n=24, slope_se=0.05)
    assert fit.residual_of(3.0, 2.0) == pytest.approx(math.log(3.0) - 0.1 - 0.8 * math.log(2.0))
    with pytest.raises(InputError):
        fit.residual_of(0.0, 2.0)
