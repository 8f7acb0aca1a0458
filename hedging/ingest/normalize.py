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
    empty_usage_frame,
)

_DEFAULTS = {
    "service_tier": "standard",
    "charge_category": "usage",
    "team": "",
}

_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|global|jp|au)\.)?"
    r"(?:openai|anthropic|google|deepseek|meta-llama|meta|mistralai|mistral|amazon|azure|bedrock|"
    r"vertex-ai|vertex|models|x-ai|xai|qwen|cohere)[./]"
)
_SUFFIXES = (
    re.compile(r":[a-z][a-z-]*$"),             # openrouter variants :free, :beta, :nitro
    re.compile(r"-v\d+:\d+$"),                 # bedrock -v1:0 (not deepseek-chat-v3)
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
    if name.startswith("llama"):
        name = re.sub(r"^llama-?(\d+)[-.](\d)(?=-|$)", r"llama-\1.\2", name)  # llama3-1-70b -> llama-3.1-70b
        name = re.sub(r"^llama(\d)", r"llama-\1", name)
    if name.startswith("gpt-35"):
        name = "gpt-3.5" + name[6:]
    if name.startswith("claude"):
        name = re.sub(r"-v\d+$", "", name)  # "Claude 3.5 Sonnet v2" is the same family and price
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


def canonical_rows(parsed: pd.DataFrame, keep: np.ndarray, source_format: str, cost_basis: str, *,
                   final: bool = True) -> pd.DataFrame:
    """Kept rows with every canonical column, aggregated to one row per key (UTC day).

    ``parsed`` is aligned with the input rows; missing columns get defaults. Counts and amounts
    are summed; ``list_cost_usd``/``billed_cost_usd`` stay missing unless some row had them.
    Text clean-up and model families are derived after aggregation, on the few distinct rows.
    With ``final=False`` (one part of a large file) the rows are left for :func:`combine` to
    sum across parts, sort and hash once.
    """
    df = parsed.loc[keep] if not keep.all() else parsed
    n = len(df)
    arrays: dict[str, np.ndarray] = {}
    constants: dict[str, object] = {"source_format": source_format}
    for col in TEXT_COLUMNS:
        if col == "source_format":
            continue
        if col not in df:
            constants[col] = cost_basis if col == "cost_basis" else _DEFAULTS.get(col, "")
            continue
        values = _codes_or_values(df[col])
        if n and _constant(values):
            constants[col] = values[0]
        else:
            arrays[col] = values
    arrays["usage_date"] = pd.to_datetime(df["usage_date"]).to_numpy().astype("datetime64[s]")
    for col in COUNT_COLUMNS:
        arrays[col] = df[col].to_numpy(dtype=np.int64) if col in df else np.zeros(n, dtype=np.int64)
    for col in AMOUNT_COLUMNS:
        default = np.nan if col in ("list_cost_usd", "billed_cost_usd") else 0.0
        arrays[col] = df[col].to_numpy(dtype=float) if col in df else np.full(n, default)
    keys = [c for c in KEY_COLUMNS + LABEL_COLUMNS if c in arrays]
    out = _sum_by_key(arrays, keys, n)
    for col, value in constants.items():
        out[col] = value
    for col in TEXT_COLUMNS:
        out[col] = _text(out[col])
    families = {m: model_family(m) for m in pd.unique(out["model_raw"])}
    out["model"] = np.where(out["model"] == "", out["model_raw"].map(families), out["model"])
    devs = {m: model_developer(m) for m in pd.unique(out["model"])}
    out["model_developer"] = np.where(out["model_developer"] == "", out["model"].map(devs), out["model_developer"])
    out = out[list(USAGE_COLUMNS)]
    return combine([out]) if final else out


def _text(column: pd.Series) -> pd.Series:
    """A text column as Python strings, missing cells as "" (object dtype while rows are summed)."""
    values = column.to_numpy(dtype=object, na_value=None) if not isinstance(column.dtype, np.dtype) \
        else column.to_numpy(dtype=object)
    values = np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else v if isinstance(v, str)
                       else str(v) for v in values], dtype=object)
    return pd.Series(values, index=column.index, dtype=object)


def combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Canonical rows of one file's parts (:func:`canonical_rows` with ``final=False``) summed so
    that each key appears once (rows that differed only in how the file spelled a model, or came
    from different parts, share a key), sorted, with their row hashes."""
    if not parts:
        out = empty_usage_frame()
        out["source_row_hash"] = pd.Series(dtype=object)
        return out
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    out = _aggregate(frame.drop(columns="source_row_hash", errors="ignore"), list(KEY_COLUMNS + LABEL_COLUMNS))
    for col in TEXT_COLUMNS:
        out[col] = out[col].astype(str)
    for col in COUNT_COLUMNS:
        out[col] = out[col].astype(np.int64)
    out = out[list(USAGE_COLUMNS)]
    out["source_row_hash"] = row_hashes(out)
    return out


def _sum_by_key(arrays: dict[str, np.ndarray], keys: list[str], n: int) -> pd.DataFrame:
    """Rows with equal ``keys`` summed, on the arrays themselves (a request log has a million rows
    but a few thousand keys: no frame of a million text cells is ever built).

    Counts are summed exactly as int64; ``list_cost_usd``/``billed_cost_usd`` stay missing for a
    key none of whose rows had them (as ``sum(min_count=1)``)."""
    if n == 0:
        return pd.DataFrame({k: pd.Series(v) for k, v in arrays.items()})
    code = np.zeros(n, dtype=np.int64)
    groups = 1
    for col in keys:
        codes, size = _key_codes(arrays[col])
        if size > 1:
            if groups * size >= 2**62:
                code, distinct = pd.factorize(code, sort=False)  # keep the combined code small
                groups = len(distinct)
            code = code * size + codes
            groups *= size
    code, distinct = pd.factorize(code, sort=False)
    k = len(distinct)
    # the first row of each group (codes are numbered in order of first appearance)
    seen = np.r_[True, code[1:] > np.maximum.accumulate(code)[:-1]] if n > 1 else np.ones(n, dtype=bool)
    first = np.flatnonzero(seen)
    out: dict[str, object] = {key: _values(arrays[key][first]) for key in keys}
    for col in COUNT_COLUMNS:
        out[col] = _group_sum(arrays[col], code, k)
    for col in AMOUNT_COLUMNS:
        values = arrays[col]
        if col in ("list_cost_usd", "billed_cost_usd"):
            given = np.bincount(code, weights=~np.isnan(values), minlength=k)
            total = np.bincount(code, weights=np.nan_to_num(values, nan=0.0), minlength=k)
            out[col] = np.where(given > 0, total, np.nan)
        else:
            out[col] = np.bincount(code, weights=values, minlength=k)
    return pd.DataFrame({k: pd.Series(v, dtype=object) if v.dtype == object else v for k, v in out.items()})


def _key_codes(values) -> tuple[np.ndarray, int]:
    """Row codes of one key column and how many codes there are: a categorical's own codes (a
    name column is already coded), else the column factorised."""
    if isinstance(values, pd.Categorical) and not (values.codes < 0).any():
        return values.codes.astype(np.int64), len(values.categories)
    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=False)
    return codes, len(uniques)


def _group_sum(values: np.ndarray, code: np.ndarray, k: int) -> np.ndarray:
    """Exact int64 sums of ``values`` per group: in floating point while every partial sum is an
    exact float (below 2**53), else with integer scatter-adds."""
    if not len(values):
        return np.zeros(k, dtype=np.int64)
    if int(np.abs(values).max()) * len(values) < 2**53:
        return np.bincount(code, weights=values, minlength=k).astype(np.int64)
    out = np.zeros(k, dtype=np.int64)
    np.add.at(out, code, values)
    return out


def _codes_or_values(column: pd.Series):
    """A text column as a categorical when it is held as codes or by Arrow (a constant such as the
    billing provider, or a handful of names over many rows: no Python string per row), else as
    its numpy values."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.array
    if isinstance(column.dtype, pd.StringDtype):
        codes, names = pd.factorize(column, use_na_sentinel=True)
        return pd.Categorical.from_codes(codes, categories=pd.Index(np.asarray(names, dtype=object), dtype=object),
                                         validate=False)
    return column.to_numpy()


def _values(array) -> np.ndarray:
    return np.asarray(array, dtype=object) if isinstance(array, pd.Categorical) else array


def _constant(values) -> bool:
    if isinstance(values, pd.Categorical):
        return bool((values.codes == values.codes[0]).all())
    first = values[0]
    if first is None or (isinstance(first, float) and np.isnan(first)):
        return bool(pd.isna(values).all())
    return bool((values == first).all())


def _aggregate(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum counts and amounts by ``keys`` through one integer group code (fast on request logs).

    Each key column is factorised; the codes are combined into a single int64 so that pandas
    groups on one integer array instead of eleven string columns.
    """
    if df.empty:
        return df.reset_index(drop=True)
    code = np.zeros(len(df), dtype=np.int64)
    for col in keys:
        codes, uniques = pd.factorize(df[col], sort=False, use_na_sentinel=False)
        if len(uniques) > 1:
            code = code * len(uniques) + codes
            code, _ = pd.factorize(code, sort=False)  # keep the combined code small
    group, first = np.unique(code, return_index=True)
    labels = df[keys].iloc[first].reset_index(drop=True)
    sums = list(COUNT_COLUMNS) + ["gpu_hours", "cost_usd", "non_token_cost_usd"]
    grouped = df[sums + ["list_cost_usd", "billed_cost_usd"]].groupby(code, sort=True)
    totals = grouped[sums].sum().reset_index(drop=True)
    optional = grouped[["list_cost_usd", "billed_cost_usd"]].sum(min_count=1).reset_index(drop=True)
    out = pd.concat([labels, totals, optional], axis=1)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A stable hash of each row's key, for provenance and idempotent re-imports."""
    if frame.empty:
        return np.array([], dtype=object)
    joined = frame[KEY_COLUMNS[0]].astype(str)
    for col in KEY_COLUMNS[1:]:
        joined = joined + "\x1f" + frame[col].astype(str)
    return np.array([hashlib.sha1(k.encode()).hexdigest()[:16] for k in joined], dtype=object)
