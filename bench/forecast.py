"""Benchmark of the volume forecasts: speed of automatic selection, and holdout accuracy.

Run from the repository root: ``python bench/forecast.py`` (simulated panel) or
``python bench/forecast.py --csv panel.csv`` (columns ``series``, ``month``, ``value``; months
parseable as dates, e.g. ``2024-01``). Prints measured figures only.

Timing: for each series, ``select_model`` on the history (rolling-origin backtests of the three
candidates with 1,000 paths per origin, then the chosen model fitted and simulated with 10,000
paths over 12 months), with weekend-day and days-in-month regressors from the calendar.

Accuracy: the last 12 months of each series are held out. MASE (Hyndman and Koehler 2006; scale
= in-sample seasonal naive MAE with m = 12 when the history has >= 18 months, else m = 1) of the
selected model's point forecast and of each candidate, and the realised coverage of the 80% and
95% intervals; side by side with statsforecast's AutoETS (season length 12) when that package is
importable. It is a comparison only, never a dependency.

Simulated panel (seeded): 50 series of 36 months (24 of history, 12 held out) from January 2024;
log volume = level + growth t + noise, growth 3-8% a month, noise 3-10% a month, a level shift of
+/-20-60% in 40% of the series, a December dip of 0-15%, and daily usage on weekend days at 60%
of weekdays, so monthly volume follows the count of weekdays in the month.
"""

from __future__ import annotations

import argparse
import calendar as cal
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hedging.forecast import fit_volume, select_model  # noqa: E402
from hedging.forecast.backtest import SEASONAL_SCALE_MONTHS, naive_scale  # noqa: E402

CANDIDATES = ("seasonal_naive", "damped_trend", "loglinear")


def month_calendar(year: int, month: int, count: int) -> dict[str, np.ndarray]:
    """Weekend days and days in each of ``count`` months from ``year-month``."""
    weekend, days = [], []
    for k in range(count):
        y, m = year + (month - 1 + k) // 12, (month - 1 + k) % 12 + 1
        n_days = cal.monthrange(y, m)[1]
        weekend.append(sum(cal.weekday(y, m, d) >= 5 for d in range(1, n_days + 1)))
        days.append(n_days)
    return {"weekend_days": np.array(weekend, float), "days": np.array(days, float)}


def simulated_panel(n_series: int, months: int, seed: int):
    rng = np.random.default_rng(seed)
    calendar = month_calendar(2024, 1, months)
    weekdays = calendar["days"] - calendar["weekend_days"]
    usage_days = weekdays + 0.6 * calendar["weekend_days"]
    t = np.arange(months)
    panel = []
    for i in range(n_series):
        log_y = (rng.uniform(18, 24) + rng.uniform(0.03, 0.08) * t
                 + rng.uniform(0.03, 0.10) * rng.standard_normal(months)
                 + np.log(usage_days / usage_days.mean())
                 + np.log1p(-rng.uniform(0, 0.15)) * ((t % 12) == 11))
        tau = None
        if rng.random() < 0.4:
            tau = int(rng.integers(4, months - 4))
            log_y += np.log1p(rng.choice([-1, 1]) * rng.uniform(0.2, 0.6)) * (t >= tau)
        panel.append((f"sim_{i:02d}", np.exp(log_y), calendar, tau))
    return panel


def csv_panel(path: str):
    import pandas as pd

    frame = pd.read_csv(path)
    missing = {"series", "month", "value"} - set(frame.columns)
    if missing:
        raise SystemExit(f"{path}: missing column(s) {sorted(missing)}; need series, month, value")
    frame["month"] = pd.to_datetime(frame["month"].astype(str)).dt.to_period("M")
    panel = []
    for name, group in frame.groupby("series", sort=True):
        group = group.groupby("month")["value"].sum().sort_index()
        full = pd.period_range(group.index.min(), group.index.max(), freq="M")
        values = group.reindex(full, fill_value=0.0).to_numpy(float)
        first = full[0]
        panel.append((str(name), values, month_calendar(first.year, first.month, len(full)),
                      None))
    return panel


def split_calendar(calendar, lo, hi):
    return {k: v[lo:hi] for k, v in calendar.items()}


def scale_of(train: np.ndarray) -> float:
    return naive_scale(train, 12 if train.size >= SEASONAL_SCALE_MONTHS else 1)


def coverage(actual, lower, upper) -> float:
    return float(np.mean((np.asarray(lower) <= actual) & (actual <= np.asarray(upper))))


