"""Closed-form prices of average-price (Asian) and binary options under a lognormal index.

These are the reference formulas the Monte Carlo pricer of :mod:`hedging.contracts.instruments`
is tested against, and a quick lognormal approximation for a strike ladder. The index follows a
geometric Brownian motion with cost of carry ``b`` (``b = 0`` for a forward or futures price, the
right case for compute, which cannot be stored):

    S_t = S_0 exp((b - sigma^2 / 2) t + sigma W_t),   premium paid today, discounted at ``r``.

Fixings are at times ``t_1 < ... < t_n`` (years from today); the payoff is paid at ``T``.

* :func:`geometric_asian` -- discrete geometric average, exact (Clewlow & Strickland): ``ln G`` is
  normal with mean ``ln S + (b - sigma^2/2) mean(t)`` and variance
  ``sigma^2 / n^2 sum_ij min(t_i, t_j)``.
* :func:`kemna_vorst` -- continuous geometric average (Kemna & Vorst 1990): Black-Scholes with
  volatility ``sigma / sqrt(3)`` and carry ``(b - sigma^2 / 6) / 2``.
* :func:`turnbull_wakeman` -- discrete arithmetic average, lognormal moment match (Turnbull &
  Wakeman 1991; Levy 1992): ``M1 = E[A]``, ``M2 = E[A^2]``, Black-76 on ``M1`` with total variance
  ``ln(M2 / M1^2)``. An approximation: Monte Carlo differs in the third decimal.
* :func:`binary_call` -- cash-or-nothing "index above K at T": ``e^{-rT} N(d2)``.

References
----------
A. Kemna and A. Vorst (1990), "A pricing method for options based on average asset values",
J. Banking & Finance 14, 113-129. S. Turnbull and L. Wakeman (1991), "A quick algorithm for
pricing European average options", JFQA 26, 377-389. E. Levy (1992), "Pricing European average
rate currency options", J. Int. Money & Finance 11, 474-491. E. G. Haug (2007), *The Complete
Guide to Option Pricing Formulas*, 2nd ed., ch. 4.20. Test values: QuantLib
``test-suite/asianoptions.cpp`` and ``/work/shared/reference/treasury-and-instruments.md`` D2-D4.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from hedging.errors import InputError


def _times(times) -> np.ndarray:
    t = np.asarray(times, dtype=float).reshape(-1)
    if t.size < 1 or not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(np.diff(t) < 0):
        raise InputError("fixing times must be a non-empty, non-decreasing list of years from today.",
                         column="fixing times", value=t.tolist()[:5], fix="e.g. 1/52, 2/52, ... 26/52.")
    return t


def _check(S: float, K: float, sigma: float) -> None:
    for name, v in (("index level", S), ("strike", K)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"the {name} must be a positive number.", column=name, value=v,
                             fix="Give prices in the index's unit, e.g. 2.50.")
    if not (math.isfinite(sigma) and sigma > 0):
        raise InputError("the volatility must be a positive number (0.6 for 60%).", column="volatility",
                         value=sigma, fix="e.g. 0.6.")


def _black(forward: float, K: float, variance: float, discount: float, call: bool) -> float:
    """Black-76 on a lognormal quantity with mean ``forward`` and log-variance ``variance``."""
    sd = math.sqrt(variance)
    d1 = (math.log(forward / K) + variance / 2) / sd
    d2 = d1 - sd
    if call:
        return discount * (forward * norm.cdf(d1) - K * norm.cdf(d2))
    return discount * (K * norm.cdf(-d2) - forward * norm.cdf(-d1))


def geometric_asian(S: float, K: float, r: float, b: float, sigma: float, times, T: float, *,
                    call: bool = True) -> float:
    """Discrete geometric-average option, exact under GBM (Clewlow & Strickland).

    Worked number (QuantLib ``testDiscreteGeometricAveragePrice``): call, S = K = 100, r = 6%,
    q = 3% (b = 3%), sigma = 20%, 10 fixings every 36 days (ACT/360), T = 1: 5.3425606635.
    """
    _check(S, K, sigma)
    t = _times(times)
    n = t.size
    mean = math.log(S) + (b - sigma ** 2 / 2) * float(t.mean())
    # sum_ij min(t_i, t_j) for sorted t = sum_i t_i (2 (n - i) - 1), i = 1..n: O(n), no n x n matrix
    variance = sigma ** 2 * float(t @ (2 * (n - np.arange(1, n + 1)) + 1)) / n ** 2
    return _black(math.exp(mean + variance / 2), K, variance, math.exp(-r * T), call)


def kemna_vorst(S: float, K: float, r: float, b: float, sigma: float, T: float, *, call: bool = True) -> float:
    """Continuous geometric-average option (Kemna & Vorst 1990; Haug 4.20.1).

    ``sigma_A = sigma / sqrt(3)``, ``b_A = (b - sigma^2 / 6) / 2``, then generalised Black-Scholes.
    Worked number (Haug): put, S = 80, K = 85, r = 5%, b = 8%, sigma = 20%, T = 0.25: 4.6922.
    """
    _check(S, K, sigma)
    sigma_a = sigma / math.sqrt(3.0)
    b_a = 0.5 * (b - sigma ** 2 / 6)
    return _black(S * math.exp(b_a * T), K, sigma_a ** 2 * T, math.exp(-r * T), call)


def average_moments(S: float, b: float, sigma: float, times) -> tuple[float, float]:
    """First two moments of the discrete arithmetic average under GBM.

    ``M1 = S mean(e^{b t_i})``; ``M2 = S^2 / n^2 sum_ij exp(b (t_i + t_j) + sigma^2 min(t_i, t_j))``.
    """
    t = _times(times)
    n = t.size
    m1 = S * float(np.exp(b * t).mean())
    m2 = S ** 2 * float(np.exp(b * np.add.outer(t, t) + sigma ** 2 * np.minimum.outer(t, t)).sum()) / n ** 2
    return m1, m2


def turnbull_wakeman(S: float, K: float, r: float, b: float, sigma: float, times, T: float, *,
                     call: bool = True) -> float:
    """Discrete arithmetic-average option by lognormal moment matching (Turnbull-Wakeman / Levy).

    Worked numbers (QuantLib, Haug data): S = 100, r = q = 5% (b = 0), sigma = 20%, 26 weekly
    fixings from 1/52 to T = 0.5: ATM call = ATM put = 3.2700; call K = 80: 19.5152. Compute cap
    (reference note D2): F = $2.50, K = $2.75, sigma = 60%, r = 4%, 30 daily fixings
    ``2/12 + k/365``: 0.1679.
    """
    _check(S, K, sigma)
    m1, m2 = average_moments(S, b, sigma, times)
    return _black(m1, K, math.log(m2 / m1 ** 2), math.exp(-r * T), call)


def binary_call(F: float, K: float, sigma: float, T: float, r: float = 0.0) -> float:
    """Pays 1 if the index at ``T`` is above ``K``: ``e^{-rT} N(d2)``,
    ``d2 = (ln(F/K) - sigma^2 T / 2) / (sigma sqrt T)``.

    Worked number (reference note D4): F = $2.50, sigma = 60%, T = 0.25: "above $2.75" 0.3200,
    "above $2.43" 0.4779 (r = 0).
    """
    _check(F, K, sigma)
    d2 = (math.log(F / K) - sigma ** 2 * T / 2) / (sigma * math.sqrt(T))
    return math.exp(-r * T) * float(norm.cdf(d2))
