"""Dated list prices (USD per million tokens) and the cost of usage exports that carry no cost.

cost = (input x p_in + cache_read x p_read + cache_write x p_write + output x p_out) / 1e6,
with the prices in effect on the usage day (the latest ``effective_date`` on or before it).
Batch-tier usage is charged half the list price (OpenAI Batch API and Anthropic Message Batches
both publish a 50% discount), so ``service_tier == "batch"`` rows get ``BATCH_DISCOUNT``.

Example: 1,000,000 uncached input and 200,000 output tokens of gpt-4o on 2024-09-01
(p_in = 2.50, p_out = 10.00 since 2024-08-06) cost 2.50 + 2.00 = $4.50.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning, InputError

BATCH_DISCOUNT = 0.5

PRICE_COLUMNS = (
    "effective_date", "provider", "model", "input_usd_per_m", "output_usd_per_m",
    "cache_read_usd_per_m", "cache_write_usd_per_m", "source",
)


@dataclass(frozen=True, eq=False)
class PriceTable:
    """A dated list-price table; ``frame`` is sorted by model and effective date."""

    frame: pd.DataFrame

    @classmethod
    def load(cls, path: str | Path) -> "PriceTable":
        path = Path(path)
        table = pd.read_csv(path)
        missing = [c for c in PRICE_COLUMNS if c not in table.columns]
        if missing:
            raise InputError(f"the price table lacks column(s) {', '.join(missing)}.", file=path.name, row=1,
                             fix=f"the columns are {', '.join(PRICE_COLUMNS)}.")
        table["effective_date"] = pd.to_datetime(table["effective_date"]).astype("datetime64[s]")
        for col in ("input_usd_per_m", "output_usd_per_m"):
            bad = table[col].isna() | (table[col] < 0)
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise InputError("list prices must be non-negative numbers.", file=path.name, row=i + 2,
                                 column=col, value=table[col].iloc[i], fix="correct the price.")
        return cls(table.sort_values(["model", "effective_date"]).reset_index(drop=True))

    def models(self) -> set[str]:
        return set(self.frame["model"])

    def prices_for(self, models: np.ndarray, days: np.ndarray) -> pd.DataFrame:
        """Prices in effect per (model, day); NaN where the model is unknown or not yet listed."""
        # the ``by`` key has the same explicit dtype on both sides whatever pandas would infer
        query = pd.DataFrame({"model": pd.Series(np.asarray(models, dtype=object), dtype=object),
                              "usage_date": pd.to_datetime(days).astype("datetime64[s]"),
                              "_i": np.arange(len(models))})
        query = query.sort_values("usage_date")
        table = self.frame.rename(columns={"effective_date": "usage_date"}).sort_values("usage_date")
        table = table.assign(model=table["model"].astype(object))
        merged = pd.merge_asof(query, table, on="usage_date", by="model", direction="backward")
        return merged.sort_values("_i").reset_index(drop=True)


def apply_computed_cost(frame: pd.DataFrame, prices: PriceTable | Callable[[], PriceTable | None] | None
                        ) -> tuple[pd.DataFrame, list[HedgingWarning]]:
    """Fill ``cost_usd`` of rows whose basis is ``computed`` from the list prices (and list cost).

    ``prices`` may be a function giving the table, called only when some row needs pricing (an
    export with its own cost column never loads it). Returns the frame and warnings for models
    without a price and for cache tokens priced at the input price because the table has no
    cache price for them.
    """
    warnings: list[HedgingWarning] = []
    rows = (frame["cost_basis"] == "computed").to_numpy().copy()
    tokens = frame[["input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens"]].sum(axis=1)
    rows &= (tokens > 0).to_numpy()
    if not rows.any():
        return frame, warnings
    if callable(prices):
        prices = prices()
    if prices is None:
        warnings.append(HedgingWarning("no_price_table", "No list-price table was available, so usage "
                                       "without a cost column is shown at $0."))
        return frame, warnings
    sub = frame.loc[rows]
    p = prices.prices_for(sub["model"].to_numpy(), sub["usage_date"].to_numpy())
    p_in = p["input_usd_per_m"].to_numpy(dtype=float)
    p_out = p["output_usd_per_m"].to_numpy(dtype=float)
    p_read = p["cache_read_usd_per_m"].to_numpy(dtype=float)
    p_write = p["cache_write_usd_per_m"].to_numpy(dtype=float)
    unknown = np.isnan(p_in) | np.isnan(p_out)
    n_read = sub["cache_read_tokens"].to_numpy()
    n_write = sub["cache_write_tokens"].to_numpy()
    read_fallback = np.isnan(p_read) & (n_read > 0) & ~unknown
    write_fallback = np.isnan(p_write) & (n_write > 0) & ~unknown
    p_read = np.where(np.isnan(p_read), p_in, p_read)
    p_write = np.where(np.isnan(p_write), p_in, p_write)
    cost = (sub["input_tokens"].to_numpy() * p_in + n_read * p_read + n_write * p_write
            + sub["output_tokens"].to_numpy() * p_out) / 1e6
    cost = np.where(sub["service_tier"].to_numpy() == "batch", cost * BATCH_DISCOUNT, cost)
    cost = np.where(unknown, 0.0, cost)
    frame = frame.copy()
    frame.loc[rows, "cost_usd"] = cost
    frame.loc[rows, "list_cost_usd"] = np.where(unknown, np.nan, cost)
    if unknown.any():
        missing = sub.loc[unknown].groupby("model")[["input_tokens", "output_tokens"]].sum()
        names = ", ".join(f"{m or '(blank)'} ({int(r.input_tokens + r.output_tokens):,} tokens)"
                          for m, r in missing.iterrows())
        warnings.append(HedgingWarning(
            "unpriced_model",
            f"No list price for {names} on the usage dates, so their cost is counted as $0. Import the "
            "provider's cost export for these days (it takes precedence), or add the model to "
            "sample_data/list_prices.csv with its source."))
    for mask, label in ((read_fallback, "cache reads"), (write_fallback, "cache writes")):
        if mask.any():
            names = ", ".join(sorted(set(sub.loc[mask, "model"])))
            warnings.append(HedgingWarning(
                "cache_priced_as_input",
                f"The price table has no {label} price for {names}; those tokens are priced at the "
                "input price, which overstates their cost. A cost export gives the exact figure."))
    return frame, warnings