def autoets(panel, holdout: int):
    try:
        import pandas as pd
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS
    except ImportError as err:
        return None, f"statsforecast is not importable here ({err}); AutoETS comparison skipped."
    rows = []
    for name, y, *_ in panel:
        train = y[:-holdout]
        ds = pd.date_range("2000-01-01", periods=train.size, freq="MS")
        rows.append(pd.DataFrame({"unique_id": name, "ds": ds, "y": train}))
    frame = pd.concat(rows, ignore_index=True)
    start = time.perf_counter()
    sf = StatsForecast(models=[AutoETS(season_length=12)], freq="MS", n_jobs=1)
    fc = sf.forecast(df=frame, h=holdout, level=[80, 95])
    seconds = time.perf_counter() - start
    out = {}
    for name, group in fc.groupby("unique_id"):
        out[str(name)] = {k: group[col].to_numpy(float) for k, col in (
            ("point", "AutoETS"), ("lo80", "AutoETS-lo-80"), ("hi80", "AutoETS-hi-80"),
            ("lo95", "AutoETS-lo-95"), ("hi95", "AutoETS-hi-95"))}
    import statsforecast
    return out, f"statsforecast {statsforecast.__version__} AutoETS: {seconds:.2f} s for all series"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", help="monthly panel with columns series, month, value")
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument("--history", type=int, default=24)
    parser.add_argument("--holdout", type=int, default=12)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    if args.csv:
        panel = csv_panel(args.csv)
        source = f"{args.csv}: {len(panel)} series"
    else:
        panel = simulated_panel(args.series, args.history + args.holdout, args.seed)
        source = (f"simulated panel: {len(panel)} series x {args.history} months of history "
                  f"+ {args.holdout} held out (seed {args.seed})")
    h = args.holdout

    fit_volume(panel[0][1][:-h], "damped_trend").forecast(h, n_paths=100, seed=0)  # warm-up
    chosen, ours, per_model = [], [], {m: [] for m in CANDIDATES}
    t_select = t_final = 0.0
    for i, (name, y, calendar, _) in enumerate(panel):
        train, test = y[:-h], y[-h:]
        hist_cal, fut_cal = split_calendar(calendar, 0, train.size), split_calendar(
            calendar, train.size, y.size)
        start = time.perf_counter()
        sel = select_model(train, h, calendar=hist_cal, calendar_future=fut_cal,
                           n_paths=args.paths, seed=i)
        t_select += time.perf_counter() - start
        start = time.perf_counter()
        fit_volume(train, sel.fitted.model if sel.model != "drift" else "damped_trend",
                   calendar=hist_cal).forecast(h, calendar_future=fut_cal, n_paths=args.paths,
                                               seed=i)
        t_final += time.perf_counter() - start
        fc = sel.forecast
        scale = scale_of(train)
        chosen.append(sel.model)
        ours.append((np.mean(np.abs(test - np.array(fc.point))) / scale,
                     coverage(test, fc.lower[80], fc.upper[80]),
                     coverage(test, fc.lower[95], fc.upper[95])))
        for m in CANDIDATES:
            p = fit_volume(train, m, calendar=hist_cal).forecast(
                h, calendar_future=fut_cal, n_paths=2000, seed=i)
            per_model[m].append((np.mean(np.abs(test - np.array(p.point))) / scale,
                                 coverage(test, p.lower[80], p.upper[80]),
                                 coverage(test, p.lower[95], p.upper[95])))

    n = len(panel)
    print("Volume forecast benchmark")
    print(f"  data: {source}")
    print(f"  automatic selection (3 backtests + final fit, {args.paths:,} paths x {h} months): "
          f"{t_select:.2f} s total, {1000 * t_select / n:.0f} ms per series")
    print(f"  final fit + simulate only: {t_final:.2f} s total, {1000 * t_final / n:.1f} ms "
          "per series")
    counts = {m: chosen.count(m) for m in sorted(set(chosen))}
    print(f"  chosen models: {counts}")
    print(f"  holdout {h} months; MASE scale m = 12 when history >= {SEASONAL_SCALE_MONTHS} "
          "months, else 1")
    print(f"  {'method':<26}{'mean MASE':>10}{'median':>9}{'cov80':>8}{'cov95':>8}")

    def row(label, stats, keep=None):
        a = np.array(stats) if keep is None else np.array(stats)[keep]
        print(f"  {label:<26}{a[:, 0].mean():>10.3f}{np.median(a[:, 0]):>9.3f}"
              f"{a[:, 1].mean():>8.1%}{a[:, 2].mean():>8.1%}")

    row("automatic selection", ours)
    in_holdout = np.array([tau is not None and tau >= y.size - h for _, y, _, tau in panel])
    if in_holdout.any():
        row(f"  {int(in_holdout.sum())} with a held-out shift", ours, in_holdout)
        row(f"  {int((~in_holdout).sum())} without", ours, ~in_holdout)
    for m in CANDIDATES:
        row(m, per_model[m])
    ets, note = autoets(panel, h)
    if ets is not None:
        stats: list = []
        for name, y, *_ in panel:
            train, test, e = y[:-h], y[-h:], ets[name]
            stats.append((np.mean(np.abs(test - e["point"])) / scale_of(train),
                          coverage(test, e["lo80"], e["hi80"]),
                          coverage(test, e["lo95"], e["hi95"])))
        row("statsforecast AutoETS", stats)
        if in_holdout.any():
            row(f"  {int((~in_holdout).sum())} without a held-out shift", stats, ~in_holdout)
    print(f"  {note}")


if __name__ == "__main__":
    main()
