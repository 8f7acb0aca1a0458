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
                   final: bool = True) -> pd.DataFrame | dict[str, np.ndarray]:
    """Kept rows with every canonical column, aggregated to one row per key (UTC day).

    ``parsed`` is aligned with the input rows; missing columns get defaults. Counts and amounts
    are summed; ``list_cost_usd``/``billed_cost_usd`` stay missing unless some row had them.
    Text clean-up and model families are derived after aggregation, on the few distinct values.
    With ``final=False`` (one part of a large file) the rows are left for :func:`combine` to
    sum across parts, sort and hash once, as one array per column (a frame of a few hundred rows
    and two dozen columns cost more to build than the part's sums).
    """
    df = parsed.loc[keep] if not keep.all() else parsed
    n = len(df)
    keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # row codes and the distinct values they point to
    constants: dict[str, object] = {"source_format": source_format}
    for col in TEXT_COLUMNS:
        if col == "source_format":
            continue
        if col not in df:
            constants[col] = cost_basis if col == "cost_basis" else _DEFAULTS.get(col, "")
            continue
        codes, distinct = _key_codes(df[col])
        if n and (codes == codes[0]).all():
            constants[col] = distinct[codes[0]]
        else:
            keys[col] = codes, distinct
    dates = df["usage_date"]
    days = dates.to_numpy() if dates.dtype == "datetime64[s]" else \
        pd.to_datetime(dates).to_numpy().astype("datetime64[s]")
    codes, distinct = pd.factorize(days, sort=False, use_na_sentinel=False)
    keys["usage_date"] = codes, np.asarray(distinct, dtype="datetime64[s]")
    group, k = _groups(keys, n)
    out: dict[str, object] = {}
    for col, (codes, distinct) in keys.items():
        values = distinct if col == "usage_date" else _text(distinct)
        out[col] = values[group.key_codes(col)]
    for col, value in constants.items():
        out[col] = np.full(k, _text(np.array([value], dtype=object))[0], dtype=object)
    for col in COUNT_COLUMNS:
        out[col] = group.sum(df[col].to_numpy(dtype=np.int64), exact=True) if col in df else np.zeros(k, dtype=np.int64)
    for col in AMOUNT_COLUMNS:
        optional = col in ("list_cost_usd", "billed_cost_usd")
        if col not in df:
            out[col] = np.full(k, np.nan if optional else 0.0)
            continue
        values = df[col].to_numpy(dtype=float)
        if optional:  # missing for a key none of whose rows had it (as sum(min_count=1))
            given = ~np.isnan(values)
            out[col] = np.where(group.sum(given.astype(float)) > 0, group.sum(np.where(given, values, 0.0)), np.nan)
        else:
            out[col] = group.sum(values)
    families = {m: model_family(m) for m in set(out["model_raw"])}
    out["model"] = np.array([families[raw] if m == "" else m for m, raw in zip(out["model"], out["model_raw"])],
                            dtype=object).reshape(k)
    devs = {m: model_developer(m) for m in set(out["model"])}
    out["model_developer"] = np.array([devs[m] if d == "" else d for d, m in zip(out["model_developer"], out["model"])],
                                      dtype=object).reshape(k)
    columns = {c: out[c] for c in USAGE_COLUMNS}  # text stays object while parts are summed
    return combine([columns]) if final else columns


def _text(values: np.ndarray) -> np.ndarray:
    """Text values as Python strings, missing ones as "" (an object array)."""
    return np.array(["" if v is None or (isinstance(v, float) and np.isnan(v)) else v if isinstance(v, str)
                     else str(v) for v in values], dtype=object).reshape(len(values))


def _key_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Row codes of one key column and the distinct values they point to (missing ones as None): a
    categorical's own codes (a name column is already coded), else the column factorised."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.array.codes.astype(np.int64)
        distinct = np.asarray(column.array.categories, dtype=object)
    else:
        codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
        distinct = np.asarray(uniques, dtype=object)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(distinct), codes)
        distinct = np.append(distinct, None)
    return codes, distinct


class _Grouping:
    """Rows grouped by their keys: each group's code for each key, and per-group sums."""

    def __init__(self, code: np.ndarray, size: int, present: np.ndarray | None, key_codes: dict[str, np.ndarray]):
        self.code, self.size, self.present, self._key_codes = code, size, present, key_codes

    def key_codes(self, col: str) -> np.ndarray:
        return self._key_codes[col]

    def sum(self, values: np.ndarray, *, exact: bool = False) -> np.ndarray:
        total = _group_sum(values, self.code, self.size) if exact else \
            np.bincount(self.code, weights=values, minlength=self.size)
        return total if self.present is None else total[self.present]


