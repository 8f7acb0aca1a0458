"""Damped-trend exponential smoothing on log volume, ETS(A,Ad,N), with simulated intervals.

Component form (Gardner and McKenzie 1985, "Forecasting trends in time series", Management
Science 31(10); Hyndman and Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed.,
section 8.2), on ``x_t = log y_t`` (minus the calendar effect, below):

    l_t = alpha x_t + (1 - alpha) (l_{t-1} + phi b_{t-1})
    b_t = beta* (l_t - l_{t-1}) + (1 - beta*) phi b_{t-1}
    x_hat_{T+h|T} = l_T + (phi + phi^2 + ... + phi^h) b_T

``alpha``, ``beta*`` and ``phi`` minimise the sum of squared one-step errors
``e_t = x_t - l_{t-1} - phi b_{t-1}`` (L-BFGS-B, bounds ``alpha, beta* in [1e-4, 0.9999]``,
``phi in [0.8, 0.98]``, started from the best of 36 grid points; bounded Nelder-Mead if L-BFGS-B
reports failure, and a ``ModelError`` if both do). The errors are affine in
the initial states ``(l_0, b_0)``, so for each trial ``(alpha, beta*, phi)`` the best initial
states are found exactly by least squares ("concentrated out").

Intervals simulate the equivalent state-space model (FPP3 section 8.5, ETS(A,Ad,N)) with
``beta = alpha beta*`` and Gaussian innovations ``eps = sigma z``:

    x_{T+h} = l + phi b + eps_h,   l <- l + phi b + alpha eps_h,   b <- phi b + beta eps_h

so the forecast variance is ``sigma^2 (1 + sum_{j=1}^{h-1} (alpha + beta (phi + ... + phi^j))^2)``
and the intervals widen with ``h``. ``sigma^2 = SSE / (n - 5 - k)`` (5 estimated parameters and
states, ``k`` calendar coefficients). Parameter uncertainty is not simulated.

With ``phi <= 0.98`` the trend always fades: a series growing at a steady rate is forecast to
grow ever more slowly (12 months ahead the trend adds ``sum phi^j <= 10.9`` months of growth,
not 12, and a fitted ``b_0`` decays over the history too), so on steady exponential growth this
model under-forecasts and the backtest ranks it accordingly.

Calendar regressors (e.g. weekend days per month) enter as a fixed adjustment estimated on first
differences, which removes the level and most of the trend:
``Delta x_t = c_0 + c' Delta cal_t + u_t`` by least squares; the model is then fitted to
``x_t - c' (cal_t - mean cal)`` and ``c' (cal_{T+h} - mean cal)`` is added back to the forecast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize

from hedging.errors import HedgingWarning, InputError, ModelError
from hedging.forecast.drift import DriftFit, fit_drift
from hedging.forecast.paths import (SHORT_HISTORY, VolumeForecast, as_history, check_horizon,
                                    future_calendar, standard_shocks, summarise_paths)

NAME = "damped_trend"
ALPHA_BOUNDS = (1e-4, 0.9999)
BETA_BOUNDS = (1e-4, 0.9999)
PHI_BOUNDS = (0.8, 0.98)
_PERFECT_FIT = 1e-24  # squared log error per month below which a fit is exact to rounding
_GRID = [(a, b, p) for a in (0.1, 0.3, 0.6, 0.9) for b in (0.01, 0.1, 0.3)
         for p in (0.8, 0.9, 0.98)]


@dataclass(frozen=True)
class DampedTrendFit:
    """Fitted damped-trend model on log volume.

    Attributes
    ----------
    alpha, beta_star, phi : float
        Smoothing parameters of the component form (``beta = alpha beta_star`` in state space).
    level0, trend0 : float
        Initial states ``l_0``, ``b_0`` (log units; ``b`` per month).
    level, trend : float
        Final states ``l_T``, ``b_T``.
    sigma : float
        Standard deviation of one-step log errors.
    sse : float
        Sum of squared one-step errors (squared log units).
    residuals : tuple of float
        One-step errors ``e_t``.
    calendar_input : tuple of str
        Calendar regressors passed to ``fit`` (the forecast needs them for the horizon).
    calendar_names, calendar_coef, calendar_mean : tuple
        Calendar regressors used (all or none), their log-volume coefficients, and their
        historical means.
    n, start : int
        Months fitted, and the position of the first forecast month.
    warnings : tuple of HedgingWarning
    """

    model: str
    alpha: float
    beta_star: float
    phi: float
    level0: float
    trend0: float
    level: float
    trend: float
    sigma: float
    sse: float
    residuals: tuple[float, ...]
    calendar_input: tuple[str, ...]
    calendar_names: tuple[str, ...]
    calendar_coef: tuple[float, ...]
    calendar_mean: tuple[float, ...]
    n: int
    start: int
    warnings: tuple[HedgingWarning, ...]

    @property
    def beta(self) -> float:
        """State-space trend smoothing ``beta = alpha beta*``."""
        return self.alpha * self.beta_star

    def point_log(self, horizon: int, calendar_future: np.ndarray | None = None) -> np.ndarray:
        """``l_T + (phi + ... + phi^h) b_T`` plus the calendar effect, ``h = 1..horizon``."""
        h = np.arange(1, check_horizon(horizon) + 1)
        damp = np.cumsum(self.phi ** h)
        out = self.level + damp * self.trend
        if calendar_future is not None:
            out = out + (calendar_future - np.asarray(self.calendar_mean)) @ np.asarray(
                self.calendar_coef)
        return out

    def forecast(self, horizon: int, *, calendar_future: ArrayLike | Mapping | None = None,
                 n_paths: int | None = None, seed: int | np.random.Generator | None = None,
                 shocks: ArrayLike | None = None) -> VolumeForecast:
        """Simulate ``horizon`` months of the state-space model with ``eps_h = sigma z_h``.

        ``z`` is ``shocks`` when given (column ``h - 1`` for month ``h``, used as is, so the same
        shocks give the same paths whatever ``seed``), else standard normal draws from ``seed``.

        Example: ``alpha = 0.5, beta* = 0.2, phi = 0.9, l_T = 10, b_T = 0.05``: the 2-month log
        point is ``10 + (0.9 + 0.81) 0.05 = 10.0855`` and its error variance
        ``sigma^2 (1 + (0.5 + 0.1 * 0.9)^2) = 1.3481 sigma^2``.
        """
        horizon = check_horizon(horizon)
        cal = future_calendar(calendar_future, horizon, self.calendar_input)
        cal = cal if self.calendar_names else None
        rng = np.random.default_rng(seed)
        z = standard_shocks(shocks, n_paths, horizon, rng)
        point = self.point_log(horizon, cal)
        offset = point - self.point_log(horizon)
        level = np.full(z.shape[0], self.level)
        trend = np.full(z.shape[0], self.trend)
        log_paths = np.empty_like(z)
        for j in range(horizon):
            eps = self.sigma * z[:, j]
            pred = level + self.phi * trend
            log_paths[:, j] = pred + eps + offset[j]
            level = pred + self.alpha * eps
            trend = self.phi * trend + self.beta * eps
        return summarise_paths(self.model, log_paths, point, self.start, seed, self.warnings)


def one_step_errors(x: ArrayLike, alpha: float, beta_star: float, phi: float, level0: float,
                    trend0: float) -> tuple[np.ndarray, float, float]:
    """Run the component-form recursion: one-step errors and the final ``(l_T, b_T)``."""
    errors = []
    level, trend = float(level0), float(trend0)
    for xt in np.asarray(x, dtype=float).tolist():
        pred = level + phi * trend
        errors.append(xt - pred)
        new_level = alpha * xt + (1.0 - alpha) * pred
        trend = beta_star * (new_level - level) + (1.0 - beta_star) * phi * trend
        level = new_level
    return np.array(errors), level, trend


def _concentrated(x: list[float], alpha: float, beta_star: float,
                  phi: float) -> tuple[float, float, float]:
    """``(SSE, l_0, b_0)`` with the initial states chosen by least squares.

    The errors are ``e = e^(x) + l_0 e^(l) + b_0 e^(b)``: the recursion run on the data from zero
    states, and on zero data from unit level and unit trend. The three runs share one loop.
    """
    l0 = b0 = 0.0
    l1, b1 = 1.0, 0.0
    l2, b2 = 0.0, 1.0
    s00 = s01 = s02 = s11 = s12 = s22 = 0.0
    one_a, pb = 1.0 - alpha, phi * (1.0 - beta_star)
    for xt in x:
        p0, p1, p2 = l0 + phi * b0, l1 + phi * b1, l2 + phi * b2
        e0, e1, e2 = xt - p0, -p1, -p2
        s00 += e0 * e0
        s01 += e0 * e1
        s02 += e0 * e2
        s11 += e1 * e1
        s12 += e1 * e2
        s22 += e2 * e2
        n0, n1, n2 = alpha * xt + one_a * p0, one_a * p1, one_a * p2
        b0, b1, b2 = beta_star * (n0 - l0) + pb * b0, beta_star * (n1 - l1) + pb * b1, \
            beta_star * (n2 - l2) + pb * b2
        l0, l1, l2 = n0, n1, n2
    ridge = 1e-12 * (s11 + s22)
    s11 += ridge
    s22 += ridge
    det = s11 * s22 - s12 * s12
    init_l = -(s22 * s01 - s12 * s02) / det
    init_b = -(s11 * s02 - s12 * s01) / det
    sse = s00 + init_l * s01 + init_b * s02
    return max(sse, 0.0), init_l, init_b


def _optimise(x: np.ndarray) -> tuple[float, float, float]:
    data = x.tolist()

    def objective(p: np.ndarray) -> float:
        return _concentrated(data, p[0], p[1], p[2])[0]

    start = min(_GRID, key=lambda p: objective(np.array(p)))
    if objective(np.array(start)) <= _PERFECT_FIT * x.size:
        return start  # the grid point already fits exactly (e.g. a constant series)
    scale = max(float(np.var(np.diff(x))) if x.size > 1 else 0.0, 1e-12) * x.size
    bounds = [ALPHA_BOUNDS, BETA_BOUNDS, PHI_BOUNDS]
    messages = []
    for method in ("L-BFGS-B", "Nelder-Mead"):
        res = minimize(lambda p: objective(p) / scale, np.array(start), method=method,
                       bounds=bounds)
        if res.success:
            best = res.x if res.fun <= objective(np.array(start)) / scale else np.array(start)
            return tuple(float(np.clip(v, lo, hi)) for v, (lo, hi) in zip(best, bounds))
        messages.append(f"{method}: {res.message}")
    raise ModelError("the damped-trend fit did not converge (" + "; ".join(messages) + "). "
                     "Check the history for outliers or a unit change, or use the loglinear "
                     "model.")


def _calendar_effect(x: np.ndarray, cal: np.ndarray) -> np.ndarray | None:
    """Calendar coefficients from ``Delta x = c_0 + c' Delta cal``; None if too few months."""
    dx, dcal = np.diff(x), np.diff(cal, axis=0)
    if dx.size < cal.shape[1] + 4:
        return None
    design = np.column_stack([np.ones(dx.size), dcal])
    coef = np.linalg.lstsq(design, dx, rcond=None)[0]
    return coef[1:]


