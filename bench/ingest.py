"""Ingest benchmark: a per-request log (OpenRouter per-generation export) from CSV to stored daily
rows, against a bare ``pandas.read_csv`` of the same file in the same run.

    python bench/ingest.py                 # 10k, 100k and 1M rows (the 1M file is about 200 MB)
    python bench/ingest.py --rows 100000   # one size
    python bench/ingest.py --rows 10000 100000 1000000 10000000 --engines --store-rows 0
    python bench/ingest.py --format litellm --rows 1000000 --store-rows 0   # a LiteLLM_SpendLogs export

Each measurement runs in a fresh child process so that its peak memory (VmHWM) is its own.
``load`` is the machine's 1-minute load average when the row's runs end: on a shared machine
the seconds move with it (both engines use the same cores), so compare ratios from one row. The
bare read and the import run in turns (read, import, read, import, ...), and the ratio of each
pair is printed after the medians.
Goal (issues 2 and 12): import time at most 2x the bare read, and peak memory under 600 MB at 1M
rows; 10M rows (about 2.1 GB) in under 1 GB. ``lock s`` is how long the import held the
database's write lock.

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
import os
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


def _write_parts(n: int, path: Path, seed: int, part_rows: int, make_part) -> None:
    """Write ``n`` rows made by ``make_part(rows, first, seed)`` in parts of ``part_rows``, so that a
    10M-row file is written in bounded memory."""
    with open(path, "w", newline="") as out:
        for part, start in enumerate(range(0, n, part_rows)):
            make_part(min(part_rows, n - start), start, seed + part).to_csv(out, index=False, header=part == 0)


def make_log(n: int, path: Path, seed: int = 7, part_rows: int = 1_000_000) -> None:
    """Write ``n`` per-generation rows over 30 days in the real export's shape (in parts of a
    million rows, so that a 10M-row file is written in bounded memory)."""
    _write_parts(n, path, seed, part_rows, _log_part)


def _log_part(n: int, first: int, seed: int) -> pd.DataFrame:
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
        "generation_id": [f"gen-{m // 1000}-{i:016X}" for i, m in enumerate(ms, start=first)],
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
    return frame[HEADER]


LITELLM_HEADER = ("request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,"
                  "model,model_group,custom_llm_provider,metadata,team_id,organization_id,status").split(",")
LITELLM_MODELS = [("claude-sonnet-4-5-20250929", "claude-sonnet", "anthropic"),
                  ("gpt-5-2025-08-07", "gpt-5", "openai"), ("gpt-5-mini-2025-08-07", "gpt-5-mini", "openai"),
                  ("vertex_ai/gemini-2.5-flash", "gemini-flash", "vertex_ai"),
                  ("bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku", "bedrock"),
                  ("azure/gpt-4o", "gpt-4o", "azure")]
LITELLM_TEAMS = [("team-search", "search"), ("team-chat", "chat"), ("team-batch", "batch jobs"), ("", "")]


def make_litellm_log(n: int, path: Path, seed: int = 7, part_rows: int = 1_000_000) -> None:
    """Write ``n`` LiteLLM_SpendLogs rows over 30 days (the columns the proxy's table exports,
    without the request and response bodies), in parts of a million rows."""
    _write_parts(n, path, seed, part_rows, _litellm_part)


def _litellm_part(n: int, first: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-09-01").value // 10**6
    ms = np.sort(rng.integers(0, 30 * 86_400_000, n)) + start
    stamp = pd.to_datetime(ms, unit="ms").strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    model = rng.integers(0, len(LITELLM_MODELS), n)
    team = rng.integers(0, len(LITELLM_TEAMS), n)
    prompt = rng.lognormal(8, 1.2, n).astype(np.int64) + 10
    cached = (prompt * rng.uniform(0, 0.8, n)).astype(np.int64)
    completion = rng.lognormal(5.5, 1.0, n).astype(np.int64) + 1
    failed = rng.random(n) < 0.01
    metadata = np.array([
        '{"user_api_key_team_id": "%s", "user_api_key_team_alias": "%s", "usage_object": '
        '{"cache_read_input_tokens": %%d, "cache_creation_input_tokens": 0}}' % t for t in LITELLM_TEAMS], dtype=object)
    meta = [m % c for m, c in zip(metadata[team], cached)]
    models = np.array(LITELLM_MODELS, dtype=object)
    frame = pd.DataFrame({
        "request_id": [f"chatcmpl-{i:020d}" for i in range(first, first + n)],
        "call_type": "acompletion",
        "api_key": np.array([f"{k:064x}" for k in range(5)])[rng.integers(0, 5, n)],
        "spend": np.where(failed, 0, np.round((prompt - cached) * 3e-6 + cached * 3e-7 + completion * 1.5e-5, 7)),
        "total_tokens": prompt + completion,
        "prompt_tokens": np.where(failed, 0, prompt),
        "completion_tokens": np.where(failed, 0, completion),
        "startTime": stamp, "endTime": stamp,
        "model": models[model, 0], "model_group": models[model, 1], "custom_llm_provider": models[model, 2],
        "metadata": meta,
        "team_id": np.array([t for t, _a in LITELLM_TEAMS], dtype=object)[team],
        "organization_id": "org-1",
        "status": np.where(failed, "failure", "success"),
    })
    return frame[LITELLM_HEADER]


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

    held = {"seconds": 0.0}
    if mode not in ("baseline", "pandas", "arrow"):
        # the workspace's database exists before the clock starts, as it does in the app (opened
        # with the first page, before anything can be uploaded): creating its tables is not
        # part of an import
        from hedging.store import get_engine
        tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
        settings = Settings(database_url=f"sqlite:///{tmp / 'bench.db'}", data_dir=tmp, max_upload_bytes=2**40)
        get_engine(settings.database_url)
    t0 = time.perf_counter()
    if mode == "baseline":
        rows = len(pd.read_csv(path))
    elif mode in ("pandas", "arrow"):  # the parse alone, by each engine, of the columns the importer reads
        rows = parse_only(mode, path)
    else:
        _time_the_write_lock(held)
        [outcome] = service.import_files([(Path(path).name, path)], settings)
        rows = len(outcome.read.frame)
        assert outcome.read.rows_rejected == 0, outcome.read.rejected[:3]
        assert outcome.read.rows_read == int(Path(path).name.rsplit("_", 1)[1].split(".")[0])
    seconds = time.perf_counter() - t0
    peak_mb = peak_memory_mb()
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": rows, "lock_seconds": held["seconds"]}))


def _time_the_write_lock(held: dict) -> None:
    """Time how long the import holds the database's write lock (commit excluded: it is short)."""
    from contextlib import contextmanager

    from hedging.store import repository

    real_lock = repository.write_lock

    @contextmanager
    def timed_lock(*args, **kwargs):
        with real_lock(*args, **kwargs) as conn:
            start = time.perf_counter()
            yield conn
            held["seconds"] = time.perf_counter() - start

    repository.write_lock = timed_lock