def _groups(keys: dict[str, tuple[np.ndarray, np.ndarray]], n: int) -> tuple[_Grouping, int]:
    """Group the rows by their key codes (a request log has a million rows but a few thousand
    keys: no frame of a million text cells is ever built).

    The key codes combine into one group number per row. When there are few possible numbers
    (days x models x teams ...), the sums are taken over all of them and the empty ones dropped,
    and each group's key codes are read back from its number; otherwise the numbers are
    factorised and each group's key codes are those of its first row."""
    sizes = {col: len(distinct) for col, (_codes, distinct) in keys.items()}
    possible = 1
    for size in sizes.values():
        possible *= size
    if n and possible <= max(4 * n, 1 << 16):
        code = np.zeros(n, dtype=np.int64)
        for col, (codes, _distinct) in keys.items():
            if sizes[col] > 1:
                code *= sizes[col]
                code += codes
        present = np.flatnonzero(np.bincount(code, minlength=possible))
        key_codes, rest = {}, present
        for col in reversed(list(keys)):
            rest, key_codes[col] = np.divmod(rest, sizes[col])
        return _Grouping(code, possible, present, key_codes), len(present)
    code = np.zeros(n, dtype=np.int64)
    groups = 1
    for col, (codes, _distinct) in keys.items():
        size = sizes[col]
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
    return _Grouping(code, k, None, {col: codes[first] for col, (codes, _d) in keys.items()}), k


def _group_sum(values: np.ndarray, code: np.ndarray, k: int) -> np.ndarray:
    """Exact int64 sums of ``values`` per group: in floating point while every partial sum is an
    exact float (below 2**53), else with integer scatter-adds."""
    if not len(values):
        return np.zeros(k, dtype=np.int64)
    if max(int(values.max()), -int(values.min())) * len(values) < 2**53:
        return np.bincount(code, weights=values, minlength=k).astype(np.int64)
    out = np.zeros(k, dtype=np.int64)
    np.add.at(out, code, values)
    return out


def combine(parts: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """Canonical rows of one file's parts (:func:`canonical_rows` with ``final=False``) summed so
    that each key appears once (rows that differed only in how the file spelled a model, or came
    from different parts, share a key), sorted, with their row hashes.

    The sums are taken on the columns' arrays by one group number per row (no frame of all the
    parts' rows is built, and no pandas group-by): counts exactly, amounts skipping missing
    values, ``list_cost_usd``/``billed_cost_usd`` missing where no row of the key had them."""
    if not parts:
        out = empty_usage_frame()
        out["source_row_hash"] = pd.Series(dtype=object)
        return out
    data = {c: np.concatenate([p[c] for p in parts]) for c in USAGE_COLUMNS}
    n = len(data["usage_date"])
    keys: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for col in KEY_COLUMNS + LABEL_COLUMNS:
        codes, uniques = pd.factorize(data[col], sort=True, use_na_sentinel=False)  # codes in sorted order
        keys[col] = codes, np.asarray(uniques)
    group, k = _groups(keys, n)
    order = np.lexsort([group.key_codes(c) for c in reversed(list(keys))])  # by the first key, then the next...
    out: dict[str, object] = {}
    for col, (_codes, uniques) in keys.items():
        values = uniques[group.key_codes(col)[order]]
        out[col] = values if col == "usage_date" else pd.Series(values, dtype=object).astype(str).to_numpy()
    for col in COUNT_COLUMNS:
        out[col] = group.sum(data[col].astype(np.int64), exact=True)[order]
    for col in AMOUNT_COLUMNS:
        values = data[col].astype(float)
        given = ~np.isnan(values)
        total = group.sum(np.where(given, values, 0.0))[order]
        if col in ("list_cost_usd", "billed_cost_usd"):  # as sum(min_count=1)
            total = np.where(group.sum(given.astype(float))[order] > 0, total, np.nan)
        out[col] = total
    frame = pd.DataFrame({c: pd.Series(out[c], dtype=str) if c in TEXT_COLUMNS else out[c] for c in USAGE_COLUMNS})
    frame["source_row_hash"] = row_hashes(frame)
    return frame


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A stable hash of each row's key, for provenance and idempotent re-imports."""
    if frame.empty:
        return np.array([], dtype=object)
    columns = [frame[col].astype(str).tolist() for col in KEY_COLUMNS]
    return np.array([hashlib.sha1("\x1f".join(key).encode()).hexdigest()[:16] for key in zip(*columns)],
                    dtype=object)
