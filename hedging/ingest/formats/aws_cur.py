"""AWS Cost and Usage Report (CUR 2.0 and legacy CUR) lines for Amazon Bedrock (usage-formats.md 3.1).

Both header spellings are read through one table of fields: CUR 2.0 / Athena snake_case
(``line_item_usage_type``) and legacy CUR slash names (``lineItem/UsageType``). Files are often
``.csv.gz``; the framework decompresses them.

Rows kept: ``line_item_product_code`` starting ``AmazonBedrock`` and AWS Marketplace Bedrock
editions (``product_product_name`` containing "Amazon Bedrock Edition"). Other services are
skipped ("not Amazon Bedrock"), ``Tax`` lines are skipped ("tax line"). ``Credit``/``Refund``
lines are kept with charge_category ``credit`` and no tokens; fees are ``purchase``; discounts
and other line item types ``adjustment``.

One line item per token class (section 6.3 rule 6: cache classes are separate lines, so input is
never reduced by cache tokens). The class comes from the ``line_item_usage_type`` suffix:
``…-cache-read-input-token-count`` -> cache_read, ``…-cache-write-…`` -> cache_write,
``…-input-tokens`` / ``…InputTokenCount…`` -> input, ``…-output-tokens`` / ``…OutputTokenCount…``
-> output. Other Bedrock lines (provisioned throughput hours, guardrails, knowledge bases) are
non-token cost; ``ProvisionedThroughput`` lines get service_tier ``provisioned``.

Units (3.1, 6.3 rule 4): tokens = ``line_item_usage_amount`` x multiplier. The multiplier comes
from ``pricing_unit`` when it names tokens ("1K tokens" -> 1,000, "1M tokens" -> 1,000,000,
"Tokens" -> 1). Otherwise it is assumed from the usage type, with a warning: 1,000 for
first-party ``…-tokens`` / ``…-token-count`` lines (AWS's example: 17.33 -> 17,330 tokens) and
1,000,000 for marketplace ``…-Units`` lines (priced per million tokens; [verify]). When
``line_item_unblended_rate`` is present, rate x amount is checked against the cost (1 %).

Cost: ``line_item_net_unblended_cost`` (after discounts), falling back to
``line_item_unblended_cost`` per row; ``pricing_public_on_demand_cost`` -> list_cost_usd.
Non-USD ``line_item_currency_code`` rows are rejected. billing_provider ``aws``; basis invoice.

Model: ``product_model_id`` when present, else a foundation-model / system inference-profile ARN
in ``line_item_resource_id``, else the marketplace product name, else the usage type
(``USE1-Claude3.5Sonnet-input-tokens`` -> claude-3.5-sonnet; ``USW2-NovaPro-…`` -> nova-pro).

Team (first non-blank): tag columns ``resource_tags_user_team``, ``resourceTags/user:team``
(also ``…Team``), then the JSON maps ``resource_tags`` / ``tags`` (key ``team``, ``user_team`` or
``user:team``, any case), else ``line_item_usage_account_id``. account_id = usage account;
api_key_id = ``line_item_iam_principal`` (CUR 2.0 caller identity). Region = product region
code (``global`` for ``-cross-region-global`` routing).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning

from ..cells import Cells
from ..distinct import each as _each, has_pattern as _has, lowered as _low, optional_amount as _optional, checked as _checked
from ..detect import Format, register
from ..normalize import model_family

#: field -> (CUR 2.0 / Athena name, legacy CUR name or None)
FIELDS = {
    "start": ("line_item_usage_start_date", "lineItem/UsageStartDate"),
    "end": ("line_item_usage_end_date", "lineItem/UsageEndDate"),
    "account": ("line_item_usage_account_id", "lineItem/UsageAccountId"),
    "kind": ("line_item_line_item_type", "lineItem/LineItemType"),
    "product": ("line_item_product_code", "lineItem/ProductCode"),
    "usage_type": ("line_item_usage_type", "lineItem/UsageType"),
    "amount": ("line_item_usage_amount", "lineItem/UsageAmount"),
    "net": ("line_item_net_unblended_cost", "lineItem/NetUnblendedCost"),
    "cost": ("line_item_unblended_cost", "lineItem/UnblendedCost"),
    "rate": ("line_item_unblended_rate", "lineItem/UnblendedRate"),
    "currency": ("line_item_currency_code", "lineItem/CurrencyCode"),
    "resource": ("line_item_resource_id", "lineItem/ResourceId"),
    "principal": ("line_item_iam_principal", None),
    "unit": ("pricing_unit", "pricing/unit"),
    "list": ("pricing_public_on_demand_cost", "pricing/publicOnDemandCost"),
    "product_name": ("product_product_name", "product/ProductName"),
    "region_code": ("product_region_code", "product/regionCode"),
    "region": ("product_region", "product/region"),
    "model_id": ("product_model_id", None),
}
TAG_COLUMNS = ("resource_tags_user_team", "resource_tags_user_Team", "resourceTags/user:team",
               "resourceTags/user:Team")
TAG_MAPS = ("resource_tags", "tags")
ALL_COLUMNS = frozenset([n for pair in FIELDS.values() for n in pair if n] + list(TAG_COLUMNS + TAG_MAPS))
NUMERIC = {"amount", "net", "cost", "rate", "list"}
TEXT_COLUMNS = frozenset([n for k, pair in FIELDS.items() if k not in NUMERIC for n in pair if n]
                         + list(TAG_COLUMNS + TAG_MAPS))

_KINDS = {"usage": "usage", "discountedusage": "usage", "savingsplancoveredusage": "usage",
          "credit": "credit", "refund": "credit", "fee": "purchase", "rifee": "purchase",
          "savingsplanupfrontfee": "purchase", "savingsplanrecurringfee": "purchase",
          "savingsplannegation": "adjustment", "edpdiscount": "adjustment", "discount": "adjustment",
          "bundleddiscount": "adjustment", "privateratediscount": "adjustment",
          "distributordiscount": "adjustment"}
_REGION_PREFIX = re.compile(r"^(?:[A-Z]{2,4}\d|EU|UGW\d)-")
_TOKEN_PART = re.compile(r"-(?:mantle-)?(?:cache-read|cache-write|input|output)(?:-input)?-token", re.I)
_UNIT = re.compile(r"^(\d+(?:\.\d+)?)?\s*([km])?\s*tokens?$")
_ARN_MODEL = re.compile(r"(?:foundation-model|inference-profile)/((?:[a-z]{2,6}\.)?[a-z0-9-]+\.[^/]+)$")
_EDITION = re.compile(r"\s*\(amazon bedrock edition\)\s*$", re.I)


def _col(legacy: bool, field: str) -> str:
    cur2, old = FIELDS[field]
    return (old or cur2) if legacy else cur2


def _usage_type_model(usage_type: str) -> str:
    """``USE1-Claude3.5Sonnet-input-tokens`` -> ``claude-3.5-sonnet`` (model family)."""
    body = _REGION_PREFIX.sub("", usage_type)
    match = _TOKEN_PART.search(body)
    if not match or match.start() == 0:
        return ""
    name = body[: match.start()]
    if "." in name and not re.match(r"^[A-Za-z]+\d+(?:\.\d+)?[A-Z]", name):
        return _family(name)  # mantle spelling: anthropic.claude-opus-4-8
    name = name.replace("DeepSeek", "Deepseek")
    name = re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name)
    name = re.sub(r"(?<=[a-z])(?=\d)", "-", name)
    name = re.sub(r"(?<=\d)(?=[A-Z][a-z])", "-", name)
    return _family(name.lower())


def _family(name: str) -> str:
    fam = model_family(name)
    fam = re.sub(r"^llama-?(\d+)[-.](\d)(?=-|$)", r"llama-\1.\2", fam)  # llama3-1-70b -> llama-3.1-70b
    return re.sub(r"^llama(\d)", r"llama-\1", fam)


def _tag_team(raw: object) -> str:
    if raw is None or str(raw).strip() in ("", "{}"):
        return ""
    try:
        tags = json.loads(str(raw))
    except ValueError:
        return ""
    if not isinstance(tags, dict):
        return ""
    for key, value in tags.items():
        if re.sub(r"^user[:_]", "", str(key)).lower() == "team" and value not in (None, ""):
            return str(value).strip()
    return ""


def _token_class(usage_type: str) -> str:
    """input / output / cache_read / cache_write from the usage-type suffix, "" for other lines."""
    ut = usage_type.lower()
    if re.search(r"cache-?read", ut):
        return "cache_read"
    if re.search(r"cache-?write", ut):
        return "cache_write"
    if re.search(r"input-?token", ut):
        return "input"
    if re.search(r"output-?token", ut):
        return "output"
    return ""


def _tier(usage_type: str) -> str:
    ut = usage_type.lower()
    for tier in ("batch", "flex", "priority"):
        if re.search(rf"(?:^|-){tier}(?:-|$)", ut):
            return tier
    return "provisioned" if re.search("provisioned|modelunit", ut) else "standard"


def _unit_multiplier(unit: str) -> float:
    """Tokens per unit from ``pricing_unit`` ("1K tokens" -> 1000); NaN when it names no tokens."""
    m = _UNIT.match(unit.strip().lower())
    if not m:
        return float("nan")
    return float(m.group(1) or 1) * {"k": 1e3, "m": 1e6, None: 1.0}[m.group(2)]


def parse(c: Cells) -> pd.DataFrame:
    legacy = c.has("lineItem/UsageType")
    col = {field: _col(legacy, field) for field in FIELDS}
    c.require(col["start"], col["product"], col["usage_type"], col["amount"])
    if not c.has(col["net"]):
        c.require(col["cost"])
    kind = _low(c, col["kind"])
    kind = np.where(kind == "", "usage", kind)
    c.skip(kind == "tax", "tax line")
    first_party = _has(_low(c, col["product"]), r"^amazonbedrock")
    marketplace = ~first_party & _has(_low(c, col["product_name"]), "amazon bedrock edition")
    c.skip(~first_party & ~marketplace, "not Amazon Bedrock (line_item_product_code)")

    usage_type = c.text(col["usage_type"])
    token_class = _each(_token_class, usage_type)
    token = token_class != ""
    category = pd.Series(kind, dtype=object).map(_KINDS).fillna("adjustment").to_numpy()
    unknown_kind = ~np.isin(kind, list(_KINDS)) & ~c.skipped & ~c.bad
    if unknown_kind.any():
        names = ", ".join(sorted(set(kind[unknown_kind])))
        c.warnings.append(HedgingWarning(
            "aws_unknown_line_item_type", f"{c.file}: {int(unknown_kind.sum()):,} Bedrock line(s) have "
            f"line item type(s) {names}, counted as adjustments (cost kept, no tokens)."))
    counts_tokens = token & (category == "usage")

    amount = c.amount(col["amount"])
    c.reject(counts_tokens & (amount < 0), col["amount"], None,
             "a usage line cannot have a negative usage amount",
             "usage amounts of Usage lines are never negative; export the report again.")
    multiplier = _multipliers(c, col, usage_type, counts_tokens & ~c.skipped & ~c.bad)
    tokens = np.rint(np.where(counts_tokens, np.maximum(amount, 0) * multiplier, 0)).astype(np.int64)

    gross = _optional(c, col["cost"])
    net = _optional(c, col["net"])
    cost = np.where(np.isnan(net), gross, net)
    cost = np.where(np.isnan(cost), 0.0, cost)
    currency = _low(c, col["currency"])
    c.reject((currency != "usd") & (currency != ""), col["currency"], None,
             "only US dollars are supported (no currency conversion is done)",
             "use a CUR whose line_item_currency_code is USD, or convert the costs to USD before importing.")
    _check_rate(c, col, amount, gross)

    region = c.text(col["region_code"], identifier=False)
    region = np.where(region == "", c.text(col["region"], identifier=False), region)
    region = np.where(_has(usage_type, "cross-region-global"), "global", region)
    _check_span(c, col)
    account = c.text(col["account"])
    return pd.DataFrame({
        "usage_date": c.day(col["start"]),
        "billing_provider": "aws",
        "account_id": account,
        "model_raw": usage_type,
        "model": _models(c, col, usage_type, marketplace, token),
        "team": _team(c, account),
        "api_key_id": c.text(col["principal"]),
        "service_tier": _each(_tier, usage_type),
        "region": region,
        "charge_category": category,
        "input_tokens": np.where(token_class == "input", tokens, 0),
        "cache_read_tokens": np.where(token_class == "cache_read", tokens, 0),
        "cache_write_tokens": np.where(token_class == "cache_write", tokens, 0),
        "output_tokens": np.where(token_class == "output", tokens, 0),
        "cost_usd": cost,
        "list_cost_usd": _optional(c, col["list"]),
        "non_token_cost_usd": np.where(~token & (category == "usage"), cost, 0.0),
    })


def _multipliers(c: Cells, col: dict, usage_type: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Tokens per unit of usage amount, from ``pricing_unit`` or (with a warning) the usage type."""
    unit = _low(c, col["unit"])
    from_unit = _each(_unit_multiplier, unit).astype(float)
    units_line = _has(usage_type, r"(?i)-units$")
    assumed = np.where(units_line, 1e6, 1e3)
    for mask, code, label in (
            (rows & np.isnan(from_unit) & ~units_line, "aws_unit_assumed", "1,000 tokens (thousands)"),
            (rows & np.isnan(from_unit) & units_line, "aws_unit_assumed_millions",
             "1,000,000 tokens (millions; marketplace …-Units lines, unconfirmed)")):
        if mask.any():
            shown = sorted({u or "(blank)" for u in unit[mask]})[:3]
            c.warnings.append(HedgingWarning(
                code,
                f"{c.file}: {int(mask.sum()):,} Bedrock token line(s) have pricing_unit "
                f"{', '.join(shown)}, which does not name tokens; one unit of usage amount was taken "
                f"as {label}. Check one line against the Bedrock price (rate x amount = cost)."))
    return np.where(np.isnan(from_unit), assumed, from_unit)


