"""FinOps FOCUS 1.0-1.3 cost and usage exports (AWS, Azure, GCP, OCI, model vendors) — usage-formats.md 4.

A FOCUS file holds a company's whole cloud bill; only AI TOKEN rows are kept: ``ServiceCategory``
``AI and Machine Learning`` and a token unit (``ConsumedUnit``/``PricingUnit`` ``Tokens``,
``1000000 Tokens``, ``1K Tokens``), a token class in ``SkuPriceDetails`` or a token ``SkuMeter``.
Every other row is skipped and counted by reason (the real 1.0 sample has no AI rows at all).

One row per period x SKU x token class, pivoted here into the canonical columns:
``SkuPriceDetails`` JSON ``TokenDirection`` (Input/Output) + ``TokenCacheAction`` (Read/Write/
Uncached) — or ``TokenType`` in the per-token example — else the ``SkuMeter`` text (``Input Tokens``,
``Cache Read Input Tokens``, ``Cached Input Tokens``, ``Cache Write Input Tokens``, ``Output Tokens``;
Azure's ``x_SkuMeterName`` ``…-Inp-glbl Tokens`` too). A cache row's tokens are never on the
uncached row as well, so each row adds to exactly one class. Tokens = ``ConsumedQuantity`` when
``ConsumedUnit`` is a token unit, else ``PricingQuantity`` x the block size of ``PricingUnit``.
Context-cache storage (``Token-Hours``) is cost only (``non_token_cost_usd``).

Cost: ``EffectiveCost`` (amortised: usage drawn from a prepaid commitment has ``BilledCost`` 0 and
its share as EffectiveCost) -> cost_usd; ``ListCost`` -> list_cost_usd; ``BilledCost`` ->
billed_cost_usd. ``ChargeCategory`` Purchase rows are prepaid commitments — existing hedges, not
usage: skipped, with a warning naming the amount. Tax rows are skipped; Credit and Adjustment rows
are kept under their charge category. Reversals (negative quantity with non-positive cost, as
Microsoft writes them) keep their negative tokens so sums net out.

Dates: ``usage_date`` is the UTC day of ``ChargePeriodStart``. Rows covering more than one day
(the spec's AI examples are monthly) are NOT spread over the days they cover: parsers are
row-aligned, so such rows are dated at their period start and a warning says so.

Attribution: billing_provider from ``InvoiceIssuerName`` (who invoices; else ProviderName /
ServiceProviderName) shortened (Microsoft -> azure, Amazon Web Services -> aws, Google -> gcp,
Oracle -> oci); team = the ``team`` key of ``Tags`` when the row has one, else ``SubAccountName``
(else ``SubAccountId``); model_raw = ``ModelId`` from SkuPriceDetails, else ``SkuId`` (or the
meter name when only it names a known model, e.g. Azure's ``gpt-4o-0806-Inp-glbl Tokens``), the
family derived without the token-class words; api_key_id = ``CredentialId`` else ``PrincipalId``.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning

from ..cells import Cells
from ..detect import Format, register
from ..normalize import model_developer, model_family

TEXT_COLS = (
    "BillingAccountId", "BillingAccountName", "BillingCurrency", "ChargeCategory", "ChargeClass",
    "ChargePeriodStart", "ChargePeriodEnd", "ConsumedUnit", "PricingUnit", "PricingCategory",
    "ServiceCategory", "ServiceSubcategory", "ServiceName", "ProviderName", "PublisherName",
    "ServiceProviderName", "HostProviderName", "InvoiceIssuerName", "SkuId", "SkuMeter", "SkuPriceId",
    "SkuPriceDetails", "SubAccountId", "SubAccountName", "Tags", "RegionId", "RegionName",
    "CommitmentDiscountType", "CommitmentDiscountName", "PrincipalId", "CredentialId", "x_SkuMeterName",
)
NUMBER_COLS = ("BilledCost", "EffectiveCost", "ListCost", "ConsumedQuantity", "PricingQuantity")
AI_CATEGORY = "ai and machine learning"

_TOKEN_UNIT = re.compile(r"^(?:(?P<n>\d[\d,]*(?:\.\d+)?)\s*)?(?P<k>[km])?\s*tokens?$")
_PROVIDERS = (("microsoft", "azure"), ("azure", "azure"), ("amazon web services", "aws"), ("aws", "aws"),
              ("google", "gcp"), ("oracle", "oci"))
_DEVELOPERS = {"mistral ai": "mistral", "google deepmind": "google", "x.ai": "xai", "xai": "xai",
               "meta ai": "meta", "alibaba cloud": "alibaba", "qwen": "alibaba"}
#: Where the token class starts in a SKU id or meter name ("gpt-4o-0806-Inp-glbl Tokens").
_CLASS_WORD = re.compile(r"[-_. ](?:inp|inpt|input|outp|output|out|cached|cache|uncached|context|batch|"
                         r"tokens?)(?=$|[-_. ])", re.IGNORECASE)
CLASSES = ("input", "cache_read", "cache_write", "output")


def _raw_text(c: Cells, column: str) -> pd.Series:
    """Trimmed text with blanks as '' (JSON columns may exceed the 200-character limit of names)."""
    if not c.has(column):
        return pd.Series([""] * c.n, dtype=object)
    s = c.frame[column]
    return s.where(s.notna(), "").astype(str).str.strip().astype(object)


def _lower(c: Cells, column: str) -> pd.Series:
    return _raw_text(c, column).str.lower()


def _cells(c: Cells, column: str) -> np.ndarray:
    """Original cell values for messages (None when the column is absent)."""
    return c.raw(column) if c.has(column) else np.full(c.n, None, dtype=object)


def _token_multiplier(units: pd.Series) -> np.ndarray:
    """Tokens per unit for token units (``Tokens`` 1, ``1K Tokens`` 1000, ``1000000 Tokens`` 1e6)."""
    def one(unit: str) -> float:
        m = _TOKEN_UNIT.match(unit)
        if not m:
            return np.nan
        n = float(m.group("n").replace(",", "")) if m.group("n") else 1.0
        return n * {"k": 1e3, "m": 1e6}.get(m.group("k") or "", 1.0)
    lookup = {u: one(u) for u in pd.unique(units)}
    return units.map(lookup).to_numpy(dtype=float)


def _from_json(values: pd.Series, rows: np.ndarray, **fields) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Read ``fields`` (name -> function of the parsed object) from the JSON cells of ``rows``,
    parsing each distinct cell once; also the mask of cells that are not a JSON object."""
    masked = values.where(rows, "")
    objects: dict[str, dict | None] = {}
    for text in pd.unique(masked):
        try:
            obj = json.loads(text) if text else {}
        except ValueError:
            obj = None
        objects[text] = obj if isinstance(obj, dict) else None
    out = {name: masked.map({t: fn(o or {}) for t, o in objects.items()}).to_numpy(dtype=object)
           for name, fn in fields.items()}
    bad = masked.isin([t for t, o in objects.items() if o is None]).to_numpy(dtype=bool)
    return out, bad


