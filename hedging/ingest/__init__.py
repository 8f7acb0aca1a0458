"""Reading usage exports into canonical daily rows, touching no database.

>>> read = read_usage("completions_usage.csv")        # doctest: +SKIP
>>> read.format, len(read.frame), read.rejected, read.warnings  # doctest: +SKIP
"""

from __future__ import annotations

from hedging.errors import HedgingWarning
from hedging.models import UsageRead

from .cells import Cells
from .detect import Format, detect, formats
from .normalize import canonical_rows
from .prices import PriceTable, apply_computed_cost
from .source import DEFAULT_MAX_BYTES, Source, open_source, read_table

__all__ = ["read_usage", "PriceTable", "Format", "formats", "detect"]


def read_usage(source: Source, name: str | None = None, *, prices: PriceTable | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> UsageRead:
    """Read one export (path, bytes or file object) into a :class:`UsageRead`.

    The format is detected from the header. Invalid cells reject their row (listed in
    ``.rejected`` with row, column, value, reason and fix); rows that are not AI usage are
    skipped and counted; file-level problems raise :class:`hedging.errors.InputError`.
    Usage without a cost column is priced from ``prices`` (basis ``computed``).
    """
    raw = open_source(source, name, max_bytes)
    fmt = detect(raw.header, raw.name)
    table = read_table(raw, fmt.columns, fmt.text_columns)
    cells = Cells(table, raw.name)
    parsed = fmt.parse(cells)
    keep = ~(cells.bad | cells.skipped)
    frame = canonical_rows(parsed, keep, fmt.name, fmt.cost_basis)
    frame, price_warnings = apply_computed_cost(frame, prices)
    warnings: list[HedgingWarning] = list(cells.warnings) + price_warnings
    if cells.n and not keep.any() and not cells.bad.any():
        warnings.append(HedgingWarning(
            "nothing_kept", f"{raw.name}: none of the {cells.n:,} rows is AI usage "
            f"({', '.join(cells.skip_reasons)}); nothing would be imported."))
    return UsageRead(
        file_name=raw.name,
        format=fmt.name,
        frame=frame,
        rows_read=cells.n,
        rejected=tuple(cells.rejected),
        skipped=tuple(sorted(cells.skip_reasons.items())),
        warnings=tuple(warnings),
        sha256=raw.sha256,
    )
