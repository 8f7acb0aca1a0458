"""Volume models estimated by statsmodels, on log volume: ETS, ARIMA, Theta and STL.

Each model is a well-kept implementation from statsmodels (Seabold and Perktold 2010, "statsmodels:
econometric and statistical modeling with Python", Proc. 9th Python in Science Conf.) fitted to
the natural log of monthly volume, so that paths stay positive and a seasonal pattern that scales
with the level (multiplicative on volume) is additive on logs:

=========  =====================================================================================
name       statsmodels model on ``x_t = log y_t``
=========  =====================================================================================
ets        ``ETSModel``: ETS(A,Ad,A) with 12 seasonal states when the window holds 24 months or
           more, else ETS(A,Ad,N) (Hyndman, Koehler, Ord and Snyder 2008, "Forecasting with
           exponential smoothing: the state space approach", Springer; maximum likelihood)
arima      ``SARIMAX``: ARIMA(1,0,0)(0,1,0)12 with a constant (a seasonal random walk with drift
           and AR(1) errors) when the window holds 36 months or more, else ARIMA(0,1,1) with drift
theta      ``ThetaModel``: the Theta method (Assimakopoulos and Nikolopoulos 2000, IJF 16(4);
           Hyndman and Billah 2003, IJF 19(2)), additive deseasonalisation when the window holds
           24 months or more and a seasonality test at 90% says so; its variance from
           :func:`theta_sigma2` (statsmodels' own fits an extra state-space ARIMA, and its
           formula uses ``1 + (alpha - 1)^2`` where the ARIMA(0,1,1) form has ``alpha^2``)
stl        ``STLForecast``: STL decomposition (Cleveland et al. 1990, J. Official Statistics 6(1))
           with ETS(A,Ad,N) on the seasonally adjusted series; 24 months or more
=========  =====================================================================================

Forecast distribution. Each fit gives, per forecast month ``h``, the log point forecast ``m_h``
and the forecast-error variance ``v_h`` of statsmodels (exact for the additive ETS and ARIMA
state-space models, the ARIMA(0,1,1) formula for Theta). ETS states start from statsmodels'
heuristic initialisation (only the smoothing parameters are optimised: several times faster on
short windows). Paths are built from independent
increments with those variances::

    log y_{T+h} = m_h + sum_{j <= h} sqrt(v_j - v_{j-1}) z_j,    v_0 = 0

(``v`` made non-decreasing first), so month ``h`` has exactly the model's variance ``v_h`` and two
months ``h < k`` have covariance ``v_h``, which is the exact joint law of every random-walk-type
model here (ETS(A,N,N), ARIMA(0,1,1), Theta) and an approximation for the seasonal ones. ``z`` is
``shocks`` when given (standard normal, paths x months; the app correlates them with the price
index), else draws from ``seed``. The calendar regressors are not used by these models (the
package's log-linear model carries them).

Speed: statsmodels' optimisers are slow next to the hand-written recursions of this package, so a
fit accepts ``warm``, a mapping from a model specification to parameters, as starting values; the
rolling-origin backtest passes each origin's estimates on to the next origin, which cuts the
iterations several-fold. Fits are cached by content (model, log volumes, starting values), so
refitting the same window in one process costs nothing. Both keep results deterministic.
"""

from __future__ import annotations

import functools
import warnings as _warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from hedging.errors import HedgingWarning, ModelError
from hedging.forecast.drift import DriftFit, fit_drift
from hedging.forecast.paths import (MONTHS_PER_YEAR, SHORT_HISTORY, VolumeForecast, as_history,
                                    check_horizon, standard_shocks, summarise_paths)

#: Months a window needs before a 12-month seasonal component is fitted (two full years).
SEASONAL_MONTHS = 2 * MONTHS_PER_YEAR
#: Months the seasonal ARIMA needs (two seasonal differences' worth plus a year).
SEASONAL_ARIMA_MONTHS = 3 * MONTHS_PER_YEAR
#: Names of the models in this module.
NAMES = ("ets", "arima", "theta", "stl")
#: A history whose log volumes vary by less than this is treated as constant.
_FLAT = 1e-9
_CACHE_SIZE = 256


