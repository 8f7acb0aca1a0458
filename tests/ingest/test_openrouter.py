"""OpenRouter activity exports. Headers are those of usage-formats.md section 5.2: the activity
summary export (every field quoted) and the per-generation export; the example row of each is
reused, the other rows are constructed with consistent arithmetic."""

from __future__ import annotations

import itertools

from pathlib import Path

import pytest

from hedging.errors import InputError
from hedging.ingest import read_usage
from hedging.ingest.normalize import model_family

DATA = Path(__file__).resolve().parent.parent / "data" / "openrouter"
GEN_HEADER = ("generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,"
              "byok_usage_inference,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,"
              "provider_name,variant,cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,"
              "generation_time_ms,time_to_first_token_ms,api_key_disabled,api_key_name,app_name")


def generations(*rows: str) -> bytes:
    return ("\n".join((GEN_HEADER,) + rows) + "\n").encode()


_IDS = itertools.count(1)


def gen(created="2025-10-06 01:02:03.456", cost="0.0123", prompt="10389", cached="4096",
        model="anthropic/claude-4.5-sonnet-20250929", gen_id: str | None = None) -> str:
    """One generation row; every call a new generation id unless ``gen_id`` is given."""
    gen_id = gen_id or f"gen-{next(_IDS)}"
    return (f"{gen_id},{created},{cost},0,0,0,0,{prompt},137,0,{cached},{model},Anthropic,standard,false,true,,"
            "end_turn,stop,2310,640,false,prod-backend,Acme Chat")


def test_summary_prompt_includes_cache_and_byok_is_excluded():
    r = read_usage(DATA / "activity_summary.csv")
    assert r.format == "openrouter"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (4, 3, 0)
    assert dict(r.skipped) == {"no usage (all counts and costs are 0)": 1}
    t = r.totals()
    # the summary has no cached column: Prompt Tokens (which include cached) all count as input
    assert t["input_tokens"] == 5_610_340 + 1_000_000 + 5_000
    assert t["cache_read_tokens"] == 0
    assert t["output_tokens"] == 402_115 + 200_000 + 1_000
    assert t["requests"] == 1204 + 300 + 10
    assert t["cost_usd"] == pytest.approx(13.54 + 2.10 + 0)  # Usage only; BYOK Usage 0.75 left out
    f = r.frame.set_index("model")
    assert f.loc["gpt-5", "reasoning_tokens"] == 150_000  # informational subset of output
    assert f.loc["claude-sonnet-4.5", "model_raw"] == "anthropic/claude-sonnet-4.5"
    assert f.loc["llama-3.3-70b-instruct", "model_raw"] == "meta-llama/llama-3.3-70b-instruct:free"
    assert set(r.frame["billing_provider"]) == {"openrouter"} and set(r.frame["cost_basis"]) == {"invoice"}
    byok = next(w.message for w in r.warnings if w.code == "byok_excluded")
    assert "$0.75 of BYOK inference on 1 summary row(s)" in byok


def test_generations_uncached_input_is_prompt_minus_cached():
    r = read_usage(DATA / "generations.csv")
    assert r.format == "openrouter"
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (4, 4, 0)
    t = r.totals()
    assert t["input_tokens"] == (10_389 - 4_096) + 20_000 + (8_000 - 2_000) + 3_000
    assert t["cache_read_tokens"] == 4_096 + 2_000
    assert t["output_tokens"] == 137 + 1_000 + 500 + 40
    assert t["requests"] == 4  # the cancelled generation is billed and kept
    assert t["cost_usd"] == pytest.approx(0.0123 + 0.0350 + 0.0020 + 0.0010)  # BYOK 0.04 not included
    f = r.frame
    assert f["non_token_cost_usd"].sum() == pytest.approx(0.0100)  # web search
    day = f.groupby(f["usage_date"].astype(str).str[:10])["requests"].sum().to_dict()
    assert day == {"2025-10-06": 2, "2025-10-07": 2}  # 23:59:59.999 stays on the 6th (UTC)
    claude = f[f["model"] == "claude-sonnet-4.5"]
    assert set(claude["team"]) == {"prod-backend"} and set(claude["project_id"]) == {"Acme Chat"}
    assert f[f["model"] == "gpt-5"]["reasoning_tokens"].sum() == 400
    assert any(w.code == "byok_excluded" and "$0.04" in w.message for w in r.warnings)


