"""Volume forecasts with simulated intervals, their backtest, and coherent drill-downs.

Models (each module has ``fit(y, *, calendar=None, ...)``): :mod:`.seasonal_naive`,
:mod:`.damped_trend`, :mod:`.loglinear`, and statsmodels' ETS, ARIMA, Theta and STL in
:mod:`.statistical`; :func:`fit_volume` fits one by name and :func:`select_model` picks one by
rolling-origin backtest. The app's forecast, :func:`.automatic.automatic_forecast`, combines the
three best in the backtest and calibrates their intervals per horizon band. Spend paths live in
:mod:`hedging.forecast.spend`. :func:`forecast_series` (in :mod:`hedging.forecast.api`) is the
public one-call forecast of a monthly pandas Series; it is loaded on first use, so importing this
package does not import pandas.
"""

import importlib

from hedging.forecast.backtest import (Backtest, CandidateScore, Selection, backtest,
                                       mean_absolute_scaled_error, naive_scale, select_model)
from hedging.forecast.damped_trend import DampedTrendFit
from hedging.forecast.damped_trend import fit as fit_damped_trend
from hedging.forecast.drift import DriftFit
from hedging.forecast.level_shifts import detect_level_shifts
from hedging.forecast.loglinear import LogLinearFit
from hedging.forecast.loglinear import fit as fit_loglinear
from hedging.forecast.paths import INTERVAL_LEVELS, SHORT_HISTORY, VolumeForecast
from hedging.forecast.reconcile import Reconciled, reconcile
from hedging.forecast.seasonal_naive import SeasonalNaiveFit
from hedging.forecast.seasonal_naive import fit as fit_seasonal_naive
from hedging.forecast.volume import MODELS, fit_volume

__all__ = [
    "INTERVAL_LEVELS",
    "MODELS",
    "SHORT_HISTORY",
    "Backtest",
    "CandidateScore",
    "DampedTrendFit",
    "DriftFit",
    "LogLinearFit",
    "Reconciled",
    "SeasonalNaiveFit",
    "Selection",
    "VolumeForecast",
    "backtest",
    "detect_level_shifts",
    "fit_damped_trend",
    "fit_loglinear",
    "fit_seasonal_naive",
    "fit_volume",
    "forecast_series",
    "mean_absolute_scaled_error",
    "naive_scale",
    "reconcile",
    "select_model",
]

_LAZY = {"forecast_series": "hedging.forecast.api"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hedging.forecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