def _get(obj: dict, key: str) -> str:
    value = next((v for k, v in obj.items() if k.lower() == key.lower()), None)
    return "" if value is None else str(value).strip()


def _class_from_details(d: dict) -> str:
    keys = {k.lower(): str(v).strip().lower() for k, v in d.items() if v is not None}
    direction = keys.get("tokendirection", "") or keys.get("tokentype", "")
    cache = keys.get("tokencacheaction", "")
    if not direction:
        return ""
    if "output" in direction:
        return "output"
    if cache == "read" or "read" in direction or "cached" in direction:
        return "cache_read"
    if cache == "write" or "write" in direction:
        return "cache_write"
    return "input" if "input" in direction else ""


def _class_from_meter(meter: str) -> str:
    if not meter or "storage" in meter or "token-hour" in meter:
        return ""
    words = set(re.split(r"[^a-z0-9]+", meter))
    if "cached" in words or "cache read" in meter or "cache hit" in meter:
        return "cache_read"
    if "cache write" in meter or "cache creation" in meter:
        return "cache_write"
    if words & {"output", "outp", "out", "completion"}:
        return "output"
    if words & {"input", "inp", "inpt", "prompt"}:
        return "input"
    return ""


def _model_in_text(text: str) -> str:
    """Model family named at the start of a SKU id or meter name; '' when it names no known model."""
    family = model_family(_CLASS_WORD.split(text, 1)[0]) if text else ""
    return family if family and model_developer(family) != "other" else ""


