"""FOCUS cost and usage exports. Column names are those of usage-formats.md section 4.2 (FOCUS
1.0-1.3) and the AI token row shape of section 4.3. ``tests/data/focus/focus_1_2_daily.csv`` is
constructed (FOCUS 1.2 columns, daily rows, ConsumedQuantity / block = PricingQuantity and
PricingQuantity x unit price = cost on every row). The real public samples (the 1,000-row FOCUS 1.0
file and the spec's AI examples) are read from ``shared/samples/focus`` when that copy exists."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from hedging.errors import InputError
from hedging.ingest import read_usage

DATA = Path(__file__).resolve().parent.parent / "data" / "focus"
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "focus"
REAL = SAMPLES / "FOCUS-Sample-Data" / "FOCUS-1.0" / "focus_sample.csv"
AI = SAMPLES / "FOCUS_Spec-ai-examples"
needs_samples = pytest.mark.skipif(not REAL.exists(), reason="shared FOCUS samples not present")

HEADER = ["BilledCost", "BillingCurrency", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd",
          "ConsumedQuantity", "ConsumedUnit", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
          "PricingUnit", "ServiceCategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SubAccountName"]


def focus(*rows: dict, header=HEADER) -> bytes:
    """A small FOCUS file: each row is an AI input-token row unless a key overrides it."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    w.writeheader()
    for r in rows:
        base = {"BilledCost": "3.0", "BillingCurrency": "USD", "ChargeCategory": "Usage",
                "ChargePeriodStart": "2025-10-06T00:00:00Z", "ChargePeriodEnd": "2025-10-07T00:00:00Z",
                "ConsumedQuantity": "1000000", "ConsumedUnit": "Tokens", "EffectiveCost": "3.0",
                "InvoiceIssuerName": "Anthropic", "ListCost": "3.0", "PricingQuantity": "1",
                "PricingUnit": "1000000 Tokens", "ServiceCategory": "AI and Machine Learning",
                "SkuId": "claude-sonnet-4-5-input", "SkuMeter": "Input Tokens",
                "SkuPriceDetails": json.dumps({"ModelId": "claude-sonnet-4-5-20250929", "TokenDirection": "Input",
                                               "TokenCacheAction": "Uncached"}),
                "SubAccountName": "search"}
        base.update(r)
        w.writerow({k: base.get(k, "") for k in header})
    return out.getvalue().encode()


# --- the constructed daily FOCUS 1.2 file ----------------------------------------------------

def test_daily_file_pivots_token_classes_and_keeps_costs():
    r = read_usage(DATA / "focus_1_2_daily.csv")
    assert r.format == "focus"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (10, 7, 0)
    assert dict(r.skipped) == {
        "not AI token usage (ServiceCategory Compute)": 1,
        "not AI token usage (ServiceCategory AI and Machine Learning, unit Hours)": 1,
        "tax line": 1,
    }
    t = r.totals()
    assert t["input_tokens"] == 1_520_340 + (1_000_000 - 100_000)  # Azure reversal nets out
    assert t["output_tokens"] == round(402.115 * 1000)  # PricingQuantity x "1K Tokens" (ConsumedUnit Units)
    assert t["cache_read_tokens"] == 3_880_000  # from the SkuMeter text alone
    assert t["cache_write_tokens"] == 210_000  # TokenCacheAction Write
    assert t["cost_usd"] == pytest.approx(4.56102 + 6.031725 + 1.164 + 0.7875 - 2.00 + 2.5 - 0.25)
    f = r.frame
    assert f["billed_cost_usd"].sum() == pytest.approx(t["cost_usd"])
    assert set(f["cost_basis"]) == {"invoice"}
    credit = f[f["charge_category"] == "credit"]
    assert credit["cost_usd"].tolist() == [-2.0] and credit["model"].tolist() == ["non-token charges"]
    aws = f[(f["billing_provider"] == "aws") & (f["charge_category"] == "usage")]
    assert set(aws["model"]) == {"claude-sonnet-4.5"}
    assert set(aws["model_developer"]) == {"anthropic"}
    # team: the Tags "team" key when present, else SubAccountName
    assert aws.groupby("team")["input_tokens"].sum().to_dict() == {"search": 1_520_340, "ai-prod": 0}
    azure = f[f["billing_provider"] == "azure"].iloc[0]
    assert (azure["model"], azure["team"], azure["region"]) == ("gpt-4o", "chat", "eastus2")
    assert {w.code for w in r.warnings} == {"token_reversals"}


def test_detection_from_header_not_file_name(tmp_path):
    misleading = tmp_path / "litellm_spend_logs.csv"
    misleading.write_bytes((DATA / "focus_1_2_daily.csv").read_bytes())
    assert read_usage(misleading).format == "focus"


