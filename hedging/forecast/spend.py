"""Spend paths: volume times the company's unit price, simulated jointly, and the budget view.

For one usage series (e.g. "OpenAI tokens" or "H100 GPU-hours") and forecast month ``t``

    spend_t = volume_t * volume_unit_scale * p_t          (USD)
    log p_t = log p_0 + b (log I_t - log I_0) + (e_t - e_0) + log(step multipliers to t)

with ``I`` the simulated index, ``b`` and the AR(1) residual ``e`` from the basis fit
(:mod:`hedging.forecast.basis`). Volume and price co-move through their innovations: volume models
take standardised shocks ``z_volume = rho z_price + sqrt(1 - rho^2) eps``
(:func:`correlated_shocks`). Futures on ``I`` can offset only the ``b log I`` part; the volume
and the residual stay unhedged, and the spend paths carry both.

All arrays are ``(n_paths, months)``; column ``j`` is forecast month ``j + 1`` after the last
observed month (month 0: ``last_unit_price``, ``last_index``). Quantiles are the product's one
definition, :func:`hedging.risk.quantile`: the lower empirical quantile ``X_(ceil(q n))`` (Hyndman
and Fan 1996, definition 1; numpy's ``inverted_cdf``), the same as VaR and budget-at-risk use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from hedging.risk import quantile
from hedging.errors import HedgingWarning, InputError
from hedging.forecast.basis import BasisFit

_BAND_LEVELS = (0.025, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.975)
_PHI_MAX = 0.99


def _paths(values: ArrayLike, name: str, *, positive: bool) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"`{name}` must be an array of numbers.", column=name,
                         fix="Pass a numeric array of shape (n_paths, months).") from None
    if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InputError(f"`{name}` must be 2-D (n_paths, months), got shape {arr.shape}.",
                         column=name, fix="Pass one row per simulated path, one column per month.")
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
    if bad.any():
        where = np.argwhere(bad)[0]
        rule = "positive" if positive else "non-negative"
        raise InputError(f"`{name}` must be finite and {rule}; path {where[0]}, month column "
                         f"{where[1]} is not.", column=name, value=float(arr[tuple(where)]),
                         fix=f"Check the simulation that produced `{name}`.")
    return arr


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def price_innovations(index_paths: ArrayLike) -> np.ndarray:
    """Standardised monthly log changes of the index across paths.

    ``d_{k,t} = log I_{k,t} - log I_{k,t-1}`` and ``z_{k,t} = (d_{k,t} - mean_k d_t) / sd_k d_t``
    (``ddof=0``), so every month of ``z`` has mean 0 and standard deviation 1 across paths. The
    first column is compared with the common starting level, which standardisation removes, so
    ``z_{k,1}`` standardises ``log I_{k,1}``. A month with no spread across paths (e.g. a column
    holding the common start) gives zeros.

    Parameters
    ----------
    index_paths : array_like, shape (n_paths, months)
        Simulated index levels (USD per million tokens or per GPU-hour), positive; n_paths >= 2.

    Returns
    -------
    numpy.ndarray, shape (n_paths, months)
        ``z_price``.

    Examples
    --------
    Two paths ``[[1, 2], [1, 8]]``: month-2 log changes ``ln 2, ln 8`` have mean ``2 ln 2`` and sd
    ``ln 2``, so ``z = [[0, -1], [0, 1]]`` (month 1 has no spread).
    """
    levels = _paths(index_paths, "index_paths", positive=True)
    if levels.shape[0] < 2:
        raise InputError("`index_paths` needs at least 2 paths to standardise across paths.",
                         column="index_paths", fix="Simulate more paths (thousands).")
    logs = np.log(levels)
    d = np.diff(logs, axis=1, prepend=0.0)
    centred = d - d.mean(axis=0)
    sd = centred.std(axis=0)
    flat = sd <= 1e-12 * np.maximum(1.0, np.abs(d).max(axis=0))
    return np.where(flat, 0.0, centred / np.where(flat, 1.0, sd))


def correlated_shocks(z_price: ArrayLike, rho: float,
                      seed: int | np.random.Generator | None = None) -> np.ndarray:
    """Volume shocks correlated with the price innovations: ``rho z_price + sqrt(1-rho^2) eps``.

    ``eps`` is independent standard normal noise of the same shape. Because each month of
    ``z_price`` has mean 0 and variance 1, ``z_volume`` does too and
    ``corr(z_price, z_volume) = rho``. ``rho`` is the Pearson correlation of the standardised
    monthly *innovations* (surprises), not of volume and price *levels*, whose correlation also
    depends on trends, mean reversion and how each model accumulates shocks. When ``z_price`` is
    Gaussian this is a Gaussian copula; with index jumps ``z_price`` is heavy-tailed and
    ``z_volume`` inherits a share ``rho`` of that tail, so rank correlations differ from ``rho``.

    Parameters
    ----------
    z_price : array_like
        Standardised price innovations (:func:`price_innovations`).
    rho : float
        Target correlation in [-1, 1]; positive when a demand surge raises both.
    seed : int, Generator or None
        Source of ``eps``.

    Examples
    --------
    ``rho = 0.6`` weights price by 0.6 and fresh noise by ``sqrt(1 - 0.36) = 0.8``.
    """
    z = np.asarray(z_price, dtype=float)
    if not np.all(np.isfinite(z)):
        raise InputError("`z_price` contains non-finite values.", column="z_price",
                         fix="Build it with price_innovations(index_paths).")
    if not (_is_number(rho) and -1.0 <= rho <= 1.0):
        raise InputError("`rho` must be a correlation between -1 and 1.", column="rho", value=rho,
                         fix="Use e.g. 0.3 when demand surges raise both volume and price.")
    rho = float(rho)
    if abs(rho) == 1.0:
        return rho * z
    return rho * z + math.sqrt(1.0 - rho * rho) * _rng(seed).standard_normal(z.shape)


def unit_price_paths(index_paths: ArrayLike, basis: BasisFit, last_unit_price: float,
                     last_index: float, *, seed: int | np.random.Generator | None = None,
                     steps: Sequence[tuple[int, float]] = (),
                     start_residual: float | None = None) -> np.ndarray:
    """The company's unit price on each index path, with basis noise and announced price changes.

    ``log p_t = log p_0 + b (log I_t - log I_0) + (e_t - e_0) + sum_{(m, c): m <= j} log c``
    for column ``j``, where ``e`` is a stationary AR(1) with the fit's lag-1 autocorrelation
    ``phi`` (clipped to [-0.99, 0.99]) and marginal sd ``s = basis.residual_sd``:
    ``e_t = phi e_{t-1} + s sqrt(1 - phi^2) eta_t``, ``eta`` iid N(0, 1).

    Parameters
    ----------
    index_paths : array_like, shape (n_paths, months)
        Simulated index levels for forecast months 1..H (drop a leading column holding the
        start), in the index's units.
    basis : BasisFit
        A log fit (``log=True``).
    last_unit_price, last_index : float
        ``p_0`` and ``I_0``: the last observed month, the anchor of every path.
    seed : int, Generator or None
        Source of the residual noise.
    steps : sequence of (month_index, multiplier)
        Announced price changes: the price is multiplied by ``multiplier`` (> 0) from column
        ``month_index`` (0 = first forecast month) on. Steps beyond the horizon have no effect.
    start_residual : float, optional
        ``e_0``. By default the observed residual ``log p_0 - a - b log I_0``, so today's
        deviation from the fitted line decays at rate ``phi`` (with ``phi = 0`` it is gone by
        month 1). Pass ``0.0`` to take today's price as on the line: the current basis persists
        and the noise starts from zero.

    Returns
    -------
    numpy.ndarray, shape (n_paths, months)
        Unit prices, USD per million tokens or per GPU-hour.

    Examples
    --------
    ``b = 0.8``, no residual noise, ``start_residual=0``, ``p_0 = 3.00``, index 2.00 -> 1.50:
    ``3.00 * 0.75^0.8 = 2.3833``; with ``steps=((0, 0.9),)`` (a 10% cut announced for month 1)
    ``2.1449``.
    """
    levels = _paths(index_paths, "index_paths", positive=True)
    if not basis.log:
        raise InputError("unit price paths need a basis fitted in logs (log=True).",
                         column="basis", fix="Refit with fit_basis(..., log=True); log prices "
                         "stay positive in simulation, levels do not.")
    for name, value in (("last_unit_price", last_unit_price), ("last_index", last_index)):
        if not (_is_number(value) and math.isfinite(value) and value > 0):
            raise InputError(f"`{name}` must be a positive number.", column=name, value=value,
                             fix="Pass the last observed month's value.")
    n_paths, months = levels.shape
    log_p = math.log(last_unit_price) + basis.slope * (np.log(levels) - math.log(last_index))

    e0 = (basis.residual_of(float(last_unit_price), float(last_index))
          if start_residual is None else float(start_residual))
    if not math.isfinite(e0):
        raise InputError("`start_residual` must be finite.", value=start_residual,
                         fix="Leave it out or pass 0.0.")
    phi = min(max(basis.residual_autocorr, -_PHI_MAX), _PHI_MAX)
    innov_sd = basis.residual_sd * math.sqrt(1.0 - phi * phi)
    rng = _rng(seed) if innov_sd > 0 else None
    e = np.full(n_paths, e0)
    for j in range(months):
        e = phi * e
        if rng is not None:
            e = e + innov_sd * rng.standard_normal(n_paths)
        log_p[:, j] += e - e0

    for item in steps:
        try:
            month, multiplier = item
            month_ok = float(month) == int(month) and int(month) >= 0
            mult_ok = math.isfinite(float(multiplier)) and float(multiplier) > 0
        except (TypeError, ValueError):
            month_ok = mult_ok = False
        if not (month_ok and mult_ok):
            raise InputError("each price step must be (month_index >= 0, multiplier > 0).",
                             column="steps", value=item,
                             fix="E.g. steps=((3, 0.9),) for a 10% cut from the 4th forecast month.")
        log_p[:, int(month):] += math.log(float(multiplier))
    return np.exp(log_p)


@dataclass(frozen=True, eq=False)
class SpendPaths:
    """Simulated volume, unit price and spend of one usage series (arrays, so ``eq=False``).

    Attributes
    ----------
    volume : numpy.ndarray, shape (n_paths, months)
        Usage in native units (tokens, GPU-hours), read-only.
    unit_price : numpy.ndarray, shape (n_paths, months)
        USD per priced unit (per million tokens, per GPU-hour), read-only.
    spend : numpy.ndarray, shape (n_paths, months)
        ``volume * volume_unit_scale * unit_price`` in USD, read-only.
    volume_unit_scale : float
        Priced units per native unit (1e-6: tokens to millions).
    """

    volume: np.ndarray
    unit_price: np.ndarray
    spend: np.ndarray
    volume_unit_scale: float

    @property
    def n_paths(self) -> int:
        return int(self.spend.shape[0])

    @property
    def months(self) -> int:
        return int(self.spend.shape[1])

    def total(self) -> np.ndarray:
        """Spend over the whole horizon per path, USD, shape (n_paths,)."""
        return self.spend.sum(axis=1)

    def expected(self) -> np.ndarray:
        """Mean spend per month across paths, USD, shape (months,)."""
        return self.spend.mean(axis=0)

    def monthly_quantiles(self, levels: ArrayLike) -> np.ndarray:
        """Spend quantiles per month, shape (len(levels), months) (:func:`hedging.risk.quantile`)."""
        q = np.atleast_1d(np.asarray(levels, dtype=float))
        if q.ndim != 1 or np.any(~np.isfinite(q)) or np.any((q < 0) | (q > 1)):
            raise InputError("quantile levels must be numbers in [0, 1].", value=levels,
                             fix="E.g. (0.05, 0.5, 0.95).")
        return quantile(self.spend, q, axis=0)


def spend_paths(volume_paths: ArrayLike, unit_price_paths: ArrayLike, *,
                volume_unit_scale: float = 1e-6) -> SpendPaths:
    """Spend in USD: ``volume * volume_unit_scale * unit_price`` path by path, month by month.

    Parameters
    ----------
    volume_paths : array_like, shape (n_paths, months) or (months,)
        Usage in native units (>= 0); a 1-D array is a deterministic volume shared by all paths.
    unit_price_paths : array_like, shape (n_paths, months)
        USD per priced unit (> 0), e.g. from :func:`unit_price_paths`.
    volume_unit_scale : float
        Priced units per native unit: 1e-6 for tokens priced per million, 1.0 for GPU-hours.

    Examples
    --------
    250 million tokens at USD 2.40 per million: ``250e6 * 1e-6 * 2.40 = 600`` USD.
    """
    if not (_is_number(volume_unit_scale) and math.isfinite(volume_unit_scale)
            and volume_unit_scale > 0):
        raise InputError("`volume_unit_scale` must be a positive number.", value=volume_unit_scale,
                         fix="Use 1e-6 for tokens priced per million, 1.0 for GPU-hours.")
    price = _paths(unit_price_paths, "unit_price_paths", positive=True)
    vol = np.asarray(volume_paths, dtype=float)
    if vol.ndim == 1:
        vol = np.broadcast_to(vol, price.shape)
    vol = _paths(vol, "volume_paths", positive=False)
    if vol.shape != price.shape:
        raise InputError(f"`volume_paths` has shape {vol.shape} but `unit_price_paths` has "
                         f"{price.shape}.", fix="Simulate both with the same paths and months.")
    vol, price = np.array(vol, dtype=float), np.array(price, dtype=float)  # own, read-only copies
    spend = vol * volume_unit_scale * price
    for arr in (vol, price, spend):
        arr.setflags(write=False)
    return SpendPaths(volume=vol, unit_price=price, spend=spend,
                      volume_unit_scale=float(volume_unit_scale))


@dataclass(frozen=True)
class SpendSummary:
    """Distribution of spend in one month (or over the horizon) against its budget, USD.

    ``lower_X``/``upper_X`` bound the central X% band (e.g. 2.5th and 97.5th percentiles for 95%);
    ``p95`` is the 95th percentile and ``budget_at_risk = p95 - expected``. ``prob_over_budget`` is
    the share of paths with spend strictly above ``budget`` and ``prob_over_budget_se`` its
    binomial standard error ``sqrt(p (1 - p) / n)``; all three are None without a budget.
    """

    expected: float
    median: float
    lower_50: float
    upper_50: float
    lower_80: float
    upper_80: float
    lower_95: float
    upper_95: float
    p95: float
    budget_at_risk: float
    budget: float | None = None
    prob_over_budget: float | None = None
    prob_over_budget_se: float | None = None


@dataclass(frozen=True)
class BudgetView:
    """Monthly and horizon-total spend distributions against budget (what a CFO reads).

    ``monthly[j]`` summarises forecast month ``j + 1``, ``total`` the sum over the horizon;
    ``warnings`` (not compared) note a prorated or inconsistent budget.
    """

    monthly: tuple[SpendSummary, ...]
    total: SpendSummary
    n_paths: int
    warnings: tuple[HedgingWarning, ...] = field(default=(), compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per forecast month (1..H) and a ``total`` row; columns are the summary fields."""
        rows = [vars(s) for s in self.monthly] + [vars(self.total)]
        index = pd.Index(list(range(1, len(self.monthly) + 1)) + ["total"], name="month")
        return pd.DataFrame(rows, index=index)


