"""Anthropic Console CSV exports: usage (token counts) and cost (dollars) — usage-formats.md 2.3.

Usage export (``anthropic_usage``): one row per UTC day x model x API key x workspace x tier x
context window x geo. Token classes are separate columns and do NOT overlap:
``usage_input_tokens_no_cache`` is already the uncached input (unlike OpenAI's ``input_tokens``),
cache writes are ``…_cache_write_5m + …_cache_write_1h`` (older files: one
``usage_input_tokens_cache_write``), cache reads ``…_cache_read``, output ``usage_output_tokens``.
So nothing is subtracted: ``input_tokens = usage_input_tokens_no_cache``. There is no cost column
(basis ``computed``, priced from the list-price table); ``web_search_count`` is a count of searches,
not tokens, and is reported in a warning. ``api_key`` and ``workspace`` are names; ``workspace`` is
the team (blank = the Default workspace). ``context_window`` holds ``≤ 200k`` / ``> 200k`` (read as
plain text, never as a name, because of the ``>``); long-context rows are billed above list price,
which a warning says. ``inference_geo`` is the region (``not_available`` = none). Files may start
with a UTF-8 BOM (the reader strips it).

Cost export (``anthropic_cost``): one row per day x model x key x ``token_type``; ``cost_usd`` and
``list_price_usd`` are DOLLARS (the Admin API's ``amount`` is cents, but that API has no CSV shape
in the reference, so it is not read here). ``model`` is a display name (``Claude Sonnet 4.5``,
``Claude 3.5 Sonnet 2024-10-22``) mapped to the family id. Rows whose ``cost_type`` is not
``token`` (web search, code execution) are non-token cost. No token counts: tokens stay 0.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning

from ..cells import Cells
from ..detect import Format, register

USAGE_COLS = (
    "usage_date_utc", "model_version", "api_key", "workspace", "usage_type", "context_window",
    "usage_input_tokens_no_cache", "usage_input_tokens_cache_write_5m",
    "usage_input_tokens_cache_write_1h", "usage_input_tokens_cache_write", "usage_input_tokens_cache_read",
    "usage_output_tokens", "web_search_count", "inference_geo", "speed",
)
#: Read from the cost export (its ``context_window``, ``speed`` and ``api_key_status`` are not needed:
#: the cost already includes any long-context or speed premium).
COST_COLS = ("usage_date_utc", "model", "workspace", "api_key", "usage_type", "token_type", "cost_usd",
             "list_price_usd", "cost_type", "inference_geo", "api_key_id")
TOKEN_TYPES = ("input_no_cache", "input_cache_read", "input_cache_write_5m", "input_cache_write_1h",
               "input_cache_write", "output")

#: Console ``usage_type`` / API ``service_tier`` -> canonical service tier.
_TIERS = {
    "": "standard", "standard": "standard", "message": "standard", "messages": "standard",
    "batch": "batch", "message_batch": "batch", "messages_batch": "batch", "batch_message": "batch",
    "priority": "priority", "priority_on_demand": "priority",
    "flex": "flex", "flex_discount": "flex",
}
_STANDARD_CONTEXT = {"", "≤ 200k", "≤200k", "<= 200k", "0-200k"}
_DISPLAY = re.compile(
    r"^claude[\s-]+(?:(?P<v1>\d+(?:\.\d+)?)[\s-]+(?P<t1>opus|sonnet|haiku)"
    r"|(?P<t2>opus|sonnet|haiku)[\s-]+(?P<v2>\d+(?:\.\d+)?))"
    r"(?:[\s-]+\(?\d{4}-?\d{2}-?\d{2}\)?)?$", re.IGNORECASE)


def display_family(name: str) -> str:
    """Family id of a Console display name; '' when the name is not one (the normaliser decides).

    >>> display_family("Claude Sonnet 4.5"), display_family("Claude 3.5 Sonnet 2024-10-22")
    ('claude-sonnet-4.5', 'claude-3.5-sonnet')
    """
    m = _DISPLAY.match(name.strip())
    if not m:
        return ""
    version = m.group("v1") or m.group("v2")
    tier = (m.group("t1") or m.group("t2")).lower()
    # Anthropic named models "Claude 3.5 Sonnet" up to 3.x and "Claude Sonnet 4" from 4 on.
    return f"claude-{tier}-{version}" if float(version) >= 4 else f"claude-{version}-{tier}"


def _tiers(c: Cells, column: str) -> np.ndarray:
    raw = pd.Series(c.text(column, identifier=False)).str.lower()
    tier = raw.map(_TIERS).fillna("unknown")
    odd = sorted(set(raw[(tier == "unknown").to_numpy() & ~c.bad & ~c.skipped]))
    if odd:
        c.warnings.append(HedgingWarning(
            "unknown_service_tier",
            f"{c.file}: `{column}` value(s) {', '.join(repr(v) for v in odd)} are not a known Anthropic "
            "service tier; those rows are marked tier 'unknown'."))
    return tier.to_numpy(dtype=object)


def _workspace(c: Cells) -> np.ndarray:
    # The Console writes the default workspace as "Default" (oldest cost files leave it blank).
    return c.text("workspace", default="Default")


def _region(c: Cells) -> np.ndarray:
    geo = pd.Series(c.text("inference_geo"))
    return geo.where(geo.str.lower() != "not_available", "").to_numpy(dtype=object)


def _flag_premium(c: Cells, rows: np.ndarray, tokens: np.ndarray) -> None:
    """Warn when rows are billed above list price (long context, fast mode): priced here at list."""
    context = pd.Series(c.text("context_window", identifier=False)).str.lower()
    long = (~context.isin(_STANDARD_CONTEXT)).to_numpy() & rows
    if long.any():
        values = ", ".join(sorted(set(context[long])))
        c.warnings.append(HedgingWarning(
            "long_context_priced_at_list",
            f"{c.file}: {int(long.sum()):,} row(s) ({int(tokens[long].sum()):,} tokens) used the long context "
            f"window ({values}), which Anthropic bills above the standard rates; they are priced here at "
            "the standard list price, so their cost is understated. Import the Console cost export for "
            "the exact amount."))
    speed = pd.Series(c.text("speed", identifier=False)).str.lower()
    fast = (~speed.isin(["", "standard"])).to_numpy() & rows
    if fast.any():
        c.warnings.append(HedgingWarning(
            "speed_priced_at_list",
            f"{c.file}: {int(fast.sum()):,} row(s) have speed {', '.join(sorted(set(speed[fast])))}, billed at "
            "a premium; they are priced here at the standard list price. Import the cost export for "
            "the exact amount."))


def parse_usage(c: Cells) -> pd.DataFrame:
    c.require("usage_date_utc", "model_version", "usage_input_tokens_no_cache", "usage_output_tokens")
    uncached = c.count("usage_input_tokens_no_cache")
    if c.has("usage_input_tokens_cache_write_5m") or c.has("usage_input_tokens_cache_write_1h"):
        # Current header. A legacy total next to the split would repeat it: never add both.
        hour = c.count("usage_input_tokens_cache_write_1h")
        write = c.count("usage_input_tokens_cache_write_5m") + hour
    else:
        hour = np.zeros(c.n, dtype=np.int64)
        write = c.count("usage_input_tokens_cache_write")
    read = c.count("usage_input_tokens_cache_read")
    output = c.count("usage_output_tokens")
    searches = c.count("web_search_count")
    tokens = uncached + write + read + output
    c.skip((tokens == 0) & (searches == 0), "no usage (all token counts are 0)")
    model = c.text("model_version")
    c.reject((model == "") & (tokens > 0), "model_version", c.raw("model_version"), "the model is missing",
             "every usage row names its model (e.g. claude-sonnet-4-5-20250929); export the file again.")
    live = ~(c.skipped | c.bad)
    if (hour[live] > 0).any():
        c.warnings.append(HedgingWarning(
            "cache_write_1h_priced_as_5m",
            f"{c.file}: {int(hour[live].sum()):,} cache-write tokens used the 1-hour cache, billed at 2x the "
            "input price; the canonical cache_write_tokens column has one price (the 5-minute write, "
            "1.25x input), so their computed cost is understated. The cost export is exact."))
    if (searches[live] > 0).any():
        c.warnings.append(HedgingWarning(
            "web_search_not_priced",
            f"{c.file}: {int(searches[live].sum()):,} web searches are in this usage export; searches are "
            "charged per search, not per token, so they are not in the computed cost. The Console cost "
            "export has their cost."))
    _flag_premium(c, live, tokens)
    return pd.DataFrame({
        "usage_date": c.day("usage_date_utc"),
        "billing_provider": "anthropic",
        "model_raw": model,
        "team": _workspace(c),
        "api_key_id": c.text("api_key"),
        "service_tier": _tiers(c, "usage_type"),
        "region": _region(c),
        "input_tokens": uncached,
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "output_tokens": output,
    })


def parse_cost(c: Cells) -> pd.DataFrame:
    c.require("usage_date_utc", "model", "cost_usd")
    cost = c.amount("cost_usd")
    listed = c.amount("list_price_usd", default=np.nan) if c.has("list_price_usd") else np.full(c.n, np.nan)
    token_type = pd.Series(c.text("token_type", identifier=False)).str.lower()
    cost_type = pd.Series(c.text("cost_type", identifier=False)).str.lower()
    # Oldest files have no cost_type: a row with a token_type is token cost.
    is_token = np.where(cost_type == "", token_type != "", cost_type == "token")
    odd = sorted(set(token_type[is_token & ~token_type.isin(TOKEN_TYPES)]))
    if odd:
        c.warnings.append(HedgingWarning(
            "unknown_token_type",
            f"{c.file}: token_type value(s) {', '.join(repr(v) for v in odd)} are new; their cost is "
            "counted as token cost."))
    display = c.text("model")
    families = {name: display_family(name) for name in pd.unique(display)}
    family = pd.Series(display).map(families).to_numpy(dtype=object)
    no_model = display == ""
    c.reject(no_model & is_token, "model", c.raw("model"), "the model is missing on a token cost row",
             "token costs are exported per model; export the cost report again grouped by model.")
    label = np.where(cost_type == "", "non-token charges", cost_type.to_numpy(dtype=object))
    key = c.text("api_key")
    if c.has("api_key_id"):
        key = np.where(key == "", c.text("api_key_id"), key)
    return pd.DataFrame({
        "usage_date": c.day("usage_date_utc"),
        "billing_provider": "anthropic",
        "model_raw": np.where(no_model, label, display),
        "model": np.where(no_model, "non-token charges", family),
        "team": _workspace(c),
        "api_key_id": key,
        "service_tier": _tiers(c, "usage_type"),
        "region": _region(c),
        "cost_usd": cost,
        "list_cost_usd": listed,
        "non_token_cost_usd": np.where(is_token, 0.0, cost),
    })


register(Format(
    name="anthropic_usage",
    label="Anthropic Console usage export (usage_input_tokens_no_cache per day)",
    signature=frozenset({"usage_date_utc", "usage_input_tokens_no_cache", "usage_output_tokens"}),
    parse=parse_usage,
    columns=frozenset(USAGE_COLS),
    text_columns=frozenset({"usage_date_utc", "model_version", "api_key", "workspace", "usage_type",
                            "context_window", "inference_geo", "speed"}),
    cost_basis="computed",
))

register(Format(
    name="anthropic_cost",
    label="Anthropic Console cost export (cost_usd per token_type)",
    signature=frozenset({"usage_date_utc", "token_type", "cost_usd"}),
    parse=parse_cost,
    columns=frozenset(COST_COLS),
    text_columns=frozenset({"usage_date_utc", "model", "workspace", "api_key", "usage_type", "token_type",
                            "cost_type", "inference_geo", "api_key_id"}),
    cost_basis="invoice",
))
