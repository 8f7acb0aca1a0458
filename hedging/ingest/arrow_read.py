"""The fast path of the parse: Arrow's CSV reader on byte ranges of the file, in threads of their
own, columns kept as Arrow arrays (no Python object per cell).

The file is cut at line ends into ranges of about :data:`_RANGE_BYTES`; two are parsed at once
by ``pyarrow.csv.read_csv`` in the threads of :data:`_PARSE`, their rows are cut into parts of
exactly ``chunk_rows`` rows in the file's order, and each part is typed and hashed in the same
threads while the caller checks the part before (Arrow's streaming reader, used before, parsed
one block after another in the thread that asked for them: the parse then took one core).

Every column is read as text, then each part of the file is typed the way pandas' C parser types
a chunk: a column whose every cell is a plain number becomes float64 (blank = NaN), any other
column stays text, held by pandas' Arrow-backed ``str`` dtype, so the checks in
:mod:`hedging.ingest.cells` run as a few column passes in Arrow's kernels. A message about a
column read as numbers quotes its cells as written (re-read from the file, on errors only).

Whatever Arrow cannot take as pandas would (a row with the wrong number of fields, bytes that are
not UTF-8, a cell with a newline inside quotes, an unexpected header) raises
:class:`FastPathUnavailable` and the file is read again by pandas' parser, whose checks and
messages (:func:`hedging.ingest.source.iter_tables`) are the reference.
"""

from __future__ import annotations

import copy
import os
import queue
import re
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from .cells import iso_in_arrow
from .distinct import column_hash, combine_hashes
from .source import RawFile

#: Arrow parses a range in blocks of this size.
_BLOCK_BYTES = 1 << 20
#: The file is cut at line ends into ranges of about this many bytes; up to ``_AHEAD`` of them are
#: parsed at once, in threads of their own (Arrow's streaming reader parses one block after
#: another in the thread that asks for them, which left the second core to the checks alone).
_RANGE_BYTES = 8 << 20
_AHEAD = 2
_WINDOW = 1 << 16  # bytes read at a time to find where a line ends
_HEAD_BYTES = 1 << 20
_PARSE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hedging-ingest-range")
#: Parts typed and hashed at once (beside the part the caller checks and the one waiting for it).
_PARTS_AHEAD = 1
#: Rows per part at most on this path: Arrow holds a part as text and up to three parts are in
#: hand at once (checked, waiting, typed), so parts a quarter of pandas' chunks keep the peak well
#: under 600 MB at 1M rows (bench/ingest.py: 125,000-row parts peaked at 520-570 MB, 62,500-row
#: parts at 430-490 MB), and the checks of the first part start sooner.
PART_ROWS = 62_500
#: ... and at most about this many bytes of the file: a log with wide rows (LiteLLM's SpendLogs
#: carry a JSON ``metadata`` cell, about 420 bytes a row against OpenRouter's 210) is cut into
#: parts of fewer rows, so its peak stays under 600 MB too (bench/ingest.py --format litellm:
#: 575-611 MB with 62,500-row parts, about 510 MB with 33,000).
PART_BYTES = 14 << 20
_MIN_PART_ROWS = 4_000
NULLS = ["", "NULL", "null", "None"]
STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default text dtype, held by Arrow


class FastPathUnavailable(Exception):
    """Arrow refused the file where pandas' parser might not: read it with pandas instead."""


@dataclass
class Part:
    """One part of the file: the frame the format parsers read, and what the parse thread
    prepared for the checks."""

    frame: pd.DataFrame
    #: Text columns repeating a few names over many rows, as (row codes, -1 for blank; the distinct
    #: names in order of first appearance): checked and hashed once per name.
    coded: dict[str, tuple[np.ndarray, list]] = field(default_factory=dict)
    #: The 64-bit cell hashes of the text columns (a request id is one), computed in the parse thread.
    hashes: dict[str, np.ndarray] | None = None
    #: Each row's hash over all of its cells (every column's cell hashes combined).
    content: np.ndarray | None = None
    #: Text columns every cell of which Arrow reads as an ISO 8601 time, as UTC ``datetime64[s]``.
    stamps: dict[str, np.ndarray] = field(default_factory=dict)


