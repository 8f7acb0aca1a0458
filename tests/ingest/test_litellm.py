"""LiteLLM spend exports. Headers are those of usage-formats.md section 5.1: the
``LiteLLM_SpendLogs`` columns (per request, ``metadata`` JSON with ``usage_object`` and
``user_api_key_team_alias``) and the DailyTeamSpend CSV example; its example row is reused, the
other rows are constructed with consistent arithmetic (prompt_tokens = uncached + cache read +
cache write)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedging.errors import InputError
from hedging.ingest import read_usage
from hedging.ingest import all_formats as formats
from hedging.ingest.normalize import model_family

DATA = Path(__file__).resolve().parent.parent / "data" / "litellm"
DAILY_HEADER = ("date,team_id,api_key,model,model_group,custom_llm_provider,endpoint,prompt_tokens,completion_tokens,"
                "cache_read_input_tokens,cache_creation_input_tokens,spend,api_requests,successful_requests,"
                "failed_requests")
SPEND_HEADER = "request_id,startTime,spend,prompt_tokens,completion_tokens,model,custom_llm_provider,team_id,metadata,status"


def daily(*rows: str, header: str = DAILY_HEADER) -> bytes:
    return ("\n".join((header,) + rows) + "\n").encode()


def test_daily_team_spend_subtracts_cache_from_prompt():
    r = read_usage(DATA / "daily_team_spend.csv")
    assert r.format == "litellm"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (4, 4, 0)
    t = r.totals()
    assert t["input_tokens"] == (5_610_340 - 3_880_000 - 210_000) + (2_000_000 - 500_000) + 1_000_000 + (
        400_000 - 100_000)
    assert t["cache_read_tokens"] == 3_880_000 + 500_000 + 100_000
    assert t["cache_write_tokens"] == 210_000
    assert t["output_tokens"] == 402_115 + 150_000 + 100_000 + 50_000
    assert t["requests"] == 1198 + 800 + 199 + 50  # successful requests
    assert t["cost_usd"] == pytest.approx(13.54 + 5.375 + 4.50 + 0.875)
    f = r.frame.set_index("model")
    assert set(r.frame["cost_basis"]) == {"gateway_estimate"}
    assert f.loc["claude-sonnet-4.5", "billing_provider"] == "anthropic"
    assert f.loc["claude-3.5-sonnet", "billing_provider"] == "aws"  # custom_llm_provider bedrock
    assert f.loc["gemini-2.5-pro", "billing_provider"] == "gcp"  # vertex_ai
    assert f.loc["claude-sonnet-4.5", "team"] == "team-search"
    assert f.loc["gemini-2.5-pro", "team"] == "team-ads"


def test_spend_logs_per_request_rows_become_daily_rows():
    r = read_usage(DATA / "spend_logs.csv")
    assert r.format == "litellm"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (5, 4, 0)
    assert dict(r.skipped) == {"failed request (no tokens, no spend)": 1}
    t = r.totals()
    # metadata.usage_object carries the cache split; req-4 is an older LiteLLM whose prompt_tokens
    # (1000) left out the cache write (800): uncached = 1000 - 600 read, never negative
    assert t["input_tokens"] == (12_000 - 8_000 - 2_000) + 3_000 + (1_000 - 600) + (5_000 - 1_000)
    assert t["cache_read_tokens"] == 8_000 + 600 + 1_000
    assert t["cache_write_tokens"] == 2_000 + 800
    assert t["requests"] == 4
    assert t["cost_usd"] == pytest.approx(0.0123 + 0.0050 + 0.0040 + 0.0100)
    f = r.frame
    # the team alias from metadata wins over team_id; without one the team id is used
    assert f.groupby("team")["requests"].sum().to_dict() == {"search": 2, "team-c": 1, "ads": 1}
    gemini = f[f["model_raw"] == "vertex_ai/gemini-2.5-pro"].iloc[0]
    assert (gemini["model"], gemini["billing_provider"]) == ("gemini-2.5-pro", "gcp")
    assert str(gemini["usage_date"])[:10] == "2025-10-06"  # 23:59:59.999+00 stays on the 6th
    claude = f[f["model"] == "claude-sonnet-4.5"]
    assert len(claude) == 2 and set(claude["usage_date"].astype(str).str[:10]) == {"2025-10-06", "2025-10-07"}
    msg = next(w.message for w in r.warnings if w.code == "prompt_excludes_cache")
    assert "1 row(s) (anthropic)" in msg


def test_spend_logs_never_load_prompt_or_response_bodies():
    cols = formats()["litellm"].columns
    assert not cols & {"messages", "response", "proxy_server_request", "request_tags"}


def test_spend_logs_without_metadata_count_prompt_as_input():
    rows = [f"r{i},2025-10-06T0{i}:00:00Z,0.01,{1000 * i},10,gpt-4o,openai,team-a,,success" for i in range(1, 4)]
    header = SPEND_HEADER.replace(",metadata", "")
    rows = [x.replace(",,success", ",success") for x in rows]
    r = read_usage(("\n".join([header] + rows) + "\n").encode(), "spend.csv")
    t = r.totals()
    assert (t["input_tokens"], t["cache_read_tokens"]) == (1000 + 2000 + 3000, 0)


def test_spend_logs_where_only_some_rows_carry_a_cache_key():
    """Metadata of one row has a cache-write count, the other's has none: the second counts 0
    cache writes (its missing key must not be read as an empty number)."""
    both = json.dumps({"usage_object": {"cache_read_input_tokens": 100, "cache_creation_input_tokens": 50}})
    read_only = json.dumps({"usage_object": {"cache_read_input_tokens": 30}})
    rows = [f'r{i},2025-10-06T0{i}:00:00Z,0.01,1000,10,gpt-4o,openai,team-a,"{m.replace(chr(34), 2 * chr(34))}",success'
            for i, m in ((1, both), (2, read_only))]
    r = read_usage(("\n".join([SPEND_HEADER] + rows) + "\n").encode(), "spend.csv")
    t = r.totals()
    assert (t["cache_read_tokens"], t["cache_write_tokens"], t["input_tokens"]) == (130, 50, 2000 - 130 - 50)


def test_detection_from_header_not_file_name(tmp_path):
    misleading = tmp_path / "openrouter_activity.csv"
    misleading.write_bytes((DATA / "spend_logs.csv").read_bytes())
    assert read_usage(misleading).format == "litellm"


def test_tag_rollup_warns_about_overlap_and_uses_the_tag_as_team():
    header = DAILY_HEADER.replace("team_id", "tag")
    r = read_usage(daily("2025-10-06,prod,k,gpt-4o,gpt-4o,openai,/v1/chat/completions,100,10,0,0,0.5,1,1,0",
                         header=header), "tags.csv")
    assert r.frame["team"].tolist() == ["prod"]
    assert any(w.code == "tag_rollup_overlaps" for w in r.warnings)


def test_daily_row_rejections():
    r = read_usage(daily(
        "2025-10-06,team-a,k,gpt-4o,gpt-4o,openai,/v1,100,10,0,0,0.5,1,1,0",
        "2025-10-06,team-a,k,gpt-4o,gpt-4o,openai,/v1,100,10,0,0,-0.5,1,1,0",
        "06/31/2025,team-a,k,gpt-4o,gpt-4o,openai,/v1,100,10,0,0,0.5,1,1,0",
        "2025-10-06,team-a,k,gpt-4o,gpt-4o,openai,/v1,lots,10,0,0,0.5,1,1,0",
        "2025-10-06,<script>,k,gpt-4o,gpt-4o,openai,/v1,100,10,0,0,0.5,1,1,0",
        "2025-10-06,team-a,k,,,openai,/v1,100,10,0,0,0.5,1,1,0",
    ), "daily.csv")
    by_row = {x.row: x for x in r.rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7]
    assert (by_row[3].column, by_row[3].value, by_row[3].reason) == ("spend", "-0.5", "cannot be negative")
    assert (by_row[4].column, by_row[4].value, by_row[4].reason) == ("date", "06/31/2025", "is not a date")
    assert (by_row[5].column, by_row[5].value, by_row[5].reason) == ("prompt_tokens", "lots", "is not a number")
    assert by_row[6].column == "team_id" and "< or >" in by_row[6].reason
    assert (by_row[7].column, by_row[7].reason) == ("model", "the model is missing")
    assert "daily.csv, row 3, column `spend`, value '-0.5'" in by_row[3].message("daily.csv")


def test_spend_logs_missing_required_column_is_a_file_error():
    header = SPEND_HEADER.replace(",prompt_tokens", "")
    data = (header + '\nr1,2025-10-06T01:00:00Z,0.01,10,gpt-4o,openai,team-a,{},success\n').encode()
    with pytest.raises(InputError) as err:
        read_usage(data, "spend.csv")
    assert "spend.csv, row 1: required column(s) `prompt_tokens` are missing." in str(err.value)


def test_metadata_extraction_is_vectorised_and_exact_on_many_rows():
    n = 20_000
    rng = np.random.default_rng(1)
    prompt = rng.integers(1_000, 50_000, n)
    read = (prompt * 0.5).astype(int)
    meta = [json.dumps({"user_api_key_team_alias": "t%d" % (i % 3),
                        "usage_object": {"cache_read_input_tokens": int(read[i]), "cache_creation_input_tokens": 0}})
            for i in range(n)]
    frame = pd.DataFrame({"request_id": np.arange(n), "startTime": "2025-10-06T12:00:00Z", "spend": 0.001,
                          "prompt_tokens": prompt, "completion_tokens": 5, "model": "gpt-4o",
                          "custom_llm_provider": "openai", "team_id": ["id%d" % (i % 3) for i in range(n)],
                          "metadata": meta, "status": "success"})
    r = read_usage(frame.to_csv(index=False).encode(), "big.csv")
    t = r.totals()
    assert (t["input_tokens"], t["cache_read_tokens"]) == (int((prompt - read).sum()), int(read.sum()))
    assert sorted(r.frame["team"]) == ["t0", "t1", "t2"]


def test_model_family_of_litellm_vertex_route():
    assert model_family("vertex_ai/gemini-2.5-pro") == "gemini-2.5-pro"
