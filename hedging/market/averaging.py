"""Moments of the average log price over a window of daily fixings, and their joint covariance.

A monthly index that publishes the *average* of a month's daily prints is not a point sample of
the price: averaging smooths the diffusion, so reading averages as points understates the
volatility and overstates mean reversion. For the model of :mod:`hedging.market.model`,
``X = ln P`` is an Ornstein-Uhlenbeck process with a deterministic long-run path, so the average
of ``X`` over any set of fixing times is Gaussian (exactly without jumps) with the moments below.

Conditional moments given ``X_{t0} = x0`` for fixings ``t0 < t_1 < ... < t_n``::

    E[Abar]   = (1/n) sum_k E[X_{t_k} | x0]                            (the model's mean_log)
    Var[Abar] = s2 / (2 kappa n^2) sum_k sum_l [e^{-kappa |t_k - t_l|}
                                               - e^{-kappa (t_k + t_l - 2 t0)}]
    Cov[Abar, X_{t_n}] = s2 / (2 kappa n) sum_k [e^{-kappa (t_n - t_k)}
                                                 - e^{-kappa (t_n + t_k - 2 t0)}]

with ``s2 = sigma^2 + lam (mu_j^2 + sigma_j^2)``: the compound-Poisson jumps have independent
increments, so they add ``lam E[J^2]`` to the variance rate (the distribution is then no longer
Gaussian; the calibration uses only histories without fitted jumps for averages). In the limit of
continuous averaging over ``(t0, t0 + h]`` the variance is

    sigma^2 / (2 kappa^3 h^2) [2 kappa h - 3 + 4 e^{-kappa h} - e^{-2 kappa h}],

the variance of the integral of an OU process (D. T. Gillespie (1996), "Exact numerical
simulation of the Ornstein-Uhlenbeck process and its integral", Phys. Rev. E 54(2), 2084-2091,
with relaxation time ``1/kappa`` and diffusion constant ``sigma^2``), divided by ``h^2``. As
``kappa -> 0`` the discrete form becomes the variance of the log of a geometric average of a
Brownian motion at ``n`` equally spaced dates ``t0 + delta, ..., t0 + n delta``,
``sigma^2 delta (n + 1)(2n + 1) / (6 n)``, as in the discrete geometric-average Asian option
(Kemna and Vorst (1990), J. Banking & Finance 14, 113-129, continuous limit ``sigma^2 T / 3``).

The index publishes the average of prices, ``ln((1/n) sum P_k)``, not of log prices; the
difference is half the within-month variance of ``X`` to second order (about ``sigma^2 h / 12``,
0.0011 for sigma = 0.40 and a month), nearly constant, and absorbed by ``theta0``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import ModelError

#: Calendar days a year, as in :mod:`hedging.market.model` (not imported from there: the model
#: imports nothing from the calibration side; a test checks the two agree).
DAYS_PER_YEAR = 365


def _variance_rate(model) -> float:
    return model.sigma ** 2 + model.lam * (model.mu_j ** 2 + model.sigma_j ** 2)


def window_fixings(start: float, n_days: int) -> np.ndarray:
    """``n_days`` daily fixing times (years) from ``start``: ``start + k / 365``, ``k < n_days``."""
    if int(n_days) < 1:
        raise ModelError(f"an averaging window needs at least one daily fixing (got {n_days}).")
    return float(start) + np.arange(int(n_days)) / DAYS_PER_YEAR


def average_moments(model, x0: float, t0: float,
                    fixings: ArrayLike) -> tuple[float, float, float]:
    """Mean and variance of the average log price over ``fixings``, and its covariance with the
    log price at the last fixing, given ``X_{t0} = x0`` (module docstring; ``fixings > t0``)."""
    t = np.asarray(fixings, dtype=float)
    if t.ndim != 1 or t.size < 1 or np.any(t <= t0) or np.any(np.diff(t) <= 0):
        raise ModelError("fixings must be increasing times after t0 (years from the model origin).")
    k, s2, n = model.kappa, _variance_rate(model), t.size
    mean = float(np.mean(model.mean_log(x0, t0, t)))
    d = t - t0
    pair = (np.exp(-k * np.abs(t[:, None] - t[None, :])) - np.exp(-k * (d[:, None] + d[None, :])))
    var = float(s2 / (2 * k) * pair.sum() / n ** 2)
    cov_last = float(s2 / (2 * k) * pair[-1].sum() / n)
    return mean, var, cov_last


def continuous_average_variance(kappa: float, sigma: float, h: float) -> float:
    """Variance of ``(1/h) int_0^h Y_s ds`` for an OU ``Y`` started at a known value (Gillespie 1996)."""
    x = kappa * h
    if x < 0.05:   # 2x - 3 + 4e^{-x} - e^{-2x} cancels: its Taylor series (error below 1e-9 relative)
        bracket = x ** 3 * (2 / 3 - x / 2 + 7 * x ** 2 / 30 - x ** 3 / 12)
    else:
        bracket = 2 * x - 3 + 4 * math.exp(-x) - math.exp(-2 * x)
    return sigma ** 2 / (2 * kappa ** 3 * h ** 2) * bracket


def stationary_mean_path(model, t: ArrayLike) -> np.ndarray:
    """The deterministic path ``mu(t)`` the log price reverts around once the start is forgotten.

    ``mu(t) = theta0 + beta (t - 1/kappa) + gamma kappa / (kappa^2 + w^2) (kappa sin wt - w cos wt)
    + lam mu_j / kappa``, the particular solution of ``mu' = kappa (theta_t - mu) + lam mu_j``.
    """
    t = np.asarray(t, dtype=float)
    k, w = model.kappa, 2 * np.pi / model.season_period
    season = model.gamma * k / (k * k + w * w) * (k * np.sin(w * t) - w * np.cos(w * t))
    return model.theta0 + model.beta * (t - 1.0 / k) + season + model.lam * model.mu_j / k


def _grid(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Daily fixing times of each window, padded to the longest: (times, mask), shape (N, max n)."""
    offsets = np.arange(int(counts.max())) / DAYS_PER_YEAR
    return starts[:, None] + offsets[None, :], offsets[None, :] * DAYS_PER_YEAR < counts[:, None]


