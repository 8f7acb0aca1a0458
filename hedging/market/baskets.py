"""Two more token indices built from dated list prices: a frontier basket and a company basket.

* :func:`frontier_basket_index`: what a frontier user pays. Each provider quotes the frontier
  model a frontier user buys from it at that date (a dated membership table, e.g. GPT-4o from
  2024-05-13, Claude Sonnet 4.5 from 2025-09-29), at its list price in effect, blended like the
  SIT index (``(1 - s) x input + s x output``, ``s = 0.25``) and weighted by the same capped
  provider volumes (:func:`hedging.market.index.cap_weights`). Unlike the SIT index there is no
  capability adjustment and no "cheapest qualifying model": the index follows the flagship, so it
  rises when a provider launches a dearer flagship (GPT-5.4 in 2026-03) and falls on cuts.
* :func:`usage_basket_index`: the company's own usage-weighted list-price basket. Fixed weights
  are the company's token mix by model and token type (uncached input, cache reads, cache writes,
  output) over a base window; each month the basket is priced at the list prices in effect, and
  months are chain-linked over the models priced in both months, so a model's launch never makes
  the index jump. Its level is the basket's list price per million tokens in the base month.

Both return :class:`hedging.market.index.IndexSeries` in USD per 1M tokens. Nothing here reads
files.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning, InputError
from hedging.market.index import (
    DEFAULT_BLEND_OUTPUT_SHARE,
    DEFAULT_CAP,
    IndexSeries,
    blend_label,
    cap_is_feasible,
    cap_weights,
    prepare_list_prices,
    prepare_volumes,
)

MEMBER_COLUMNS = ("from_date", "provider", "model")
#: Token types of the company basket and the list-price column each is priced at.
TOKEN_PRICE = {"input_tokens": "input_usd_per_m", "cache_read_tokens": "cache_read_usd_per_m",
               "cache_write_tokens": "cache_write_usd_per_m", "output_tokens": "output_usd_per_m"}


def prepare_members(frame: pd.DataFrame, file_name: str) -> pd.DataFrame:
    """Typed frontier membership rows: ``from_date, provider, model`` (plus any other columns)."""
    table = frame.reset_index(drop=True).copy()
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in MEMBER_COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}.", file=file_name, row=1,
                         fix="the membership table needs columns from_date, provider, model.")
    dates = pd.to_datetime(table["from_date"].astype(str).str.strip(), errors="coerce", format="ISO8601")
    if dates.isna().any():
        pos = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise InputError("is not a date.", file=file_name, row=pos + 2, column="from_date",
                         value=table["from_date"].iloc[pos], fix="write dates as YYYY-MM-DD.")
    table["from_date"] = dates.dt.normalize().astype("datetime64[ns]")
    table["provider"] = table["provider"].astype(str).str.strip().str.lower()
    table["model"] = table["model"].astype(str).str.strip()
    return table


def frontier_basket_index(prices: pd.DataFrame, members: pd.DataFrame, volumes: pd.DataFrame,
                          months: pd.DatetimeIndex, *, blend_output_share: float = DEFAULT_BLEND_OUTPUT_SHARE,
                          cap: float = DEFAULT_CAP, name: str = "Frontier-model basket") -> IndexSeries:
    """Monthly price of the frontier models, USD per 1M tokens (blended), provider-weighted.

    For month ``t`` (prices in effect at month end): provider ``i``'s member is its row of
    ``members`` with the latest ``from_date`` on or before month end whose model has a list price
    by then; ``P_it = (1 - s) input + s output``; ``w_i`` are the provider volumes in effect,
    capped at ``cap`` (equal weights when fewer than ``ceil(1/cap)`` providers quote);
    ``FB_t = sum_i w_i P_it``. Worked number: in 2023-06 only GPT-4 ($30 / $60) is a member, so
    ``FB = 0.75 x 30 + 0.25 x 60 = 37.5``. Months with no member are left out.
    """
    table = prepare_list_prices(prices, "list prices")
    mem = prepare_members(members, "frontier members")
    vols = prepare_volumes(volumes, "provider volumes")
    unknown = sorted(set(mem["model"]) - set(table["model"]))
    if unknown:
        raise InputError(f"frontier member(s) {', '.join(unknown)} have no list price.", file="frontier members",
                         column="model", value=unknown[0], fix="add their prices to the list-price table "
                         "or correct the model name.")
    dates, values, sources = [], [], []
    infeasible: list[str] = []
    for month in pd.DatetimeIndex(months).to_period("M").to_timestamp().unique().sort_values():
        end = month + pd.offsets.MonthEnd(0)
        live = table[table["effective_date"] <= end]
        current = mem[mem["from_date"] <= end]
        current = current[current["model"].isin(set(live["model"]))]
        if current.empty:
            continue
        chosen = current.sort_values("from_date", kind="stable").groupby("provider").tail(1)
        rows = []
        for r in chosen.itertuples(index=False):
            price = live[live["model"] == r.model].sort_values("effective_date", kind="stable").iloc[-1]
            blended = (1 - blend_output_share) * price["input_usd_per_m"] + blend_output_share * price["output_usd_per_m"]
            in_effect = vols[(vols["provider"] == r.provider) & (vols["date"] <= end)].sort_values("date")
            volume = float(in_effect["volume"].iloc[-1]) if len(in_effect) else 0.0
            if volume > 0:
                rows.append((r.provider, r.model, float(blended), volume))
        if not rows:
            continue
        if not cap_is_feasible(len(rows), cap):
            infeasible.append(month.strftime("%Y-%m"))
        w = cap_weights([v for *_, v in rows], cap)
        dates.append(pd.Timestamp(month))
        values.append(float(np.dot(w, [b for _, _, b, _ in rows])))
        sources.append("frontier basket from list prices: " + "; ".join(
            f"{p}:{m} w={wi:.3f}" for (p, m, _, _), wi in sorted(zip(rows, w), key=lambda x: -x[1])))
    if not dates:
        raise InputError("no frontier member had a list price in the months asked for.", column="from_date",
                         fix="check the membership dates against the list-price table.")
    warnings = ()
    if infeasible:
        warnings = (HedgingWarning("cap_infeasible", (
            f"A {cap:.0%} single-provider cap needs more providers than quote in {len(infeasible)} month(s) "
            f"({infeasible[0]} to {infeasible[-1]}); those months weight the providers equally.")),)
    note = (f"The frontier model each provider's frontier users buy at the date (a dated membership list), at list "
            f"price, {blend_label(blend_output_share)}; provider weights as the SIT index (capped at {cap:.0%}); "
            "no capability adjustment.")
    metadata = (("blend_output_share", float(blend_output_share)), ("cap", float(cap)),
                ("selection", "each provider's dated frontier member"), ("capability_adjustment", "none"))
    return IndexSeries(name=name, unit="USD per 1M tokens", dates=tuple(dates), values=tuple(values),
                       source=tuple(sources), illustrative=True, method_note=note, metadata=metadata,
                       warnings=warnings)


def usage_mix(usage: pd.DataFrame, base_months: int = 12) -> pd.DataFrame:
    """The company's token mix by model and token type over its last ``base_months`` months.

    ``usage`` has columns ``month`` (any day of the month), ``model`` and the token columns of
    :data:`TOKEN_PRICE`. Returns ``model`` plus one share column per token type; all shares add
    up to 1 (shares of all tokens in the window).
    """
    need = ["month", "model", *TOKEN_PRICE]
    missing = [c for c in need if c not in usage.columns]
    if missing:
        raise InputError(f"the usage table lacks column(s) {', '.join(missing)}.", fix="pass monthly token usage.")
    frame = usage.assign(month=pd.to_datetime(usage["month"]).dt.to_period("M").dt.to_timestamp())
    frame = frame[frame["model"].astype(str).str.strip() != ""]
    if frame.empty:
        raise InputError("no token usage with a model name to weight a basket.",
                         fix="import usage exports that name the model of each row.")
    last = frame["month"].max()
    window = frame[frame["month"] > last - pd.DateOffset(months=base_months)]
    mix = window.groupby("model")[list(TOKEN_PRICE)].sum().clip(lower=0)
    total = float(mix.to_numpy().sum())
    if total <= 0:
        raise InputError("the usage has no tokens to weight a basket.", fix="import usage with token counts.")
    return (mix / total).reset_index()


def usage_basket_index(mix: pd.DataFrame, prices: pd.DataFrame, months: pd.DatetimeIndex, *,
                       name: str = "Your usage-weighted list-price basket") -> IndexSeries:
    """Chain-linked list-price index of the company's fixed token mix, USD per 1M tokens.

    ``C_t(M) = sum_{m in M} sum_k q_mk p_mkt`` with ``q_mk`` the mix shares (:func:`usage_mix`) and
    ``p_mkt`` the list price of token type ``k`` of model ``m`` in effect at the end of month ``t``
    (cache prices fall back to the input price where none is listed). The level of the last month
    ``T`` is ``C_T(M_T) / sum_{m in M_T, k} q_mk`` (the basket's list price per million tokens);
    earlier months are chained back by ``I_{t-1} = I_t x C_{t-1}(M) / C_t(M)`` with ``M`` the
    models priced in both months. Example: one model, all output tokens, priced $15 then $10:
    the index is 15 then 10.
    """
    table = prepare_list_prices(prices, "list prices")
    for col in ("cache_read_usd_per_m", "cache_write_usd_per_m"):
        raw = prices[col] if col in prices.columns else pd.Series(np.nan, index=prices.index)
        table[col] = pd.to_numeric(raw.reset_index(drop=True), errors="coerce").to_numpy(dtype=float)
        table[col] = table[col].fillna(table["input_usd_per_m"])
    q = mix.set_index("model")
    wanted = pd.DatetimeIndex(months).to_period("M").to_timestamp().unique().sort_values()
    priced = table[table["model"].isin(q.index)]
    if priced.empty:
        raise InputError("none of the models in the company's usage has a list price.", column="model",
                         value=", ".join(map(str, q.index[:5])),
                         fix="add the models' dated prices to the list-price table.")
    costs: list[pd.Series] = []   # per month: each model's basket cost at that month's prices
    for month in wanted:
        end = month + pd.offsets.MonthEnd(0)
        live = priced[priced["effective_date"] <= end].sort_values("effective_date", kind="stable")
        latest = live.groupby("model").tail(1).set_index("model")
        cost = sum(q.loc[latest.index, k] * latest[col] for k, col in TOKEN_PRICE.items())
        costs.append(pd.Series(cost, dtype=float) if len(latest) else pd.Series(dtype=float))
    last = len(wanted) - 1
    while last >= 0 and costs[last].empty:
        last -= 1
    if last < 0:
        raise InputError("no model of the company's basket was priced in the months asked for.",
                         fix="check the list-price table's dates.")
    weight = q.loc[costs[last].index, list(TOKEN_PRICE)].to_numpy().sum()
    level = {last: float(costs[last].sum() / weight)}
    for t in range(last, 0, -1):
        common = costs[t].index.intersection(costs[t - 1].index)
        if common.empty:
            break
        level[t - 1] = level[t] * float(costs[t - 1][common].sum() / costs[t][common].sum())
    coverage = {t: float(q.loc[costs[t].index, list(TOKEN_PRICE)].to_numpy().sum()) for t in level}
    dates = [pd.Timestamp(wanted[t]) for t in sorted(level)]
    values = [level[t] for t in sorted(level)]
    sources = [f"your usage basket at list prices; models priced this month cover {coverage[t]:.0%} of the "
               "basket's tokens" for t in sorted(level)]
    warnings = ()
    if len(dates) < len(wanted[:last + 1]):
        warnings = (HedgingWarning("basket_starts_late", (
            f"Your basket's models were first priced in {dates[0]:%b %Y}; earlier months have no value.")),)
    note = ("Your own token mix by model and token type (last 12 months of usage), priced at the list prices in effect "
            "each month and chain-linked over the models priced in both months; the level is the basket's list price "
            "per million tokens. No exchange settles on it: it shows what your mix would cost at list.")
    return IndexSeries(name=name, unit="USD per 1M tokens", dates=tuple(dates), values=tuple(values),
                       source=tuple(sources), illustrative=False, method_note=note,
                       metadata=(("weights", "company token mix, last 12 months"), ("linking", "chain-linked")),
                       warnings=warnings)
