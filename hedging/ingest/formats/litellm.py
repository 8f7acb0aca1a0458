"""LiteLLM proxy spend exports: ``LiteLLM_SpendLogs`` and the ``LiteLLM_Daily*Spend`` roll-ups —
usage-formats.md 5.1.

SpendLogs: one row per request (``request_id``, ``startTime``, ``spend``, ``prompt_tokens``,
``completion_tokens``, ``model``, ``custom_llm_provider``, ``team_id``, ``metadata`` JSON …). The
framework sums the rows into days. Files are large (millions of requests), so only the columns
listed in ``SPEND_COLS`` are loaded — never ``messages``/``response``/``proxy_server_request`` — and
everything is vectorised. ``metadata`` is loaded because it is the only place SpendLogs keeps the
cache split (``usage_object.cache_read_input_tokens`` / ``cache_creation_input_tokens``, exactly
what LiteLLM itself copies into its daily tables): one RE2 expression per key over an Arrow copy of
the column, no JSON parsing, skipped when an even sample of rows lacks the key. The team is the
``user_api_key_team_alias`` of the row's ``team_id`` (read once per distinct team id), else the id.

Daily*Spend (DailyUserSpend / TeamSpend / OrganizationSpend / EndUserSpend / AgentSpend /
TagSpend): ``date``, the entity column (``user_id``, ``team_id``, ``organization_id``,
``end_user_id``, ``agent_id`` or ``tag``), ``prompt_tokens``, ``completion_tokens``,
``cache_read_input_tokens``, ``cache_creation_input_tokens``, ``spend``, ``api_requests``,
``successful_requests``. The team is that entity. A tag roll-up counts a request once per tag, so
its totals can exceed real spend (a warning says so); a team roll-up only holds requests made with
a team key.

Tokens: LiteLLM reports OpenAI-style usage, where ``prompt_tokens`` INCLUDES cache reads and cache
writes, so uncached input = ``prompt_tokens - cache_read - cache_creation``. Caveat: some LiteLLM
versions left Anthropic cache writes (or, for some providers, all cached tokens) out of
``prompt_tokens``; where the subtraction would go negative the importer takes ``prompt - cache_read``,
then ``prompt``, and warns with the number of rows and the providers.

Cost: ``spend`` is USD computed by LiteLLM from its own price map — a ``gateway_estimate``, not an
invoice. billing_provider = ``custom_llm_provider`` (the upstream that invoices: bedrock -> aws,
vertex_ai/gemini -> gcp, azure -> azure …). Failed requests without tokens or spend are skipped.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hedging.errors import HedgingWarning

from ..cells import Cells, text_problem
from ..detect import Format, register
from ..normalize import model_family

SPEND_COLS = ("startTime", "spend", "prompt_tokens", "completion_tokens", "model", "model_group",
              "custom_llm_provider", "api_key", "team_id", "organization_id", "status", "metadata")
ENTITY_COLS = ("team_id", "user_id", "organization_id", "end_user_id", "agent_id", "tag")
DAILY_COLS = ("date", *ENTITY_COLS, "api_key", "model", "model_group", "custom_llm_provider", "prompt_tokens",
              "completion_tokens", "cache_read_input_tokens", "cache_creation_input_tokens", "spend",
              "api_requests", "successful_requests")

#: LiteLLM ``custom_llm_provider`` -> who invoices the usage.
_PROVIDERS = {
    "bedrock": "aws", "bedrock_converse": "aws", "sagemaker": "aws", "sagemaker_chat": "aws",
    "vertex_ai": "gcp", "vertex_ai_beta": "gcp", "gemini": "gcp", "palm": "gcp",
    "azure": "azure", "azure_ai": "azure", "azure_text": "azure",
    "openai": "openai", "text-completion-openai": "openai", "anthropic": "anthropic",
    "anthropic_text": "anthropic", "openrouter": "openrouter", "": "other",
}


#: Keys read from SpendLogs ``metadata`` (JSON numbers): the cache split that LiteLLM itself copies
#: from ``usage_object`` into its daily tables.
_CACHE_KEYS = ("cache_read_input_tokens", "cache_creation_input_tokens")
_ALIAS = re.compile(r'"user_api_key_team_alias"\s*:\s*"([^"\\]*)"')
_SAMPLE = 5000
_ALIAS_TRIES = 50


def _metadata_text(c: Cells) -> tuple[pd.Series | None, str]:
    """The ``metadata`` column and an even sample of it (keys absent from the sample are not
    searched for, so a file without them costs nothing)."""
    if not c.has("metadata"):
        return None, ""
    col = c.frame["metadata"]
    return col, " ".join(str(v) for v in col.iloc[::max(1, c.n // _SAMPLE)].dropna())


def _cache_split(c: Cells, col: pd.Series | None, sample: str) -> dict[str, np.ndarray]:
    """Cache reads / writes per row: one RE2 pass per key over one Arrow copy of the column."""
    keys = [k for k in _CACHE_KEYS if col is not None and f'"{k}"' in sample]
    if not keys:
        return {}
    arr = (pa.array(col.array) if isinstance(col.dtype, pd.StringDtype)
           else pa.array(col.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True))
    out = {}
    for key in keys:
        # struct_field, not .field(): a row without the key is a null struct whose child holds ""
        found = pc.struct_field(pc.extract_regex(arr, rf'"{key}"\s*:\s*(?P<v>\d{{1,15}})'), "v")
        out[key] = pc.fill_null(pc.cast(found, pa.int64()), 0).to_numpy(zero_copy_only=False)
    return out


def _team(c: Cells, col: pd.Series | None, sample: str) -> pd.Categorical:
    """team_id, replaced by its ``user_api_key_team_alias`` when the metadata has one. The alias
    belongs to the team id, so it is read from one row per distinct team id, not from every row."""
    team = c.names("team_id")
    if col is None or '"user_api_key_team_alias"' not in sample:
        return team
    codes, ids = team.codes, list(team.categories)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(ids)))
    ends = np.append(starts[1:], len(order))
    aliases = list(ids)
    for code, (start, end) in enumerate(zip(starts, ends)):
        # the first of a team's rows that carries an alias (failed requests may lack one)
        for row in order[start:min(end, start + _ALIAS_TRIES)]:
            m = _ALIAS.search(str(col.iloc[row]))
            if m and m.group(1).strip() and not text_problem(m.group(1).strip(), True):
                aliases[code] = m.group(1).strip()
                break
    return _renamed(team, [a if i != "" else "" for a, i in zip(aliases, ids)])


def _renamed(names: pd.Categorical, new: list) -> pd.Categorical:
    """``names`` with each distinct name replaced by ``new[i]`` (two names may become one),
    still as row codes: nothing is done per row but one lookup of its code."""
    codes, distinct = pd.factorize(np.array(new, dtype=object))
    return pd.Categorical.from_codes(codes[names.codes], categories=pd.Index(distinct, dtype=object), validate=False)


def _per_value(names: pd.Categorical, fn) -> pd.Categorical:
    """``fn`` applied once per distinct name, as row codes (no per-row Python loop)."""
    return _renamed(names, [fn(v) for v in names.categories])


def _family(name: str) -> str:
    # LiteLLM writes provider-routed names ("vertex_ai/gemini-2.5-pro"): strip the route first.
    head, sep, rest = name.partition("/")
    return model_family(rest if sep and head.lower() in _PROVIDERS else name)


def _frame(columns: dict) -> pd.DataFrame:
    """The parsed frame; text arrays stay ``object`` (no conversion to Arrow strings per column)."""
    return pd.DataFrame({k: pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object
                         else v for k, v in columns.items()}, copy=False)


def _uncached(c: Cells, prompt: np.ndarray, read: np.ndarray, write: np.ndarray,
              provider: pd.Categorical) -> np.ndarray:
    full = prompt - read - write
    no_write = (full < 0) & (prompt - read >= 0)
    no_cache = prompt - read < 0
    odd = (no_write | no_cache) & ~c.bad & ~c.skipped
    if odd.any():
        names = ", ".join(sorted(set(provider[odd]))) or "unknown"
        c.warnings.append(HedgingWarning(
            "prompt_excludes_cache",
            f"{c.file}: on {int(odd.sum()):,} row(s) ({names}) prompt_tokens is smaller than the cache reads "
            "plus writes, so this LiteLLM version did not include the cache in prompt_tokens there; "
            "their uncached input is taken as prompt_tokens minus what fits (never negative)."))
    return np.where(no_cache, prompt, np.where(no_write, prompt - read, full))


def _counts(c: Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return c.count("prompt_tokens"), c.count("completion_tokens"), c.amount("spend", allow_negative=False)


def _common(c: Cells, counts: tuple, day: np.ndarray, team: pd.Categorical, read: np.ndarray, write: np.ndarray,
            requests: np.ndarray) -> pd.DataFrame:
    prompt, completion, spend = counts
    named = c.names("custom_llm_provider")  # row codes into a handful of names, as every name below
    upstream = _per_value(named, str.lower)
    provider = _per_value(upstream, lambda n: _PROVIDERS.get(n, n))
    raw = c.names("model")
    if c.has("model_group") and (raw == "").any():
        group = c.names("model_group")
        raw = pd.Categorical(np.where(raw == "", np.asarray(group, dtype=object), np.asarray(raw, dtype=object)))
    c.reject((raw == "") & ((prompt + completion) > 0), "model", raw, "the model is missing",
             "LiteLLM logs the upstream model of every request; export the table with its model column.")
    unknown = (provider == "other") & ~c.bad & ~c.skipped
    if unknown.any():
        c.warnings.append(HedgingWarning(
            "no_upstream_provider",
            f"{c.file}: {int(unknown.sum()):,} row(s) have no custom_llm_provider, so who "
            "invoices them is unknown; they are filed under billing provider 'other'."))
    return _frame({
        "usage_date": day,
        "billing_provider": provider,
        "account_id": c.names("organization_id"),
        "model_raw": raw,
        "model": _per_value(raw, _family),
        "team": team,
        "api_key_id": c.names("api_key"),
        "input_tokens": _uncached(c, prompt, read, write, upstream),
        "cache_read_tokens": read,
        "cache_write_tokens": write,
        "output_tokens": completion,
        "requests": requests,
        "cost_usd": spend,
    })


def _parse_spend_logs(c: Cells) -> pd.DataFrame:
    c.require("startTime", "spend", "prompt_tokens", "completion_tokens")
    counts = _counts(c)
    status = c.frame["status"] if c.has("status") else pd.Series([""] * c.n)
    failed = status.isin(["failure", "Failure", "FAILURE"]).to_numpy() & (counts[0] + counts[1] == 0) & (
        counts[2] == 0)
    c.skip(failed, "failed request (no tokens, no spend)")
    col, sample = _metadata_text(c)
    split = _cache_split(c, col, sample)
    zeros = np.zeros(c.n, dtype=np.int64)
    read = split.get("cache_read_input_tokens", zeros)
    write = split.get("cache_creation_input_tokens", zeros)
    team = _team(c, col, sample)
    return _common(c, counts, c.day("startTime"), team, read, write, np.ones(c.n, dtype=np.int64))


def _parse_daily(c: Cells) -> pd.DataFrame:
    c.require("date", "spend", "prompt_tokens", "completion_tokens")
    entity = next((col for col in ENTITY_COLS if c.has(col)), None)
    if entity == "tag":
        c.warnings.append(HedgingWarning(
            "tag_rollup_overlaps",
            f"{c.file}: this is LiteLLM's tag roll-up, where a request with several tags is counted once "
            "per tag; totals can exceed the real spend. Import DailyUserSpend or DailyTeamSpend for totals."))
    requests = c.count("successful_requests") if c.has("successful_requests") else c.count("api_requests")
    return _common(c, _counts(c), c.day("date"), c.names(entity) if entity else c.names("team_id"),
                   c.count("cache_read_input_tokens"), c.count("cache_creation_input_tokens"), requests)


def parse(c: Cells) -> pd.DataFrame:
    if c.has("startTime") or not c.has("date"):
        return _parse_spend_logs(c)
    return _parse_daily(c)


register(Format(
    name="litellm",
    label="LiteLLM spend export (LiteLLM_SpendLogs or a LiteLLM_Daily*Spend table)",
    signature=frozenset({"request_id", "spend", "startTime"}),
    alternatives=(frozenset({"date", "spend", "api_requests"}),),
    parse=parse,
    columns=frozenset(SPEND_COLS + DAILY_COLS),
    row_id=("request_id",),
    text_columns=frozenset({"startTime", "date", "model", "model_group", "custom_llm_provider", "api_key",
                            "status", "metadata", *ENTITY_COLS}),
    cost_basis="gateway_estimate",
))
