"""Reading usage exports into canonical daily rows, touching no database.

>>> read = read_usage("completions_usage.csv")        # doctest: +SKIP
>>> read.format, len(read.frame), read.rejected, read.warnings  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pandas as pd

from hedging import fmt
from hedging.errors import HedgingWarning
from hedging.models import UsageRead, empty_usage_frame

from .arrow_read import FastPathUnavailable, Part, iter_parts
from .cells import Cells
from .detect import Format, all_formats, detect
from .distinct import RepeatedRows
from .normalize import canonical_rows, combine
from .prices import PriceTable, apply_computed_cost
from .source import CHUNK_ROWS, DEFAULT_MAX_BYTES, Source, iter_tables, known_gzip, open_source  # noqa: F401
from .xlsx import open_usage_source

__all__ = ["read_usage", "PriceTable", "Format", "all_formats", "detect"]


def read_usage(source: Source, name: str | None = None, *,
               prices: PriceTable | Callable[[], PriceTable | None] | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES, progress: Callable[[float, str], None] | None = None,
               chunk_rows: int = CHUNK_ROWS, known_sha256: Collection[str] = ()) -> UsageRead:
    """Read one export (path, bytes or file object) into a :class:`UsageRead`.

    The format is detected from the header. Invalid cells reject their row (listed in
    ``.rejected`` with row, column, value, reason and fix); rows that are not AI usage are
    skipped and counted; file-level problems raise :class:`hedging.errors.InputError`.
    Usage without a cost column is priced from ``prices`` (basis ``computed``; a function giving
    the table is called only then, after the rows are read). Large files are
    parsed ``chunk_rows`` rows at a time; ``progress(fraction, message)`` is told as they go.

    ``known_sha256``: SHA-256s (hex) of files already stored. The file's own SHA-256 is compared
    with them as soon as it is known, never waited for (an upload's before its first row is parsed;
    a file on disk, hashed beside the parse, between parts once its hash is done): on a match the
    reading stops at once and the read comes back with ``known=True``, no rows (``frame`` empty,
    counts of the rows read until then) and nothing checked beyond that point.
    """
    label = name or (Path(source).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", ""))
    if progress:  # an upload or a .gz file is copied to disk (unpacked) before a row is read
        shown = Path(str(label or "the file")).name
        progress(0.0, f"{shown}: unpacking the file…" if shown.lower().endswith(".gz") else f"{shown}: opening the file…")
    if (digest := known_gzip(source, known_sha256, max_bytes)) is not None:  # a .gz already stored: not unpacked
        return _known_read(Path(str(label or "upload.csv.gz")).name, "", 0, digest, progress)
    raw = open_usage_source(source, name, max_bytes)  # a CSV, or the usage sheet of an .xlsx as CSV
    form = detect(raw.header, raw.name)
    ids = frozenset(form.row_id)
    fast = iter_parts(raw, form.columns | ids, form.text_columns | ids, chunk_rows)
    bar = _Bar(progress)
    known = _Known(raw, known_sha256)
    try:  # Arrow's reader first; a file it cannot take as pandas would is read again by pandas
        known.check(0)
        state = _read_parts(raw, form, fast, bar, known)
    except FastPathUnavailable:
        fast.close()
        bar.read_again(raw.name)
        tables = iter_tables(raw, form.columns | ids, form.text_columns | ids, chunk_rows)
        try:
            state = _read_parts(raw, form, (Part(t) for t in tables), bar, known)
        except _KnownFile as stop:
            return _known_read(raw.name, form.name, stop.rows, raw.sha256, progress)
    except _KnownFile as stop:
        return _known_read(raw.name, form.name, stop.rows, raw.sha256, progress)
    finally:
        fast.close()  # the parse thread stops at once, whatever was raised
    parts, rejected, skipped, notes, rows, repeats = state
    frame = combine(parts)
    frame, price_warnings = apply_computed_cost(frame, prices)
    warnings_out = [_merge(ws) for ws in notes.values()] + price_warnings
    if (line := repeats.report(raw.name)) is not None:
        warnings_out.insert(0, HedgingWarning("repeated_rows", line))
    kept = rows - len({r.row for r in rejected}) - sum(skipped.values())
    if rows and kept == 0 and not rejected:
        warnings_out.append(HedgingWarning(
            "nothing_kept", f"{raw.name}: none of the {rows:,} rows is AI usage "
            f"({', '.join(skipped)}); nothing would be imported."))
    if progress:
        progress(1.0, f"{raw.name}: {rows:,} rows read")
    return UsageRead(
        file_name=raw.name,
        format=form.name,
        frame=frame,
        rows_read=rows,
        rejected=tuple(rejected),
        skipped=tuple(sorted(skipped.items())),
        warnings=tuple(warnings_out),
        sha256=raw.sha256,
    )


class _KnownFile(Exception):
    """The file's SHA-256 is among the known ones: the reading stops (``rows``: rows read until then)."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows)
        self.rows = rows


