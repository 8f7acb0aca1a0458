"""Basis: how the company's own unit price follows the index it would hedge with.

The company pays its providers a unit price ``p_t`` (USD per million tokens, or per GPU-hour);
futures settle on an index ``I_t``. Monthly observations are regressed by ordinary least squares

    log p_t = a + b log I_t + e_t          (``log=True``, the default)
    p_t     = a + b I_t     + e_t          (``log=False``, levels)

The slope ``b`` is the elasticity of the company's price to the index, and the residual ``e_t``
is basis risk: the part of the price that no position in index futures can offset. For a
minimum-variance hedge the share of price variance removed is at most the regression R²
(Ederington 1979), so :attr:`BasisFit.max_price_hedge_effectiveness` is ``r_squared``. That cap is
for *price* risk only; volume risk is separate, and the effectiveness reported to users is what
the simulation measures, never this number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import HedgingWarning, InputError

#: Fewest paired months a regression is fitted on; below this use :meth:`BasisFit.identity`.
MIN_MONTHS = 6
#: Fewer paired months than this fit, with a ``short_history`` warning.
FEW_MONTHS = 12
#: ``|lag-1 autocorrelation|`` of the residuals at or above which ``sqrt(12)`` scaling is flagged.
AUTOCORR_WARN = 0.3


@dataclass(frozen=True)
class BasisFit:
    """OLS fit of the company's unit price on the index, monthly.

    Attributes
    ----------
    intercept, slope : float
        ``a`` and ``b`` above. With ``log=True`` the slope is an elasticity (0.8: a 10% index move
        moves the company's price by about 8%) and ``exp(a)`` is the price at index level 1.
    r_squared : float
        Coefficient of determination of the fit, in [0, 1].
    residual_sd : float
        Standard deviation of the monthly residual, ``sqrt(SSR / (n - 2))``; in log units with
        ``log=True`` (0.05 ~ 5% a month), in USD per unit with ``log=False``.
    residual_autocorr : float
        Lag-1 autocorrelation of the residuals, ``sum e_t e_{t-1} / sum e_t^2``.
    n : int
        Paired months used.
    slope_se, intercept_se : float
        Classical OLS standard errors (homoskedastic, independent residuals).
    log : bool
        Whether the regression is in logs.
    n_dropped : int
        Months dropped because either value was missing, non-finite or not positive.
    last_residual : float
        Residual of the last month used, ``e_n``.
    warnings : tuple of HedgingWarning
        Soft problems to show next to the fit (not compared by ``==``).
    """

    intercept: float
    slope: float
    r_squared: float
    residual_sd: float
    residual_autocorr: float
    n: int
    slope_se: float
    log: bool = True
    intercept_se: float = math.nan
    n_dropped: int = 0
    last_residual: float = 0.0
    warnings: tuple[HedgingWarning, ...] = field(default=(), compare=False)

    @property
    def annual_residual_vol(self) -> float:
        """``residual_sd * sqrt(12)``: annual basis volatility.

        Assumes independent monthly residuals. With lag-1 autocorrelation ``phi`` the variance of a
        12-month sum of AR(1) residuals is ``s^2 (12 + 2 sum_{k=1}^{11} (12 - k) phi^k)``
        (:func:`annual_residual_vol_ar1`); the fit warns when ``|phi| >= 0.3``.
        Example: ``residual_sd = 0.05`` gives ``0.05 * 3.4641 = 0.1732`` (17% a year).
        """
        return self.residual_sd * math.sqrt(12.0)

    @property
    def max_price_hedge_effectiveness(self) -> float:
        """Upper bound on the share of price variance a minimum-variance index hedge removes: R².

        Reference: L. H. Ederington (1979), "The Hedging Performance of the New Futures Markets",
        J. Finance 34(1), 157-170. A levels fit of trending series overstates it; a
        ``residual_autocorrelation`` warning hints at that.
        """
        return self.r_squared

    def residual_of(self, unit_price: float, index_level: float) -> float:
        """The residual ``log p - a - b log I`` (or ``p - a - b I``) of one observation."""
        if self.log:
            if not (unit_price > 0 and index_level > 0):
                raise InputError("unit price and index level must both be positive for a log basis.",
                                 value=(unit_price, index_level),
                                 fix="Pass the last observed positive unit price and index level.")
            return math.log(unit_price) - self.intercept - self.slope * math.log(index_level)
        return unit_price - self.intercept - self.slope * index_level

    @classmethod
    def identity(cls, unit_price: ArrayLike | None = None, index_level: ArrayLike | None = None,
                 *, reason: str = "too little history to fit", residual_sd: float = 0.0
                 ) -> BasisFit:
        """Fallback when no regression can be fitted: slope 1 on the log ratio.

        ``log p_t = a + log I_t + e_t``: the company's price moves one-for-one with the index.
        ``a`` is the mean of ``log(p / I)`` over the usable months and ``residual_sd`` its sample
        standard deviation (``ddof=1``; the ``residual_sd`` argument when fewer than 2 months).
        With no data ``a = 0`` (simulations anchor to the last observed price, so ``a`` then
        matters only through the starting residual; pass ``start_residual=0.0`` to
        :func:`hedging.forecast.spend.unit_price_paths` to keep today's ratio). R² and the
        standard errors are unknown (NaN), and a ``basis_identity`` warning says so.

        Example: prices 2.2, 2.2 against index 2.0, 2.0 give ``a = log 1.1 = 0.0953``.
        """
        if not (math.isfinite(residual_sd) and residual_sd >= 0):
            raise InputError("`residual_sd` must be a finite number >= 0.", value=residual_sd,
                             fix="Pass the monthly log residual standard deviation, e.g. 0.05.")
        ratio = np.empty(0)
        dropped = 0
        if unit_price is not None and index_level is not None:
            p, i = _paired(unit_price, index_level)
            ok = np.isfinite(p) & np.isfinite(i) & (p > 0) & (i > 0)
            dropped = int((~ok).sum())
            ratio = np.log(p[ok]) - np.log(i[ok])
        intercept = float(ratio.mean()) if ratio.size else 0.0
        sd = float(ratio.std(ddof=1)) if ratio.size >= 2 else float(residual_sd)
        last = float(ratio[-1] - intercept) if ratio.size else 0.0
        warning = HedgingWarning("basis_identity", (
            f"The unit price was not regressed on the index ({reason}); it is assumed to move "
            "one-for-one with the index (slope 1) with a monthly basis residual of "
            f"{sd:.1%}. The price-hedge effectiveness this implies is an assumption: read the "
            "simulated effectiveness instead, and refit once 6 or more paired months exist."))
        return cls(intercept=intercept, slope=1.0, r_squared=math.nan, residual_sd=sd,
                   residual_autocorr=0.0, n=int(ratio.size), slope_se=math.nan, log=True,
                   n_dropped=dropped, last_residual=last, warnings=(warning,))


def annual_residual_vol_ar1(residual_sd: float, phi: float, months: int = 12) -> float:
    """Volatility of the sum of ``months`` stationary AR(1) residuals with lag-1 correlation ``phi``.

    ``sqrt(s^2 (m + 2 sum_{k=1}^{m-1} (m - k) phi^k))``; equals ``s sqrt(m)`` when ``phi = 0``.
    Example: ``s = 0.05, phi = 0.5, m = 12`` gives ``0.05 sqrt(12 + 2 * 10.0005) = 0.2828``.
    """
    k = np.arange(1, months)
    return float(residual_sd * math.sqrt(months + 2.0 * np.sum((months - k) * phi ** k)))


def _paired(unit_price: ArrayLike, index_level: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, values in (("unit_price", unit_price), ("index_level", index_level)):
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"`{name}` must be numbers (one per month).", column=name,
                             fix="Pass a 1-D array of monthly values; use NaN for missing months."
                             ) from None
        if arr.ndim != 1:
            raise InputError(f"`{name}` must be 1-D (one value per month), got shape {arr.shape}.",
                             column=name, fix="Pass one value per month.")
        arrays.append(arr)
    if arrays[0].size != arrays[1].size:
        raise InputError(
            f"`unit_price` has {arrays[0].size} months but `index_level` has {arrays[1].size}.",
            fix="Align both series on the same months first (NaN where a month is missing).")
    return arrays[0], arrays[1]


def fit_basis(unit_price: ArrayLike, index_level: ArrayLike, *, log: bool = True) -> BasisFit:
    """Regress the company's monthly unit price on the index by OLS.

    Parameters
    ----------
    unit_price : array_like, shape (months,)
        The company's effective unit price per month (spend / volume): USD per million tokens or
        per GPU-hour.
    index_level : array_like, shape (months,)
        The index on the same months, in the same units.
    log : bool
        Regress ``log p`` on ``log I`` (default) or ``p`` on ``I``.

    Returns
    -------
    BasisFit
        ``b = Sxy / Sxx``, ``a = ybar - b xbar``, ``R² = 1 - SSR / Syy``,
        ``residual_sd = sqrt(SSR / (n - 2))``, ``slope_se = residual_sd / sqrt(Sxx)``,
        ``intercept_se = residual_sd sqrt(1/n + xbar² / Sxx)``.

    Raises
    ------
    InputError
        Fewer than 6 usable paired months, or a constant index. Use :meth:`BasisFit.identity`
        (with its warning) as the fallback.

    Notes
    -----
    Months where either value is missing, non-finite or not positive are dropped, counted in
    ``n_dropped`` and reported in a ``dropped_months`` warning. Worked example (Anscombe 1973,
    set I, ``log=False``): slope 0.5001, intercept 3.0001, R² 0.6665, slope SE 0.118.

    References
    ----------
    F. J. Anscombe (1973), "Graphs in Statistical Analysis", The American Statistician 27(1).
    L. H. Ederington (1979), J. Finance 34(1), 157-170 (R² as the hedge-effectiveness bound).
    """
    p, i = _paired(unit_price, index_level)
    ok = np.isfinite(p) & np.isfinite(i) & (p > 0) & (i > 0)
    n_dropped = int((~ok).sum())
    n = int(ok.sum())
    if n < MIN_MONTHS:
        raise InputError(
            f"only {n} month(s) have both a positive unit price and index level "
            f"({n_dropped} dropped); at least {MIN_MONTHS} are needed to fit the basis.",
            fix="Import more months of usage and index history, or use the identity basis "
                "(slope 1 on the log ratio) and read its warning.")
    x = np.log(i[ok]) if log else i[ok]
    y = np.log(p[ok]) if log else p[ok]
    xbar, ybar = float(x.mean()), float(y.mean())
    dx, dy = x - xbar, y - ybar
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    if sxx <= (1e-12 * max(1.0, abs(xbar))) ** 2 * n:
        raise InputError(
            "the index is constant over the fitted months, so the price cannot be regressed on it.",
            value=float(i[ok][0]),
            fix="Use a longer index history that moves, or the identity basis.")
    slope = sxy / sxx
    intercept = ybar - slope * xbar
    resid = dy - slope * dx
    ssr = float(resid @ resid)
    r_squared = min(max(1.0 - ssr / syy, 0.0), 1.0) if syy > 0 else 0.0
    s = math.sqrt(ssr / (n - 2))
    autocorr = float(resid[1:] @ resid[:-1] / ssr) if ssr > 0 else 0.0

    warns: list[HedgingWarning] = []
    if n_dropped:
        warns.append(HedgingWarning("dropped_months", (
            f"{n_dropped} month(s) were left out of the basis fit because the unit price or the "
            "index was missing or not positive.")))
    if n < FEW_MONTHS:
        warns.append(HedgingWarning("short_history", (
            f"The basis is fitted on only {n} months; the slope {slope:.2f} has a standard error "
            f"of {s / math.sqrt(sxx):.2f}. Treat the hedge ratio as rough.")))
    if syy == 0:
        warns.append(HedgingWarning("constant_unit_price", (
            "The company's unit price did not change over the fitted months: index futures "
            "explain none of it, and a hedge would add risk rather than remove it.")))
    if abs(autocorr) >= AUTOCORR_WARN:
        unit = "log " if log else ""
        warns.append(HedgingWarning("residual_autocorrelation", (
            f"The basis residuals have lag-1 autocorrelation {autocorr:.2f}: deviations from the "
            f"index {'persist' if autocorr > 0 else 'tend to reverse the next month'}. The annual basis volatility sqrt(12) x {s:.3g} = "
            f"{s * math.sqrt(12):.3g} ({unit}units) assumes independent months; allowing for the "
            f"autocorrelation it is {annual_residual_vol_ar1(s, autocorr):.3g}. A high R² from "
            "trending levels can also overstate how much of the price a hedge removes.")))
    return BasisFit(intercept=float(intercept), slope=float(slope), r_squared=float(r_squared),
                    residual_sd=s, residual_autocorr=autocorr, n=n,
                    slope_se=s / math.sqrt(sxx), log=bool(log),
                    intercept_se=s * math.sqrt(1.0 / n + xbar ** 2 / sxx),
                    n_dropped=n_dropped, last_residual=float(resid[-1]), warnings=tuple(warns))
