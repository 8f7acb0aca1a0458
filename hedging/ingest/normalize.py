"""From parsed rows to canonical daily rows: defaults, model families, aggregation, row hashes."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from hedging.models import (
    AMOUNT_COLUMNS,
    COUNT_COLUMNS,
    KEY_COLUMNS,
    LABEL_COLUMNS,
    TEXT_COLUMNS,
    USAGE_COLUMNS,
)

_DEFAULTS = {
    "service_tier": "standard",
    "charge_category": "usage",
    "team": "",
}

_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|global|jp|au)\.)?"
    r"(?:openai|anthropic|google|deepseek|meta-llama|meta|mistralai|mistral|amazon|azure|bedrock|"
    r"vertex_ai|vertex|models|x-ai|xai|qwen|cohere)[./]"
)
_SUFFIXES = (
    re.compile(r"-v\d+(?::\d+)?$"),            # bedrock -v1:0
    re.compile(r":\d+$"),
    re.compile(r"@\d{8}$"),                    # vertex claude-3-5-sonnet@20240620
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),        # gpt-4o-2024-08-06
    re.compile(r"-\d{8}$"),                    # claude-sonnet-4-5-20250929
    re.compile(r"-(?:preview|exp)(?:-\d{2}-\d{2})?$"),
    re.compile(r"-latest$"),
    re.compile(r"-0\d{2}$"),                   # gemini-1.5-pro-002
    re.compile(r"-\d{4}$"),                    # gpt-4-0613, gpt-4o-0806 (azure)
)
_CLAUDE_OLD = re.compile(r"^claude-(opus|sonnet|haiku)-(\d(?:\.\d)?)$")
_CLAUDE_NEW = re.compile(r"^claude-(\d(?:\.\d)?)-(opus|sonnet|haiku)$")

_DEVELOPERS = (
    (("gpt-", "o1", "o3", "o4", "chatgpt", "text-embedding", "davinci", "babbage", "whisper", "tts-",
      "dall-e", "codex"), "openai"),
    (("claude",), "anthropic"),
    (("gemini", "gemma", "palm", "text-bison", "chat-bison"), "google"),
    (("deepseek",), "deepseek"),
    (("llama",), "meta"),
    (("mistral", "mixtral", "codestral", "ministral", "pixtral"), "mistral"),
    (("titan", "nova"), "amazon"),
    (("command",), "cohere"),
    (("grok",), "xai"),
    (("qwen",), "alibaba"),
    (("h100", "h200", "b200", "a100", "l40", "gb200", "rtx"), "nvidia"),
)


def model_family(raw: str) -> str:
    """Normalised model family id from a provider's model string.

    >>> model_family("claude-3-5-sonnet-20241022"), model_family("gpt-4o-2024-08-06")
    ('claude-3.5-sonnet', 'gpt-4o')
    >>> model_family("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
    'claude-sonnet-4.5'
    """
    name = raw.strip().lower().replace("_", "-").replace(" ", "-")
    if not name:
        return ""
    for _ in range(2):
        name = _PREFIX.sub("", name)
    if re.match(r"gpt-4-(?:\d{4}-preview|turbo|1106|0125|vision)", name):
        return "gpt-4-turbo"
    changed = True
    while changed:
        changed = False
        for pattern in _SUFFIXES:
            new = pattern.sub("", name)
            if new != name and new:
                name, changed = new, True
    if name.startswith("gpt-35"):
        name = "gpt-3.5" + name[6:]
    if name.startswith("claude"):
        name = re.sub(r"(?<=\d)-(?=\d(?:-|$))", ".", name)  # 3-5 -> 3.5, 4-5 -> 4.5
        old, new = _CLAUDE_OLD.match(name), _CLAUDE_NEW.match(name)
        if old and float(old.group(2)) < 4:
            name = f"claude-{old.group(2)}-{old.group(1)}"
        elif new and float(new.group(1)) >= 4:
            name = f"claude-{new.group(2)}-{new.group(1)}"
    return name


def model_developer(family: str) -> str:
    for prefixes, developer in _DEVELOPERS:
        if family.startswith(prefixes):
            return developer
    return "other"


def canonical_rows(parsed: pd.DataFrame, keep: np.ndarray, source_format: str, cost_basis: str) -> pd.DataFrame:
    """Kept rows with every canonical column, aggregated to one row per key (UTC day).

    ``parsed`` is aligned with the input rows; missing columns get defaults. Counts and amounts
    are summed; ``list_cost_usd``/``billed_cost_usd`` stay missing unless some row had them.
    """
    df = parsed.loc[keep].copy()
    n = len(df)
    for col in TEXT_COLUMNS:
        if col not in df:
            df[col] = _DEFAULTS.get(col, "")
    df["source_format"] = source_format
    if "cost_basis" not in parsed:
        df["cost_basis"] = cost_basis
    for col in COUNT_COLUMNS:
        if col not in df:
            df[col] = np.zeros(n, dtype=np.int64)
    for col in AMOUNT_COLUMNS:
        if col not in df:
            df[col] = np.nan if col in ("list_cost_usd", "billed_cost_usd") else 0.0
    df["usage_date"] = pd.to_datetime(df["usage_date"]).astype("datetime64[s]")
    for col in TEXT_COLUMNS:
        df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str)
    uniq = pd.unique(df["model_raw"])
    families = {m: model_family(m) for m in uniq}
    derived = df["model_raw"].map(families)
    df["model"] = np.where(df["model"] == "", derived, df["model"])
    devs = {m: model_developer(m) for m in pd.unique(df["model"])}
    df["model_developer"] = np.where(df["model_developer"] == "", df["model"].map(devs), df["model_developer"])
    keys = list(KEY_COLUMNS + LABEL_COLUMNS)
    sums = {c: "sum" for c in COUNT_COLUMNS + ("gpu_hours", "cost_usd", "non_token_cost_usd")}
    optional = {c: (lambda s: s.sum(min_count=1)) for c in ("list_cost_usd", "billed_cost_usd")}
    if n == 0:
        out = df[list(USAGE_COLUMNS)].reset_index(drop=True)
    else:
        grouped = df.groupby(keys, sort=True, dropna=False)
        out = grouped.agg({**sums, **optional}).reset_index()
    for col in COUNT_COLUMNS:
        out[col] = out[col].astype(np.int64)
    out = out[list(USAGE_COLUMNS)]
    out["source_row_hash"] = row_hashes(out)
    return out


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A stable hash of each row's key, for provenance and idempotent re-imports."""
    keys = frame[list(KEY_COLUMNS)].astype(str).agg("\x1f".join, axis=1) if len(frame) else pd.Series([], dtype=str)
    return np.array([hashlib.sha1(k.encode()).hexdigest()[:16] for k in keys], dtype=object)