def test_detection_from_header_not_file_name(tmp_path):
    misleading = tmp_path / "anthropic_usage_2025-10.csv"
    misleading.write_bytes((DATA / "generations.csv").read_bytes())
    assert read_usage(misleading).format == "openrouter"
    other = tmp_path / "generations.csv"
    other.write_bytes((DATA / "activity_summary.csv").read_bytes())
    assert read_usage(other).format == "openrouter"


def test_generation_row_rejections():
    r = read_usage(generations(
        gen(),
        gen(cached="20000", prompt="10000"),
        gen(cost="-0.5"),
        gen(created="2025-10-06T25:61:00"),
        gen(model=""),
        gen(prompt="12.5"),
    ), "gens.csv")
    by_row = {x.row: x for x in r.rejected}
    assert sorted(by_row) == [3, 4, 5, 6, 7]
    assert (by_row[3].column, by_row[3].value, by_row[3].reason) == (
        "tokens_cached", "20000", "cached tokens exceed the prompt tokens")
    assert (by_row[4].column, by_row[4].value, by_row[4].reason) == ("cost_total", "-0.5", "cannot be negative")
    assert (by_row[5].column, by_row[5].value, by_row[5].reason) == (
        "created_at", "2025-10-06T25:61:00", "is not a date")
    assert (by_row[6].column, by_row[6].reason) == ("model_permaslug", "the model is missing")
    assert (by_row[7].column, by_row[7].value, by_row[7].reason) == (
        "tokens_prompt", "12.5", "counts must be whole numbers")
    assert "gens.csv, row 3, column `tokens_cached`, value '20000'" in by_row[3].message("gens.csv")
    assert r.rows_kept == 1


def test_missing_required_column_is_a_file_error():
    header = GEN_HEADER.replace(",tokens_completion", "")
    row = gen().replace(",137,", ",", 1)
    with pytest.raises(InputError) as err:
        read_usage((header + "\n" + row + "\n").encode(), "gens.csv")
    assert "gens.csv, row 1: required column(s) `tokens_completion` are missing." in str(err.value)


def test_summary_missing_required_column_is_a_file_error():
    data = b'"Date","Slug","Usage","BYOK Usage","Requests","Prompt Tokens"\n"2025-10-06","x/y","1","0","1","5"\n'
    with pytest.raises(InputError) as err:
        read_usage(data, "activity.csv")
    assert "`Completion Tokens`" in str(err.value)


@pytest.mark.parametrize("slug, family", [
    ("anthropic/claude-sonnet-4.5", "claude-sonnet-4.5"),
    ("anthropic/claude-4.5-sonnet-20250929", "claude-sonnet-4.5"),
    ("anthropic/claude-opus-4-1-20250805", "claude-opus-4.1"),
    ("openai/gpt-5-2025-08-07", "gpt-5"),
    ("google/gemini-2.5-flash", "gemini-2.5-flash"),
    ("x-ai/grok-4", "grok-4"),
])
def test_model_family_of_openrouter_slugs(slug, family):
    assert model_family(slug) == family


@pytest.mark.parametrize("slug, family", [
    ("meta-llama/llama-3.3-70b-instruct:free", "llama-3.3-70b-instruct"),
    ("deepseek/deepseek-chat-v3-0324", "deepseek-chat-v3"),
])
def test_model_family_of_openrouter_variants(slug, family):
    assert model_family(slug) == family
