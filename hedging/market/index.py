"""Price indices the hedges settle on: a token price index and an H100 rental index.

Two underlyings (DESIGN section 3):

* :func:`token_price_index` builds a monthly Token Price Index (TPI) in USD per million tokens the
  way arXiv 2603.21690 (section 5.2, eqs. 4-6) defines it: ``TPI_t = sum_i w_i P_it`` over
  providers, ``w_i = V_i / sum_j V_j`` with a single-provider cap (30%), and a capability
  adjustment ``P_it = P_raw_it x S_SIT / S_i``. The paper leaves the blend of input and output
  prices, the redistribution of capped weight and the choice of model per provider open; the
  choices made here are parameters and are returned in the result's metadata.
* :func:`gpu_rental_index` builds an *illustrative* monthly H100 rental index in USD per
  GPU-hour, log-linearly interpolated between dated anchor quotes of one market segment.

:func:`validate_index_history` checks a user-uploaded index history. Nothing here reads files
except the ``load_*`` helpers, which take an explicit path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning, InputError

#: S_SIT: the capability score of the SIT reference. The paper anchors the SIT to GPT-4-Turbo
#: (Jan 2024) at "MMLU >= 86%"; OpenAI published no 5-shot MMLU for GPT-4-Turbo, so the reference
#: takes GPT-4's reported 86.4 (GPT-4 Technical Report, 5-shot), an assumption.
SIT_REFERENCE_SCORE = 86.4
#: Qualification threshold: the paper's "MMLU >= 86%".
SIT_MIN_SCORE = 86.0
#: Single-provider weight cap of the paper's TPI.
DEFAULT_CAP = 0.30
#: Output share of the blended price: 0.25 = the Artificial Analysis / Epoch 3:1 input:output mix.
DEFAULT_BLEND_OUTPUT_SHARE = 0.25
#: The one market segment of the shipped GPU index (markets.md B3: never mix segments).
DEFAULT_GPU_SEGMENT = "neocloud_on_demand"

PRICE_COLUMNS = ("effective_date", "provider", "model", "input_usd_per_m", "output_usd_per_m")
CAPABILITY_COLUMNS = ("model", "score")
VOLUME_COLUMNS = ("date", "provider")
ANCHOR_COLUMNS = ("date", "usd_per_gpu_hour", "segment", "source")
HISTORY_COLUMNS = ("date", "value")

_MIN_HISTORY_POINTS = 12
_MAX_GAP_DAYS = 45


@dataclass(frozen=True)
class IndexSeries:
    """A monthly index history with its provenance.

    ``dates`` are month starts (naive calendar dates), ``values`` are in ``unit``, ``source[k]``
    says where ``values[k]`` comes from. ``illustrative`` marks a series built partly on
    assumptions, which the UI must label as such. ``metadata`` is a tuple of ``(key, value)``
    pairs (hashable); :attr:`meta` gives it as a dict.
    """

    name: str
    unit: str
    dates: tuple[pd.Timestamp, ...]
    values: tuple[float, ...]
    source: tuple[str, ...]
    illustrative: bool
    method_note: str
    metadata: tuple[tuple[str, object], ...] = ()
    warnings: tuple[HedgingWarning, ...] = field(default=(), compare=False)

    @property
    def meta(self) -> dict[str, object]:
        return dict(self.metadata)

    def frame(self) -> pd.DataFrame:
        """The series as a table with columns ``date``, ``value``, ``source``."""
        return pd.DataFrame({
            "date": pd.DatetimeIndex(list(self.dates), dtype="datetime64[ns]"),
            "value": np.asarray(self.values, dtype=float),
            "source": list(self.source),
        })

    def value_at(self, month: str | pd.Timestamp) -> float:
        """The value for the month containing ``month`` (e.g. ``"2024-06"``)."""
        key = pd.Timestamp(month).to_period("M").to_timestamp()
        return self.values[self.dates.index(key)]


# --- weights ---------------------------------------------------------------------------------


def cap_weights(volumes, cap: float = DEFAULT_CAP) -> np.ndarray:
    """Volume weights with a per-provider cap, the excess redistributed proportionally.

    ``w_i = V_i / sum_j V_j`` (paper eq. 5); any weight above ``cap`` is set to ``cap`` and the
    remaining ``1 - cap x (number capped)`` is shared among the uncapped providers in proportion
    to their volumes; repeated until no uncapped weight exceeds the cap (at most ``n`` rounds).
    Weights sum to 1, keep the order of the volumes, and uncapped weights keep their volume
    ratios. Example: volumes (50, 30, 10, 10), cap 0.30 -> 0.50 is capped to 0.30; the other
    0.70 is shared 30:10:10, giving 0.42 for the second, which is capped too; the last 0.40 is
    shared 10:10, so the weights are (0.30, 0.30, 0.20, 0.20).

    When ``n x cap < 1`` (fewer than 4 providers for a 30% cap) no weighting meets the cap; the
    function then returns equal weights ``1/n`` (the weights whose largest member is smallest).
    :func:`cap_is_feasible` tells the caller, who should warn.

    Parameters
    ----------
    volumes : array-like of float, all > 0, any scale (tokens, USD, shares)
    cap : float in (0, 1]

    Returns
    -------
    numpy.ndarray of weights, same order as ``volumes``.
    """
    v = np.asarray(volumes, dtype=float).ravel()
    if v.size == 0:
        raise InputError("no provider volumes were given, so no weights can be formed.",
                         fix="give at least one provider with a positive volume.")
    if not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise InputError("provider volumes must be positive finite numbers.", value=v.tolist(),
                         fix="drop providers with zero volume before weighting.")
    if not (0 < cap <= 1):
        raise InputError("the weight cap must be in (0, 1].", column="cap", value=cap,
                         fix="use e.g. 0.30 for the paper's 30% single-provider cap.")
    if not cap_is_feasible(v.size, cap):
        return np.full(v.size, 1.0 / v.size)
    w = v / v.sum()
    capped = np.zeros(v.size, dtype=bool)
    for _ in range(v.size):
        over = (w > cap * (1 + 1e-12)) & ~capped
        if not over.any():
            break
        capped |= over
        free = 1.0 - cap * capped.sum()
        w = np.where(capped, cap, free * v / v[~capped].sum())
    return w


def cap_is_feasible(n: int, cap: float) -> bool:
    """Whether ``n`` providers can all be weighted at or below ``cap`` (``n x cap >= 1``)."""
    return n >= 1 and n * cap >= 1 - 1e-12


# --- token price index -----------------------------------------------------------------------


def blend_label(output_share: float) -> str:
    """A human label for a blend convention, e.g. 0.25 -> the 3:1 input:output convention."""
    formula = f"blended = {1 - output_share:g} x input + {output_share:g} x output"
    if math.isclose(output_share, 0.25):
        return formula + " (3:1 input:output, the Artificial Analysis / Epoch convention)"
    if math.isclose(output_share, 0.75):
        return formula + " (1:3 input:output, the STCI convention (In + 3 x Out) / 4)"
    if math.isclose(output_share, 1.0):
        return formula + " (output price only)"
    return formula


def token_index_constituents(
    prices: pd.DataFrame,
    capability: pd.DataFrame,
    volumes: pd.DataFrame | None,
    months: pd.DatetimeIndex,
    *,
    blend_output_share: float = DEFAULT_BLEND_OUTPUT_SHARE,
    cap: float = DEFAULT_CAP,
    reference_score: float = SIT_REFERENCE_SCORE,
    min_score: float = SIT_MIN_SCORE,
) -> tuple[pd.DataFrame, tuple[HedgingWarning, ...]]:
    """Per month and provider: the SIT-equivalent quote and its weight in the TPI.

    Columns: ``month, provider, model, effective_date, input_usd_per_m, output_usd_per_m,
    blended_usd_per_m, score, sit_usd_per_m, volume, weight``. See :func:`token_price_index`
    for the method; the index value of a month is ``sum(weight x sit_usd_per_m)``.
    """
    if not (0.0 <= blend_output_share <= 1.0):
        raise InputError("the output share of the blend must be between 0 and 1.",
                         column="blend_output_share", value=blend_output_share,
                         fix="use 0.25 for the 3:1 input:output convention.")
    if not (reference_score > 0 and min_score > 0):
        raise InputError("capability scores must be positive.", column="reference_score",
                         value=reference_score, fix="use the SIT reference's benchmark score.")
    table = prepare_list_prices(prices, "list prices")
    scores = prepare_capability(capability, "capability table")
    vols = prepare_volumes(volumes, "provider volumes") if volumes is not None else None
    month_starts = _month_starts(months)
    warnings: list[HedgingWarning] = []

    table = table.merge(scores[["model", "score"]], on="model", how="left")
    unscored = sorted(table.loc[table["score"].isna(), "model"].unique())
    if unscored:
        warnings.append(HedgingWarning("unscored_models", (
            f"{len(unscored)} priced model(s) have no capability score and are left out of the "
            f"token index: {_short_list(unscored)}. Add them to the capability table to include them.")))
    qualifying = table[table["score"] >= min_score]
    qualifying = qualifying.assign(
        blended_usd_per_m=(1 - blend_output_share) * qualifying["input_usd_per_m"]
        + blend_output_share * qualifying["output_usd_per_m"])
    qualifying = qualifying.assign(
        sit_usd_per_m=qualifying["blended_usd_per_m"] * reference_score / qualifying["score"])

    rows: list[pd.DataFrame] = []
    no_quote: list[pd.Timestamp] = []
    infeasible: list[pd.Timestamp] = []
    no_volume: dict[str, list[pd.Timestamp]] = {}
    for month in month_starts:
        month_end = month + pd.offsets.MonthEnd(0)
        live = qualifying[(qualifying["effective_date"] <= month_end)
                          & ~(qualifying["retired_date"] <= month_end)]
        if live.empty:
            no_quote.append(month)
            continue
        # the price in effect of each model, then each provider's cheapest SIT-equivalent model
        latest = live.sort_values("effective_date", kind="stable").groupby(["provider", "model"]).tail(1)
        best = (latest.sort_values(["provider", "sit_usd_per_m", "model"])
                .groupby("provider").head(1).reset_index(drop=True))
        if vols is None:
            best["volume"] = 1.0
        else:
            in_effect = vols[vols["date"] <= month_end].sort_values("date").groupby("provider").tail(1)
            best = best.merge(in_effect[["provider", "volume"]], on="provider", how="left")
            for p in best.loc[best["volume"].isna() | (best["volume"] <= 0), "provider"]:
                no_volume.setdefault(p, []).append(month)
            best = best[best["volume"] > 0].reset_index(drop=True)
            if best.empty:
                no_quote.append(month)
                continue
        if not cap_is_feasible(len(best), cap):
            infeasible.append(month)
        best["weight"] = cap_weights(best["volume"].to_numpy(), cap)
        best.insert(0, "month", month)
        rows.append(best)

    if no_quote:
        warnings.append(HedgingWarning("no_qualifying_quote", (
            f"No provider had a priced model at or above the SIT score ({min_score:g}) with a "
            f"volume in {_months_text(no_quote)}; the index has no value there.")))
    if infeasible:
        warnings.append(HedgingWarning("cap_infeasible", (
            f"A {cap:.0%} single-provider cap needs at least {math.ceil(1 / cap - 1e-9)} providers; "
            f"{_months_text(infeasible)} had fewer qualifying providers, so those months weight "
            "the providers equally.")))
    for provider, missing in sorted(no_volume.items()):
        warnings.append(HedgingWarning("no_volume", (
            f"Provider {provider!r} had a qualifying price but no volume in "
            f"{_months_text(missing)} and was left out of the index there. "
            "Add its volume or market share to include it.")))

    columns = ["month", "provider", "model", "effective_date", "input_usd_per_m",
               "output_usd_per_m", "blended_usd_per_m", "score", "sit_usd_per_m", "volume", "weight"]
    if not rows:
        return pd.DataFrame(columns=columns), tuple(warnings)
    out = pd.concat(rows, ignore_index=True)[columns]
    return out, tuple(warnings)


def token_price_index(
    prices: pd.DataFrame,
    capability: pd.DataFrame,
    volumes: pd.DataFrame | None,
    months: pd.DatetimeIndex,
    *,
    blend_output_share: float = DEFAULT_BLEND_OUTPUT_SHARE,
    cap: float = DEFAULT_CAP,
    reference_score: float = SIT_REFERENCE_SCORE,
    min_score: float = SIT_MIN_SCORE,
    carry_back: bool = False,
    illustrative: bool = True,
    name: str = "Token price index (SIT-equivalent)",
) -> IndexSeries:
    """Monthly Token Price Index in USD per million SIT-equivalent tokens (paper eqs. 4-6).

    For each month ``t`` (price in effect = latest ``effective_date`` on or before month end):

    1. blended price of a model ``m``: ``B_m = (1 - s) x input_m + s x output_m`` with
       ``s = blend_output_share`` (0.25: the 3:1 input:output convention of Artificial Analysis
       and Epoch; 0.75 would be STCI's (In + 3 Out)/4);
    2. qualification: only models whose capability score ``S_m >= min_score`` (the SIT
       threshold, MMLU >= 86%) qualify; models without a score are left out (warning);
    3. capability adjustment (eq. 6): ``P_m = B_m x S_SIT / S_m`` with ``S_SIT = reference_score``;
    4. provider quote ``P_it``: the cheapest ``P_m`` among provider ``i``'s qualifying models,
       i.e. the cheapest way to buy SIT-grade tokens from that provider;
    5. weights (eq. 5): ``w_i = V_i / sum_j V_j`` over providers with a quote, capped at ``cap``
       by :func:`cap_weights`; with fewer than ``ceil(1/cap)`` providers the cap is infeasible and
       the providers are weighted equally (warning ``cap_infeasible``); ``volumes=None`` means
       equal volumes;
    6. ``TPI_t = sum_i w_i P_it`` (eq. 4).

    Worked number: in 2023-03 only GPT-4 (8K, $30 / $60, MMLU 86.4) qualifies, so
    ``TPI = 0.75 x 30 + 0.25 x 60 = 37.5`` $/M.

    Parameters
    ----------
    prices : DataFrame with ``effective_date, provider, model, input_usd_per_m, output_usd_per_m``
    capability : DataFrame with ``model, score`` (one benchmark scale for all models)
    volumes : DataFrame with ``date, provider`` and ``volume`` or ``share`` (the row in effect
        is the latest ``date`` on or before month end), or None for equal volumes
    months : the months wanted (any day in the month; month starts are returned)
    carry_back : months before the first month with a quote take the first value (labelled in
        ``source``) instead of being left out
    illustrative : leave True unless volumes are observed and all scores published

    Returns
    -------
    IndexSeries with unit "USD per 1M tokens"; ``meta`` holds the blend convention, cap,
    reference score, threshold and selection rule.

    References
    ----------
    Xing (2026), "AI Token Futures Market", arXiv 2603.21690, section 5.2.
    """
    parts, warnings = token_index_constituents(
        prices, capability, volumes, months, blend_output_share=blend_output_share, cap=cap,
        reference_score=reference_score, min_score=min_score)
    dates: list[pd.Timestamp] = []
    values: list[float] = []
    sources: list[str] = []
    for month, group in parts.groupby("month", sort=True):
        dates.append(pd.Timestamp(month))
        values.append(float(np.dot(group["weight"], group["sit_usd_per_m"])))
        quotes = "; ".join(f"{r.provider}:{r.model} w={r.weight:.3f}"
                           for r in group.sort_values("weight", ascending=False).itertuples())
        sources.append(f"computed from list prices: {quotes}")
    requested = _month_starts(months)
    warnings = tuple(w for w in warnings if w.code != "no_qualifying_quote")
    if volumes is None:
        warnings += (HedgingWarning("no_volumes", (
            "No provider volumes were given, so providers are weighted equally (then capped). "
            "Supply volumes or market shares to weight them as the TPI intends.")),)
    earlier = [m for m in requested if dates and m < dates[0]] if carry_back else []
    if earlier:
        first = dates[0].strftime("%Y-%m")
        dates = earlier + dates
        values = [values[0]] * len(earlier) + values
        sources = [f"no qualifying quote yet; carried back from {first}"] * len(earlier) + sources
        warnings += (HedgingWarning("carried_back", (
            f"{_months_text(earlier)} had no qualifying quote and carry the {first} value.")),)
    missing = [m for m in requested if m not in set(dates)]
    if missing:
        warnings += (HedgingWarning("no_qualifying_quote", (
            f"No provider had a priced model at or above the SIT score ({min_score:g}) with a "
            f"volume in {_months_text(missing)}; the index has no value there.")),)
    metadata = (
        ("blend_output_share", float(blend_output_share)),
        ("blend_convention", blend_label(blend_output_share)),
        ("cap", float(cap)),
        ("cap_rule", "excess over the cap redistributed to uncapped providers in proportion to volume, "
                     "iterated; equal weights when fewer than ceil(1/cap) providers"),
        ("reference_score", float(reference_score)),
        ("min_score", float(min_score)),
        ("qualification", f"models with capability score >= {min_score:g}; unscored models excluded"),
        ("capability_adjustment", "P = blended x S_SIT / S_i"),
        ("selection", "each provider's cheapest qualifying model, capability-adjusted"),
        ("weights", "equal volumes" if volumes is None else "volumes as supplied"),
        ("price_in_effect", "latest effective_date on or before month end"),
    )
    note = (f"Volume-weighted, capability-adjusted multi-provider price after arXiv 2603.21690 "
            f"eqs. 4-6: {blend_label(blend_output_share)}; models with score >= {min_score:g} "
            f"qualify and are adjusted by S_SIT/S_i with S_SIT = {reference_score:g}; each "
            f"provider quotes its cheapest qualifying model; weights capped at {cap:.0%}.")
    return IndexSeries(name=name, unit="USD per 1M tokens", dates=tuple(dates),
                       values=tuple(values), source=tuple(sources), illustrative=illustrative,
                       method_note=note, metadata=metadata, warnings=tuple(warnings))


# --- GPU rental index ------------------------------------------------------------------------


def gpu_rental_index(
    anchors: pd.DataFrame,
    months: pd.DatetimeIndex,
    *,
    segment: str = DEFAULT_GPU_SEGMENT,
    name: str = "H100 rental index (illustrative)",
) -> IndexSeries:
    """Illustrative monthly H100 rental index in USD per GPU-hour, from anchors of one segment.

    Anchor dates are placed on the first day of their month. Between anchors ``a`` and ``b`` the
    value is log-linear in calendar days: ``v_t = v_a x (v_b / v_a) ** ((t - t_a) / (t_b - t_a))``,
    so the series passes through every anchor and is monotone between consecutive anchors.
    Months before the first or after the last anchor are held flat (warning ``extrapolated``).
    Example: anchors $2.99 (2024-10-01) and $2.31 (2025-09-01): 2025-03-01 lies 151 of 335
    days along, so ``2.99 x (2.31/2.99) ** (151/335) = 2.66``.

    Parameters
    ----------
    anchors : DataFrame with ``date, usd_per_gpu_hour, segment, source``
    months : the months wanted
    segment : the one segment used; rows of other segments are ignored (never mixed)

    Returns
    -------
    IndexSeries with ``illustrative=True``; each row's ``source`` cites its anchor or the two
    anchors it is interpolated between.
    """
    table = prepare_anchors(anchors, "GPU anchors")
    chosen = table[table["segment"] == segment]
    if chosen.empty:
        raise InputError(f"no anchor rows for segment {segment!r}.", column="segment", value=segment,
                         fix=f"use one of: {', '.join(sorted(table['segment'].unique()))}.")
    chosen = chosen.assign(month=chosen["date"].dt.to_period("M").dt.to_timestamp())
    dup = chosen["month"].duplicated(keep=False)
    if dup.any():
        first = chosen.loc[dup, "month"].iloc[0].strftime("%Y-%m")
        raise InputError(f"segment {segment!r} has more than one anchor in {first}.", column="date",
                         value=first, fix="keep one anchor per month (e.g. the median of the quotes).")
    chosen = chosen.sort_values("month").reset_index(drop=True)
    t_anchor = chosen["month"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    log_v = np.log(chosen["usd_per_gpu_hour"].to_numpy(dtype=float))
    labels = [f"{m:%Y-%m} (${v:,.2f})" for m, v in zip(chosen["month"], chosen["usd_per_gpu_hour"])]

    month_starts = _month_starts(months)
    values, sources, flat = [], [], []
    for month in month_starts:
        t = np.datetime64(month.date(), "D").astype(np.int64)
        k = int(np.searchsorted(t_anchor, t, side="right")) - 1
        if k >= 0 and t_anchor[k] == t:
            values.append(float(chosen["usd_per_gpu_hour"].iloc[k]))
            sources.append(f"anchor: {chosen['source'].iloc[k]}")
        elif k < 0 or k == len(t_anchor) - 1:
            j = 0 if k < 0 else k
            values.append(float(chosen["usd_per_gpu_hour"].iloc[j]))
            side = "before the first" if k < 0 else "after the last"
            sources.append(f"held flat at anchor {labels[j]}: {side} anchor of segment {segment}")
            flat.append(month)
        else:
            frac = (t - t_anchor[k]) / (t_anchor[k + 1] - t_anchor[k])
            values.append(float(np.exp(log_v[k] + frac * (log_v[k + 1] - log_v[k]))))
            sources.append(f"interpolated (log-linear) between anchors {labels[k]} and {labels[k + 1]}")
    warnings = ()
    if flat:
        warnings = (HedgingWarning("extrapolated", (
            f"{_months_text(flat)} lie outside the {segment} anchors "
            f"({labels[0]} to {labels[-1]}) and are held flat at the nearest anchor.")),)
    note = (f"Illustrative: log-linear interpolation in calendar time between {len(chosen)} dated "
            f"H100 rental quotes of one segment ({segment}); flat outside the anchors. Not an "
            "observed or settlement-grade index.")
    metadata = (("segment", segment), ("anchors", len(chosen)),
                ("interpolation", "log-linear in calendar days between month-start anchors"),
                ("extrapolation", "flat at the nearest anchor"))
    return IndexSeries(name=name, unit="USD per GPU-hour", dates=tuple(month_starts),
                       values=tuple(values), source=tuple(sources), illustrative=True,
                       method_note=note, metadata=metadata, warnings=warnings)


# --- uploaded index history ------------------------------------------------------------------


def validate_index_history(
    frame: pd.DataFrame, file_name: str
) -> tuple[pd.DataFrame, tuple[HedgingWarning, ...]]:
    """Check an uploaded index history (``date, value`` and optional ``source``).

    Raises :class:`InputError` naming file, row (header = row 1), column, value and fix for an
    unparseable date, a missing, non-numeric, infinite or non-positive value, a duplicated date,
    or fewer than 12 rows. Returns the rows sorted by date (``date, value, source``; a missing
    source becomes ``"uploaded: <file>"``) and a warning for gaps longer than 45 days.
    """
    table = _normalise_headers(frame)
    _require_columns(table, HISTORY_COLUMNS, file_name,
                     "the file needs a header row `date,value` (and optionally `source`).")
    dates = _parse_dates(table["date"], file_name, "date")
    values = _parse_numbers(table["value"], file_name, "value", positive=True,
                            unit_hint="the index level, e.g. 2.35")
    seen: dict[pd.Timestamp, int] = {}
    for pos, d in enumerate(dates):
        if d in seen:
            raise InputError(f"the date repeats row {seen[d]}; each date may appear once.",
                             file=file_name, row=pos + 2, column="date", value=table["date"].iloc[pos],
                             fix="delete one of the two rows or correct its date.")
        seen[d] = pos + 2
    if len(table) < _MIN_HISTORY_POINTS:
        raise InputError(
            f"the history has {len(table)} data row(s); at least {_MIN_HISTORY_POINTS} are needed "
            "to estimate the price model.", file=file_name, column="date",
            fix=f"upload at least {_MIN_HISTORY_POINTS} dated values (e.g. one year of monthly values).")
    if "source" in table.columns:
        src = table["source"].astype("string").fillna("").str.strip()
        src = src.where(src != "", f"uploaded: {file_name}")
    else:
        src = pd.Series(f"uploaded: {file_name}", index=table.index)
    out = pd.DataFrame({"date": dates.to_numpy(), "value": values.to_numpy(dtype=float),
                        "source": src.astype(str).to_numpy()})
    out = out.sort_values("date", kind="stable").reset_index(drop=True)
    out["date"] = out["date"].astype("datetime64[ns]")
    gaps = out["date"].diff().dt.days
    big = out.loc[gaps > _MAX_GAP_DAYS]
    warnings: tuple[HedgingWarning, ...] = ()
    if not big.empty:
        shown = ", ".join(f"{out['date'].iloc[i - 1]:%Y-%m-%d} to {out['date'].iloc[i]:%Y-%m-%d} "
                          f"({int(gaps.iloc[i])} days)" for i in big.index[:3])
        more = f" and {len(big) - 3} more" if len(big) > 3 else ""
        warnings = (HedgingWarning("index_gap", (
            f"{file_name}: {len(big)} gap(s) longer than {_MAX_GAP_DAYS} days between dates: "
            f"{shown}{more}. Model estimates treat the gap as one long step.")),)
    return out, warnings


def index_series_from_history(
    history: pd.DataFrame, *, name: str, unit: str, illustrative: bool = False, method_note: str = "",
) -> IndexSeries:
    """Wrap a validated history (from :func:`validate_index_history`) as an :class:`IndexSeries`."""
    return IndexSeries(name=name, unit=unit, dates=tuple(pd.Timestamp(d) for d in history["date"]),
                       values=tuple(float(v) for v in history["value"]),
                       source=tuple(str(s) for s in history["source"]), illustrative=illustrative,
                       method_note=method_note or "uploaded history")


# --- table preparation (shared by the load_* helpers and the functions above) -------------------


def prepare_list_prices(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Typed list-price rows: dates parsed, provider lower-case, prices non-negative floats.

    An optional ``retired_date`` column (blank = still offered) takes a model out of the index
    from the first month whose end is on or after that date.
    """
    table = _normalise_headers(frame)
    _require_columns(table, PRICE_COLUMNS, file_name,
                     f"the list-price table needs columns {', '.join(PRICE_COLUMNS)}.")
    out = pd.DataFrame({
        "effective_date": _parse_dates(table["effective_date"], file_name, "effective_date"),
        "provider": _parse_text(table["provider"], file_name, "provider").str.lower(),
        "model": _parse_text(table["model"], file_name, "model"),
    })
    for col in ("input_usd_per_m", "output_usd_per_m"):
        out[col] = _parse_numbers(table[col], file_name, col, positive=False,
                                  unit_hint="USD per million tokens, e.g. 2.50").to_numpy(dtype=float)
    if "retired_date" in table.columns:
        retired = _parse_dates(table["retired_date"], file_name, "retired_date", allow_blank=True)
        # a model is retired from its earliest stated retirement date, whichever row states it
        out["retired_date"] = retired.groupby([out["provider"], out["model"]]).transform("min")
    else:
        out["retired_date"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
    if "source" in table.columns:
        out["source"] = table["source"].astype("string").fillna("").to_numpy()
    return out


def prepare_capability(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Typed capability rows (``model, score`` plus any other columns); models must be unique."""
    table = _normalise_headers(frame)
    _require_columns(table, CAPABILITY_COLUMNS, file_name,
                     "the capability table needs columns model, score (and benchmark, source).")
    out = table.copy()
    out["model"] = _parse_text(table["model"], file_name, "model").to_numpy()
    out["score"] = _parse_numbers(table["score"], file_name, "score", positive=True,
                                  unit_hint="the benchmark score, e.g. 86.4").to_numpy(dtype=float)
    dup = out["model"].duplicated()
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError("the model appears twice; each model needs exactly one score.", file=file_name,
                         row=pos + 2, column="model", value=out["model"].iloc[pos],
                         fix="keep one row per model.")
    return out


def prepare_volumes(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Typed provider volumes: ``date, provider, volume`` (a ``share`` column is read as volume)."""
    table = _normalise_headers(frame)
    _require_columns(table, VOLUME_COLUMNS, file_name,
                     "the volume table needs columns date, provider and volume (or share).")
    column = "volume" if "volume" in table.columns else "share" if "share" in table.columns else None
    if column is None:
        raise InputError("the volume table has neither a `volume` nor a `share` column.",
                         file=file_name, row=1, fix="add a column `share` (market share) or `volume`.")
    return pd.DataFrame({
        "date": _parse_dates(table["date"], file_name, "date"),
        "provider": _parse_text(table["provider"], file_name, "provider").str.lower(),
        "volume": _parse_numbers(table[column], file_name, column, positive=False,
                                 unit_hint="a share or volume, e.g. 0.25").to_numpy(dtype=float),
    })


def prepare_anchors(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Typed GPU anchor rows: ``date, usd_per_gpu_hour, segment, source``."""
    table = _normalise_headers(frame)
    _require_columns(table, ANCHOR_COLUMNS, file_name,
                     f"the anchor table needs columns {', '.join(ANCHOR_COLUMNS)}.")
    return pd.DataFrame({
        "date": _parse_dates(table["date"], file_name, "date"),
        "usd_per_gpu_hour": _parse_numbers(table["usd_per_gpu_hour"], file_name, "usd_per_gpu_hour",
                                           positive=True, unit_hint="USD per GPU-hour, e.g. 2.99"
                                           ).to_numpy(dtype=float),
        "segment": _parse_text(table["segment"], file_name, "segment"),
        "source": _parse_text(table["source"], file_name, "source"),
    })


def load_list_prices(path: str | Path) -> pd.DataFrame:
    """Read and type a list-price CSV (``effective_date, provider, model, input_usd_per_m, ...``)."""
    path = Path(path)
    return prepare_list_prices(_read_csv(path), path.name)


def load_capability(path: str | Path) -> pd.DataFrame:
    """Read and type a capability CSV (``model, score, benchmark, source``)."""
    path = Path(path)
    return prepare_capability(_read_csv(path), path.name)


def load_provider_volumes(path: str | Path) -> pd.DataFrame:
    """Read and type a provider volume or market-share CSV (``date, provider, share|volume``)."""
    path = Path(path)
    return prepare_volumes(_read_csv(path), path.name)


def load_anchors(path: str | Path) -> pd.DataFrame:
    """Read and type a GPU rental anchor CSV (``date, usd_per_gpu_hour, segment, source``)."""
    path = Path(path)
    return prepare_anchors(_read_csv(path), path.name)


def load_index_history(path: str | Path) -> tuple[pd.DataFrame, tuple[HedgingWarning, ...]]:
    """Read an index history CSV and check it with :func:`validate_index_history`."""
    path = Path(path)
    return validate_index_history(_read_csv(path), path.name)


# --- helpers ---------------------------------------------------------------------------------


def _read_csv(path: Path) -> pd.DataFrame:
    # text cells as written, so messages can quote the exact value a user typed
    return pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)


def _normalise_headers(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame.reset_index(drop=True)
    table.columns = [str(c).strip().lower() for c in table.columns]
    return table


def _require_columns(table: pd.DataFrame, required, file_name: str, fix: str) -> None:
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join('`' + c + '`' for c in missing)}; "
                         f"found {', '.join(map(str, table.columns)) or 'none'}.",
                         file=file_name, row=1, fix=fix)


def _parse_dates(raw: pd.Series, file_name: str, column: str, *,
                 allow_blank: bool = False) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(raw):
        parsed = raw
        blank = raw.isna()
    else:
        text = raw.astype("string").str.strip()
        blank = text.isna() | (text == "")
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=True)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    missing = parsed.isna()
    if allow_blank:
        missing = missing & ~blank
    bad = missing.to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError("is not a date.", file=file_name, row=pos + 2, column=column,
                         value=raw.iloc[pos], fix="write dates as YYYY-MM-DD, e.g. 2024-06-01.")
    return parsed.dt.normalize().astype("datetime64[ns]").reset_index(drop=True)


def _parse_numbers(raw: pd.Series, file_name: str, column: str, *, positive: bool,
                   unit_hint: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(raw):
        numbers = raw.astype(float)
        blank = numbers.isna()
    else:
        text = raw.astype("string").str.strip()
        blank = text.isna() | (text == "") | text.str.lower().isin(["nan", "na", "n/a", "null", "none"])
        numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype(float)
    arr = numbers.to_numpy(dtype=float)
    for pos in range(len(arr)):
        x = arr[pos]
        problem = None
        if bool(blank.iloc[pos]):
            problem = "is empty or NaN; every row needs a number."
        elif math.isnan(x):
            problem = "is not a number."
        elif math.isinf(x):
            problem = "is infinite; every value must be a finite number."
        elif positive and x <= 0:
            problem = "must be greater than zero."
        elif not positive and x < 0:
            problem = "must not be negative."
        if problem:
            raise InputError(problem, file=file_name, row=pos + 2, column=column, value=raw.iloc[pos],
                             fix=f"enter {unit_hint}, or delete the row.")
    return numbers.reset_index(drop=True)


def _parse_text(raw: pd.Series, file_name: str, column: str) -> pd.Series:
    text = raw.astype("string").str.strip()
    bad = (text.isna() | (text == "")).to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise InputError("is empty.", file=file_name, row=pos + 2, column=column, value="",
                         fix=f"fill in the {column}.")
    return text.astype(str).reset_index(drop=True)


def _month_starts(months) -> list[pd.Timestamp]:
    idx = pd.DatetimeIndex(months)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    starts = idx.to_period("M").to_timestamp().unique().sort_values()
    return [pd.Timestamp(m) for m in starts]


def _months_text(months: list[pd.Timestamp]) -> str:
    labels = [m.strftime("%Y-%m") for m in months]
    if len(labels) <= 4:
        return ", ".join(labels)
    contiguous = len(pd.period_range(labels[0], labels[-1], freq="M")) == len(labels)
    if contiguous:
        return f"{len(labels)} months ({labels[0]} to {labels[-1]})"
    return f"{len(labels)} months ({', '.join(labels[:3])}, ..., {labels[-1]})"


def _short_list(items: list[str], n: int = 6) -> str:
    shown = ", ".join(items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")
