"""Checks of the bundled sample data (sample_data/): formats, arithmetic and reproducibility.

These tests read the files with pandas only; they do not use the ``hedging`` package.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"
COMPANY = SAMPLE / "company"
GENERATOR = SAMPLE / "generate.py"
RANGE = "2024-11-01_2026-10-31"
FIRST, LAST = pd.Timestamp("2024-11-01"), pd.Timestamp("2026-10-31")
ALL_DAYS = pd.date_range(FIRST, LAST, freq="D")

FILES = {
    "openai_usage": f"openai_completions_usage_{RANGE}.csv",
    "openai_cost": f"openai_cost_{RANGE}.csv",
    "anthropic_usage": f"anthropic_usage_{RANGE}.csv",
    "anthropic_cost": f"anthropic_cost_{RANGE}.csv",
    "focus": f"focus_azure_openai_{RANGE}.csv",
    "gpu": f"gpu_rental_{RANGE}.csv",
}

# Headers as documented in the usage-format research (OpenAI 1.3, Anthropic 2.3) and the
# canonical GPU template; the FOCUS header is the AI-example column set plus attribution columns.
HEADERS = {
    "openai_usage": "start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,"
    "user_id,api_key_id,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens,"
    "input_uncached_tokens,input_text_tokens,output_text_tokens,input_cached_text_tokens,"
    "input_audio_tokens,input_cached_audio_tokens,output_audio_tokens,input_image_tokens,"
    "input_cached_image_tokens,output_image_tokens",
    "openai_cost": "start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,"
    "line_item,project_id,organization_id,organization_name",
    "anthropic_usage": "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
    "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
    "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
    "web_search_count,inference_geo,speed",
    "anthropic_cost": "usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,"
    "cost_usd,list_price_usd,cost_type,inference_geo,speed,api_key_id,api_key_status",
    "focus": "BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,"
    "BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,"
    "ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,ContractedCost,"
    "ContractedUnitPrice,EffectiveCost,HostProviderName,InvoiceIssuerName,ListCost,ListUnitPrice,"
    "PricingCategory,PricingQuantity,PricingUnit,ProviderName,PublisherName,RegionId,RegionName,"
    "ResourceId,ResourceName,ResourceType,ServiceCategory,ServiceName,ServiceProviderName,"
    "ServiceSubcategory,SkuId,SkuMeter,SkuPriceDetails,SkuPriceId,SubAccountId,SubAccountName,Tags",
    "gpu": "usage_date,billing_provider,model,team,service_tier,gpu_hours,cost_usd,charge_category",
}
BOM_FILES = {"anthropic_usage", "anthropic_cost"}
LIST_PRICE_HEADER = ("effective_date,provider,model,input_usd_per_m,output_usd_per_m,"
                     "cache_read_usd_per_m,cache_write_usd_per_m,source")
FOCUS_AI_EXAMPLE = ("BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,"
                    "BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,"
                    "ChargePeriodEnd,ChargePeriodStart,ConsumedQuantity,ConsumedUnit,ContractedCost,"
                    "ContractedUnitPrice,EffectiveCost,HostProviderName,InvoiceIssuerName,ListCost,"
                    "ListUnitPrice,PricingCategory,PricingQuantity,PricingUnit,ServiceCategory,"
                    "ServiceName,ServiceProviderName,ServiceSubcategory,SkuId,SkuMeter,"
                    "SkuPriceDetails,SkuPriceId")

REL = 1e-6


def read(key: str, **kw) -> pd.DataFrame:
    enc = "utf-8-sig" if key in BOM_FILES else "utf-8"
    return pd.read_csv(COMPANY / FILES[key], encoding=enc, keep_default_na=False, **kw)


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    p = pd.read_csv(SAMPLE / "list_prices.csv", parse_dates=["effective_date"])
    return p.sort_values("effective_date")


def with_prices(df: pd.DataFrame, prices: pd.DataFrame, day: str, family: str) -> pd.DataFrame:
    """Attach the list price in force on each row's day for its model family."""
    left = df.sort_values(day).reset_index(drop=True)
    right = prices.rename(columns={"model": family, "effective_date": day})
    merged = pd.merge_asof(left, right.drop(columns=["provider", "source"]), on=day, by=family,
                           direction="backward")
    assert merged["input_usd_per_m"].notna().all(), "a model was used before its first list price"
    return merged


def openai_family(model: str) -> str:
    return re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model)


def anthropic_family(model_version: str) -> str:
    return re.sub(r"(\d)-(\d)", r"\1.\2", re.sub(r"-\d{8}$", "", model_version))