def _check_rate(c: Cells, col: dict, amount: np.ndarray, gross: np.ndarray) -> None:
    if not c.has(col["rate"]):
        return
    rate = _optional(c, col["rate"])
    ok = ~np.isnan(rate) & ~np.isnan(gross) & ~c.skipped & ~c.bad & (np.abs(gross) >= 0.01)
    off = ok & (np.abs(rate * amount - gross) > 0.01 * np.abs(gross))
    if off.any():
        c.warnings.append(HedgingWarning(
            "aws_rate_mismatch", f"{c.file}: on {int(off.sum()):,} Bedrock line(s) unblended rate x usage "
            "amount differs from the unblended cost by more than 1 %; the cost column is used as is."))


def _stamps(c: Cells, column: str) -> np.ndarray:
    """Timestamps (UTC, NaT when unreadable) parsed once per distinct value."""
    codes, uniques = pd.factorize(c.frame[column])
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object).astype(str), utc=True, errors="coerce",
                            format="mixed")
    return np.append(parsed.dt.tz_convert(None).to_numpy("datetime64[s]"), np.datetime64("NaT"))[codes]


def _check_span(c: Cells, col: dict) -> None:
    """Monthly-granularity reports put a month of usage on its first day: say so."""
    if not c.has(col["end"]):
        return
    span = _stamps(c, col["end"]) - _stamps(c, col["start"])
    long = (span > np.timedelta64(1, "D")) & ~c.skipped & ~c.bad
    if long.any():
        c.warnings.append(HedgingWarning(
            "aws_multi_day_lines", f"{c.file}: {int(long.sum()):,} Bedrock line(s) cover more than one day "
            "(monthly report granularity?); their usage is dated on the first day. Export the report "
            "with daily or hourly granularity for a daily series."))