def parse_only(engine: str, path: str) -> int:
    """Parse the columns the OpenRouter importer reads, in parts, with pandas' C parser (text as
    Python strings, as the importer asks) or Arrow's reader as the importer runs it (byte ranges
    of the file parsed two at a time in threads of their own)."""
    from hedging.ingest.formats.openrouter import GENERATION_COLS

    wanted = list(GENERATION_COLS) + ["generation_id"]
    text = ["created_at", "model_permaslug", "api_key_name", "app_name", "generation_id"]
    rows = 0
    if engine == "pandas":
        for chunk in pd.read_csv(path, usecols=wanted, dtype={c: object for c in text}, keep_default_na=False,
                                 na_values=["", "NULL", "null", "None"], chunksize=250_000):
            rows += len(chunk)
        return rows
    import pyarrow as pa

    from hedging.ingest import arrow_read
    from hedging.ingest.source import open_source

    raw = open_source(path)
    types = {c: pa.large_string() if c in text else pa.float64() for c in raw.header if c in wanted}
    for batch in arrow_read.batches(raw, arrow_read.reader_options(raw, types)):
        rows += batch.num_rows
    return rows


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


def _run(mode: str, path: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", mode, str(path)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _summary(runs: list[dict]) -> dict:
    return {"seconds": float(np.median([r["seconds"] for r in runs])),
            "peak_mb": max(r["peak_mb"] for r in runs), "rows": runs[0]["rows"],
            "lock_seconds": float(np.median([r["lock_seconds"] for r in runs])), "runs": runs}


def measure(mode: str, path: Path, repeat: int) -> dict:
    """Median time and largest peak memory over ``repeat`` fresh processes."""
    return _summary([_run(mode, path) for _ in range(repeat)])


def measure_pairs(path: Path, repeat: int) -> tuple[dict, dict]:
    """The bare read and the import, one after the other, ``repeat`` times: each pair of runs
    shares the machine's load of its moment, so each pair's ratio is printed too."""
    pairs = [(_run("baseline", path), _run("import", path)) for _ in range(repeat)]
    return _summary([b for b, _i in pairs]), _summary([i for _b, i in pairs])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median time)")
    parser.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"))
    parser.add_argument("--store-rows", type=int, default=200_000, help="daily rows for the storing figures (0: skip)")
    parser.add_argument("--store-worker", nargs=3, metavar=("MODE", "PATH", "TRACED"))
    parser.add_argument("--engines", action="store_true",
                        help="also time the parse alone by pandas' C parser and by Arrow's reader as the importer runs it")
    parser.add_argument("--format", choices=("openrouter", "litellm"), default="openrouter",
                        help="the per-request log to generate: OpenRouter's generations or LiteLLM's SpendLogs")
    parser.add_argument("--tmp", default=None, help="folder for the generated files (10M rows: about 2.1 GB)")
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if args.store_worker:
        store_worker(*args.store_worker)
        return
    print(f"{'rows':>10} {'MB':>7} {'read_csv s':>11} {'import s':>9} {'ratio':>6} "
          f"{'read_csv peak MB':>17} {'import peak MB':>15} {'daily rows':>11} {'lock s':>7} {'load':>5}  "
          "ratio of each pair of runs")
    engines = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-", dir=args.tmp) as tmp:
        for n in args.rows:
            path = Path(tmp) / (f"openrouter_generations_{n}.csv" if args.format == "openrouter"
                                else f"litellm_spend_logs_{n}.csv")
            (make_log if args.format == "openrouter" else make_litellm_log)(n, path)
            repeat = args.repeat if n < 5_000_000 else 1  # one run of the 2 GB file is minutes
            base, imp = measure_pairs(path, repeat)
            print(f"{n:>10,} {path.stat().st_size / 1e6:>7.1f} {base['seconds']:>11.2f} {imp['seconds']:>9.2f} "
                  f"{imp['seconds'] / base['seconds']:>6.2f} {base['peak_mb']:>17.0f} {imp['peak_mb']:>15.0f} "
                  f"{imp['rows']:>11,} {imp['lock_seconds']:>7.2f} {os.getloadavg()[0]:>5.1f}  "
                  + " ".join(f"{i['seconds'] / b['seconds']:.2f}" for b, i in zip(base["runs"], imp["runs"])),
                  flush=True)
            if args.engines and n == max(args.rows) and args.format == "openrouter":
                engines = [(e, measure(e, path, repeat)) for e in ("pandas", "arrow")]
            path.unlink()
        if engines:
            print(f"\nParsing the importer's columns of the {max(args.rows):,}-row file, in parts (engine choice):")
            for engine, m in engines:
                label = "pandas C parser, chunked" if engine == "pandas" else "pyarrow.csv.read_csv, ranges, threads"
                print(f"{label:>38}: {m['seconds']:6.2f} s, ratio to bare read_csv {m['seconds'] / base['seconds']:.2f}, "
                      f"peak {m['peak_mb']:,.0f} MB", flush=True)
        if args.store_rows:
            measure_store(args.store_rows, Path(tmp))


if __name__ == "__main__":
    main()
