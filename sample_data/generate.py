"""Write the usage exports of the fictional company "Northwind Analytics".

Usage::

    python sample_data/generate.py                # writes sample_data/company/
    python sample_data/generate.py --out /tmp/x   # writes somewhere else

The output is deterministic: the random generator has a fixed seed and every amount is
computed with ``decimal.Decimal`` from integer token counts and the dated list prices in
``sample_data/list_prices.csv``, so running the script again rewrites the files byte for byte.

Files written (24 months, UTC days 2024-11-01 .. 2026-10-31):

* ``openai_completions_usage_<range>.csv``  OpenAI dashboard completions usage export
* ``openai_cost_<range>.csv``               OpenAI dashboard cost export (grouped by line item, project)
* ``anthropic_usage_<range>.csv``           Anthropic Console usage export (UTF-8 with BOM)
* ``anthropic_cost_<range>.csv``            Anthropic Console cost export (UTF-8 with BOM)
* ``focus_azure_openai_<range>.csv``        FOCUS cost and usage rows from Azure (AI and non-AI)
* ``gpu_rental_<range>.csv``                GPU rental usage in the canonical template

Only numpy, pandas and the standard library are used.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
from bisect import bisect_right
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
PRICES_CSV = HERE / "list_prices.csv"
DEFAULT_OUT = HERE / "company"

SEED = 20241101
START = dt.date(2024, 11, 1)
END = dt.date(2026, 10, 31)  # inclusive
RANGE = f"{START.isoformat()}_{END.isoformat()}"
MILLION = Decimal(1_000_000)

# --- exact export headers ------------------------------------------------------------------

OPENAI_USAGE_HEADER = [
    "start_time", "end_time", "start_time_iso", "end_time_iso", "project_id",
    "num_model_requests", "user_id", "api_key_id", "model", "batch", "service_tier",
    "input_tokens", "output_tokens", "input_cached_tokens", "input_uncached_tokens",
    "input_text_tokens", "output_text_tokens", "input_cached_text_tokens",
    "input_audio_tokens", "input_cached_audio_tokens", "output_audio_tokens",
    "input_image_tokens", "input_cached_image_tokens", "output_image_tokens",
]
OPENAI_COST_HEADER = [
    "start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value",
    "amount_currency", "line_item", "project_id", "organization_id", "organization_name",
]
ANTHROPIC_USAGE_HEADER = [
    "usage_date_utc", "model_version", "api_key", "workspace", "usage_type", "context_window",
    "usage_input_tokens_no_cache", "usage_input_tokens_cache_write_5m",
    "usage_input_tokens_cache_write_1h", "usage_input_tokens_cache_read",
    "usage_output_tokens", "web_search_count", "inference_geo", "speed",
]
ANTHROPIC_COST_HEADER = [
    "usage_date_utc", "model", "workspace", "api_key", "usage_type", "context_window",
    "token_type", "cost_usd", "list_price_usd", "cost_type", "inference_geo", "speed",
    "api_key_id", "api_key_status",
]
# The column set of the FOCUS working-draft AI examples (ai_prompt_caching_a.csv) plus the
# FOCUS 1.2/1.3 columns a cloud export carries for attribution (ProviderName, PublisherName,
# Region*, Resource*, SubAccount*, Tags), in the alphabetical order the examples use.
FOCUS_HEADER = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "HostProviderName", "InvoiceIssuerName", "ListCost", "ListUnitPrice",
    "PricingCategory", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName",
    "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "ServiceProviderName", "ServiceSubcategory",
    "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "Tags",
]
GPU_HEADER = [
    "usage_date", "billing_provider", "model", "team", "service_tier", "gpu_hours",
    "cost_usd", "charge_category",
]

# --- the company -----------------------------------------------------------------------------

COMPANY = "Northwind Analytics"
OPENAI_ORG_ID = "org-Nw7qK2mZp4RtX9vLc3HsB8dE"
OPENAI_PROJECTS = {  # team -> (project_id, user_id, api_key_id)
    "search": ("proj_Vq3LmT8wZr2NcK5xHp9JdF4s", "user-Tz4Rw8XcQ1nVb6LmK3sYp7Ha", "key_Jm5Wq2Xr8Tz4Lc1V"),
    "support": ("proj_Gt6YbR1eWq8MzA4kLs7PxN2c", "user-Bx2Nk7QpV5rLm9Wc3Td8Ys1F", "key_Rb7Yt3Kp9Ws2Mn6Q"),
    "analytics": ("proj_Hd9KpX3vBn5QwE2rTy8UcL6m", "user-Lp6Vc1ZsH8qTn4Rx7Wb2Km5D", "key_Xe4Hn8Pz2Qv6Ct9L"),
}
ANTHROPIC_KEYS = {  # api_key name -> (workspace, api_key_id)
    "assistant-prod": ("Assistant", "apikey_01NwAs7Kq2Vx9Rt4Lm8Pz3Hc6Y"),
    "code-review-bot": ("Engineering", "apikey_01NwEn3Zt6Wc1Qp8Yx5Rk2Mv9B"),
    "support-triage": ("Support", "apikey_01NwSu9Hd4Lb7Xn2Vq6Tc8Pw3J"),
}
AZURE_BILLING_ACCOUNT = "/providers/Microsoft.Billing/billingAccounts/73482159"
AZURE_SUB_ID = "/subscriptions/5c1e8a47-2f9b-4d36-a0e5-7b3c9d21f864"
AZURE_SUB_NAME = "nw-platform-prod"
AZURE_RG = AZURE_SUB_ID + "/resourceGroups/rg-platform"
AZURE_TAGS = json.dumps({"costcenter": "CC-4120", "env": "prod", "team": "platform"})

# model_raw -> (normalised family used in list_prices.csv, first day the model existed)
MODEL_FAMILY = {
    "gpt-4o-2024-08-06": ("gpt-4o", "2024-08-06"),
    "gpt-4.1-2025-04-14": ("gpt-4.1", "2025-04-14"),
    "gpt-5-2025-08-07": ("gpt-5", "2025-08-07"),
    "gpt-5.1-2025-11-13": ("gpt-5.1", "2025-11-13"),
    "gpt-5.2-2025-12-11": ("gpt-5.2", "2025-12-11"),
    "gpt-5.4-2026-03-05": ("gpt-5.4", "2026-03-05"),
    "gpt-5.5-2026-04-23": ("gpt-5.5", "2026-04-23"),
    "gpt-4o-mini-2024-07-18": ("gpt-4o-mini", "2024-07-18"),
    "gpt-4.1-mini-2025-04-14": ("gpt-4.1-mini", "2025-04-14"),
    "gpt-5-mini-2025-08-07": ("gpt-5-mini", "2025-08-07"),
    "o1-mini-2024-09-12": ("o1-mini", "2024-09-12"),
    "o3-mini-2025-01-31": ("o3-mini", "2025-01-31"),
    "o3-2025-04-16": ("o3", "2025-04-16"),
    "claude-3-5-sonnet-20241022": ("claude-3.5-sonnet", "2024-10-22"),
    "claude-3-7-sonnet-20250219": ("claude-3.7-sonnet", "2025-02-24"),
    "claude-sonnet-4-20250514": ("claude-sonnet-4", "2025-05-22"),
    "claude-sonnet-4-5-20250929": ("claude-sonnet-4.5", "2025-09-29"),
    "claude-opus-4-5-20251101": ("claude-opus-4.5", "2025-11-24"),
    "claude-3-haiku-20240307": ("claude-3-haiku", "2024-03-13"),
    "claude-3-5-haiku-20241022": ("claude-3.5-haiku", "2024-11-04"),
    "claude-haiku-4-5-20251001": ("claude-haiku-4.5", "2025-10-15"),
}
# Console cost export shows display names, not API ids.
ANTHROPIC_DISPLAY = {
    "claude-3-5-sonnet-20241022": "Claude 3.5 Sonnet 2024-10-22",
    "claude-3-7-sonnet-20250219": "Claude 3.7 Sonnet",
    "claude-sonnet-4-20250514": "Claude Sonnet 4",
    "claude-sonnet-4-5-20250929": "Claude Sonnet 4.5",
    "claude-opus-4-5-20251101": "Claude Opus 4.5",
    "claude-3-haiku-20240307": "Claude 3 Haiku",
    "claude-3-5-haiku-20241022": "Claude 3.5 Haiku",
    "claude-haiku-4-5-20251001": "Claude Haiku 4.5",
}
# Azure OpenAI deployments: model_raw -> (ModelId, ModelVersion, ModelFamily, family for prices)
AZURE_MODELS = {
    "gpt-4o-mini-2024-07-18": ("gpt-4o-mini", "2024-07-18", "GPT-4o", "gpt-4o-mini"),
    "gpt-4.1-mini-2025-04-14": ("gpt-4.1-mini", "2025-04-14", "GPT-4.1", "gpt-4.1-mini"),
    "gpt-5-mini-2025-08-07": ("gpt-5-mini", "2025-08-07", "GPT-5", "gpt-5-mini"),
}
ANTHROPIC_WEB_SEARCH_USD = Decimal("0.01")  # $10 per 1,000 searches


# One demand stream = one team's use of one model line at one provider.
# chain: (model_raw, adopt_date, ramp_days, tail_days, output multiplier); the first entry is in
# use from the start. A newer model ramps up over ramp_days to 97% of the stream, and the old
# model keeps a 3% tail that fades out over tail_days.
STREAMS = [
    dict(
        name="search", provider="openai", base=230e6, growth=0.045, cache=(0.30, 0.55),
        out_ratio=0.10, prompt=5200, weekend=0.60,
        events=[("step", "2025-03-17", 14, 0.25), ("spike", "2025-11-28", 5, 0.45),
                ("holiday",)],
        chain=[
            ("gpt-4o-2024-08-06", None, 0, 0, 1.0),
            ("gpt-4.1-2025-04-14", "2025-04-22", 21, 21, 1.0),
            ("gpt-5-2025-08-07", "2025-08-18", 28, 21, 1.6),
            ("gpt-5.1-2025-11-13", "2025-11-24", 14, 14, 1.5),
            ("gpt-5.4-2026-03-05", "2026-03-16", 21, 21, 1.5),
        ],
    ),
    dict(
        name="support", provider="openai", base=850e6, growth=0.050, cache=(0.35, 0.50),
        out_ratio=0.12, prompt=2400, weekend=0.62,
        events=[("spike", "2025-11-28", 5, 0.70), ("holiday",)],
        chain=[
            ("gpt-4o-mini-2024-07-18", None, 0, 0, 1.0),
            ("gpt-4.1-mini-2025-04-14", "2025-05-05", 21, 14, 1.0),
            ("gpt-5-mini-2025-08-07", "2025-09-01", 28, 21, 1.4),
        ],
    ),
    dict(
        name="analytics", provider="openai", base=28e6, growth=0.060, cache=(0.20, 0.40),
        out_ratio=0.30, prompt=14000, weekend=0.50,
        events=[("spike", "2026-02-09", 12, 1.5), ("holiday",)],
        chain=[
            ("o1-mini-2024-09-12", None, 0, 0, 1.0),
            ("o3-mini-2025-01-31", "2025-02-03", 14, 14, 1.0),
            ("o3-2025-04-16", "2025-06-16", 21, 21, 1.0),
            ("gpt-5-2025-08-07", "2025-09-08", 28, 14, 1.0),
            ("gpt-5.2-2025-12-11", "2026-01-12", 21, 14, 1.0),
            ("gpt-5.5-2026-04-23", "2026-05-11", 28, 21, 1.0),
        ],
    ),
    dict(
        name="assistant-prod", provider="anthropic", base=320e6, growth=0.050,
        cache=(0.70, 0.85), write=(0.08, 0.05), out_ratio=0.06, weekend=0.62,
        web_search_from="2025-05-19",
        events=[("holiday",)],
        chain=[
            ("claude-3-5-sonnet-20241022", None, 0, 0, 1.0),
            ("claude-3-7-sonnet-20250219", "2025-03-03", 21, 21, 1.0),
            ("claude-sonnet-4-20250514", "2025-06-02", 21, 21, 1.0),
            ("claude-sonnet-4-5-20250929", "2025-10-06", 21, 14, 1.0),
        ],
    ),
    dict(
        name="code-review-bot", provider="anthropic", base=130e6, growth=0.055,
        cache=(0.72, 0.86), write=(0.07, 0.05), out_ratio=0.05, weekend=0.35,
        events=[("step", "2025-06-16", 10, 0.40), ("holiday",)],
        chain=[
            ("claude-3-5-sonnet-20241022", None, 0, 0, 1.0),
            ("claude-3-7-sonnet-20250219", "2025-03-10", 14, 14, 1.0),
            ("claude-sonnet-4-20250514", "2025-06-02", 14, 14, 1.0),
            ("claude-sonnet-4-5-20250929", "2025-10-06", 14, 14, 1.0),
            ("claude-opus-4-5-20251101", "2025-12-01", 21, 28, 1.0),
        ],
    ),
    dict(
        name="support-triage", provider="anthropic", base=420e6, growth=0.045,
        cache=(0.66, 0.80), write=(0.07, 0.07), out_ratio=0.08, weekend=0.62,
        events=[("spike", "2025-11-28", 5, 0.70), ("holiday",)],
        chain=[
            ("claude-3-haiku-20240307", None, 0, 0, 1.0),
            ("claude-3-5-haiku-20241022", "2024-11-11", 21, 21, 1.0),
            ("claude-haiku-4-5-20251001", "2025-10-27", 28, 21, 1.0),
        ],
    ),
    dict(
        name="platform", provider="azure", base=380e6, growth=0.050, cache=(0.25, 0.45),
        out_ratio=0.14, weekend=0.65,
        events=[("holiday",)],
        chain=[
            ("gpt-4o-mini-2024-07-18", None, 0, 0, 1.0),
            ("gpt-4.1-mini-2025-04-14", "2025-06-09", 28, 21, 1.0),
            ("gpt-5-mini-2025-08-07", "2025-11-10", 28, 14, 1.3),
        ],
    ),
]

# GPU rental. Reserved cluster contract terms: (first day, $/GPU-hour, GPUs).
GPU_CONTRACTS = [
    ("2024-11-01", "2.45", 32),
    ("2025-05-01", "2.10", 32),
    ("2025-11-01", "1.75", 32),
    ("2026-05-01", "2.55", 32),
]
# Neocloud on-demand H100 SXM anchors ($/GPU-hour, month start); linear in between.
GPU_ONDEMAND_ANCHORS = [
    ("2024-10-01", 2.99),  # markets.md B3: 2024-10 on-demand SXM after a 30% cut [S]
    ("2025-09-01", 2.31),  # 2.99 x SDH100RT 2.36/3.06 (2024-09 -> 2025-09) [C from S]
    ("2026-03-01", 3.19),  # 2.31 x 1.38 (1-year contract +38% from the trough by 2026-03) [C from S]
    ("2026-10-01", 4.29),  # Lambda H100 list, 2026-09/10 (silybench cost.json) [V]
]


# --- helpers ---------------------------------------------------------------------------------

def days() -> list[dt.date]:
    n = (END - START).days + 1
    return [START + dt.timedelta(days=i) for i in range(n)]


def d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def load_prices(path: Path = PRICES_CSV) -> dict[str, list[tuple[dt.date, dict[str, Decimal | None]]]]:
    table: dict[str, list] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rec = {}
            for key, col in (("input", "input_usd_per_m"), ("output", "output_usd_per_m"),
                             ("cache_read", "cache_read_usd_per_m"),
                             ("cache_write", "cache_write_usd_per_m")):
                rec[key] = Decimal(row[col]) if row[col] else None
            table.setdefault(row["model"], []).append((d(row["effective_date"]), rec))
    for rows in table.values():
        rows.sort(key=lambda r: r[0])
    return table


def price_on(prices, family: str, day: dt.date) -> dict[str, Decimal | None]:
    rows = prices[family]
    i = bisect_right([r[0] for r in rows], day) - 1
    if i < 0:
        raise ValueError(f"no list price for {family} on {day}")
    return rows[i][1]


def fmt_dec(x: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros (keeps one decimal for integers)."""
    s = format(x.normalize(), "f")
    return s if "." in s else s + ".0"