@dataclass(frozen=True, eq=False)
class StatsFit:
    """One statsmodels model fitted to log volume, ready to forecast.

    Attributes
    ----------
    model : str
        ``"ets"``, ``"arima"``, ``"theta"`` or ``"stl"``.
    spec : str
        The specification fitted, e.g. ``"ETS(A,Ad,A)"``.
    seasonal : bool
        Whether the fitted model has a 12-month seasonal component.
    n, start : int
        Months fitted, and the month position of the first forecast month.
    params : tuple of float
        Estimated parameters (statsmodels' order).
    warm_start : dict
        ``{spec: params}``: starting values for the next fit of the same specification.
    warnings : tuple of HedgingWarning
    """

    model: str
    spec: str
    seasonal: bool
    n: int
    start: int
    params: tuple[float, ...]
    warm_start: dict
    warnings: tuple[HedgingWarning, ...]
    _moments: object = field(repr=False, compare=False, default=None)

    def moments(self, horizon: int) -> tuple[np.ndarray, np.ndarray]:
        """``(m, v)``: log point forecasts and forecast-error variances for ``h = 1..horizon``."""
        mean, var = self._moments(check_horizon(horizon))
        mean, var = np.asarray(mean, dtype=float), np.asarray(var, dtype=float)
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(var))):
            raise ModelError(f"the {self.spec} model gave a forecast that is not a number; the "
                             "history may have a unit change or an outlier.")
        return mean, np.maximum.accumulate(np.maximum(var, 0.0))

    def forecast(self, horizon: int, *, calendar_future: ArrayLike | Mapping | None = None,
                 n_paths: int | None = None, seed: int | np.random.Generator | None = None,
                 shocks: ArrayLike | None = None) -> VolumeForecast:
        """Simulate ``horizon`` months by independent increments (module docstring).

        ``calendar_future`` is accepted for a uniform signature and not used.
        """
        horizon = check_horizon(horizon)
        rng = np.random.default_rng(seed)
        z = standard_shocks(shocks, n_paths, horizon, rng)
        mean, var = self.moments(horizon)
        steps = np.sqrt(np.diff(var, prepend=0.0))
        log_paths = mean + np.cumsum(z * steps, axis=1)
        return summarise_paths(self.model, log_paths, mean, self.start, seed, self.warnings)


def _series(logs: np.ndarray):
    # statsmodels' prediction objects need a pandas index; the dates only stand in for the
    # month positions (only their monthly frequency matters). pandas is imported here so that
    # importing hedging.forecast does not import it.
    import pandas as pd

    return pd.Series(logs, index=pd.date_range("2000-01-01", periods=logs.size, freq="MS"))


def _quiet(fn):
    """Run a statsmodels fit with its convergence and start-value warnings silenced: the
    backtest judges every fit by its forecasts, so a warning would add nothing a user can act on."""
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fn()


def _fit_ets(logs: np.ndarray, seasonal: bool, start) -> tuple:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    mod = ETSModel(_series(logs), error="add", trend="add", damped_trend=True,
                   seasonal="add" if seasonal else None,
                   seasonal_periods=MONTHS_PER_YEAR if seasonal else None,
                   initialization_method="heuristic")
    res = _quiet(lambda: mod.fit(start_params=start, disp=False, maxiter=200 if start is None else 60))
    n = logs.size

    def moments(h):
        pred = _quiet(lambda: res.get_prediction(start=n, end=n + h - 1))
        return np.asarray(pred.predicted_mean), np.asarray(pred.forecast_variance)

    return np.asarray(res.params, dtype=float), moments