def fit(y: ArrayLike, *, calendar: ArrayLike | Mapping | None = None,
        params: tuple[float, float, float] | None = None) -> DampedTrendFit | DriftFit:
    """Fit damped-trend exponential smoothing to log monthly volume.

    Parameters
    ----------
    y : array_like
        Monthly volumes (tokens, GPU-hours), oldest first, >= 0.
    calendar : array_like or mapping, optional
        Per-month calendar regressors for the history (e.g. weekend days); the forecast then
        needs ``calendar_future``.
    params : (alpha, beta_star, phi), optional
        Fixed smoothing parameters; only the initial states are then estimated.

    Returns
    -------
    DampedTrendFit or DriftFit
        ``DriftFit`` (with a ``short_history`` warning) for fewer than 6 months.

    Raises
    ------
    ModelError
        When neither L-BFGS-B nor Nelder-Mead converges.
    """
    history = as_history(y, calendar)
    if history.n < SHORT_HISTORY:
        return fit_drift(history, NAME)
    x = history.logs
    warnings = list(history.warnings)
    names, coef, mean = history.calendar_names, (), ()
    if history.calendar is not None:
        c = _calendar_effect(x, history.calendar)
        if c is None:
            warnings.append(HedgingWarning(
                "calendar_ignored", f"{history.n} months are too few to estimate "
                f"{len(names)} calendar effect(s) for the damped trend; they were left out."))
            names = ()
        else:
            mean = tuple(float(v) for v in history.calendar.mean(axis=0))
            coef = tuple(float(v) for v in c)
            x = x - (history.calendar - np.asarray(mean)) @ c
    # A constant added to the data only moves l_0 (exactly), so fit the centred data: this keeps
    # the concentrated SSE free of cancellation between large sums.
    centre = float(x.mean())
    if params is None:
        alpha, beta_star, phi = _optimise(x - centre)
        n_par = 5
    else:
        alpha, beta_star, phi = _check_params(params)
        n_par = 2
    _, level0, trend0 = _concentrated((x - centre).tolist(), alpha, beta_star, phi)
    level0 += centre
    errors, level, trend = one_step_errors(x, alpha, beta_star, phi, level0, trend0)
    sse = float(errors @ errors)
    dof = max(x.size - n_par - len(coef), 1)
    return DampedTrendFit(model=NAME, alpha=alpha, beta_star=beta_star, phi=phi, level0=level0,
                          trend0=trend0, level=level, trend=trend, sigma=math.sqrt(sse / dof),
                          sse=sse, residuals=tuple(float(e) for e in errors),
                          calendar_input=history.calendar_names, calendar_names=names,
                          calendar_coef=coef, calendar_mean=mean,
                          n=history.n, start=history.length, warnings=tuple(warnings))


def _check_params(params: tuple[float, float, float]) -> tuple[float, float, float]:
    try:
        alpha, beta_star, phi = (float(v) for v in params)
    except (TypeError, ValueError):
        raise InputError("`params` must be three numbers (alpha, beta_star, phi).",
                         column="params", value=params,
                         fix="E.g. params=(0.5, 0.1, 0.9).") from None
    if not (0 < alpha <= 1 and 0 <= beta_star <= 1 and 0 < phi <= 1):
        raise InputError("`params` need 0 < alpha <= 1, 0 <= beta_star <= 1 and 0 < phi <= 1.",
                         column="params", value=params, fix="E.g. params=(0.5, 0.1, 0.9).")
    return alpha, beta_star, phi