def iter_parts(raw: RawFile, usecols: Iterable[str], text_columns: Iterable[str],
               chunk_rows: int) -> Iterator[Part]:
    """Parts of ``chunk_rows`` rows (at most :data:`PART_ROWS`, and about :data:`PART_BYTES` of
    the file; the last one shorter) with only the wanted columns.

    Arrow parses the next ranges of the file, and the next part is typed and its cells hashed for
    the repeated-row check, in threads of their own while the caller checks this one (at most two
    parts ahead, so memory stays bounded)."""
    wanted = set(usecols)
    present = [c for c in raw.header if c in wanted]
    if not present or len(set(raw.header)) != len(raw.header):
        raise FastPathUnavailable("no wanted column, or a repeated header")
    chunk_rows = min(chunk_rows, part_rows(raw))
    ahead: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    worker = threading.Thread(target=_produce, args=(raw, present, set(text_columns), chunk_rows, ahead, stop),
                              name="hedging-ingest-parse", daemon=True)
    worker.start()
    try:
        while True:
            item = ahead.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let a producer blocked on a full queue see the stop
            try:
                ahead.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


def part_rows(raw: RawFile) -> int:
    """Rows per part for this file: :data:`PART_ROWS`, fewer when its rows are wide (judged on
    its first lines), never fewer than a few thousand."""
    row_bytes = raw.size / max(raw.approx_rows, 1)
    return int(min(PART_ROWS, max(_MIN_PART_ROWS, PART_BYTES // max(row_bytes, 1))))


class _TextNeeded(Exception):
    """A cell of a column read as numbers is not a finite number: read that column as text from
    the part that holds it on (``column``; None: every column)."""

    def __init__(self, column: str | None) -> None:
        super().__init__(column)
        self.column = column


_CONVERSION = re.compile(r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error")


def _produce(raw: RawFile, present: list[str], text: set[str], chunk_rows: int, ahead: queue.Queue,
             stop: threading.Event) -> None:
    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    done = 0  # rows handed to the caller
    numbers = {c for c in present if c not in text}  # converted by the reader while they can be
    try:
        while True:
            typing: deque[Future] = deque()  # parts being typed and hashed, in the file's order
            try:
                for future in _parts(raw, present, text, numbers, chunk_rows, skip=done, stop=stop):
                    typing.append(future)
                    while len(typing) > _PARTS_AHEAD or (typing and typing[0].done()):
                        part = typing.popleft().result()
                        if not put(part):
                            return
                        done += len(part.frame)
                while typing:
                    part = typing.popleft().result()
                    if not put(part):
                        return
                    done += len(part.frame)
                break
            except _TextNeeded as exc:
                # a cell that is not a number (or NaN, infinity): from the part that holds it on,
                # its column is read as text and typed part by part, as pandas types its chunks
                numbers = numbers - {exc.column} if exc.column in numbers else set()
            finally:
                for future in typing:  # parts after one that raised are typed again, or not needed
                    if not future.cancel():
                        future.exception()
        put(None)
    except (pa.ArrowException, UnicodeDecodeError, OSError) as exc:
        put(FastPathUnavailable(str(exc)))
    except Exception as exc:  # noqa: BLE001 - reported in the caller's thread
        put(exc)


def _parts(raw: RawFile, present: list[str], text: set[str], numbers: set[str], chunk_rows: int, *,
           skip: int, stop: threading.Event) -> Iterator[Part]:
    """Parts of the file after its first ``skip`` rows, each typed and hashed (:func:`_part`) in
    a thread of :data:`_PARSE` (the future of a :class:`Part`). The ``numbers`` columns are
    converted to float64 by Arrow's reader itself, in its threads (a cell it cannot convert raises
    :class:`_TextNeeded`); the others are read as text."""
    options = reader_options(raw, {c: pa.float64() if c in numbers else pa.large_string() for c in present})
    try:
        pending: list[pa.RecordBatch] = []
        held = 0
        for batch in batches(raw, options, stop):
            if stop.is_set():
                return
            if skip:  # rows already handed over before a switch to text
                drop = min(skip, batch.num_rows)
                batch, skip = batch.slice(drop), skip - drop
                if not batch.num_rows:
                    continue
            pending.append(batch)
            held += batch.num_rows
            while held >= chunk_rows:
                table = pa.Table.from_batches(pending)
                yield _PARSE.submit(_part, table.slice(0, chunk_rows), text)
                rest = table.slice(chunk_rows)
                pending, held = rest.to_batches(), rest.num_rows
        if held:
            yield _PARSE.submit(_part, pa.Table.from_batches(pending), text)
    except pa.ArrowInvalid as exc:
        if numbers and (found := _CONVERSION.search(str(exc))):
            index = int(found.group(1))
            raise _TextNeeded(raw.header[index] if index < len(raw.header) else None) from None
        raise


def reader_options(raw: RawFile, types: dict[str, pa.DataType]) -> dict:
    """Arrow's reader options for the columns ``types`` names (each read as its type): one range
    is parsed without threads of its own, two ranges at once."""
    return dict(
        read_options=pa_csv.ReadOptions(block_size=_BLOCK_BYTES, use_threads=False, column_names=list(raw.header)),
        parse_options=pa_csv.ParseOptions(newlines_in_values=False),
        convert_options=pa_csv.ConvertOptions(include_columns=list(types), column_types=types, null_values=NULLS,
                                              strings_can_be_null=True, quoted_strings_can_be_null=True))


def batches(raw: RawFile, options: dict, stop: threading.Event | None = None) -> Iterator[pa.RecordBatch]:
    """The rows of the file after its header, as Arrow batches in the file's order: the file is
    cut at line ends into ranges of about :data:`_RANGE_BYTES`, and up to :data:`_AHEAD` ranges
    are parsed at once by Arrow's reader, in threads of their own, while the caller works on the
    batches of the ranges before."""
    with _Ranges(raw) as ranges:
        bounds = iter(ranges)
        ahead: deque[Future] = deque()
        plain = _without_utf8_check(options)

        def submit() -> None:
            for start, end in bounds:
                ahead.append(_PARSE.submit(ranges.parse, start, end, options, plain))
                return

        try:
            for _ in range(_AHEAD):
                submit()
            while ahead and not (stop and stop.is_set()):
                table = ahead.popleft().result()
                submit()
                yield from table.to_batches()
        finally:
            for future in ahead:  # the file stays open until no range is being read
                if not future.cancel():
                    future.exception()


class _Ranges:
    """The file after its header line, cut at line ends into ranges of about
    :data:`_RANGE_BYTES` bytes (a range read from disk only when it is parsed).

    A range is read into one of a few buffers kept for the file's reading, not into new memory
    each time: Arrow's reader copies every value it keeps out of its input (the parsed table
    never points into the buffer; ``tests/ingest/test_arrow_path.py`` checks it), so the
    buffer is free again once the range is parsed."""

    def __init__(self, raw: RawFile) -> None:
        self.raw = raw
        self._buffers: queue.SimpleQueue[bytearray] = queue.SimpleQueue()
        self.fd = None if raw.data is not None else os.open(raw.path, os.O_RDONLY)
        self.size = len(raw.data) if raw.data is not None else os.fstat(self.fd).st_size
        head = self.read(0, _HEAD_BYTES)  # the header is at most a quarter of this (source.py)
        # a file whose lines end in CR alone (classic Mac OS) is cut at CRs, any other at LFs
        self.end_of_line = b"\n" if b"\n" in head or b"\r" not in head else b"\r"
        line_end = head.find(self.end_of_line)
        if line_end < 0 or head[:line_end].count(b'"') % 2:
            raise FastPathUnavailable("the header is not one line of its own")
        self.first = line_end + 1

    def __enter__(self) -> "_Ranges":
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def read(self, start: int, n: int) -> bytes:
        if self.raw.data is not None:
            return self.raw.data[start:start + n]
        return os.pread(self.fd, n, start)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        start = self.first
        while start < self.size:
            end = start + _RANGE_BYTES
            while end < self.size:  # on to the end of the line the cut falls in
                found = self.read(end, _WINDOW).find(self.end_of_line)
                if found >= 0:
                    end += found + 1
                    break
                end += _WINDOW
            end = min(end, self.size)
            yield start, end
            start = end

    def parse(self, start: int, end: int, options: dict, ascii_options: dict | None = None) -> pa.Table:
        """The rows of ``start:end``, read with ``options``, or with ``ascii_options`` (the same
        without the UTF-8 check) when every byte of the range is ASCII."""
        if self.raw.data is not None:
            data = pa.py_buffer(self.raw.data).slice(start, end - start)
            return pa_csv.read_csv(pa.BufferReader(data), **_options_for(data, options, ascii_options))
        try:
            buffer = self._buffers.get_nowait()
        except queue.Empty:
            buffer = bytearray()
        try:
            if len(buffer) < end - start:
                buffer = bytearray(max(end - start, _RANGE_BYTES + _WINDOW))
            view = memoryview(buffer)[:end - start]
            if os.preadv(self.fd, [view], start) != end - start:
                raise OSError(f"{self.raw.name} became shorter while it was read")
            return pa_csv.read_csv(pa.BufferReader(pa.py_buffer(view)), **_options_for(view, options, ascii_options))
        finally:
            self._buffers.put(buffer)


def _without_utf8_check(options: dict) -> dict:
    """``options`` whose reader does not check that text cells are UTF-8: for a range of ASCII
    bytes only, which is UTF-8 whatever its cells (the check was about a tenth of the parse)."""
    convert = copy.copy(options["convert_options"])
    convert.check_utf8 = False
    return {**options, "convert_options": convert}


def _options_for(data, options: dict, ascii_options: dict | None) -> dict:
    """``ascii_options`` when every byte of ``data`` is ASCII (one vectorised pass, about 0.1 ms
    for 8 MB), else ``options``: a byte that is not ASCII may be part of invalid UTF-8, which
    Arrow's check refuses and pandas' parser then names."""
    if ascii_options is None or not len(data):
        return options
    return ascii_options if int(np.frombuffer(data, dtype=np.uint8).max()) < 0x80 else options


def _part(table: pa.Table, text: set[str]) -> Part:
    columns: dict[str, object] = {}
    coded: dict[str, tuple[np.ndarray, list]] = {}
    for name in table.column_names:
        col = table[name]
        if pa.types.is_floating(col.type):  # converted by the reader
            numbers = _finite(col)
            if numbers is None:
                raise _TextNeeded(name)
        else:
            numbers = None if name in text else as_numbers(col)
        if numbers is None:
            columns[name] = pd.Series(pd.arrays.ArrowStringArray(col, dtype=STR), copy=False)
            if (few := _few_names(col)) is not None:
                coded[name] = few
        else:
            columns[name] = numbers
    frame = pd.DataFrame(columns, copy=False)
    hashes = {name: column_hash(frame[name], coded.get(name)) for name in frame.columns}
    stamps = {name: values for name, series in frame.items()
              if isinstance(series.dtype, pd.StringDtype) and (values := iso_in_arrow(series)) is not None}
    content = combine_hashes(list(hashes.values()), len(frame))
    kept = {name: h for name, h in hashes.items() if name in text}  # a request id is one of the text columns
    return Part(frame, coded, kept, content, stamps)


_SAMPLE = 2_000


def _few_names(col: pa.ChunkedArray) -> tuple[np.ndarray, list] | None:
    """Row codes and distinct values of a column with few distinct values (judged on its first
    rows), else None."""
    if len(col) < 4 * _SAMPLE or pc.count_distinct(col.slice(0, _SAMPLE)).as_py() >= _SAMPLE // 5:
        return None
    coded = pc.dictionary_encode(col.combine_chunks())
    codes = pc.fill_null(coded.indices, -1).to_numpy()
    return codes, coded.dictionary.to_pylist()


def as_numbers(col: pa.ChunkedArray) -> np.ndarray | None:
    """The column as float64 (blank = NaN) when every cell is a number pandas' parser reads as
    one, else None (the column stays text and is checked cell by cell).

    Arrow also reads hexadecimal (``0x10``) as an integer and ``nan`` as a number, which pandas
    does not: such columns stay text. Infinity stays text too, so its message quotes the cell."""
    if col.null_count == len(col):
        return None  # pandas types an all-blank column as float; text reads the same (blank)
    try:
        values = pc.cast(col, pa.float64())
    except pa.ArrowInvalid:
        return None
    return _finite(values)


def _finite(values: pa.ChunkedArray | pa.Array) -> np.ndarray | None:
    """Float64 cells as numpy (blank = NaN), or None when a cell is NaN or infinity as written."""
    out = values.to_numpy()  # blank cells (nulls) become NaN
    if values.null_count:
        given = ~values.is_null().to_numpy()
        finite = np.isfinite(out[given]).all()
    else:
        finite = np.isfinite(out).all()
    return out if finite else None
