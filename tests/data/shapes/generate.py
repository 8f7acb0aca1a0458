"""Write the data-shape corpus: the usage exports finance teams actually bring, one folder per shape.

Usage::

    python tests/data/shapes/generate.py             # rewrites tests/data/shapes/<shape>/ and manifest.json
    python tests/data/shapes/generate.py --out DIR   # writes the same files under DIR

Every file is in a provider's real export layout, as the importers read it (see the README of the
repository and ``sample_data/README.md``): the OpenAI dashboard completions-usage export (and the
legacy usage export), the OpenAI cost export (grouped by line item and project, or ungrouped), the
Anthropic Console usage and cost exports (UTF-8 with BOM), FOCUS 1.2 billing files from Azure
(Azure OpenAI) and AWS (Amazon Bedrock) with the non-AI rows a cloud bill carries, and this app's
canonical template for GPU-hour rental invoices.

The output is deterministic: each shape's random generator is seeded from a fixed seed and the
shape's name (``zlib.crc32``), token counts are integers and every amount is computed with
``decimal.Decimal`` from them and ``sample_data/list_prices.csv``; no wall clock is read. Running
the script twice writes byte-identical files.

``manifest.json`` lists, per shape, its files, the as-of date and extra CLI arguments of the run,
and the generator's own truth ``recent_monthly_spend``: the USD spend of the last complete calendar
month of the data (days before the as-of date), all files consolidated the way the importer
consolidates them (each billing provider and day counts once: an invoice-grade cost export or
billing file wins over cost computed from list prices). When no calendar month is complete, the
latest month's spend is scaled to the whole month.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime as dt
import hashlib
import importlib.util
import json
import sys
import zlib
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PRICES_CSV = ROOT / "sample_data" / "list_prices.csv"

SEED = 20261206
AS_OF = "2026-12-06"
MONTH_DAYS = 30.4375
MILLION = Decimal(1_000_000)
ZERO = Decimal(0)

# --- exact export headers ----------------------------------------------------------------------

def _sample_generator():
    """The sample company's generator: the providers' export columns are written down once, there."""
    path = Path(__file__).resolve().parents[3] / "sample_data" / "generate.py"
    spec = importlib.util.spec_from_file_location("sample_data_generate", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


_SAMPLE = _sample_generator()
OPENAI_USAGE_HEADER = _SAMPLE.OPENAI_USAGE_HEADER
OPENAI_COST_HEADER = _SAMPLE.OPENAI_COST_HEADER
ANTHROPIC_USAGE_HEADER = _SAMPLE.ANTHROPIC_USAGE_HEADER
ANTHROPIC_COST_HEADER = _SAMPLE.ANTHROPIC_COST_HEADER
FOCUS_HEADER = _SAMPLE.FOCUS_HEADER
OPENAI_LEGACY_HEADER = [
    "organization_id", "organization_name", "aggregation_timestamp", "n_requests", "operation",
    "snapshot_id", "n_context_tokens_total", "n_generated_tokens_total",
    "n_cached_context_tokens_total", "n_context_audio_tokens_total",
    "n_generated_audio_tokens_total", "email", "api_key_id", "api_key_name", "api_key_redacted",
    "api_key_type", "project_id", "project_name", "request_type",
]
GPU_HEADER = [
    "usage_date", "billing_provider", "model", "team", "region", "service_tier", "gpu_hours",
    "cost_usd", "charge_category",
]

# --- models ------------------------------------------------------------------------------------

# model id as the export writes it -> family in list_prices.csv (what the importer derives)
FAMILY = {
    "gpt-3.5-turbo-0301": "gpt-3.5-turbo",
    "gpt-3.5-turbo-0613": "gpt-3.5-turbo",
    "gpt-3.5-turbo-1106": "gpt-3.5-turbo",
    "gpt-3.5-turbo-0125": "gpt-3.5-turbo",
    "gpt-4-0613": "gpt-4",
    "gpt-4-turbo-2024-04-09": "gpt-4-turbo",
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "gpt-4.1-2025-04-14": "gpt-4.1",
    "gpt-4.1-mini-2025-04-14": "gpt-4.1-mini",
    "gpt-4.1-nano-2025-04-14": "gpt-4.1-nano",
    "o3-2025-04-16": "o3",
    "o4-mini-2025-04-16": "o4-mini",
    "gpt-5-2025-08-07": "gpt-5",
    "gpt-5-mini-2025-08-07": "gpt-5-mini",
    "gpt-5-nano-2025-08-07": "gpt-5-nano",
    "gpt-5.1-2025-11-13": "gpt-5.1",
    "gpt-5.2-2025-12-11": "gpt-5.2",
    "gpt-5.4-2026-03-05": "gpt-5.4",
    "claude-3-5-sonnet-20241022": "claude-3.5-sonnet",
    "claude-3-5-haiku-20241022": "claude-3.5-haiku",
    "claude-3-7-sonnet-20250219": "claude-3.7-sonnet",
    "claude-sonnet-4-20250514": "claude-sonnet-4",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4.5",
    "claude-haiku-4-5-20251001": "claude-haiku-4.5",
    "claude-opus-4-5-20251101": "claude-opus-4.5",
}
# Anthropic Console cost export display names
ANTHROPIC_DISPLAY = {
    "claude-3-5-sonnet-20241022": "Claude 3.5 Sonnet 2024-10-22",
    "claude-3-5-haiku-20241022": "Claude 3.5 Haiku",
    "claude-3-7-sonnet-20250219": "Claude 3.7 Sonnet",
    "claude-sonnet-4-20250514": "Claude Sonnet 4",
    "claude-sonnet-4-5-20250929": "Claude Sonnet 4.5",
    "claude-haiku-4-5-20251001": "Claude Haiku 4.5",
    "claude-opus-4-5-20251101": "Claude Opus 4.5",
}
# Azure OpenAI deployments: model -> (ModelId, ModelVersion, ModelFamily)
AZURE_MODELS = {
    "gpt-4.1-mini-2025-04-14": ("gpt-4.1-mini", "2025-04-14", "GPT-4.1"),
    "gpt-5-mini-2025-08-07": ("gpt-5-mini", "2025-08-07", "GPT-5"),
    "gpt-5.1-2025-11-13": ("gpt-5.1", "2025-11-13", "GPT-5.1"),
}
# Amazon Bedrock models: id -> (developer, display name, on-demand USD per 1M tokens by class).
# Claude is billed at Anthropic's list price; Nova and Llama at Bedrock's own list price.
BEDROCK_MODELS = {
    "anthropic.claude-sonnet-4-5-20250929-v1:0": (
        "Anthropic", "Claude Sonnet 4.5",
        {"input": "3", "cache_read": "0.3", "cache_write": "3.75", "output": "15"}),
    "amazon.nova-pro-v1:0": ("Amazon", "Nova Pro", {"input": "0.8", "output": "3.2"}),
    "meta.llama3-3-70b-instruct-v1:0": ("Meta", "Llama 3.3 70B Instruct", {"input": "0.72", "output": "0.72"}),
}
TOKEN_CLASSES = ("input", "cache_read", "cache_write", "output")


# --- small helpers -----------------------------------------------------------------------------

def day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(d: dt.date) -> dt.date:
    return next_month(d) - dt.timedelta(days=1)


def unix(d: dt.date) -> int:
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp())


def iso_offset(d: dt.date) -> str:
    return f"{d.isoformat()}T00:00:00+00:00"


def iso_z(d: dt.date) -> str:
    return f"{d.isoformat()}T00:00:00Z"


def f1(n: int) -> str:
    """OpenAI exports write counts as floats: 812 -> '812.0'."""
    return f"{int(n)}.0"


def fmt_dec(x: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros (one decimal kept for integers)."""
    s = format(x.normalize(), "f")
    return s if "." in s else s + ".0"


