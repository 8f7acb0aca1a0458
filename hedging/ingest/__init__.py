"""Reading usage exports into canonical daily rows, touching no database.

>>> read = read_usage("completions_usage.csv")        # doctest: +SKIP
>>> read.format, len(read.frame), read.rejected, read.warnings  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pandas as pd

from hedging.errors import HedgingWarning
from hedging.models import UsageRead

from .cells import Cells
from .detect import Format, all_formats, detect
from .normalize import canonical_rows, combine
from .prices import PriceTable, apply_computed_cost
from .source import CHUNK_ROWS, DEFAULT_MAX_BYTES, Source, iter_tables, open_source

__all__ = ["read_usage", "PriceTable", "Format", "all_formats", "detect"]


def read_usage(source: Source, name: str | None = None, *, prices: PriceTable | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[float, str], None] | None = None,
               chunk_rows: int = CHUNK_ROWS) -> UsageRead:
    """Read one export (path, bytes or file object) into a :class:`UsageRead`.

    The format is detected from the header. Invalid cells reject their row (listed in
    ``.rejected`` with row, column, value, reason and fix); rows that are not AI usage are
    skipped and counted; file-level problems raise :class:`hedging.errors.InputError`.
    Usage without a cost column is priced from ``prices`` (basis ``computed``). Large files are
    parsed ``chunk_rows`` rows at a time; ``progress(fraction, message)`` is told as they go.
    """
    raw = open_source(source, name, max_bytes)
    fmt = detect(raw.header, raw.name)
    parts: list[pd.DataFrame] = []
    rejected: list = []
    skipped: Counter = Counter()
    notes: dict[str, list[HedgingWarning]] = {}
    rows = 0
    for table in iter_tables(raw, fmt.columns, fmt.text_columns, chunk_rows):
        cells = Cells(table, raw.name, first_row=rows + 2, source=raw)
        parsed = fmt.parse(cells)
        keep = ~(cells.bad | cells.skipped)
        parts.append(canonical_rows(parsed, keep, fmt.name, fmt.cost_basis))
        rejected += cells.rejected
        skipped.update(cells.skip_reasons)
        for w in cells.warnings:
            notes.setdefault(w.code, []).append(w)
        rows += cells.n
        if progress:
            progress(min(0.99, rows / raw.approx_rows), f"{raw.name}: {rows:,} rows read")
    frame = combine(parts)
    frame, price_warnings = apply_computed_cost(frame, prices)
    warnings_out = [_merge(ws) for ws in notes.values()] + price_warnings
    kept = rows - len({r.row for r in rejected}) - sum(skipped.values())
    if rows and kept == 0 and not rejected:
        warnings_out.append(HedgingWarning(
            "nothing_kept", f"{raw.name}: none of the {rows:,} rows is AI usage "
            f"({', '.join(skipped)}); nothing would be imported."))
    if progress:
        progress(1.0, f"{raw.name}: {rows:,} rows read")
    return UsageRead(
        file_name=raw.name,
        format=fmt.name,
        frame=frame,
        rows_read=rows,
        rejected=tuple(rejected),
        skipped=tuple(sorted(skipped.items())),
        warnings=tuple(warnings_out),
        sha256=raw.sha256,
    )


def _merge(warnings_of_one_code: list[HedgingWarning]) -> HedgingWarning:
    """One warning per code: a large file parsed in parts may raise the same warning per part."""
    first = warnings_of_one_code[0]
    distinct = {w.message for w in warnings_of_one_code}
    if len(distinct) == 1:
        return first
    return HedgingWarning(first.code, f"{first.message} (This applies to {len(distinct)} parts of the file; "
                                      "the figures above are from the first part.)")
