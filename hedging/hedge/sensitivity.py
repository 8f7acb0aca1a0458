"""Sensitivity of a hedge program: the frontier over hedge ratios and the tornado of assumptions.

**Frontier.** On the run's own simulated paths, the program is scaled: at overall hedge ratio
``h`` every position is ``s = h / h_0`` times the run's, where ``h_0`` is the run's own overall
ratio (hedged volume over expected hedgeable volume, both valued at the contracts' fair prices).
With ``U`` the unhedged horizon spend of a path and ``D`` the run's hedge on it (its costs minus
its P&L, so the run's hedged spend is ``U + D``), the scaled hedged spend is

    H(s) = U + s D,    sd reduction(s) = 1 - sd(U + s D) / sd(U),    expected cost(s) = s E[D],

and the budget-at-risk is ``q_95(F + s D_F) - E[F + s D_F]`` of fiscal-year spend ``F`` with the
part ``D_F`` of the hedge that falls in the fiscal year. Nothing is simulated again: every point
reads the same paths, and the point at ``h_0`` (``s = 1``) is the run itself. The curve is
continuous (fractional positions): the program's whole lots are at the run's point only.

Worked number: ``U = (10, 12, 14)``, ``D = (1, -1, -3)`` (sd(U) = 2): at ``s = 0.5``,
``H = (10.5, 11.5, 12.5)``, sd 1, a 50% reduction, for an expected cost of 0.5 x (-1) = -0.5.
The variance is a quadratic in ``s``, ``var U + 2 s cov(U, D) + s^2 var D``, smallest at the
minimum-variance scale ``s* = -cov(U, D) / var D`` (Hull, *Options, Futures, and Other
Derivatives*, ch. 3, the minimum-variance hedge ratio); the tests check the curve against it.

**Tornado.** Each assumption is moved to a low and a high value and the budget-at-risk recomputed
with the program held as bought; the bars are sorted by swing ``|BaR(high) - BaR(low)|``, the
largest on top (the usual sensitivity "tornado" of decision analysis; Clemen and Reilly, *Making
Hard Decisions*, ch. 5). :func:`spread_scaled` is the move used for volume uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hedging.errors import InputError
from hedging.risk import budget_at_risk

#: The frontier's grid of overall hedge ratios (0% to 100% in steps of 5 pp).
FRONTIER_RATIOS = tuple(np.round(np.linspace(0.0, 1.0, 21), 2))


@dataclass(frozen=True, eq=False)
class Frontier:
    """Volatility reduction, expected cost and budget-at-risk against the overall hedge ratio.

    Attributes
    ----------
    ratio : numpy.ndarray
        Overall hedge ratio of each point (0.5 = half the expected hedgeable volume), ascending;
        includes ``base_ratio``.
    sd_reduction : numpy.ndarray
        ``1 - sd(hedged) / sd(unhedged)`` of horizon spend.
    expected_cost : numpy.ndarray
        ``E[hedged] - E[unhedged]`` over the horizon, USD (negative: the hedge is expected to gain).
    budget_at_risk : numpy.ndarray or None
        Fiscal-year budget-at-risk (95th percentile minus expected), USD; None without fiscal paths.
    base_ratio : float
        The run's own overall hedge ratio (its point on the curve).
    """

    ratio: np.ndarray
    sd_reduction: np.ndarray
    expected_cost: np.ndarray
    budget_at_risk: np.ndarray | None
    base_ratio: float

    def at(self, ratio: float) -> dict:
        """The point at ``ratio`` (one of the grid's, or the run's own)."""
        k = int(np.argmin(np.abs(self.ratio - ratio)))
        return {"ratio": float(self.ratio[k]), "sd_reduction": float(self.sd_reduction[k]),
                "expected_cost": float(self.expected_cost[k]),
                "budget_at_risk": None if self.budget_at_risk is None else float(self.budget_at_risk[k])}


def _paths(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if a.ndim != 1 or a.size < 2 or not np.all(np.isfinite(a)):
        raise InputError(f"`{name}` must be a finite 1-D array of at least 2 simulated outcomes.", column=name,
                         fix="pass one value per simulated path.")
    return a


def hedge_frontier(unhedged, hedge, base_ratio: float, ratios=FRONTIER_RATIOS, *, fiscal_unhedged=None,
                   fiscal_hedge=None) -> Frontier:
    """The frontier of the run's program scaled from ratio 0 to 100% (see the module docstring).

    Parameters
    ----------
    unhedged, hedge : array_like, shape (n_paths,)
        ``U``, horizon spend without the hedge, and ``D``, the run's hedged minus unhedged spend
        (costs less P&L), USD per path.
    base_ratio : float
        ``h_0`` > 0, the run's overall hedge ratio.
    ratios : sequence of float
        The grid; ``base_ratio`` is added to it.
    fiscal_unhedged, fiscal_hedge : array_like, shape (n_paths,), optional
        ``F`` and ``D_F`` for the budget-at-risk.
    """
    u, d = _paths(unhedged, "unhedged"), _paths(hedge, "hedge")
    if u.shape != d.shape:
        raise InputError("`unhedged` and `hedge` must have one value per path each.", column="hedge",
                         fix="pass both from the same simulation.")
    if not (np.isfinite(base_ratio) and base_ratio > 0):
        raise InputError("the run's hedge ratio must be positive to scale its program.", column="base_ratio",
                         value=base_ratio, fix="build a program that holds a position.")
    grid = np.unique(np.concatenate([np.asarray(ratios, dtype=float), [float(base_ratio)]]))
    if (grid < 0).any():
        raise InputError("hedge ratios cannot be negative.", column="ratios", value=float(grid.min()),
                         fix="use ratios from 0 to 1.")
    scale = grid / float(base_ratio)
    hedged = u[:, None] + d[:, None] * scale[None, :]            # (n_paths, points)
    sd_u = float(np.std(u, ddof=1))
    sd_red = 1.0 - np.std(hedged, axis=0, ddof=1) / sd_u
    cost = hedged.mean(axis=0) - u.mean()
    bar = None
    if fiscal_unhedged is not None:
        f, df = _paths(fiscal_unhedged, "fiscal_unhedged"), _paths(fiscal_hedge, "fiscal_hedge")
        bar = np.array([budget_at_risk(f + s * df) for s in scale])
    return Frontier(grid, sd_red, cost, bar, float(base_ratio))


def min_variance_scale(unhedged, hedge) -> float:
    """``s* = -cov(U, D) / var(D)``: the scale of the program that minimises the variance of
    ``U + s D`` (the closed form the frontier is checked against)."""
    u, d = _paths(unhedged, "unhedged"), _paths(hedge, "hedge")
    var_d = float(np.var(d, ddof=1))
    if var_d <= 0:
        raise InputError("the hedge does not vary across paths, so no ratio changes the variance.", column="hedge",
                         fix="build a program that holds a position.")
    return -float(np.cov(u, d, ddof=1)[0, 1]) / var_d


def spread_scaled(paths, factor: float) -> np.ndarray:
    """Paths with their spread around each column's mean scaled by ``factor``, floored at zero:
    ``max(m_j + factor (x_ij - m_j), 0)``. Used to move volume uncertainty up or down while
    keeping the expected volume (exactly, unless the floor binds) and every path's rank.

    Worked number: a column (80, 100, 120) scaled by 1.5 becomes (70, 100, 130).
    """
    a = np.asarray(paths, dtype=float)
    if not (np.isfinite(factor) and factor >= 0):
        raise InputError("the spread factor must be zero or positive.", column="factor", value=factor,
                         fix="use e.g. 0.5 for half the uncertainty, 1.5 for half as much again.")
    m = a.mean(axis=0, keepdims=True)
    return np.maximum(m + factor * (a - m), 0.0)


@dataclass(frozen=True)
class TornadoBar:
    """One assumption moved low and high, with the budget-at-risk at each (USD)."""

    assumption: str
    low_setting: str
    high_setting: str
    low: float
    high: float

    @property
    def swing(self) -> float:
        return abs(self.high - self.low)


@dataclass(frozen=True)
class Tornado:
    """The base budget-at-risk (the run's own, the centre line) and the bars, largest swing first."""

    base: float
    bars: tuple[TornadoBar, ...]
    base_settings: tuple[tuple[str, str], ...] = ()   # assumption -> its value in the run


def tornado(base: float, bars) -> Tornado:
    """Sort ``bars`` by swing, largest first (ties keep their order)."""
    if not np.isfinite(base):
        raise InputError("the base budget-at-risk must be a finite amount.", column="base", value=base,
                         fix="compute it from the run's paths.")
    return Tornado(float(base), tuple(sorted(bars, key=lambda b: -b.swing)))
