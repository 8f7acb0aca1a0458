"""Historical backtest of a layered hedge policy over an index history.

Timing conventions (months are the positions ``0..n-1`` of the input arrays):

* ``index_monthly[i]`` is the index of month ``i``, taken as known at the end of month ``i``
  and as the settlement price of the futures contract for delivery month ``i``.
* The company pays ``unit_cost_monthly[i] x volume_monthly[i]`` (USD) for month ``i``; this is
  the unhedged cost, and ``volume_monthly[i]`` is known at the end of month ``i``.
* Model time: month ``i`` ends at ``t_i = (i - model_origin) / 12`` years from the model's
  origin. A layer bought at the end of month ``j`` for delivery month ``m`` is priced at
  ``F_jm = model_j.futures_price(ln index[j], t_j, t_m)``, the closed-form expectation given the
  index then. ``model_j`` is ``model_for_time`` itself when it has a ``futures_price`` method
  (a fixed model), else ``model_for_time(j)`` (e.g. a model calibrated on months ``<= j``).
* Policy: ``ratios_by_tenor[k - 1] = r_k`` is the target hedge ratio of a delivery month
  ``k`` months ahead (tenor ``k``). Month ``m`` is hedged in layers bought at the ends of months
  ``m - L, ..., m - 1``, ``L`` the longest tenor with ``r_k > 0``: the layer at tenor ``k``
  adds ``(r_k - r_{k+1}) V_{m-k}`` units (``r_{L+1} = 0``), rounded to whole lots (halves away
  from zero), where ``V_j = volume_monthly[j]`` is the volume known at the layer date (the last
  observed month's). With a constant volume the hedge of month ``m`` reaches ``r_k V`` at
  tenor ``k`` and ``r_1 V`` at delivery; the default 75% / 50% / 25% by tenor buys three equal
  layers of 25% at tenors 12, 6 and 3. A fall in the target between tenors sells (a negative
  layer).
* Month ``m``'s hedge P&L is ``sum_layers units (index[m] - F_jm)`` (USD, long futures), and the
  hedged cost is ``unhedged - P&L``. Months ``start..n-1`` are reported; ``start >= L`` so that
  every layer date lies inside the history.

Worked number: index 10, 11, 12, ... (a linear rise), volume 100 a month, lots of 1 unit, the
default ratios and a martingale model (futures = current index): each month's 25 + 25 + 25
units were bought 12, 6 and 3 months earlier, so the P&L is 25 x (12 + 6 + 3) = $525 a month.

Reference: DESIGN.md §3 (layered programs); hedge accounting tests from
:func:`hedging.hedge.effectiveness.hedge_effectiveness` (IAS 39 AG105).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hedging.errors import HedgingWarning, InputError
from hedging.hedge.effectiveness import Effectiveness, hedge_effectiveness
from hedging.hedge.layered import ratios_by_tenor as _tenor_ratios

__all__ = ["DEFAULT_RATIOS", "HistoryBacktest", "Layer", "historical_backtest"]

#: 75% of tenors 1-3, 50% of 4-6, 25% of 7-12 (DESIGN.md §3).
DEFAULT_RATIOS: tuple[float, ...] = _tenor_ratios(12)


@dataclass(frozen=True)
class Layer:
    """One layer: ``units`` of delivery month ``delivery_month`` bought at the end of month
    ``trade_month`` (tenor = the difference) at ``price`` (index units)."""

    delivery_month: int
    trade_month: int
    tenor: int
    units: float
    price: float


@dataclass(frozen=True)
class HistoryBacktest:
    """Per-month results (months ``start..n-1``, arrays as tuples) and the summary.

    Costs and P&L in USD; ``hedged_units`` in volume units; ``average_entry_price`` in index
    units (NaN for a month without a hedge); ``hedge_ratio = hedged_units / volume`` (NaN for
    zero volume). SDs are sample SDs (``ddof=1``) of monthly costs; ``sd_reduction = 1 -
    sd_hedged / sd_unhedged`` and ``variance_reduction = 1 - (sd_hedged / sd_unhedged)^2`` are
    NaN when the unhedged cost does not vary. ``effectiveness`` is None when the tests cannot
    run (fewer than 3 changes, or a series that does not vary); ``warnings`` then says why.
    """

    months: tuple[int, ...]
    unhedged_cost: tuple[float, ...]
    hedge_pnl: tuple[float, ...]
    hedged_cost: tuple[float, ...]
    hedged_units: tuple[float, ...]
    average_entry_price: tuple[float, ...]
    hedge_ratio: tuple[float, ...]
    layers: tuple[Layer, ...]
    sd_unhedged: float
    sd_hedged: float
    total_unhedged: float
    total_hedged: float
    sd_reduction: float
    variance_reduction: float
    effectiveness: Effectiveness | None
    warnings: tuple[HedgingWarning, ...] = ()


def _series(name: str, value, *, positive: bool) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError("must be a 1-D array of numbers.", column=name,
                         fix=f"Pass one number per month for `{name}`.") from None
    if a.ndim != 1:
        raise InputError(f"must be a 1-D array, got shape {a.shape}.", column=name,
                         fix=f"Pass one number per month for `{name}`.")
    bad = ~np.isfinite(a) | ((a <= 0) if positive else (a < 0))
    if bad.any():
        i = int(np.argmax(bad))
        rule = "positive" if positive else "non-negative"
        raise InputError(f"entry {i} is not a finite {rule} number.", column=name, value=a[i],
                         fix=f"Correct entry {i} of `{name}` (months count from 0).")
    return a


def _whole(name: str, value, low: int | None = None) -> int:
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not whole or (low is not None and value < low):
        rule = "a whole number" + ("" if low is None else f" >= {low}")
        raise InputError(f"must be {rule}.", column=name, value=value,
                         fix=f"Pass an integer month index for `{name}`.")
    return int(value)


def _model_at(model_for_time, j: int):
    fixed = hasattr(model_for_time, "futures_price") or not callable(model_for_time)
    model = model_for_time if fixed else model_for_time(j)
    if not callable(getattr(model, "futures_price", None)):
        raise InputError(f"the model for month {j} has no futures_price(x0_log, t, T) method.",
                         column="model_for_time", value=type(model).__name__,
                         fix="Pass a JumpDiffusionModel, or a function of the month index "
                             "that returns one.")
    return model


def historical_backtest(index_monthly, volume_monthly, unit_cost_monthly, model_for_time,
                        ratios_by_tenor=DEFAULT_RATIOS, lot_size: float = 1.0, start: int = 12,
                        *, model_origin: int = 0) -> HistoryBacktest:
    """Backtest a layered long-futures hedge on a monthly history (conventions: module doc).

    Parameters
    ----------
    index_monthly : array (n,)
        Index level per month ($/M tokens or $/GPU-hour), > 0; also the settlement price.
    volume_monthly, unit_cost_monthly : array (n,)
        Volume per month (units of the index: M tokens or GPU-hours) and the company's USD per
        unit, >= 0.
    model_for_time : object with ``futures_price(x0_log, t, T)``, or callable ``j -> model``
        The price model, fixed or as known at the end of month ``j``.
    ratios_by_tenor : sequence of float
        Target hedge ratio by tenor 1, 2, ... months ahead, >= 0.
    lot_size : float
        Volume units per lot; layers are whole lots.
    start : int
        First reported month; at least the longest tenor with a positive ratio.
    model_origin : int
        Month whose end is ``t = 0`` of the model.

    Returns
    -------
    HistoryBacktest
        Worked number: module docstring ($525 a month on a linear rise).
    """
    index = _series("index_monthly", index_monthly, positive=True)
    volume = _series("volume_monthly", volume_monthly, positive=False)
    cost = _series("unit_cost_monthly", unit_cost_monthly, positive=False)
    n = index.size
    for name, a in (("volume_monthly", volume), ("unit_cost_monthly", cost)):
        if a.size != n:
            raise InputError(f"has {a.size} months but `index_monthly` has {n}.", column=name,
                             value=a.size, fix="Pass the same months for all three series.")
    ratios = _series("ratios_by_tenor", ratios_by_tenor, positive=False)
    positive = np.flatnonzero(ratios > 0)
    tenors = int(positive[-1]) + 1 if positive.size else 0
    lot = float(lot_size) if isinstance(lot_size, (int, float, np.number)) else math.nan
    if not (math.isfinite(lot) and lot > 0):
        raise InputError("must be a positive number of volume units per lot.",
                         column="lot_size", value=lot_size, fix="Use 1.0 for 1M tokens a lot.")
    start = _whole("start", start, tenors)
    origin = _whole("model_origin", model_origin)
    if start >= n:
        raise InputError(f"the history has {n} months, so no month from {start} on can be "
                         "reported.", column="start", value=start,
                         fix=f"Use a start below {n}, or a longer history.")

    increments = ratios[:tenors] - np.append(ratios[1:tenors], 0.0)
    months = np.arange(start, n)
    pnl, units, notional = np.zeros(months.size), np.zeros(months.size), np.zeros(months.size)
    layers = []
    for j in range(max(start - tenors, 0), n - 1):
        deliveries = list(range(max(j + 1, start), min(j + tenors, n - 1) + 1))
        if not deliveries:
            continue
        lots = [increments[m - j - 1] * volume[j] / lot for m in deliveries]
        lots = [math.copysign(math.floor(abs(x) + 0.5), x) for x in lots]
        if not any(lots):
            continue
        model = _model_at(model_for_time, j)
        t = (np.array(deliveries) - origin) / 12
        prices = np.broadcast_to(np.asarray(model.futures_price(math.log(index[j]),
                                                                (j - origin) / 12, t),
                                            dtype=float), t.shape)
        for m, q, f in zip(deliveries, lots, prices):
            if q == 0:
                continue
            u, k = q * lot, m - start
            pnl[k] += u * (index[m] - f)
            units[k] += u
            notional[k] += u * f
            layers.append(Layer(int(m), int(j), int(m - j), float(u), float(f)))

    unhedged = cost[start:] * volume[start:]
    hedged = unhedged - pnl
    with np.errstate(divide="ignore", invalid="ignore"):
        entry = np.where(units != 0, notional / np.where(units != 0, units, 1.0), np.nan)
        ratio = np.where(volume[start:] > 0, units / np.where(volume[start:] > 0,
                                                               volume[start:], 1.0), np.nan)
    sd_u = float(np.std(unhedged, ddof=1)) if months.size > 1 else math.nan
    sd_h = float(np.std(hedged, ddof=1)) if months.size > 1 else math.nan
    q = sd_h / sd_u if sd_u > 0 else math.nan
    effectiveness, warnings = _effectiveness(unhedged, pnl)
    return HistoryBacktest(
        months=tuple(int(m) for m in months), unhedged_cost=_t(unhedged), hedge_pnl=_t(pnl),
        hedged_cost=_t(hedged), hedged_units=_t(units), average_entry_price=_t(entry),
        hedge_ratio=_t(ratio), layers=tuple(layers), sd_unhedged=sd_u, sd_hedged=sd_h,
        total_unhedged=float(unhedged.sum()), total_hedged=float(hedged.sum()),
        sd_reduction=1.0 - q, variance_reduction=1.0 - q * q, effectiveness=effectiveness,
        warnings=warnings)


def _t(a: np.ndarray) -> tuple[float, ...]:
    return tuple(float(x) for x in a)


def _effectiveness(unhedged: np.ndarray, pnl: np.ndarray):
    """Hedge-accounting tests on monthly changes: item = -(cost changes), hedge = P&L changes."""
    item, hedge = -np.diff(unhedged), np.diff(pnl)
    if item.size < 3:
        why = f"only {item.size} monthly changes; the tests need at least 3"
    elif not np.var(hedge) > 0:
        why = "the hedge P&L does not change from month to month"
    elif not np.var(item) > 0:
        why = "the unhedged cost does not change from month to month"
    else:
        return hedge_effectiveness(item, hedge), ()
    return None, (HedgingWarning("effectiveness_not_tested",
                                 f"Hedge effectiveness was not tested: {why}."),)