def _per_value(values: np.ndarray, fn) -> np.ndarray:
    codes, uniques = pd.factorize(values)
    return np.array([fn(v) for v in uniques] + [""], dtype=object)[codes]


def _provider(name: str) -> str:
    low = name.lower()
    for needle, short in _PROVIDERS:
        if needle in low:
            return short
    return re.sub(r"[^a-z0-9]+", "-", low).strip("-")


def _first(*columns: np.ndarray) -> np.ndarray:
    out = columns[0]
    for col in columns[1:]:
        out = np.where(out == "", col, out)
    return out


def parse(c: Cells) -> pd.DataFrame:
    c.require("ChargePeriodStart", "ServiceCategory", "ChargeCategory", "EffectiveCost")
    # 1. Leave out everything that is not AI (most of a cloud bill), counted per category.
    category = _lower(c, "ServiceCategory")
    shown = _raw_text(c, "ServiceCategory")
    ai = (category == AI_CATEGORY).to_numpy()
    for value in pd.unique(shown[~ai]):
        c.skip(~ai & (shown == value).to_numpy(), f"not AI token usage (ServiceCategory {value or 'blank'})")
    # 2. Commitment purchases are existing hedges; taxes are not usage.
    charge = _lower(c, "ChargeCategory")
    billed = c.amount("BilledCost", default=np.nan)
    purchase = ai & (charge == "purchase").to_numpy() & ~c.bad
    if purchase.any():
        _warn_purchases(c, purchase, billed)
    c.skip(purchase, "commitment purchase (an existing hedge: not usage)")
    c.skip(ai & (charge == "tax").to_numpy(), "tax line")
    known = charge.isin(["usage", "credit", "adjustment"]).to_numpy()
    c.reject(ai & ~known, "ChargeCategory", c.raw("ChargeCategory"), "is not a FOCUS charge category",
             "FOCUS ChargeCategory is one of Usage, Purchase, Tax, Credit, Adjustment; export the file again.")
    # 3. Token rows: a token unit, a SkuPriceDetails token class or a token meter.
    unit, punit = _lower(c, "ConsumedUnit"), _lower(c, "PricingUnit")
    mult_c, mult_p = _token_multiplier(unit), _token_multiplier(punit)
    raw_details = _raw_text(c, "SkuPriceDetails")
    found, bad_json = _from_json(raw_details, ai & ~c.skipped & ~c.bad, token_class=_class_from_details,
                                 model_id=lambda d: _get(d, "ModelId"),
                                 developer=lambda d: _get(d, "ModelDeveloper"))
    c.reject(bad_json, "SkuPriceDetails", _cells(c, "SkuPriceDetails"), "is not valid JSON",
             'SkuPriceDetails holds a JSON object such as {"TokenDirection": "Input"}; export the file again.')
    meter = pd.Series(_first(_lower(c, "SkuMeter").to_numpy(), _lower(c, "x_SkuMeterName").to_numpy()))
    meter_class = meter.map({m: _class_from_meter(m) for m in pd.unique(meter)}).to_numpy(dtype=object)
    token_class = _first(found["token_class"], meter_class)
    storage = (unit.str.contains("token-hour") | punit.str.contains("token-hour")
               | meter.str.contains(r"cach\w* storage")).to_numpy(dtype=bool)
    tokenish = ~np.isnan(mult_c) | ~np.isnan(mult_p) | (token_class != "")
    usage_row = (charge == "usage").to_numpy()
    no_unit = ((unit == "") & (punit == "")).to_numpy()
    # Usage that is not tokens (ML compute, disks) is skipped; credits without a unit are kept.
    other = ai & ~tokenish & ~storage & (usage_row | ~no_unit)
    shown_unit = _raw_text(c, "ConsumedUnit")
    for value in pd.unique(shown_unit[other]):
        c.skip(other & (shown_unit == value).to_numpy(),
               f"not AI token usage (ServiceCategory AI and Machine Learning, unit {value or 'blank'})")
    live = ai & ~c.skipped & ~c.bad
    # 4. Token counts and money.
    consumed = c.amount("ConsumedQuantity", default=np.nan)
    priced = c.amount("PricingQuantity", default=np.nan)
    tokens = np.where(~np.isnan(mult_c) & ~np.isnan(consumed), consumed * mult_c, priced * mult_p)
    cost = c.amount("EffectiveCost")
    need = live & tokenish & ~storage
    meter_col = "SkuMeter" if c.has("SkuMeter") else "SkuPriceDetails"
    c.reject(need & (token_class == ""), meter_col, _cells(c, meter_col),
             "cannot tell whether these tokens are input, output or cache",
             "the row needs SkuPriceDetails TokenDirection/TokenCacheAction or a SkuMeter such as "
             "'Input Tokens'; export the file with those columns.")
    quantity_raw = _cells(c, "ConsumedQuantity")
    c.reject(need & usage_row & np.isnan(tokens), "ConsumedQuantity", quantity_raw,
             "the token quantity is missing or its unit is not tokens",
             "the row needs ConsumedQuantity with ConsumedUnit Tokens, or PricingQuantity with a "
             "PricingUnit such as '1000000 Tokens'.")
    tokens = np.where(np.isnan(tokens) | ~need, 0.0, np.rint(tokens)).astype(np.int64)
    c.reject(need & (tokens < 0) & (cost > 0), "ConsumedQuantity", quantity_raw,
             "a negative token quantity with a positive cost",
             "a reversal has a negative quantity AND a negative cost; check the row was not edited.")
    currency = _lower(c, "BillingCurrency").to_numpy()
    c.reject(ai & (currency != "") & (currency != "usd"), "BillingCurrency", _cells(c, "BillingCurrency"),
             "only US dollars are supported", "export the FOCUS data in USD (BillingCurrency USD).")
    out = {"usage_date": c.day("ChargePeriodStart")}
    out.update(_labels(c, found, meter))
    live = ai & ~c.skipped & ~c.bad
    _warn_periods(c, live)
    _warn_drawdown_and_reversals(c, live, cost, billed, tokens)
    for name in CLASSES:
        out["input_tokens" if name == "input" else f"{name}_tokens"] = np.where(token_class == name, tokens, 0)
    reasoning = meter.str.contains("reasoning|thinking").to_numpy(dtype=bool)
    out["reasoning_tokens"] = np.where(reasoning & (token_class == "output"), tokens, 0)
    out["cost_usd"] = cost
    out["list_cost_usd"] = c.amount("ListCost", default=np.nan) if c.has("ListCost") else np.full(c.n, np.nan)
    out["billed_cost_usd"] = billed
    out["non_token_cost_usd"] = np.where(storage, cost, 0.0)
    out["charge_category"] = np.where(charge.isin(["credit", "adjustment"]), charge, "usage")
    return pd.DataFrame(out)