def test_1_3_header_without_provider_name_and_token_type_key():
    header = [h for h in HEADER if h != "InvoiceIssuerName"] + ["ServiceProviderName", "HostProviderName"]
    r = read_usage(focus(
        {"ServiceProviderName": "Microsoft", "HostProviderName": "Microsoft", "SkuMeter": "",
         "SkuPriceDetails": json.dumps({"ModelId": "gpt-4o-2024-08-06", "ModelDeveloper": "OpenAI", "TokenType": "Output"})},
        header=header), "focus13.csv")
    row = r.frame.iloc[0]
    assert (row["billing_provider"], row["model"], row["model_developer"]) == ("azure", "gpt-4o", "openai")
    assert row["output_tokens"] == 1_000_000 and row["input_tokens"] == 0


def test_monthly_periods_are_dated_at_their_start_with_a_warning():
    r = read_usage(focus({"ChargePeriodStart": "2025-09-01T00:00:00Z", "ChargePeriodEnd": "2025-10-01T00:00:00Z"},
                         {"ChargePeriodStart": "2025-09-01T00:00:00Z", "ChargePeriodEnd": "2025-10-01T00:00:00Z",
                          "SkuMeter": "Output Tokens", "SkuPriceDetails": ""}), "monthly.csv")
    assert set(r.frame["usage_date"].astype(str).str[:10]) == {"2025-09-01"}
    msg = next(w.message for w in r.warnings if w.code == "multi_day_period")
    assert "2 row(s) cover more than one day (up to 30 days: 2025-09-01 to 2025-10-01)" in msg


def test_commitment_purchase_drawdown_storage_and_real_export_quirks():
    header = HEADER + ["PricingCategory", "CommitmentDiscountType"]
    r = read_usage(focus(
        # the prepaid commitment itself: an existing hedge, not usage
        {"ChargeCategory": "Purchase", "BilledCost": "120000.00", "EffectiveCost": "0.00", "ListCost": "120000.00",
         "ConsumedQuantity": "", "ConsumedUnit": "", "PricingQuantity": "120000", "PricingUnit": "USD",
         "SkuMeter": "Token Commitment", "SkuPriceDetails": "", "CommitmentDiscountType": "Token Spend Commitment",
         "ChargePeriodStart": "2025-10-01 00:00:00", "ChargePeriodEnd": "2026-10-01 00:00:00"},
        # usage drawn from it: BilledCost 0, EffectiveCost > 0; timestamps written without T and Z
        {"BilledCost": "0", "EffectiveCost": "3.0", "PricingCategory": "Committed",
         "ChargePeriodStart": "2025-10-06 00:00:00", "ChargePeriodEnd": "2025-10-07 00:00:00"},
        # context-cache storage in Token-Hours: cost only; NULL literals are blanks
        {"ConsumedQuantity": "2000000", "ConsumedUnit": "Token-Hours", "PricingQuantity": "2",
         "PricingUnit": "1000000 Token-Hours", "EffectiveCost": "2.0", "BilledCost": "2.0", "ListCost": "2.0",
         "SkuMeter": "Context Cache Storage", "SkuPriceDetails": "NULL", "SubAccountName": "NULL"},
        header=header), "commit.csv")
    assert dict(r.skipped) == {"commitment purchase (an existing hedge: not usage)": 1}
    w = {x.code: x.message for x in r.warnings}
    assert "1 AI commitment purchase row(s) totalling $120,000.00 (Token Spend Commitment, " \
           "2025-10-01 to 2026-10-01)" in w["commitment_purchase"]
    assert "1 usage row(s) ($3.00 effective cost)" in w["commitment_drawdown"]
    t = r.totals()
    assert (t["input_tokens"], t["cache_read_tokens"], t["cache_write_tokens"]) == (1_000_000, 0, 0)
    assert t["cost_usd"] == pytest.approx(3.0 + 2.0)
    f = r.frame
    assert f["non_token_cost_usd"].sum() == pytest.approx(2.0)
    assert f["billed_cost_usd"].sum() == pytest.approx(0 + 2.0)
    assert set(f["usage_date"].astype(str).str[:10]) == {"2025-10-06"}
    assert "" in set(f["team"]) and "search" in set(f["team"])  # NULL SubAccountName is blank


def test_row_rejections_name_row_column_and_value():
    r = read_usage(focus(
        {},  # row 2: fine
        {"SkuMeter": "Tokens", "SkuPriceDetails": ""},  # 3: no token class
        {"ConsumedQuantity": "-5000", "PricingQuantity": "-0.005"},  # 4: negative tokens, positive cost
        {"SkuPriceDetails": "{ModelId: oops"},  # 5: not JSON
        {"BillingCurrency": "EUR"},  # 6
        {"ChargePeriodStart": "yesterday"},  # 7
        {"ConsumedUnit": "Requests", "PricingUnit": "Requests", "ConsumedQuantity": "12"},  # 8: direction but no token unit
        {"ChargeCategory": "Refund"},  # 9
    ), "bad.csv")
    by_row = {x.row: x for x in r.rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9]
    assert (by_row[3].column, by_row[3].value) == ("SkuMeter", "Tokens")
    assert by_row[3].reason == "cannot tell whether these tokens are input, output or cache"
    assert (by_row[4].column, by_row[4].value, by_row[4].reason) == (
        "ConsumedQuantity", "-5000", "a negative token quantity with a positive cost")
    assert (by_row[5].column, by_row[5].value, by_row[5].reason) == (
        "SkuPriceDetails", "{ModelId: oops", "is not valid JSON")
    assert (by_row[6].column, by_row[6].value) == ("BillingCurrency", "EUR")
    assert (by_row[7].column, by_row[7].value, by_row[7].reason) == ("ChargePeriodStart", "yesterday", "is not a date")
    assert (by_row[8].column, by_row[8].reason) == (
        "ConsumedQuantity", "the token quantity is missing or its unit is not tokens")
    assert (by_row[9].column, by_row[9].value) == ("ChargeCategory", "Refund")
    assert "bad.csv, row 4, column `ConsumedQuantity`, value '-5000'" in by_row[4].message("bad.csv")
    assert r.rows_kept == 1 and r.totals()["input_tokens"] == 1_000_000


