"""The hedge disclosure table, laid out as airlines print their fuel hedges in annual reports.

One row per calendar quarter of delivery, underlying and instrument: the expected consumption of the
quarter, the share of it hedged, the weighted average price of the hedges and their notional. A
quarter of the horizon with no hedge has one row with the instrument "none", so the table shows
where the company stays open as well as where it is covered (as airlines' "percentage of expected
consumption hedged, by year or quarter" tables do).

For futures, the weighted average price is the lot-weighted average of the trade prices,
``sum(lots x lot size x price) / sum(lots x lot size)``, and the notional is
``sum(lots x lot size x price)``, both taken from the trade schedule, so the table adds up to the
schedule. For caps, the price is the weighted average strike and the notional is at the strike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hedging.contracts import load_specs
from hedging.service.market import UNDERLYINGS

#: Names of the underlyings' consumption in the table.
CONSUMPTION = {"token": "LLM tokens (millions)", "gpu": "GPU-hours"}
COLUMNS = ["quarter", "underlying", "instrument", "expected consumption", "hedged", "% of expected consumption hedged",
           "weighted average price", "price unit", "notional (USD)"]


def quarter(month) -> str:
    """"Q1 2027" for any day of January to March 2027."""
    m = pd.Timestamp(month)
    return f"Q{(m.month - 1) // 3 + 1} {m.year}"


def lot_sizes() -> dict[str, float]:
    """Units of the underlying per lot, by underlying key."""
    specs = load_specs()
    return {k: float(specs[u.contract].lot_size) for k, u in UNDERLYINGS.items()}


def disclosure_table(schedule: pd.DataFrame, expected: pd.DataFrame) -> pd.DataFrame:
    """The disclosure table of a trade schedule (see the module docstring).

    Parameters
    ----------
    schedule : DataFrame
        :func:`hedging.service.hedge.schedule_table`: ``underlying`` (key), ``delivery month``
        ("Jan 2027"), ``side`` ("buy" futures, "buy cap"), ``lots``, ``price`` (quote units; a cap's
        premium), ``notional (USD)`` (a cap's at its strike).
    expected : DataFrame
        ``month``, ``underlying`` (key) and ``volume``: expected consumption per month, in the
        contract's units (millions of tokens, GPU-hours).
    """
    sizes = lot_sizes()
    rows = []
    exp = expected.assign(quarter=[quarter(m) for m in expected["month"]])
    held = schedule.copy() if not schedule.empty else pd.DataFrame(columns=["underlying", "delivery month", "side",
                                                                            "lots", "price", "notional (USD)"])
    held["quarter"] = [quarter(pd.Timestamp(m)) for m in held["delivery month"]]
    held["instrument"] = ["caps" if "cap" in str(s) else "futures" for s in held["side"]]
    held["units"] = [float(n) * sizes.get(u, 1.0) for n, u in zip(held["lots"], held["underlying"])]
    for (q, u), group in exp.groupby(["quarter", "underlying"], sort=False):
        consumption = float(group["volume"].sum())
        mine = held[(held["quarter"] == q) & (held["underlying"] == u) & (held["units"] > 0)]
        name = CONSUMPTION.get(u, str(u))
        unit = UNDERLYINGS[u].unit if u in UNDERLYINGS else ""
        if mine.empty:
            rows.append({"quarter": q, "underlying": name, "instrument": "none", "expected consumption": consumption,
                         "hedged": 0.0, "% of expected consumption hedged": 0.0, "weighted average price": None,
                         "price unit": unit, "notional (USD)": 0.0})
            continue
        for instrument, lines in mine.groupby("instrument", sort=True):
            units = float(lines["units"].sum())
            notional = float(lines["notional (USD)"].sum())
            rows.append({"quarter": q, "underlying": name,
                         "instrument": "caps (price is the strike)" if instrument == "caps" else "long futures",
                         "expected consumption": consumption, "hedged": units,
                         "% of expected consumption hedged": units / consumption if consumption > 0 else np.nan,
                         "weighted average price": notional / units, "price unit": unit, "notional (USD)": notional})
    rows.sort(key=lambda r: (int(r["quarter"][3:]), r["quarter"][:2]))   # by quarter, as filed; stable within one
    return pd.DataFrame(rows, columns=COLUMNS)


def expected_consumption(view) -> pd.DataFrame:
    """Expected consumption per horizon month and underlying (all of it, hedgeable or not)."""
    rows = []
    for key, part in view.underlyings.items():
        mean = part.volume_paths.mean(axis=0)
        rows += [{"month": m, "underlying": key, "volume": float(v)} for m, v in zip(view.future, mean)]
    return pd.DataFrame(rows, columns=["month", "underlying", "volume"])


def run_disclosure(run) -> pd.DataFrame:
    """The disclosure table of ``run``'s program."""
    from hedging.service.hedge import schedule_table

    return disclosure_table(schedule_table(run.result, run.forecast), expected_consumption(run.forecast))


def ratios_by_name(result, view) -> pd.DataFrame:
    """:func:`hedging.service.hedge.ratio_table` with each underlying under its plain name (the chart
    legend and the PDF's ratio table), not its key."""
    from hedging.service.hedge import ratio_table

    table = ratio_table(result, view)
    return table.assign(underlying=[UNDERLYINGS[u].label if u in UNDERLYINGS else str(u) for u in table["underlying"]])


def disclosure_csv(table: pd.DataFrame) -> bytes:
    """The disclosure table as CSV: numbers stay numbers, the share is a fraction (0.25 = 25%), every
    heading carries its unit; the price's unit is its own column (token and GPU prices differ)."""
    from hedging.service.usage import safe_csv

    out = pd.DataFrame(table, columns=COLUMNS).rename(columns={
        "expected consumption": "expected consumption (contract units)", "hedged": "hedged (contract units)",
        "% of expected consumption hedged": "share of expected consumption hedged (fraction)",
        "weighted average price": "weighted average price (price unit)"})
    return safe_csv(out)