def _team(c: Cells, account: np.ndarray) -> np.ndarray:
    team = np.full(c.n, "", dtype=object)
    for column in TAG_COLUMNS:
        if c.has(column):
            value = c.text(column)
            team = np.where(team == "", value, team)
    for column in TAG_MAPS:
        if c.has(column):
            value = _checked(c, column, _each(_tag_team, c.raw(column)))
            team = np.where(team == "", value, team)
    return np.where(team == "", account, team)


def _models(c: Cells, col: dict, usage_type: np.ndarray, marketplace: np.ndarray,
            token: np.ndarray) -> np.ndarray:
    from_type = _each(_usage_type_model, usage_type)
    names = c.text(col["product_name"], identifier=False)
    from_name = np.where(marketplace, _each(lambda n: _family(_EDITION.sub("", n)) if n else "", names), "")
    resource = _low(c, col["resource"])
    from_arn = _each(lambda r: _family(m.group(1)) if (m := _ARN_MODEL.search(r)) else "", resource)
    model_id = c.text(col["model_id"], identifier=False)
    from_id = _each(lambda m: _family(m) if m else "", model_id)
    model = from_id
    for candidate in (from_arn, from_name, from_type):
        model = np.where(model == "", candidate, model)
    model = np.where((model == "") & token, "unknown", model)
    return np.where(model == "", "non-token charges", model)


register(Format(
    name="aws_cur",
    label="AWS Cost and Usage Report (CUR 2.0 or legacy CUR, Amazon Bedrock lines)",
    signature=frozenset({"line_item_usage_type", "line_item_product_code", "line_item_usage_amount"}),
    alternatives=(frozenset({"lineItem/UsageType", "lineItem/ProductCode", "lineItem/UsageAmount"}),),
    parse=parse,
    columns=ALL_COLUMNS,
    text_columns=TEXT_COLUMNS,
    cost_basis="invoice",
))
