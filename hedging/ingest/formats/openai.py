"""OpenAI: dashboard usage export (current and legacy) and cost export (usage-formats.md 1.3).

Current usage export: one row per time bucket x group; ``input_tokens`` INCLUDES cached and
cache-write tokens, so uncached input = ``input_uncached_tokens`` when present, else
``input_tokens - input_cached_tokens - input_cache_write_tokens``. Counts are written as floats
(``812.0``). Empty buckets are rows whose non-time cells are blank: skipped.
Cost export: ``amount_value`` in USD dollars per day and, when grouped, per line item
(``"gpt-5-2025-08-07, output"``); invoice-grade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..cells import Cells
from ..detect import Format, register

USAGE_COLS = (
    "start_time", "end_time", "start_time_iso", "end_time_iso", "project_id", "num_model_requests",
    "user_id", "api_key_id", "model", "batch", "service_tier", "input_tokens", "output_tokens",
    "input_cached_tokens", "input_uncached_tokens", "input_cache_write_tokens",
)
LEGACY_COLS = (
    "organization_id", "aggregation_timestamp", "n_requests", "operation", "snapshot_id",
    "n_context_tokens_total", "n_generated_tokens_total", "n_cached_context_tokens_total",
    "api_key_id", "api_key_name", "project_id", "project_name",
)
COST_COLS = ("start_time", "end_time", "start_time_iso", "amount_value", "amount_currency", "line_item",
             "project_id", "organization_id", "organization_name")

_TIER = {"default": "standard", "": "standard", "auto": "standard", "scale": "provisioned"}


def _day(c: Cells) -> np.ndarray:
    if c.has("start_time"):
        return c.day("start_time", unix=True)
    return c.day("start_time_iso")


def parse_usage(c: Cells) -> pd.DataFrame:
    if c.has("aggregation_timestamp"):
        return _parse_legacy(c)
    c.require("start_time")
    data_cols = [col for col in c.frame.columns if col not in ("start_time", "end_time", "start_time_iso",
                                                               "end_time_iso")]
    empty = c.frame[data_cols].isna().all(axis=1).to_numpy() if data_cols else np.ones(c.n, dtype=bool)
    c.skip(empty, "empty time bucket (no usage)")
    if data_cols:
        c.require("input_tokens", "output_tokens")
    total_in = c.count("input_tokens")
    cached = c.count("input_cached_tokens")
    write = c.count("input_cache_write_tokens")
    if c.has("input_uncached_tokens"):
        uncached = c.count("input_uncached_tokens")
        blank = c.frame["input_uncached_tokens"].isna().to_numpy()
        uncached = np.where(blank, total_in - cached - write, uncached)
    else:
        uncached = total_in - cached - write
    negative = (uncached < 0) | (cached + write > total_in)  # input_tokens includes the cache
    c.reject(negative, "input_cached_tokens", c.raw("input_cached_tokens") if c.has("input_cached_tokens")
             else np.full(c.n, None), "cached input exceeds total input_tokens",
             "input_tokens includes cached tokens in OpenAI exports; check the row was not edited.")
    tier = pd.Series(c.text("service_tier")).str.lower().replace(_TIER)
    batch = c.boolean("batch")
    model = c.text("model")
    c.reject((model == "") & ~empty & ((total_in + c.count("output_tokens")) > 0), "model",
             c.raw("model") if c.has("model") else np.full(c.n, None),
             "usage is not broken down by model",
             "export again with Group by: Model selected, so spend can be mapped to model prices.")
    project = c.text("project_id")
    return pd.DataFrame({
        "usage_date": _day(c),
        "billing_provider": "openai",
        "model_raw": model,
        "team": project,
        "project_id": project,
        "api_key_id": c.text("api_key_id"),
        "service_tier": np.where(batch, "batch", tier.to_numpy()),
        "input_tokens": np.maximum(uncached, 0),
        "cache_read_tokens": cached,
        "cache_write_tokens": write,
        "output_tokens": c.count("output_tokens"),
        "requests": c.count("num_model_requests"),
    })


def _parse_legacy(c: Cells) -> pd.DataFrame:
    c.require("aggregation_timestamp", "snapshot_id", "n_context_tokens_total", "n_generated_tokens_total")
    context = c.count("n_context_tokens_total")
    cached = c.count("n_cached_context_tokens_total")
    c.reject(cached > context, "n_cached_context_tokens_total", c.raw("n_cached_context_tokens_total"),
             "cached context exceeds total context tokens", "check the row was not edited.")
    project = c.text("project_name")
    project = np.where(project == "", c.text("project_id"), project)
    return pd.DataFrame({
        "usage_date": c.day("aggregation_timestamp", unix=True),
        "billing_provider": "openai",
        "account_id": c.text("organization_id"),
        "model_raw": c.text("snapshot_id"),
        "team": project,
        "project_id": c.text("project_id"),
        "api_key_id": c.text("api_key_name"),
        "input_tokens": np.maximum(context - cached, 0),
        "cache_read_tokens": cached,
        "output_tokens": c.count("n_generated_tokens_total"),
        "requests": c.count("n_requests"),
    })


_TOKEN_ITEMS = ("input", "output", "cached input", "cache write", "cached", "input (cached)",
                "batch input", "batch output", "audio input", "audio output", "image input", "image output")


def parse_cost(c: Cells) -> pd.DataFrame:
    c.require("amount_value")
    blank = c.frame["amount_value"].isna().to_numpy()
    c.skip(blank, "zero-cost day (blank amount)")
    amount = c.amount("amount_value")
    currency = pd.Series(c.text("amount_currency", "usd", identifier=False)).str.lower()
    c.reject((currency != "usd").to_numpy(), "amount_currency", currency.to_numpy(),
             "only US dollars are supported", "export the costs in USD (OpenAI bills in USD).")
    item = pd.Series(c.text("line_item"))
    parts = item.str.rsplit(",", n=1, expand=True)
    if parts.shape[1] == 1:
        parts[1] = None
    kind = parts[1].fillna("").str.strip().str.lower()
    is_token = kind.isin(_TOKEN_ITEMS) | kind.str.contains("token")
    model = np.where(is_token, parts[0].fillna("").str.strip(), item)
    project = c.text("project_id")
    return pd.DataFrame({
        "usage_date": _day(c),
        "billing_provider": "openai",
        "account_id": c.text("organization_id"),
        "model_raw": model,
        "model": np.where(is_token | (item == ""), "", "non-token charges"),
        "team": project,
        "project_id": project,
        "cost_usd": amount,
        "non_token_cost_usd": np.where(is_token | (item == ""), 0.0, amount),
    })


register(Format(
    name="openai_usage",
    label="OpenAI usage export (completions_usage_*.csv, or the legacy usage export)",
    signature=frozenset({"start_time", "num_model_requests", "input_tokens"}),
    alternatives=(frozenset({"aggregation_timestamp", "snapshot_id", "n_context_tokens_total"}),
                  frozenset({"start_time", "end_time", "start_time_iso", "end_time_iso"})),
    parse=parse_usage,
    columns=frozenset(USAGE_COLS + LEGACY_COLS),
    text_columns=frozenset({"project_id", "user_id", "api_key_id", "model", "batch", "service_tier",
                            "start_time_iso", "end_time_iso", "organization_id", "snapshot_id",
                            "api_key_name", "project_name", "operation"}),
    cost_basis="computed",
))

register(Format(
    name="openai_cost",
    label="OpenAI cost export (amount_value per day)",
    signature=frozenset({"start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value"}),
    parse=parse_cost,
    columns=frozenset(COST_COLS),
    text_columns=frozenset({"start_time_iso", "amount_currency", "line_item", "project_id",
                            "organization_id", "organization_name"}),
    cost_basis="invoice",
))
