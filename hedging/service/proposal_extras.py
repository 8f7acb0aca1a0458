"""Parts of the frozen proposal document beyond the core run: natural hedges, the instrument book
and the hedge-regret table, so the PDF shows what the Hedge program page shows.

Computed once when the proposal is saved (the document never recomputes); documents saved before
these parts existed simply lack them and the PDF skips them.
"""

from __future__ import annotations

import pandas as pd

from hedging.contracts.instruments import INSTRUMENTS
from hedging.service.instruments import instrument_comparison, regret_table
from hedging.service.memo_item import hedged_item_records
from hedging.service.natural import natural_summary, natural_table


def _records(frame: pd.DataFrame) -> list[dict]:
    return [] if frame is None or frame.empty else frame.to_dict("records")


def proposal_parts(run) -> tuple[dict, dict]:
    """(tables, statements) to add to a proposal payload for ``run``."""
    view, result = run.forecast, run.result
    instruments, note = instrument_comparison(view, result)
    regret = regret_table(view, result)
    units = ", ".join(f"{p.label}: {p.unit}" for p in view.underlyings.values())
    credit = [{"instrument": row["instrument"], "venue": row["venue"], "credit": row["credit"]}
              for _, row in instruments.iterrows()]
    swap = INSTRUMENTS.get("swap")
    tables = {"natural": _records(natural_table(view)), "natural_summary": _records(natural_summary(view)),
              "instruments": _records(instruments.drop(columns=["venue", "credit"])),
              "instrument_credit": credit, "regret": _records(regret)}
    tables["hedged_item"], tables["hedged_item_evidence"] = hedged_item_records(run)   # the designation memo's
    statements = {"instruments": f"{note} Quantities are in {units}; money in USD.",
                  "swap_credit": None if swap is None else f"{swap.name}: {swap.venue}. {swap.credit}"}
    return tables, statements
