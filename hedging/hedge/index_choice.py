"""Choosing the index to hedge with: fit the company's price to each candidate, simulate the hedge.

Which index a hedge settles on is a basis-risk decision (markets.md A7: four GPU indices on
Bloomberg differed by more than $2/hr in April 2026). For each candidate index this module

1. regresses the company's monthly unit price on the index (:func:`hedging.forecast.basis.fit_basis`,
   log-log OLS: slope, R², residual volatility);
2. carries the company's price along simulated index paths through that fit
   (:func:`hedging.forecast.spend.unit_price_paths`), with volume held at a given profile, so the
   comparison isolates price and basis risk;
3. measures the effectiveness of a minimum-variance hedge of the horizon's total spend ``S`` with a
   strip of monthly contracts on the index, ``H = sum_t V_t I_t``
   (:func:`min_variance_effectiveness`): ``h* = Cov(S, H) / Var(H)`` and
   ``effectiveness = 1 - Var(S - h* H) / Var(S) = Corr(S, H)²``;
4. ranks the candidates by that simulated effectiveness (R² breaks ties).

The effectiveness is measured on the paths, never assumed from R²: a levels fit of trending
series can show a high R² while the hedge removes little (Ederington 1979 is the bound for price
changes, not levels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import InputError
from hedging.forecast.basis import MIN_MONTHS, BasisFit, fit_basis
from hedging.forecast.spend import unit_price_paths

#: Batches used for the Monte Carlo standard error of the effectiveness.
SE_BATCHES = 20


@dataclass(frozen=True)
class HedgeEffectiveness:
    """A minimum-variance hedge of ``exposure`` with ``hedge`` on simulated paths.

    ``ratio`` is ``h* = Cov(S, H) / Var(H)`` (units of exposure per unit of hedge);
    ``effectiveness`` is ``1 - Var(S - h* H) / Var(S)``, the share of the exposure's variance the
    hedge removes, in [0, 1]; ``std_error`` is its Monte Carlo standard error from
    ``SE_BATCHES`` batch means; ``n`` the number of paths.
    """

    ratio: float
    effectiveness: float
    std_error: float
    n: int


def min_variance_effectiveness(exposure: ArrayLike, hedge: ArrayLike, *,
                               batches: int = SE_BATCHES) -> HedgeEffectiveness:
    """Variance reduction of a minimum-variance hedge, measured on paths.

    ``h* = Cov(S, H) / Var(H)``, ``E = 1 - Var(S - h* H) / Var(S)``, which equals the squared
    correlation of ``S`` and ``H`` (Johnson 1960; Ederington 1979). For a bivariate normal pair
    with correlation 0.6 the value is 0.36. The standard error is the spread of ``E`` over
    ``batches`` equal batches of paths divided by ``sqrt(batches)``.

    Parameters
    ----------
    exposure : array_like, shape (n_paths,)
        What is hedged on each path, e.g. total spend over the horizon in USD.
    hedge : array_like, shape (n_paths,)
        The hedge instrument's value on the same paths, e.g. ``sum_t V_t I_t``.

    Returns
    -------
    HedgeEffectiveness; with a constant hedge (no variance) the ratio and effectiveness are 0.
    """
    s = np.asarray(exposure, dtype=float).ravel()
    h = np.asarray(hedge, dtype=float).ravel()
    if s.size != h.size:
        raise InputError(f"exposure has {s.size} paths but the hedge has {h.size}.",
                         fix="simulate both on the same paths.")
    if s.size < 2 * batches or not (np.all(np.isfinite(s)) and np.all(np.isfinite(h))):
        raise InputError(f"the effectiveness needs at least {2 * batches} finite paths.", value=s.size,
                         fix="simulate more paths (e.g. 2,000) and drop non-finite values.")
    ratio, eff = _mv(s, h)
    parts = [_mv(a, b)[1] for a, b in zip(np.array_split(s, batches), np.array_split(h, batches))]
    se = float(np.std(parts, ddof=1) / math.sqrt(batches))
    return HedgeEffectiveness(ratio, eff, se, int(s.size))


def _mv(s: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    var_h = float(np.var(h))
    var_s = float(np.var(s))
    if var_h <= 0 or var_s <= 0:
        return 0.0, 0.0
    cov = float(np.mean((s - s.mean()) * (h - h.mean())))
    ratio = cov / var_h
    residual = float(np.var(s - ratio * h))
    return ratio, float(min(max(1.0 - residual / var_s, 0.0), 1.0))


@dataclass(frozen=True)
class CandidateScore:
    """One candidate index scored for the company.

    ``slope``, ``r_squared`` and ``residual_vol`` (annual, log units: 0.20 = 20% a year) come from
    the log-log basis fit over ``months`` paired months; ``effectiveness`` (with its Monte Carlo
    ``std_error``) is the variance reduction of the horizon's total spend by a minimum-variance
    strip on the index; ``hedge_ratio`` is ``h*``. ``available`` is False when the candidate could
    not be scored, and ``note`` then says why (otherwise it carries any fit caveat).
    """

    key: str
    name: str
    slope: float
    r_squared: float
    residual_vol: float
    months: int
    effectiveness: float
    std_error: float
    hedge_ratio: float
    available: bool = True
    note: str = ""

    @classmethod
    def unavailable(cls, key: str, name: str, reason: str) -> "CandidateScore":
        nan = math.nan
        return cls(key, name, nan, nan, nan, 0, nan, nan, nan, available=False, note=reason)


def score_candidate(key: str, name: str, unit_price: ArrayLike, index_level: ArrayLike,
                    index_paths: ArrayLike, volume: ArrayLike, *, seed: int,
                    long_only: bool = True) -> CandidateScore:
    """Fit the company's price to one index and simulate a minimum-variance hedge on it.

    Parameters
    ----------
    unit_price, index_level : array_like, shape (months,)
        The company's monthly unit price and the index on the same months (NaN where missing).
    index_paths : array_like, shape (n_paths, horizon)
        Simulated monthly index levels (monthly averages: what a monthly contract settles on).
    volume : array_like, shape (horizon,)
        The volume each month is priced at (held fixed across paths: price and basis risk only).
    seed : int
        Seed of the basis residual noise (the same for every candidate, so they are compared on
        common random numbers).
    long_only : bool
        A buyer of compute hedges with long positions only: when ``h* < 0`` (the price moved
        against the index) the best long hedge is none, and the effectiveness is 0.

    Returns
    -------
    CandidateScore; ``available=False`` when fewer than ``MIN_MONTHS`` months pair up.
    """
    p = np.asarray(unit_price, dtype=float)
    i = np.asarray(index_level, dtype=float)
    if p.shape != i.shape:
        raise InputError("the company's price and the index must cover the same months.",
                         fix="align both on the same months (NaN where a month is missing).")
    ok = np.isfinite(p) & np.isfinite(i) & (p > 0) & (i > 0)
    if ok.sum() < MIN_MONTHS:
        return CandidateScore.unavailable(key, name, (
            f"only {int(ok.sum())} month(s) where both the company's price and this index exist; "
            f"at least {MIN_MONTHS} are needed to fit the basis."))
    fit: BasisFit = fit_basis(p, i)
    last = int(np.flatnonzero(ok)[-1])
    paths = np.asarray(index_paths, dtype=float)
    v = np.asarray(volume, dtype=float).ravel()
    if paths.ndim != 2 or paths.shape[1] != v.size:
        raise InputError(f"index paths of shape {paths.shape} do not match {v.size} months of volume.",
                         fix="simulate one column per horizon month.")
    prices = unit_price_paths(paths, fit, float(p[last]), float(i[last]), seed=seed)
    spend = prices @ v
    strip = paths @ v
    eff = min_variance_effectiveness(spend, strip)
    notes = []
    effectiveness, std_error, ratio = eff.effectiveness, eff.std_error, eff.ratio
    if long_only and ratio < 0:
        notes.append("the company's price moved against this index (negative slope), so a long hedge would add "
                     "risk: the best long hedge is none (0% effectiveness)")
        effectiveness, std_error, ratio = 0.0, math.nan, 0.0
    elif math.isfinite(fit.slope_se) and fit.slope_se > 0 and abs(fit.slope) < 2 * fit.slope_se:
        notes.append(f"the slope is within two standard errors of zero (t = {fit.slope / fit.slope_se:.1f}): the "
                     "simulated effectiveness rests on a weak fit")
    return CandidateScore(key, name, fit.slope, fit.r_squared, fit.annual_residual_vol, fit.n,
                          effectiveness, std_error, ratio, True, "; ".join(notes))


def rank_candidates(scores) -> tuple[CandidateScore, ...]:
    """Best first: highest simulated effectiveness, then highest R²; unavailable ones last."""
    def key(s: CandidateScore):
        eff = s.effectiveness if s.available and math.isfinite(s.effectiveness) else -1.0
        r2 = s.r_squared if math.isfinite(s.r_squared) else -1.0
        return (not s.available, -round(eff, 6), -r2, s.name)
    return tuple(sorted(scores, key=key))


def recommendation(ranked) -> str:
    """One sentence naming the best candidate and why, in words a treasurer reads."""
    usable = [s for s in ranked if s.available]
    if not usable:
        return ("No candidate index could be fitted to the company's price: too few months pair up. "
                "Import more usage history or upload a longer index history.")
    best = usable[0]
    if best.effectiveness <= 0:
        return ("No candidate index tracks the company's price: a long hedge on any of them would not lower the "
                "variance of spend. Hedge volume with fixed-price commitments instead, or upload an index closer "
                "to what the company pays.")
    text = (f"Recommended: \u201c{best.name}\u201d. A minimum-variance long hedge on it removes "
            f"{best.effectiveness:.0%} of the variance of the horizon's spend from price and basis "
            f"(basis slope {best.slope:.2f}, R² {best.r_squared:.2f})")
    if len(usable) > 1:
        second = usable[1]
        gap = best.effectiveness - second.effectiveness
        se = math.hypot(*(x if math.isfinite(x) else 0.0 for x in (best.std_error, second.std_error)))
        if gap < 2 * se:
            text += (f"; \u201c{second.name}\u201d does as well within simulation error "
                     f"({second.effectiveness:.0%})")
        else:
            text += f"; the next best, \u201c{second.name}\u201d, removes {second.effectiveness:.0%}"
    return text + "."


def random_walk_paths(history: ArrayLike, horizon: int, n_paths: int, seed: int) -> np.ndarray:
    """Monthly index paths as a driftless log random walk at the history's monthly volatility.

    ``log I_{T+k} = log I_T + sigma sum_{j<=k} z_j`` with ``sigma`` the sample standard deviation of
    the history's monthly log changes and ``z`` iid N(0, 1). A simple, model-free way to carry an
    index forward where no calibrated model is at hand (tests and quick checks).
    """
    x = np.log(np.asarray(history, dtype=float))
    x = x[np.isfinite(x)]
    if x.size < 3:
        raise InputError("a random walk needs at least 3 positive index values.", value=int(x.size),
                         fix="give a longer index history.")
    sigma = float(np.std(np.diff(x), ddof=1))
    z = np.random.default_rng(seed).standard_normal((n_paths, horizon))
    return np.exp(x[-1] + sigma * np.cumsum(z, axis=1))
