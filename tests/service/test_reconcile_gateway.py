"""A gateway's estimate (LiteLLM SpendLogs) against a FOCUS bill, with differences known by construction.

List prices (sample_data/list_prices.csv, each row citing its source): gpt-4o from 2024-08-06 at
$2.50 input, $1.25 cached input and $10.00 output per million tokens (OpenAI's price list for the
2024-08-06 snapshot; cached input at the published 50%).

Ten days of gpt-4o through LiteLLM: 120 M prompt tokens (20 M of them cache reads) and 10 M output a
day. At list that is 100 x 2.50 + 20 x 1.25 + 10 x 10.00 = $375 a day; the gateway's price map charges
the cached tokens at the input price, $400 a day: $4,000 against $3,750 at list (+$250).
The FOCUS bill charges list less 20% ($3,000 for the ten days), a $300 credit, and an eleventh day
the gateway never saw ($400 at list, $320 billed): $3,020. Gateway minus invoice is $980 =
+$250 cached tokens + $750 invoice discount + $300 credit - $320 day the gateway did not see.
A second model (gpt-4o-mini, $2 a day on the gateway for 5 days, not on the bill) adds $10 of
"gateway models not on the invoice".
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from hedging import cli, service
from hedging.service.reconcile_gateway import GATEWAY_CAUSES

SPEND_HEADER = ("request_id,api_key,spend,prompt_tokens,completion_tokens,startTime,model,model_group,"
                "custom_llm_provider,metadata,team_id,status")
FOCUS_HEADER = ("BilledCost,BillingAccountId,BillingCurrency,ChargeCategory,ChargePeriodEnd,ChargePeriodStart,"
                "ConsumedQuantity,ConsumedUnit,EffectiveCost,InvoiceIssuerName,ListCost,PricingQuantity,PricingUnit,"
                "ProviderName,ServiceCategory,ServiceName,SkuId,SkuMeter,SkuPriceDetails,SubAccountId,SubAccountName")
DAYS = [dt.date(2025, 3, 1) + dt.timedelta(days=i) for i in range(10)]
EXTRA_DAY = dt.date(2025, 3, 11)
DISCOUNT, CREDIT = 0.20, 300.0


def _spend_logs() -> str:
    lines = [SPEND_HEADER]
    meta = json.dumps({"usage_object": {"cache_read_input_tokens": 20_000_000, "cache_creation_input_tokens": 0}})
    quoted = '"' + meta.replace('"', '""') + '"'
    for n, d in enumerate(DAYS):
        lines.append(f"req-{n},key-a,400.0,120000000,10000000,{d}T12:00:00Z,gpt-4o-2024-08-06,gpt-4o,openai,"
                     f"{quoted},team-a,success")
    empty_meta = '"' + json.dumps({"usage_object": {"cache_read_input_tokens": 0}}).replace('"', '""') + '"'
    for n, d in enumerate(DAYS[:5]):
        lines.append(f"mini-{n},key-a,2.0,1000000,100000,{d}T13:00:00Z,gpt-4o-mini-2024-07-18,gpt-4o-mini,openai,"
                     f"{empty_meta},team-a,success")
    return "\n".join(lines) + "\n"


def _focus_row(day, category, effective, listed, tokens="", unit="", meter="", details="", sku="") -> str:
    end = day + dt.timedelta(days=1)
    quoted = '"' + details.replace('"', '""') + '"' if details else ""
    return (f"{effective},acct-1,USD,{category},{end}T00:00:00Z,{day}T00:00:00Z,{tokens},{unit},{effective},OpenAI,"
            f"{listed},,,OpenAI,AI and Machine Learning,OpenAI API,{sku},{meter},{quoted},sub-1,platform")


def _focus() -> str:
    lines = [FOCUS_HEADER]
    meters = (("Input Tokens", "Input", 100_000_000, 250.0), ("Output Tokens", "Output", 10_000_000, 100.0))
    for d in DAYS + [EXTRA_DAY]:
        for meter, direction, tokens, listed in meters:
            if d != EXTRA_DAY:
                listed_today = listed + (25.0 if direction == "Input" else 0.0)  # the cached input, at list
            else:
                listed_today = {"Input": 300.0, "Output": 100.0}[direction]
            details = json.dumps({"ModelId": "gpt-4o-2024-08-06", "TokenDirection": direction})
            lines.append(_focus_row(d, "Usage", round(listed_today * (1 - DISCOUNT), 6), listed_today, tokens, "Tokens",
                                    meter, details, "gpt-4o-2024-08-06"))
    lines.append(_focus_row(DAYS[4], "Credit", -CREDIT, ""))
    return "\n".join(lines) + "\n"


@pytest.fixture
def rec(settings, tmp_path):
    paths = []
    for name, text in (("LiteLLM_SpendLogs.csv", _spend_logs()), ("focus_openai.csv", _focus())):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    outcomes = service.import_files([(p.name, p) for p in paths], settings)
    assert [o.read.format for o in outcomes] == ["litellm", "focus"]
    assert all(not o.read.rejected for o in outcomes)
    return service.reconciliation(settings)


def test_gateway_minus_invoice_splits_into_its_constructed_causes(rec):
    g = rec.gateway
    march = g[(g["provider"] == "openai") & (g["month"] == "2025-03-01")]
    assert len(march), rec.gateway
    gateway_usd = 10 * 400.0 + 5 * 2.0
    invoice_usd = 10 * 375.0 * (1 - DISCOUNT) + 400.0 * (1 - DISCOUNT) - CREDIT
    assert march["gateway_usd"].iloc[0] == pytest.approx(gateway_usd)
    assert march["invoice_usd"].iloc[0] == pytest.approx(invoice_usd)
    causes = dict(zip(march["key"], march["usd"]))
    assert causes == pytest.approx({
        "cached": 10 * 20 * (2.50 - 1.25),                 # +$250: cache reads at the input price
        "discounts": 10 * 375.0 * DISCOUNT,                # +$750: the bill is 20% below list
        "charges": CREDIT,                                 # +$300: the credit lowers the bill only
        "invoice_days": -400.0 * (1 - DISCOUNT),           # -$320: a day billed, never seen by the gateway
        "gateway_models": 5 * 2.0,                         # +$10: gpt-4o-mini is not on the bill
    }, abs=0.01)
    assert sum(causes.values()) == pytest.approx(gateway_usd - invoice_usd, abs=0.01)
    how = dict(zip(march["key"], march["how"]))
    assert how["cached"] == "likely" and how["discounts"] == "from the rows"
    evidence = dict(zip(march["key"], march["evidence"]))
    assert "2025-03-11" in evidence["invoice_days"]
    assert "gpt-4o-mini" in evidence["gateway_models"]
    assert "200,000,000 cache-read tokens" in evidence["cached"]
    assert set(march["cause"]) <= set(GATEWAY_CAUSES.values())


def test_no_split_without_both_a_gateway_and_an_invoice(settings, tmp_path):
    path = tmp_path / "LiteLLM_SpendLogs.csv"
    path.write_text(_spend_logs(), encoding="utf-8")
    service.import_files([(path.name, path)], settings)
    assert service.reconciliation(settings).gateway.empty


def test_the_split_survives_a_new_threshold(rec):
    assert rec.with_threshold(0.5).gateway.equals(rec.gateway)


def test_cli_reconcile_prints_the_gateway_split(rec, settings, capsys, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli.main(["reconcile"]) == 0
    text = capsys.readouterr().out
    [line] = [x for x in text.splitlines() if x.startswith("openai") and "gateway $4,010" in x]
    assert "invoice $3,020 = +$990" in line
    assert "cached tokens priced at the input price by the gateway +$250 (likely)" in line
    assert "days the gateway did not see -$320" in line
