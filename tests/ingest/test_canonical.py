"""Our canonical template (README "Canonical template")."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedging.ingest import PriceTable, read_usage

PRICES = PriceTable.load(Path(__file__).resolve().parents[2] / "sample_data" / "list_prices.csv")
HEADER = "usage_date,billing_provider,model,team,service_tier,input_tokens,output_tokens,gpu_hours,cost_usd\n"


def test_given_cost_is_an_invoice_and_blank_cost_is_priced():
    text = HEADER + ("2025-10-06,openai,gpt-4o-2024-08-06,search,,1000000,100000,,\n"
                     "2025-10-06,coreweave,h100-sxm,training,provisioned,,,768,1728.00\n")
    r = read_usage(text.encode(), "template.csv", prices=PRICES)
    assert r.format == "canonical" and r.rows_rejected == 0
    f = r.frame.set_index("model")
    assert f.loc["gpt-4o", "cost_basis"] == "computed"
    assert f.loc["gpt-4o", "cost_usd"] == pytest.approx((1_000_000 * 2.50 + 100_000 * 10.00) / 1e6)
    assert f.loc["h100-sxm", "cost_basis"] == "invoice"
    assert f.loc["h100-sxm", "cost_usd"] == pytest.approx(1728.0)
    assert f.loc["h100-sxm", "gpu_hours"] == pytest.approx(768.0)
    assert f.loc["h100-sxm", "service_tier"] == "provisioned"
    assert f.loc["h100-sxm", "model_developer"] == "nvidia"


def test_rows_without_quantity_or_with_bad_category_are_rejected():
    text = ("usage_date,billing_provider,model,charge_category,input_tokens\n"
            "2025-10-06,openai,gpt-4o,usage,\n"
            "2025-10-06,openai,gpt-4o,refund,10\n"
            "2025-10-06,openai,gpt-4o,,10\n")
    r = read_usage(text.encode(), "t.csv", prices=PRICES)
    rejected = sorted(r.rejected, key=lambda x: x.row)
    assert [(x.row, x.column) for x in rejected] == [(2, "input_tokens"), (3, "charge_category")]
    assert "refund" in rejected[1].message()
    assert len(r.frame) == 1 and r.frame["charge_category"].iloc[0] == "usage"
