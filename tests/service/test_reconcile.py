"""Invoice reconciliation on exports whose differences are known by construction.

The files are written here in the providers' own layouts (usage-formats.md 1.3 OpenAI, 2.3
Anthropic, 4 FOCUS) and imported through the real readers. List prices are those of
sample_data/list_prices.csv, each row citing its source (markets.md B1):

- gpt-4o from 2024-08-06: $2.50 input, $10.00 output, $1.25 cached input per million tokens
  (OpenAI's price list for the 2024-08-06 snapshot; cached input at the published 50%);
- gpt-4o from 2024-05-13: $5.00 / $15.00, no cached-input price listed for that snapshot;
- claude-sonnet-4.5 from 2025-09-29: $3.00 input, $15.00 output, $0.30 cache read (Anthropic's
  price list; cache read at the published 0.1x input).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hedging import cli, service

OPENAI_USAGE_HEADER = ("start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,user_id,"
                       "api_key_id,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens,"
                       "input_uncached_tokens")
OPENAI_COST_HEADER = ("start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,line_item,"
                      "project_id,organization_id,organization_name")
FOCUS_HEADER = ("BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,"
                "ConsumedQuantity,ConsumedUnit,EffectiveCost,InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,"
                "ProviderName,ServiceCategory,ServiceName,SkuId,SkuMeter,SkuPriceDetails,SubAccountId,SubAccountName")
ANTHROPIC_USAGE_HEADER = ("usage_date_utc,model_version,api_key,workspace,usage_type,context_window,"
                          "usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,"
                          "usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,"
                          "web_search_count,inference_geo,speed")
ANTHROPIC_COST_HEADER = ("usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,"
                         "list_price_usd,cost_type,inference_geo,speed,api_key_id,api_key_status")


def _days(first: str, n: int) -> list[dt.date]:
    start = dt.date.fromisoformat(first)
    return [start + dt.timedelta(days=i) for i in range(n)]


def _unix(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def _openai_usage(days, model, uncached, cached, output) -> str:
    lines = [OPENAI_USAGE_HEADER]
    for d in days:
        t = _unix(d)
        lines.append(f"{t},{t + 86400},{d}T00:00:00+00:00,{d + dt.timedelta(days=1)}T00:00:00+00:00,proj_A,100.0,"
                     f"user_A,key_A,{model},FALSE,default,{uncached + cached}.0,{output}.0,{cached}.0,{uncached}.0")
    return "\n".join(lines) + "\n"


def _openai_cost(days, items: dict[str, float]) -> str:
    lines = [OPENAI_COST_HEADER]
    for d in days:
        t = _unix(d)
        for item, amount in items.items():
            lines.append(f"{t},{t + 86400},{d}T00:00:00+00:00,{d + dt.timedelta(days=1)}T00:00:00+00:00,"
                         f'{amount:.16f},usd,"{item}",proj_A,org-A,Acme')
    return "\n".join(lines) + "\n"


def _focus_row(day, category, effective, listed, tokens="", unit="", meter="", details="", sku="") -> str:
    end = day + dt.timedelta(days=1)
    quoted = '"' + details.replace('"', '""') + '"' if details else ""
    return (f"{effective},acct-1,USD,{category},{end}T00:00:00Z,{day}T00:00:00Z,{tokens},{unit},{effective},OpenAI,"
            f"{listed},,,OpenAI,AI and Machine Learning,OpenAI API,{sku},{meter},{quoted},sub-1,platform")


def _focus(days, discount: float, credit_day: dt.date, credit: float) -> str:
    """gpt-4o input (100 M) and output (10 M) tokens a day at list less ``discount``, and one credit."""
    lines = [FOCUS_HEADER]
    for d in days:
        for meter, tokens, listed in (("Input Tokens", 100_000_000, 250.0), ("Output Tokens", 10_000_000, 100.0)):
            direction = "Output" if meter.startswith("Output") else "Input"
            details = json.dumps({"ModelId": "gpt-4o-2024-08-06", "TokenDirection": direction})
            lines.append(_focus_row(d, "Usage", round(listed * (1 - discount), 6), listed, tokens, "Tokens", meter,
                                    details, "gpt-4o-2024-08-06"))
    lines.append(_focus_row(credit_day, "Credit", -credit, ""))
    return "\n".join(lines) + "\n"


def _anthropic_usage(days, uncached, read, output) -> str:
    lines = [ANTHROPIC_USAGE_HEADER]
    lines += [f"{d},claude-sonnet-4-5-20250929,prod,Default,standard,≤ 200k,{uncached},0,0,{read},{output},0,"
              "not_available," for d in days]
    return "\n".join(lines) + "\n"


def _anthropic_cost(days, token_costs: dict[str, float], searches: dict[dt.date, float]) -> str:
    lines = [ANTHROPIC_COST_HEADER]
    for d in days:
        for token_type, cost in token_costs.items():
            lines.append(f"{d},Claude Sonnet 4.5,Default,prod,message,≤ 200k,{token_type},{cost:.2f},{cost:.2f},"
                         "token,not_available,,apikey_01A,active")
        if d in searches:
            lines.append(f"{d},Claude Sonnet 4.5,Default,prod,message,,,{searches[d]:.2f},{searches[d]:.2f},"
                         "web_search,not_available,,apikey_01A,active")
    return "\n".join(lines) + "\n"


# Scenario A: OpenAI, 2025-03-01 to 2025-03-10. 100 M uncached input and 10 M output gpt-4o tokens a day.
A_DAYS = _days("2025-03-01", 10)
A_LIST = 10 * (100 * 2.50 + 10 * 10.00)          # $3,500 at list price
A_DISCOUNT, A_CREDIT = 0.20, 500.0
A_BILLED = A_LIST * (1 - A_DISCOUNT) - A_CREDIT  # $2,300 on the FOCUS bill
# Scenario B: Anthropic, 2025-10-01 to 2025-10-10: a usage export worth $1,934.40 at list and a cost
# export saying $97,266 (50x): $97,200 of tokens and $66 of web search.
B_DAYS = _days("2025-10-01", 10)
B_LIST = 10 * (24_000_000 * 3.00 + 4_800_000 * 0.30 + 8_000_000 * 15.00) / 1e6
B_SEARCH = {B_DAYS[i]: 11.0 for i in range(6)}
B_COST = 10 * (3_000.0 + 720.0 + 6_000.0) + sum(B_SEARCH.values())
# Scenario C: OpenAI, 2024-06-01 to 2024-06-05, gpt-4o-2024-05-13 (no cached-input price in the table):
# 6 M uncached and 4 M cached input, 1 M output a day. The estimate prices the cached tokens at the
# input price ($5.00); the cost export charges them at half ($2.50).
C_DAYS = _days("2024-06-01", 5)
C_LIST = 5 * (6 * 5.00 + 4 * 5.00 + 1 * 15.00)
C_COST = 5 * (6 * 5.00 + 4 * 2.50 + 1 * 15.00)


@pytest.fixture
def imported(settings, tmp_path):
    files = {
        "openai_usage_a.csv": _openai_usage(A_DAYS, "gpt-4o-2024-08-06", 100_000_000, 0, 10_000_000),
        "openai_cost_a.csv": _openai_cost(A_DAYS, {"gpt-4o-2024-08-06, input": 250.0,
                                                   "gpt-4o-2024-08-06, output": 100.0}),
        "focus_openai_a.csv": _focus(A_DAYS, A_DISCOUNT, A_DAYS[4], A_CREDIT),
        "anthropic_usage_b.csv": _anthropic_usage(B_DAYS, 24_000_000, 4_800_000, 8_000_000),
        "anthropic_cost_b.csv": _anthropic_cost(B_DAYS, {"input_no_cache": 3_000.0, "input_cache_read": 720.0,
                                                         "output": 6_000.0}, B_SEARCH),
        "openai_usage_c.csv": _openai_usage(C_DAYS, "gpt-4o-2024-05-13", 6_000_000, 4_000_000, 1_000_000),
        "openai_cost_c.csv": _openai_cost(C_DAYS, {"gpt-4o-2024-05-13, input": 30.0,
                                                   "gpt-4o-2024-05-13, cached input": 10.0,
                                                   "gpt-4o-2024-05-13, output": 15.0}),
    }
    paths = []
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    outcomes = service.import_files([(p.name, p) for p in paths], settings)
    assert [o.read.format for o in outcomes] == ["openai_usage", "openai_cost", "focus", "anthropic_usage",
                                                 "anthropic_cost", "openai_usage", "openai_cost"]
    assert all(not o.read.rejected for o in outcomes)
    return settings


def _month(rec, provider, month):
    m = rec.months
    row = m[(m["provider"] == provider) & (m["month"] == month)]
    assert len(row) == 1
    return row.iloc[0]


def _causes(rec, provider, month) -> dict[str, float]:
    c = rec.causes
    part = c[(c["provider"] == provider) & (c["month"] == month)]
    return dict(zip(part["key"], part["usd"]))


def test_negotiated_discount_and_credit_on_a_focus_bill(imported):
    rec = service.reconciliation(imported)
    a = _month(rec, "openai", "2025-03-01")
    assert a["list_usd"] == pytest.approx(A_LIST)            # 3,500
    assert a["cost_export_usd"] == pytest.approx(A_LIST)     # the cost export agrees with list price
    assert a["billing_usd"] == pytest.approx(A_BILLED)       # 2,300
    assert a["counted_usd"] == pytest.approx(A_BILLED)       # the billing file counts in the totals
    assert a["difference_usd"] == pytest.approx(A_BILLED - A_LIST)
    assert a["difference_pct"] == pytest.approx((A_BILLED - A_LIST) / A_LIST)  # -34.3%
    assert a["flagged"]
    causes = _causes(rec, "openai", "2025-03-01")
    assert causes == pytest.approx({"negotiated": -A_DISCOUNT * A_LIST, "credits": -A_CREDIT})
    assert "negotiated discount -$700" in a["causes"] and "credits -$500" in a["causes"]
    # the causes add up to the difference
    assert sum(causes.values()) == pytest.approx(a["difference_usd"])


def test_a_cost_export_fifty_times_the_usage_is_flagged(imported):
    rec = service.reconciliation(imported)
    b = _month(rec, "anthropic", "2025-10-01")
    assert b["list_usd"] == pytest.approx(B_LIST) and round(b["list_usd"]) == 1_934
    assert b["cost_export_usd"] == pytest.approx(B_COST) and B_COST == 97_266
    assert b["counted_usd"] == pytest.approx(B_COST)
    assert b["counted_usd"] / b["list_usd"] == pytest.approx(50.28, abs=0.01)
    assert b["flagged"]
    causes = _causes(rec, "anthropic", "2025-10-01")
    assert causes["non_token"] == pytest.approx(66.0)  # web search rows of the cost export
    assert causes["unexplained"] == pytest.approx(B_COST - 66.0 - B_LIST)
    assert set(causes) == {"non_token", "unexplained"}
    row = rec.causes[(rec.causes["key"] == "unexplained") & (rec.causes["provider"] == "anthropic")].iloc[0]
    assert row["how"] == "likely" and "covers every project" in row["evidence"]


def test_cached_tokens_priced_at_input_explain_a_lower_cost_export(imported):
    rec = service.reconciliation(imported)
    c = _month(rec, "openai", "2024-06-01")
    assert c["list_usd"] == pytest.approx(C_LIST)   # 325
    assert c["counted_usd"] == pytest.approx(C_COST)  # 275
    assert c["flagged"]  # -15.4%
    assert _causes(rec, "openai", "2024-06-01") == pytest.approx({"cached": C_COST - C_LIST})
    row = rec.causes[rec.causes["key"] == "cached"].iloc[0]
    assert row["how"] == "likely" and "20,000,000 cache-read tokens" in row["evidence"]


def test_the_threshold_is_the_users(imported):
    loose = service.reconciliation(imported, threshold=0.40)
    assert not _month(loose, "openai", "2025-03-01")["flagged"]   # -34.3% is inside 40%
    assert not _month(loose, "openai", "2024-06-01")["flagged"]   # -15.4%
    assert _month(loose, "anthropic", "2025-10-01")["flagged"]    # +4,928%
    refl = loose.with_threshold(0.10)  # re-flagging gives what a reconciliation at 10% gives
    assert refl.months["flagged"].tolist() == service.reconciliation(imported).months["flagged"].tolist()
    assert refl.threshold == 0.10 and "flagged (above 10%)" in refl.table().columns
    strict = service.reconciliation(imported, threshold=0.05)
    assert set(strict.flagged["provider"] + strict.flagged["month"].dt.strftime(" %Y-%m")) == {
        "openai 2025-03", "openai 2024-06", "anthropic 2025-10"}


def test_counted_figures_equal_the_spend_the_app_shows(imported):
    rec = service.reconciliation(imported)
    monthly = service.monthly_usage(imported, "provider")
    assert rec.months["counted_usd"].sum() == pytest.approx(monthly["cost_usd"].sum())


def test_csv_has_units_in_the_headers_and_one_column_per_cause(imported):
    rec = service.reconciliation(imported)
    text = service.reconciliation_csv(rec).decode()
    header = text.splitlines()[0].split(",")
    for col in ("usage at list price (USD)", "cost export (USD)", "billing file (USD)", "gateway estimate (USD)",
                "counted in totals (USD)", "difference vs list (USD)", "difference vs list (%)",
                "negotiated discount (USD)", "credits (USD)", "cached tokens (USD)"):
        assert col in header
    assert "flagged (above 10%)" in header
    assert len(text.splitlines()) == 1 + len(rec.months)


def test_the_sample_company_reconciles_to_its_story(settings):
    """sample_data/README.md: Azure is billed at list less 10%; Anthropic's cost export adds web search."""
    service.load_sample_company(settings)
    rec = service.reconciliation(settings)
    azure = rec.months[rec.months["provider"] == "azure"]
    assert azure["difference_pct"].to_numpy() == pytest.approx(-0.10)
    assert not rec.months["flagged"].any()
    search = rec.causes[(rec.causes["provider"] == "anthropic") & (rec.causes["key"] == "non_token")]["usd"].sum()
    assert search == pytest.approx(8_277.31, abs=0.01)  # "incl. 8,277 web search" (README spend table)
    gpu = rec.months[rec.months["provider"].isin(["coreweave", "lambda"])]
    assert gpu["list_usd"].isna().all() and (gpu["causes"] == "no token usage to price").all()