class _Known:
    """Whether the file's SHA-256 is among ``known``, asked without ever waiting for the hash: a
    hash still being computed beside the parse answers "not yet" (the next part asks again)."""

    def __init__(self, raw, known: Collection[str]) -> None:
        self.raw = raw
        self.known = frozenset(known)

    def check(self, rows: int) -> None:
        """Raise :class:`_KnownFile` if the hash is known by now and is among the known ones."""
        if not self.known:
            return
        digest = self.raw.digest
        if isinstance(digest, Future):
            if not digest.done() or digest.exception() is not None:
                return  # a failed hash is raised where it always was, by ``raw.sha256``
            digest = digest.result()
        if digest in self.known:
            raise _KnownFile(rows)


def _known_read(file_name: str, format_name: str, rows: int, sha256: str, progress) -> UsageRead:
    """The read of a file whose SHA-256 is already stored: no rows, the bar ended saying so (the
    format is the stored import's, filled in by the service; a .gz recognised before it is unpacked
    has none of its own)."""
    if progress:
        progress(1.0, f"{file_name}: already imported (the same file, by its SHA-256), so it was not read again")
    return UsageRead(file_name=file_name, format=format_name, frame=empty_usage_frame(), rows_read=rows,
                     sha256=sha256, known=True)


def _read_parts(raw, form: Format, parts_of_file: Iterable[Part], progress, known: _Known | None = None):
    """Validate and sum every part of the file: (daily rows per part, rejected rows, skip counts,
    warnings by code, rows read, repeated rows). Between parts ``known`` may stop the reading
    (:class:`_KnownFile`)."""
    parts: list[dict[str, np.ndarray]] = []  # each part's canonical rows, column by column
    rejected: list = []
    skipped: Counter = Counter()
    notes: dict[str, list[HedgingWarning]] = {}
    rows = 0
    # A repeated row is counted once, with a report line; in a format with a key of its own (our
    # template) a repeated key is refused instead, copy or not, as a hand-made file's slip.
    repeats, keys = RepeatedRows(form.row_id, expected_rows=raw.approx_rows), RepeatedRows()
    ids = frozenset(form.row_id)
    started = time.monotonic()
    for part in parts_of_file:
        table = part.frame
        if form.unique_key:
            _earlier, copy = np.zeros(len(table), dtype=np.int64), np.zeros(len(table), dtype=bool)
        else:
            _earlier, copy = repeats.check(table, rows + 2, coded=part.coded, hashes=part.hashes, content=part.content)
        conflict = (_earlier > 0) & ~copy  # the same request id with different figures
        if ids & set(table.columns):
            table = table.drop(columns=[c for c in form.row_id if c in table.columns])
        cells = Cells(table, raw.name, first_row=rows + 2, source=raw, coded=part.coded, stamps=part.stamps)
        cells.skip(copy, "repeats an earlier row of the file (counted once)")
        for earlier in np.unique(_earlier[conflict]):
            cells.reject(conflict & (_earlier == earlier), form.row_id[0], np.full(cells.n, ""),
                         f"has the request id of row {earlier:,} but different figures",
                         "export the log again; one request must appear once.")
        parsed = form.parse(cells)
        if form.unique_key:
            _refuse_repeated_keys(cells, parsed, form, keys)
        keep = ~(cells.bad | cells.skipped)
        parts.append(canonical_rows(parsed, keep, form.name, form.cost_basis, final=False))
        rejected += cells.rejected
        skipped.update(cells.skip_reasons)
        for w in cells.warnings:
            notes.setdefault(w.code, []).append(w)
        rows += cells.n
        if progress:
            fraction = min(0.99, rows / raw.approx_rows)
            progress(fraction, _progress_text(raw.name, rows, raw.approx_rows, time.monotonic() - started, fraction))
        if known is not None:
            known.check(rows)
    return parts, rejected, skipped, notes, rows, repeats