def _summary(sample: np.ndarray, budget: float | None) -> SpendSummary:
    q = quantile(sample, _BAND_LEVELS)
    lo95, lo80, lo50, med, hi50, hi80, p95, hi95 = (float(v) for v in q)
    expected = float(sample.mean())
    prob = se = None
    if budget is not None:
        prob = float(np.mean(sample > budget))
        se = math.sqrt(prob * (1.0 - prob) / sample.size)
    return SpendSummary(expected=expected, median=med, lower_50=lo50, upper_50=hi50,
                        lower_80=lo80, upper_80=hi80, lower_95=lo95, upper_95=hi95, p95=p95,
                        budget_at_risk=p95 - expected, budget=budget, prob_over_budget=prob,
                        prob_over_budget_se=se)


def budget_view(spend: SpendPaths | ArrayLike, budget_monthly: ArrayLike | None = None,
                budget_annual: float | None = None) -> BudgetView:
    """Expected spend, bands, probability of overrun and budget-at-risk, per month and in total.

    Per month and for the horizon total ``S``: ``E[S]`` (path mean), the central 50/80/95% bands
    (quantiles 25-75, 10-90, 2.5-97.5, :func:`hedging.risk.quantile`), ``P(S > B)`` (share of paths) and
    budget-at-risk ``q_0.95(S) - E[S]``. The total is compared with ``budget_annual`` when given
    (prorated by ``months / 12`` with a warning when the horizon is not 12 months), else with the
    sum of ``budget_monthly``.

    Parameters
    ----------
    spend : SpendPaths or array_like, shape (n_paths, months)
        Spend in USD; sum the arrays of several usage series first for a company-wide view.
    budget_monthly : array_like, shape (months,) or scalar, optional
        Budget per month, USD (>= 0).
    budget_annual : float, optional
        Budget for 12 months, USD (>= 0).

    Examples
    --------
    Month-1 spend on four paths ``1, 2, 3, 4`` with budget 2.5: expected 2.5, 50% band
    [1, 3] (``X_(ceil(0.25 * 4))`` and ``X_(ceil(0.75 * 4))``), P(S > 2.5) = 0.5, 95th percentile
    ``X_(ceil(3.8)) = 4``, budget-at-risk 1.5.

    References
    ----------
    R. J. Hyndman and Y. Fan (1996), "Sample Quantiles in Statistical Packages", The American
    Statistician 50(4), 361-365 (definition 1 is numpy's ``inverted_cdf``).
    """
    arr = spend.spend if isinstance(spend, SpendPaths) else _paths(spend, "spend", positive=False)
    n_paths, months = arr.shape
    monthly_b: np.ndarray | None = None
    if budget_monthly is not None:
        try:
            monthly_b = np.broadcast_to(np.asarray(budget_monthly, dtype=float), (months,))
        except (TypeError, ValueError):
            raise InputError(f"`budget_monthly` must be one number or {months} numbers (one per "
                             "forecast month).", column="budget_monthly",
                             fix="Pass a budget in USD for each forecast month.") from None
        if np.any(~np.isfinite(monthly_b)) or np.any(monthly_b < 0):
            raise InputError("`budget_monthly` must be finite and >= 0.", column="budget_monthly",
                             value=budget_monthly, fix="Pass budgets in USD.")
    if budget_annual is not None and not (
            _is_number(budget_annual) and math.isfinite(budget_annual) and budget_annual >= 0):
        raise InputError("`budget_annual` must be a number >= 0 (USD).", column="budget_annual",
                         value=budget_annual, fix="Pass the 12-month budget in USD.")

    warns: list[HedgingWarning] = []
    total_b: float | None = None
    if budget_annual is not None:
        total_b = float(budget_annual) * months / 12.0
        if months != 12:
            warns.append(HedgingWarning("prorated_annual_budget", (
                f"The horizon is {months} months, so the annual budget of "
                f"{budget_annual:,.0f} USD was prorated to {total_b:,.0f} USD for the total.")))
        if monthly_b is not None and not math.isclose(float(monthly_b.sum()), total_b,
                                                      rel_tol=5e-3):
            warns.append(HedgingWarning("budgets_disagree", (
                f"The monthly budgets sum to {monthly_b.sum():,.0f} USD but the annual budget "
                f"gives {total_b:,.0f} USD over the horizon; the total is compared with the "
                "annual budget.")))
    elif monthly_b is not None:
        total_b = float(monthly_b.sum())

    monthly = tuple(_summary(arr[:, j], None if monthly_b is None else float(monthly_b[j]))
                    for j in range(months))
    return BudgetView(monthly=monthly, total=_summary(arr.sum(axis=1), total_b),
                      n_paths=int(n_paths), warnings=tuple(warns))
