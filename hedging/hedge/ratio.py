"""Minimum-variance hedge ratio, hedge effectiveness at a ratio, and the number of contracts.

A hedger holding a spot exposure ``Q_S`` and ``Q_F = h Q_S`` futures sees the position change by
``Q_S (dS - h dF)``. Its variance ``Var(dS) - 2 h Cov(dS, dF) + h^2 Var(dF)`` is smallest at

    h* = Cov(dS, dF) / Var(dF) = rho sigma_S / sigma_F

(Johnson 1960; Ederington 1979; arXiv 2603.21690 Proposition 6.1, eq. 8), where the removed
fraction of variance is ``rho^2`` (eq. 10). ``dS`` and ``dF`` are changes over the hedging
horizon in the same price units (e.g. USD per million tokens).

Signs: a buyer of compute is short the price, so its hedge is LONG futures; with a positive
exposure and a positive ratio, :func:`optimal_contracts` returns a positive number of lots to buy.
"""

from __future__ import annotations

import math

import numpy as np

from hedging.errors import InputError

__all__ = [
    "hedge_effectiveness_from_ratio", "hedge_ratio_from_correlation", "max_hedge_effectiveness",
    "min_variance_hedge_ratio", "optimal_contracts", "tailed_contracts",
]


def _paired_changes(spot_changes, futures_changes) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(spot_changes, dtype=float)
    f = np.asarray(futures_changes, dtype=float)
    for name, a in (("spot_changes", s), ("futures_changes", f)):
        if a.ndim != 1:
            raise InputError(f"price changes must be a 1-D array, got shape {a.shape}.",
                             column=name, fix="Pass one series of changes per argument.")
        if not np.all(np.isfinite(a)):
            raise InputError("price changes contain missing or infinite values.", column=name,
                             fix="Drop the periods with missing prices from both series.")
    if s.size != f.size:
        raise InputError(f"spot and futures changes have different lengths ({s.size} vs "
                         f"{f.size}).", column="futures_changes",
                         fix="Pair each spot change with the futures change of the same period.")
    if s.size < 3:
        raise InputError(f"need at least 3 paired changes, got {s.size}.",
                         column="spot_changes", fix="Use a longer history.")
    if not np.var(f) > 0:
        raise InputError("futures changes do not vary, so no hedge ratio can be estimated.",
                         column="futures_changes", fix="Check the futures price history.")
    return s, f


