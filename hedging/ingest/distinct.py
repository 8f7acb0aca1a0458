"""Work on distinct values: exports repeat a handful of meters, SKUs and names over many rows, so
classifying each distinct value once and mapping the answer back is both simpler and fast."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cells import Cells


def table(func: Callable[[str], object], values) -> tuple[list, np.ndarray]:
    """``func`` of each distinct value (blank last) and the row codes into that list."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    return [func(str(u)) for u in uniques] + [func("")], codes


def each(func: Callable[[str], object], values) -> np.ndarray:
    """``func`` applied once per distinct value, as an object array aligned with ``values``."""
    results, codes = table(func, values)
    out = np.empty(len(results), dtype=object)
    for i, value in enumerate(results):
        out[i] = value
    return out[codes]


def unzip(func: Callable[[str], tuple], values) -> list[np.ndarray]:
    """Like :func:`each` for a ``func`` returning a tuple: one array per tuple position."""
    results, codes = table(func, values)
    return [np.array(part, dtype=object)[codes] for part in zip(*results)]


def has_pattern(values, pattern: str) -> np.ndarray:
    """Whether each value contains the regular expression ``pattern``."""
    results, codes = table(lambda v: re.search(pattern, v) is not None, values)
    return np.array(results, dtype=bool)[codes]


def lowered(c: Cells, column: str) -> np.ndarray:
    """Lower-cased text of a column for classification only (no validation; blank -> "")."""
    if not c.has(column):
        return np.full(c.n, "", dtype=object)
    return each(lambda v: v.strip().lower(), c.raw(column))


def optional_amount(c: Cells, column: str) -> np.ndarray:
    """An amount column whose blank cells stay NaN, so "not given" differs from 0."""
    if not c.has(column):
        return np.full(c.n, np.nan)
    return np.where(c.frame[column].isna().to_numpy(), np.nan, c.amount(column))


