"""Benchmark of the market model: path simulation against raw normal draws, and curve pricing.

Run from the repository root: ``python bench/market.py``. Prints measured figures only.

Paths: 100,000 x 36 months on a calendar-day grid (365 days a year, so 1,095 daily steps), the
paper's Table 3 parameters, keeping only the 37 month-end columns (30 MB instead of 880 MB).
Baseline: the same count of standard normals (109.5 million) drawn with
``Generator.standard_normal`` in this process, once as one array and once in 1,095 draws of
100,000 into a reused buffer. Goal: simulation time <= 4 x the faster baseline.
"""

from __future__ import annotations

import math
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedging.market.model import DAYS_PER_YEAR, PAPER_TABLE3  # noqa: E402

N_PATHS = 100_000
YEARS = 3
MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
GOAL_RATIO = 4.0


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    model, x0 = PAPER_TABLE3, math.log(2.0)
    n_steps = YEARS * DAYS_PER_YEAR
    grid = np.arange(n_steps + 1) / DAYS_PER_YEAR
    month_end_days = np.concatenate([[0], np.cumsum(np.tile(MONTH_DAYS, YEARS))])
    month_ends = month_end_days / DAYS_PER_YEAR
    n_normals = N_PATHS * n_steps

    model.simulate(x0, grid[:30], 1000, seed=0)  # warm-up
    t_sim = best_of(2, lambda: model.simulate(x0, grid, N_PATHS, seed=1, record=month_ends))

    def one_array():
        np.random.default_rng(2).standard_normal(n_normals)

    def per_step():
        rng, buf = np.random.default_rng(3), np.empty(N_PATHS)
        for _ in range(n_steps):
            rng.standard_normal(out=buf)

    t_one = best_of(2, one_array)
    t_steps = best_of(2, per_step)
    baseline = min(t_one, t_steps)

    fixings = [(month_ends[k], month_ends[k + 1] - 1 / DAYS_PER_YEAR) for k in range(36)]

    def curve():
        model.futures_price(x0, 0.0, month_ends[1:])
        for first, last in fixings:
            model.average_futures_price(x0, 0.0, first, last)

    curve()
    t_curve = best_of(20, curve)
    paths = model.simulate_prices(x0, grid, 20_000, seed=4, record=month_ends)
    closed = model.futures_price(x0, 0.0, month_ends[[1, 12, 36]])
    mc = paths[:, [1, 12, 36]].mean(axis=0)
    mc_se = paths[:, [1, 12, 36]].std(axis=0, ddof=1) / math.sqrt(paths.shape[0])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print("Market model benchmark (PAPER_TABLE3, x0 = ln 2)")
    print(f"  grid: {n_steps:,} calendar-day steps (36 months x {DAYS_PER_YEAR}/12 days), "
          f"{N_PATHS:,} paths, {month_ends.size} month-end columns kept")
    print(f"  simulate (exact OU + jumps)          {t_sim:8.3f} s")
    print(f"  {n_normals:,} normals, one array     {t_one:8.3f} s")
    print(f"  {n_normals:,} normals, per step      {t_steps:8.3f} s")
    ratio = t_sim / baseline
    verdict = "meets" if ratio <= GOAL_RATIO else "MISSES"
    print(f"  ratio simulate / faster baseline     {ratio:8.2f}  "
          f"({verdict} goal <= {GOAL_RATIO:g})")
    print(f"  forward curve: 36 monthly futures + 36 month-average prices "
          f"{t_curve * 1e3:8.2f} ms")
    print("  check, 20,000 paths: futures 1/12/36 m closed form "
          + ", ".join(f"{c:.4f}" for c in closed) + " | MC "
          + ", ".join(f"{m:.4f} +/- {e:.4f}" for m, e in zip(mc, mc_se)))
    print(f"  peak resident memory                 {peak_mb:8.0f} MB")


if __name__ == "__main__":
    main()
