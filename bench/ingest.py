"""Ingest benchmark: a per-request log (OpenRouter per-generation export) from CSV to stored daily
rows, against a bare ``pandas.read_csv`` of the same file in the same run.

    python bench/ingest.py                 # 10k, 100k and 1M rows (the 1M file is about 200 MB)
    python bench/ingest.py --rows 100000   # one size

Each measurement runs in a fresh child process so that its peak memory (VmHWM) is its own.
Goal (issue 2): import time at most 2x the bare read, and peak memory under 600 MB at 1M rows.

Storing (issue 10): a template export with one daily row per line (``--store-rows``, default
200,000 daily rows) is read, then stored; the bytes per stored daily row are measured while
storing (tracemalloc peak above what was allocated before, and the process's peak RSS growth)
and on disk (SQLite file after a checkpoint, per row), and how long the write lock is held (from
runs without tracemalloc). The baseline is the previous release's
way of storing, in the same run: every row turned into a parameter dict at once and sent in one
statement, with its smaller index and no unique key.

    python bench/ingest.py --rows --store-rows 200000     # the storing figures only
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADER = ("generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,"
          "byok_usage_inference,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,"
          "provider_name,variant,cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,"
          "generation_time_ms,time_to_first_token_ms,api_key_disabled,api_key_name,app_name").split(",")
MODELS = ["anthropic/claude-4.5-sonnet-20250929", "openai/gpt-5-2025-08-07", "openai/gpt-5-mini-2025-08-07",
          "google/gemini-2.5-flash", "deepseek/deepseek-chat-v3.1", "anthropic/claude-4.5-haiku-20251001"]
PROVIDERS = ["Anthropic", "OpenAI", "OpenAI", "Google", "DeepInfra", "Amazon Bedrock"]


def make_log(n: int, path: Path, seed: int = 7) -> None:
    """Write ``n`` per-generation rows over 30 days in the real export's shape."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-09-01").value // 10**6
    ms = np.sort(rng.integers(0, 30 * 86_400_000, n)) + start
    created = pd.to_datetime(ms, unit="ms").strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3]
    model = rng.integers(0, len(MODELS), n)
    prompt = rng.lognormal(8, 1.2, n).astype(np.int64) + 10
    cached = (prompt * rng.uniform(0, 0.8, n)).astype(np.int64)
    completion = rng.lognormal(5.5, 1.0, n).astype(np.int64) + 1
    reasoning = np.where(rng.random(n) < 0.3, (completion * 0.4).astype(np.int64), 0)
    cost = (prompt - cached) * 3e-6 + cached * 3e-7 + completion * 1.5e-5
    frame = pd.DataFrame({
        "generation_id": [f"gen-{m // 1000}-{i:016X}" for i, m in enumerate(ms)],
        "created_at": created,
        "cost_total": np.round(cost, 7),
        "cost_web_search": 0, "cost_cache": np.round(cached * 3e-7, 7), "cost_file_processing": 0,
        "byok_usage_inference": 0,
        "tokens_prompt": prompt, "tokens_completion": completion, "tokens_reasoning": reasoning,
        "tokens_cached": cached,
        "model_permaslug": np.array(MODELS)[model], "provider_name": np.array(PROVIDERS)[model],
        "variant": "standard", "cancelled": "false", "streamed": "true", "user": "",
        "finish_reason_raw": "end_turn", "finish_reason_normalized": "stop",
        "generation_time_ms": rng.integers(200, 20000, n), "time_to_first_token_ms": rng.integers(80, 3000, n),
        "api_key_disabled": "false",
        "api_key_name": np.array(["prod-backend", "prod-search", "batch-jobs", "staging", "analytics"])[
            rng.integers(0, 5, n)],
        "app_name": np.array(["Acme Chat", "Acme Search", "Internal tools"])[rng.integers(0, 3, n)],
    })
    frame[HEADER].to_csv(path, index=False)


