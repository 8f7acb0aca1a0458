"""Log-linear trend regression for monthly volume, with level shifts, season and calendar terms.

    log y_t = a + g (t - t_bar) + [s sin(2 pi t / 12) + c cos(2 pi t / 12)]
              + c' (cal_t - cal_bar) + sum_j d_j 1[t >= tau_j] + e_t,   e_t ~ N(0, sigma^2)

fitted by least squares (``numpy.linalg.lstsq``). ``g`` is the monthly log growth
(``exp(g) - 1`` per month); the Fourier pair is included only with at least 24 months; the
calendar columns (e.g. weekend days, or the weekday share, of each month) only when given; the
shifts ``tau_j`` come from :func:`~hedging.forecast.level_shifts.detect_level_shifts` unless
passed.

Intervals: the exact Gaussian predictive distribution, simulated. Per path ``k``,
``sigma_k^2 = s^2 nu / chi2_nu`` and ``theta_k ~ N(theta_hat, sigma_k^2 (X'X)^{-1})`` (from the
seed), then ``log y_{T+h} = x_{T+h}' theta_k + sigma_k z_{k,h}``, with ``z`` the shocks (or
seeded draws), ``s^2 = RSS / nu`` and ``nu = n - p``. Each month's marginal is then the classical
prediction interval ``x' theta_hat +/- t_nu s sqrt(1 + x'(X'X)^{-1} x)`` (the posterior
predictive under the flat prior ``p(theta, sigma^2) ~ 1/sigma^2``), which widens with ``h``
because the trend is extrapolated. Detected shift positions are treated as known, and a future
migration is not foreseen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from hedging.errors import HedgingWarning, InputError
from hedging.forecast.drift import DriftFit, fit_drift
from hedging.forecast.level_shifts import detect_level_shifts, step_columns
from hedging.forecast.paths import (MONTHS_PER_YEAR, SHORT_HISTORY, History, VolumeForecast,
                                    as_history, check_horizon, future_calendar,
                                    log_growth_text, standard_shocks, summarise_paths)

NAME = "loglinear"
#: Fewest months for the annual Fourier pair.
FOURIER_MONTHS = 24
_MIN_DOF = 4  # calendar terms only when they leave this many residual degrees of freedom


@dataclass(frozen=True)
class LogLinearFit:
    """Fitted log-linear trend model.

    Attributes
    ----------
    coef : tuple of float
        Coefficients in the order of ``names``: ``intercept`` (log level at the mean month),
        ``growth`` (``g``, log units per month), ``sin``/``cos`` (annual pair), calendar names,
        ``shift_<tau>``.
    names : tuple of str
    cov_unscaled : tuple of tuple of float
        ``(X'X)^{-1}``; the coefficient covariance is ``sigma^2`` times it.
    sigma : float
        Residual standard deviation ``s`` (log units), ``s^2 = RSS / dof``.
    dof : int
        Residual degrees of freedom ``n - p``.
    shifts : tuple of int
        Shift positions ``tau_j`` counted from the first month used.
    t_mean : float
        Mean month position used to centre the trend.
    calendar_input, calendar_keep : tuple
        Calendar regressors passed to ``fit`` and which of them were used.
    calendar_names, calendar_mean : tuple
        Calendar regressors used and their historical means.
    n, start, offset : int
        Months fitted, position of the first forecast month, leading zero months dropped.
    warnings : tuple of HedgingWarning
    """

    model: str
    coef: tuple[float, ...]
    names: tuple[str, ...]
    cov_unscaled: tuple[tuple[float, ...], ...]
    sigma: float
    dof: int
    shifts: tuple[int, ...]
    t_mean: float
    fourier: bool
    calendar_input: tuple[str, ...]
    calendar_keep: tuple[bool, ...]
    calendar_names: tuple[str, ...]
    calendar_mean: tuple[float, ...]
    n: int
    start: int
    offset: int
    warnings: tuple[HedgingWarning, ...]

    @property
    def growth(self) -> float:
        """Monthly log growth ``g``."""
        return self.coef[1]

    @property
    def growth_se(self) -> float:
        """Standard error of ``g``: ``s sqrt([(X'X)^{-1}]_{11})``."""
        return self.sigma * float(np.sqrt(self.cov_unscaled[1][1]))

    @property
    def shift_sizes(self) -> tuple[float, ...]:
        """Log size ``d_j`` of each shift (``exp(d) - 1`` is the relative jump)."""
        return tuple(self.coef[-len(self.shifts):]) if self.shifts else ()

    def design(self, t: np.ndarray, calendar: np.ndarray | None) -> np.ndarray:
        """Regression rows for month positions ``t`` (from the first month used)."""
        t = np.asarray(t, dtype=float)
        cols = [np.ones(t.size), t - self.t_mean]
        if self.fourier:
            w = 2 * np.pi * t / MONTHS_PER_YEAR
            cols += [np.sin(w), np.cos(w)]
        if self.calendar_names:
            cols += list((calendar - np.asarray(self.calendar_mean)).T)
        if self.shifts:
            cols += list((t[:, None] >= np.asarray(self.shifts)[None, :]).astype(float).T)
        return np.column_stack(cols)

    def point_log(self, horizon: int, calendar_future: np.ndarray | None = None) -> np.ndarray:
        """``x_{T+h}' theta_hat``, the median of log volume, ``h = 1..horizon``."""
        t = np.arange(self.n, self.n + check_horizon(horizon))
        return self.design(t, calendar_future) @ np.asarray(self.coef)

    def forecast(self, horizon: int, *, calendar_future: ArrayLike | Mapping | None = None,
                 n_paths: int | None = None, seed: int | np.random.Generator | None = None,
                 shocks: ArrayLike | None = None) -> VolumeForecast:
        """Simulate ``horizon`` months from the predictive distribution (module docstring).

        ``shocks`` (when given, column ``h - 1`` for month ``h``) are the ``z`` of the residual
        term, used as is; the draws of ``sigma_k`` and ``theta_k`` always come from ``seed``, so
        the same shocks and the same seed give the same paths.

        Example: ``s = 0.05``, ``nu = 22``, and ``x'(X'X)^{-1}x = 0.2`` at ``h = 12`` give an
        80% log half-width of ``t_22(0.9) 0.05 sqrt(1.2) = 1.3212 * 0.05477 = 0.0724``.
        """
        horizon = check_horizon(horizon)
        cal = future_calendar(calendar_future, horizon, self.calendar_input)
        cal = cal[:, np.asarray(self.calendar_keep)] if self.calendar_names else None
        rng = np.random.default_rng(seed)
        z = standard_shocks(shocks, n_paths, horizon, rng)
        x_future = self.design(np.arange(self.n, self.n + horizon), cal)
        sigma_k = self.sigma * np.sqrt(self.dof / rng.chisquare(self.dof, z.shape[0]))
        chol = np.linalg.cholesky(np.asarray(self.cov_unscaled))
        u = rng.standard_normal((z.shape[0], len(self.coef)))
        theta = np.asarray(self.coef) + sigma_k[:, None] * (u @ chol.T)
        log_paths = theta @ x_future.T + sigma_k[:, None] * z
        return summarise_paths(self.model, log_paths, x_future @ np.asarray(self.coef),
                               self.start, seed, self.warnings)


def fit(y: ArrayLike, *, calendar: ArrayLike | Mapping | None = None,
        shifts: tuple[int, ...] | str = "auto", max_shifts: int = 2,
        min_gap: int = 3) -> LogLinearFit | DriftFit:
    """Fit the log-linear trend model by least squares.

    Parameters
    ----------
    y : array_like
        Monthly volumes (tokens, GPU-hours), oldest first, >= 0.
    calendar : array_like or mapping, optional
        Per-month calendar regressors (e.g. ``{"weekend_days": ...}``); the forecast then needs
        ``calendar_future``.
    shifts : "auto" or tuple of int
        Level-shift positions (months from the first month used), or ``"auto"`` to detect up to
        ``max_shifts`` with :func:`detect_level_shifts`; ``()`` for none.
    max_shifts, min_gap : int
        Passed to the detection.

    Returns
    -------
    LogLinearFit or DriftFit
        ``DriftFit`` (with a ``short_history`` warning) for fewer than 6 months.

    Examples
    --------
    ``y = 1000 exp(0.05 t)``, ``t = 0..11``: growth ``g = 0.05`` (+5.1%/month), ``sigma = 0``
    up to rounding.
    """
    history = as_history(y, calendar)
    if history.n < SHORT_HISTORY:
        return fit_drift(history, NAME)
    n, x = history.n, history.logs
    warnings = list(history.warnings)
    t = np.arange(n, dtype=float)
    fourier = n >= FOURIER_MONTHS
    cal_input = history.calendar_names
    keep = np.zeros(len(cal_input), dtype=bool)
    if history.calendar is not None:
        cal = history.calendar
        keep = cal.std(axis=0) > 1e-12 * (1.0 + np.abs(cal).max(axis=0))
        if n - 2 - 2 * fourier - int(keep.sum()) < _MIN_DOF:
            keep[:] = False
    while True:
        proto = _prototype(history, fourier, keep)
        base = proto.design(t, history.calendar[:, keep] if keep.any() else None)
        if isinstance(shifts, str):
            if shifts != "auto":
                raise InputError("`shifts` must be 'auto' or a tuple of month positions.",
                                 column="shifts", value=shifts, fix="E.g. shifts=(14,) or 'auto'.")
            found = detect_level_shifts(history.values, max_shifts, min_gap,
                                        regressors=base[:, 2:])
        else:
            found = _check_shifts(shifts, n)
        design = np.column_stack([base, step_columns(n, found)]) if found else base
        if _full_rank(design) or not keep.any():
            break
        keep[np.flatnonzero(keep)[-1]] = False
    if not keep.all() and cal_input:
        dropped = [nm for nm, k in zip(cal_input, keep) if not k]
        warnings.append(HedgingWarning(
            "calendar_ignored", f"Calendar regressor(s) {dropped} were left out of the "
            f"loglinear model: constant or collinear over the {n} months, or too many for so "
            "few months."))
    names = (("intercept", "growth") + (("sin", "cos") if fourier else ())
             + proto.calendar_names + tuple(f"shift_{tau}" for tau in found))
    if not _full_rank(design) or n - design.shape[1] < 1:
        raise InputError(f"the loglinear design ({', '.join(names)}) has too many terms for "
                         f"{n} months or collinear columns.", column="shifts",
                         fix="Pass fewer shifts, or none.")
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)
    resid = x - design @ coef
    dof = n - design.shape[1]
    sigma = float(np.sqrt(resid @ resid / dof))
    _, r = np.linalg.qr(design)
    r_inv = scipy.linalg.solve_triangular(r, np.eye(r.shape[0]))
    cov = r_inv @ r_inv.T
    if found:
        sizes = coef[-len(found):]
        warnings.append(HedgingWarning(
            "level_shift", "Level shift(s) found and modelled at month position(s) "
            + ", ".join(f"{tau + history.offset} ({np.expm1(d) * 100:+.0f}%)"
                        for tau, d in zip(found, sizes))
            + f"; trend {log_growth_text(float(coef[1]))} around them."))
    return replace(proto, coef=tuple(float(v) for v in coef), names=names,
                   cov_unscaled=tuple(tuple(float(v) for v in row) for row in cov), sigma=sigma,
                   dof=dof, shifts=tuple(found), warnings=tuple(warnings))


def _prototype(history: History, fourier: bool, keep: np.ndarray) -> LogLinearFit:
    """A fit without coefficients, used to build the design for the kept calendar columns."""
    names = tuple(nm for nm, k in zip(history.calendar_names, keep) if k)
    mean = (tuple(float(v) for v in history.calendar[:, keep].mean(axis=0)) if names else ())
    return LogLinearFit(model=NAME, coef=(), names=(), cov_unscaled=(), sigma=0.0, dof=0,
                        shifts=(), t_mean=(history.n - 1) / 2.0, fourier=fourier,
                        calendar_input=history.calendar_names,
                        calendar_keep=tuple(bool(k) for k in keep),
                        calendar_names=names, calendar_mean=mean, n=history.n,
                        start=history.length, offset=history.offset, warnings=())


def _full_rank(design: np.ndarray) -> bool:
    _, r, _ = scipy.linalg.qr(design, mode="economic", pivoting=True)
    return int(np.sum(np.abs(np.diag(r)) > 1e-10 * abs(r[0, 0]))) == design.shape[1]


def _check_shifts(shifts: object, n: int) -> tuple[int, ...]:
    try:
        found = tuple(sorted(int(v) for v in shifts))  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise InputError("`shifts` must be 'auto' or a tuple of month positions.",
                         column="shifts", value=shifts, fix="E.g. shifts=(14,).") from None
    if any(not 1 <= tau <= n - 1 for tau in found) or len(set(found)) != len(found):
        raise InputError(f"shift positions must be distinct and between 1 and {n - 1}.",
                         column="shifts", value=shifts, fix="Count months from the first one used.")
    return found
