"""Ingest benchmark: a per-request log (OpenRouter per-generation export) from CSV to stored daily
rows, against a bare ``pandas.read_csv`` of the same file in the same run.

    python bench/ingest.py                 # 10k, 100k and 1M rows (the 1M file is about 200 MB)
    python bench/ingest.py --rows 100000   # one size

Each measurement runs in a fresh child process so that its peak memory (VmHWM) is its own.
Goal (issue 2): import time at most 2x the bare read, and peak memory under 600 MB at 1M rows.
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
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
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


if __name__ == "__main__":
    main()
