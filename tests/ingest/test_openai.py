"""OpenAI exports. Headers and example rows are those of usage-formats.md section 1.3
(dashboard CSV exports observed Oct-2025) and the legacy usage export listed there."""

from __future__ import annotations

from pathlib import Path

import pytest

from hedging.ingest import PriceTable, read_usage

DATA = Path(__file__).resolve().parent.parent / "data" / "openai"
PRICES = PriceTable.load(Path(__file__).resolve().parents[2] / "sample_data" / "list_prices.csv")


def test_usage_export_uncached_input_and_cache_are_not_double_counted():
    r = read_usage(DATA / "completions_usage_2025-10-06_2025-10-07.csv", prices=PRICES)
    assert r.format == "openai_usage"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (3, 2, 0)
    assert dict(r.skipped) == {"empty time bucket (no usage)": 1}
    f = r.frame.set_index("model")
    gpt5 = f.loc["gpt-5"]
    # input_tokens 4,215,300 includes 1,843,200 cached: uncached is 2,372,100
    assert gpt5["input_tokens"] == 4_215_300 - 1_843_200
    assert gpt5["cache_read_tokens"] == 1_843_200
    assert gpt5["output_tokens"] == 611_200 and gpt5["requests"] == 812
    assert gpt5["team"] == "proj_Ab12Cd34Ef56" and gpt5["service_tier"] == "standard"
    # gpt-5 list prices from 2025-08-07: $1.25 in, $0.125 cached, $10 out per M
    assert gpt5["cost_usd"] == pytest.approx((2_372_100 * 1.25 + 1_843_200 * 0.125 + 611_200 * 10) / 1e6)
    assert gpt5["cost_usd"] == pytest.approx(9.307525)  # the amount of the doc's cost-export example
    mini = f.loc["gpt-4o-mini"]
    assert mini["service_tier"] == "batch"
    assert mini["cost_usd"] == pytest.approx(0.5 * (100_000 * 0.15 + 20_000 * 0.60) / 1e6)
    assert r.first_day.isoformat() == r.last_day.isoformat() == "2025-10-06"


def test_detection_ignores_the_file_name(tmp_path):
    misleading = tmp_path / "anthropic_cost_export.csv"
    misleading.write_bytes((DATA / "completions_usage_2025-10-06_2025-10-07.csv").read_bytes())
    assert read_usage(misleading, prices=PRICES).format == "openai_usage"


def test_legacy_usage_export_hourly_rows_become_one_day():
    r = read_usage(DATA / "legacy_usage.csv", prices=PRICES)
    assert r.format == "openai_usage"
    assert len(r.frame) == 1
    row = r.frame.iloc[0]
    assert row["usage_date"].isoformat()[:10] == "2024-06-01"
    assert (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"], row["requests"]) == (
        (500_000 - 100_000) + 100_000, 100_000, 80_000 + 20_000, 150)
    assert row["team"] == "Search" and row["account_id"] == "org-AbCdEf0123456789"
    # gpt-4o at $5/$15 (2024-05-13); no cached price for that snapshot: cache priced as input, with a warning
    assert row["cost_usd"] == pytest.approx((500_000 * 5 + 100_000 * 5 + 100_000 * 15) / 1e6)
    assert [w.code for w in r.warnings] == ["cache_priced_as_input"]


def test_cost_export_line_items_and_non_token_charges():
    r = read_usage(DATA / "cost_2025-10-06.csv", prices=PRICES)
    assert r.format == "openai_cost"
    assert dict(r.skipped) == {"zero-cost day (blank amount)": 1}
    assert r.totals()["cost_usd"] == pytest.approx(2.965125 + 0.2304 + 6.112 + 0.25)
    f = r.frame.set_index("model")
    assert f.loc["gpt-5", "cost_usd"] == pytest.approx(2.965125 + 0.2304 + 6.112)
    assert f.loc["non-token charges", "non_token_cost_usd"] == pytest.approx(0.25)
    assert set(r.frame["cost_basis"]) == {"invoice"}
    assert set(r.frame["account_id"]) == {"org-AbCdEf0123456789"}


def test_row_level_rejections_name_row_column_value(tmp_path):
    text = (DATA / "completions_usage_2025-10-06_2025-10-07.csv").read_text().splitlines()
    bad = text[1].replace("611200.0,1843200.0", "-5,1843200.0", 1)
    path = tmp_path / "usage.csv"
    path.write_text("\n".join([text[0], text[1], bad]) + "\n")
    r = read_usage(path, prices=PRICES)
    assert r.rows_rejected == 1 and len(r.frame) == 1
    rej = r.rejected[0]
    assert (rej.row, rej.column, rej.value) == (3, "output_tokens", "-5")
    assert "negative" in rej.reason
    assert "row 3, column `output_tokens`, value '-5'" in rej.message()
