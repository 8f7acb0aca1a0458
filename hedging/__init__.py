"""Compute-cost hedging desk: usage imports, forecasts, futures hedge programs and proposals.

The public entry points are loaded lazily so that importing a maths module does not pull in the
database layer.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_LAZY = {
    "read_usage": "hedging.service",
    "forecast_series": "hedging.forecast.api",
    "hedge_effectiveness": "hedging.hedge.effectiveness",
    "min_variance_hedge_ratio": "hedging.hedge.ratio",
    "optimal_contracts": "hedging.hedge.ratio",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hedging' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
