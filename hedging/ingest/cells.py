"""Cell-level validation of a parsed export: every bad cell becomes a :class:`RejectedRow`.

Each method returns a whole column as a numpy array (bad cells get a neutral value such as 0) and
marks the rows it rejected, so format modules stay short and declarative. Rows are numbered as a
spreadsheet shows them (header = row 1).
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hedging.errors import InputError
from hedging.models import RejectedRow

#: Larger counts are refused: a quadrillion tokens in one row of one day is not real usage, and
#: the cap keeps sums far from the 64-bit integer limit.
MAX_COUNT = 10**15
MAX_AMOUNT_USD = 1e12
MAX_TEXT_CHARS = 200
EARLIEST_DAY = pd.Timestamp("2015-01-01")

#: What a spreadsheet evaluates instead of showing: a cell starting (after spaces) with = + - @,
#: a tab or a CR ("=1+HYPERLINK(...)", "+1+cmd|' /C calc'!A0", "-2+3+cmd|...", "@SUM(...)").
_FORMULA = re.compile(r"^ *[=+\-@\t\r]")
#: ... except a plain signed number ("-5", "+1.5e3"), which a spreadsheet shows as that number.
_PLAIN_NUMBER = re.compile(r"^ *[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)? *$")
_MARKUP = re.compile(r"[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NUMBER_JUNK = re.compile(r"[\s,$\"']")
_THOUSANDS = re.compile(r"^\s*[-+]?\$?\s*[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*$")


def latest_allowed_day() -> pd.Timestamp:
    """Usage cannot be dated more than a few days in the future (clock skew, time zones)."""
    return pd.Timestamp(dt.datetime.now(dt.timezone.utc).date()) + pd.Timedelta(days=2)


class Cells:
    """The rows of one export, with the rows rejected or skipped so far."""

    def __init__(self, frame: pd.DataFrame, file_name: str, first_row: int = 2, source=None,
                 coded: dict | None = None, stamps: dict | None = None) -> None:
        self.frame = frame
        self.file = file_name
        self.first_row = first_row
        self.source = source  # the RawFile, to quote numeric cells as they are written
        self._as_written: dict[str, pd.Series] = {}
        self._coded = coded or {}  # row codes and distinct names of columns with few names
        self._stamps = stamps or {}  # columns of ISO times already read as UTC datetime64[s]
        self.n = len(frame)
        self.bad = np.zeros(self.n, dtype=bool)
        self.skipped = np.zeros(self.n, dtype=bool)
        self.rejected: list[RejectedRow] = []
        self.skip_reasons: dict[str, int] = {}
        self.warnings: list = []

    # --- bookkeeping ---------------------------------------------------------------------------
    def has(self, column: str) -> bool:
        return column in self.frame.columns

    def replace(self, column: str, values) -> None:
        """Put derived ``values`` (a tag, a name) in place of ``column``'s cells."""
        self.frame[column] = pd.Series(list(values), index=self.frame.index, dtype=object)
        self._coded.pop(column, None)
        self._stamps.pop(column, None)
        self._as_written.pop(column, None)

    def require(self, *columns: str) -> None:
        missing = [c for c in columns if not self.has(c)]
        if missing:
            raise InputError(
                f"required column(s) {', '.join('`' + c + '`' for c in missing)} are missing.",
                file=self.file, row=1,
                fix="export the file again from the provider without removing columns; the columns "
                    "this format needs are listed in the README.")

    def reject(self, mask: np.ndarray, column: str, values, reason: str, fix: str) -> None:
        """Mark rows in ``mask`` as rejected because of ``column`` (first reason per row is kept).

        ``values`` are shown in messages; ``None`` means the original cells of ``column``.
        """
        if not np.any(mask):
            return
        idx = np.flatnonzero(mask & ~self.bad & ~self.skipped)
        if not len(idx):
            return
        if values is None:
            vals = self._written(column, idx) if self.has(column) else np.full(len(idx), None, dtype=object)
        else:
            vals = np.asarray(values, dtype=object)[idx]
        for i, v in zip(idx, vals):
            self.rejected.append(RejectedRow(int(i) + self.first_row, column, "" if v is None else _plain(v), reason, fix))
        self.bad[idx] = True

    def skip(self, mask: np.ndarray, reason: str) -> None:
        """Leave rows out on purpose (e.g. non-AI charges) and count them under ``reason``."""
        new = np.asarray(mask, dtype=bool) & ~self.skipped & ~self.bad
        count = int(new.sum())
        if count:
            self.skipped |= new
            self.skip_reasons[reason] = self.skip_reasons.get(reason, 0) + count

    def raw(self, column: str, rows: np.ndarray | None = None) -> np.ndarray:
        """The column's original cells (strings, numbers or None) for messages, optionally some rows."""
        s = self.frame[column]
        if rows is not None:
            s = s.iloc[rows]
        return s.astype(object).where(s.notna(), None).to_numpy()

    def _written(self, column: str, rows: np.ndarray) -> np.ndarray:
        """Cells of ``rows`` as the file spells them. pandas reads 99999999999999999999999 as
        1e+23, which a message must not show; the column is re-read as text, on errors only."""
        if self.source is None or not pd.api.types.is_numeric_dtype(self.frame[column]):
            return self.raw(column, rows)
        if column not in self._as_written:
            with self.source.handle() as handle:
                self._as_written[column] = pd.read_csv(
                    handle, usecols=[column], dtype=object, encoding="utf-8-sig", keep_default_na=False,
                    na_values=["", "NULL", "null", "None"], skiprows=range(1, self.first_row - 1), nrows=self.n,
                )[column]
        s = self._as_written[column].iloc[rows]
        return s.where(s.notna(), None).to_numpy(dtype=object)

    # --- typed readers -------------------------------------------------------------------------
    def text(self, column: str, default: str = "", *, identifier: bool = True) -> np.ndarray:
        """Trimmed text; every value refuses spreadsheet formulas, ``identifier`` values (names
        shown in charts) also refuse markup.

        Works on the distinct values only (a request log has millions of rows but a handful of
        model and team names), then maps the results back to the rows.
        """
        return np.asarray(self.names(column, default, identifier=identifier), dtype=object)

    def names(self, column: str, default: str = "", *, identifier: bool = True) -> pd.Categorical:
        """:meth:`text` as a categorical (row codes into the distinct names): a request log's
        names are then grouped and summed by their codes, not by a million strings."""
        if not self.has(column):
            return pd.Categorical.from_codes(np.zeros(self.n, dtype=np.int8), categories=pd.Index([default], dtype=object),
                                             validate=False)
        if column in self._coded:  # the distinct names in order of first appearance, as factorize
            codes, uniques = self._coded[column]
        else:
            codes, uniques = pd.factorize(self.frame[column], use_na_sentinel=True)
        written = [_plain(v) for v in uniques]
        cleaned = np.array([v.strip() for v in written], dtype=object)
        cleaned = np.where(cleaned == "", default, cleaned)
        # the formula test sees the cell as written (a leading tab or CR counts), the rest the name
        problems = [(text_problem(v, identifier, written=w), i) for i, (v, w) in enumerate(zip(cleaned, written))]
        for problem, i in problems:
            if problem:
                mask = codes == i
                self.reject(mask, column, None, *problem)
                cleaned[i] = default
        out = np.append(cleaned, default).astype(object)  # the last slot serves missing cells
        name_codes, distinct = pd.factorize(out)  # two cells may clean to the same name
        rows = name_codes[np.where(codes < 0, len(cleaned), codes)]
        return pd.Categorical.from_codes(rows, categories=pd.Index(distinct, dtype=object), validate=False)

    def count(self, column: str, default: int = 0) -> np.ndarray:
        """Whole, non-negative counts (tokens, requests); blank means ``default``."""
        values, invalid = self._numbers(column, float(default))
        if len(values) and not invalid.any() and 0 <= values.min() and values.max() <= MAX_COUNT:
            whole = values.astype(np.int64)
            if (whole == values).all():  # every cell a plain count: nothing to refuse
                return whole
        whole = np.floor(values) == values
        self.reject(~whole & ~invalid, column, None, "counts must be whole numbers",
                    "token and request counts are integers; check the column holds counts, not costs.")
        neg = values < 0
        self.reject(neg, column, None, "counts cannot be negative",
                    "token and request counts are never negative; remove or correct the row.")
        big = values > MAX_COUNT
        self.reject(big, column, None, f"is larger than the largest supported count ({MAX_COUNT:.0e})",
                    "check the column holds a count and not an id or a concatenated value.")
        ok = ~invalid & whole & ~neg & ~big
        return np.where(ok, values, 0).astype(np.int64)

    def amount(self, column: str, default: float = 0.0, *, scale: float = 1.0,
               allow_negative: bool = True) -> np.ndarray:
        """Money or quantities as floats (``scale`` converts, e.g. 0.01 for cents to dollars).

        Blank cells get ``default`` (which may be NaN, so callers can tell "not given" from 0).
        """
        values, invalid = self._numbers(column, default)
        if len(values) and not invalid.any() and (allow_negative or 0 <= values.min()) \
                and max(values.max(), -values.min()) <= MAX_AMOUNT_USD:  # nothing to refuse (NaN fails)
            return values * scale
        bad = invalid.copy()
        if not allow_negative:
            neg = values < 0
            self.reject(neg, column, None, "cannot be negative",
                        "this quantity is never negative; remove or correct the row.")
            bad |= neg
        big = np.abs(values) > MAX_AMOUNT_USD
        self.reject(big, column, None, "is implausibly large (over 1e12)",
                    "check the column holds an amount and not an id.")
        bad |= big
        return np.where(bad, 0.0, values * scale)

    def _numbers(self, column: str, default: float) -> tuple[np.ndarray, np.ndarray]:
        """Values (blank cells = ``default``) and a mask of cells that are not numbers at all."""
        if not self.has(column):
            return np.full(self.n, default, dtype=float), np.zeros(self.n, dtype=bool)
        s = self.frame[column]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            values = s.to_numpy(dtype=float, na_value=np.nan)
            if np.isfinite(values).all():  # every cell a number: nothing blank, nothing to refuse
                return values, np.zeros(self.n, dtype=bool)
            blank = np.isnan(values)
            inf = np.isinf(values)
            self.reject(inf, column, None, "NaN and infinity are not numbers",
                        "replace it with the real value or 0, or remove the row.")
            return np.where(blank, default, np.where(inf, 0.0, values)), inf
        text = s.astype("str")
        cleaned = text.str.replace(_NUMBER_JUNK, "", regex=True)
        values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        blank = (cleaned.isna() | (cleaned == "")).to_numpy(dtype=bool, na_value=True)
        comma = (text.str.contains(",", regex=False).to_numpy(dtype=bool, na_value=False)
                 & ~text.str.match(_THOUSANDS).to_numpy(dtype=bool, na_value=False))
        self.reject(comma, column, None, "has a comma that is not a thousands separator (a decimal comma?)",
                    "write numbers with a point as the decimal separator, e.g. 12.50.")
        unreadable = np.isnan(values) & ~blank & ~comma
        lowered = cleaned.str.lower()
        named = lowered.isin(["nan", "inf", "-inf", "+inf", "infinity", "-infinity"]).to_numpy(dtype=bool, na_value=False)
        inf = np.isinf(values) | (unreadable & named)
        self.reject(inf, column, None, "NaN and infinity are not numbers",
                    "replace it with the real value or 0, or remove the row.")
        self.reject(unreadable & ~inf, column, None, "is not a number",
                    "the cell must hold a number such as 1234 or 1234.5 (no text or units).")
        invalid = unreadable | inf | comma
        return np.where(blank, default, np.where(invalid, 0.0, values)), invalid

    def day(self, column: str, *, unix: bool | None = None) -> np.ndarray:
        """UTC calendar day (``datetime64[s]`` at midnight) from ISO text, unix seconds or MM/DD/YYYY."""
        stamps = self.timestamp(column, unix=unix)
        return stamps.astype("datetime64[D]").astype("datetime64[s]")

    def timestamp(self, column: str, *, unix: bool | None = None) -> np.ndarray:
        """UTC timestamps (``datetime64[s]``); naive times are taken as UTC."""
        self.require(column)
        s = self.frame[column]
        raw = None
        blank = s.isna().to_numpy()
        values = None if unix else self._stamps[column] if column in self._stamps else iso_in_arrow(s)
        if values is not None:
            pass
        elif unix or (unix is None and pd.api.types.is_numeric_dtype(s)):
            nums = pd.to_numeric(s, errors="coerce")
            parsed = pd.to_datetime(nums, unit="s", utc=True, errors="coerce")
        else:
            parsed = _parse_dates(s.astype(object))
        if values is None:
            parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
            values = parsed.to_numpy(dtype="datetime64[s]")
        nat = np.isnat(values)
        self.reject(blank, column, raw, "the date is missing",
                    "every row needs its usage date; export again or remove the row.")
        self.reject(nat & ~blank, column, raw, "is not a date",
                    "use ISO dates such as 2025-10-06 or 2025-10-06T00:00:00Z (MM/DD/YYYY and unix "
                    "seconds are also read).")
        early = ~nat & (values < np.datetime64(EARLIEST_DAY.to_datetime64(), "s"))
        self.reject(early, column, raw, "is before 2015, earlier than any LLM API usage",
                    "check the date column; a 1970 date usually means a blank or zero timestamp.")
        late = ~nat & (values >= np.datetime64(latest_allowed_day().to_datetime64(), "s"))
        self.reject(late, column, raw, "is in the future",
                    "usage exports only contain past days; check the date format (day and month "
                    "swapped?) and the year.")
        fallback = np.datetime64("2020-01-01", "s")
        return np.where(nat | early | late, fallback, values)

    def boolean(self, column: str, default: bool = False) -> np.ndarray:
        if not self.has(column):
            return np.full(self.n, default, dtype=bool)
        text = self.frame[column].astype("str").str.strip().str.lower()
        out = text.isin(["true", "1", "yes", "t", "1.0"]).to_numpy(dtype=bool, na_value=False)
        known = text.isin(["true", "1", "yes", "t", "1.0", "false", "0", "no", "f", "0.0"]) | text.isna()
        self.reject(~known.to_numpy(dtype=bool, na_value=True), column, None,
                    "is not TRUE or FALSE", "the column holds TRUE/FALSE flags.")
        return out