def test_missing_required_column_is_a_file_error():
    header = [h for h in HEADER if h != "ServiceCategory"]
    with pytest.raises(InputError) as err:
        read_usage(focus({}, header=header), "focus.csv")
    assert "focus.csv, row 1: required column(s) `ServiceCategory` are missing." in str(err.value)


# --- the real public samples -----------------------------------------------------------------

@needs_samples
def test_real_focus_1_0_sample_has_no_ai_usage():
    r = read_usage(REAL)
    assert r.format == "focus"
    assert (r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped) == (1000, 0, 0, 1000)
    skipped = dict(r.skipped)
    assert skipped["not AI token usage (ServiceCategory Compute)"] == 443
    assert skipped["not AI token usage (ServiceCategory Storage)"] == 209
    # the 9 "Azure Machine Learning" rows are disks and VMs, not tokens
    assert sum(n for k, n in skipped.items() if "ServiceCategory AI and Machine Learning" in k) == 9
    assert r.frame.empty
    assert [w.code for w in r.warnings] == ["nothing_kept"]


@needs_samples
def test_spec_prompt_caching_example_a():
    r = read_usage(AI / "ai_prompt_caching_a.csv")
    t = r.totals()
    assert (t["input_tokens"], t["cache_write_tokens"], t["cache_read_tokens"], t["output_tokens"]) == (
        500_000, 2_000_000, 8_000_000, 1_500_000)
    assert t["cost_usd"] == pytest.approx(1.5 + 7.5 + 2.4 + 22.5)
    row = r.frame.iloc[0]
    assert (row["billing_provider"], row["model_raw"], row["model_developer"]) == (
        "solora-ai", "solora-reasoning-pro", "solora-ai")
    assert any(w.code == "multi_day_period" for w in r.warnings)


@needs_samples
def test_spec_prompt_caching_example_b_cache_storage_is_cost_only():
    r = read_usage(AI / "ai_prompt_caching_b.csv")
    t = r.totals()
    assert (t["input_tokens"], t["cache_read_tokens"], t["output_tokens"]) == (2_500_000, 8_000_000, 1_500_000)
    assert t["cost_usd"] == pytest.approx(7.5 + 2.4 + 22.5 + 6.0)
    assert r.frame["non_token_cost_usd"].sum() == pytest.approx(6.0)  # 6,000,000 Token-Hours are not tokens
    assert r.frame["billing_provider"].tolist() == ["latticescale"]


@needs_samples
def test_spec_prepaid_commitment_drawdown():
    r = read_usage(AI / "drawdown_via_prepayment_frontier_model_api.csv")
    assert dict(r.skipped) == {"commitment purchase (an existing hedge: not usage)": 1}
    w = {x.code: x.message for x in r.warnings}
    assert "$500,000.00 (Token Spend Commitment, 2025-05-01 to 2026-05-01)" in w["commitment_purchase"]
    assert "existing hedge" in w["commitment_purchase"]
    assert "($50.00 effective cost)" in w["commitment_drawdown"]
    row = r.frame.iloc[0]
    assert (row["input_tokens"], row["output_tokens"]) == (5_000_000, 1_500_000)
    assert (row["cost_usd"], row["billed_cost_usd"], row["list_cost_usd"]) == pytest.approx((20 + 30, 0, 25 + 37.5))
    assert row["api_key_id"] == "supply-svc-acct"


@needs_samples
def test_spec_per_token_and_marketplace_examples():
    per_token = read_usage(AI / "per_token_foundation_model_api.csv").totals()
    assert (per_token["input_tokens"], per_token["output_tokens"]) == (8_400_000, 2_100_000)  # TokenType key
    assert per_token["cost_usd"] == pytest.approx(42.0 + 52.5)
    market = read_usage(AI / "cached_tokens_via_csp_marketplace.csv")
    t = market.totals()
    assert (t["cache_read_tokens"], t["cache_write_tokens"], t["input_tokens"]) == (50_000_000, 15_000_000, 0)
    assert market.frame["billing_provider"].tolist() == ["aura-web"]  # InvoiceIssuerName, not the model vendor
