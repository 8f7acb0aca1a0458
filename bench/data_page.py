"""Data page benchmark: the first page load's figures after a large import, from every stored row
(the previous release's way) and from the database's sums (``service.usage_aggregate``), in one run.

    python bench/data_page.py                      # 1,500,000 daily rows
    python bench/data_page.py --rows 200000 --keep /tmp/data_page   # reuse the database next time

A canonical-template export is written with one daily row per line: two years of days, two
providers, four models each, six teams, and as many projects and API keys as it takes to reach
``--rows`` (a busy gateway's log, attributed per key). It is imported through the service, as the
Data page imports it. Then the three computations the Data page's first load runs (monthly spend
by provider, the Imports table of which import counts, the invoice reconciliation) are timed:

- **all rows**: each reads every stored row (``store.usage_frame``), as the previous release did;
- **summed**: the database sums the rows over what the page never reads (``GROUP BY``), read once
  and shared by the three, as the page does now.

Each way runs in a fresh child process (cold: nothing cached in memory), alternating, ``--repeat``
times; printed: the median seconds of each step, the totals and their ratio, the rows read, and the
child's peak memory (VmHWM). The figures of both ways are checked to agree.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = {"openai": ["gpt-4o", "gpt-4o-mini", "o3", "gpt-4.1"],
          "anthropic": ["claude-sonnet-4.5", "claude-haiku-4.5", "claude-opus-4.1", "claude-sonnet-4"]}
TEAMS = ["search", "support", "platform", "research", "sales", "data"]


def write_export(path: Path, rows: int, seed: int = 7) -> int:
    """A canonical-template CSV of about ``rows`` daily rows (one per line); returns the count."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-11-01", "2026-10-31", freq="D")
    combos = [(p, m, t) for p, ms in MODELS.items() for m in ms for t in TEAMS]
    keys = max(1, round(rows / (len(days) * len(combos))))
    n = len(days) * len(combos) * keys
    day = np.repeat(days.strftime("%Y-%m-%d").to_numpy(), len(combos) * keys)
    combo = np.tile(np.repeat(np.arange(len(combos)), keys), len(days))
    key = np.tile(np.arange(keys), len(days) * len(combos))
    inp = rng.integers(10_000, 5_000_000, n)
    out = (inp * rng.uniform(0.05, 0.4, n)).astype(np.int64)
    frame = pd.DataFrame({
        "usage_date": day,
        "billing_provider": [combos[c][0] for c in combo],
        "model": [combos[c][1] for c in combo],
        "team": [combos[c][2] for c in combo],
        "project_id": [f"proj_{k % 17}" for k in key],
        "api_key_id": [f"key_{k}" for k in key],
        "input_tokens": inp, "output_tokens": out,
        "cost_usd": np.round((inp * 2.5 + out * 10.0) / 1e6 * rng.uniform(0.8, 1.0, n), 6),
    })
    frame.to_csv(path, index=False)
    return n


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not carried over from the parent
    that started it, which holds the imported rows)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(data_dir: str, way: str) -> dict:
    """Runs in a child: the Data page's first-load computations, one way; seconds per step."""
    from hedging import service, store
    from hedging.config import Settings

    settings = Settings.from_env({"HEDGING_DATA_DIR": data_dir})
    engine = store.get_engine(settings.database_url)
    out: dict = {"way": way}
    t0 = time.perf_counter()
    if way == "summed":
        t = time.perf_counter()
        rows = service.usage_aggregate(settings)
        out["read"] = time.perf_counter() - t
        out["rows read"] = len(rows)
        read = lambda: rows  # noqa: E731  (read once, shared by the three, as the page does)
    else:
        out["read"], out["rows read"] = 0.0, 0

        def read():
            t = time.perf_counter()
            frame = store.usage_frame(engine)
            out["read"] += time.perf_counter() - t
            out["rows read"] += len(frame)
            return frame
    t = time.perf_counter()
    monthly = service.monthly_usage(settings, "provider", stored=read())
    out["monthly spend"] = time.perf_counter() - t
    t = time.perf_counter()
    overview = service.imports_overview(settings, stored=read())
    out["imports table"] = time.perf_counter() - t
    t = time.perf_counter()
    rec = service.reconciliation(settings, stored=read())
    out["reconciliation"] = time.perf_counter() - t
    out["total"] = time.perf_counter() - t0
    out["peak MB"] = _peak_mb()
    out["check"] = [round(float(monthly["cost_usd"].sum()), 2), round(overview.counted_last_12_usd, 2),
                    round(float(rec.months["counted_usd"].sum()), 2), len(rec.causes)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_500_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--keep", help="data directory to create once and reuse")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    from hedging import service
    from hedging.config import Settings

    tmp = tempfile.TemporaryDirectory()
    data_dir = Path(args.keep or tmp.name) / "data"
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(data_dir)})
    if service.data_version(settings) == "empty":
        export = Path(tmp.name) / "gateway_by_key.csv"
        t = time.perf_counter()
        n = write_export(export, args.rows)
        print(f"Wrote {n:,} daily rows ({export.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t:.0f} s")
        t = time.perf_counter()
        service.import_files([(export.name, export)], settings)
        print(f"Imported through the service in {time.perf_counter() - t:.0f} s")
    stored = sum(i.rows_stored for i in service.list_imports(settings))
    print(f"Stored: {stored:,} daily rows")
    runs: dict[str, list[dict]] = {"all rows": [], "summed": []}
    for _ in range(args.repeat):
        for way in runs:
            done = subprocess.run([sys.executable, __file__, "--child", str(data_dir), way], capture_output=True,
                                  text=True, check=True, cwd=ROOT)
            runs[way].append(json.loads(done.stdout.strip().splitlines()[-1]))
    steps = ["read", "monthly spend", "imports table", "reconciliation", "total"]
    print(f"\nData page first load after the import, seconds (median of {args.repeat} cold runs each):")
    print(f"  {'way':<10}" + "".join(f"{s:>16}" for s in steps) + f"{'rows read':>12}{'peak MB':>9}")
    for way, got in runs.items():
        print(f"  {way:<10}" + "".join(f"{statistics.median(r[s] for r in got):16.2f}" for s in steps)
              + f"{got[0]['rows read']:>12,}{statistics.median(r['peak MB'] for r in got):9.0f}")
    old, new = (statistics.median(r["total"] for r in runs[w]) for w in runs)
    print(f"  summed / all rows: {new / old:.2f} ({old / new:.1f}x faster)")
    same = runs["all rows"][0]["check"] == runs["summed"][0]["check"]
    print(f"  same figures (spend, counted last 12 months, reconciled, causes): {same} {runs['summed'][0]['check']}")


if __name__ == "__main__":
    main()
