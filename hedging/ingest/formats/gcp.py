"""Google Cloud Billing export to BigQuery, saved as CSV: Vertex AI / Gemini API (usage-formats.md 3.3).

Customers hand over the result of a BigQuery query, so nested fields arrive flattened with dots
(``sku.description``, ``usage.amount``) or underscores (``sku_description``, ``usage_amount``);
both are read. ``usage_start_time`` is UTC, normally hourly, written ``2025-10-06 00:00:00 UTC``.

Rows kept: ``service.description`` ``Vertex AI``, ``Generative Language API`` (Gemini Developer API)
or ``Gemini API``, and partner-model services or SKUs naming Claude. Other services are skipped;
``cost_type`` ``tax`` rows are skipped; ``adjustment`` / ``rounding error`` rows are kept as
charge_category ``adjustment``.

One row per SKU, i.e. per token class (section 6.3 rule 6). ``sku.description`` is classified:
``… Caching Storage`` -> non-token cost (token-hours, not tokens); ``Input … Caching`` / ``cached``
/ ``cache read`` -> cache_read; ``cache write`` -> cache_write; ``Thinking … Output`` -> output
AND reasoning (reasoning is an informational subset of output); ``Output`` -> output; ``Input``
-> input. SKUs with none of these words (training, endpoints, vector search) are skipped.

Tokens = ``usage.amount``: token SKUs report a raw count (``usage.unit`` ``count``; pricing is per
1M tokens). A blank unit is taken as a count (with a warning); SKUs metered in characters (old
Gemini 1.0 / PaLM, ``usage.pricing_unit`` per 1K characters) or any other unit keep their cost as
non-token cost, with a warning. A count that is not a whole number rejects the row.

Cost (6.2): cost_usd = ``cost`` + sum of ``credits[].amount`` (credits are negative: net cost,
i.e. after free-tier / promotional / committed-use credits); ``credits`` is the JSON array the
query returns, or a pre-summed ``credits_amount`` column. list_cost_usd = ``cost_at_list`` when
present, else the gross ``cost``. Rows in another ``currency`` are rejected (no FX).

Model: from the SKU text (``Gemini 2.5 Flash GA Text Input - Predictions`` -> gemini-2.5-flash),
set explicitly. Team: ``labels`` key ``team`` (``[{"key": …, "value": …}]`` or ``{…}``), else
``project.id``. Tier from the SKU words Batch / Priority / Flex / Provisioned. billing_provider
``gcp``; basis invoice.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning

from ..cells import Cells
from ..distinct import each as _each, unzip as _unzip, lowered as _low, optional_amount as _optional, checked as _checked
from ..detect import Format, register
from ..normalize import model_family

FIELDS = {
    "service": ("service.description", "service_description"),
    "sku": ("sku.description", "sku_description"),
    "start": ("usage_start_time",),
    "amount": ("usage.amount", "usage_amount"),
    "unit": ("usage.unit", "usage_unit"),
    "pricing_unit": ("usage.pricing_unit", "usage_pricing_unit"),
    "cost": ("cost",),
    "currency": ("currency",),
    "cost_at_list": ("cost_at_list",),
    "cost_type": ("cost_type",),
    "credits": ("credits",),
    "credits_amount": ("credits_amount", "credits.amount"),
    "project": ("project.id", "project_id"),
    "labels": ("labels",),
    "region": ("location.region", "location_region"),
    "account": ("billing_account_id",),
}
NUMERIC = {"amount", "cost", "cost_at_list", "credits_amount"}
ALL_COLUMNS = frozenset(n for names in FIELDS.values() for n in names)
TEXT_COLUMNS = frozenset(n for k, names in FIELDS.items() if k not in NUMERIC for n in names)

AI_SERVICES = ("vertex ai", "generative language api", "gemini api")
_MODEL_START = re.compile(r"\b(gemini|gemma|claude|llama|mistral|mixtral|codestral|jamba|deepseek|qwen|"
                          r"imagen|veo|chirp|palm|text-embedding|embedding|text-bison|chat-bison)\b")
_STOP = {"ga", "text", "input", "output", "thinking", "audio", "image", "video", "caching", "cached",
         "cache", "global", "batch", "priority", "flex", "tokens", "token", "long", "short", "context",
         "predictions", "prediction", "characters", "character", "storage", "online", "standard",
         "provisioned", "-", "for", "in", "with", "prompt", "response", "write", "read", "multimodal"}
_COUNT_UNITS = {"count", "tokens", "token", "1"}


def _pick(c: Cells, field: str) -> str:
    names = FIELDS[field]
    return next((n for n in names if c.has(n)), names[0])


def _sku_class(sku: str) -> tuple[str, str]:
    """(token class: input/output/thinking/cache_read/cache_write/storage/"", tier) of a SKU text."""
    text = sku.lower()
    tier = next((t for t in ("batch", "priority", "flex") if re.search(rf"\b{t}\b", text)),
                "provisioned" if "provisioned" in text else "standard")
    if "storage" in text:
        kind = "storage"
    elif re.search(r"cache write|caching write|cache creation", text):
        kind = "cache_write"
    elif re.search(r"caching|cached|cache read|cache hit", text):
        kind = "cache_read"
    elif re.search(r"\boutput\b", text):
        kind = "thinking" if "thinking" in text else "output"
    elif re.search(r"\binput\b|\bprompt\b", text):
        kind = "input"
    else:
        kind = ""
    return kind, tier


def _ai_service(service: str) -> bool:
    service = service.strip().lower()
    return service in AI_SERVICES or "claude" in service or "anthropic" in service


def sku_model(sku: str) -> str:
    """``Gemini 2.5 Flash GA Text Input - Predictions`` -> ``gemini-2.5-flash``."""
    text = sku.lower()
    start = _MODEL_START.search(text)
    words = text[start.start():].split() if start else text.split()
    model = []
    for word in words:
        if word in _STOP or word[:1] in "(<>[":
            break
        model.append(word)
    return model_family("-".join(model)) if model else "unknown"


def _label_team(raw: object) -> str:
    text = "" if raw is None else str(raw).strip()
    if not text:
        return ""
    try:
        labels = json.loads(text)
    except ValueError:
        return ""
    if isinstance(labels, dict):
        labels = [{"key": k, "value": v} for k, v in labels.items()]
    if not isinstance(labels, list):
        return ""
    return next((str(item.get("value", "")).strip() for item in labels
                 if isinstance(item, dict) and str(item.get("key", "")).lower() == "team"), "")


def _credit_sum(raw: object) -> float:
    """Sum of ``amount`` in a credits JSON array; NaN when the cell is not such an array."""
    text = "" if raw is None else str(raw).strip()
    if text in ("", "[]"):
        return 0.0
    try:
        credits = json.loads(text)
        return float(sum(float(item.get("amount") or 0) for item in credits))
    except (ValueError, TypeError, AttributeError):
        return float("nan")


def parse(c: Cells) -> pd.DataFrame:
    col = {field: _pick(c, field) for field in FIELDS}
    c.require(col["start"], col["service"], col["sku"], col["amount"], col["cost"])
    cost_type = _low(c, col["cost_type"])
    regular = (cost_type == "regular") | (cost_type == "")
    c.skip(cost_type == "tax", "tax line")
    sku = c.text(col["sku"])
    ai = _each(_ai_service, c.raw(col["service"])).astype(bool)
    ai |= _each(lambda v: "claude" in v.lower(), sku).astype(bool)  # partner models under their own service
    c.skip(~ai, "not Vertex AI / Generative Language API (service.description)")

    kind, tier = _unzip(_sku_class, sku)
    storage = kind == "storage"
    token_sku = ~storage & (kind != "")
    c.skip(~token_sku & ~storage, "Vertex AI SKU not billed in tokens (training, endpoints, …)")

    token = token_sku & _token_units(c, col, token_sku & ~c.skipped & ~c.bad)
    amount = c.amount(col["amount"])
    c.reject(token & (amount < 0) & regular, col["amount"], None,
             "a usage row cannot have a negative usage amount", "export the billing data again.")
    c.reject(token & (np.abs(amount - np.rint(amount)) > 1e-6), col["amount"], None,
             "is not a whole number of tokens",
             "token SKUs report raw token counts; check the query selects usage.amount, not "
             "usage.amount_in_pricing_units.")
    tokens = np.where(token & (amount > 0) & regular, np.rint(amount), 0).astype(np.int64)

    cost = c.amount(col["cost"])
    currency = _low(c, col["currency"])
    c.reject((currency != "usd") & (currency != ""), col["currency"], None,
             "costs are not in US dollars (no currency conversion is done)",
             "re-run the BigQuery query selecting cost / currency_conversion_rate AS cost (and the same "
             "for credits) with 'USD' AS currency, or export from a USD billing account.")
    net = cost + _credits(c, col)
    listed = _optional(c, col["cost_at_list"]) if c.has(col["cost_at_list"]) else cost
    region = c.text(col["region"], identifier=False)
    region = np.where((region == "") & _each(lambda v: "global" in v.lower().split(), sku).astype(bool),
                      "global", region)
    project = c.text(col["project"])
    team = _checked(c, col["labels"], _each(_label_team, c.raw(col["labels"]))) \
        if c.has(col["labels"]) else np.full(c.n, "", dtype=object)
    output = (kind == "output") | (kind == "thinking")
    return pd.DataFrame({
        "usage_date": c.day(col["start"]),
        "billing_provider": "gcp",
        "account_id": c.text(col["account"]),
        "model_raw": sku,
        "model": _each(sku_model, sku),
        "team": np.where(team == "", project, team),
        "project_id": project,
        "service_tier": tier,
        "region": region,
        "charge_category": np.where(regular, "usage", "adjustment"),
        "input_tokens": np.where(kind == "input", tokens, 0),
        "cache_read_tokens": np.where(kind == "cache_read", tokens, 0),
        "cache_write_tokens": np.where(kind == "cache_write", tokens, 0),
        "output_tokens": np.where(output, tokens, 0),
        "reasoning_tokens": np.where(kind == "thinking", tokens, 0),
        "cost_usd": net,
        "list_cost_usd": listed,
        "non_token_cost_usd": np.where(token, 0.0, net),
    })


def _token_units(c: Cells, col: dict, rows: np.ndarray) -> np.ndarray:
    """Which token-SKU rows are metered in tokens; the others become non-token cost (warned)."""
    unit = _low(c, col["unit"])
    pricing = _low(c, col["pricing_unit"])
    chars = _each(lambda v: "character" in v, unit + " " + pricing).astype(bool)
    blank = unit == ""
    counted = np.isin(unit, list(_COUNT_UNITS)) | (blank & ~chars)
    if (rows & blank & ~chars).any():
        c.warnings.append(HedgingWarning(
            "gcp_unit_assumed", f"{c.file}: {int((rows & blank & ~chars).sum()):,} token SKU row(s) have "
            "no usage.unit; usage.amount was taken as a token count. Include usage.unit in the query."))
    if (rows & chars).any():
        c.warnings.append(HedgingWarning(
            "gcp_characters", f"{c.file}: {int((rows & chars).sum()):,} SKU row(s) are metered in "
            "characters (Gemini 1.0 / PaLM pricing), not tokens; their cost is kept as non-token cost."))
    other = rows & ~chars & ~counted
    if other.any():
        units = ", ".join(sorted(set(unit[other])))
        c.warnings.append(HedgingWarning(
            "gcp_unit_not_tokens", f"{c.file}: {int(other.sum()):,} SKU row(s) have usage.unit {units}, "
            "not a token count; their cost is kept as non-token cost."))
    return counted & ~chars


def _credits(c: Cells, col: dict) -> np.ndarray:
    if c.has(col["credits"]):
        sums = _each(_credit_sum, c.raw(col["credits"])).astype(float)
        c.reject(np.isnan(sums), col["credits"], None,
                 "is not a JSON list of credits such as [{\"name\": …, \"amount\": -1.5}]",
                 "export the credits column as JSON (BigQuery TO_JSON_STRING(credits)), or select "
                 "(SELECT SUM(c.amount) FROM UNNEST(credits) c) AS credits_amount instead.")
        return np.nan_to_num(sums)
    if c.has(col["credits_amount"]):
        return c.amount(col["credits_amount"])
    return np.zeros(c.n)


register(Format(
    name="gcp_billing",
    label="Google Cloud Billing export (BigQuery query saved as CSV; Vertex AI / Gemini API rows)",
    signature=frozenset({"sku.description", "usage_start_time"}),
    alternatives=(frozenset({"sku_description", "usage_start_time"}),),
    parse=parse,
    columns=ALL_COLUMNS,
    text_columns=TEXT_COLUMNS,
    cost_basis="invoice",
))