class _Bar:
    """The progress callback, never moving backwards: when the fast reader gives up part way
    through a file (a row it cannot take as pandas would) and the file is read again from its
    start, the bar goes on from where it stood over what is left, and says why."""

    def __init__(self, progress: Callable[[float, str], None] | None) -> None:
        self.progress = progress
        self.shown = 0.0  # the fraction the bar stands at
        self.floor = 0.0  # where the second reading starts on the bar
        self.note = ""

    def __bool__(self) -> bool:
        return self.progress is not None

    def __call__(self, fraction: float, message: str) -> None:
        if self.progress is None:
            return
        self.shown = max(self.shown, self.floor + (1 - self.floor) * fraction)
        self.progress(self.shown, message + self.note)

    def read_again(self, name: str) -> None:
        if self.progress is None or self.shown == 0.0:
            return  # nothing was shown yet: the second reading is the only one the bar shows
        self.floor = self.shown
        self.note = " (second reading)"
        self.progress(self.shown, f"{name}: the file has a line the fast reader cannot take as it is (for example a "
                                  "row with more or fewer fields than the header), so it is read again from the "
                                  "start, line by line, to name that row.")


def _refuse_repeated_keys(cells: Cells, parsed: pd.DataFrame, fmt: Format, keys: RepeatedRows) -> None:
    """Refuse rows whose key (``fmt.unique_key``) an earlier row of the file already had, in this
    part of the file or any earlier one (a format's own parser sees one part at a time)."""
    live = ~(cells.bad | cells.skipped)
    if not live.any():
        return
    index = np.flatnonzero(live)
    key = pd.DataFrame({c: pd.Series(parsed[c]).to_numpy()[index].astype(str) for c in fmt.unique_key})
    earlier, _copy = keys.check(key, 0, rows=index + cells.first_row)
    keys.copies.clear()
    reason, fix = fmt.unique_key_message
    for first in np.unique(earlier[earlier > 0]):
        mask = np.zeros(cells.n, dtype=bool)
        mask[index[earlier == first]] = True
        cells.reject(mask, fmt.unique_key[0], None, f"repeats row {first:,}: {reason}", fix)


def _progress_text(name: str, rows: int, approx_rows: int, elapsed: float, fraction: float) -> str:
    """Rows done and time left, e.g. ``usage.csv: 2,500,000 of about 10,000,000 rows read, about
    1 min 20 s left`` (no estimate until a few seconds and a few percent have gone by)."""
    text = f"{name}: {fmt.count(rows)} of about {fmt.count(max(approx_rows, rows))} rows read"
    if elapsed >= 2 and fraction >= 0.02:
        text += f", about {fmt.duration(elapsed * (1 - fraction) / fraction)} left"
    return text


def _merge(warnings_of_one_code: list[HedgingWarning]) -> HedgingWarning:
    """One warning per code: a large file parsed in parts may raise the same warning per part."""
    first = warnings_of_one_code[0]
    distinct = {w.message for w in warnings_of_one_code}
    if len(distinct) == 1:
        return first
    return HedgingWarning(first.code, f"{first.message} (This applies to {len(distinct)} parts of the file; "
                                      "the figures above are from the first part.)")


# Every format registers itself when its module is imported: done with the library's own import,
# not by the first file read (an import in the app pays for the parse, not for loading modules).
from . import formats  # noqa: E402, F401
