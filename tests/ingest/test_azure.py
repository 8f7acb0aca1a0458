# Headers: the EA actual-cost header quoted in usage-formats.md section 3.2 (from the FinOps
# toolkit test asset EA_ActualCost_Small.csv), and the MCA camelCase cost-details header
# (date, meterName, costInBillingCurrency, costInUsd, resourceGroupName, tags …) that section 3.2
# refers to. Both fixtures start with a UTF-8 BOM as Azure exports do. Every row is constructed,
# with Quantity x EffectivePrice = Cost.
from __future__ import annotations

from pathlib import Path

import pytest

from hedging.errors import InputError
from hedging.ingest import detect, read_usage
from hedging.ingest.formats.azure import _block, _meter

DATA = Path(__file__).parent.parent / "data" / "azure"
EA = DATA / "ea_actual_cost_small.csv"
MCA = DATA / "mca_cost_details.csv"


@pytest.fixture(scope="module")
def ea():
    return read_usage(EA)


@pytest.fixture(scope="module")
def mca():
    return read_usage(MCA)


def _row(read, meter):
    rows = read.frame[read.frame["model_raw"] == meter]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _header(path):
    return tuple(path.read_bytes().decode("utf-8-sig").splitlines()[0].split(","))


def test_detected_from_header_not_file_name():
    assert EA.read_bytes().startswith(b"\xef\xbb\xbf")
    assert detect(_header(EA), "bedrock_cur.csv").name == "azure_cost"
    assert detect(_header(MCA), "gcp_billing.csv").name == "azure_cost"
    assert read_usage(MCA.read_bytes(), name="aws-cur-00001.csv").format == "azure_cost"


def test_ea_totals_match_hand_computed(ea):
    t = ea.totals()
    # tokens = Quantity x block: 1520.34 x 1K, 100 x 1K (batch), 2 x 1M (GPT 5)
    assert t["input_tokens"] == round(1520.34 * 1000) + 100 * 1000 + 2 * 1_000_000
    assert t["output_tokens"] == round(210.5 * 1000) + round(0.05 * 1_000_000)
    assert t["cache_read_tokens"] == 800 * 1000
    assert t["cache_write_tokens"] == 0
    # token meters + PTU hours (24 x 1.0) + PTU reservation purchase (2600)
    assert t["cost_usd"] == pytest.approx(3.80085 + 2.105 + 1.0 + 0.125 + 0.75 + 2.5 + 24.0 + 2600)
    assert ea.frame["non_token_cost_usd"].sum() == pytest.approx(24.0 + 2600)
    assert ea.rows_read == 13 and ea.rows_kept == 13 - 2 - 3
    assert set(ea.frame["billing_provider"]) == {"azure"} and set(ea.frame["cost_basis"]) == {"invoice"}


def test_meter_names_classified(ea):
    inp = _row(ea, "gpt-4o-0806-Inp-glbl Tokens")
    assert (inp.model, inp.input_tokens, inp.region, inp.service_tier) == ("gpt-4o", 1_520_340, "global", "standard")
    cached = _row(ea, "gpt 4o 1120 cached Inp glbl Tokens")
    assert (cached.input_tokens, cached.cache_read_tokens) == (0, 800_000)  # separate meter, not subtracted
    assert _row(ea, "gpt-4o-0806-Batch-Inp-glbl Tokens").service_tier == "batch"
    regional = _row(ea, "gpt 4o 0513 Output regional Tokens")
    assert (regional.output_tokens, regional.region) == (50_000, "eastus")  # 0.05 x 1M, ResourceLocation
    gpt5 = _row(ea, "GPT 5 Inpt Glbl")  # no "Tokens" in the name: OpenAI sub-category + 1M unit
    assert (gpt5.model, gpt5.input_tokens, gpt5.model_developer) == ("gpt-5", 2_000_000, "openai")
    assert str(gpt5.usage_date.date()) == "2025-10-07"  # MM/DD/YYYY


def test_provisioned_rows_kept_as_non_token_cost(ea):
    ptu = _row(ea, "Global Provisioned Managed PTU")
    assert (ptu.service_tier, ptu.charge_category, ptu.non_token_cost_usd) == ("provisioned", "usage", 24.0)
    assert ptu.input_tokens + ptu.output_tokens == 0
    bought = _row(ea, "Provisioned Throughput Unit")
    assert (bought.service_tier, bought.charge_category, bought.cost_usd) == ("provisioned", "purchase", 2600.0)


def test_team_from_tags_else_resource_group(ea, mca):
    assert _row(ea, "gpt-4o-0806-Inp-glbl Tokens").team == "search"  # EA tags fragment without braces
    assert _row(ea, "gpt 4o 0513 Output regional Tokens").team == "rg-ai-prod"  # no tags
    assert _row(ea, "gpt-4o-0806-Inp-glbl Tokens").project_id == "aoai-prod"  # ResourceId last segment
    assert _row(mca, "gpt-4o-0806-Inp-glbl Tokens").team == "risk"  # {"Team": "risk"}
    assert _row(mca, "R1 Inp glbl Tokens").team == "rg-fab-ai"  # resourceGroupName


