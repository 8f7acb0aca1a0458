"""Azure Cost Management cost-details exports: Azure OpenAI / Foundry Models (usage-formats.md 3.2).

Header spellings: EA (PascalCase: ``Date``, ``MeterName``, ``Cost``, ``ResourceGroup``) and MCA
(camelCase: ``date``, ``meterName``, ``costInBillingCurrency``, ``costInUsd``,
``resourceGroupName``); both are read through one table of fields. ``Date`` is ``MM/DD/YYYY`` in
EA files and ISO in others. Exports start with a UTF-8 BOM.

Rows kept (3.2, 6.2): the AI service (``ConsumedService`` = ``Microsoft.CognitiveServices``, or
``MeterCategory`` ``Foundry Models`` / ``Azure OpenAI``, or an OpenAI ``MeterSubCategory``) with a
token meter (``MeterName`` contains "Tokens", or an OpenAI meter such as ``GPT 5 Inpt Glbl`` with
a token block unit). Provisioned-throughput rows (``PTU`` / ``Provisioned`` meters and PTU
reservation purchases) are KEPT as non-token cost with service_tier ``provisioned`` — usage rows as
charge_category ``usage``, purchases as ``purchase`` — because 6.3 rule 7 says commitments stay
out of the token series but are stored (they are existing hedges). Other rows are skipped with a
reason; ``Tax`` charges are skipped; ``Refund`` rows are charge_category ``credit``.

MeterName encodes model, direction, cache, batch and deployment type in several spellings
(``gpt-4o-0806-Inp-glbl Tokens``, ``gpt 4o 0513 Input Data Zone Tokens``, ``gpt 4o 1120 cached Inp
glbl Tokens``): ``Inp``/``Input``/``Inpt`` -> input, ``Outp``/``Output``/``out`` -> output,
``cached`` -> cache_read (a separate meter, so input is never reduced), ``Batch`` -> batch tier,
``glbl``/``global`` -> region ``global``, ``Data Zone`` -> ``data-zone``, ``regional`` -> the
resource location. The model is the words before the first of these (``gpt-4o-0806`` -> gpt-4o).

Tokens = ``Quantity`` x block size of ``UnitOfMeasure`` (``1K`` -> 1,000, ``1M`` -> 1,000,000,
``1000 Tokens``, ``1000000 Tokens``); an unrecognised unit on a token meter rejects the row.

Cost: ``CostInBillingCurrency`` (MCA) or ``Cost`` (EA), as exported (actual or amortized: in an
amortized export reservation purchases are spread over the PTU usage rows). No FX: rows billed in another currency use
``CostInUsd`` when the export has it, otherwise they are rejected. ``PaygCostInUsd`` -> list cost.
Team: the ``team`` key of the ``Tags`` JSON (any case; legacy EA tags lack braces), else the resource
group. account_id = subscription id (else name); project_id = the resource name (last segment of
``ResourceId``: the Azure OpenAI / Foundry account). billing_provider ``azure``; basis invoice.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning

from ..cells import Cells
from ..distinct import each as _each, unzip as _unzip, has_pattern as _has, lowered as _low, optional_amount as _optional, checked as _checked
from ..detect import Format, register
from ..normalize import model_family

#: field -> spellings, first present wins (EA PascalCase, MCA camelCase, older variants).
FIELDS = {
    "date": ("Date", "date"),
    "consumed": ("ConsumedService", "consumedService"),
    "category": ("MeterCategory", "meterCategory"),
    "subcategory": ("MeterSubCategory", "meterSubCategory"),
    "meter": ("MeterName", "meterName"),
    "meter_region": ("MeterRegion", "meterRegion"),
    "location": ("ResourceLocation", "resourceLocation"),
    "quantity": ("Quantity", "quantity"),
    "unit": ("UnitOfMeasure", "unitOfMeasure"),
    "cost": ("CostInBillingCurrency", "costInBillingCurrency", "Cost", "cost", "PreTaxCost"),
    "cost_usd": ("CostInUsd", "costInUsd"),
    "payg_usd": ("PaygCostInUsd", "paygCostInUsd"),
    "currency": ("BillingCurrency", "billingCurrency", "BillingCurrencyCode", "billingCurrencyCode"),
    "sub_id": ("SubscriptionId", "subscriptionId"),
    "sub_name": ("SubscriptionName", "subscriptionName"),
    "group": ("ResourceGroup", "ResourceGroupName", "resourceGroupName"),
    "resource": ("ResourceId", "resourceId"),
    "tags": ("Tags", "tags"),
    "charge": ("ChargeType", "chargeType"),
    "product": ("Product", "ProductName", "productName"),
    "order": ("ProductOrderName", "productOrderName"),
    "reservation": ("ReservationName", "reservationName"),
}
NUMERIC = {"quantity", "cost", "cost_usd", "payg_usd"}
ALL_COLUMNS = frozenset(n for names in FIELDS.values() for n in names)
TEXT_COLUMNS = frozenset(n for k, names in FIELDS.items() if k not in NUMERIC for n in names)

_CHARGES = {"usage": "usage", "purchase": "purchase", "refund": "credit", "unusedreservation": "purchase",
            "unusedsavingsplan": "purchase", "roundingadjustment": "adjustment", "credit": "credit"}
_INPUT = {"inp", "input", "inpt", "in", "prompt"}
_OUTPUT = {"outp", "output", "out", "outpt", "completion"}
_CACHE = {"cached", "cache", "cchd", "caching"}
_STOP = _INPUT | _OUTPUT | _CACHE | {
    "batch", "glbl", "global", "regional", "rgnl", "regnl", "data", "dzone", "datazone", "dz",
    "tokens", "token", "1k", "1m", "ptu", "provisioned", "aud", "audio", "txt", "text", "img", "image"}
_ALIASES = {"r1": "deepseek-r1", "v3": "deepseek-v3"}
_UNIT = re.compile(r"^(\d+(?:\.\d+)?)?\s*([km])?\s*(?:tokens?)?$")


def _pick(c: Cells, field: str) -> str:
    names = FIELDS[field]
    return next((n for n in names if c.has(n)), names[0])


def _meter(name: str) -> tuple[str, str, bool, str]:
    """MeterName -> (model family, direction input/output/cache_read/cache_write/"", batch, deployment)."""
    words = [w for w in re.split(r"[\s\-_]+", name.lower()) if w]
    model, i = [], 0
    while i < len(words) and (words[i] not in _STOP or not model):
        model.append(words[i])
        i += 1
    rest = set(words[i:])
    if rest & _CACHE:
        direction = "cache_write" if "write" in rest else "cache_read"
    elif rest & _INPUT:
        direction = "input"
    elif rest & _OUTPUT:
        direction = "output"
    else:
        direction = ""
    if rest & {"glbl", "global"}:
        deploy = "global"
    elif rest & {"dzone", "datazone", "dz"} or ("data" in rest and "zone" in rest):
        deploy = "data-zone"
    elif rest & {"regional", "rgnl", "regnl"}:
        deploy = "regional"
    else:
        deploy = ""
    raw = "-".join(model)
    family = _ALIASES.get(raw) or model_family(raw)
    return family, direction, "batch" in rest, deploy


def _block(unit: str) -> float:
    """Tokens per unit of Quantity (``1K`` -> 1000), NaN when the unit is not a token block."""
    m = _UNIT.match(unit.strip().lower())
    if not m or (m.group(1) is None and m.group(2) is None and not unit.strip()):
        return float("nan")
    return float(m.group(1) or 1) * {"k": 1e3, "m": 1e6, None: 1.0}[m.group(2)]


def _tag_team(raw: object) -> str:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    try:
        tags = json.loads(text if text.startswith("{") else "{" + text + "}")
    except ValueError:
        return ""
    if not isinstance(tags, dict):
        return ""
    return next((str(v).strip() for k, v in tags.items() if str(k).strip().lower() == "team" and v), "")


def parse(c: Cells) -> pd.DataFrame:
    col = {field: _pick(c, field) for field in FIELDS}
    c.require(col["date"], col["meter"], col["quantity"], col["unit"], col["cost"])
    charge = _low(c, col["charge"])
    charge = np.where(charge == "", "usage", charge)
    c.skip(charge == "tax", "tax charge")

    category = _low(c, col["category"])
    openai_meter = _has(_low(c, col["subcategory"]), "openai") | (category == "foundry models")
    ai = openai_meter | (_low(c, col["consumed"]) == "microsoft.cognitiveservices") | (category == "azure openai")
    names = [col[k] for k in ("meter", "subcategory", "category", "product", "order", "reservation")]
    ptu = np.logical_or.reduce([_has(_low(c, n), r"\bptu\b|provisioned") for n in names])
    purchase_ai = (charge == "purchase") & np.logical_or.reduce(
        [_has(_low(c, n), r"openai|\bptu\b|provisioned throughput|foundry") for n in names])
    c.skip(~ai & ~purchase_ai, "not Azure OpenAI / Foundry Models (ConsumedService, MeterCategory)")

    meter = c.text(col["meter"])
    model, direction, batch, deploy = _unzip(_meter, meter)
    unit_text = c.text(col["unit"], identifier=False)
    block = _each(_block, unit_text).astype(float)
    token = ~ptu & ~purchase_ai & (_has(meter, "(?i)token") | (openai_meter & (direction != "") & ~np.isnan(block)))
    c.skip(~token & ~ptu & ~purchase_ai, "Azure AI meter not billed in tokens (MeterName)")

    c.reject(token & np.isnan(block), col["unit"], None,
             "is not a token unit (expected 1K, 1M, 1000 Tokens or 1000000 Tokens)",
             "token meters are billed per block of tokens; export the cost details again, or tell us "
             "the block size of this UnitOfMeasure so it can be added.")
    no_dir = token & (direction == "") & ~c.skipped & ~c.bad
    if no_dir.any():
        c.warnings.append(HedgingWarning(
            "azure_direction_assumed", f"{c.file}: {int(no_dir.sum()):,} token meter row(s) name no "
            "direction (e.g. embeddings); their tokens are counted as input."))
    quantity = c.amount(col["quantity"])
    usage = charge == "usage"
    c.reject(token & (quantity < 0) & usage, col["quantity"], None,
             "a usage row cannot have a negative quantity", "export the cost details again.")
    tokens = np.rint(np.where(token & usage & (quantity > 0), quantity * np.nan_to_num(block), 0)).astype(np.int64)
    direction = np.where(token & (direction == ""), "input", direction)

    cost = _cost(c, col)
    location = c.text(col["location"], identifier=False)
    location = np.where(location == "", c.text(col["meter_region"], identifier=False), location)
    region = np.where(np.isin(deploy, ["global", "data-zone"]) | ((deploy == "regional") & (location == "")),
                      deploy, location)
    team = np.full(c.n, "", dtype=object)
    if c.has(col["tags"]):
        team = _checked(c, col["tags"], _each(_tag_team, c.raw(col["tags"])))
    project = ""
    if c.has(col["resource"]):
        project = _checked(c, col["resource"], _each(lambda v: v.rstrip("/").rsplit("/", 1)[-1],
                                                     c.raw(col["resource"])))
    account = c.text(col["sub_id"])
    return pd.DataFrame({
        "usage_date": c.day(col["date"]),
        "billing_provider": "azure",
        "account_id": np.where(account == "", c.text(col["sub_name"]), account),
        "model_raw": meter,
        "model": np.where(token, model, "provisioned throughput"),
        "team": np.where(team == "", c.text(col["group"]), team),
        "project_id": project,
        "service_tier": np.where(ptu | purchase_ai, "provisioned", np.where(batch.astype(bool), "batch", "standard")),
        "region": region,
        "charge_category": pd.Series(charge, dtype=object).map(_CHARGES).fillna("adjustment").to_numpy(),
        "input_tokens": np.where(direction == "input", tokens, 0),
        "cache_read_tokens": np.where(direction == "cache_read", tokens, 0),
        "cache_write_tokens": np.where(direction == "cache_write", tokens, 0),
        "output_tokens": np.where(direction == "output", tokens, 0),
        "cost_usd": cost,
        "list_cost_usd": _optional(c, col["payg_usd"]),
        "non_token_cost_usd": np.where(token, 0.0, cost),
    })


def _cost(c: Cells, col: dict) -> np.ndarray:
    """Cost in USD: the billing-currency cost when it is USD, else ``CostInUsd`` (or reject)."""
    cost = c.amount(col["cost"])
    if not c.has(col["currency"]):
        c.warnings.append(HedgingWarning(
            "azure_currency_assumed", f"{c.file}: the export has no BillingCurrency column; costs are "
            "taken as US dollars."))
        return cost
    currency = _low(c, col["currency"])
    foreign = (currency != "usd") & (currency != "")
    if c.has(col["cost_usd"]):
        usd = _optional(c, col["cost_usd"])
        cost = np.where(foreign, usd, cost)
        foreign = foreign & np.isnan(usd)
        cost = np.nan_to_num(cost)
    c.reject(foreign, col["currency"], None,
             "costs are not in US dollars and the export has no CostInUsd value (no currency conversion "
             "is done)", "export the cost details with the CostInUsd column (MCA exports have it) or "
             "with USD as billing currency.")
    return cost


register(Format(
    name="azure_cost",
    label="Azure Cost Management cost details export (EA or MCA; Azure OpenAI / Foundry Models rows)",
    signature=frozenset({"MeterCategory", "MeterName", "UnitOfMeasure"}),
    alternatives=(frozenset({"meterCategory", "meterName", "unitOfMeasure"}),),
    parse=parse,
    columns=ALL_COLUMNS,
    text_columns=TEXT_COLUMNS,
    cost_basis="invoice",
))
