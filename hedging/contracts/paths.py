"""A listed contract along simulated index paths: its final settlement and its futures price on a day.

Both read an :class:`~hedging.market.simulation.IndexSimulation` (daily paths) and a
:class:`~hedging.contracts.pricing.ForwardQuote` (the contract as listed on the as-of date).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from hedging.contracts.calendar import year_fraction


def settlement_on(sim, quote) -> np.ndarray:
    """What ``quote`` settles on along each path: the index on its last trading day (point
    settlement), or the mean of the daily index over its delivery month (monthly average)."""
    if quote.settlement == "point":
        return sim.at(quote.last_trading_day)
    month = pd.Timestamp(quote.delivery_month)
    return sim.window_mean(max(month.date(), sim.dates[0].date()), (month + pd.offsets.MonthEnd(0)).date())


def futures_on(sim, quote, day: dt.date, paths: slice = slice(None)) -> np.ndarray:
    """Closed-form futures price of ``quote`` on ``day`` (at or before its last trading day) at each
    path's simulated index; a month-average contract is priced on its fixings from ``day`` on
    (``day`` lies before the averaging month wherever this is used)."""
    return futures_at(sim.model, sim.origin, quote, day, sim.at(day)[paths])


def futures_at(model, origin: dt.date, quote, day: dt.date, index_level: np.ndarray) -> np.ndarray:
    """Closed-form futures price of ``quote`` on ``day`` when the index stands at ``index_level``."""
    t = year_fraction(origin, day)
    x = np.log(index_level)
    if quote.settlement == "point":
        return model.futures_price(x, t, quote.T)
    return model.average_futures_price(x, t, max(quote.T_start, t), quote.T_end)


def layer_prices(sim, quote, trade_dates: list[dt.date], only=None) -> np.ndarray:
    """Futures price of ``quote`` on each trade date along each path (NaN after its last trading day).

    On a trade date that is the simulation's first day (the index is observed) the price is the
    quoted fair price on every path; later dates carry each path's then-current price. ``only``
    (a set of date indices) limits the work to the dates that are traded; the others stay NaN.
    """
    out = np.full((sim.daily.shape[0], len(trade_dates)), np.nan)
    for j, day in enumerate(trade_dates):
        if day > quote.last_trading_day:
            break
        if only is not None and j not in only:
            continue
        out[:, j] = quote.fair if day <= sim.dates[0].date() else futures_on(sim, quote, day)
    return out
