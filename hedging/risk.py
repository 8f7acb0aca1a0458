"""Risk metrics over simulated outcomes of spend (higher is worse).

Every function takes ``x``, a 1-D array of simulated outcomes of one quantity (e.g. annual compute
spend in USD, one value per Monte Carlo path). Higher spend is worse, so the risk sits in the
upper tail: VaR and CVaR are upper quantiles and upper-tail means, not the loss-as-negative-return
convention of equity desks. For a path-by-month array, pass one column at a time
(``paths[:, month]``) or the row sums (annual spend).

Quantile definition (used consistently by VaR, CVaR and budget-at-risk): the *lower* empirical
quantile, numpy's ``method="inverted_cdf"``,

    VaR_a = X_(k),  k = ceil(a n)  (1-based index into the sorted sample),

which is ``inf {z : F_n(z) >= a}``, the left end of the set of minimisers of Rockafellar and
Uryasev's function below. A product ``a n`` within float noise (about 1e-9) of a whole number is
taken as that number, so 0.55 x 100 = 55.00000000000001 gives k = 55, not 56. It is NOT numpy's default (linear interpolation), which would make
VaR and CVaR disagree about where the tail starts.

CVaR follows Rockafellar & Uryasev (2000), "Optimization of conditional value-at-risk",
Journal of Risk 2(3), 21-41:

    CVaR_a = min_z { z + E[(X - z)+] / (1 - a) },

whose minimum is attained at z = VaR_a. On a sample this is the mean of the worst ``(1 - a) n``
outcomes, with the outcome X_(k) counted with the fractional weight ``k - a n`` when ``(1 - a) n``
is not a whole number:

    CVaR_a = [ (k - a n) X_(k) + sum_{i > k} X_(i) ] / ((1 - a) n).

Standard deviations use ``ddof=1`` (sample standard deviation) throughout.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from hedging.errors import InputError

__all__ = [
    "quantile", "RiskSummary", "VolatilityReduction", "budget_at_risk", "coefficient_of_variation",
    "conditional_value_at_risk", "prob_exceed", "risk_summary", "value_at_risk",
    "volatility_reduction", "worst",
]


def _outcomes(x, name: str = "x", min_size: int = 1) -> np.ndarray:
    """``x`` as a 1-D float array of finite values, or an InputError naming the problem."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"outcomes must be numbers ({exc}).", column=name,
                         fix="Pass a 1-D array of simulated spend in USD.") from None
    if a.ndim != 1:
        raise InputError(f"outcomes must be a 1-D array, got shape {a.shape}.", column=name,
                         fix="Pass one quantity at a time, e.g. paths[:, month] or "
                             "paths.sum(axis=1).")
    if a.size < min_size:
        raise InputError(f"need at least {min_size} outcomes, got {a.size}.", column=name,
                         fix="Simulate more paths.")
    bad = ~np.isfinite(a)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"outcome number {i} is not a finite number.", column=name,
                         value=a[i], fix="Remove missing or infinite outcomes.")
    return a


def _level(level) -> float:
    if not isinstance(level, (int, float, np.floating)) or not 0.0 < float(level) < 1.0:
        raise InputError("the confidence level must be strictly between 0 and 1.",
                         column="level", value=level, fix="Use e.g. 0.95 or 0.99.")
    return float(level)


def quantile(x, q, axis=None):
    """The one quantile definition of the whole product (percentiles, bands, VaR, budget-at-risk):
    the lower empirical quantile, numpy's ``method="inverted_cdf"`` (Hyndman and Fan 1996,
    definition 1), ``X_(ceil(q n))`` in the sorted sample.

    >>> quantile([1, 2, 3, 4], 0.95)
    4.0
    >>> quantile([1, 2, 3, 4], 0.5)
    2.0

    Returns a float for a scalar ``q`` and no ``axis``, an array otherwise.
    """
    a = np.asarray(x, dtype=float)
    if axis is None:
        a, axis = a.ravel(), 0
    n = a.shape[axis]
    if n == 0:
        raise InputError("a quantile needs at least one outcome.", column="x", fix="Pass simulated outcomes.")
    levels = np.atleast_1d(np.asarray(q, dtype=float))
    picks = [_tail_index(float(v), n) - 1 for v in levels]
    out = np.moveaxis(np.take(np.sort(a, axis=axis), picks, axis=axis), axis, 0)
    if np.ndim(q) == 0:
        out = out[0]
    return float(out) if np.ndim(out) == 0 else out


