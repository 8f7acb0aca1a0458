# Headers: the flattened BigQuery query output quoted in usage-formats.md section 3.3 (underscore
# names, with a pre-summed credits_amount), and the same standard-export fields with dotted names
# (sku.description, usage.amount, project.id, location.region) plus credits as a JSON array,
# cost_type and cost_at_list from the field list of section 3.3. SKU descriptions follow the
# examples of section 3.3. Every row is constructed (Gemini 2.5 Flash: $0.30 / $2.50 per 1M).
from __future__ import annotations

from pathlib import Path

import pytest

from hedging.errors import InputError
from hedging.ingest import detect, read_usage
from hedging.ingest.formats.gcp import sku_model

DATA = Path(__file__).parent.parent / "data" / "gcp"
UNDERSCORE = DATA / "vertex_billing_underscore.csv"
DOTTED = DATA / "vertex_billing_dotted.csv"


@pytest.fixture(scope="module")
def flat():
    return read_usage(UNDERSCORE)


@pytest.fixture(scope="module")
def dotted():
    return read_usage(DOTTED)


def _row(read, sku, category="usage"):
    f = read.frame
    rows = f[(f["model_raw"] == sku) & (f["charge_category"] == category)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_detected_from_header_not_file_name():
    assert detect(tuple(UNDERSCORE.read_text().splitlines()[0].split(",")), "azure.csv").name == "gcp_billing"
    assert detect(tuple(DOTTED.read_text().splitlines()[0].split(",")), "cur.csv").name == "gcp_billing"
    assert read_usage(DOTTED.read_bytes(), name="openai_costs_2025.csv").format == "gcp_billing"


def test_underscore_totals_match_hand_computed(flat):
    t = flat.totals()
    assert t["input_tokens"] == 1_520_340 + 479_660 + 400_000  # two hours of Flash + Gemini API Pro
    assert t["output_tokens"] == 210_500 + 100_000  # text output + thinking output
    assert t["cache_read_tokens"] == 800_000
    assert int(flat.frame["reasoning_tokens"].sum()) == 100_000  # subset of output, not added again
    # net = cost + credits (-0.10 on the output row); storage and character-priced rows are cost only
    expected = 0.456102 + 0.143898 + (0.52625 - 0.10) + 0.25 + 0.024 + 0.0036 + 0.000125 + 0.5
    assert t["cost_usd"] == pytest.approx(expected)
    assert flat.rows_read == 12 and flat.rows_kept == 12 - 2 - 2
    assert set(flat.frame["billing_provider"]) == {"gcp"} and set(flat.frame["cost_basis"]) == {"invoice"}


def test_hourly_rows_become_one_daily_row(flat):
    day = _row(flat, "Gemini 2.5 Flash GA Text Input - Predictions")
    assert day.input_tokens == 1_520_340 + 479_660
    assert day.cost_usd == pytest.approx(0.456102 + 0.143898)
    assert (day.model, day.model_developer, day.region, day.team) == ("gemini-2.5-flash", "google", "global", "search")


def test_sku_classes(flat):
    thinking = _row(flat, "Gemini 2.5 Flash GA Thinking Text Output - Predictions")
    assert (thinking.output_tokens, thinking.reasoning_tokens, thinking.input_tokens) == (100_000, 100_000, 0)
    cache = _row(flat, "Gemini 2.5 Flash GA Input Text Caching")
    assert (cache.cache_read_tokens, cache.input_tokens) == (800_000, 0)
    storage = _row(flat, "Gemini 3 Flash Text Input Caching Storage")
    assert storage.cache_read_tokens + storage.input_tokens == 0  # token-hours are not tokens
    assert storage.non_token_cost_usd == pytest.approx(0.0036)
    chars = _row(flat, "Gemini 1.0 Pro Text Input Characters - Predictions")
    assert chars.input_tokens == 0 and chars.non_token_cost_usd == pytest.approx(0.000125)
    assert any(w.code == "gcp_characters" for w in flat.warnings)
    output = _row(flat, "Gemini 2.5 Flash GA Text Output - Predictions")
    assert output.cost_usd == pytest.approx(0.52625 - 0.10) and output.list_cost_usd == pytest.approx(0.52625)


def test_team_from_labels_else_project(flat, dotted):
    api = _row(flat, "Gemini 2.5 Pro Input Tokens")  # Generative Language API, no labels
    assert (api.team, api.project_id, api.model) == ("ai-studio-proj", "ai-studio-proj", "gemini-2.5-pro")
    claude = _row(dotted, "Claude Sonnet 4.5 Input Tokens")  # labels as a JSON object
    assert (claude.team, claude.project_id) == ("risk", "risk-models")


def test_skipped_rows_counted_by_reason(flat, dotted):
    assert dict(flat.skipped) == {"not Vertex AI / Generative Language API (service.description)": 1,
                                  "Vertex AI SKU not billed in tokens (training, endpoints, …)": 1}
    assert dict(dotted.skipped) == {"tax line": 1}


def test_row_rejections_name_row_column_value(flat, dotted):
    by_row = {r.row: r for r in flat.rejected}
    assert set(by_row) == {12, 13}
    eur = by_row[12]
    assert (eur.column, eur.value) == ("currency", "EUR")
    assert "not in US dollars" in eur.reason and "currency_conversion_rate" in eur.fix
    half = by_row[13]
    assert (half.column, half.value) == ("usage_amount", "1234.5")
    assert "whole number" in half.reason
    assert "row 13, column `usage_amount`, value '1234.5'" in half.message()
    (bad,) = dotted.rejected
    assert (bad.row, bad.column, bad.value) == (6, "credits", "free trial")
    assert "JSON" in bad.reason and "credits_amount" in bad.fix


def test_dotted_names_credits_json_and_list_cost(dotted):
    claude = _row(dotted, "Claude Sonnet 4.5 Input Tokens")  # partner model: its own service name
    assert (claude.model, claude.model_developer, claude.input_tokens) == ("claude-sonnet-4.5", "anthropic", 1_000_000)
    assert claude.cost_usd == pytest.approx(3.0 - 0.3) and claude.list_cost_usd == pytest.approx(3.0)
    batch = _row(dotted, "Gemini 2.5 Pro Batch Text Output - Predictions")
    assert (batch.service_tier, batch.output_tokens, batch.list_cost_usd) == ("batch", 100_000, 1.0)
    adj = _row(dotted, "Gemini 2.5 Pro Text Input - Predictions", category="adjustment")
    assert adj.cost_usd == pytest.approx(-0.2) and adj.input_tokens == 0
    assert dotted.totals()["cost_usd"] == pytest.approx((3.0 - 0.3) + 0.5 - 0.2)


def test_blank_unit_is_taken_as_count_with_warning():
    text = ("service_description,sku_description,usage_start_time,usage_amount,usage_unit,cost,currency\n"
            "Vertex AI,Gemini 2.0 Flash Text Input - Predictions,2025-10-06T05:00:00Z,1000000,,0.1,USD\n")
    read = read_usage(text.encode(), name="q.csv")
    assert read.totals()["input_tokens"] == 1_000_000
    assert any(w.code == "gcp_unit_assumed" for w in read.warnings)


def test_missing_required_column_is_a_file_error():
    text = ("service.description,sku.description,usage_start_time,usage.amount,currency\n"
            "Vertex AI,Gemini 2.5 Flash GA Text Input - Predictions,2025-10-06 00:00:00 UTC,1000,USD\n")
    with pytest.raises(InputError) as err:
        read_usage(text.encode(), name="vertex_no_cost.csv")
    message = str(err.value)
    assert "vertex_no_cost.csv" in message and "`cost`" in message and "missing" in message


@pytest.mark.parametrize("sku, family", [
    ("Gemini 2.5 Flash GA Text Input - Predictions", "gemini-2.5-flash"),
    ("Gemini 2.5 Flash Input Tokens", "gemini-2.5-flash"),
    ("Gemini 3 Flash Text Input Caching Storage", "gemini-3-flash"),
    ("Gemini 3.7 Flash Global Text Input - Predictions", "gemini-3.7-flash"),
    ("Gemini 2.0 Flash Lite Batch Text Output", "gemini-2.0-flash-lite"),
    ("Claude Sonnet 4.5 Input Tokens", "claude-sonnet-4.5"),
    ("Claude 3.5 Sonnet v2 Output", "claude-3.5-sonnet"),
    ("Generate content input token count Gemini 2.5 Pro", "gemini-2.5-pro"),
])
def test_model_from_sku(sku, family):
    assert sku_model(sku) == family


def test_chunked_read_gives_the_same_result(flat):
    parts = read_usage(UNDERSCORE, chunk_rows=5)
    assert parts.totals() == pytest.approx(flat.totals()) and parts.skipped == flat.skipped
    assert sorted((r.row, r.column, r.value) for r in parts.rejected) == \
        sorted((r.row, r.column, r.value) for r in flat.rejected)
