"""Monthly usage series per hedgeable underlying, judged month by month and provider by provider.

Token underlying: every token row; volume in millions of tokens (uncached input + cache reads +
cache writes + output), cost = token cost (cost minus per-search and other non-token charges).
GPU underlying: rows with GPU-hours; volume in GPU-hours, cost = their cost.

Completeness is judged per billing provider, from the span its rows cover, never from a file's
last row:

* a provider's first or last month counts only when its rows reach (within two days) that month's
  first or last day; daily exports that start mid-month (a rolling 12-month export) or end
  yesterday leave that month out, said so. Monthly rows (every row dated the 1st) are complete.
* a month inside a provider's span with no rows at all is a gap: missing, not zero. It is
  bridged by log-linear interpolation between the months either side and labelled estimated.
* a provider whose data ends one or two months before the latest provider's (a lagging
  export) is carried forward at its last three months' average for those months, labelled
  estimated; one that ends earlier than that is taken to have stopped.
* rows dated after the as-of date are not known on that date and are left out.
* a single month far above its neighbours (a spike) is named in a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.errors import HedgingWarning
from hedging.models import TOKEN_COLUMNS

VOLUME_UNITS = {"token": "M tokens", "gpu": "GPU-hours"}
DIMENSIONS = {"provider": "billing_provider", "model": "model", "team": "team"}
EDGE_TOLERANCE_DAYS = 2
CARRY_FORWARD_MONTHS = 2
SPIKE_FACTOR = 3.0


@dataclass(frozen=True, eq=False)
class UsageSeries:
    """Monthly volume and cost of one underlying, in total and by a drill-down dimension."""

    underlying: str
    unit: str
    months: pd.DatetimeIndex          # month starts, complete or bridged
    volume: np.ndarray                # per month, in ``unit``
    cost: np.ndarray                  # USD per month
    estimated: np.ndarray             # bool per month: bridged (gap, lagging provider or scaled partial month)
    by: str
    children: dict[str, np.ndarray]   # label -> volume per month (sums to ``volume``)
    child_cost: dict[str, np.ndarray]
    last_day: pd.Timestamp            # the last day any row of this underlying covers
    provider_share: dict[str, float]  # provider -> share of cost over the last three months
    model_share: dict[str, float]     # model -> share of cost over the last three months
    warnings: tuple[HedgingWarning, ...]
    provider_volume_share: dict = field(default_factory=dict)  # provider -> share of volume, last three months

    @property
    def unit_price(self) -> np.ndarray:
        """Effective USD per volume unit each month (NaN where volume is 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.volume > 0, self.cost / self.volume, np.nan)


def _label(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].replace("", "(unassigned)")


def _month_list(months) -> str:
    months = list(months)
    if len(months) > 3:
        return f"{months[0]:%b %Y} – {months[-1]:%b %Y} ({len(months)} months)"
    return ", ".join(f"{m:%b %Y}" for m in months)


def _rows(frame: pd.DataFrame, underlying: str) -> pd.DataFrame | None:
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
    part = frame.loc[rows]
    return part.assign(_volume=volume[rows], _cost=cost[rows],
                       _month=part["usage_date"].dt.to_period("M").dt.to_timestamp())


def _coverage(frame: pd.DataFrame) -> dict:
    """Per import (a source file): the days it covers, as (first, last); monthly files cover whole months."""
    key = frame["import_id"] if "import_id" in frame else frame["billing_provider"]
    out = {}
    for i, days in frame["usage_date"].groupby(key):
        first, last = days.min(), days.max()
        if (days.dt.day == 1).all():
            last = last + pd.offsets.MonthEnd(0)
        out[i] = (first, last)
    return out


def _merged(intervals: list) -> list:
    out = []
    for first, last in sorted(intervals):
        if out and first <= out[-1][1] + pd.Timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _covered(intervals: list, month: pd.Timestamp) -> bool:
    start = month + pd.Timedelta(days=EDGE_TOLERANCE_DAYS)
    end = month + pd.offsets.MonthEnd(0) - pd.Timedelta(days=EDGE_TOLERANCE_DAYS)
    return any(first <= start and last >= end for first, last in intervals)


def _regular(rows: pd.DataFrame) -> bool:
    """Usage that shows up most days (an API's daily export) or as monthly rows: a month without any
    row is then missing data; sporadic usage (a GPU burst now and then) can have empty months."""
    days = rows["usage_date"]
    if (days.dt.day == 1).all():
        return True
    per_month = days.groupby(rows["_month"]).nunique()
    return bool((per_month / per_month.index.days_in_month).mean() >= 0.5)