def average_design(kappa: float, season_period: float, starts: ArrayLike,
                   counts: ArrayLike) -> np.ndarray:
    """Columns of ``mean_k mu(t_k)`` for ``theta0``, ``beta`` and ``gamma``, one row per window of
    ``counts[i]`` daily fixings from ``starts[i]`` (:func:`stationary_mean_path` without jumps)."""
    starts, counts = np.asarray(starts, dtype=float), np.asarray(counts)
    w = 2 * np.pi / season_period
    t, mask = _grid(starts, counts)
    season = kappa / (kappa ** 2 + w ** 2) * (kappa * np.sin(w * t) - w * np.cos(w * t))
    mean_t = starts + (counts - 1) / (2 * DAYS_PER_YEAR)
    return np.column_stack([np.ones(starts.size), mean_t - 1.0 / kappa,
                            (season * mask).sum(axis=1) / counts])


def average_covariance(kappa: float, starts: ArrayLike, counts: ArrayLike) -> np.ndarray:
    """Stationary covariance of the window averages of a unit-variance-rate OU (sigma = 1).

    ``C_ij = (1 / (2 kappa)) mean_k mean_l e^{-kappa |t_ik - t_jl|}``. With daily fixings,
    ``r = e^{-kappa / 365}``: for windows that do not overlap (``i < j``) the double sum factorises
    into ``L_i e^{-kappa (a_j - b_i)} L_j`` with ``L = (1 - r^n) / (n (1 - r))``, ``a_j`` the first
    fixing of window ``j`` and ``b_i`` the last of window ``i``; on the diagonal
    ``(1/n^2) [n + 2 sum_{d=1}^{n-1} (n - d) r^d]``.
    """
    starts, counts = np.asarray(starts, dtype=float), np.asarray(counts, dtype=float)
    last = starts + (counts - 1) / DAYS_PER_YEAR
    if np.any(starts[1:] <= last[:-1]):
        raise ModelError("averaging windows must follow one another without overlapping.")
    r = math.exp(-kappa / DAYS_PER_YEAR)
    one_minus_r = -math.expm1(-kappa / DAYS_PER_YEAR)
    lead = -np.expm1(counts * math.log(r)) / (counts * one_minus_r) if r < 1 else np.ones_like(counts)
    gap = np.maximum(starts[None, :] - last[:, None], 0.0)
    cov = np.triu(lead[:, None] * lead[None, :] * np.exp(-kappa * gap), 1)
    cov = cov + cov.T
    # sum_{d=1}^{n-1} (n - d) r^d = r (n (1 - r) - (1 - r^n)) / (1 - r)^2
    rn = np.exp(counts * math.log(r))
    pairs = r * (counts * one_minus_r - (1 - rn)) / one_minus_r ** 2
    cov[np.diag_indices_from(cov)] = (counts + 2 * pairs) / counts ** 2
    return cov / (2 * kappa)


__all__ = ["average_covariance", "average_design", "average_moments", "continuous_average_variance",
           "stationary_mean_path", "window_fixings"]