def _plain(value) -> str:
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def is_formula(value: str) -> bool:
    """Whether a spreadsheet would evaluate ``value`` rather than show it.

    >>> [is_formula(v) for v in ("=1+HYPERLINK('http://x')", "+1+cmd|' /C calc'!A0", " -2+3+cmd|x",
    ...                          "@SUM(A1)", "-5", "+1.5", "gpt-4o", "team-a")]
    [True, True, True, True, False, False, False, False]
    """
    return bool(_FORMULA.match(value)) and not _PLAIN_NUMBER.match(value)


def text_problem(value: str, identifier: bool, *, written: str | None = None) -> tuple[str, str] | None:
    """Why ``value`` (trimmed) cannot be stored as a name, or None. ``written`` is the cell before
    trimming, for the formula test (a cell starting with a tab or CR is evaluated too)."""
    if len(value) > MAX_TEXT_CHARS:
        return (f"is {len(value):,} characters long; names are at most {MAX_TEXT_CHARS}",
                "the cell holds something other than a name (a pasted log or document?); correct it.")
    if is_formula(value) or (written is not None and is_formula(written)):
        return ("looks like a spreadsheet formula, not a name",
                "remove the formula (cells starting with = + - @, a tab or a carriage return run as "
                "formulas in spreadsheets); type the plain name.")
    if _CONTROL.search(value):
        return ("contains control characters", "remove the invisible control characters from the cell.")
    if identifier and _MARKUP.search(value):
        return ("contains < or >, which names never do (HTML or script?)",
                "remove the markup and keep the plain name.")
    return None


