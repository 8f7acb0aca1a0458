"""OpenRouter activity exports: the daily summary and the per-generation log — usage-formats.md 5.2.

Summary export (openrouter.ai/activity, every field quoted):
``Date,Slug,Usage,BYOK Usage,Requests,Prompt Tokens,Completion Tokens,Reasoning Tokens``.
``Prompt Tokens`` INCLUDES cached prompt tokens and the summary has no cached column, so the whole
prompt is counted as input (the split is unknown; nothing is double counted). ``Reasoning Tokens``
are a subset of ``Completion Tokens`` (kept as the informational reasoning_tokens, never added).

Per-generation export (one row per request): ``created_at`` is ``YYYY-MM-DD HH:MM:SS.mmm`` UTC
without a zone; uncached input = ``tokens_prompt - tokens_cached``, cache reads = ``tokens_cached``
(a row whose cached tokens exceed its prompt is rejected); output = ``tokens_completion``;
``cost_total`` USD, of which ``cost_web_search + cost_file_processing`` are non-token cost.
Cancelled generations are KEPT: OpenRouter charges what the provider generated before the client
cancelled, and ``cost_total`` is that charge. Team = ``api_key_name`` (the key an admin creates per
team or service; ``app_name`` is the caller-set app title, kept as project_id).

Cost and basis: ``Usage`` / ``cost_total`` are the OpenRouter credits actually debited — OpenRouter
is the seller and invoices (sells) the credits, so the basis is ``invoice``, not a gateway
estimate of somebody else's bill. BYOK (bring-your-own-key) inference (``BYOK Usage``,
``byok_usage_inference``) is billed to the customer directly by the upstream provider on their
own key: it is EXCLUDED from cost_usd and reported in a warning with its amount, because it will
also appear in that provider's own exports.

billing_provider is ``openrouter``; model_raw is the slug as written (``anthropic/claude-sonnet-4.5``,
``anthropic/claude-4.5-sonnet-20250929``); routing variants after ``:`` (``:free``, ``:beta``,
``:nitro``) are dropped when deriving the family.

Example (the reference's generation row): ``tokens_prompt`` 10389 with ``tokens_cached`` 4096 gives
6293 uncached input + 4096 cache reads, 137 output, one request, $0.0123 on 2025-10-06.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.errors import HedgingWarning

from ..cells import Cells
from ..detect import Format, register
from ..normalize import model_family

SUMMARY_COLS = ("Date", "Slug", "Usage", "BYOK Usage", "Requests", "Prompt Tokens", "Completion Tokens",
                "Reasoning Tokens")
#: Read from the per-generation export (ids, provider, finish reasons and timings are not needed).
GENERATION_COLS = (
    "created_at", "cost_total", "cost_web_search", "cost_file_processing", "byok_usage_inference",
    "tokens_prompt", "tokens_completion", "tokens_reasoning", "tokens_cached", "model_permaslug",
    "api_key_name", "app_name",
)


def _frame(columns: dict) -> pd.DataFrame:
    """The parsed frame; text arrays stay ``object`` (no conversion to Arrow strings per column),
    and a name given once for every row (the billing provider) is one name with every row's code
    0, not a string per row."""
    n = next(len(v) for v in columns.values() if not isinstance(v, str))
    return pd.DataFrame({k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object
                         else pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=pd.Index([v], dtype=object),
                                                        validate=False) if isinstance(v, str)
                         else v for k, v in columns.items()}, copy=False)


def _models(c: Cells, column: str) -> tuple[pd.Categorical, pd.Categorical]:
    """model_raw as written, and the family where a ``:variant`` suffix hides it from the normaliser
    (both as categoricals: a per-generation log names a handful of models over many rows)."""
    raw = c.names(column)
    slugs = raw.categories
    family_codes, families = pd.factorize(np.array(
        [model_family(s.split(":", 1)[0]) if ":" in s else "" for s in slugs], dtype=object))
    family = pd.Categorical.from_codes(family_codes[raw.codes], categories=pd.Index(families, dtype=object),
                                       validate=False)
    missing = np.asarray(raw == "")
    c.reject(missing, column, np.where(missing, "", None), "the model is missing",
             "every OpenRouter row names its model slug (e.g. anthropic/claude-sonnet-4.5); export again.")
    return raw, family


def _warn_byok(c: Cells, byok: np.ndarray, rows_label: str) -> None:
    live = ~(c.bad | c.skipped) & (byok > 0)
    if live.any():
        c.warnings.append(HedgingWarning(
            "byok_excluded",
            f"{c.file}: ${float(byok[live].sum()):,.2f} of BYOK inference on {int(live.sum()):,} "
            f"{rows_label} is billed to you directly by the upstream provider on your own key, so it is "
            "not in this file's cost. Those requests' tokens are still counted here, and they also "
            "appear in the provider's own usage export: import one or the other for those keys, not both."))


def _parse_summary(c: Cells) -> pd.DataFrame:
    c.require("Date", "Slug", "Usage", "Prompt Tokens", "Completion Tokens")
    prompt = c.count("Prompt Tokens")
    completion = c.count("Completion Tokens")
    usage = c.amount("Usage", allow_negative=False)
    byok = c.amount("BYOK Usage", allow_negative=False)
    requests = c.count("Requests")
    c.skip((prompt + completion == 0) & (usage == 0) & (byok == 0) & (requests == 0),
           "no usage (all counts and costs are 0)")
    raw, family = _models(c, "Slug")
    _warn_byok(c, byok, "summary row(s)")
    return _frame({
        "usage_date": c.day("Date"),
        "billing_provider": "openrouter",
        "model_raw": raw,
        "model": family,
        "input_tokens": prompt,  # includes cached prompt tokens: the summary does not split them
        "output_tokens": completion,
        "reasoning_tokens": c.count("Reasoning Tokens"),
        "requests": requests,
        "cost_usd": usage,
    })


def _parse_generations(c: Cells) -> pd.DataFrame:
    c.require("created_at", "cost_total", "tokens_prompt", "tokens_completion", "model_permaslug")
    prompt = c.count("tokens_prompt")
    cached = c.count("tokens_cached")
    c.reject(cached > prompt, "tokens_cached", None if c.has("tokens_cached") else cached,
             "cached tokens exceed the prompt tokens",
             "tokens_prompt includes the cached tokens in OpenRouter exports; check the row was not edited.")
    cost = c.amount("cost_total", allow_negative=False)
    extra = (c.amount("cost_web_search", allow_negative=False)
             + c.amount("cost_file_processing", allow_negative=False))
    byok = c.amount("byok_usage_inference", allow_negative=False)
    raw, family = _models(c, "model_permaslug")
    _warn_byok(c, byok, "generation(s)")
    key = c.names("api_key_name")
    return _frame({
        "usage_date": c.day("created_at"),
        "billing_provider": "openrouter",
        "model_raw": raw,
        "model": family,
        "team": key,
        "api_key_id": key,
        "project_id": c.names("app_name"),
        "input_tokens": np.maximum(prompt - cached, 0),
        "cache_read_tokens": cached,
        "output_tokens": c.count("tokens_completion"),
        "reasoning_tokens": c.count("tokens_reasoning"),
        "requests": np.ones(c.n, dtype=np.int64),
        "cost_usd": cost,
        "non_token_cost_usd": np.minimum(extra, cost),
    })


def parse(c: Cells) -> pd.DataFrame:
    if c.has("cost_total") or c.has("tokens_prompt") or c.has("created_at"):
        return _parse_generations(c)
    return _parse_summary(c)


register(Format(
    name="openrouter",
    label="OpenRouter activity export (daily summary or per-generation CSV)",
    signature=frozenset({"Slug", "BYOK Usage", "Prompt Tokens"}),
    alternatives=(frozenset({"generation_id", "cost_total", "tokens_prompt"}),),
    parse=parse,
    columns=frozenset(SUMMARY_COLS + GENERATION_COLS),
    row_id=("generation_id",),
    text_columns=frozenset({"Date", "Slug", "created_at", "model_permaslug", "api_key_name", "app_name"}),
    cost_basis="invoice",
))