def _fit_arima(logs: np.ndarray, seasonal: bool, start) -> tuple:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    if seasonal:
        mod = SARIMAX(_series(logs), order=(1, 0, 0), seasonal_order=(0, 1, 0, MONTHS_PER_YEAR), trend="c")
    else:
        mod = SARIMAX(_series(logs), order=(0, 1, 1), trend="t")
    res = _quiet(lambda: mod.fit(start_params=start, disp=False, maxiter=200 if start is None else 60))

    def moments(h):
        fc = _quiet(lambda: res.get_forecast(h))
        return np.asarray(fc.predicted_mean), np.asarray(fc.var_pred_mean)

    return np.asarray(res.params, dtype=float), moments


def _fit_theta(logs: np.ndarray, seasonal: bool, start) -> tuple:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    mod = ThetaModel(_series(logs), period=MONTHS_PER_YEAR, deseasonalize=seasonal, method="additive")
    res = _quiet(lambda: mod.fit())
    b0, alpha = (float(v) for v in np.asarray(res.params, dtype=float))
    # the series the SES part was fitted to (seasonally adjusted when the model found a season)
    adjusted = np.asarray(mod._deseasonalize_data()[0], dtype=float)
    sigma2 = theta_sigma2(adjusted, b0, alpha)

    def moments(h):
        mean = np.asarray(_quiet(lambda: res.forecast(h)))
        return mean, sigma2 * (1.0 + np.arange(h) * alpha ** 2)

    return np.asarray(res.params, dtype=float), moments


def theta_sigma2(x: np.ndarray, b0: float, alpha: float) -> float:
    """One-step error variance of the Theta method as simple exponential smoothing with drift
    (Hyndman and Billah 2003, "Unmasking the Theta method", IJF 19(2): Theta is SES with drift
    ``b0 / 2``, i.e. ARIMA(0,1,1) with drift, whose ``h``-step variance is
    ``sigma^2 (1 + (h - 1) alpha^2)``).

    ``e_t = x_t - l_{t-1} - b0 / 2``, ``l_t = l_{t-1} + b0 / 2 + alpha e_t``, ``l_0 = x_0``;
    returns ``mean(e_t^2)`` over ``t = 1..n-1``. Example: ``x = (0, 1, 2)``, ``b0 = 2``,
    ``alpha = 0.5``: the drift 1 predicts every step, so the variance is 0.
    """
    level, errors = float(x[0]), []
    for value in x[1:]:
        e = float(value) - level - b0 / 2
        errors.append(e)
        level += b0 / 2 + alpha * e
    return float(np.mean(np.square(errors))) if errors else 0.0


def _fit_stl(logs: np.ndarray, seasonal: bool, start) -> tuple:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.forecasting.stl import STLForecast

    mod = STLForecast(_series(logs), ETSModel, period=MONTHS_PER_YEAR,
                      model_kwargs={"error": "add", "trend": "add", "damped_trend": True,
                                    "initialization_method": "heuristic"})
    kwargs = {"disp": False, "maxiter": 200 if start is None else 60}
    if start is not None:
        kwargs["start_params"] = start
    res = _quiet(lambda: mod.fit(fit_kwargs=kwargs))
    n = logs.size

    def moments(h):
        pred = _quiet(lambda: res.get_prediction(start=n, end=n + h - 1))
        return np.asarray(pred.predicted_mean), np.asarray(pred.var_pred_mean)

    return np.asarray(res.model_result.params, dtype=float), moments


_FITTERS = {"ets": _fit_ets, "arima": _fit_arima, "theta": _fit_theta, "stl": _fit_stl}