def iso_in_arrow(s: pd.Series) -> np.ndarray | None:
    """UTC ``datetime64[s]`` (blank = NaT) when the column is Arrow-held text and every cell is an
    ISO 8601 date or time that Arrow's parser reads, all without a zone (taken as UTC) or all with
    one; else None, and pandas parses the column as before. Arrow reads only strict ISO 8601
    (``2025-10-06``, ``2025-10-06 10:00:00.123``, ``2025-10-06T10:00:00Z``), which pandas reads
    the same way; anything else (other formats, spaces, a mix) goes to pandas."""
    array = getattr(s.array, "_pa_array", None)
    if not isinstance(s.dtype, pd.StringDtype) or array is None or array.null_count == len(array):
        return None
    for kind in (pa.timestamp("ns"), pa.timestamp("ns", tz="UTC")):
        try:  # the first cells first: a column of other text fails there, at little cost
            pc.cast(array.slice(0, 64), kind)
            stamps = pc.cast(array, kind)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        naive = stamps.cast(pa.timestamp("ns")) if kind.tz else stamps
        return naive.to_numpy().astype("datetime64[s]")
    return None


_DATE_FORMATS = ("ISO8601", "%m/%d/%Y", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y")


def _parse_dates(text: pd.Series) -> pd.Series:
    """Parse with the first format that reads the first non-blank value, then mop up the rest."""
    sample = text.dropna()
    sample = sample[sample != ""].head(1).astype(str).str.strip()
    best = None
    if len(sample):
        first = sample.iloc[0]
        for fmt in _DATE_FORMATS:
            try:
                pd.to_datetime(pd.Series([first]), format=fmt, utc=True)
            except (ValueError, TypeError):
                continue
            best = fmt
            break
    if best is None:
        return pd.to_datetime(text, format="mixed", utc=True, errors="coerce")
    parsed = pd.to_datetime(text, format=best, utc=True, errors="coerce")
    missing = parsed.isna() & text.notna() & (text != "")
    if missing.any():
        # ISO only: "mixed" would read 13/10/2025 day-first after 10/05/2025 was read month-first
        retry = pd.to_datetime(text[missing].astype(str).str.strip(), format="ISO8601", utc=True, errors="coerce")
        parsed = parsed.copy()
        parsed[missing] = retry
    return parsed