def _finite(value, name: str, *, positive: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError("must be a number.", column=name, value=value) from None
    if not math.isfinite(v) or (positive and not v > 0):
        need = "a positive number" if positive else "a finite number"
        raise InputError(f"must be {need}.", column=name, value=value,
                         fix=f"Pass {need} for `{name}`.")
    return v


def min_variance_hedge_ratio(spot_changes, futures_changes) -> float:
    """Minimum-variance hedge ratio ``h* = Cov(dS, dF) / Var(dF) = rho sigma_S / sigma_F``.

    Futures per unit of spot exposure that minimise ``Var(dS - h dF)``; the OLS slope of spot
    changes on futures changes. Unitless when both series are in the same price units.

    Parameters
    ----------
    spot_changes, futures_changes : array_like, 1-D, same length (>= 3)
        Paired changes over the hedging horizon (e.g. monthly changes in $/M tokens).

    Examples
    --------
    Hull, *Options, Futures, and Other Derivatives*, Example 3.3 (jet fuel hedged with heating
    oil): the 15 monthly changes of Table 3.2 give h* = 0.7777. From the rounded summary
    statistics sigma_F = 0.0313, sigma_S = 0.0263, rho = 0.928 the formula gives
    0.928 x 0.0263 / 0.0313 = 0.7798 (0.78 as Hull prints it); the gap is input rounding.

    References
    ----------
    Johnson (1960), Rev. Econ. Stud. 27(3); Ederington (1979), J. Finance 34(1);
    arXiv 2603.21690 Proposition 6.1 (eq. 8).
    """
    s, f = _paired_changes(spot_changes, futures_changes)
    cov = float(np.mean((s - s.mean()) * (f - f.mean())))
    return cov / float(np.var(f))


def hedge_ratio_from_correlation(rho: float, sigma_spot: float, sigma_futures: float) -> float:
    """``h* = rho sigma_S / sigma_F`` from summary statistics (arXiv 2603.21690 eq. 8).

    Worked number (Hull Example 3.3): 0.928 x 0.0263 / 0.0313 = 0.7798 (Hull: 0.78; the
    unrounded data of his Table 3.2 give 0.7777).
    """
    r = _finite(rho, "rho")
    if not -1.0 <= r <= 1.0:
        raise InputError("a correlation must lie between -1 and 1.", column="rho", value=rho,
                         fix="Pass the correlation of spot and futures changes.")
    return r * _finite(sigma_spot, "sigma_spot", positive=True) / _finite(
        sigma_futures, "sigma_futures", positive=True)


def hedge_effectiveness_from_ratio(hedge_ratio: float, spot_changes, futures_changes) -> float:
    """Fraction of spot variance a hedge ratio removes: ``E(h) = 1 - Var(dS - h dF) / Var(dS)``.

    ``E(h) = (2 h Cov - h^2 Var(dF)) / Var(dS)``; it peaks at ``h = h*`` where it equals
    ``rho^2`` (arXiv 2603.21690 eq. 10), is 0 at ``h = 0`` and is negative when the hedge adds
    variance. This is a VARIANCE reduction; the standard-deviation reduction is
    ``1 - sqrt(1 - E)``.

    Worked number: at h* with rho = 0.85 (the paper's example) E = 0.7225.
    """
    h = _finite(hedge_ratio, "hedge_ratio")
    s, f = _paired_changes(spot_changes, futures_changes)
    var_s = float(np.var(s))
    if not var_s > 0:
        raise InputError("spot changes do not vary, so there is no variance to remove.",
                         column="spot_changes", fix="Check the spot price history.")
    return 1.0 - float(np.var(s - h * f)) / var_s


def max_hedge_effectiveness(rho: float) -> float:
    """Variance reduction at the minimum-variance ratio: ``E* = rho^2`` (arXiv 2603.21690 eq. 10).

    Worked number (the paper's §6.2): rho = 0.85 gives 0.7225, "approximately 72%".
    """
    r = _finite(rho, "rho")
    if not -1.0 <= r <= 1.0:
        raise InputError("a correlation must lie between -1 and 1.", column="rho", value=rho,
                         fix="Pass the correlation of spot and futures changes.")
    return r * r


def _nearest_whole(x: float) -> int:
    """Round half away from zero (37.5 -> 38, -37.5 -> -38), not Python's half-to-even."""
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def optimal_contracts(hedge_ratio: float, exposure: float, contract_size: float) -> int:
    """Whole number of futures contracts ``N* = round(h* x exposure / contract_size)``.

    With ``exposure`` and ``contract_size`` as QUANTITIES (gallons, million tokens, GPU-hours)
    this is the textbook ``N* = h* Q_A / Q_F``. With both as VALUES in USD (exposure quantity x
    spot price, contract size x futures price) it is the "tailed" hedge ``N* = h* V_A / V_F``
    that corrects for daily settlement (see :func:`tailed_contracts`). Rounds to the nearest
    whole lot, halves away from zero. Positive = buy (long) contracts.

    Examples
    --------
    Hull Example 3.3: h* = 0.7777, 2,000,000 gallons of jet fuel, heating oil contracts of
    42,000 gallons: 0.7777 x 2,000,000 / 42,000 = 37.03 -> 37 contracts.

    >>> optimal_contracts(0.7777, 2_000_000, 42_000)
    37

    References
    ----------
    Hull, *Options, Futures, and Other Derivatives*, §3.4 (optimal number of contracts, tailing
    the hedge).
    """
    h = _finite(hedge_ratio, "hedge_ratio")
    q = _finite(exposure, "exposure")
    size = _finite(contract_size, "contract_size", positive=True)
    return _nearest_whole(h * q / size)


def tailed_contracts(hedge_ratio: float, exposure_quantity: float, spot_price: float,
                     contract_size: float, futures_price: float) -> int:
    """Tailed hedge ``N* = round(h* x (Q_A x S) / (Q_F x F))``: :func:`optimal_contracts` on values.

    Worked number (Hull §3.4, tailing Example 3.3): spot 1.94, futures 1.99 give
    0.7777 x 3,880,000 / 83,580 = 36.10 -> 36 contracts.
    """
    s = _finite(spot_price, "spot_price", positive=True)
    f = _finite(futures_price, "futures_price", positive=True)
    return optimal_contracts(hedge_ratio, _finite(exposure_quantity, "exposure_quantity") * s,
                             _finite(contract_size, "contract_size", positive=True) * f)