def _tail_index(level: float, n: int) -> int:
    """k = ceil(level n) (1-based), forgiving float noise such as 0.95 * 100 = 95.00000000000001."""
    an = level * n
    k = math.ceil(an - (1e-9 + 8 * np.finfo(float).eps * n))
    return min(max(k, 1), n)


def value_at_risk(x, level: float = 0.95) -> float:
    """Value-at-risk: the ``level`` lower empirical quantile of spend (USD, same units as ``x``).

    ``VaR_a = X_(k)`` with ``k = ceil(a n)`` in the sorted sample: the smallest outcome that at
    least a fraction ``a`` of outcomes do not exceed (numpy ``quantile(x, a,
    method="inverted_cdf")``).

    Parameters
    ----------
    x : array_like, 1-D
        Simulated outcomes of spend.
    level : float
        Confidence level in (0, 1), e.g. 0.95.

    Examples
    --------
    Outcomes 1, 2, ..., 10 at 75%: ``k = ceil(7.5) = 8``, so VaR = 8.

    >>> value_at_risk(range(1, 11), 0.75)
    8.0

    References
    ----------
    Rockafellar & Uryasev (2000), J. Risk 2(3): VaR is the left end of the minimisers of
    ``z + E[(X - z)+] / (1 - a)``. For a normal N(mu, s^2), VaR_95 = mu + 1.6449 s.
    """
    a = _outcomes(x)
    lv = _level(level)
    k = _tail_index(lv, a.size)
    return float(np.partition(a, k - 1)[k - 1])


def conditional_value_at_risk(x, level: float = 0.95) -> float:
    """Conditional value-at-risk: expected spend in the worst ``1 - level`` of outcomes (USD).

    ``CVaR_a = min_z { z + E[(X - z)+] / (1 - a) }`` (Rockafellar & Uryasev 2000), computed as
    ``[(k - a n) X_(k) + sum_{i>k} X_(i)] / ((1 - a) n)`` with ``k = ceil(a n)``: the mean of
    the worst ``(1 - a) n`` outcomes, the boundary outcome X_(k) weighted by the fraction
    ``k - a n`` still needed to fill the tail. Always ``CVaR >= VaR`` and ``CVaR >= mean``.

    Parameters
    ----------
    x : array_like, 1-D
        Simulated outcomes of spend.
    level : float
        Confidence level in (0, 1), e.g. 0.95.

    Examples
    --------
    Outcomes 1, ..., 10 at 75%: the worst 2.5 outcomes are 10, 9 and half of 8, so
    CVaR = (10 + 9 + 0.5 x 8) / 2.5 = 9.2.

    >>> conditional_value_at_risk(range(1, 11), 0.75)
    9.2

    References
    ----------
    Rockafellar, R.T. and Uryasev, S. (2000), "Optimization of conditional value-at-risk",
    Journal of Risk 2(3), 21-41. For a normal N(mu, s^2),
    CVaR_95 = mu + phi(1.6449) / 0.05 s = mu + 2.0627 s.
    """
    a = _outcomes(x)
    lv = _level(level)
    n = a.size
    k = _tail_index(lv, n)
    s = np.sort(a)
    atom = max(k - lv * n, 0.0)  # weight of X_(k) in the tail, in units of 1/n
    tail = float(np.sum(s[k:]))
    return float((atom * s[k - 1] + tail) / ((1.0 - lv) * n))


def budget_at_risk(x, level: float = 0.95) -> float:
    """Budget-at-risk: how far spend can overrun its expected value, ``VaR_a - mean`` (USD).

    Worked number: outcomes 1, ..., 10 at 75% give VaR 8 and mean 5.5, so 2.5.
    """
    a = _outcomes(x)
    return value_at_risk(a, level) - float(np.mean(a))


def prob_exceed(x, budget: float) -> float:
    """Probability that spend exceeds the budget: the fraction of outcomes strictly above it.

    Worked number: outcomes 1, ..., 10 against a budget of 8 give 2 / 10 = 0.2.
    """
    a = _outcomes(x)
    if not isinstance(budget, (int, float, np.number)) or not math.isfinite(float(budget)):
        raise InputError("the budget must be a finite amount in USD.", column="budget",
                         value=budget, fix="Enter the budget as a number, e.g. 1200000.")
    return float(np.mean(a > float(budget)))