def checked(c: Cells, column: str, values) -> np.ndarray:
    """Validate values derived from ``column`` (a tag, a name) with the same rules as ``c.text``."""
    c.replace(column, values)
    return c.text(column)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's cells (column order as given; blank cells alike).

    Numbers hash by value, so ``2`` in a part of the file read as whole numbers and ``2.0`` in a
    part read as decimals are the same cell."""
    return combine_hashes([column_hash(frame[c]) for c in frame.columns], len(frame))


def combine_hashes(columns: list[np.ndarray], n: int) -> np.ndarray:
    """One 64-bit hash per row from per-column hashes (pandas' own combination for a row)."""
    if not columns:
        return np.zeros(n, dtype=np.uint64)
    out = np.full(n, 0x345678, dtype=np.uint64)
    mult = np.uint64(1000003)
    for i, h in enumerate(columns):
        out ^= h
        out *= mult
        mult += np.uint64(82520 + 2 * (len(columns) - i))
        out += np.uint64(97531)
    return out


_BLANK_HASH = np.uint64(0x9E3779B97F4A7C15)
_SAMPLE = 2_000


def column_hash(s: pd.Series, coded: tuple[np.ndarray, list] | None = None) -> np.ndarray:
    """A 64-bit hash of each cell of one column: numbers by value, text by its characters (hashed
    in one C loop, no per-column factorising: an id column has as many values as rows)."""
    if s.dtype.kind in "biuf":
        return pd.util.hash_array(s.to_numpy(dtype=np.float64, na_value=np.nan), categorize=False)
    if coded is not None:  # (row codes, -1 for blank; distinct values): each value hashed once
        codes, names = coded
        per_name = np.append(hash_arrow_text(pa.array(names, type=pa.large_string())), _BLANK_HASH)
        return per_name[codes]  # code -1 picks the blank hash
    array = getattr(s.array, "_pa_array", None)
    if isinstance(s.dtype, pd.StringDtype) and array is not None:
        if len(array) > 4 * _SAMPLE and pc.count_distinct(array.slice(0, _SAMPLE)).as_py() < _SAMPLE // 5:
            # a name repeated over many rows: each distinct value hashed once
            coded = pc.dictionary_encode(array).combine_chunks()
            if not len(coded.dictionary):
                return np.full(len(array), _BLANK_HASH, dtype=np.uint64)
            index = pc.fill_null(coded.indices, 0).to_numpy()
            out = hash_arrow_text(coded.dictionary)[index]
            if coded.indices.null_count:
                out[coded.indices.is_null().to_numpy(zero_copy_only=False)] = _BLANK_HASH
            return out
        return hash_arrow_text(array)
    values = s.to_numpy(dtype=object)
    blank = pd.isna(values)
    if blank.any():
        values = np.where(blank, "", values)
    return np.where(blank, _BLANK_HASH, pd.util.hash_array(values, categorize=False))


#: The filter of keys seen so far starts with this many bits and grows (rebuilt from the stored
#: keys) to keep at least :data:`_BITS_PER_KEY` bits per key, up to :data:`_MAX_FILTER_BITS`
#: (32 MB: 10M keys then leave about 4% of new keys to look up).
_MIN_FILTER_BITS = 1 << 16
_MAX_FILTER_BITS = 1 << 28
_BITS_PER_KEY = 32


class RepeatedRows:
    """Rows of one file that repeat an earlier row, however far apart (every chunk of the file is
    checked against every earlier one).

    A row's identity is its request id when the export has one (``id_columns``), else all of its
    cells. Memory stays small on million-row files: per distinct row only a 64-bit hash of the
    identity (twice: as read and sorted), one of the content and, when rows are not numbered
    consecutively, the row number are kept (24 to 32 bytes), not the rows, one sorted run per
    chunk, and a filter of one bit per hash value seen (a few bits per key).

    :meth:`check` returns, for each row of a chunk, the spreadsheet row of the earlier row it
    repeats (0: none) and whether its content equals that row's (a copy, to count once) or not
    (the same request id with different figures: a conflict to refuse).

    A request log rarely repeats itself, so most keys are new: a key whose bit in the filter is
    not set was never seen and is not looked up at all; only the few whose bit is set (a repeat,
    or another key sharing the bit) are searched for in the stored runs, exactly. The runs are
    therefore never merged (merging re-sorted every key about log2(chunks) times). A chunk with
    no repeat at all (the usual case) is only sorted, not arg-sorted: which row a stored key came
    from is worked out when a later row repeats it.
    """

    def __init__(self, id_columns: tuple[str, ...] = (), filter_bits: int = _MIN_FILTER_BITS, *,
                 expected_rows: int = 0) -> None:
        """``expected_rows``: about how many rows the file has (its size over the length of its
        first lines): the filter starts at the size it would grow to, instead of being rebuilt
        from every stored key each time it grows (five times over a million-row log)."""
        self.id_columns = id_columns
        self._runs: list[_Run] = []
        self._stored = 0
        self._fixed = filter_bits != _MIN_FILTER_BITS  # a size given by a test is kept
        if not self._fixed:
            filter_bits = _filter_size(filter_bits, expected_rows)
        self._filter = np.zeros(max(filter_bits, 8) // 8, dtype=np.uint8)
        self.looked_up = 0  # keys searched for in the runs (the filter had seen their bit)
        self.copies: list[tuple[int, int]] = []  # (earlier row, repeated row), spreadsheet numbers
        self.by_id = False

    def check(self, table: pd.DataFrame, first_row: int, rows: np.ndarray | None = None,
              coded: dict | None = None, hashes: dict | None = None,
              content: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``rows``: the spreadsheet row of each row of ``table`` when they are not consecutive
        from ``first_row``; ``coded``: columns already coded by their distinct values;
        ``hashes``: :func:`column_hash` of every column (with ``content``: of the id columns at
        least), when already computed; ``content``: every column's hashes combined."""
        n = len(table)
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        if hashes is None:
            coded = coded or {}
            hashes = {c: column_hash(table[c], coded.get(c)) for c in table.columns}  # each column hashed once
        if content is None:
            content = combine_hashes(list(hashes.values()), n)
        ids = [c for c in self.id_columns if c in table.columns]
        self.by_id = bool(ids)
        if ids:
            id_hash = combine_hashes([hashes[c] for c in ids], n)
            if any(table[c].hasnans for c in ids):  # a row without an id is identified by its cells
                keys = np.where(table[ids].isna().all(axis=1).to_numpy(), content, id_hash)
            else:
                keys = id_hash
        else:
            keys = content
        row_of = None if rows is None else np.asarray(rows, dtype=np.int64)
        earlier = np.zeros(n, dtype=np.int64)
        earlier_content = np.zeros(n, dtype=np.uint64)
        # earlier chunks: only keys whose bit is set can have been seen
        maybe = np.flatnonzero(self._maybe_seen(keys)) if self._runs else np.zeros(0, dtype=np.int64)
        self.looked_up += len(maybe)
        if len(maybe):
            wanted = keys[maybe]
            for run in self._runs:  # a key is in one run at most
                hit, hit_rows, hit_content = run.find(wanted)
                if hit_rows is not None:
                    earlier[maybe[hit]] = hit_rows
                    earlier_content[maybe[hit]] = hit_content
        sorted_keys = np.sort(keys)
        if not earlier.any() and not (sorted_keys[1:] == sorted_keys[:-1]).any():
            # no repeat in this chunk: its keys are stored as they are, sorted once
            self._add(_Run(sorted_keys, content, row_of, first_row, unsorted=keys))
            return earlier, np.zeros(n, dtype=bool)
        rows = np.arange(n, dtype=np.int64) + first_row if row_of is None else row_of
        # within the chunk: the first row with each key (equal keys side by side once sorted)
        order = np.argsort(keys)
        sorted_keys = keys[order]
        starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
        first_sorted = np.minimum.reduceat(order, np.flatnonzero(starts))[np.cumsum(starts) - 1]
        first_of = np.empty(n, dtype=np.int64)
        first_of[order] = first_sorted
        inside = (earlier == 0) & (first_of != np.arange(n))
        earlier[inside] = rows[first_of[inside]]
        earlier_content[inside] = content[first_of[inside]]
        repeated = earlier > 0
        copy = repeated & (earlier_content == content)
        self.copies += list(zip(earlier[copy].tolist(), rows[copy].tolist()))
        new = ~repeated[order]  # in sorted order (one row per key)
        if new.any():
            self._add(_Run(sorted_keys[new], content[order][new], rows[order][new], first_row))
        return earlier, copy

    def _bits(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each key's byte in the filter and its bit in that byte (the key's top bits: the keys
        are hashes, so their top bits are as good as any)."""
        width = self._filter.size.bit_length() - 1 + 3  # log2 of the number of bits
        slot = keys >> np.uint64(64 - width)
        return slot >> np.uint64(3), np.left_shift(np.uint8(1), (slot & np.uint64(7)).astype(np.uint8))

    def _maybe_seen(self, keys: np.ndarray) -> np.ndarray:
        byte, bit = self._bits(keys)
        return (self._filter[byte] & bit) != 0

    def _set_bits(self, sorted_keys: np.ndarray) -> None:
        """Set the bits of ``sorted_keys`` (sorted keys fall in the filter's bytes in order: the
        bits of one byte are OR-ed together first, then each byte is written once)."""
        byte, bit = self._bits(sorted_keys)
        starts = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
        self._filter[byte[starts]] |= np.bitwise_or.reduceat(bit, starts)

    def _add(self, run: "_Run") -> None:
        """Store one chunk's new keys as a run, and set their bits."""
        self._runs.append(run)
        self._stored += len(run.keys)
        bits = self._filter.size * 8
        if not self._fixed and bits < _MAX_FILTER_BITS and self._stored * _BITS_PER_KEY > bits:
            self._filter = np.zeros(_filter_size(bits, self._stored) // 8, dtype=np.uint8)
            for stored in self._runs:  # every key again, into the larger filter
                self._set_bits(stored.keys)
        else:
            self._set_bits(run.keys)

    def report(self, file_name: str, shown: int = 5) -> str | None:
        """The report line for the copies counted once (``None``: there were none)."""
        if not self.copies:
            return None
        noun = "the same request" if self.by_id else "the same row (every column equal)"
        pairs = sorted(self.copies, key=lambda p: p[1])
        listed = "; ".join(f"rows {a:,} and {b:,} are {noun}" for a, b in pairs[:shown])
        more = f" ({len(pairs) - shown:,} more copies)" if len(pairs) > shown else ""
        return (f"{file_name}: {listed}{more}; counted once. {len(pairs):,} repeated "
                f"row{'s' if len(pairs) != 1 else ''} left out.")


def _filter_size(bits: int, keys: int) -> int:
    """The filter's bits for ``keys`` keys: ``bits`` times a power of four, at least
    :data:`_BITS_PER_KEY` per key, at most :data:`_MAX_FILTER_BITS`."""
    while bits < _MAX_FILTER_BITS and keys * _BITS_PER_KEY > bits:
        bits *= 4
    return min(bits, _MAX_FILTER_BITS)


class _Run:
    """The new keys of one chunk, sorted, with each key's content hash and spreadsheet row.

    ``content`` and ``rows`` follow ``keys`` (sorted), or, when ``unsorted`` (the keys in the
    chunk's own order) is given, the chunk's order: a key found then finds its row through the
    chunk's sort order, computed on the first such find only. ``rows`` None: the chunk's rows are
    numbered consecutively from ``first_row``."""

    __slots__ = ("keys", "content", "rows", "first_row", "unsorted", "order")

    def __init__(self, keys: np.ndarray, content: np.ndarray, rows: np.ndarray | None, first_row: int, *,
                 unsorted: np.ndarray | None = None) -> None:
        self.keys, self.content, self.rows, self.first_row = keys, content, rows, first_row
        self.unsorted = unsorted
        self.order: np.ndarray | None = None

    def find(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Which of ``wanted`` are stored here, and for those their rows and content hashes (None
        when none is)."""
        pos = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        hit = self.keys[pos] == wanted
        if not hit.any():
            return hit, None, None
        pos = pos[hit]
        if self.unsorted is not None:
            if self.order is None:
                self.order = np.argsort(self.unsorted)
            pos = self.order[pos]
        rows = pos + self.first_row if self.rows is None else self.rows[pos]
        return hit, rows, self.content[pos]


_MIX = np.uint64(0x9E3779B97F4A7C15)
_FMIX1, _FMIX2 = np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)


def _fmix(h: np.ndarray, tmp: np.ndarray) -> None:
    """MurmurHash3's 64-bit finaliser, in place (``tmp``: scratch of the same shape)."""
    for mult in (_FMIX1, _FMIX2, None):
        np.right_shift(h, _S33, out=tmp)
        h ^= tmp
        if mult is not None:
            h *= mult


def hash_arrow_text(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A 64-bit hash of each cell of an Arrow text column (blank cells alike), read from Arrow's
    buffers eight bytes at a time: a few numpy passes per eight characters of the longest cell,
    no Python string per cell (a request id column has as many values as rows).

    Equal text gives equal hashes, in any part of a file and across runs (no random seed)."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks() if array.num_chunks != 1 else array.chunk(0)
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if not pa.types.is_large_string(array.type):
        array = array.cast(pa.large_string())
    _validity, offsets_buf, data_buf = array.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[array.offset:array.offset + n + 1]
    first, last = int(offsets[0]), int(offsets[-1])
    data = np.zeros(last - first + 8, dtype=np.uint8)  # 8 bytes of room to read past the end
    if data_buf is not None:
        data[:last - first] = np.frombuffer(data_buf, dtype=np.uint8, count=last - first, offset=first)
    if n > 1 and lengths_equal(offsets):
        h = _hash_fixed_width(data, n, (last - first) // n)
    else:
        h = _hash_any_width(data, offsets, first, n)
    _fmix(h, np.empty_like(h))
    if array.null_count:
        h[array.is_null().to_numpy(zero_copy_only=False)] = _BLANK_HASH
    return h


def lengths_equal(offsets: np.ndarray) -> bool:
    """Whether every cell has the same length (request ids and timestamps usually do)."""
    step = offsets[1] - offsets[0]
    return bool(step > 0 and offsets[-1] - offsets[0] == step * (len(offsets) - 1)
                and (np.diff(offsets) == step).all())


def _hash_fixed_width(data: np.ndarray, n: int, width: int) -> np.ndarray:
    """:func:`_hash_any_width` for cells all ``width`` bytes long: the bytes are a matrix, read a
    word (eight bytes, zero-padded at the cell's end) at a time with no gathering."""
    words_per_cell = -(-width // 8)
    padded = np.zeros((n, words_per_cell * 8), dtype=np.uint8)
    padded[:, :width] = data[:n * width].reshape(n, width)
    words = padded.view("<u8")
    h = np.full(n, (width + 1) * int(_MIX) % 2**64, dtype=np.uint64)  # as the general path's start
    tmp = np.empty_like(h)
    for w in range(words_per_cell):
        h ^= words[:, w]
        h *= _MIX
        _fmix(h, tmp)
    return h


def _hash_any_width(data: np.ndarray, offsets: np.ndarray, first: int, n: int) -> np.ndarray:
    """Each cell's bytes mixed in eight at a time (the last word zero-padded), before the final
    mix of :func:`hash_arrow_text`."""
    # every byte offset seen as the start of an unaligned little-endian 64-bit word
    words = np.ndarray(shape=(len(data) - 7,), dtype="<u8", buffer=data, strides=(1,))
    starts = offsets[:-1] - first
    lengths = offsets[1:] - offsets[:-1]
    h = lengths.astype(np.uint64)
    h += np.uint64(1)
    h *= _MIX
    longest = int(lengths.max())
    rows = None  # None: every row still has bytes to mix
    for at in range(0, longest, 8):
        if rows is not None:
            rows = rows[lengths[rows] > at]
        elif lengths.min() <= at:  # (an empty cell gets no word at all, in either path)
            rows = np.flatnonzero(lengths > at)
        index = starts + at if rows is None else starts[rows] + at
        word = words[index]
        left = (lengths if rows is None else lengths[rows]) - at
        short = np.flatnonzero(left < 8)  # the cell ends inside this word: keep its own bytes
        if len(short):
            word[short] &= (np.uint64(1) << (np.uint64(8) * left[short].astype(np.uint64))) - np.uint64(1)
        part = h if rows is None else h[rows]
        part ^= word
        part *= _MIX
        _fmix(part, word)
        if rows is not None:
            h[rows] = part
    return h
