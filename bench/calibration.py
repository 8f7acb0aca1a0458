"""Coverage of the calibration's ``estimate +/- 2 SE`` intervals, before and after, by history.

Run from the repository root: ``python bench/calibration.py [--reps 200] [--boot 100]``. Prints
measured figures only.

Truth: the paper's Table 3 without jumps (kappa 2.5, theta0 ln 2, beta -0.35, sigma 0.40,
gamma 0.08), simulated on a daily calendar grid (seeded) and observed as daily prints, monthly
prints or monthly averages of daily prices (:mod:`hedging.market.coverage`). ``before``: every
value read as a point print, inverse-Hessian standard errors, no bias correction. ``after``:
averages through their own likelihood, two-pass parametric bootstrap standard errors and the
bootstrap bias correction of kappa. A well-calibrated interval covers 95%; with ``R`` histories
the binomial standard error of a coverage near 95% is ``sqrt(0.95 x 0.05 / R)`` (1.5 points at
R = 200). Also printed: the mean fitted kappa (uncorrected and reported) against the true 2.5,
and the time of one calibration of each kind against the ``before`` fit in the same process.

``--jumps DAYS[,DAYS]`` adds the fit with jumps: daily histories of the full Table 3 (lam 3,
mu_j 0.10, sigma_j 0.25) fitted with jumps: inverse-Hessian ``estimate +/- 2 SE`` and the 95%
intervals the fit reports without a bootstrap (small-sample intervals for the jump rate, size and
spread; ``estimate +/- 1.96 SE`` for the rest). A fit whose rate or spread ends at a bound has no
interval for it and counts as a miss. ``--jumps-only`` skips the tables without jumps.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # small matrices: threads only contend

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedging.market import PAPER_TABLE3, calibrate
from hedging.market.coverage import STUDIED, STUDIED_JUMPS, Design, coverage_study, design_history, jump_coverage_study

TRUTH = dataclasses.replace(PAPER_TABLE3, lam=0.0, mu_j=0.0, sigma_j=0.0, label="Table 3, no jumps")
DESIGNS = (
    [Design("daily", n) for n in (366, 731, 1461)]
    + [Design("monthly_point", n) for n in (24, 37, 60, 120)]
    + [Design("monthly_average", n) for n in (24, 37, 60, 120)]
)


def timing(design: Design, n_boot: int) -> tuple[float, float]:
    """Seconds for one ``before`` and one ``after`` calibration of a history of ``design``."""
    times, logs, days = design_history(design, TRUTH, TRUTH.theta0, 1, 99)
    start = time.perf_counter()
    calibrate(times, logs[0], jumps=False, bootstrap=0)
    before = time.perf_counter() - start
    start = time.perf_counter()
    calibrate(times, logs[0], jumps=False, window_days=days, bootstrap=n_boot, seed=5)
    return before, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200, help="histories per design and method")
    parser.add_argument("--boot", type=int, default=100, help="bootstrap paths per calibration")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--only", default="", help="run designs whose label contains this text")
    parser.add_argument("--jumps", default="", help="daily history lengths for the study with jumps, e.g. 1095")
    parser.add_argument("--jumps-only", action="store_true", help="only the study with jumps")
    parser.add_argument("--jump-boot", type=int, default=0,
                        help="also give each jump fit quasi-likelihood intervals from this many paths per kappa")
    parser.add_argument("--jump-refits", type=int, default=0,
                        help="also bootstrap each jump fit with this many refits (about 1 s each)")
    args = parser.parse_args()
    se = math.sqrt(0.95 * 0.05 / args.reps)
    if not args.jumps_only:
        no_jumps(args, se)
    if args.jumps:
        with_jumps(args, se, [int(n) for n in args.jumps.split(",")])


def with_jumps(args, se: float, lengths: list[int]) -> None:
    print(f"\nFit with jumps (truth: {PAPER_TABLE3.label}; {args.reps} daily histories per row; "
          f"binomial SE near 95%: {se:.1%}). Rows: inverse-Hessian estimate +/- 2 SE, and the 95% "
          "intervals the fit reports without a bootstrap (small-sample intervals for lam, mu_j and "
          "sigma_j; a fit whose rate or spread ends at a bound counts as a miss)"
          + (f"; with --jump-boot {args.jump_boot}: the fit's 95% intervals (quasi-likelihood ratio "
             "for kappa, theta0, beta, gamma; estimate +/- 1.96 SE for the rest)" if args.jump_boot else "")
          + (f"; with --jump-refits {args.jump_refits}: the bootstrap's 95% interval and "
             "estimate +/- 2 bootstrap SE on the same fits" if args.jump_refits else ""))
    header = (f"{'history':24} {'method':22} " + " ".join(f"{k:>7}" for k in STUDIED_JUMPS)
              + f" {'fits':>5} {'s/fit':>7}")
    print(header)
    print("-" * len(header))
    for n_days in lengths:
        runs = ([(0, 0)] + ([(0, args.jump_boot)] if args.jump_boot else [])
                + ([(args.jump_refits, 0)] if args.jump_refits else []))
        for refits, n_boot in runs:
            start = time.perf_counter()
            r = jump_coverage_study(PAPER_TABLE3, n_days, args.reps, seed=args.seed, refits=refits,
                                    n_boot=n_boot)
            per_fit = (time.perf_counter() - start) / args.reps
            rows = ([(f"{refits} refits, 95% CI", r.coverage),
                     (f"{refits} refits, +/- 2 SE", r.coverage_se)] if refits else
                    [(f"quasi-LR, {n_boot} paths", r.coverage)] if n_boot else
                    [("Hessian +/- 2 SE", r.coverage_se), ("95% CI as reported", r.coverage)])
            for label, share in rows:
                cells = " ".join(f"{share(k):7.1%}" for k in STUDIED_JUMPS)
                print(f"{r.design.label:24} {label:22} {cells} {r.fitted:5d} {per_fit:7.2f}",
                      flush=True)


def no_jumps(args, se: float) -> None:
    print(f"Calibration coverage (truth: {TRUTH.label}; {args.reps} histories per row, {args.boot} "
          f"bootstrap paths; binomial SE near 95%: {se:.1%}). Rows: 'before' estimate +/- 2 SE "
          "(inverse Hessian, points); 'after' the same fits' estimate +/- 2 SE (bootstrap SE) and "
          "their 95% interval (profile likelihood, critical value from the bootstrap)")
    header = (f"{'history':34} {'method':16} " + " ".join(f"{k:>7}" for k in STUDIED)
              + f" {'kappa MLE':>10} {'kappa used':>10} {'fits':>5} {'s/fit':>7}")
    print(header)
    print("-" * len(header))
    for design in DESIGNS:
        if args.only and args.only not in design.label:
            continue
        before_s, after_s = timing(design, args.boot)
        for method, seconds in (("before", before_s), ("after", after_s)):
            r = coverage_study(TRUTH, design, method, args.reps, n_boot=args.boot, seed=args.seed)
            rows = ([("before +/- 2 SE", r.coverage_se)] if method == "before" else
                    [("after +/- 2 SE", r.coverage_se), ("after 95% CI", r.coverage)])
            for label, share in rows:
                cells = " ".join(f"{share(k):7.1%}" for k in STUDIED)
                print(f"{design.label:34} {label:16} {cells} {r.kappa_mle_mean:10.2f} "
                      f"{r.kappa_mean:10.2f} {r.fitted:5d} {seconds:7.2f}", flush=True)
            if method == "after":
                cells = " ".join(f"{r.widths[k] / r.widths_se[k]:7.2f}" for k in STUDIED)
                print(f"{'':34} {'width CI / 2SE':16} {cells}   (median widths)")
        print(f"{'':34} time of one calibration, after / before: {after_s / before_s:.1f}x")
    print(f"True kappa {TRUTH.kappa:g}; a coverage below {0.95 - 2 * se:.1%} or above "
          f"{min(0.95 + 2 * se, 1):.1%} is more than two binomial standard errors from 95%.")


if __name__ == "__main__":
    main()
