"""Counting each provider-day once when several exports describe it.

A company often holds two views of the same spend: a usage export (tokens, cost computed from
list prices) and a cost export or billing file (invoice cost), and sometimes a gateway log too.
Stored rows are kept exactly as imported; this module decides, per billing provider and UTC day,
which source's *cost* and which source's *tokens* count:

- cost: the most authoritative basis present (invoice > vendor estimate > gateway estimate >
  computed); ties go to the alphabetically first format so the result never depends on import
  order. When only computed costs exist, the token source's computed cost counts.
- tokens: provider usage exports and our template first, then billing files, then gateways.
- a cost source without a model breakdown (e.g. an ungrouped OpenAI cost export) has its cost
  spread over the token source's models in proportion to their list-price cost.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.models import TOKEN_COLUMNS

COST_RANK = {"invoice": 0, "vendor_estimate": 1, "gateway_estimate": 2, "computed": 3}
TOKEN_RANK = {
    "openai_usage": 0, "anthropic_usage": 0, "canonical": 0,
    "focus": 1, "aws_cur": 1, "azure_cost": 1, "gcp_billing": 1,
    "litellm": 2, "openrouter": 2,
}
_GROUP = ["billing_provider", "usage_date"]


def consolidate(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with ``cost_usd`` and token columns as they count; adds ``superseded_cost_usd``.

    Totals of the result are the company's spend and tokens without double counting. Rows
    themselves are not dropped, so drill-downs still show where every number came from.
    """
    f = frame.copy().reset_index(drop=True)
    f["superseded_cost_usd"] = 0.0
    if f.empty:
        return f
    tokens = f[list(TOKEN_COLUMNS)].sum(axis=1).to_numpy()
    f["_cr"] = f["cost_basis"].map(COST_RANK).fillna(3).astype(int)
    f["_tr"] = f["source_format"].map(TOKEN_RANK).fillna(1).astype(int)
    f["_tok"] = tokens > 0
    pairs = f.groupby(_GROUP + ["source_format"], sort=False).agg(
        cr=("_cr", "min"), tr=("_tr", "min"), tok=("_tok", "any")).reset_index()
    token_src = (pairs[pairs["tok"]].sort_values(_GROUP + ["tr", "source_format"])
                 .drop_duplicates(_GROUP)[_GROUP + ["source_format"]]
                 .rename(columns={"source_format": "_token_fmt"}))
    cost_src = (pairs.sort_values(_GROUP + ["cr", "source_format"]).drop_duplicates(_GROUP)
                [_GROUP + ["source_format", "cr"]].rename(columns={"source_format": "_cost_fmt", "cr": "_best"}))
    f = f.merge(token_src, on=_GROUP, how="left").merge(cost_src, on=_GROUP, how="left")
    f["_token_fmt"] = f["_token_fmt"].fillna(f["source_format"])
    computed_only = f["_best"] == COST_RANK["computed"]
    f["_cost_fmt"] = np.where(computed_only, f["_token_fmt"], f["_cost_fmt"])
    counts_cost = (f["source_format"] == f["_cost_fmt"]).to_numpy()
    counts_tokens = (f["source_format"] == f["_token_fmt"]).to_numpy()
    list_cost = np.where(counts_tokens, f["cost_usd"].where(f["cost_basis"] == "computed",
                                                           f["list_cost_usd"]).fillna(0.0), 0.0)
    f["superseded_cost_usd"] = np.where(counts_cost, 0.0, f["cost_usd"])
    f["cost_usd"] = np.where(counts_cost, f["cost_usd"], 0.0)
    f["non_token_cost_usd"] = np.where(counts_cost, f["non_token_cost_usd"], 0.0)
    for col in TOKEN_COLUMNS + ("reasoning_tokens", "requests"):
        f[col] = np.where(counts_tokens, f[col], 0)
    f = _allocate_unattributed(f, counts_cost, counts_tokens, list_cost)
    return f.drop(columns=["_cr", "_tr", "_tok", "_token_fmt", "_cost_fmt", "_best"])


def _allocate_unattributed(f: pd.DataFrame, counts_cost: np.ndarray, counts_tokens: np.ndarray,
                           list_cost: np.ndarray) -> pd.DataFrame:
    """Spread cost rows without a model over the token rows of the same provider-day."""
    unattributed = counts_cost & (f["model_raw"] == "").to_numpy() & (f["source_format"] != f["_token_fmt"]).to_numpy()
    if not unattributed.any():
        return f
    key = f["billing_provider"].astype(str) + "|" + f["usage_date"].astype(str)
    pool = pd.Series(np.where(unattributed, f["cost_usd"], 0.0)).groupby(key).transform("sum").to_numpy()
    tokens = f[list(TOKEN_COLUMNS)].sum(axis=1).to_numpy(dtype=float)
    weight = np.where(counts_tokens, list_cost, 0.0)
    wsum = pd.Series(weight).groupby(key).transform("sum").to_numpy()
    tsum = pd.Series(np.where(counts_tokens, tokens, 0.0)).groupby(key).transform("sum").to_numpy()
    share = np.where(wsum > 0, weight / np.where(wsum > 0, wsum, 1.0),
                     np.where(tsum > 0, np.where(counts_tokens, tokens, 0.0) / np.where(tsum > 0, tsum, 1.0), 0.0))
    receivers = pd.Series(share).groupby(key).transform("sum").to_numpy() > 0
    move = unattributed & receivers
    f = f.copy()
    f.loc[move, "cost_usd"] = 0.0
    f["cost_usd"] = f["cost_usd"].to_numpy() + np.where(receivers & counts_tokens, pool * share, 0.0)
    return f