def coefficient_of_variation(x) -> float:
    """Coefficient of variation ``std(x, ddof=1) / mean(x)`` of positive spend (unitless).

    Worked number: outcomes 1, ..., 10 have sample std 3.0277 and mean 5.5, so 0.5505.
    Raises InputError when the mean is not positive (the ratio then means nothing for spend).
    """
    a = _outcomes(x, min_size=2)
    m = float(np.mean(a))
    if not m > 0:
        raise InputError("the coefficient of variation needs a positive mean spend.",
                         column="x", value=m, fix="Pass spend outcomes (positive USD amounts).")
    return float(np.std(a, ddof=1)) / m


def worst(x) -> float:
    """The worst (highest) simulated spend, USD."""
    return float(np.max(_outcomes(x)))


@dataclass(frozen=True)
class RiskSummary:
    """Risk of one spend distribution (USD unless stated; probabilities in [0, 1]).

    ``cv`` is NaN when the mean is not positive; ``budget`` and ``prob_exceed_budget`` are None
    when no budget was given.
    """

    n: int
    mean: float
    std: float
    cv: float
    var_95: float
    cvar_95: float
    var_99: float
    cvar_99: float
    budget_at_risk_95: float
    budget: float | None
    prob_exceed_budget: float | None
    worst: float

    def as_dict(self) -> dict:
        """The fields as a plain dict (for tables and JSON)."""
        return asdict(self)


def risk_summary(x, budget: float | None = None) -> RiskSummary:
    """Mean, std, CV, VaR/CVaR at 95% and 99%, budget-at-risk 95%, P(spend > budget), worst.

    Worked number: outcomes 1, ..., 10 give mean 5.5, VaR_95 = CVaR_95 = 10 and, with a
    budget of 8, P(> budget) = 0.2. See the module docstring for the quantile definition.
    """
    a = _outcomes(x, min_size=2)
    mean = float(np.mean(a))
    var95 = value_at_risk(a, 0.95)
    return RiskSummary(
        n=int(a.size),
        mean=mean,
        std=float(np.std(a, ddof=1)),
        cv=coefficient_of_variation(a) if mean > 0 else float("nan"),
        var_95=var95,
        cvar_95=conditional_value_at_risk(a, 0.95),
        var_99=value_at_risk(a, 0.99),
        cvar_99=conditional_value_at_risk(a, 0.99),
        budget_at_risk_95=var95 - mean,
        budget=None if budget is None else float(budget),
        prob_exceed_budget=None if budget is None else prob_exceed(a, budget),
        worst=float(np.max(a)),
    )


@dataclass(frozen=True)
class VolatilityReduction:
    """How much a hedge shrinks the spread of spend, in both forms the literature uses.

    ``sd_reduction = 1 - sd_hedged / sd_unhedged`` (reduction in standard deviation) and
    ``variance_reduction = 1 - var_hedged / var_unhedged`` (hedge efficiency E of arXiv
    2603.21690 eq. 10). The paper reports both under the name "volatility reduction": its
    baseline SD 1.80 -> 0.65 is a 63.9% SD reduction and an 87.0% variance reduction.
    """

    sd_unhedged: float
    sd_hedged: float
    sd_reduction: float
    variance_reduction: float


def volatility_reduction(unhedged, hedged) -> VolatilityReduction:
    """Standard-deviation and variance reduction from unhedged to hedged spend outcomes.

    ``sd_reduction = 1 - s_h / s_u`` and ``variance_reduction = 1 - s_h^2 / s_u^2``, with sample
    standard deviations (``ddof=1``). Negative values mean the hedge added volatility.

    Worked number (arXiv 2603.21690 §8.2 baseline): s_u = 1.80, s_h = 0.65 give
    sd_reduction = 0.6389 and variance_reduction = 1 - (0.65 / 1.80)^2 = 0.8696.
    """
    u = _outcomes(unhedged, "unhedged", min_size=2)
    h = _outcomes(hedged, "hedged", min_size=2)
    su, sh = float(np.std(u, ddof=1)), float(np.std(h, ddof=1))
    if not su > 0:
        raise InputError("unhedged spend does not vary, so there is no volatility to reduce.",
                         column="unhedged", value=su,
                         fix="Pass simulated outcomes that differ between paths.")
    return VolatilityReduction(sd_unhedged=su, sd_hedged=sh, sd_reduction=1.0 - sh / su,
                               variance_reduction=1.0 - (sh / su) ** 2)