def peak_memory_mb() -> float:
    """Peak resident memory of this process (VmHWM). ru_maxrss would not do: Linux carries it
    over exec from the parent that generated the test file."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(mode: str, path: str) -> None:
    from hedging import service  # imported before the clock starts, as pandas is
    from hedging.config import Settings

    t0 = time.perf_counter()
    if mode == "baseline":
        rows = len(pd.read_csv(path))
    else:
        tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
        settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}", data_dir=tmp)
        [outcome] = service.import_files([(Path(path).name, path)], settings)
        rows = len(outcome.read.frame)
        assert outcome.read.rows_rejected == 0, outcome.read.rejected[:3]
    seconds = time.perf_counter() - t0
    peak_mb = peak_memory_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows}))


STORE_TEAMS = [f"team-{i:02d}" for i in range(25)]
STORE_MODELS = ["gpt-4o", "gpt-4o-mini", "o3", "claude-sonnet-4-5", "gemini-2.5-flash"]


def make_template(n: int, path: Path) -> None:
    """A template export with ``n`` distinct daily rows (day x team x model x API key)."""
    per_day = len(STORE_TEAMS) * len(STORE_MODELS) * 4
    days = -(-n // per_day)
    rows = []
    for d in range(days):
        day = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=d)).strftime("%Y-%m-%d")
        for team in STORE_TEAMS:
            for model in STORE_MODELS:
                for k in range(4):
                    rows.append(f"{day},openai,org-bench,{model},{team},proj_{team},key_{k},"
                                f"{1000 + d + k},{100 + d},{(1000 + d) / 1e4:.4f}\n")
    text = "usage_date,billing_provider,account_id,model,team,project_id,api_key_id,input_tokens,output_tokens,cost_usd\n"
    path.write_text(text + "".join(rows[:n]))


def _old_store(engine, read) -> None:
    """The previous release's storing: every row a dict at once, one statement (its import
    record written first, as it was)."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from hedging.store.repository import _STORED_COLUMNS
    from hedging.store.tables import ImportRecord, UsageRecord

    with Session(engine) as session, session.begin():
        record = ImportRecord(file_name=read.file_name, sha256=read.sha256, source_format=read.format,
                              rows_read=read.rows_read, rows_imported=read.rows_kept, rows_skipped=0,
                              rows_rejected=0)
        session.add(record)
        session.flush()
        out = read.frame[list(_STORED_COLUMNS)].copy()
        out["usage_date"] = pd.to_datetime(out["usage_date"]).dt.date
        obj = out.astype(object).where(out.notna(), None)
        obj["import_id"] = record.id
        session.execute(insert(UsageRecord.__table__), obj.to_dict("records"))


