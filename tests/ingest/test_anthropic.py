"""Anthropic Console exports. Headers are those of usage-formats.md section 2.3 (usage export,
current header and the older single ``usage_input_tokens_cache_write`` header; cost export,
current and oldest header); the example rows there are reused and extended with constructed rows
whose arithmetic is consistent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedging.errors import InputError
from hedging.ingest import PriceTable, read_usage
from hedging.ingest.formats.anthropic import display_family
from hedging.ingest.normalize import model_family

DATA = Path(__file__).resolve().parent.parent / "data" / "anthropic"
USAGE_HEADER = ("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
                "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,"
                "usage_input_tokens_cache_read,usage_output_tokens,web_search_count,inference_geo,speed")
COST_HEADER = ("usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,"
               "list_price_usd,cost_type,inference_geo,speed,api_key_id,api_key_status")


def prices(*rows) -> PriceTable:
    """(day, model, input, output, cache read, cache write) per million tokens."""
    frame = pd.DataFrame(rows, columns=["effective_date", "model", "input_usd_per_m", "output_usd_per_m",
                                        "cache_read_usd_per_m", "cache_write_usd_per_m"])
    frame["effective_date"] = pd.to_datetime(frame["effective_date"]).astype("datetime64[s]")
    frame["provider"] = "anthropic"
    frame["source"] = "test"
    return PriceTable(frame.sort_values(["model", "effective_date"]).reset_index(drop=True))


PRICES = prices(("2025-01-01", "claude-sonnet-4.5", 3.0, 15.0, 0.3, 3.75),
                ("2025-01-01", "claude-haiku-4.5", 1.0, 5.0, 0.1, 1.25),
                ("2025-01-01", "claude-opus-4.1", 15.0, 75.0, 1.5, 18.75))


def usage(*rows: str) -> bytes:
    return ("\n".join((USAGE_HEADER,) + rows) + "\n").encode()


# --- usage export ------------------------------------------------------------------------------

def test_usage_export_token_classes_are_disjoint_and_priced():
    raw = (DATA / "usage_current.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the fixture keeps the BOM the Console writes
    r = read_usage(DATA / "usage_current.csv", prices=PRICES)
    assert r.format == "anthropic_usage"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (5, 4, 0)
    assert dict(r.skipped) == {"no usage (all token counts are 0)": 1}
    t = r.totals()
    # usage_input_tokens_no_cache is already uncached: nothing is subtracted from it
    assert t["input_tokens"] == 1_520_340 + 500_000 + 1_000_000 + 10_000
    assert t["cache_write_tokens"] == (210_000 + 0) + (0 + 100_000) + (50_000 + 25_000)  # 5m + 1h
    assert t["cache_read_tokens"] == 3_880_000 + 2_000_000
    assert t["output_tokens"] == 402_115 + 200_000 + 100_000 + 5_000
    f = r.frame.set_index(["model", "service_tier"])
    std = f.loc[("claude-sonnet-4.5", "standard")]
    assert std["cost_usd"] == pytest.approx((1_520_340 * 3 + 3_880_000 * 0.3 + 210_000 * 3.75 + 402_115 * 15) / 1e6)
    assert std["cost_basis"] == "computed" and std["team"] == "Default" and std["api_key_id"] == "prod-backend"
    assert std["region"] == ""  # not_available
    batch = f.loc[("claude-sonnet-4.5", "batch")]
    assert batch["cost_usd"] == pytest.approx(0.5 * (500_000 * 3 + 100_000 * 3.75 + 200_000 * 15) / 1e6)
    haiku = f.loc[("claude-haiku-4.5", "standard")]
    assert (haiku["team"], haiku["api_key_id"], haiku["region"]) == ("Search", "search-key", "us")
    opus = f.loc[("claude-opus-4.1", "priority")]  # priority_on_demand
    assert (opus["team"], opus["region"]) == ("Default", "global")  # blank workspace = Default
    assert str(opus["usage_date"])[:10] == "2025-10-07"


def test_usage_export_warnings_for_what_list_prices_miss():
    r = read_usage(DATA / "usage_current.csv", prices=PRICES)
    w = {x.code: x.message for x in r.warnings}
    assert "12 web searches" in w["web_search_not_priced"]
    # "> 200k" is read as text, not refused as markup, and flagged as long-context pricing
    assert "1 row(s) (3,175,000 tokens)" in w["long_context_priced_at_list"] and "> 200k" in w[
        "long_context_priced_at_list"]
    assert "125,000 cache-write tokens used the 1-hour cache" in w["cache_write_1h_priced_as_5m"]


def test_legacy_header_single_cache_write_column():
    r = read_usage(DATA / "usage_legacy.csv", prices=PRICES)
    assert r.format == "anthropic_usage" and r.rows_rejected == 0
    f = r.frame.set_index("model")
    assert f.loc["claude-3.7-sonnet", "cache_write_tokens"] == 120_000
    assert f.loc["claude-3.7-sonnet", "input_tokens"] == 800_000
    assert f.loc["claude-3.7-sonnet", "cache_read_tokens"] == 2_400_000
    assert f.loc["claude-3.5-haiku", "service_tier"] == "batch"
    assert f.loc["claude-3.5-haiku", "team"] == "Data"


def test_usage_detected_from_header_not_file_name(tmp_path):
    misleading = tmp_path / "openai_completions_usage.csv"
    misleading.write_bytes((DATA / "usage_current.csv").read_bytes())
    assert read_usage(misleading, prices=PRICES).format == "anthropic_usage"


def test_unknown_usage_type_is_marked_unknown_with_a_warning():
    r = read_usage(usage("2025-10-06,claude-sonnet-4-5-20250929,k,W,turbo,≤ 200k,10,0,0,0,5,0,us,"),
                   "u.csv", prices=PRICES)
    assert r.frame["service_tier"].tolist() == ["unknown"]
    assert any(w.code == "unknown_service_tier" and "'turbo'" in w.message for w in r.warnings)


def test_usage_row_rejections_name_row_column_and_value():
    r = read_usage(usage(
        "2025-10-06,claude-sonnet-4-5-20250929,k,W,standard,≤ 200k,10,0,0,0,5,0,us,",
        "2025-10-06,claude-sonnet-4-5-20250929,k,W,standard,≤ 200k,-40,0,0,0,5,0,us,",
        "2025-13-45,claude-sonnet-4-5-20250929,k,W,standard,≤ 200k,10,0,0,0,5,0,us,",
        '2025-10-06,claude-sonnet-4-5-20250929,"=HYPERLINK(""x"")",W,standard,≤ 200k,10,0,0,0,5,0,us,',
        "2025-10-06,,k,W,standard,≤ 200k,10,0,0,0,5,0,us,",
    ), "usage.csv", prices=PRICES)
    assert r.rows_read == 5 and r.rows_kept == 1 and r.rows_rejected == 4
    by_row = {x.row: x for x in r.rejected}
    assert (by_row[3].column, by_row[3].value, by_row[3].reason) == (
        "usage_input_tokens_no_cache", "-40", "counts cannot be negative")
    assert (by_row[4].column, by_row[4].value, by_row[4].reason) == ("usage_date_utc", "2025-13-45", "is not a date")
    assert by_row[5].column == "api_key" and "formula" in by_row[5].reason
    assert (by_row[6].column, by_row[6].reason) == ("model_version", "the model is missing")
    assert "row 3, column `usage_input_tokens_no_cache`, value '-40'" in by_row[3].message("usage.csv")


def test_usage_missing_required_column_is_a_file_error():
    header = USAGE_HEADER.replace("model_version,", "")
    data = (header + "\n2025-10-06,k,W,standard,≤ 200k,10,0,0,0,5,0,us,\n").encode()
    with pytest.raises(InputError) as err:
        read_usage(data, "usage.csv")
    assert "usage.csv, row 1: required column(s) `model_version` are missing." in str(err.value)


# --- cost export -------------------------------------------------------------------------------

def test_cost_export_dollars_display_names_and_non_token_rows():
    r = read_usage(DATA / "cost_current.csv")
    assert r.format == "anthropic_cost"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (9, 9, 0)
    t = r.totals()
    assert t["cost_usd"] == pytest.approx(4.56 + 0.79 + 1.16 + 6.03 + 0.12 + 0.30 + 0.10 + 2.00 + 3.00)  # dollars
    assert t["input_tokens"] == t["output_tokens"] == 0  # the cost export has no token counts
    f = r.frame
    assert set(f["cost_basis"]) == {"invoice"}
    assert f["list_cost_usd"].sum() == pytest.approx(4.56 + 0.79 + 1.16 + 6.03 + 0.12 + 0.30 + 1.00 + 4.00 + 3.00)
    assert f["non_token_cost_usd"].sum() == pytest.approx(0.12 + 0.30)  # web search + code execution
    by_model = f.groupby("model")["cost_usd"].sum()
    assert by_model["claude-sonnet-4.5"] == pytest.approx(4.56 + 0.79 + 1.16 + 6.03 + 0.12)
    assert by_model["claude-3.5-sonnet"] == pytest.approx(0.10)
    assert by_model["claude-haiku-4.5"] == pytest.approx(2.00)
    assert by_model["claude-opus-4.1"] == pytest.approx(3.00)
    assert by_model["non-token charges"] == pytest.approx(0.30)
    opus = f.set_index("model").loc["claude-opus-4.1"]
    assert (opus["team"], opus["api_key_id"]) == ("Default", "apikey_01OpusOpusOpusOpusOpus")  # id when no name
    assert f.set_index("model").loc["claude-haiku-4.5", "service_tier"] == "batch"
    assert set(f["model_raw"]) >= {"Claude Sonnet 4.5", "Claude 3.5 Sonnet 2024-10-22", "code_execution"}


def test_oldest_cost_header_blank_workspace_is_default():
    r = read_usage(DATA / "cost_oldest.csv")
    assert r.format == "anthropic_cost" and r.rows_rejected == 0
    f = r.frame.set_index("model")
    assert f.loc["claude-3.5-sonnet", "cost_usd"] == pytest.approx(2.40 + 9.00)
    assert f.loc["claude-3.5-sonnet", "team"] == "Default"
    assert np.isnan(f.loc["claude-3.5-sonnet", "list_cost_usd"])  # no list price column in 2024
    assert f.loc["claude-3-haiku", "team"] == "Data"


def test_cost_row_rejections():
    data = "\n".join([
        COST_HEADER,
        "2025-10-06,Claude Sonnet 4.5,Default,k,message,≤ 200k,output,6.03,6.03,token,us,,id1,active",
        "2025-10-06,Claude Sonnet 4.5,Default,k,message,≤ 200k,output,six dollars,6.03,token,us,,id1,active",
        "10/32/2025,Claude Sonnet 4.5,Default,k,message,≤ 200k,output,1.00,1.00,token,us,,id1,active",
        ",Claude Sonnet 4.5,Default,k,message,≤ 200k,output,1.00,1.00,token,us,,id1,active",
    ]).encode()
    r = read_usage(data, "cost.csv")
    by_row = {x.row: x for x in r.rejected}
    assert sorted(by_row) == [3, 4, 5]
    assert (by_row[3].column, by_row[3].value, by_row[3].reason) == ("cost_usd", "six dollars", "is not a number")
    assert (by_row[4].column, by_row[4].value) == ("usage_date_utc", "10/32/2025")
    assert (by_row[5].column, by_row[5].reason) == ("usage_date_utc", "the date is missing")
    assert r.totals()["cost_usd"] == pytest.approx(6.03)


def test_cost_missing_required_column_is_a_file_error():
    data = (COST_HEADER.replace("model,", "") + "\n2025-10-06,Default,k,message,≤ 200k,output,6.03,6.03,token,"
            "us,,id1,active\n").encode()
    with pytest.raises(InputError) as err:
        read_usage(data, "cost.csv")
    assert "required column(s) `model` are missing" in str(err.value)


@pytest.mark.parametrize("display, family", [
    ("Claude Sonnet 4.5", "claude-sonnet-4.5"),
    ("Claude 3.5 Sonnet", "claude-3.5-sonnet"),
    ("Claude 3.5 Sonnet 2024-10-22", "claude-3.5-sonnet"),
    ("Claude Haiku 4.5", "claude-haiku-4.5"),
    ("Claude Opus 4.1", "claude-opus-4.1"),
    ("Claude Opus 4", "claude-opus-4"),
    ("Claude 3 Opus", "claude-3-opus"),
    ("Claude 3.7 Sonnet", "claude-3.7-sonnet"),
])
def test_display_names_map_to_the_same_family_as_api_ids(display, family):
    assert display_family(display) == family
    assert model_family(display) == family  # the shared normaliser agrees


def test_console_and_api_names_share_a_family():
    assert display_family("Claude Sonnet 4.5") == model_family("claude-sonnet-4-5-20250929")
    assert display_family("Claude 3.5 Sonnet 2024-10-22") == model_family("claude-3-5-sonnet-20241022")
    assert display_family("web search") == ""
