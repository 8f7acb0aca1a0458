"""The hedged item of a designation memo, frozen with the proposal: the forecast purchases by month and
the evidence that they will happen.

A designation memo names the forecast purchases a hedge covers and says why they are probable
(ASC 815-20-25-15(b); "highly probable" under IFRS 9 §6.3.3). The memo is written later, from the
frozen proposal, so what it needs from the run is stored when the proposal is saved
(:func:`hedging.service.proposal_extras.proposal_parts`): for every underlying and horizon month the
expected volume, its forecast bands, the expected spend, the quantity the program designates (lots x
lot size) and the share of simulated paths on which the month's price-exposed volume reaches that
quantity; and, per underlying, how much history the forecast stands on. Nothing here is recomputed
when the memo is read.
"""

from __future__ import annotations

import numpy as np

from hedging.risk import quantile

#: The keys of one month's record, in the order the memo shows them (volumes in the contract's unit).
MONTH_KEYS = ("underlying", "label", "unit", "month", "expected volume", "price-exposed volume", "volume p2.5",
              "volume p10", "volume p90", "volume p97.5", "expected spend (USD)", "designated",
              "probability volume reaches designated")


def _designated(run) -> dict[tuple[str, int], float]:
    """Lots x lot size per (underlying, horizon-month index): futures and caps together."""
    result = run.result
    c = result.contracts
    covered = np.asarray(result.lots, dtype=float)
    if result.caps is not None:
        covered = covered + np.asarray(result.caps.lots, dtype=float)
    out: dict[tuple[str, int], float] = {}
    for k, lots in enumerate(covered):
        key = (str(c.table["underlying"].iloc[k]), int(c.month[k]))
        out[key] = out.get(key, 0.0) + float(lots) * float(c.lot_size[k])
    return out


def _share(part, excluded: tuple[str, ...]) -> float:
    from hedging.service.hedge import _hedgeable_share

    return _hedgeable_share(part, excluded)


def hedged_item_records(run) -> tuple[list[dict], list[dict]]:
    """(months, evidence): one record per underlying and horizon month (see :data:`MONTH_KEYS`), and one
    per underlying with the history the forecast stands on.

    ``probability volume reaches designated`` is the share of the run's simulated paths on which the
    month's price-exposed, hedgeable volume is at least the designated quantity (1.0 where nothing is
    designated): the forecast's own answer to "will the hedged purchases happen?".
    """
    view, policy = run.forecast, run.result.policy
    designated = _designated(run)
    months, evidence = [], []
    for key, part in view.underlyings.items():
        share = _share(part, tuple(policy.excluded))
        exposed = np.asarray(part.exposed_paths, dtype=float) * share
        volume = np.asarray(part.volume_paths, dtype=float)
        spend = np.asarray(part.spend, dtype=float)
        for j, month in enumerate(view.future):
            q = designated.get((key, j), 0.0)
            col = exposed[:, j]
            months.append({
                "underlying": key, "label": part.label, "unit": part.unit, "month": month.strftime("%Y-%m-%d"),
                "expected volume": float(volume[:, j].mean()), "price-exposed volume": float(col.mean()),
                "volume p2.5": float(quantile(col, 0.025)), "volume p10": float(quantile(col, 0.10)),
                "volume p90": float(quantile(col, 0.90)), "volume p97.5": float(quantile(col, 0.975)),
                "expected spend (USD)": float(spend[:, j].mean()), "designated": q,
                "probability volume reaches designated": float(np.mean(col >= q)) if q > 0 else 1.0,
            })
        estimated = np.asarray(part.estimated, dtype=bool)
        evidence.append({
            "underlying": key, "label": part.label, "unit": part.unit,
            "history months": int(len(part.months)), "estimated history months": int(estimated.sum()),
            "first month": part.months[0].strftime("%Y-%m-%d") if len(part.months) else None,
            "last complete month": part.last_complete_month.strftime("%Y-%m-%d") if len(part.months) else None,
            "bridged months": int(len(part.bridge)), "volume model": part.model_label,
            "lot cap percentile": float(policy.volume_percentile),
            "hedgeable share": float(share),
        })
    return months, evidence