def _interpolate(values: pd.Series) -> pd.Series:
    """Log-linear interpolation across missing months (positive values), linear otherwise."""
    if values.isna().all():
        return values
    if (values.dropna() > 0).all():
        return np.exp(np.log(values).interpolate(limit_area="inside"))
    return values.interpolate(limit_area="inside")


def usage_series(frame: pd.DataFrame, underlying: str, by: str = "provider", max_children: int = 8,
                 as_of: pd.Timestamp | None = None) -> UsageSeries | None:
    """The monthly series of ``underlying`` from a consolidated usage frame (None if no usage)."""
    if frame.empty:
        return None
    warnings: list[HedgingWarning] = []
    if as_of is not None:
        late = frame["usage_date"] > pd.Timestamp(as_of)
        if late.any():
            warnings.append(HedgingWarning("after_as_of", (
                f"{fmt.count(late.sum())} usage rows dated after the as-of date {fmt.date(pd.Timestamp(as_of))} "
                "are not known on that date and are left out.")))
            frame = frame.loc[~late]
    part = _rows(frame, underlying) if not frame.empty else None
    if part is None:
        return None
    name = "token" if underlying == "token" else "GPU"
    coverage = _coverage(frame)
    spans, partial_notes, scaled, series = {}, [], {}, {}
    gaps, carried, stopped = [], [], []
    for provider, rows in part.groupby("billing_provider"):
        keys = rows["import_id"].unique() if "import_id" in rows else [provider]
        intervals = _merged([coverage[k] for k in keys])
        first_row = rows["usage_date"].min()
        end_cover = max(last for _, last in intervals)
        candidates = pd.date_range(first_row.to_period("M").to_timestamp(), end_cover.to_period("M").to_timestamp(),
                                   freq="MS")
        complete = [m for m in candidates if _covered(intervals, m)]
        if not complete:  # less than one whole month: scale it to a month at its daily rate
            first, last = rows["usage_date"].min(), rows["usage_date"].max()
            month = last.to_period("M").to_timestamp()
            factor = month.days_in_month / ((last - first).days + 1)
            sums = rows[rows["_month"] == month][["_volume", "_cost"]].sum().to_frame().T * factor
            sums.index = pd.DatetimeIndex([month])
            series[provider] = sums
            spans[provider] = (month, month)
            scaled[provider] = True
            partial_notes.append(f"{provider} covers only {first.day} {first:%b} – {fmt.date(last)}, scaled to the whole month "
                                 f"at its daily rate (×{factor:.2f})")
            continue
        start, end = complete[0], complete[-1]
        if start > candidates[0]:
            partial_notes.append(f"{provider} starts on {fmt.date(max(first_row, intervals[0][0]))}")
        if end < candidates[-1]:
            partial_notes.append(f"{provider} ends on {fmt.date(end_cover)}")
        own = pd.date_range(start, end, freq="MS")
        sums = rows.groupby("_month")[["_volume", "_cost"]].sum().reindex(own)
        regular = _regular(rows)
        missing = [m for m in own if not _covered(intervals, m) or (regular and np.isnan(sums.loc[m, "_volume"]))]
        sums = sums.fillna({"_volume": 0.0, "_cost": 0.0})
        if missing:
            gaps += [(provider, m) for m in missing]
            sums.loc[missing] = np.nan
            sums = sums.apply(_interpolate).fillna(0.0)
        series[provider], spans[provider] = sums, (start, end)
    if partial_notes:
        warnings.append(HedgingWarning("partial_month", (
            f"Partial months are left out of the {name} history so they do not read as a fall in volume: "
            + "; ".join(partial_notes) + ".")))
    latest = max(end for _, end in spans.values())
    earliest = min(start for start, _ in spans.values())
    months = pd.date_range(earliest, latest, freq="MS")
    volume = pd.DataFrame(0.0, index=months, columns=sorted(spans))
    cost = volume.copy()
    estimated = pd.Series(False, index=months)
    for provider, sums in series.items():
        start, end = spans[provider]
        volume.loc[sums.index, provider] = sums["_volume"].to_numpy()
        cost.loc[sums.index, provider] = sums["_cost"].to_numpy()
        if provider in scaled:
            estimated[sums.index] = True
        estimated[[m for p, m in gaps if p == provider]] = True
        behind = (latest.year - end.year) * 12 + latest.month - end.month
        if 0 < behind <= CARRY_FORWARD_MONTHS:
            tail = sums.tail(3)
            later = pd.date_range(end + pd.offsets.MonthBegin(1), latest, freq="MS")
            volume.loc[later, provider] = float(tail["_volume"].mean())
            cost.loc[later, provider] = float(tail["_cost"].mean())
            estimated[later] = True
            carried.append(f"{provider} ends {end:%b %Y} ({_month_list(later)} carried at its last "
                           f"{len(tail)} month(s)' average)")
        elif behind > CARRY_FORWARD_MONTHS:
            stopped.append(f"{provider} (last month {end:%b %Y})")
    if gaps:
        warnings.append(HedgingWarning("missing_months", (
            f"No {name} usage at all for " + "; ".join(
                f"{p} in {_month_list([m for q, m in gaps if q == p])}" for p in dict.fromkeys(q for q, _ in gaps))
            + ". Missing months are not read as zero: they are bridged between the months either side and "
            "marked as estimates. Import the missing export to replace the estimate.")))
    if carried:
        warnings.append(HedgingWarning("lagging_provider", (
            f"Some {name} exports end before others: " + "; ".join(carried)
            + ". Import the later exports to replace the estimates.")))
    if stopped:
        warnings.append(HedgingWarning("provider_stopped", (
            f"No recent {name} usage from " + ", ".join(stopped)
            + "; taken as no longer used. If that is wrong, import its later exports.")))
    total_v, total_c = volume.sum(axis=1), cost.sum(axis=1)
    spike_warnings, spikes = _spikes(total_c, name)
    warnings += spike_warnings
    for month, factor in spikes:   # a one-off must not drive the forecast: model it at its neighbours' level
        volume.loc[month] /= factor
        cost.loc[month] /= factor
        estimated[month] = True
    total_v, total_c = volume.sum(axis=1), cost.sum(axis=1)
    children, child_cost = _children(part, by, months, total_v, total_c, max_children)
    recent = cost.tail(3).sum()
    share = (recent / recent.sum()).to_dict() if recent.sum() > 0 else {}
    last3 = part[part["_month"] >= months[-1] - pd.DateOffset(months=2)]
    by_model = last3.groupby("model")["_cost"].sum()
    model_share = (by_model / by_model.sum()).to_dict() if by_model.sum() > 0 else {}
    return UsageSeries(
        underlying=underlying, unit=VOLUME_UNITS[underlying], months=months, volume=total_v.to_numpy(),
        cost=total_c.to_numpy(), estimated=estimated.to_numpy(), by=by, children=children, child_cost=child_cost,
        last_day=part["usage_date"].max(), provider_share={str(k): float(v) for k, v in share.items()},
        model_share={str(k): float(v) for k, v in model_share.items() if k},
        warnings=tuple(warnings), provider_volume_share=_volume_share(volume))