def store_worker(mode: str, path: str, traced: str = "1") -> None:
    """Store ``path`` the ``old`` or ``new`` way; with ``traced`` = "0" no tracemalloc (which slows
    Python code several times), for the times."""
    import gc
    import tracemalloc

    from hedging import store
    from hedging.ingest import read_usage
    from hedging.store.engine import clear_engines

    tmp = Path(tempfile.mkdtemp(prefix="bench-store-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = store.get_engine(url)
    if mode == "old":  # the previous schema's index instead of the unique key
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX uq_usage_daily_row")
            conn.exec_driver_sql("CREATE INDEX ix_usage_source_day ON usage_daily (source_format, billing_provider, "
                                 "usage_date)")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    empty_bytes = (tmp / "bench.db").stat().st_size
    read = read_usage(path, Path(path).name)
    rows = len(read.frame)
    gc.collect()
    rss_before = _rss_mb()
    if traced == "1":
        tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    held = {"seconds": 0.0}
    t0 = time.perf_counter()
    if mode == "old":  # its transaction took the write lock at the import record's INSERT, at once
        _old_store(engine, read)
        held["seconds"] = time.perf_counter() - t0
    else:
        from contextlib import contextmanager

        from hedging.store import repository

        real_lock = repository.write_lock

        @contextmanager
        def timed_lock(*args, **kwargs):
            with real_lock(*args, **kwargs) as conn:
                start = time.perf_counter()
                yield conn
                held["seconds"] = time.perf_counter() - start  # commit excluded in both: it is short

        repository.write_lock = timed_lock
        store.save_imports(engine, [read])
    seconds = time.perf_counter() - t0
    _now, peak = tracemalloc.get_traced_memory()
    if traced == "1":
        tracemalloc.stop()
    rss_growth = peak_memory_mb() - rss_before
    with engine.begin() as conn:
        stored = conn.exec_driver_sql("SELECT COUNT(*) FROM usage_daily").scalar()
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    clear_engines()
    disk = (tmp / "bench.db").stat().st_size - empty_bytes
    print(json.dumps({"rows": rows, "stored": stored, "seconds": seconds, "lock_seconds": held["seconds"],
                      "traced_bytes_per_row": (peak - before) / rows,
                      "rss_growth_bytes_per_row": max(rss_growth, 0) * 2**20 / rows,
                      "disk_bytes_per_row": disk / rows}))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure_store(n: int, tmp: Path) -> None:
    path = tmp / f"template_{n}.csv"
    make_template(n, path)
    results = {}
    for mode in ("old", "new"):
        runs = []
        for traced in ("1", "0"):
            out = subprocess.run([sys.executable, __file__, "--store-worker", mode, str(path), traced], check=True,
                                 capture_output=True, text=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        memory, times = runs
        results[mode] = {**memory, "seconds": times["seconds"], "lock_seconds": times["lock_seconds"],
                         "rss_growth_bytes_per_row": times["rss_growth_bytes_per_row"]}
    old, new = results["old"], results["new"]
    assert old["stored"] == new["stored"] == new["rows"], results
    print(f"\nStoring {new['rows']:,} daily rows (SQLite), bytes per stored daily row:")
    print(f"{'':>34} {'before':>10} {'after':>10} {'after/before':>13}")
    for key, label in (("traced_bytes_per_row", "in memory while storing (traced)"),
                       ("rss_growth_bytes_per_row", "peak RSS growth while storing"),
                       ("disk_bytes_per_row", "on disk"), ("seconds", "seconds to store"),
                       ("lock_seconds", "seconds holding the write lock")):
        ratio = new[key] / old[key] if old[key] else float("nan")
        print(f"{label:>34} {old[key]:>10,.1f} {new[key]:>10,.1f} {ratio:>13.2f}", flush=True)


def measure(mode: str, path: Path, repeat: int) -> dict:
    """Median time and largest peak memory over ``repeat`` fresh processes."""
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--worker", mode, str(path)], check=True,
                             capture_output=True, text=True)
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {"seconds": float(np.median([r["seconds"] for r in runs])),
            "peak_mb": max(r["peak_mb"] for r in runs), "rows": runs[0]["rows"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median time)")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"))
    parser.add_argument("--store-rows", type=int, default=200_000, help="daily rows for the storing figures (0: skip)")
    parser.add_argument("--store-worker", nargs=3, metavar=("MODE", "PATH", "TRACED"))
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if args.store_worker:
        store_worker(*args.store_worker)
        return
    print(f"{'rows':>10} {'MB':>7} {'read_csv s':>11} {'import s':>9} {'ratio':>6} "
          f"{'read_csv peak MB':>17} {'import peak MB':>15} {'daily rows':>11}")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for n in args.rows:
            path = Path(tmp) / f"openrouter_generations_{n}.csv"
            make_log(n, path)
            base = measure("baseline", path, args.repeat)
            imp = measure("import", path, args.repeat)
            print(f"{n:>10,} {path.stat().st_size / 1e6:>7.1f} {base['seconds']:>11.2f} {imp['seconds']:>9.2f} "
                  f"{imp['seconds'] / base['seconds']:>6.2f} {base['peak_mb']:>17.0f} {imp['peak_mb']:>15.0f} "
                  f"{imp['rows']:>11,}", flush=True)
        if args.store_rows:
            measure_store(args.store_rows, Path(tmp))


if __name__ == "__main__":
    main()