def _labels(c: Cells, found: dict[str, np.ndarray], meter: pd.Series) -> dict:
    issuer = _first(c.text("InvoiceIssuerName"), c.text("ProviderName"), c.text("ServiceProviderName"),
                    c.text("PublisherName"))
    provider = pd.Series(issuer).map({v: _provider(v) for v in pd.unique(issuer)}).to_numpy(dtype=object)
    sku = c.text("SkuId")
    meter_raw = _first(c.text("SkuMeter"), c.text("x_SkuMeterName"))
    model_id = found["model_id"]
    # Without a ModelId, the SkuId or the meter name may carry the model ("gpt-4o-0806-input",
    # "gpt-4o-0806-Inp-glbl Tokens"); use whichever names a model of a known developer.
    sku_model = _per_value(sku, _model_in_text)
    meter_model = _per_value(meter_raw, _model_in_text)
    use_meter = (model_id == "") & (sku_model == "") & (meter_model != "")
    model_raw = np.where(use_meter, meter_raw, _first(model_id, sku))
    model = np.where(model_id != "", "", np.where(use_meter, meter_model, sku_model))
    model = np.where((model_raw == "") & (model == ""), "non-token charges", model)
    developer = pd.Series(found["developer"]).str.lower()
    developer = developer.map({d: _DEVELOPERS.get(d, re.sub(r"[^a-z0-9]+", "-", d).strip("-"))
                               for d in pd.unique(developer)})
    tags, _ = _from_json(_raw_text(c, "Tags"), ~c.skipped & ~c.bad, team=lambda t: _get(t, "team"))
    tier_text = pd.Series(_first(meter.to_numpy(), _lower(c, "SkuPriceId").to_numpy(), _lower(c, "SkuId").to_numpy()))
    tier = np.select([tier_text.str.contains("batch"), tier_text.str.contains("priority"),
                      tier_text.str.contains("flex"), tier_text.str.contains(r"provisioned|\bptu\b")],
                     ["batch", "priority", "flex", "provisioned"], "standard")
    return {
        "billing_provider": provider,
        "account_id": c.text("BillingAccountId"),
        "model_raw": model_raw,
        "model": model,
        "model_developer": developer.to_numpy(dtype=object),
        "team": _first(tags["team"], c.text("SubAccountName"), c.text("SubAccountId")),
        "project_id": c.text("SubAccountId"),
        "api_key_id": _first(c.text("CredentialId"), c.text("PrincipalId")),
        "region": _first(c.text("RegionId"), c.text("RegionName")),
        "service_tier": tier,
    }