def _volume_share(volume: pd.DataFrame) -> dict[str, float]:
    """Each provider's share of the volume of the last three months (what a commitment with that
    provider applies to)."""
    recent = volume.tail(3).sum()
    total = float(recent.sum())
    return {str(k): float(v) / total for k, v in recent.items()} if total > 0 else {}


def _spikes(cost: pd.Series, name: str) -> tuple[list[HedgingWarning], list]:
    """A month whose spend is over ``SPIKE_FACTOR`` times the median of the three months either side,
    and the factor by which it stands above them."""
    if len(cost) < 4:
        return [], []
    out, found = [], []
    values = cost.to_numpy()
    for i, m in enumerate(cost.index):
        around = np.r_[values[max(0, i - 3):i], values[i + 1:i + 4]]
        around = around[around > 0]
        if len(around) >= 3 and values[i] > SPIKE_FACTOR * np.median(around):
            factor = values[i] / np.median(around)
            found.append((m, factor))
            out.append(HedgingWarning("spike", (
                f"{name.capitalize()} spend in {m:%B %Y} ({fmt.money(values[i])}) was {fmt.number(factor, 1)} times the "
                f"months around it (median {fmt.money(np.median(around))}). It is taken as a one-off (a migration, a batch job, a billing "
                "correction): the forecast models that month at its neighbours' level and marks it estimated. If such "
                "months recur, they are part of the business: check the Data page.")))
    return out, found


def _children(part, by, months, total_v, total_c, max_children):
    """Drill-down volumes and costs that sum to the (bridged) totals every month."""
    column = DIMENSIONS[by]
    part = part.assign(_label=_label(part, column))
    ranking = part.groupby("_label")["_cost"].sum().sort_values(ascending=False)
    keep = list(ranking.index[:max_children])
    part = part.assign(_label=part["_label"].where(part["_label"].isin(keep), "other"))
    out = []
    for values, total in (("_volume", total_v), ("_cost", total_c)):
        pivot = part.pivot_table(index="_month", columns="_label", values=values, aggfunc="sum",
                                 fill_value=0.0).reindex(months)
        raw = pivot.sum(axis=1)
        shares = pivot.div(raw.where(raw > 0), axis=0).ffill().bfill().fillna(0.0)
        if shares.empty or shares.shape[1] == 0:
            out.append({})
            continue
        scaled = shares.mul(total, axis=0)
        out.append({str(k): scaled[k].to_numpy() for k in scaled.columns})
    return out[0], out[1]