def anthropic_display_family(display: str) -> str:
    return re.sub(r"\s+\d{4}-\d{2}-\d{2}$", "", display).lower().replace(" ", "-")


# --- reproducibility and shape ----------------------------------------------------------------

def test_regenerating_gives_identical_bytes(tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True,
                   capture_output=True)
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == (COMPANY / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES.values())


@pytest.mark.parametrize("key", sorted(FILES))
def test_headers_are_the_documented_ones(key):
    raw = (COMPANY / FILES[key]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") == (key in BOM_FILES)
    first = raw.decode("utf-8-sig").split("\n", 1)[0]
    assert first == HEADERS[key]
    assert b"\r\n" not in raw


def test_focus_keeps_the_ai_example_columns():
    cols = HEADERS["focus"].split(",")
    assert set(FOCUS_AI_EXAMPLE.split(",")) <= set(cols)
    assert cols == sorted(cols)


@pytest.mark.parametrize("key", sorted(FILES))
def test_files_are_small(key):
    assert (COMPANY / FILES[key]).stat().st_size < 5_000_000


def _days(key: str) -> pd.Series:
    df = read(key)
    if key.startswith("openai"):
        return pd.to_datetime(df["start_time"].astype(int), unit="s")
    if key.startswith("anthropic"):
        return pd.to_datetime(df["usage_date_utc"])
    if key == "focus":
        return pd.to_datetime(df["ChargePeriodStart"]).dt.tz_localize(None)
    return pd.to_datetime(df["usage_date"])


@pytest.mark.parametrize("key", sorted(FILES))
def test_dates_span_exactly_the_two_years(key):
    days = _days(key)
    assert days.min() == FIRST and days.max() == LAST
    assert set(days.dt.normalize().unique()) == set(ALL_DAYS)


# --- list prices ------------------------------------------------------------------------------

def test_list_prices_table(prices):
    text = (SAMPLE / "list_prices.csv").read_text(encoding="utf-8")
    assert text.split("\n", 1)[0] == LIST_PRICE_HEADER
    assert not prices.duplicated(["model", "effective_date"]).any()
    assert (prices[["input_usd_per_m", "output_usd_per_m"]] > 0).all().all()
    for col in ("cache_read_usd_per_m", "cache_write_usd_per_m"):
        assert (prices[col].dropna() > 0).all()
    assert prices["source"].astype(str).str.strip().str.len().gt(0).all()
    assert prices["source"].str.startswith("markets.md B1").all()
    assert set(prices["provider"]) <= {"openai", "anthropic", "google", "deepseek", "meta"}
    assert prices["model"].str.fullmatch(r"[a-z0-9][a-z0-9.\-]*").all()


def test_list_prices_carry_the_documented_price_changes(prices):
    def at(model, day):
        rows = prices[(prices.model == model) & (prices.effective_date <= day)]
        return tuple(rows.iloc[-1][["input_usd_per_m", "output_usd_per_m"]])

    assert at("deepseek-v3", "2025-02-07") == (0.14, 0.28)
    assert at("deepseek-v3", "2025-02-08") == (0.27, 1.10)
    assert at("o3", "2025-06-09") == (10, 40) and at("o3", "2025-06-10") == (2, 8)
    assert at("claude-3.5-haiku", "2024-12-10") == (0.80, 4.00)
    assert at("gpt-5.6-luna", "2026-07-30") == (0.20, 1.20)
    assert at("deepseek-v4-flash", "2026-08-16") == (0.44, 1.32)


def test_cache_prices_follow_the_published_multipliers(prices):
    anth = prices[(prices.provider == "anthropic") & prices.cache_read_usd_per_m.notna()]
    assert (anth.cache_read_usd_per_m - 0.1 * anth.input_usd_per_m).abs().max() < 1e-12
    assert (anth.cache_write_usd_per_m - 1.25 * anth.input_usd_per_m).abs().max() < 1e-12
    gpt5 = prices[prices.model.str.match(r"gpt-5") & prices.cache_read_usd_per_m.notna()]
    assert (gpt5.cache_read_usd_per_m - 0.1 * gpt5.input_usd_per_m).abs().max() < 1e-12
    g41 = prices[prices.model.str.match(r"gpt-4\.1")]
    assert (g41.cache_read_usd_per_m - 0.25 * g41.input_usd_per_m).abs().max() < 1e-12


# --- OpenAI -----------------------------------------------------------------------------------

def test_openai_usage_quirks():
    raw = read("openai_usage", dtype=str)
    counts = [c for c in raw.columns if c.endswith("_tokens") or c == "num_model_requests"]
    assert raw[counts].apply(lambda s: s.str.fullmatch(r"\d+\.0")).all().all()
    assert raw["start_time_iso"].str.endswith("T00:00:00+00:00").all()
    assert (raw["batch"] == "FALSE").all() and (raw["service_tier"] == "default").all()
    u = read("openai_usage")
    assert (u.end_time - u.start_time == 86400).all()
    assert (u.input_tokens == u.input_cached_tokens + u.input_uncached_tokens).all()
    assert (u.input_text_tokens == u.input_uncached_tokens).all()
    assert (u.input_cached_text_tokens == u.input_cached_tokens).all()
    assert (u.output_text_tokens == u.output_tokens).all()
    zero = ["input_audio_tokens", "input_cached_audio_tokens", "output_audio_tokens",
            "input_image_tokens", "input_cached_image_tokens", "output_image_tokens"]
    assert (u[zero] == 0).all().all()
    assert u.project_id.str.fullmatch(r"proj_[A-Za-z0-9]{24}").all()
    assert u.project_id.nunique() == 3


def test_openai_cost_is_usage_at_list_prices(prices):
    u = read("openai_usage")
    u["family"] = u.model.map(openai_family)
    u["day"] = pd.to_datetime(u.start_time, unit="s")
    u = with_prices(u, prices, "day", "family")
    parts = []
    for kind, tokens, price in (("input", "input_uncached_tokens", "input_usd_per_m"),
                                ("cached input", "input_cached_tokens", "cache_read_usd_per_m"),
                                ("output", "output_tokens", "output_usd_per_m")):
        unit = u[price].fillna(u["input_usd_per_m"])
        parts.append(pd.DataFrame({
            "start_time": u.start_time, "project_id": u.project_id,
            "line_item": u.model + ", " + kind, "expected": u[tokens] * unit / 1e6,
        }))
    expected = pd.concat(parts)
    expected = expected[expected.expected > 0]

    c = read("openai_cost")
    assert (c.amount_currency == "usd").all()
    assert c.organization_id.nunique() == 1 and c.organization_name.nunique() == 1
    assert read("openai_cost", dtype=str).amount_value.str.fullmatch(r"\d+\.\d{16}").all()
    m = c.merge(expected, on=["start_time", "project_id", "line_item"], how="outer",
                indicator=True)
    assert (m["_merge"] == "both").all()
    assert ((m.amount_value - m.expected).abs() <= REL * m.expected.abs() + 1e-12).all()
    assert abs(c.amount_value.sum() / expected.expected.sum() - 1) < REL


# --- Anthropic --------------------------------------------------------------------------------

def test_anthropic_usage_quirks():
    u = read("anthropic_usage")
    assert (u.context_window == "≤ 200k").all()
    assert (u.usage_type == "standard").all() and (u.inference_geo == "not_available").all()
    assert (u.usage_input_tokens_cache_write_1h == 0).all()
    # heavy prompt caching: reads dwarf uncached input
    assert u.usage_input_tokens_cache_read.sum() > 2 * u.usage_input_tokens_no_cache.sum()


def test_anthropic_cost_is_usage_at_list_prices(prices):
    u = read("anthropic_usage")
    u["family"] = u.model_version.map(anthropic_family)
    u["day"] = pd.to_datetime(u.usage_date_utc)
    u = with_prices(u, prices, "day", "family")
    parts = []
    for token_type, col, price in (
        ("input_no_cache", "usage_input_tokens_no_cache", "input_usd_per_m"),
        ("input_cache_write_5m", "usage_input_tokens_cache_write_5m", "cache_write_usd_per_m"),
        ("input_cache_read", "usage_input_tokens_cache_read", "cache_read_usd_per_m"),
        ("output", "usage_output_tokens", "output_usd_per_m"),
    ):
        parts.append(pd.DataFrame({
            "usage_date_utc": u.usage_date_utc, "api_key": u.api_key, "family": u.family,
            "token_type": token_type, "tokens": u[col], "expected": u[col] * u[price] / 1e6,
        }))
    expected = pd.concat(parts)
    expected = expected[expected.tokens > 0]

    c = read("anthropic_cost", dtype={"token_type": str})
    assert (c.context_window == "≤ 200k").all() and (c.usage_type == "message").all()
    assert (c.cost_usd == c.list_price_usd).all()
    assert read("anthropic_cost", dtype=str).cost_usd.str.fullmatch(r"\d+\.\d{2}").all()
    c["family"] = c.model.map(anthropic_display_family)
    tok = c[c.cost_type == "token"]
    m = tok.merge(expected, on=["usage_date_utc", "api_key", "family", "token_type"],
                  how="outer", indicator=True)
    assert (m["_merge"] == "both").all()
    assert ((m.cost_usd - m.expected).abs() <= 0.005 + 1e-9).all()  # rounded to cents
    assert abs(tok.cost_usd.sum() / expected.expected.sum() - 1) < REL

    web = c[c.cost_type == "web_search"]
    assert (web.token_type == "").all()
    searches = u.groupby(["usage_date_utc", "api_key"]).web_search_count.sum()
    searches = searches[searches > 0]
    got = web.groupby(["usage_date_utc", "api_key"]).cost_usd.sum()
    assert ((got - searches * 0.01).abs() < 1e-9).all() and len(got) == len(searches)


# --- FOCUS ------------------------------------------------------------------------------------

def test_focus_rows(prices):
    f = read("focus")
    assert (f.BillingCurrency == "USD").all()
    assert (f.InvoiceIssuerName == "Microsoft").all() and (f.ProviderName == "Microsoft").all()
    for col in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
        assert f[col].str.fullmatch(r"\d{4}-\d{2}-\d{2}T00:00:00Z").all()
    ai = f[f.ServiceCategory == "AI and Machine Learning"].copy()
    other = f[f.ServiceCategory != "AI and Machine Learning"]
    assert 0 < len(other) < len(ai)
    assert (ai.ServiceSubcategory == "Generative AI").all()
    assert (ai.ConsumedUnit == "Tokens").all() and (ai.PricingUnit == "1000000 Tokens").all()
    assert (other.ConsumedUnit != "Tokens").all()
    for col in ("ListCost", "EffectiveCost", "BilledCost", "PricingQuantity"):
        f[col] = f[col].astype(float)
    assert ((f.PricingQuantity * f.ListUnitPrice - f.ListCost).abs()
            <= 1e-9 * f.ListCost.abs() + 1e-12).all()
    assert ((f.EffectiveCost - 0.9 * f.ListCost).abs() <= 1e-9 * f.ListCost + 1e-12).all()
    assert (f.BilledCost == f.EffectiveCost).all()

    details = ai.SkuPriceDetails.map(json.loads)
    assert details.map(lambda d: {"ModelDeveloper", "ModelFamily", "ModelId", "ModelVersion",
                                  "TokenDirection"} <= set(d)).all()
    ai["family"] = details.map(lambda d: d["ModelId"])
    ai["action"] = details.map(lambda d: d.get("TokenCacheAction", ""))
    ai["direction"] = details.map(lambda d: d["TokenDirection"])
    ai["day"] = pd.to_datetime(ai.ChargePeriodStart).dt.tz_localize(None)
    assert (ai.ConsumedQuantity.astype(float) / 1e6 == ai.PricingQuantity.astype(float)).all()
    ai = with_prices(ai, prices, "day", "family")
    meter = {("Input", "Uncached"): "input_usd_per_m", ("Input", "Read"): "cache_read_usd_per_m",
             ("Output", ""): "output_usd_per_m"}
    want = [getattr(row, meter[(row.direction, row.action)]) for row in ai.itertuples()]
    assert (abs(ai.ListUnitPrice - pd.Series(want)) < 1e-12).all()
    expected = ai.ConsumedQuantity.astype(float) * pd.Series(want) / 1e6
    assert abs(ai.ListCost.astype(float).sum() / expected.sum() - 1) < REL


# --- GPU rental -------------------------------------------------------------------------------

def test_gpu_rental_template():
    g = read("gpu")
    assert set(g.billing_provider) == {"coreweave", "lambda"}
    assert set(g.service_tier) == {"provisioned", "standard"}
    assert (g.charge_category == "usage").all() and (g.model == "h100-sxm").all()
    res = g[g.service_tier == "provisioned"]
    assert len(res) == len(ALL_DAYS) and res.usage_date.is_unique
    assert (res.gpu_hours == 768).all()
    rate = g.cost_usd / g.gpu_hours
    assert rate.between(1.5, 5.0).all()
    # contract price steps only at renewals
    assert res.assign(rate=rate).groupby("rate").usage_date.min().sort_values().tolist() == [
        "2024-11-01", "2025-05-01", "2025-11-01", "2026-05-01"]
