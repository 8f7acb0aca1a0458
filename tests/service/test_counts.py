"""Row counts that reconcile, and which import counts in the totals.

Reference figures are the sample company's (sample_data/README.md "Files" and "Spend" tables):
the FOCUS file has 3,917 rows of which 1,460 are non-AI; the Anthropic cost export has 10,702 rows;
spend in year 2 (Nov 2025 - Oct 2026, the last 12 months of the data) is $3,176,509.
"""

from __future__ import annotations

import pytest

from hedging import cli, service

YEAR_2_SPEND = 3_176_509  # sample_data/README.md, "Total (AI and GPU)", Year 2


@pytest.fixture
def sample(settings):
    outcomes = service.load_sample_company(settings)
    return settings, outcomes


def test_one_definition_of_each_count(sample):
    settings, outcomes = sample
    for o in outcomes:
        s = service.import_summary(o)
        assert s["rows_read"] == s["rows_kept"] + s["rows_skipped"] + s["rows_rejected"]
        assert s["rows_kept"] == s["rows_imported"]  # the former name, kept for scripts
        assert 0 < s["rows_stored"] <= s["rows_kept"]
        assert s["rows_stored"] == len(o.read.frame)
        assert s["provider_days"] <= s["rows_stored"]
    by_file = {o.read.file_name.split("_20")[0]: service.import_summary(o) for o in outcomes}
    focus = by_file["focus_azure_openai"]
    assert (focus["rows_read"], focus["rows_skipped"], focus["rows_kept"]) == (3_917, 1_460, 2_457)
    cost = by_file["anthropic_cost"]
    # 10,702 cost rows (one per day, model, key and token type) add up to 2,524 daily rows on 730 days
    assert (cost["rows_read"], cost["rows_kept"], cost["rows_stored"], cost["provider_days"]) == (
        10_702, 10_702, 2_524, 730)
    assert [service.count_label(k) for k in ("rows_read", "rows_kept", "rows_stored", "provider_days")] == [
        "rows read", "rows kept", "daily rows stored", "provider-days"]


def test_the_imports_table_adds_up_to_the_spend_of_the_last_12_months(sample):
    settings, _ = sample
    ov = service.imports_overview(settings)
    monthly = service.monthly_usage(settings, "provider")
    months = sorted(monthly["month"].unique())
    spend_12 = monthly.loc[monthly["month"].isin(months[-12:]), "cost_usd"].sum()  # the page's metric
    assert ov.imports["counted, last 12 months (USD)"].sum() == pytest.approx(spend_12)
    assert ov.counted_last_12_usd == pytest.approx(spend_12)
    assert round(spend_12) == YEAR_2_SPEND
    assert [str(m.date()) for m in ov.last_12] == ["2025-11-01", "2026-10-01"]
    assert ov.months["counted (USD)"].sum() == pytest.approx(monthly["cost_usd"].sum())


def test_each_provider_month_says_which_import_counts_and_why(sample):
    settings, _ = sample
    ov = service.imports_overview(settings)
    rows = ov.imports.set_index("format")
    assert rows.loc["anthropic_usage", "cost counts in"] == "none"
    assert rows.loc["anthropic_usage", "tokens count in"] == "all 24 provider-months"
    assert rows.loc["anthropic_usage", "why"] == "#1 counts instead: invoice over list-price estimate"
    assert rows.loc["focus", "why"] == "the only cost of its provider-days"
    assert rows.loc["anthropic_cost", "cost counts in"] == "all 24 provider-months"
    assert rows.loc["anthropic_usage", "counted, last 12 months (USD)"] == 0.0
    oct26 = ov.months[(ov.months["provider"] == "anthropic") & (ov.months["month"] == "2026-10-01")].iloc[0]
    assert "anthropic_cost" in oct26["cost counted from"] and "anthropic_usage" in oct26["tokens from"]
    assert "anthropic_usage" in oct26["not counted"] and oct26["why"] == "invoice over list-price estimate"
    assert oct26["counted (USD)"] == pytest.approx(110_857.16)  # README: Anthropic's highest month, 2026-10


def test_two_invoices_of_the_same_days_say_which_counts(settings, tmp_path):
    from tests.service.test_reconcile import A_DAYS, _focus, _openai_cost

    cost, focus = tmp_path / "openai_cost.csv", tmp_path / "focus.csv"
    cost.write_text(_openai_cost(A_DAYS, {"gpt-4o-2024-08-06, input": 250.0}))
    focus.write_text(_focus(A_DAYS, 0.2, A_DAYS[0], 500.0))
    service.import_files([(p.name, p) for p in (cost, focus)], settings)
    row = service.imports_overview(settings).months.iloc[0]
    assert row["cost counted from"].endswith("focus.csv")
    assert row["why"].startswith("both are invoices: focus counts")


def test_cli_labels_the_counts_as_the_page_does(sample, capsys, monkeypatch):
    settings, _ = sample
    monkeypatch.setenv("HEDGING_DATA_DIR", str(settings.data_dir))
    assert cli.main(["imports"]) == 0
    text = capsys.readouterr().out
    assert "10,702 rows read, 10,702 rows kept, 2,524 daily rows stored, 730 provider-days" in text
    assert f"${YEAR_2_SPEND:,}" in text and "the Data page's spend of the last 12 months" in text
    assert cli.main(["imports", "--json"]) == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert sum(r["counted_last_12_months_usd"] for r in rows) == pytest.approx(YEAR_2_SPEND, abs=1)
