"""Natural hedges (contracted prices and commitments) for pages, the command line and the proposal.

The maths is in :mod:`hedging.hedge.natural`; the forecast applies the spec's commitments to its
paths (:mod:`hedging.service.forecast`), so every later number (the hedge's size, before/after,
stress, the attribution) starts from the exposure they leave. Here: rows typed in a table or read
from the CSV template become :class:`Commitment` values with messages naming the row, and the
tables that show what they do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.errors import InputError
from hedging.hedge.natural import (
    CSV_COLUMNS,
    KIND_SHORT,
    KINDS,
    Commitment,
    parse_commitments_csv,
    template_csv,
)
from hedging.service.forecast import ForecastView

__all__ = ["KINDS", "KIND_SHORT", "CSV_COLUMNS", "EDITOR_COLUMNS", "Commitment", "commitments_from_rows",
           "commitment_rows", "commitments_from_csv", "commitments_template", "natural_table", "natural_summary",
           "commitment_providers", "check_providers"]

#: The columns of the editable table on the Hedge program page (and of the CSV template).
EDITOR_COLUMNS = CSV_COLUMNS
_NUMBERS = {"volume per month": "volume", "price (USD per unit)": "price", "share of usage %": "share",
            "discount %": "discount", "amount (USD)": "amount"}


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or (isinstance(value, str) and not value.strip())


def commitments_from_rows(rows: Iterable[Mapping]) -> tuple[Commitment, ...]:
    """Commitments from the page's table rows (blank rows skipped); a bad row is named by its
    number as the table shows it (first row = 1) with the column, value and fix."""
    out = []
    for n, row in enumerate(rows, start=1):
        if all(_blank(row.get(c)) for c in EDITOR_COLUMNS):
            continue
        numbers = {}
        for column, name in _NUMBERS.items():
            value = row.get(column)
            if _blank(value):
                numbers[name] = None
                continue
            x = fmt.as_number(value)
            if x is None:
                raise InputError(f"commitments table, row {n}: this is not a number.", column=column, value=value,
                                 fix="type a plain number such as 2.10 or 46080.")
            numbers[name] = x
        text = {c: ("" if _blank(row.get(c)) else str(row.get(c)).strip()) for c in
                ("kind", "underlying", "provider", "start month", "end month", "label")}
        try:
            out.append(Commitment(kind=text["kind"].lower(), underlying=text["underlying"].lower(),
                                  start=text["start month"], end=text["end month"], provider=text["provider"],
                                  label=text["label"], **numbers))
        except InputError as err:
            raise InputError(f"commitments table, row {n}: {err.problem}", column=err.column, value=err.value,
                             fix=err.fix) from None
    return tuple(out)


def commitment_rows(commitments: Iterable[Commitment]) -> list[dict]:
    """The table rows that describe ``commitments`` (the inverse of :func:`commitments_from_rows`)."""
    return [{"kind": c.kind, "underlying": c.underlying, "provider": c.provider, "start month": c.start,
             "end month": c.end, **{col: getattr(c, name) for col, name in _NUMBERS.items()}, "label": c.label}
            for c in commitments]


def commitments_from_csv(data: bytes, file: str = "commitments.csv") -> tuple[Commitment, ...]:
    """Commitments from the CSV template; all rows valid or an error naming the first bad one."""
    if len(data) > 1_000_000:
        raise InputError("the file is larger than 1 MB; a commitments file has one row per contract.", file=file,
                         fix="start from the template (a few rows).")
    return parse_commitments_csv(data, file)


def commitments_template() -> bytes:
    """The CSV template with one example row of each kind."""
    return template_csv()


def commitment_providers(view: ForecastView) -> dict[str, list[str]]:
    """Providers a commitment may name, per underlying (from the recent usage)."""
    return {u: sorted(p.provider_volume) for u, p in view.underlyings.items()}


def check_providers(commitments: Iterable[Commitment], view: ForecastView) -> None:
    """Each commitment names an underlying with usage and, if any, a provider of that underlying."""
    providers = commitment_providers(view)
    for n, c in enumerate(commitments, start=1):
        if c.underlying not in providers:
            raise InputError(f"commitments, row {n}: there is no {c.underlying} usage to apply it to.",
                             column="underlying", value=c.underlying, fix="import that usage first, or remove the row.")
        names = {p.lower() for p in providers[c.underlying]}
        if c.provider and c.provider.lower() not in names:
            raise InputError(f"commitments, row {n}: no recent {c.underlying} usage from {c.provider!r}.",
                             column="provider", value=c.provider,
                             fix="use one of " + ", ".join(providers[c.underlying]) + ", or leave it empty for all.")


def _period(c: Commitment) -> str:
    start, end = pd.Timestamp(c.start + "-01"), pd.Timestamp(c.end + "-01")
    return fmt.month(start) if start == end else f"{fmt.month(start)} – {fmt.month(end)}"


def natural_table(view: ForecastView) -> pd.DataFrame:
    """One row per commitment: its terms, what of the horizon it covers (expected over the paths)
    and what it does to price risk. Empty when none were entered."""
    rows = []
    for part in view.underlyings.values():
        if part.natural is None:
            continue
        h0 = part.h0
        for c, arrays in zip(part.commitments, part.natural.by_row):
            covered = arrays["volume"][:, h0:].sum(axis=1).mean()
            fixed = c.fixes_price
            rows.append({"underlying": part.label, "provider": c.provider or "all providers",
                         "kind": KIND_SHORT[c.kind], "period": _period(c), "terms": c.terms(part.unit),
                         "label": c.label or fmt.DASH,
                         "volume at a fixed price, horizon": float(covered) if fixed else 0.0,
                         "unit": part.unit,
                         "paid at fixed prices (USD)": float(arrays["cost"][:, h0:].sum(axis=1).mean()) if fixed else 0.0,
                         "discount saved (USD)": float(-arrays["cost"][:, h0:].sum(axis=1).mean())
                         if c.kind == "discount" else 0.0,
                         "paid from prepaid credits (USD)": float(arrays["cash"][:, h0:].sum(axis=1).mean()),
                         "effect on price risk": c.price_effect()})
    return pd.DataFrame(rows)


def natural_summary(view: ForecastView) -> pd.DataFrame:
    """Per underlying with commitments: gross volume, volume at fixed prices, the price-exposed
    (index-equivalent) volume a hedge is sized on, and cash already paid, over the horizon."""
    rows = []
    for part in view.underlyings.values():
        if part.natural is None:
            continue
        h0 = part.h0
        gross = float(part.volume_paths.sum(axis=1).mean())
        fixed = float(part.natural.fixed_volume[:, h0:].sum(axis=1).mean())
        exposed = float(part.exposed_paths.sum(axis=1).mean())
        rows.append({"underlying": part.label, "unit": part.unit, "expected volume, horizon": gross,
                     "at fixed prices": fixed, "share at fixed prices": fixed / gross if gross > 0 else 0.0,
                     "price-exposed volume, horizon": exposed,
                     "reserved and unused": float(part.natural.unused[:, h0:].sum(axis=1).mean()),
                     "paid from prepaid credits (USD)": float(part.natural.prepaid_cash[:, h0:].sum(axis=1).mean())})
    return pd.DataFrame(rows)