def money2(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def unix(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def iso_offset(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00+00:00"


def iso_z(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def f1(n: int) -> str:
    """OpenAI exports write counts as floats: 812 -> '812.0'."""
    return f"{int(n)}.0"


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# --- demand ----------------------------------------------------------------------------------

def demand(rng: np.random.Generator, s: dict, dates: list[dt.date]) -> np.ndarray:
    """Daily total input tokens (incl. cache) of one stream: trend x weekday x events x noise."""
    n = len(dates)
    t = np.arange(n) / 30.4375
    level = s["base"] * np.exp(np.log1p(s["growth"]) * t)
    weekday = np.array([x.weekday() for x in dates])
    level *= np.where(weekday >= 5, s["weekend"], 1.0)
    for ev in s["events"]:
        if ev[0] == "holiday":  # 24 Dec .. 1 Jan at ~70%
            hol = np.array([(x.month == 12 and x.day >= 24) or (x.month == 1 and x.day == 1)
                            for x in dates])
            level *= np.where(hol, 0.70, 1.0)
            continue
        kind, start, length, size = ev
        k = np.array([(x - d(start)).days for x in dates], dtype=float)
        if kind == "step":  # permanent level shift reached over `length` days
            level *= 1.0 + size * np.clip(k / length, 0.0, 1.0)
        else:  # spike: jumps by `size`, decays over `length` days
            on = (k >= 0) & (k < length)
            level *= 1.0 + np.where(on, size * np.exp(-np.clip(k, 0, None) / length * 1.5), 0.0)
    ar = np.zeros(n)
    shocks = rng.normal(0.0, 0.035, n)
    for i in range(1, n):
        ar[i] = 0.8 * ar[i - 1] + shocks[i]
    level *= np.exp(ar + rng.normal(0.0, 0.03, n))
    return level


def model_shares(chain, dates: list[dt.date]) -> np.ndarray:
    """Share of each chain model per day (columns), summing to 1."""
    n = len(dates)
    adopt = [np.ones(n)]
    for model, start, ramp, tail, _ in chain[1:]:
        k = np.array([(x - d(start)).days for x in dates], dtype=float)
        x = np.clip(k / ramp, 0.0, 1.0)
        smooth = x * x * (3 - 2 * x)
        a = 0.97 * smooth + 0.03 * np.clip((k - ramp) / tail, 0.0, 1.0)
        adopt.append(np.where(k < 0, 0.0, a))
    shares = np.zeros((n, len(chain)))
    for j in range(len(chain)):
        w = adopt[j].copy()
        for later in adopt[j + 1:]:
            w *= 1.0 - later
        shares[:, j] = w
    return shares


def check_model_dates(s: dict, dates: list[dt.date], shares: np.ndarray) -> None:
    for j, (model, *_rest) in enumerate(s["chain"]):
        released = d(MODEL_FAMILY[model][1])
        used = [dates[i] for i in np.nonzero(shares[:, j] > 0)[0]]
        if used and used[0] < released:
            raise ValueError(f"{model} used on {used[0]} before it existed ({released})")


def token_rows(rng: np.random.Generator, s: dict, dates: list[dt.date]):
    """Yield (day, model_raw, dict of integer token counts) for one stream."""
    total = demand(rng, s, dates)
    shares = model_shares(s["chain"], dates)
    check_model_dates(s, dates, shares)
    n = len(dates)
    lin = np.linspace(0.0, 1.0, n)
    cache_share = np.clip(s["cache"][0] + (s["cache"][1] - s["cache"][0]) * lin
                          + rng.normal(0, 0.015, n), 0.05, 0.95)
    write_share = None
    if "write" in s:
        write_share = np.clip(s["write"][0] + (s["write"][1] - s["write"][0]) * lin
                              + rng.normal(0, 0.004, n), 0.01, 0.3)
    out_noise = np.exp(rng.normal(0, 0.05, n))
    req_noise = np.exp(rng.normal(0, 0.04, n))
    search_noise = rng.normal(0, 1, n)
    for i, day in enumerate(dates):
        for j, (model, *_x, out_mult) in enumerate(s["chain"]):
            w = shares[i, j]
            if w <= 0.0:
                continue
            tot = int(round(total[i] * w))
            if tot < 1000:
                continue
            cached = int(round(tot * cache_share[i]))
            rec = {"total_input": tot, "cache_read": cached,
                   "output": int(round(tot * s["out_ratio"] * out_mult * out_noise[i]))}
            if write_share is not None:
                rec["cache_write_5m"] = int(round(tot * write_share[i]))
                rec["uncached"] = tot - cached - rec["cache_write_5m"]
            else:
                rec["uncached"] = tot - cached
            if "prompt" in s:
                rec["requests"] = max(1, int(round(tot / s["prompt"] * req_noise[i])))
            if s.get("web_search_from") and day >= d(s["web_search_from"]):
                # ~1 search per 400k input tokens on the assistant, growing with it
                rec["web_search"] = max(0, int(round(tot / 400_000 * (1 + 0.1 * search_noise[i]))))
            else:
                rec["web_search"] = 0
            yield day, model, rec


# --- writers ---------------------------------------------------------------------------------

def write_csv(path: Path, header: list[str], rows: list[list[str]], bom: bool = False) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def openai_files(streams_rows, prices):
    usage, cost = [], []
    for team, day, model, r in streams_rows:
        project_id, user_id, key_id = OPENAI_PROJECTS[team]
        t0, t1 = unix(day), unix(day + dt.timedelta(days=1))
        times = [str(t0), str(t1), iso_offset(day), iso_offset(day + dt.timedelta(days=1))]
        usage.append(times + [
            project_id, f1(r["requests"]), user_id, key_id, model, "FALSE", "default",
            f1(r["total_input"]), f1(r["output"]), f1(r["cache_read"]), f1(r["uncached"]),
            f1(r["uncached"]), f1(r["output"]), f1(r["cache_read"]),
            "0.0", "0.0", "0.0", "0.0", "0.0", "0.0",
        ])
        p = price_on(prices, MODEL_FAMILY[model][0], day)
        for suffix, tokens, unit in (("cached input", r["cache_read"], p["cache_read"]),
                                     ("input", r["uncached"], p["input"]),
                                     ("output", r["output"], p["output"])):
            if tokens == 0:
                continue
            if unit is None:
                unit = p["input"]
            amount = Decimal(tokens) * unit / MILLION
            cost.append(times + [
                f"{amount:.16f}", "usd", f"{model}, {suffix}", project_id, OPENAI_ORG_ID, COMPANY,
            ])
    usage.sort(key=lambda r: (int(r[0]), r[4], r[8]))
    cost.sort(key=lambda r: (int(r[0]), r[7], r[6]))
    return usage, cost


TOKEN_TYPES = [  # Console cost export token_type, usage column key, price key
    ("input_no_cache", "uncached", "input"),
    ("input_cache_write_5m", "cache_write_5m", "cache_write"),
    ("input_cache_read", "cache_read", "cache_read"),
    ("output", "output", "output"),
]


def anthropic_files(streams_rows, prices):
    usage, cost = [], []
    for key, day, model, r in streams_rows:
        workspace, key_id = ANTHROPIC_KEYS[key]
        date = day.isoformat()
        usage.append([
            date, model, key, workspace, "standard", "≤ 200k", str(r["uncached"]),
            str(r["cache_write_5m"]), "0", str(r["cache_read"]), str(r["output"]),
            str(r["web_search"]), "not_available", "",
        ])
        p = price_on(prices, MODEL_FAMILY[model][0], day)
        display = ANTHROPIC_DISPLAY[model]
        for token_type, col, pk in TOKEN_TYPES:
            if r[col] == 0:
                continue
            amount = money2(Decimal(r[col]) * p[pk] / MILLION)
            cost.append([date, display, workspace, key, "message", "≤ 200k", token_type,
                         amount, amount, "token", "not_available", "", key_id, "active"])
        if r["web_search"]:
            amount = money2(r["web_search"] * ANTHROPIC_WEB_SEARCH_USD)
            cost.append([date, display, workspace, key, "message", "≤ 200k", "",
                         amount, amount, "web_search", "not_available", "", key_id, "active"])
    usage.sort(key=lambda r: (r[0], r[1], r[2]))
    order = {t[0]: i for i, t in enumerate(TOKEN_TYPES)}
    order[""] = len(order)
    cost.sort(key=lambda r: (r[0], r[1], r[3], order[r[6]]))
    return usage, cost


AZURE_METERS = [  # SkuMeter, token key, price key, TokenDirection, TokenCacheAction, sku suffix, text
    ("Input Tokens", "uncached", "input", "Input", "Uncached", "input", "Input tokens"),
    ("Cache Read Input Tokens", "cache_read", "cache_read", "Input", "Read", "cached-input",
     "Cached input tokens"),
    ("Output Tokens", "output", "output", "Output", None, "output", "Output tokens"),
]
AZURE_REGIONS = [  # RegionId, RegionName, account name, share of the team's traffic (None = rest)
    ("eastus2", "East US 2", "nw-platform-aoai-eus2", None),
]
AZURE_DISCOUNT = Decimal("0.9")  # enterprise agreement: 10% off list


def focus_common(day: dt.date) -> dict[str, str]:
    return {
        "BillingAccountId": AZURE_BILLING_ACCOUNT, "BillingAccountName": COMPANY,
        "BillingCurrency": "USD", "BillingPeriodStart": iso_z(month_start(day)),
        "BillingPeriodEnd": iso_z(next_month(day)), "ChargeCategory": "Usage",
        "ChargeClass": "", "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": iso_z(day), "ChargePeriodEnd": iso_z(day + dt.timedelta(days=1)),
        "HostProviderName": "Microsoft", "InvoiceIssuerName": "Microsoft",
        "PricingCategory": "Standard", "ProviderName": "Microsoft", "PublisherName": "Microsoft",
        "ServiceProviderName": "Microsoft", "SubAccountId": AZURE_SUB_ID,
        "SubAccountName": AZURE_SUB_NAME, "Tags": AZURE_TAGS,
    }


def focus_costs(row: dict, quantity: Decimal, pricing_quantity: Decimal, unit_price: Decimal) -> None:
    list_cost = pricing_quantity * unit_price
    eff = list_cost * AZURE_DISCOUNT
    row.update({
        "ConsumedQuantity": fmt_dec(quantity), "PricingQuantity": fmt_dec(pricing_quantity),
        "ListUnitPrice": fmt_dec(unit_price), "ListCost": fmt_dec(list_cost),
        "ContractedUnitPrice": fmt_dec(unit_price * AZURE_DISCOUNT),
        "ContractedCost": fmt_dec(eff), "EffectiveCost": fmt_dec(eff), "BilledCost": fmt_dec(eff),
    })


def focus_file(rng: np.random.Generator, streams_rows, prices, dates):
    out = []
    for _team, day, model, r in streams_rows:
        model_id, version, family_name, family = AZURE_MODELS[model]
        p = price_on(prices, family, day)
        remaining = dict(r)
        for region_id, region_name, account, share in AZURE_REGIONS:
            part = {}
            for k in ("uncached", "cache_read", "output"):
                if share is None:
                    part[k] = remaining[k]
                else:
                    part[k] = int((Decimal(r[k]) * share).to_integral_value(ROUND_HALF_UP))
                    remaining[k] -= part[k]
            for meter, key, pk, direction, cache_action, suffix, text in AZURE_METERS:
                tokens = part[key]
                if tokens == 0:
                    continue
                details = {"ModelDeveloper": "OpenAI", "ModelFamily": family_name,
                           "ModelId": model_id, "ModelVersion": version}
                if cache_action:
                    details["TokenCacheAction"] = cache_action
                details["TokenDirection"] = direction
                sku = f"{model_id}-{version}-glbl-{suffix}"
                row = focus_common(day)
                row.update({
                    "ChargeDescription": f"{text} for {model_id} ({version}) Global deployment",
                    "ConsumedUnit": "Tokens", "PricingUnit": "1000000 Tokens",
                    "RegionId": region_id, "RegionName": region_name,
                    "ResourceId": f"{AZURE_RG}/providers/Microsoft.CognitiveServices/accounts/{account}",
                    "ResourceName": account, "ResourceType": "Azure OpenAI",
                    "ServiceCategory": "AI and Machine Learning", "ServiceName": "Azure OpenAI",
                    "ServiceSubcategory": "Generative AI", "SkuId": sku, "SkuMeter": meter,
                    "SkuPriceDetails": json.dumps(details, sort_keys=True),
                    "SkuPriceId": sku + "-ondemand",
                })
                focus_costs(row, Decimal(tokens), Decimal(tokens) / MILLION, p[pk])
                out.append(row)
    # Non-AI rows the importer must skip: the team's API virtual machines and blob storage.
    n = len(dates)
    gb_stored = 4200.0 * np.exp(np.log1p(0.03) * np.arange(n) / 30.4375)
    for i, day in enumerate(dates):
        vms = 6 if day >= d("2025-09-01") else 4
        days_in_month = (next_month(day) - month_start(day)).days
        storage_q = (Decimal(str(round(gb_stored[i], 3))) / days_in_month).quantize(Decimal("0.000001"))
        for spec in (
            ("Compute", "Virtual Machines", "Virtual Machines", "Virtual machine",
             "Microsoft.Compute/virtualMachineScaleSets/vmss-platform-api", "vmss-platform-api",
             "D8s v5 - US East 2", "DZH318Z0BQPS-0073", "Hours", "1 Hour",
             Decimal(vms * 24), Decimal("0.384")),
            ("Storage", "Storage Accounts", "Object Storage", "Storage account",
             "Microsoft.Storage/storageAccounts/nwplatformdata", "nwplatformdata",
             "Hot LRS Data Stored", "DZH318Z0BJS0-000A", "GB/Month", "1 GB/Month",
             storage_q, Decimal("0.0184")),
        ):
            (cat, service, subcat, rtype, rid, rname, meter, sku, unit, punit, q, price) = spec
            row = focus_common(day)
            row.update({
                "ChargeDescription": f"{service} - {meter}", "ConsumedUnit": unit,
                "PricingUnit": punit, "RegionId": "eastus2", "RegionName": "East US 2",
                "ResourceId": f"{AZURE_RG}/providers/{rid}", "ResourceName": rname,
                "ResourceType": rtype, "ServiceCategory": cat, "ServiceName": service,
                "ServiceSubcategory": subcat, "SkuId": sku, "SkuMeter": meter,
                "SkuPriceDetails": "", "SkuPriceId": sku + "-ondemand",
            })
            focus_costs(row, q, q, price)
            out.append(row)
    out.sort(key=lambda r: (r["ChargePeriodStart"], r["ServiceCategory"], r["ResourceName"],
                            r["SkuId"]))
    return [[r[c] for c in FOCUS_HEADER] for r in out]


def ondemand_rate(day: dt.date) -> Decimal:
    """Monthly neocloud on-demand H100 SXM $/GPU-hour, linear between the anchors."""
    m = month_start(day)
    xs = [pd.Timestamp(a).toordinal() for a, _ in GPU_ONDEMAND_ANCHORS]
    ys = [v for _, v in GPU_ONDEMAND_ANCHORS]
    return Decimal(f"{np.interp(pd.Timestamp(m).toordinal(), xs, ys):.2f}")


def gpu_file(rng: np.random.Generator, dates: list[dt.date]):
    rows = []
    starts = [d(c[0]) for c in GPU_CONTRACTS]
    # On-demand bursts: a few training runs per quarter, more often as the team grows.
    burst = {}
    month = START
    while month <= END:
        k = (month.year - START.year) * 12 + month.month - START.month
        n_runs = int(rng.poisson(0.9 + 0.04 * k))
        if k >= 12:  # from the second year at least one run a month
            n_runs = max(n_runs, 1)
        for _ in range(n_runs):
            first = month + dt.timedelta(days=int(rng.integers(0, 25)))
            length = int(rng.integers(3, 11))
            nodes = int(rng.integers(1, 5))  # 8-GPU nodes
            for j in range(length):
                day = first + dt.timedelta(days=j)
                if day > END:
                    break
                hours = 24.0
                if j == 0:
                    hours = float(rng.integers(6, 20))
                elif j == length - 1:
                    hours = float(rng.integers(4, 24))
                burst[day] = burst.get(day, 0.0) + nodes * 8 * hours
        month = next_month(month)
    for day in dates:
        c = GPU_CONTRACTS[bisect_right(starts, day) - 1]
        gpus, rate = c[2], Decimal(c[1])
        hours = Decimal(gpus * 24)
        rows.append([day.isoformat(), "coreweave", "h100-sxm", "ml-training", "provisioned",
                     f"{hours:.1f}", money2(hours * rate), "usage"])
        if day in burst:
            h = Decimal(f"{burst[day]:.1f}")
            rows.append([day.isoformat(), "lambda", "h100-sxm", "ml-training", "standard",
                         f"{h:.1f}", money2(h * ondemand_rate(day)), "usage"])
    return rows


# --- main ------------------------------------------------------------------------------------

def generate(out_dir: Path = DEFAULT_OUT, prices_csv: Path = PRICES_CSV) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prices = load_prices(prices_csv)
    dates = days()
    rng = np.random.default_rng(SEED)
    by_provider: dict[str, list] = {"openai": [], "anthropic": [], "azure": []}
    for s in STREAMS:
        stream_rng = np.random.default_rng([SEED, STREAMS.index(s)])
        for day, model, rec in token_rows(stream_rng, s, dates):
            by_provider[s["provider"]].append((s["name"], day, model, rec))

    files = {}
    usage, cost = openai_files(by_provider["openai"], prices)
    files["openai_usage"] = out_dir / f"openai_completions_usage_{RANGE}.csv"
    write_csv(files["openai_usage"], OPENAI_USAGE_HEADER, usage)
    files["openai_cost"] = out_dir / f"openai_cost_{RANGE}.csv"
    write_csv(files["openai_cost"], OPENAI_COST_HEADER, cost)

    usage, cost = anthropic_files(by_provider["anthropic"], prices)
    files["anthropic_usage"] = out_dir / f"anthropic_usage_{RANGE}.csv"
    write_csv(files["anthropic_usage"], ANTHROPIC_USAGE_HEADER, usage, bom=True)
    files["anthropic_cost"] = out_dir / f"anthropic_cost_{RANGE}.csv"
    write_csv(files["anthropic_cost"], ANTHROPIC_COST_HEADER, cost, bom=True)

    files["focus"] = out_dir / f"focus_azure_openai_{RANGE}.csv"
    write_csv(files["focus"], FOCUS_HEADER, focus_file(rng, by_provider["azure"], prices, dates))

    files["gpu"] = out_dir / f"gpu_rental_{RANGE}.csv"
    write_csv(files["gpu"], GPU_HEADER, gpu_file(rng, dates))
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument("--prices", type=Path, default=PRICES_CSV, help="list price table")
    args = parser.parse_args(argv)
    for path in generate(args.out, args.prices).values():
        print(path)


if __name__ == "__main__":
    main()
