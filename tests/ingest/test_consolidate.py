"""When a usage export and a cost export describe the same provider-days, the cost export is
authoritative and nothing is counted twice (fixtures: usage-formats.md 1.3 examples)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from hedging import service
from hedging.ingest.consolidate import consolidate

DATA = Path(__file__).resolve().parent.parent / "data" / "openai"
USAGE = DATA / "completions_usage_2025-10-06_2025-10-07.csv"
GPT5 = (2_372_100 * 1.25 + 1_843_200 * 0.125 + 611_200 * 10) / 1e6
MINI_BATCH = 0.5 * (100_000 * 0.15 + 20_000 * 0.60) / 1e6


def _import(settings, *paths):
    for p in paths:
        service.import_files([(p.name, p)], settings)
    return service.stored_usage(settings)


def test_usage_alone_counts_its_computed_cost(settings):
    frame = _import(settings, USAGE)
    assert frame["cost_usd"].sum() == pytest.approx(GPT5 + MINI_BATCH)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_cost_export_is_authoritative_whatever_the_order(settings, order):
    files = [USAGE, DATA / "cost_2025-10-06.csv"]
    frame = _import(settings, *(files[i] for i in order))
    invoice = 2.965125 + 0.2304 + 6.112 + 0.25
    assert frame["cost_usd"].sum() == pytest.approx(invoice)
    assert frame["superseded_cost_usd"].sum() == pytest.approx(GPT5 + MINI_BATCH)
    # tokens come from the usage export only, once
    assert frame["input_tokens"].sum() == 2_372_100 + 100_000
    assert frame["cache_read_tokens"].sum() == 1_843_200
    by_model = frame.groupby("model")["cost_usd"].sum()
    assert by_model["gpt-5"] == pytest.approx(2.965125 + 0.2304 + 6.112)


def test_ungrouped_cost_is_spread_over_models_by_list_cost(settings):
    frame = _import(settings, USAGE, DATA / "cost_ungrouped.csv")
    total = 9.307525
    assert frame["cost_usd"].sum() == pytest.approx(total)
    by_model = frame.groupby("model")["cost_usd"].sum()
    assert by_model["gpt-5"] == pytest.approx(total * GPT5 / (GPT5 + MINI_BATCH))
    assert by_model["gpt-4o-mini"] == pytest.approx(total * MINI_BATCH / (GPT5 + MINI_BATCH))
    assert by_model.get("", 0.0) == pytest.approx(0.0)


def test_gateway_tokens_do_not_double_count_provider_usage():
    base = dict(account_id="", model_raw="gpt-4o", team="", project_id="", api_key_id="", service_tier="standard",
                region="", charge_category="usage", model="gpt-4o", model_developer="openai", cache_read_tokens=0,
                cache_write_tokens=0, reasoning_tokens=0, requests=1, gpu_hours=0.0, list_cost_usd=float("nan"),
                billed_cost_usd=float("nan"), non_token_cost_usd=0.0)
    day = pd.Timestamp("2025-01-02")
    rows = [
        dict(base, usage_date=day, source_format="openai_usage", billing_provider="openai", input_tokens=1000,
             output_tokens=100, cost_usd=3.0, cost_basis="computed"),
        dict(base, usage_date=day, source_format="litellm", billing_provider="openai", input_tokens=900,
             output_tokens=90, cost_usd=2.8, cost_basis="gateway_estimate"),
    ]
    out = consolidate(pd.DataFrame(rows))
    assert out["input_tokens"].sum() == 1000  # provider usage export wins for tokens
    assert out["cost_usd"].sum() == pytest.approx(2.8)  # a gateway estimate outranks list-price arithmetic
    assert out["superseded_cost_usd"].sum() == pytest.approx(3.0)


def test_effective_price_uses_the_invoice_cost_and_the_usage_tokens(settings):
    _import(settings, USAGE, DATA / "cost_2025-10-06.csv")
    monthly = service.monthly_usage(settings, by="model").set_index("model")
    # gpt-5: invoice token cost (input + cached + output line items) over all its tokens
    tokens_m = (2_372_100 + 1_843_200 + 611_200) / 1e6
    assert monthly.loc["gpt-5", "usd_per_m_tokens"] == pytest.approx((2.965125 + 0.2304 + 6.112) / tokens_m)
    by_provider = service.monthly_usage(settings, by="provider").set_index("provider")
    all_tokens_m = tokens_m + (100_000 + 20_000) / 1e6
    # the $0.25 web-search line is not a token price
    assert by_provider.loc["openai", "usd_per_m_tokens"] == pytest.approx((2.965125 + 0.2304 + 6.112) / all_tokens_m)