def test_cli_reconcile_prints_flags_and_writes_csv(imported, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(imported.data_dir))
    out = tmp_path / "rec.csv"
    assert cli.main(["reconcile", "--threshold", "10", "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    flagged_lines = [line.split()[:2] for line in text.splitlines() if line.endswith("flagged")]
    assert sorted(flagged_lines) == [["anthropic", "2025-10"], ["openai", "2024-06"], ["openai", "2025-03"]]
    assert "3 of 3 provider-months differ from usage at list price by more than 10%" in text
    assert out.read_text().startswith("provider,month,usage at list price (USD)")
    assert cli.main(["reconcile", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    flagged = {(r["provider"], r["month"]) for r in rows if r["flagged"]}
    assert ("openai", "2025-03") in flagged
    assert cli.main(["reconcile", "--threshold", "0"]) == 2
    assert "threshold" in capsys.readouterr().err


def test_two_billing_files_of_the_same_days_are_not_added_together(settings):
    """A FOCUS export and a CUR of the same AWS days: the billing-file figure is the one that counts."""
    from pathlib import Path

    data = Path(__file__).resolve().parent.parent / "data"
    files = [data / "aws_cur" / "cur2_bedrock_daily.csv", data / "focus" / "focus_1_2_daily.csv"]
    service.import_files([(p.name, p) for p in files], settings, skip_bad_rows=True)  # the CUR has 2 bad rows
    rec = service.reconciliation(settings)
    aws = rec.months[rec.months["provider"] == "aws"].iloc[0]
    cur = service.read_usage(files[0], settings=settings).frame["cost_usd"].sum()
    focus = service.read_usage(files[1], settings=settings).frame
    assert focus.loc[focus["billing_provider"] == "aws", "cost_usd"].sum() > 0  # both bill the same days
    assert aws["billing_usd"] == pytest.approx(cur) and aws["counted_usd"] == pytest.approx(cur)
    # the causes still add up to the difference, whatever the rows were
    assert rec.causes[rec.causes["provider"] == "aws"]["usd"].sum() == pytest.approx(aws["difference_usd"], abs=0.01)
