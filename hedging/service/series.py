"""Monthly usage series per hedgeable underlying, and the calendar facts forecasts need.

Token underlying: every token row; volume in millions of tokens (uncached input + cache reads +
cache writes + output), cost = token cost (cost minus per-search and other non-token charges).
GPU underlying: rows with GPU-hours; volume in GPU-hours, cost = their cost.
A month counts only when the data covers it to its last day; a partial last month is left out of
the history (and said so), because a half month would read as a collapse in volume.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning
from hedging.models import TOKEN_COLUMNS

VOLUME_UNITS = {"token": "M tokens", "gpu": "GPU-hours"}
DIMENSIONS = {"provider": "billing_provider", "model": "model", "team": "team"}


@dataclass(frozen=True, eq=False)
class UsageSeries:
    """Monthly volume and cost of one underlying, in total and by a drill-down dimension."""

    underlying: str
    unit: str
    months: pd.DatetimeIndex          # month starts
    volume: np.ndarray                # per month, in ``unit``
    cost: np.ndarray                  # USD per month
    by: str
    children: dict[str, np.ndarray]   # label -> volume per month
    child_cost: dict[str, np.ndarray]
    warnings: tuple[HedgingWarning, ...]

    @property
    def unit_price(self) -> np.ndarray:
        """Effective USD per volume unit each month (NaN where volume is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.volume > 0, self.cost / self.volume, np.nan)


def _label(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].replace("", "(unassigned)")


def usage_series(frame: pd.DataFrame, underlying: str, by: str = "provider",
                 max_children: int = 8) -> UsageSeries | None:
    """The monthly series of ``underlying`` from a consolidated usage frame (None if no usage)."""
    if frame.empty:
        return None
    tokens = frame[list(TOKEN_COLUMNS)].sum(axis=1).to_numpy(dtype=float)
    gpu = frame["gpu_hours"].to_numpy(dtype=float) > 0
    if underlying == "token":
        rows = ~gpu & ((tokens > 0) | (frame["cost_usd"].to_numpy() != 0))
        volume = tokens / 1e6
        cost = (frame["cost_usd"] - frame["non_token_cost_usd"]).to_numpy(dtype=float)
    else:
        rows = gpu
        volume = frame["gpu_hours"].to_numpy(dtype=float)
        cost = frame["cost_usd"].to_numpy(dtype=float)
    if not rows.any():
        return None
    part = frame.loc[rows].assign(_volume=volume[rows], _cost=cost[rows],
                                  _month=frame.loc[rows, "usage_date"].dt.to_period("M").dt.to_timestamp())
    warnings: list[HedgingWarning] = []
    last_day = part["usage_date"].max()
    months = pd.date_range(part["_month"].min(), part["_month"].max(), freq="MS")
    if last_day < months[-1] + pd.offsets.MonthEnd(0):
        warnings.append(HedgingWarning(
            "partial_month", f"The {underlying} data ends on {last_day:%d %b %Y}, before the end of "
            f"{months[-1]:%B %Y}; that month is left out of the history so it does not read as a fall in volume."))
        months = months[:-1]
        part = part[part["_month"] < months[-1] + pd.offsets.MonthBegin(1)] if len(months) else part.iloc[:0]
    if not len(months):
        return None
    total = part.groupby("_month")[["_volume", "_cost"]].sum().reindex(months, fill_value=0.0)
    column = DIMENSIONS[by]
    part = part.assign(_label=_label(part, column))
    ranking = part.groupby("_label")["_cost"].sum().sort_values(ascending=False)
    keep = list(ranking.index[:max_children])
    part = part.assign(_label=part["_label"].where(part["_label"].isin(keep), "other"))
    pivot_v = part.pivot_table(index="_month", columns="_label", values="_volume", aggfunc="sum",
                               fill_value=0.0).reindex(months, fill_value=0.0)
    pivot_c = part.pivot_table(index="_month", columns="_label", values="_cost", aggfunc="sum",
                               fill_value=0.0).reindex(months, fill_value=0.0)
    return UsageSeries(
        underlying=underlying, unit=VOLUME_UNITS[underlying], months=months,
        volume=total["_volume"].to_numpy(), cost=total["_cost"].to_numpy(), by=by,
        children={str(k): pivot_v[k].to_numpy() for k in pivot_v.columns},
        child_cost={str(k): pivot_c[k].to_numpy() for k in pivot_c.columns},
        warnings=tuple(warnings))


def month_calendar(months: pd.DatetimeIndex) -> np.ndarray:
    """Per month: (weekend days, days in month). Weekends carry ~60% of weekday usage, so the
    number of weekend days explains part of month-to-month volume."""
    rows = []
    for m in months:
        days = _calendar.monthrange(m.year, m.month)[1]
        weekend = sum(1 for d in range(1, days + 1) if _calendar.weekday(m.year, m.month, d) >= 5)
        rows.append((float(weekend), float(days)))
    return np.array(rows)


def future_months(last: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(last + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