def specification(model: str, n: int) -> tuple[str, bool]:
    """The specification ``model`` fits to a window of ``n`` months, and whether it is seasonal.

    >>> specification("ets", 30), specification("ets", 23), specification("arima", 30)
    (('ETS(A,Ad,A)', True), ('ETS(A,Ad,N)', False), ('ARIMA(0,1,1) with drift', False))
    """
    if model == "ets":
        seasonal = n >= SEASONAL_MONTHS
        return ("ETS(A,Ad,A)" if seasonal else "ETS(A,Ad,N)"), seasonal
    if model == "arima":
        seasonal = n >= SEASONAL_ARIMA_MONTHS
        return ("ARIMA(1,0,0)(0,1,0)12 with constant" if seasonal else "ARIMA(0,1,1) with drift"), seasonal
    if model == "theta":
        seasonal = n >= SEASONAL_MONTHS
        return ("Theta, deseasonalised" if seasonal else "Theta"), seasonal
    if model == "stl":
        return "STL + ETS(A,Ad,N)", True
    raise ModelError(f"unknown statsmodels volume model {model!r}.")


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _cached_fit(model: str, logs_bytes: bytes, start_bytes: bytes | None):
    logs = np.frombuffer(logs_bytes, dtype=float)
    _, seasonal = specification(model, logs.size)
    start = None if start_bytes is None else np.frombuffer(start_bytes, dtype=float)
    try:
        params, moments = _FITTERS[model](logs, seasonal, start)
    except (ValueError, np.linalg.LinAlgError, IndexError) as err:
        raise ModelError(f"statsmodels could not fit the {specification(model, logs.size)[0]} model "
                         f"to {logs.size} months ({err}).") from None
    if not np.all(np.isfinite(params)):
        raise ModelError(f"the {specification(model, logs.size)[0]} model's parameters did not converge "
                         f"on {logs.size} months.")
    return params, functools.lru_cache(maxsize=4)(moments)


def fit(y: ArrayLike, model: str = "ets", *, calendar: ArrayLike | Mapping | None = None,
        warm: Mapping | None = None) -> StatsFit | DriftFit:
    """Fit the statsmodels volume model ``model`` (a name in :data:`NAMES`) to monthly volumes.

    Parameters
    ----------
    y : array_like
        Monthly volumes, oldest first, >= 0 (leading zeros dropped, later zeros floored as in
        :func:`hedging.forecast.paths.as_history`).
    model : str
        ``"ets"``, ``"arima"``, ``"theta"`` or ``"stl"``.
    calendar : array_like or mapping, optional
        Accepted for a uniform signature; not used.
    warm : mapping, optional
        ``{spec: params}`` starting values (from an earlier fit's ``warm_start``).

    Returns
    -------
    StatsFit or DriftFit
        ``DriftFit`` (with a ``short_history`` warning) for fewer than 6 months.

    Raises
    ------
    ModelError
        When the history is constant (nothing to estimate), STL is asked for on fewer than 24
        months, or statsmodels cannot fit the model.
    """
    history = as_history(y, calendar)
    if history.n < SHORT_HISTORY:
        return fit_drift(history, model)
    spec, seasonal = specification(model, history.n)
    if model == "stl" and history.n < SEASONAL_MONTHS:
        raise ModelError(f"STL needs {SEASONAL_MONTHS} months (two full years) to separate the season; "
                         f"the history has {history.n}.")
    logs = np.ascontiguousarray(history.logs, dtype=float)
    if float(np.ptp(logs)) < _FLAT:
        raise ModelError(f"the history is constant, so the {spec} model has nothing to estimate.")
    start = None if warm is None else warm.get(spec)
    params, moments = _cached_fit(model, logs.tobytes(), None if start is None else
                                  np.asarray(start, dtype=float).tobytes())
    merged = dict(warm or {})
    merged[spec] = tuple(float(p) for p in params)
    return StatsFit(model=model, spec=spec, seasonal=seasonal, n=history.n, start=history.length,
                    params=tuple(float(p) for p in params), warm_start=merged,
                    warnings=history.warnings, _moments=moments)


def _named(model: str):
    def fit_named(y: ArrayLike, *, calendar: ArrayLike | Mapping | None = None,
                  warm: Mapping | None = None) -> StatsFit | DriftFit:
        return fit(y, model, calendar=calendar, warm=warm)

    fit_named.__name__ = f"fit_{model}"
    fit_named.__doc__ = f"Fit the statsmodels ``{model}`` volume model (:func:`fit`)."
    return fit_named


fit_ets, fit_arima, fit_theta, fit_stl = (_named(m) for m in NAMES)

__all__ = ["NAMES", "SEASONAL_MONTHS", "StatsFit", "fit", "fit_arima", "fit_ets", "fit_stl", "fit_theta",
           "specification"]
