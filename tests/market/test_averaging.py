"""Moments of a monthly average of the log price: Monte Carlo, published limits, brute force."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from hedging.market import DAYS_PER_YEAR, PAPER_TABLE3, averaging, log_likelihood
from hedging.market.averaging import (
    average_covariance,
    average_design,
    average_moments,
    continuous_average_variance,
    stationary_mean_path,
    window_fixings,
)

NO_JUMPS = dataclasses.replace(PAPER_TABLE3, lam=0.0)


def _month_average_mc(model, x0: float, n_paths: int, seed: int):
    """Log price on days 1..31 after t0 = 0 from the exact daily simulation; its mean and the last."""
    grid = np.arange(32) / DAYS_PER_YEAR
    paths = model.simulate(x0, grid, n_paths, seed)
    return paths[:, 1:].mean(axis=1), paths[:, -1]


@pytest.mark.parametrize("model", [NO_JUMPS, PAPER_TABLE3], ids=["diffusion", "with jumps"])
def test_average_moments_match_monte_carlo(model):
    """Mean, variance and covariance with the month-end price against 40,000 simulated months;
    tolerances are 4 standard errors of each sample statistic (seed fixed)."""
    n = 40_000
    avg, last = _month_average_mc(model, 0.7, n, seed=12)
    mean, var, cov_last = average_moments(model, 0.7, 0.0, window_fixings(1 / DAYS_PER_YEAR, 31))
    assert abs(avg.mean() - mean) < 4 * avg.std() / math.sqrt(n)
    dev = avg - avg.mean()
    assert abs(dev.var() - var) < 4 * (dev ** 2).std() / math.sqrt(n)
    prod = dev * (last - last.mean())
    assert abs(prod.mean() - cov_last) < 4 * prod.std() / math.sqrt(n)


def test_continuous_limit_is_the_variance_of_the_integral_of_an_ou_process():
    """Gillespie (1996), Phys. Rev. E 54, 2084: Var[int_0^h Y] = (c tau^3 / 2)
    (2h/tau - 3 + 4 e^{-h/tau} - e^{-2h/tau}) with tau = 1/kappa, c = sigma^2; divided by h^2.
    A fine discrete grid must converge to it."""
    h, k = 31 / 365, 2.5
    fine = np.linspace(0, h, 3_001)[1:]
    _, var, _ = average_moments(NO_JUMPS, 0.0, 0.0, fine)
    expected = continuous_average_variance(k, 0.4, h)
    assert var == pytest.approx(expected, rel=1e-3)
    x = 0.04                              # the series branch meets the closed form
    series = continuous_average_variance(x / h, 0.4, h)
    closed = 0.16 / (2 * (x / h) ** 3 * h ** 2) * (2 * x - 3 + 4 * math.exp(-x) - math.exp(-2 * x))
    assert series == pytest.approx(closed, rel=1e-7)
    tau, c = 1 / k, 0.16
    gillespie = c * tau ** 3 / 2 * (2 * h / tau - 3 + 4 * math.exp(-h / tau) - math.exp(-2 * h / tau))
    assert expected == pytest.approx(gillespie / h ** 2, rel=1e-12)


def test_without_mean_reversion_it_is_the_geometric_average_variance():
    """kappa -> 0: the log of a geometric average of Brownian motion. Continuous: sigma^2 T / 3
    (Kemna and Vorst 1990); n fixings at delta, ..., n delta: sigma^2 delta (n+1)(2n+1) / (6n)."""
    model = dataclasses.replace(NO_JUMPS, kappa=1e-7, beta=0.0, gamma=0.0)
    h, sigma = 31 / 365, 0.4
    assert continuous_average_variance(1e-4, sigma, h) == pytest.approx(sigma ** 2 * h / 3, rel=1e-3)
    n, delta = 31, 1 / 365
    _, var, _ = average_moments(model, 0.0, 0.0, window_fixings(delta, n))
    assert var == pytest.approx(sigma ** 2 * delta * (n + 1) * (2 * n + 1) / (6 * n), rel=1e-5)


def test_covariance_of_month_averages_equals_the_brute_force_double_sum():
    k = 2.5
    starts = np.array([0, 31, 59, 90, 151]) / 365.25        # a gap: May is missing
    counts = np.array([31, 28, 31, 30, 30])
    fast = average_covariance(k, starts, counts)
    days = [s + np.arange(n) / DAYS_PER_YEAR for s, n in zip(starts, counts)]
    brute = np.array([[np.mean(np.exp(-k * np.abs(a[:, None] - b[None, :]))) for b in days]
                      for a in days]) / (2 * k)
    np.testing.assert_allclose(fast, brute, rtol=1e-12, atol=1e-15)
    design = average_design(k, 1.0, starts, counts)
    model = dataclasses.replace(NO_JUMPS, theta0=0.3, beta=-0.2, gamma=0.1)
    means = [stationary_mean_path(model, d).mean() for d in days]
    np.testing.assert_allclose(design @ [0.3, -0.2, 0.1], means, rtol=1e-12)


def test_stationary_mean_path_solves_the_mean_equation():
    """mu' = kappa (theta_t - mu) + lam mu_j, checked by a central difference."""
    m, t, h = PAPER_TABLE3, np.linspace(0.1, 3, 7), 1e-6
    derivative = (stationary_mean_path(m, t + h) - stationary_mean_path(m, t - h)) / (2 * h)
    rhs = m.kappa * (m.theta(t) - stationary_mean_path(m, t)) + m.lam * m.mu_j
    np.testing.assert_allclose(derivative, rhs, rtol=1e-6, atol=1e-8)


def test_average_likelihood_is_the_conditional_gaussian_density():
    """Independent cross-check: the joint normal of 8 monthly averages built from the daily
    covariance, minus the marginal of the first, equals log_likelihood with window_days."""
    model = dataclasses.replace(NO_JUMPS, theta0=0.5)
    counts = np.array([31, 28, 31, 30, 31, 30, 31, 31])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]) / 365.25
    days = [s + np.arange(n) / DAYS_PER_YEAR for s, n in zip(starts, counts)]
    x = np.log([2.0, 2.1, 1.9, 1.95, 2.2, 2.05, 1.8, 1.85])
    every = np.concatenate(days)
    daily_cov = 0.16 / (2 * 2.5) * np.exp(-2.5 * np.abs(every[:, None] - every[None, :]))
    weights = np.zeros((len(days), every.size))
    col = 0
    for i, d in enumerate(days):
        weights[i, col:col + d.size] = 1 / d.size
        col += d.size
    cov = weights @ daily_cov @ weights.T
    mean = weights @ stationary_mean_path(model, every)
    joint = stats.multivariate_normal(mean, cov).logpdf(x)
    first = stats.norm(mean[0], math.sqrt(cov[0, 0])).logpdf(x[0])
    assert log_likelihood(model, starts, x, window_days=counts) == pytest.approx(joint - first, rel=1e-10)


def test_days_per_year_agrees_with_the_model():
    assert averaging.DAYS_PER_YEAR == DAYS_PER_YEAR