def test_skipped_rows_counted_by_reason(ea, mca):
    assert dict(ea.skipped) == {"not Azure OpenAI / Foundry Models (ConsumedService, MeterCategory)": 1,
                                "Azure AI meter not billed in tokens (MeterName)": 1}
    assert dict(mca.skipped) == {"not Azure OpenAI / Foundry Models (ConsumedService, MeterCategory)": 1}


def test_row_rejections_name_row_column_value(ea):
    by_row = {r.row: r for r in ea.rejected}
    assert set(by_row) == {12, 13, 14}
    unit = by_row[12]
    assert (unit.column, unit.value) == ("UnitOfMeasure", "1 Hour")
    assert "not a token unit" in unit.reason and "1K" in unit.reason and "block size" in unit.fix
    eur = by_row[13]
    assert (eur.column, eur.value) == ("BillingCurrency", "EUR")
    assert "no currency conversion" in eur.reason and "CostInUsd" in eur.fix
    tag = by_row[14]
    assert tag.column == "Tags" and tag.value.startswith("=HYPERLINK")
    assert "row 14, column `Tags`" in tag.message() and "formula" in tag.reason


def test_mca_camel_case_usd_column_and_iso_dates(mca):
    t = mca.totals()
    assert t["input_tokens"] == round(1520.34 * 1000) + 1 * 1_000_000
    assert t["output_tokens"] == round(0.5 * 1_000_000)  # "1000000 Tokens" unit
    # the EUR row uses costInUsd (3.80085), not costInBillingCurrency (3.27)
    assert t["cost_usd"] == pytest.approx(3.80085 + 0.3 + 1.35)
    assert _row(mca, "gpt-4o-0806-Inp-glbl Tokens").list_cost_usd == pytest.approx(3.80085)  # paygCostInUsd
    r1 = _row(mca, "R1 Inp glbl Tokens")  # Foundry Models category, not Microsoft.CognitiveServices
    assert (r1.model, r1.model_developer) == ("deepseek-r1", "deepseek")
    assert {str(d.date()) for d in mca.frame["usage_date"]} == {"2025-10-06"}
    (eur,) = mca.rejected
    assert (eur.row, eur.column, eur.value) == (4, "billingCurrency", "EUR")


def test_missing_required_column_is_a_file_error():
    text = ("Date,MeterCategory,MeterName,UnitOfMeasure,Cost,BillingCurrency\n"
            "10/06/2025,Cognitive Services,gpt-4o-0806-Inp-glbl Tokens,1K,3.80085,USD\n")
    with pytest.raises(InputError) as err:
        read_usage(text.encode(), name="azure_no_quantity.csv")
    message = str(err.value)
    assert "azure_no_quantity.csv" in message and "`Quantity`" in message and "missing" in message


@pytest.mark.parametrize("meter, expected", [
    ("gpt-4o-0806-Inp-glbl Tokens", ("gpt-4o", "input", False, "global")),
    ("gpt-4o-mini-0718-Outp-glbl Tokens", ("gpt-4o-mini", "output", False, "global")),
    ("gpt 4o 0513 Input Data Zone Tokens", ("gpt-4o", "input", False, "data-zone")),
    ("gpt 4o 1120 cached Inp glbl Tokens", ("gpt-4o", "cache_read", False, "global")),
    ("gpt-4o-0806-Batch-Inp-glbl Tokens", ("gpt-4o", "input", True, "global")),
    ("gpt-4o-0806-Inp-glbl 1M Tokens", ("gpt-4o", "input", False, "global")),
    ("gpt 5 pro inp glbl Tokens", ("gpt-5-pro", "input", False, "global")),
    ("o3 mini 0131 Outp regnl Tokens", ("o3-mini", "output", False, "regional")),
    ("gpt-35-turbo-0125 out regional Tokens", ("gpt-3.5-turbo", "output", False, "regional")),
])
def test_meter_parsing(meter, expected):
    assert _meter(meter) == expected


@pytest.mark.parametrize("unit, block", [("1K", 1e3), ("1M", 1e6), ("1000 Tokens", 1e3),
                                         ("1000000 Tokens", 1e6), ("1K Tokens", 1e3), ("Tokens", 1.0)])
def test_unit_blocks(unit, block):
    assert _block(unit) == block


@pytest.mark.parametrize("unit", ["1 Hour", "Units", "", "1/Month"])
def test_non_token_units(unit):
    assert _block(unit) != _block(unit)  # NaN


def test_chunked_read_gives_the_same_result(ea):
    parts = read_usage(EA, chunk_rows=4)
    assert parts.totals() == pytest.approx(ea.totals()) and parts.skipped == ea.skipped
    assert sorted((r.row, r.column, r.value) for r in parts.rejected) == \
        sorted((r.row, r.column, r.value) for r in ea.rejected)