def _period_text(c: Cells, rows: np.ndarray) -> str:
    start = _raw_text(c, "ChargePeriodStart")[rows].str[:10]
    end = _raw_text(c, "ChargePeriodEnd")[rows].str[:10]
    return "; ".join(sorted({f"{s} to {e}" for s, e in zip(start, end)})[:3])


def _warn_purchases(c: Cells, rows: np.ndarray, billed: np.ndarray) -> None:
    amount = float(np.nansum(billed[rows]))
    kind = ", ".join(sorted(set(c.text("CommitmentDiscountType", identifier=False)[rows]) - {""})) or "commitment"
    c.warnings.append(HedgingWarning(
        "commitment_purchase",
        f"{c.file}: {int(rows.sum()):,} AI commitment purchase row(s) totalling ${amount:,.2f} ({kind}, "
        f"{_period_text(c, rows)}) are prepaid commitments: an existing hedge, kept out of the usage "
        "series. Record them as existing hedges; usage drawn from them is imported at its EffectiveCost."))


def _warn_periods(c: Cells, live: np.ndarray) -> None:
    if not c.has("ChargePeriodEnd") or not live.any():
        return
    start = pd.to_datetime(_raw_text(c, "ChargePeriodStart"), format="ISO8601", utc=True, errors="coerce")
    end = pd.to_datetime(_raw_text(c, "ChargePeriodEnd"), format="ISO8601", utc=True, errors="coerce")
    span = (end - start.dt.floor("D")).to_numpy()
    long = live & (span > np.timedelta64(1, "D"))
    if long.any():
        days = int(np.nanmax(span[long] / np.timedelta64(1, "D")))
        c.warnings.append(HedgingWarning(
            "multi_day_period",
            f"{c.file}: {int(long.sum()):,} row(s) cover more than one day (up to {days} days: "
            f"{_period_text(c, long)}); each is dated at its period start, so its tokens and cost all "
            "fall on that first day instead of being spread over the period. Totals per period are "
            "right; daily series show a spike. Export daily granularity if the provider offers it."))


def _warn_drawdown_and_reversals(c: Cells, live: np.ndarray, cost: np.ndarray, billed: np.ndarray,
                                 tokens: np.ndarray) -> None:
    drawn = (_lower(c, "PricingCategory") == "committed").to_numpy() | (
        (np.nan_to_num(billed, nan=-1.0) == 0) & (cost > 0))
    committed = live & drawn
    if committed.any():
        c.warnings.append(HedgingWarning(
            "commitment_drawdown",
            f"{c.file}: {int(committed.sum()):,} usage row(s) (${float(cost[committed].sum()):,.2f} effective "
            "cost) were drawn from a prepaid commitment (BilledCost 0); they are counted as usage at "
            "their EffectiveCost."))
    negative = live & (tokens < 0)
    if negative.any():
        c.warnings.append(HedgingWarning(
            "token_reversals",
            f"{c.file}: {int(negative.sum()):,} row(s) reverse earlier usage ({int(tokens[negative].sum()):,} "
            "tokens, negative cost); they are kept so that totals net out."))


register(Format(
    name="focus",
    label="FOCUS 1.0-1.3 cost and usage export (BilledCost, EffectiveCost, ChargePeriodStart)",
    signature=frozenset({"BilledCost", "EffectiveCost", "ChargePeriodStart", "ChargePeriodEnd"}),
    parse=parse,
    columns=frozenset(TEXT_COLS + NUMBER_COLS),
    text_columns=frozenset(TEXT_COLS),
    cost_basis="invoice",
))
