"""Our own canonical template: one row per day x provider x model x team (see README)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.models import CHARGE_CATEGORIES, COST_BASES

from ..cells import Cells
from ..detect import Format, register

TEXT = ("billing_provider", "model", "team", "service_tier", "region", "project_id", "api_key_id",
        "account_id", "charge_category", "cost_basis", "model_developer")
COUNTS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
          "requests")
AMOUNTS = ("gpu_hours", "cost_usd", "list_cost_usd", "non_token_cost_usd")


def parse(c: Cells) -> pd.DataFrame:
    c.require("usage_date", "billing_provider", "model")
    out = pd.DataFrame({"usage_date": c.day("usage_date")})
    for col in TEXT:
        out[col] = c.text(col)
    out["billing_provider"] = pd.Series(out["billing_provider"]).str.lower().to_numpy()
    out["model_raw"] = out["model"]
    out["model"] = ""  # derived from model_raw by the normaliser
    out["service_tier"] = pd.Series(out["service_tier"]).str.lower().replace("", "standard").to_numpy()
    for col in COUNTS:
        out[col] = c.count(col)
    out["gpu_hours"] = c.amount("gpu_hours", allow_negative=False)
    for col in ("cost_usd", "list_cost_usd", "non_token_cost_usd"):
        out[col] = c.amount(col, default=np.nan)
    empty = out["billing_provider"] == ""
    c.reject(empty.to_numpy(), "billing_provider", c.raw("billing_provider"), "the provider is missing",
             "name who invoices this usage, e.g. openai, anthropic, aws, coreweave.")
    c.reject((out["model_raw"] == "").to_numpy(), "model", c.raw("model"), "the model is missing",
             "name the model or GPU type, e.g. gpt-4o or h100-sxm.")
    cats = out["charge_category"].replace("", "usage")
    bad_cat = ~cats.isin(CHARGE_CATEGORIES)
    c.reject(bad_cat.to_numpy(), "charge_category", c.raw("charge_category") if c.has("charge_category")
             else cats.to_numpy(), "is not a charge category",
             f"use one of {', '.join(CHARGE_CATEGORIES)} (blank means usage).")
    out["charge_category"] = cats
    has_cost = ~np.isnan(out["cost_usd"].to_numpy())
    basis = out["cost_basis"].replace("", "invoice")
    bad_basis = ~basis.isin(COST_BASES)
    c.reject(bad_basis.to_numpy(), "cost_basis", basis.to_numpy(), "is not a cost basis",
             f"use one of {', '.join(COST_BASES)} (blank means invoice when cost_usd is given).")
    out["cost_basis"] = np.where(has_cost, basis, "computed")
    for col in ("cost_usd", "list_cost_usd", "non_token_cost_usd"):
        if col != "list_cost_usd":
            out[col] = out[col].fillna(0.0)
    tokens = out[list(COUNTS[:4])].sum(axis=1).to_numpy()
    nothing = (tokens == 0) & (out["gpu_hours"].to_numpy() == 0) & ~has_cost
    c.reject(nothing, "input_tokens", np.full(c.n, ""), "the row has no tokens, GPU-hours or cost",
             "fill at least one of the token columns, gpu_hours or cost_usd, or delete the row.")
    _reject_repeated_keys(c, out)  # last: only rows that are otherwise valid are compared
    return out


_KEY = ("usage_date", "billing_provider", "account_id", "model_raw", "team", "project_id", "api_key_id",
        "service_tier", "region", "charge_category")


def _reject_repeated_keys(c: Cells, out: pd.DataFrame) -> None:
    """The template has one row per key: a second row with the same key is a copy or a conflict,
    so it is refused rather than added up."""
    live = np.flatnonzero(~c.bad)
    keys = [out[k].to_numpy()[live].astype(str) for k in _KEY]
    first = pd.Series(live).groupby(keys, sort=False).transform("min").to_numpy()
    repeat = first != live
    for earlier in np.unique(first[repeat]):
        mask = np.zeros(c.n, dtype=bool)
        mask[live[repeat & (first == earlier)]] = True
        c.reject(mask, "usage_date", None, f"repeats row {earlier + c.first_row}: {REPEAT_REASON}", REPEAT_FIX)


#: Why a repeated key is refused (also across the parts a large file is read in: see read_usage).
REPEAT_REASON = "same day, provider, account, model, team, project, API key, tier, region and charge category"
REPEAT_FIX = "keep one row per key: add the numbers up into one row if both are real, or delete the copy."


register(Format(
    name="canonical",
    label="canonical usage template",
    signature=frozenset({"usage_date", "billing_provider", "model"}),
    parse=parse,
    columns=frozenset({"usage_date", *TEXT, *COUNTS, *AMOUNTS}),
    text_columns=frozenset({"usage_date", *TEXT}),
    cost_basis="invoice",
    unique_key=_KEY,
    unique_key_message=(REPEAT_REASON, REPEAT_FIX),
))