def money2(x: Decimal) -> str:
    return str(x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def load_prices(path: Path = PRICES_CSV) -> dict[str, list[tuple[dt.date, dict[str, Decimal | None]]]]:
    table: dict[str, list] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rec = {}
            for key, col in (("input", "input_usd_per_m"), ("output", "output_usd_per_m"),
                             ("cache_read", "cache_read_usd_per_m"), ("cache_write", "cache_write_usd_per_m")):
                rec[key] = Decimal(row[col]) if row[col] else None
            table.setdefault(row["model"], []).append((day(row["effective_date"]), rec))
    for rows in table.values():
        rows.sort(key=lambda r: r[0])
    return table


PRICES = load_prices()


def list_price(model: str, d: dt.date) -> dict[str, Decimal]:
    """USD per 1M tokens by class on day ``d``; a missing cache price is the input price (as the
    importer prices it)."""
    rows = PRICES[FAMILY[model]]
    i = bisect_right([r[0] for r in rows], d) - 1
    if i < 0:
        raise ValueError(f"no list price for {model} on {d}")
    p = dict(rows[i][1])
    for k in ("cache_read", "cache_write"):
        if p[k] is None:
            p[k] = p["input"]
    return p


# --- demand ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Stream:
    """One team's token use at one provider: a model line, a spend level and a trajectory."""

    provider: str                 # openai | anthropic | azure | aws
    team: str                     # OpenAI project id, Anthropic workspace, cloud team tag
    chain: tuple                  # ((model, first day of its migration or None), ...)
    usd_month: float              # monthly spend at the start, at the first model's list price
    start: str
    end: str
    growth: float = 0.03          # volume growth per month
    weekend: float = 0.6          # weekend day volume relative to a weekday
    weekdays_only: bool = False   # no usage at all at weekends (small internal tools)
    cache: float = 0.35           # share of input tokens read from the prompt cache
    write: float = 0.0            # share of input tokens written to the cache (Anthropic, Bedrock)
    out: float = 0.12             # output tokens per input token
    batch: float = 0.0            # share of volume sent at the batch tier
    prompt: int = 3000            # input tokens per request
    key: str = ""                 # API key name (Anthropic) / key id
    ramp: int = 14                # days a migration takes
    noise: float = 0.07           # daily log-noise (AR(1))
    events: tuple = ()            # ("step", day, x) | ("month", "YYYY-MM", x)


@dataclass
class TokenRow:
    day: dt.date
    provider: str
    team: str
    key: str
    model: str
    batch: bool
    uncached: int
    cache_read: int
    cache_write: int
    output: int
    requests: int

    def list_cost(self) -> Decimal:
        """Cost at list price (batch tier at half price), exactly as the importer computes it."""
        p = list_price(self.model, self.day)
        cost = (self.uncached * p["input"] + self.cache_read * p["cache_read"]
                + self.cache_write * p["cache_write"] + self.output * p["output"]) / MILLION
        return cost / 2 if self.batch else cost


def blended_usd_per_token(s: Stream, d: dt.date) -> float:
    model = s.chain[0][0]
    if s.provider == "aws":
        p = {k: Decimal(v) for k, v in BEDROCK_MODELS[model][2].items()}
        p.setdefault("cache_read", p["input"])
        p.setdefault("cache_write", p["input"])
    else:
        p = list_price(model, d)
    per_input = ((1 - s.cache - s.write) * float(p["input"]) + s.cache * float(p["cache_read"])
                 + s.write * float(p["cache_write"]) + s.out * float(p["output"])) / 1e6
    return per_input * (1 - s.batch / 2)


def token_rows(rng: np.random.Generator, s: Stream) -> list[TokenRow]:
    dates = days_between(day(s.start), day(s.end))
    n = len(dates)
    t = np.arange(n) / MONTH_DAYS
    level = np.exp(np.log1p(s.growth) * t)
    weekend = np.array([dd.weekday() >= 5 for dd in dates])
    week = np.where(weekend, 0.0 if s.weekdays_only else s.weekend, 1.0)
    holiday = np.array([0.7 if (dd.month == 12 and dd.day >= 24) or (dd.month == 1 and dd.day == 1) else 1.0
                        for dd in dates])
    eps = rng.normal(0.0, s.noise, n)
    ar = np.zeros(n)
    for i in range(n):
        ar[i] = (0.6 * ar[i - 1] if i else 0.0) + eps[i]
    noise = np.exp(ar - s.noise ** 2)
    events = np.ones(n)
    for ev in s.events:
        if ev[0] == "step":
            since = np.array([(dd - day(ev[1])).days for dd in dates])
            events *= 1.0 + (ev[2] - 1.0) * np.clip((since + 1) / 7.0, 0.0, 1.0)
        elif ev[0] == "month":
            events *= np.where([dd.strftime("%Y-%m") == ev[1] for dd in dates], ev[2], 1.0)
        else:
            raise ValueError(ev)
    avg_week = (5 + (0 if s.weekdays_only else 2 * s.weekend)) / 7
    base = s.usd_month / MONTH_DAYS / avg_week / blended_usd_per_token(s, day(s.start))
    total = base * level * week * holiday * noise * events
    # model migration: each new model ramps up to the whole stream over ``ramp`` days
    m = len(s.chain)
    shares = np.zeros((n, m))
    shares[:, 0] = 1.0
    for j, (_model, first) in enumerate(s.chain[1:], start=1):
        since = np.array([(dd - day(first)).days for dd in dates])
        f = np.clip((since + 1) / s.ramp, 0.0, 1.0)
        shares[:, :j] *= (1.0 - f)[:, None]
        shares[:, j] = f
    out_noise = np.exp(rng.normal(0.0, 0.05, n))
    cache_noise = np.clip(s.cache + rng.normal(0.0, 0.02, n), 0.0, 0.95) if s.cache else np.zeros(n)
    rows: list[TokenRow] = []
    for i, dd in enumerate(dates):
        for j, (model, _first) in enumerate(s.chain):
            tokens = int(round(total[i] * shares[i, j]))
            if tokens < 2000:
                continue
            parts = [(False, tokens)]
            if s.batch:
                b = int(round(tokens * s.batch))
                parts = [(False, tokens - b), (True, b)]
            for is_batch, tot in parts:
                cached = int(round(tot * cache_noise[i]))
                written = int(round(tot * s.write))
                rows.append(TokenRow(
                    day=dd, provider=s.provider, team=s.team, key=s.key, model=model, batch=is_batch,
                    uncached=tot - cached - written, cache_read=cached, cache_write=written,
                    output=int(round(tot * s.out * out_noise[i])),
                    requests=max(1, int(round(tot / s.prompt)))))
    return rows


# --- GPU rental --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GpuContract:
    """A reserved cluster billed daily, or on-demand bursts at a monthly rate."""

    vendor: str
    model: str
    start: str
    end: str
    rates: tuple                  # ((first day, USD per GPU-hour), ...)
    gpus: tuple = ()              # ((first day, GPUs), ...): reserved; empty = on-demand bursts
    team: str = "ml-platform"
    region: str = ""
    runs_per_month: float = 1.5   # on-demand: training runs per month
    nodes: tuple = (1, 4)         # on-demand: 8-GPU nodes per run (low, high)
    growth: float = 0.0           # on-demand: growth of runs per month


def _at(schedule: tuple, d: dt.date):
    keys = [day(k) for k, _ in schedule]
    return schedule[bisect_right(keys, d) - 1][1]


@dataclass
class GpuRow:
    day: dt.date
    vendor: str
    model: str
    team: str
    region: str
    tier: str
    hours: Decimal
    cost: Decimal


def gpu_rows(rng: np.random.Generator, c: GpuContract) -> list[GpuRow]:
    first, last = day(c.start), day(c.end)
    rows = []
    if c.gpus:
        for d in days_between(first, last):
            hours = Decimal(_at(c.gpus, d) * 24)
            rate = Decimal(_at(c.rates, d))
            rows.append(GpuRow(d, c.vendor, c.model, c.team, c.region, "provisioned", hours, cents(hours * rate)))
        return rows
    burst: dict[dt.date, float] = {}
    month, k = month_start(first), 0
    while month <= last:
        for _ in range(int(rng.poisson(c.runs_per_month * (1 + c.growth) ** k))):
            start = month + dt.timedelta(days=int(rng.integers(0, 26)))
            length = int(rng.integers(2, 9))
            nodes = int(rng.integers(c.nodes[0], c.nodes[1] + 1))
            for j in range(length):
                d = start + dt.timedelta(days=j)
                hours = 24.0 if 0 < j < length - 1 else float(rng.integers(4, 20))
                burst[d] = burst.get(d, 0.0) + nodes * 8 * hours
        month, k = next_month(month), k + 1
    for d in sorted(burst):
        if first <= d <= last:
            hours = Decimal(f"{burst[d]:.1f}")
            rows.append(GpuRow(d, c.vendor, c.model, c.team, c.region, "standard", hours,
                               cents(hours * Decimal(_at(c.rates, d)))))
    return rows


# --- the shape being written: files and the truth ledger -----------------------------------------

INVOICE_FORMATS = {"openai_cost", "anthropic_cost", "focus", "canonical"}
TOKEN_RANK = {"openai_usage": 0, "anthropic_usage": 0, "canonical": 0, "focus": 1}


@dataclass
class ShapeOut:
    """Files of one shape and, per (format, billing provider, day), the cost each file states."""

    folder: Path
    files: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    coverage: list[tuple[dt.date, dt.date]] = field(default_factory=list)  # days each export covers
    ledger: dict[tuple[str, str, str], dict[dt.date, Decimal]] = field(default_factory=dict)

    def _write(self, name: str, fmt: str, header: list[str], rows: list[list[str]], bom: bool = False) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / name, "w", newline="", encoding="utf-8-sig" if bom else "utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        self.files.append(name)
        self.formats.append(fmt)

    def _book(self, fmt: str, provider: str, account: str, costs: dict[dt.date, Decimal],
              period: tuple[str, str] | None = None) -> None:
        """A later import of the same source replaces the days its date range covers. ``period`` is
        the range the export was taken for, when its last rows fall before the end (no usage then)."""
        if not costs:
            return
        self.coverage.append((day(period[0]), day(period[1])) if period else (min(costs), max(costs)))
        book = self.ledger.setdefault((fmt, provider, account), {})
        lo, hi = min(costs), max(costs)
        for d in [d for d in book if lo <= d <= hi]:
            del book[d]
        for d, v in costs.items():
            book[d] = book.get(d, ZERO) + v

    # -- OpenAI ---------------------------------------------------------------------------------
    def openai_usage(self, name: str, rows: list[TokenRow], period: tuple[str, str] | None = None) -> None:
        out, costs = [], {}
        for r in sorted(rows, key=lambda r: (r.day, r.team, r.model, r.batch)):
            t0, t1 = unix(r.day), unix(r.day + dt.timedelta(days=1))
            total_in = r.uncached + r.cache_read
            out.append([
                str(t0), str(t1), iso_offset(r.day), iso_offset(r.day + dt.timedelta(days=1)), r.team,
                f1(r.requests), "", "", r.model, "TRUE" if r.batch else "FALSE", "default",
                f1(total_in), f1(r.output), f1(r.cache_read), f1(r.uncached), f1(r.uncached), f1(r.output),
                f1(r.cache_read), "0.0", "0.0", "0.0", "0.0", "0.0", "0.0"])
            costs[r.day] = costs.get(r.day, ZERO) + r.list_cost()
        self._write(name, "openai_usage", OPENAI_USAGE_HEADER, out)
        self._book("openai_usage", "openai", "", costs, period)

    def openai_legacy_usage(self, name: str, rows: list[TokenRow], org: tuple[str, str],
                            projects: dict[str, tuple[str, str, str]]) -> None:
        """The pre-2025 usage export: one row per day x key x snapshot, counts as integers."""
        out, costs = [], {}
        for r in sorted(rows, key=lambda r: (r.day, r.team, r.model)):
            project_name, email, key_name = projects[r.team]
            key_id = "key_" + format(zlib.crc32(key_name.encode()), "08x")
            out.append([
                org[0], org[1], str(unix(r.day)), str(r.requests), "completion", r.model,
                str(r.uncached + r.cache_read), str(r.output), str(r.cache_read), "0", "0", email, key_id,
                key_name, "sk-...", "secret", r.team, project_name, "chat"])
            costs[r.day] = costs.get(r.day, ZERO) + r.list_cost()
        self._write(name, "openai_usage", OPENAI_LEGACY_HEADER, out)
        self._book("openai_usage", "openai", org[0], costs)

    def openai_cost(self, name: str, rows: list[TokenRow], org: tuple[str, str], *, grouped: bool = True,
                    discount: Decimal = Decimal(1), extras: dict[dt.date, Decimal] | None = None) -> None:
        """Cost export: per day x line item x project (``grouped``) or one amount a day."""
        items: dict[tuple, Decimal] = {}
        for r in rows:
            p = list_price(r.model, r.day)
            half = Decimal("0.5") if r.batch else Decimal(1)
            prefix = "batch " if r.batch else ""
            for label, tokens, unit in (("cached input", r.cache_read, p["cache_read"]),
                                        (prefix + "input", r.uncached, p["input"]),
                                        (prefix + "output", r.output, p["output"])):
                if tokens:
                    k = (r.day, f"{r.model}, {label}", r.team) if grouped else (r.day, "", "")
                    items[k] = items.get(k, ZERO) + Decimal(tokens) * unit * half * discount / MILLION
        for d, amount in (extras or {}).items():
            k = (d, "Web search tool calls", "") if grouped else (d, "", "")
            items[k] = items.get(k, ZERO) + amount
        out, costs = [], {}
        for (d, item, project), amount in sorted(items.items()):
            text = f"{amount:.16f}"
            out.append([str(unix(d)), str(unix(d + dt.timedelta(days=1))), iso_offset(d),
                        iso_offset(d + dt.timedelta(days=1)), text, "usd", item, project, org[0], org[1]])
            costs[d] = costs.get(d, ZERO) + Decimal(text)
        self._write(name, "openai_cost", OPENAI_COST_HEADER, out)
        self._book("openai_cost", "openai", org[0], costs)

    # -- Anthropic ------------------------------------------------------------------------------
    def anthropic_usage(self, name: str, rows: list[TokenRow]) -> None:
        out, costs = [], {}
        for r in sorted(rows, key=lambda r: (r.day, r.model, r.key, r.batch)):
            out.append([r.day.isoformat(), r.model, r.key, r.team, "batch" if r.batch else "standard", "≤ 200k",
                        str(r.uncached), str(r.cache_write), "0", str(r.cache_read), str(r.output), "0",
                        "not_available", ""])
            costs[r.day] = costs.get(r.day, ZERO) + r.list_cost()
        self._write(name, "anthropic_usage", ANTHROPIC_USAGE_HEADER, out, bom=True)
        self._book("anthropic_usage", "anthropic", "", costs)

    def anthropic_cost(self, name: str, rows: list[TokenRow], key_ids: dict[str, str],
                       discount: Decimal = Decimal(1)) -> None:
        """Console cost export: per day x model x key x token type, dollars rounded to cents."""
        out, costs = [], {}
        for r in rows:
            p = list_price(r.model, r.day)
            half = Decimal("0.5") if r.batch else Decimal(1)
            for token_type, tokens, unit in (("input_no_cache", r.uncached, p["input"]),
                                             ("input_cache_write_5m", r.cache_write, p["cache_write"]),
                                             ("input_cache_read", r.cache_read, p["cache_read"]),
                                             ("output", r.output, p["output"])):
                if not tokens:
                    continue
                listed = Decimal(tokens) * unit * half / MILLION
                cost = cents(listed * discount)
                out.append([r.day.isoformat(), ANTHROPIC_DISPLAY[r.model], r.team, r.key,
                            "batch" if r.batch else "message", "≤ 200k", token_type, str(cost), money2(listed),
                            "token", "not_available", "", key_ids[r.key], "active"])
                costs[r.day] = costs.get(r.day, ZERO) + cost
        order = {"input_no_cache": 0, "input_cache_write_5m": 1, "input_cache_read": 2, "output": 3}
        out.sort(key=lambda x: (x[0], x[1], x[3], x[4], order[x[6]]))
        self._write(name, "anthropic_cost", ANTHROPIC_COST_HEADER, out, bom=True)
        self._book("anthropic_cost", "anthropic", "", costs)

    # -- FOCUS ----------------------------------------------------------------------------------
    def focus(self, name: str, token_part: list[dict], other_part: list[dict], provider: str) -> None:
        rows = sorted(token_part + other_part, key=lambda r: (r["ChargePeriodStart"], r["ServiceCategory"],
                                                            r.get("ResourceName", ""), r["SkuId"]))
        costs: dict[dt.date, Decimal] = {}
        for r in token_part:
            d = day(r["ChargePeriodStart"][:10])
            costs[d] = costs.get(d, ZERO) + Decimal(r["EffectiveCost"])
        self._write(name, "focus", FOCUS_HEADER, [[r.get(c, "") for c in FOCUS_HEADER] for r in rows])
        self._book("focus", provider, token_part[0]["BillingAccountId"] if token_part else "", costs)

    # -- canonical template ---------------------------------------------------------------------
    def gpu(self, name: str, rows: list[GpuRow]) -> None:
        out, by_vendor = [], {}
        for r in sorted(rows, key=lambda r: (r.day, r.vendor, r.tier)):
            out.append([r.day.isoformat(), r.vendor, r.model, r.team, r.region, r.tier, f"{r.hours:.1f}",
                        money2(r.cost), "usage"])
            book = by_vendor.setdefault(r.vendor, {})
            book[r.day] = book.get(r.day, ZERO) + r.cost
        self._write(name, "canonical", GPU_HEADER, out)
        for vendor, costs in by_vendor.items():
            self._book("canonical", vendor, "", costs)

    # -- the truth ------------------------------------------------------------------------------
    def daily_spend(self) -> dict[dt.date, Decimal]:
        """Spend per day with each (billing provider, day) counted once, as consolidation does:
        the invoice-grade source's cost wins; otherwise the token source's computed cost."""
        per: dict[tuple[str, dt.date], dict[str, Decimal]] = {}
        for (fmt, provider, _account), book in self.ledger.items():
            for d, v in book.items():
                src = per.setdefault((provider, d), {})
                src[fmt] = src.get(fmt, ZERO) + v
        out: dict[dt.date, Decimal] = {}
        for (_provider, d), sources in per.items():
            invoices = sorted(f for f in sources if f in INVOICE_FORMATS)
            if invoices:
                value = sources[invoices[0]]
            else:
                value = sources[min(sources, key=lambda f: (TOKEN_RANK.get(f, 1), f))]
            out[d] = out.get(d, ZERO) + value
        return out


def recent_monthly_spend(spend: dict[dt.date, Decimal], as_of: dt.date,
                         coverage: list[tuple[dt.date, dt.date]]) -> tuple[str, Decimal]:
    """(month, USD) of the last complete calendar month of the data, on the days before ``as_of``.

    The data runs from the earliest day any export covers to the latest (before ``as_of``); a month
    is complete when the data starts on or before its first day and runs to its last day. When no
    month is complete, the latest month's spend is scaled to the whole month.
    """
    first = min(a for a, _b in coverage)
    last = min(max(b for _a, b in coverage), as_of - dt.timedelta(days=1))
    days = [d for d in spend if first <= d <= last]
    month = month_start(last) if last == month_end(last) else month_start(month_start(last) - dt.timedelta(days=1))
    if month >= first:
        return month.strftime("%Y-%m"), sum((spend[d] for d in days if month_start(d) == month), ZERO)
    month = month_start(last)
    total = sum((spend[d] for d in days if month_start(d) == month), ZERO)
    length = (month_end(last) - month).days + 1
    return month.strftime("%Y-%m"), total * Decimal(length) / Decimal((last - max(first, month)).days + 1)


# --- FOCUS rows --------------------------------------------------------------------------------

AZURE = dict(
    account="/providers/Microsoft.Billing/billingAccounts/58213907",
    company="Harbor & Pine Logistics",
    sub_id="/subscriptions/0b7d2c41-93ae-4f58-8e16-2a9c4f7e1d03",
    sub_name="hp-ai-prod",
    tags=json.dumps({"costcenter": "CC-310", "env": "prod", "team": "customer-ops"}),
    discount=Decimal("0.9"),
)
AWS = dict(
    account="482913706155",
    company="Quillfield Health",
    sub_id="739204518266",
    sub_name="qh-clinical-ai",
)


def _focus_common(d: dt.date, issuer: str, provider: str, account: str, company: str, sub_id: str,
                  sub_name: str) -> dict[str, str]:
    return {
        "BillingAccountId": account, "BillingAccountName": company, "BillingCurrency": "USD",
        "BillingPeriodStart": iso_z(month_start(d)), "BillingPeriodEnd": iso_z(next_month(d)),
        "ChargeCategory": "Usage", "ChargeClass": "", "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": iso_z(d), "ChargePeriodEnd": iso_z(d + dt.timedelta(days=1)),
        "HostProviderName": provider, "InvoiceIssuerName": issuer, "PricingCategory": "Standard",
        "ProviderName": provider, "PublisherName": issuer, "ServiceProviderName": provider,
        "SubAccountId": sub_id, "SubAccountName": sub_name,
    }


def _focus_costs(row: dict, quantity: Decimal, pricing_quantity: Decimal, unit_price: Decimal,
                 discount: Decimal) -> None:
    list_cost = pricing_quantity * unit_price
    eff = list_cost * discount
    row.update({
        "ConsumedQuantity": fmt_dec(quantity), "PricingQuantity": fmt_dec(pricing_quantity),
        "ListUnitPrice": fmt_dec(unit_price), "ListCost": fmt_dec(list_cost),
        "ContractedUnitPrice": fmt_dec(unit_price * discount), "ContractedCost": fmt_dec(eff),
        "EffectiveCost": fmt_dec(eff), "BilledCost": fmt_dec(eff),
    })


AZURE_METERS = (  # SkuMeter, class, TokenDirection, TokenCacheAction, sku suffix, description
    ("Input Tokens", "input", "Input", "Uncached", "input", "Input tokens"),
    ("Cache Read Input Tokens", "cache_read", "Input", "Read", "cached-input", "Cached input tokens"),
    ("Output Tokens", "output", "Output", None, "output", "Output tokens"),
)


def azure_focus_rows(rows: list[TokenRow]) -> list[dict]:
    """Azure OpenAI token rows (FOCUS 1.2), billed at list less the enterprise discount."""
    out = []
    rg = AZURE["sub_id"] + "/resourceGroups/rg-ai-prod"
    for r in rows:
        model_id, version, family_name = AZURE_MODELS[r.model]
        p = list_price(r.model, r.day)
        counts = {"input": r.uncached, "cache_read": r.cache_read, "output": r.output}
        for meter, cls, direction, action, suffix, text in AZURE_METERS:
            tokens = counts[cls]
            if not tokens:
                continue
            details = {"ModelDeveloper": "OpenAI", "ModelFamily": family_name, "ModelId": model_id,
                       "ModelVersion": version}
            if action:
                details["TokenCacheAction"] = action
            details["TokenDirection"] = direction
            sku = f"{model_id}-{version}-glbl-{suffix}"
            row = _focus_common(r.day, "Microsoft", "Microsoft", AZURE["account"], AZURE["company"],
                                AZURE["sub_id"], AZURE["sub_name"])
            row.update({
                "ChargeDescription": f"{text} for {model_id} ({version}) Global deployment",
                "ConsumedUnit": "Tokens", "PricingUnit": "1000000 Tokens", "RegionId": "eastus2",
                "RegionName": "East US 2",
                "ResourceId": f"{rg}/providers/Microsoft.CognitiveServices/accounts/hp-aoai-eus2",
                "ResourceName": "hp-aoai-eus2", "ResourceType": "Azure OpenAI",
                "ServiceCategory": "AI and Machine Learning", "ServiceName": "Azure OpenAI",
                "ServiceSubcategory": "Generative AI", "SkuId": sku, "SkuMeter": meter,
                "SkuPriceDetails": json.dumps(details, sort_keys=True), "SkuPriceId": sku + "-ondemand",
                "Tags": AZURE["tags"],
            })
            _focus_costs(row, Decimal(tokens), Decimal(tokens) / MILLION, p[cls], AZURE["discount"])
            out.append(row)
    return out


def azure_other_rows(first: dt.date, last: dt.date) -> list[dict]:
    """The rest of the Azure bill (skipped by the importer): the API's VM scale set and storage."""
    out = []
    rg = AZURE["sub_id"] + "/resourceGroups/rg-ai-prod"
    for d in days_between(first, last):
        row = _focus_common(d, "Microsoft", "Microsoft", AZURE["account"], AZURE["company"], AZURE["sub_id"],
                            AZURE["sub_name"])
        row.update({
            "ChargeDescription": "Virtual Machines - D4s v5", "ConsumedUnit": "Hours", "PricingUnit": "1 Hour",
            "RegionId": "eastus2", "RegionName": "East US 2",
            "ResourceId": f"{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/vmss-ai-api",
            "ResourceName": "vmss-ai-api", "ResourceType": "Virtual machine scale set", "ServiceCategory": "Compute",
            "ServiceName": "Virtual Machines", "ServiceSubcategory": "Virtual Machines", "SkuId": "DZH318Z0BQ4L-0011",
            "SkuMeter": "D4s v5", "SkuPriceDetails": "", "SkuPriceId": "DZH318Z0BQ4L-0011-ondemand",
            "Tags": AZURE["tags"],
        })
        _focus_costs(row, Decimal(72), Decimal(72), Decimal("0.192"), Decimal(1))
        out.append(row)
    return out


def _aws_sku(model: str, cls: str) -> str:
    """An AWS-style opaque 16-character SKU code, stable per model and token class."""
    digest = hashlib.sha256(f"{model}/{cls}".encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def aws_focus_rows(rows: list[TokenRow]) -> list[dict]:
    """Amazon Bedrock token rows (FOCUS 1.2 with the AI SkuPriceDetails keys), on-demand list price."""
    out = []
    classes = (("input", "Input Tokens", "Input", "Uncached", "input-tokens"),
               ("cache_read", "Cache Read Input Tokens", "Input", "Read", "cache-read-input-token-count"),
               ("cache_write", "Cache Write Input Tokens", "Input", "Write", "cache-write-input-token-count"),
               ("output", "Output Tokens", "Output", None, "output-tokens"))
    for r in rows:
        developer, display, price = BEDROCK_MODELS[r.model]
        counts = {"input": r.uncached, "cache_read": r.cache_read, "cache_write": r.cache_write,
                  "output": r.output}
        short = r.model.split(".", 1)[1].split("-v1")[0]
        for cls, meter, direction, action, _usage_type in classes:
            tokens = counts[cls]
            if not tokens:
                continue
            details = {"ModelDeveloper": developer, "ModelId": r.model}
            if action:
                details["TokenCacheAction"] = action
            details["TokenDirection"] = direction
            row = _focus_common(r.day, "Amazon Web Services, Inc.", "AWS", AWS["account"], AWS["company"],
                                AWS["sub_id"], AWS["sub_name"])
            sku = _aws_sku(short, cls)
            row.update({
                "ChargeDescription": f"{display} {meter.lower()}", "ConsumedUnit": "Tokens",
                "PricingUnit": "1000000 Tokens", "RegionId": "us-east-1", "RegionName": "US East (N. Virginia)",
                "ServiceCategory": "AI and Machine Learning", "ServiceName": "Amazon Bedrock",
                "ServiceSubcategory": "Generative AI", "SkuId": sku, "SkuMeter": meter,
                "SkuPriceDetails": json.dumps(details, separators=(",", ":")), "SkuPriceId": sku + ".JRTCKXETXF",
                "Tags": json.dumps({"team": r.team}, separators=(",", ":")),
            })
            _focus_costs(row, Decimal(tokens), Decimal(tokens) / MILLION, Decimal(price[cls]), Decimal(1))
            out.append(row)
    return out


def aws_other_rows(first: dt.date, last: dt.date, endpoint_until: dt.date) -> list[dict]:
    """The rest of the AWS bill, which the importer skips: a SageMaker endpoint (AI category, but
    billed in hours, not tokens) each day until it was deleted, and the Compute Savings Plan fee on
    each month's first day."""
    out = []
    for d in days_between(first, last):
        if d <= endpoint_until:
            row = _focus_common(d, "Amazon Web Services, Inc.", "AWS", AWS["account"], AWS["company"],
                                AWS["sub_id"], AWS["sub_name"])
            row.update({
                "ChargeDescription": "ml.g5.2xlarge endpoint usage", "ConsumedUnit": "Hours",
                "PricingUnit": "Hours", "RegionId": "us-east-1", "RegionName": "US East (N. Virginia)",
                "ResourceId": f"arn:aws:sagemaker:us-east-1:{AWS['sub_id']}:endpoint/qh-triage-embeddings",
                "ResourceName": "qh-triage-embeddings", "ResourceType": "Endpoint",
                "ServiceCategory": "AI and Machine Learning", "ServiceName": "Amazon SageMaker",
                "ServiceSubcategory": "Machine Learning", "SkuId": "USE1-Host:ml.g5.2xlarge",
                "SkuMeter": "ml.g5.2xlarge endpoint", "SkuPriceId": "USE1-Host:ml.g5.2xlarge.JRTCKXETXF",
                "Tags": json.dumps({"team": "triage"}, separators=(",", ":")),
            })
            _focus_costs(row, Decimal(24), Decimal(24), Decimal("1.515"), Decimal(1))
            out.append(row)
        if d.day == 1:
            row = _focus_common(d, "Amazon Web Services, Inc.", "AWS", AWS["account"], AWS["company"],
                                AWS["sub_id"], AWS["sub_name"])
            row.update({
                "ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "ChargePeriodEnd": iso_z(next_month(d)),
                "ChargeDescription": "Compute Savings Plan, 1 year, no upfront", "ConsumedUnit": "",
                "PricingCategory": "Committed", "PricingUnit": "Hours", "RegionId": "", "RegionName": "",
                "ResourceId": f"arn:aws:savingsplans::{AWS['sub_id']}:savingsplan/5e1f0b2a-3c4d-4e8f-9a7b-2c6d1e0f4a9b",
                "ResourceName": "", "ResourceType": "Savings Plan", "ServiceCategory": "Compute",
                "ServiceName": "Savings Plans for AWS Compute usage", "ServiceSubcategory": "Other (Compute)",
                "SkuId": "ComputeSP:1yrNoUpfront", "SkuMeter": "", "SkuPriceId": "", "Tags": "",
            })
            hours = Decimal(24 * (next_month(d) - d).days)
            _focus_costs(row, ZERO, hours, Decimal("3.00"), Decimal(1))
            row["ConsumedQuantity"] = ""
            out.append(row)
    return out


# --- the shapes ------------------------------------------------------------------------------------

@dataclass
class Shape:
    name: str
    description: str
    build: object                 # function(rng, ShapeOut) -> None
    as_of: str = AS_OF
    args: tuple = ()
    horizon: int = 12
    expect: dict = field(default_factory=dict)
    budget_factor: float | None = None   # args get "--budget" = factor x 12 x recent monthly spend


ORG = ("org-Kq7Zt2Wm9Lx4Rb8Np3Vc6HsD", "Harbor & Pine Logistics")
P_SEARCH = "proj_Tm4Qx8Lz2Wc6Rb9Kn3Vd7Hs"
P_SUPPORT = "proj_Gy6Nb3Kp8Zq1Wm5Xt2Rc9Lf"
P_ANALYTICS = "proj_Hc2Vd9Mx5Lq8Tn3Zb7Wk4Rp"
A_KEYS = {"assistant-prod": "apikey_01HpAs4Kq9Vx2Rt7Lm3Pz8Hc5Y", "claims-bot": "apikey_01HpCl8Zt3Wc6Qp1Yx9Rk5Mv2B",
          "support-triage": "apikey_01HpSu2Hd7Lb4Xn9Vq3Tc6Pw8J", "research": "apikey_01HpRe5Kd2Mb8Xq4Vn7Tc1Pw6Z"}


def oa(team, chain, usd, start, end, **kw) -> Stream:
    return Stream("openai", team, tuple(chain), usd, start, end, **kw)


def an(team, key, chain, usd, start, end, **kw) -> Stream:
    kw.setdefault("cache", 0.7)
    kw.setdefault("write", 0.06)
    kw.setdefault("out", 0.06)
    return Stream("anthropic", team, tuple(chain), usd, start, end, key=key, **kw)


def streams_rows(rng, streams) -> list[TokenRow]:
    rows = []
    for s in streams:
        rows += token_rows(rng, s)
    return rows


FLAGSHIP = (("gpt-4o-2024-08-06", None), ("gpt-4.1-2025-04-14", "2025-04-22"), ("gpt-5-2025-08-07", "2025-08-25"),
            ("gpt-5.1-2025-11-13", "2025-12-01"))
MINI = (("gpt-4o-mini-2024-07-18", None), ("gpt-4.1-mini-2025-04-14", "2025-05-05"),
        ("gpt-5-mini-2025-08-07", "2025-09-08"))
SONNET = (("claude-3-5-sonnet-20241022", None), ("claude-3-7-sonnet-20250219", "2025-03-03"),
          ("claude-sonnet-4-20250514", "2025-06-02"), ("claude-sonnet-4-5-20250929", "2025-10-06"))
HAIKU = (("claude-3-5-haiku-20241022", None), ("claude-haiku-4-5-20251001", "2025-11-17"))


def line_from(chain: tuple, start: str) -> list:
    """The part of a model line in use from ``start`` on (the model then in use comes first)."""
    i = max(j for j, (_m, first) in enumerate(chain) if first is None or day(first) <= day(start))
    return [(chain[i][0], None)] + list(chain[i + 1:])


def default_openai(start, end, usd=30000.0, growth=0.03, project="", **kw) -> list[Stream]:
    """OpenAI's flagship model line; by default exported grouped by model only (blank project_id)."""
    return [oa(project, line_from(FLAGSHIP, start), usd, start, end, growth=growth, **kw)]


def default_anthropic(start, end, usd=20000.0, growth=0.03, **kw) -> list[Stream]:
    """One workspace (Assistant) on Anthropic's Sonnet line."""
    return [an("Assistant", "assistant-prod", line_from(SONNET, start), usd, start, end, growth=growth, **kw)]


def clip(rows: list, first: str, last: str) -> list:
    a, b = day(first), day(last)
    return [r for r in rows if a <= r.day <= b]


def span(start: str, end: str) -> str:
    return f"{start}_{end}"


def h100_reserved(start, end, gpus=16, vendor="coreweave", **kw) -> GpuContract:
    return GpuContract(vendor, "h100-sxm", start, end, (("2024-01-01", "2.45"), ("2025-05-01", "2.10"),
                                                         ("2025-11-01", "1.75"), ("2026-05-01", "2.35")),
                       gpus=(("2024-01-01", gpus),), **kw)


def h100_ondemand(start, end, vendor="lambda", **kw) -> GpuContract:
    return GpuContract(vendor, "h100-sxm", start, end, (("2024-01-01", "2.99"), ("2025-04-01", "2.62"),
                                                         ("2025-09-01", "2.31"), ("2026-01-01", "2.85"),
                                                         ("2026-04-01", "3.35"), ("2026-08-01", "3.90")), **kw)


def std_build(start, end, *, openai=30000.0, anthropic=20000.0, gpu=None, growth=0.03, drop=None,
              gpu_end=None, anthropic_end=None, **kw):
    """The common case: an OpenAI and an Anthropic usage export and a GPU invoice, one file each.

    ``openai``/``anthropic`` are monthly USD at the start (0 = no such file), ``gpu`` the reserved
    H100s (None = no GPU invoice); ``drop(rng, rows)`` removes rows (gaps, missing days).
    """
    def build(rng, out: ShapeOut):
        if openai:
            o = streams_rows(rng, default_openai(start, end, openai, growth, **kw))
            out.openai_usage(f"completions_usage_{span(start, end)}.csv", drop(rng, o) if drop else o)
        if anthropic:
            a_end = anthropic_end or end
            a = streams_rows(rng, default_anthropic(start, a_end, anthropic, growth, **kw))
            out.anthropic_usage(f"anthropic_usage_{span(start, a_end)}.csv", drop(rng, a) if drop else a)
        if gpu:
            g_end = gpu_end or end
            g = gpu_rows(rng, h100_reserved(start, g_end, gpus=gpu))
            out.gpu(f"gpu_invoice_coreweave_{span(start, g_end)}.csv", drop(rng, g) if drop else g)
    return build


def b_staggered(rng, out):
    o = streams_rows(rng, default_openai("2026-06-01", "2026-08-31", 24000.0))
    a = streams_rows(rng, default_anthropic("2026-08-01", "2026-09-30", 16000.0))
    z = token_rows(rng, Stream("azure", "customer-ops", (("gpt-5-mini-2025-08-07", None),), 9000.0,
                               "2026-09-01", "2026-09-30", cache=0.3, out=0.14))
    out.openai_usage("completions_usage_2026-06-01_2026-08-31.csv", o)
    out.anthropic_usage("anthropic_usage_2026-08-01_2026-09-30.csv", a)
    out.focus("focus_azure_2026-09.csv", azure_focus_rows(z), azure_other_rows(day("2026-09-01"), day("2026-09-30")),
              "azure")


def _gap(first, last):
    a, b = day(first), day(last)
    return lambda rng, rows: [r for r in rows if not a <= r.day <= b]


def _missing(frac):
    def drop(rng, rows):
        days = sorted({r.day for r in rows})
        inner = days[1:-1]
        gone = {d for d, u in zip(inner, rng.random(len(inner))) if u < frac}
        return [r for r in rows if r.day not in gone]
    return drop


def b_openai_only(rng, out):
    s, e = "2024-11-01", "2026-10-31"
    rows = token_rows(rng, oa(P_SEARCH, FLAGSHIP, 42000.0, s, e, growth=0.035))
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", rows)


def b_gpu_only(rng, out):
    s, e = "2024-11-01", "2026-10-31"
    rows = gpu_rows(rng, h100_reserved(s, e, gpus=64, team="pretraining", region="us-east-04"))
    rows += gpu_rows(rng, h100_ondemand(s, e, team="research", runs_per_month=2.0, nodes=(2, 8), growth=0.03))
    rows += gpu_rows(rng, GpuContract("nebius", "h200-sxm", "2026-02-01", e, (("2026-02-01", "2.95"),),
                                      gpus=(("2026-02-01", 32), ("2026-07-01", 48)), team="pretraining",
                                      region="eu-north1"))
    out.gpu(f"gpu_rental_{span(s, e)}.csv", rows)


def b_four_years(rng, out):
    g0, t0, legacy_end, e = "2022-11-01", "2023-03-01", "2024-12-31", "2026-10-31"
    gpu = gpu_rows(rng, GpuContract("lambda", "a100-sxm4-80gb", g0, "2024-02-29",
                                    (("2022-11-01", "1.99"), ("2023-09-01", "1.79")),
                                    gpus=(("2022-11-01", 16), ("2023-06-01", 24)), team="ml-research"))
    gpu += gpu_rows(rng, GpuContract("coreweave", "h100-sxm", "2024-03-01", e,
                                     (("2024-03-01", "2.89"), ("2025-03-01", "2.20"), ("2026-03-01", "2.35")),
                                     gpus=(("2024-03-01", 16), ("2025-06-01", 24)), team="ml-research"))
    line = (("gpt-3.5-turbo-0301", None), ("gpt-3.5-turbo-0613", "2023-06-19"),
            ("gpt-4-turbo-2024-04-09", "2024-04-15"), ("gpt-4o-2024-08-06", "2024-08-19"),
            ("gpt-4.1-2025-04-14", "2025-04-22"), ("gpt-5-2025-08-07", "2025-08-25"),
            ("gpt-5.1-2025-11-13", "2025-12-01"))
    rows = token_rows(rng, oa(P_SUPPORT, line, 6000.0, t0, e, growth=0.07, cache=0.0, out=0.15))
    for r in rows:  # prompt caching arrived in October 2024: no cached tokens before it
        if r.day >= day("2024-10-01"):
            moved = int(round(r.uncached * 0.3))
            r.uncached, r.cache_read = r.uncached - moved, moved
    projects = {P_SUPPORT: ("Support bot", "ops@harborpine.example", "support-bot-prod")}
    out.openai_legacy_usage(f"openai_usage_legacy_{t0}_{legacy_end}.csv", clip(rows, t0, legacy_end), ORG, projects)
    out.openai_usage(f"completions_usage_2025-01-01_{e}.csv", clip(rows, "2025-01-01", e))
    out.gpu(f"gpu_rental_{span(g0, e)}.csv", gpu)


def b_overlap(rng, out):
    s, e = "2026-05-01", "2026-10-31"
    o = streams_rows(rng, default_openai(s, e, 30000.0, growth=0.01, project=P_SEARCH))
    a = streams_rows(rng, default_anthropic(s, e, 24000.0, growth=0.01))
    searches = {d: Decimal(int(rng.integers(40, 90))) * Decimal("0.025")
                for d in days_between(day(s), day(e)) if d.weekday() < 5}
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", o)
    out.openai_cost(f"cost_{span(s, e)}.csv", o, ORG, extras=searches)
    out.anthropic_usage(f"anthropic_usage_{span(s, e)}.csv", a)
    out.anthropic_cost(f"anthropic_cost_{span(s, e)}.csv", a, A_KEYS, discount=Decimal("0.92"))


def b_focus_only_aws(rng, out):
    s, e = "2026-05-01", "2026-10-31"
    rows = token_rows(rng, Stream("aws", "clinical-notes", (("anthropic.claude-sonnet-4-5-20250929-v1:0", None),),
                                  26000.0, s, e, cache=0.0, out=0.08, growth=0.04))
    rows += token_rows(rng, Stream("aws", "intake", (("meta.llama3-3-70b-instruct-v1:0", None),
                                                     ("amazon.nova-pro-v1:0", "2026-08-03")),
                                   5000.0, s, e, cache=0.0, out=0.2, growth=0.02, ramp=1, weekdays_only=True))
    out.focus(f"aws_focus_{span(s, e)}.csv", aws_focus_rows(rows), aws_other_rows(day(s), day(e), day("2026-07-15")),
              "aws")


def b_anthropic_batch(rng, out):
    s, e = "2026-02-01", "2026-10-31"
    rows = streams_rows(rng, [
        an("Claims", "claims-bot", [("claude-sonnet-4-5-20250929", None)], 22000.0, s, e, batch=0.4, growth=0.025),
        an("Support", "support-triage", HAIKU, 6000.0, s, e, growth=0.03, weekdays_only=True),
    ])
    out.anthropic_usage(f"anthropic_usage_{span(s, e)}.csv", rows)


def b_many_teams(rng, out):
    s, e = "2025-05-01", "2026-10-31"
    o = streams_rows(rng, [
        oa(P_SEARCH, line_from(FLAGSHIP, s), 18000.0, s, e, growth=0.03),
        oa(P_ANALYTICS, [("o4-mini-2025-04-16", None)], 2500.0, "2026-01-05", e, growth=0.05, weekdays_only=True,
           out=0.3),
    ])
    a = streams_rows(rng, [
        an("Assistant", "assistant-prod", line_from(SONNET, s), 14000.0, s, e),
        an("Claims", "claims-bot", [("claude-sonnet-4-5-20250929", None)], 9000.0, "2025-10-01", e, growth=0.06),
        an("Support", "support-triage", line_from(HAIKU, "2025-08-04"), 4000.0, "2025-08-04", e, weekdays_only=True),
        an("Research", "research", [("claude-opus-4-5-20251101", None)], 3000.0, "2025-12-01", e,
           weekdays_only=True, growth=0.02),
    ])
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", o)
    out.anthropic_usage(f"anthropic_usage_{span(s, e)}.csv", a)
    gpu = gpu_rows(rng, h100_reserved(s, e, gpus=8, team="ml-platform"))
    gpu += gpu_rows(rng, h100_ondemand(s, e, team="research", runs_per_month=1.0, nodes=(1, 2)))
    out.gpu(f"gpu_invoice_{span(s, e)}.csv", gpu)


def b_fast_growth(rng, out):
    s, e = "2025-10-01", "2026-10-31"
    g = 8 ** (1 / 12) - 1
    o = streams_rows(rng, [oa("", [("gpt-5-mini-2025-08-07", None)], 7000.0, s, e, growth=g, cache=0.4)])
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", o)


def b_declining(rng, out):
    s, e = "2025-10-01", "2026-10-31"
    g = 0.4 ** (1 / 12) - 1
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", streams_rows(rng, default_openai(s, e, 60000.0, growth=g)))
    out.gpu(f"gpu_invoice_coreweave_{span(s, e)}.csv", gpu_rows(rng, GpuContract(
        "coreweave", "h100-sxm", s, e, (("2025-10-01", "1.85"), ("2026-04-01", "2.25")),
        gpus=(("2025-10-01", 48), ("2026-01-01", 40), ("2026-03-01", 32), ("2026-05-01", 24), ("2026-07-01", 20),
              ("2026-09-01", 16)))))


def b_tiny(rng, out):
    s, e = "2025-11-01", "2026-10-31"
    rows = token_rows(rng, oa(P_SUPPORT, [("gpt-4.1-mini-2025-04-14", None), ("gpt-5-mini-2025-08-07", "2026-02-02")],
                              300.0, s, e, growth=0.02, weekdays_only=True, noise=0.2, cache=0.2, prompt=1500))
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", rows, period=(s, e))


def b_very_large(rng, out):
    s, e = "2026-02-01", "2026-10-31"
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", streams_rows(rng, default_openai(s, e, 1_250_000.0)))
    out.anthropic_usage(f"anthropic_usage_{span(s, e)}.csv", streams_rows(rng, default_anthropic(s, e, 850_000.0)))
    gpu = gpu_rows(rng, h100_reserved(s, e, gpus=384, region="us-east-04"))
    gpu += gpu_rows(rng, h100_ondemand(s, e, vendor="lambda", runs_per_month=2.0, nodes=(4, 16)))
    out.gpu(f"gpu_invoice_{span(s, e)}.csv", gpu)


def b_ungrouped_cost(rng, out):
    s, e = "2026-02-01", "2026-10-31"
    o = streams_rows(rng, default_openai(s, e, 28000.0, growth=0.02, project=P_SEARCH))
    out.openai_usage(f"completions_usage_{span(s, e)}.csv", o)
    out.openai_cost(f"cost_{span(s, e)}.csv", o, ORG, grouped=False, discount=Decimal("0.85"))


def b_windows(rng, out):
    s, e = "2025-11-01", "2026-10-31"
    o = streams_rows(rng, default_openai(s, e, 32000.0))
    first = day(s)
    while first <= day(e):
        last = min(first + dt.timedelta(days=59), day(e))
        out.openai_usage(f"completions_usage_{first}_{last}.csv", clip(o, str(first), str(last)))
        first += dt.timedelta(days=50)


SHAPES = [
    Shape("lagging_close", "The books are closed to August 2026 and the CFO asks in December: the OpenAI usage "
          "export and the CoreWeave GPU invoice from January 2025 to August 2026, three months behind.",
          std_build("2025-01-01", "2026-08-31", openai=45000.0, anthropic=0, gpu=12),
          expect={"warnings_contain": ["august 2026", "estimated"]}),
    Shape("staggered_sources", "Each provider was exported at a different time: OpenAI June-August 2026, "
          "Anthropic August-September 2026, and only September 2026 of the Azure bill (FOCUS).", b_staggered,
          expect={"spend_ratio": [0.2, 5.0], "warnings_contain": ["end before", "wide"]}),
    Shape("one_month", "Only last month: OpenAI and Anthropic usage for October 2026, nothing earlier.",
          std_build("2026-10-01", "2026-10-31"), expect={"warnings_contain": ["wide"]}),
    Shape("three_months", "The last quarter: OpenAI, Anthropic and a GPU invoice for August-October 2026.",
          std_build("2026-08-01", "2026-10-31", gpu=8), expect={"warnings_contain": ["wide"]}),
    Shape("six_months", "Six months of OpenAI, Anthropic and GPU invoices, May-October 2026.",
          std_build("2026-05-01", "2026-10-31", gpu=8)),
    Shape("twelve_months", "A full year, November 2025-October 2026: OpenAI, Anthropic and a reserved GPU cluster.",
          std_build("2025-11-01", "2026-10-31", gpu=12)),
    Shape("through_yesterday", "Exports pulled this morning: March 2026 up to yesterday (5 December 2026), "
          "so December is a partial month.", std_build("2026-03-01", "2026-12-05"),
          expect={"warnings_contain": ["partial"]}),
    Shape("rolling_mid_month", "A rolling 12-month export taken mid-month: 15 November 2025 to 14 November 2026, "
          "partial first and last months (Anthropic usage and the GPU cluster's daily chargeback).",
          std_build("2025-11-15", "2026-11-14", openai=0, anthropic=30000.0, gpu=8),
          expect={"warnings_contain": ["partial"]}),
    Shape("gpu_invoice_lag", "API usage exported to October 2026, but the GPU rental invoice only runs to "
          "August 2026, two months behind.",
          std_build("2026-01-01", "2026-10-31", openai=35000.0, anthropic=15000.0, gpu=16, gpu_end="2026-08-31"),
          expect={"warnings_contain": ["august 2026"]}),
    Shape("providers_end_apart", "OpenAI exported to October 2026, Anthropic only to August 2026.",
          std_build("2026-01-01", "2026-10-31", openai=30000.0, anthropic=14000.0, anthropic_end="2026-08-31"),
          expect={"warnings_contain": ["end before"]}),
    Shape("three_month_gap", "Two years of Anthropic and GPU exports with nothing at all for March-May 2026 (those "
          "months were never pulled).", std_build("2024-11-01", "2026-10-31", openai=0, anthropic=30000.0, gpu=8,
                                                   drop=_gap("2026-03-01", "2026-05-31")),
          expect={"warnings_contain": ["missing"]}),
    Shape("one_month_spike", "A one-off backfill made March 2026 five times a normal month, in 14 months of "
          "OpenAI usage.", std_build("2025-09-01", "2026-10-31", anthropic=0, events=(("month", "2026-03", 5.0),)),
          expect={"warnings_contain": ["march 2026", "one-off"]}),
    Shape("openai_only", "A company on OpenAI alone: one project's usage for 24 months (November 2024-October "
          "2026), through four model generations.", b_openai_only),
    Shape("tokens_only", "API tokens only, no GPUs: OpenAI and Anthropic usage, February-October 2026.",
          std_build("2026-02-01", "2026-10-31", openai=26000.0, anthropic=30000.0)),
    Shape("gpu_only", "An AI lab that rents GPUs and buys no API tokens: reserved H100 and H200 clusters plus "
          "on-demand bursts, 24 months.", b_gpu_only),
    Shape("four_years", "Four years of history: A100 then H100 rental invoices from November 2022, OpenAI usage "
          "from March 2023 in the legacy export to 2024 and the new export from 2025.", b_four_years),
    Shape("partial_single_month", "A new API programme: usage only from 10 to 31 October 2026.",
          std_build("2026-10-10", "2026-10-31", openai=20000.0, anthropic=10000.0),
          expect={"warnings_contain": ["partial", "wide"]}),
    Shape("past_market_data", "Usage exported to the end of November 2026, a month past the latest market index "
          "value (1 November 2026).", std_build("2026-03-01", "2026-11-30", anthropic=0, gpu=8)),
    Shape("usage_and_cost_overlap", "Both views of the same spend for six months: OpenAI usage and cost exports, "
          "Anthropic usage and (8% discounted) cost exports, covering the same days.", b_overlap,
          expect={"spend_ratio": [0.6, 1.7]}),
    Shape("fast_growth", "A product launch: OpenAI token volume grew eightfold over the last 12 months "
          "(October 2025-October 2026).", b_fast_growth, expect={"spend_ratio": [0.5, 30.0]}),
    Shape("declining", "A product being wound down: OpenAI tokens down 60% over the year and the reserved GPU "
          "cluster cut from 48 to 16 H100s, October 2025-October 2026.", b_declining,
          expect={"spend_ratio": [0.05, 2.0]}),
    Shape("focus_only_aws", "Only the AWS FOCUS bill: Amazon Bedrock token rows (Claude, Llama, Nova) among "
          "SageMaker endpoint and Savings Plan charges that must be skipped, May-October 2026.", b_focus_only_aws),
    Shape("anthropic_batch", "Anthropic only, with 40% of the claims workload sent through the Message Batches "
          "API at half price, February-October 2026.", b_anthropic_batch),
    Shape("many_teams", "Eight teams across OpenAI projects, Anthropic workspaces and GPU over 18 months "
          "(May 2025-October 2026), four of them onboarded along the way.", b_many_teams),
    Shape("missing_days", "Daily exports with about one day in ten missing at random (failed scheduled "
          "downloads), February-October 2026.", std_build("2026-02-01", "2026-10-31", gpu=8, drop=_missing(0.10))),
    Shape("fiscal_april_budget", "A company whose fiscal year starts in April, with an annual budget, on 12 months "
          "of Anthropic and GPU usage.", std_build("2025-11-01", "2026-10-31", openai=0, anthropic=35000.0, gpu=8),
          args=("--fiscal-start", "4"), budget_factor=1.15),
    Shape("price_change", "An announced 20% token price cut from March 2027, on nine months of Anthropic and GPU "
          "usage.", std_build("2026-02-01", "2026-10-31", openai=0, anthropic=40000.0, gpu=8),
          args=("--price-change", "token:2027-03:-20")),
    Shape("as_of_before_data_end", "A re-run of the September board pack: as of 15 September 2026, with exports "
          "that already run to October 2026.",
          std_build("2025-12-01", "2026-10-31", openai=0, anthropic=30000.0, gpu=8, growth=0.01),
          as_of="2026-09-15", expect={"warnings_contain": ["after the as-of date"]}),
    Shape("tiny_spend", "A small business spending about $300 a month on one OpenAI project, weekdays only.",
          b_tiny),
    Shape("very_large", "A large enterprise spending about $3.5M a month: OpenAI, Anthropic and a 384-GPU H100 "
          "cluster with on-demand bursts.", b_very_large),
    Shape("ungrouped_cost_export", "OpenAI usage export plus the default (ungrouped) cost export: one discounted "
          "invoice amount a day with no model breakdown.", b_ungrouped_cost),
    Shape("overlapping_windows", "OpenAI's 60-day export limit: a year of usage in eight exports of up to 60 days, "
          "started every 50 days so consecutive files overlap by 10 days.", b_windows),
]


# --- writing -------------------------------------------------------------------------------------

def write_shape(shape: Shape, out_dir: Path) -> dict:
    folder = Path(out_dir) / shape.name
    if folder.exists():
        for old in folder.glob("*.csv"):
            old.unlink()
    out = ShapeOut(folder)
    rng = np.random.default_rng([SEED, zlib.crc32(shape.name.encode())])
    shape.build(rng, out)
    as_of = day(shape.as_of)
    month, spend = recent_monthly_spend(out.daily_spend(), as_of, out.coverage)
    args = list(shape.args)
    if shape.budget_factor:
        annual = Decimal(str(shape.budget_factor)) * 12 * spend
        budget = int((annual / 10_000).to_integral_value(ROUND_HALF_UP)) * 10_000
        args += ["--budget", str(budget)]
    entry = {
        "name": shape.name,
        "description": shape.description,
        "files": out.files,
        "formats": out.formats,
        "as_of": shape.as_of,
        "args": args,
        "recent_month": month,
        "recent_monthly_spend": float(cents(spend)),
        "horizon": shape.horizon,
        "expect": dict(shape.expect),
    }
    return entry


def write_all(out_dir: Path = HERE) -> list[dict]:
    """Write every shape's files under ``out_dir`` and ``out_dir/manifest.json``; return the manifest."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = [write_shape(s, out_dir) for s in SHAPES]
    with open(out_dir / "manifest.json", "w", encoding="utf-8", newline="\n") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output directory (default: beside this script)")
    args = parser.parse_args(argv)
    for entry in write_all(args.out):
        print(f"{entry['name']:<24} {len(entry['files'])} file(s)  {entry['recent_month']} "
              f"${entry['recent_monthly_spend']:>14,.2f}")


if __name__ == "__main__":
    main()
