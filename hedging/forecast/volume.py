"""Volume forecasting: the three models by name, and one call to fit any of them.

=================  ==============================================  ==========================
name               point forecast                                  intervals from
=================  ==============================================  ==========================
seasonal_naive     same month last year (last month if < 12)       empirical log differences
damped_trend       ETS(A,Ad,N) on log volume                       Gaussian state-space paths
loglinear          log trend + season + calendar + level shifts    t predictive (parameters)
drift (automatic)  random walk with drift, for < 6 months          floored volatility + drift
ets                statsmodels ETS(A,Ad,A) / ETS(A,Ad,N) on logs   state-space variances
arima              statsmodels SARIMAX on logs                     state-space variances
theta              statsmodels Theta method on logs                integrated-MA variances
stl                statsmodels STL + ETS(A,Ad,N) on logs           state-space variances
=================  ==============================================  ==========================

The statsmodels models are described in :mod:`hedging.forecast.statistical`.

Every ``fit(y, *, calendar=None, ...)`` returns a frozen fitted model whose
``forecast(horizon, *, calendar_future=None, n_paths=None, seed=None, shocks=None)`` returns a
:class:`~hedging.forecast.paths.VolumeForecast` holding the simulated paths. ``shocks`` is an
optional ``(n_paths, horizon)`` array of standard normal innovations that drives the simulation
(to correlate volume with price); each model's docstring says how it is used. Volumes are
simulated in logs, so every path is positive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from numpy.typing import ArrayLike

from hedging.errors import InputError
from hedging.forecast import damped_trend, loglinear, seasonal_naive, statistical
from hedging.forecast.drift import DriftFit
from hedging.forecast.paths import VolumeForecast

#: Model name -> its ``fit`` function.
MODELS: dict[str, Callable] = {
    "seasonal_naive": seasonal_naive.fit,
    "damped_trend": damped_trend.fit,
    "loglinear": loglinear.fit,
    "ets": statistical.fit_ets,
    "arima": statistical.fit_arima,
    "theta": statistical.fit_theta,
    "stl": statistical.fit_stl,
}

FittedVolume = (seasonal_naive.SeasonalNaiveFit | damped_trend.DampedTrendFit
                | loglinear.LogLinearFit | DriftFit | statistical.StatsFit)


def fit_volume(y: ArrayLike, model: str = "damped_trend", *,
               calendar: ArrayLike | Mapping | None = None, **options) -> FittedVolume:
    """Fit the volume model called ``model`` (a key of :data:`MODELS`).

    Parameters
    ----------
    y : array_like
        Monthly volumes (tokens or GPU-hours per calendar month), oldest first, >= 0.
    model : str
        ``"seasonal_naive"``, ``"damped_trend"`` or ``"loglinear"``.
    calendar : array_like or mapping, optional
        Per-month calendar regressors for the history (used by damped_trend and loglinear).
    **options
        Passed to the model's ``fit`` (e.g. ``shifts=(14,)`` for loglinear).

    Returns
    -------
    fitted model
        With ``forecast(horizon, ...) -> VolumeForecast``. Fewer than 6 months give a
        ``DriftFit`` with a ``short_history`` warning whatever the model.

    Examples
    --------
    >>> fit_volume([100, 105, 111, 116, 122, 128, 135], "loglinear").forecast(3, seed=1).horizon
    3
    """
    if model not in MODELS:
        raise InputError(f"unknown volume model {model!r}.", column="model", value=model,
                         fix=f"Use one of {sorted(MODELS)}.")
    return MODELS[model](y, calendar=calendar, **options)


__all__ = ["MODELS", "FittedVolume", "VolumeForecast", "fit_volume"]
