# Headers: CUR 2.0 column names from usage-formats.md section 3.1 (the key-column list and the
# CUR 2.0 example header); legacy CUR names are the bracketed equivalents listed in the same section
# (lineItem/…, pricing/unit, product/…, resourceTags/user:…). Every row is constructed, with
# rate x amount = cost on token lines.
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hedging.errors import InputError
from hedging.ingest import detect, read_usage
from hedging.ingest.formats.aws_cur import _usage_type_model

DATA = Path(__file__).parent.parent / "data" / "aws_cur"
CUR2 = DATA / "cur2_bedrock_daily.csv"
LEGACY = DATA / "legacy_cur_hourly.csv"


@pytest.fixture(scope="module")
def cur2():
    return read_usage(CUR2)


def _row(read, model_raw, category="usage"):
    f = read.frame
    rows = f[(f["model_raw"] == model_raw) & (f["charge_category"] == category)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_detected_from_header_not_file_name():
    header = tuple(CUR2.read_text().splitlines()[0].split(","))
    assert detect(header, "openai_completions_usage.csv").name == "aws_cur"
    legacy = tuple(LEGACY.read_text().splitlines()[0].split(","))
    assert detect(legacy, "gcp_billing_export.csv").name == "aws_cur"
    read = read_usage(CUR2.read_bytes(), name="azure_cost_details.csv")
    assert read.format == "aws_cur"


def test_cur2_totals_match_hand_computed(cur2):
    t = cur2.totals()
    # input: Claude 3.5 Sonnet 1520.34K + marketplace 2.5M (…-Units) + cross-region 10K
    assert t["input_tokens"] == 1_520_340 + 2_500_000 + 10_000
    assert t["output_tokens"] == 210_500 + 50_000
    assert t["cache_read_tokens"] == 800 * 1000
    assert t["cache_write_tokens"] == 100 * 1000
    # net unblended where given (4.10 after discount), unblended where net is blank (3.1575),
    # credit -1.00, provisioned throughput 480; tax and EC2 left out, two rows rejected
    expected = 4.10 + 3.1575 + 0.24 + 0.375 + 0.08 + (-1.00) + 0.625 + 480 + 0.03
    assert t["cost_usd"] == pytest.approx(expected)
    assert cur2.rows_read == 13 and cur2.rows_kept == 13 - 2 - 2
    assert set(cur2.frame["billing_provider"]) == {"aws"}
    assert set(cur2.frame["cost_basis"]) == {"invoice"}


def test_cache_classes_are_separate_lines_never_subtracted(cur2):
    read = _row(cur2, "USW2-Claude4.5Sonnet-cache-read-input-token-count")
    write = _row(cur2, "USW2-Claude4.5Sonnet-cache-write-input-token-count")
    assert (read.input_tokens, read.cache_read_tokens, read.cache_write_tokens) == (0, 800_000, 0)
    assert (write.input_tokens, write.cache_read_tokens, write.cache_write_tokens) == (0, 0, 100_000)
    sonnet = _row(cur2, "USE1-Claude3.5Sonnet-input-tokens")
    assert sonnet.input_tokens == round(1520.34 * 1000)  # not reduced by any cache line


def test_models_regions_tiers_and_teams(cur2):
    sonnet = _row(cur2, "USE1-Claude3.5Sonnet-input-tokens")
    assert (sonnet.model, sonnet.model_developer, sonnet.region, sonnet.team) == (
        "claude-3.5-sonnet", "anthropic", "us-east-1", "search")
    assert sonnet.account_id == "011122223333"  # leading zero kept
    assert sonnet.api_key_id == "arn:aws:sts::011122223333:assumed-role/ChatApp/session-1"
    assert sonnet.cost_usd == pytest.approx(4.10)  # net unblended, not 4.56102
    assert _row(cur2, "USE1-Claude3.5Sonnet-output-tokens").cost_usd == pytest.approx(3.1575)
    assert _row(cur2, "USW2-Claude4.5Sonnet-cache-read-input-token-count").model == "claude-sonnet-4.5"
    nova = _row(cur2, "USE1-NovaPro-output-tokens-batch")
    assert (nova.model, nova.model_developer, nova.service_tier, nova.team) == (
        "nova-pro", "amazon", "batch", "011122223333")  # no team tag: usage account
    glob = _row(cur2, "USE1-Claude4Sonnet-input-tokens-cross-region-global")
    assert (glob.model, glob.region, glob.team) == ("claude-sonnet-4", "global", "ml-platform")  # tags JSON
    mp = _row(cur2, "USE1-MP:USE1_InputTokenCount-Units")
    assert (mp.model, mp.input_tokens) == ("claude-3-haiku", 2_500_000)
    pt = _row(cur2, "USE1-ProvisionedThroughput-ModelUnits")
    assert (pt.service_tier, pt.model, pt.non_token_cost_usd, pt.input_tokens) == (
        "provisioned", "non-token charges", 480.0, 0)


def test_credit_line_kept_as_credit_without_tokens(cur2):
    credit = _row(cur2, "USE1-Claude3.5Sonnet-input-tokens", category="credit")
    assert credit.cost_usd == pytest.approx(-1.00)
    assert credit.input_tokens == 0 and credit.non_token_cost_usd == 0


def test_skipped_rows_counted_by_reason(cur2):
    assert dict(cur2.skipped) == {"not Amazon Bedrock (line_item_product_code)": 1, "tax line": 1}


def test_row_rejections_name_row_column_value(cur2):
    by_row = {r.row: r for r in cur2.rejected}
    assert set(by_row) == {13, 14}
    eur = by_row[13]
    assert (eur.column, eur.value) == ("line_item_currency_code", "EUR")
    assert "US dollars" in eur.reason and "USD" in eur.fix
    neg = by_row[14]
    assert (neg.column, neg.value) == ("line_item_usage_amount", "-5")
    assert "negative" in neg.reason
    assert "row 14, column `line_item_usage_amount`, value '-5'" in neg.message()


def test_unit_assumed_warnings(cur2):
    warned = [w for w in cur2.warnings if w.code.startswith("aws_unit_assumed")]
    assert len(warned) == 1 and warned[0].code == "aws_unit_assumed_millions"
    assert "1,000,000 tokens" in warned[0].message and "units" in warned[0].message
    legacy = read_usage(LEGACY)
    warned = [w for w in legacy.warnings if w.code == "aws_unit_assumed"]
    assert len(warned) == 1 and "1,000 tokens (thousands)" in warned[0].message and "(blank)" in warned[0].message


def test_pricing_unit_sets_multiplier():
    head = ("line_item_usage_start_date,line_item_product_code,line_item_usage_type,line_item_usage_amount,"
            "pricing_unit,line_item_unblended_cost\n")
    body = ("2025-10-06,AmazonBedrock,USE1-NovaLite-input-tokens,2.5,1M tokens,0.15\n"
            "2025-10-06,AmazonBedrock,USE1-NovaLite-output-tokens,1000,Tokens,0.00024\n"
            "2025-10-06,AmazonBedrock,USE1-NovaLite-cache-read-input-token-count,3,1000 Tokens,0.000045\n")
    read = read_usage((head + body).encode(), name="x.csv")
    t = read.totals()
    assert (t["input_tokens"], t["output_tokens"], t["cache_read_tokens"]) == (2_500_000, 1000, 3000)
    assert not [w for w in read.warnings if w.code.startswith("aws_unit_assumed")]


def test_legacy_slash_headers_and_gzip():
    plain = read_usage(LEGACY)
    packed = read_usage(gzip.compress(LEGACY.read_bytes()), name="bedrock-00001.csv.gz")
    for read in (plain, packed):
        assert read.format == "aws_cur"
        t = read.totals()
        assert t["input_tokens"] == 4000 * 1000 + 1000 * 1000
        assert t["output_tokens"] == 800 * 1000
        assert t["cost_usd"] == pytest.approx(1.0 + 1.0 + 0.72)
        assert dict(read.skipped) == {"not Amazon Bedrock (line_item_product_code)": 1, "tax line": 1}
    f = plain.frame.set_index("model_raw")
    assert f.loc["USE1-Claude3Haiku-input-tokens", "team"] == "support-bot"  # resourceTags/user:team
    assert f.loc["USE1-Llama3.1-70B-input-tokens", "team"] == "444455556666"
    assert f.loc["USE1-Llama3.1-70B-input-tokens", "model"] == "llama-3.1-70b"
    assert f.loc["USE1-Llama3.1-70B-input-tokens", "region"] == "us-east-1"  # product/region


def test_bom_and_rate_mismatch_and_multi_day_warnings():
    text = ("line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
            "line_item_usage_amount,pricing_unit,line_item_unblended_rate,line_item_unblended_cost\n"
            "2025-10-01T00:00:00Z,2025-11-01T00:00:00Z,AmazonBedrock,USE1-Claude3Haiku-input-tokens,"
            "100,1K tokens,0.00025,0.05\n")
    read = read_usage(b"\xef\xbb\xbf" + text.encode(), name="monthly.csv")
    codes = {w.code for w in read.warnings}
    assert {"aws_rate_mismatch", "aws_multi_day_lines"} <= codes  # 100 x 0.00025 = 0.025, not 0.05
    assert read.totals()["cost_usd"] == pytest.approx(0.05)


def test_missing_required_column_is_a_file_error():
    text = ("line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_unblended_cost\n"
            "AmazonBedrock,USE1-Claude3Haiku-input-tokens,100,0.025\n")
    with pytest.raises(InputError) as err:
        read_usage(text.encode(), name="cur_no_dates.csv")
    message = str(err.value)
    assert "cur_no_dates.csv" in message and "row 1" in message
    assert "`line_item_usage_start_date`" in message and "missing" in message


@pytest.mark.parametrize("usage_type, family", [
    ("USE1-Claude3.5Sonnet-input-tokens", "claude-3.5-sonnet"),
    ("USW2-Claude4.5Sonnet-input-tokens", "claude-sonnet-4.5"),
    ("USW2-Claude4.6Sonnet-cache-read-input-token-count", "claude-sonnet-4.6"),
    ("USE1-Claude4Sonnet-input-tokens-cross-region-global", "claude-sonnet-4"),
    ("USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard", "claude-opus-4.8"),
    ("USE1-NovaPro-input-tokens", "nova-pro"),
    ("USE1-Llama3.1-70B-input-tokens", "llama-3.1-70b"),
    ("USE1-MistralLarge-output-tokens", "mistral-large"),
    ("USE1-DeepSeekR1-output-tokens", "deepseek-r1"),
    ("USE1-MP:USE1_InputTokenCount-Units", ""),
    ("USE1-ProvisionedThroughput-ModelUnits", ""),
])
def test_model_from_usage_type(usage_type, family):
    assert _usage_type_model(usage_type) == family


def test_chunked_read_gives_the_same_result(cur2):
    parts = read_usage(CUR2, chunk_rows=3)
    assert parts.totals() == pytest.approx(cur2.totals()) and parts.skipped == cur2.skipped
    assert sorted((r.row, r.column, r.value) for r in parts.rejected) == \
        sorted((r.row, r.column, r.value) for r in cur2.rejected)
