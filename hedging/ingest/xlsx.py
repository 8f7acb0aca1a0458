"""Excel workbooks (.xlsx) as usage exports, read through the same detection and validation as CSV.

Providers' consoles and finance teams hand over usage as workbooks as often as CSV. A workbook is
turned into the CSV text of ONE sheet, cell for cell and row for row, and then opened exactly like
an uploaded CSV, so the format detection, every cell check, the row numbers (as Excel numbers
them: the header is row 1) and the messages are the same; each message names the sheet.

Which sheet: the only sheet whose first row is a header the detector recognises (a workbook with a
data sheet and a notes sheet reads the data sheet); two such sheets are refused as ambiguous;
with none, the first sheet's header is reported as CSV's would be.

Which values: what Excel shows, i.e. the value saved with the file. A formula cell counts by its
saved result; a formula saved without one (a file written by a program that does not calculate)
is refused with the cell named, as is an error value (``#DIV/0!``, ``#N/A``), rather than guessed.
Dates and times stored as Excel dates become ISO dates; text stays text, so a date typed as text
meets the same date check as in a CSV file.

Safety: the upload size limit applies to the workbook, and its decompressed contents (an .xlsx is a
ZIP archive) may not exceed the same limit: the sizes are read from the archive's directory before
anything is inflated, and Python's zip reader never inflates a member beyond its recorded size.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import zipfile
from dataclasses import replace
from pathlib import Path

from hedging.errors import InputError

from .detect import detect
from .source import DEFAULT_MAX_BYTES, RawFile, Source, _mb, _read_all, _size_of, open_source

ZIP_MAGIC = b"PK\x03\x04"
#: An OLE2 compound file: an Excel 97-2003 .xls, or a password-protected (encrypted) .xlsx.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Rows below the first in which a header is looked for when row 1 is not one (to say where it is).
HEADER_SEARCH_ROWS = 10
_SAVE_AS = "in Excel use File > Save As > Excel Workbook (.xlsx) or CSV UTF-8 (comma delimited)"


def _head(source: Source, n: int = 8) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source[:n])
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            return fh.read(n)
    try:
        pos = source.tell()
        head = source.read(n)
        source.seek(pos)
        return head
    except (AttributeError, OSError):
        return b""


def open_usage_source(source: Source, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawFile:
    """:func:`~hedging.ingest.source.open_source` for CSV; for an .xlsx workbook, its usage sheet
    as CSV (see the module docstring), named ``file.xlsx, sheet "Name"``, with the SHA-256 of the
    workbook as uploaded (so importing the same workbook again changes nothing)."""
    size = _size_of(source)
    if size is not None and size > max_bytes:
        return open_source(source, name, max_bytes)   # refused there, unread, with the upload limit's message
    head = _head(source)
    if name is None:
        name = Path(source).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "upload.xlsx")
    name = Path(str(name)).name
    if head.startswith(OLE_MAGIC):
        raise InputError("is an Excel 97-2003 workbook (.xls) or a password-protected workbook, which this "
                         "importer cannot read.", file=name, fix=f"remove the password if any, then {_SAVE_AS}.")
    if not head.startswith(ZIP_MAGIC):
        return open_source(source, name, max_bytes)
    data = _read_all(source)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError("looks like a ZIP archive or an Excel workbook but is damaged (perhaps cut off while "
                         "downloading).", file=name, fix="download or save the file again.") from None
    if not any(m.filename == "xl/workbook.xml" for m in members):
        return open_source(data, name, max_bytes)    # another ZIP: refused there with its message
    inflated = sum(m.file_size for m in members)
    if inflated > max_bytes:
        raise InputError(f"is a workbook whose contents decompress to {_mb(inflated)}, more than the "
                         f"{_mb(max_bytes)} upload limit, so it was not opened.", file=name,
                         fix="split the export by month into several workbooks, or save it as CSV and upload it "
                             "compressed (.csv.gz).")
    text, label = workbook_csv(data, name)
    raw = open_source(text, label, max_bytes)
    return replace(raw, sha256=hashlib.sha256(data).hexdigest())


def _load(data: bytes, name: str, values: bool):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=values)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as err:
        raise InputError(f"could not be read as an Excel workbook ({type(err).__name__}).", file=name,
                         fix=f"open it in Excel and save it again, or {_SAVE_AS.split(' or ')[-1]}.") from None


def _label(name: str, sheet: str) -> str:
    return f'{name}, sheet "{sheet}"'


def _row_text(cells) -> list[str]:
    return ["" if c.value is None else str(c.value).strip() for c in cells]


def workbook_csv(data: bytes, name: str) -> tuple[bytes, str]:
    """The usage sheet of the workbook ``data`` as UTF-8 CSV bytes, and the name messages use."""
    values = _load(data, name, values=True)
    formulas = _load(data, name, values=False)
    try:
        sheets = [ws for ws in values.worksheets if hasattr(ws, "iter_rows")]
        found, problems, empty = [], [], []
        for ws in sheets:
            header = next(ws.iter_rows(min_row=1, max_row=1), ())
            header = _row_text(header)
            while header and not header[-1]:
                header.pop()
            if not any(header):
                empty.append(ws.title)
                continue
            try:
                detect(tuple(header), _label(name, ws.title))
                found.append(ws.title)
            except InputError as err:
                problems.append((ws.title, err))
        if len(found) > 1:
            raise InputError(f"holds {len(found)} sheets with a usage export ({', '.join(repr(s) for s in found)}); "
                             "one file is read as one export.", file=name,
                             fix="save each sheet as its own workbook (or CSV) and upload the files together, or "
                                 "delete the sheets that should not be imported.")
        if not found:
            if not problems:
                raise InputError("is a workbook with no data: every sheet is empty.", file=name,
                                 fix="export the usage again and check the date range has data.")
            title, err = problems[0]
            _refuse_header_below_row_1(values[title], name)
            raise err
        title = found[0]
        return _sheet_csv(values[title], formulas[title], name), _label(name, title)
    finally:
        values.close()
        formulas.close()


def _refuse_header_below_row_1(ws, name: str) -> None:
    """A sheet with a title above its header: say on which row the header is, so the user can delete
    the rows above it (row numbers must stay those Excel shows)."""
    for number, cells in enumerate(ws.iter_rows(min_row=2, max_row=1 + HEADER_SEARCH_ROWS), start=2):
        header = [c for c in _row_text(cells) if c]
        if not header:
            continue
        try:
            detect(tuple(header), name)
        except InputError:
            continue
        raise InputError(f"the column names are on row {number}, not row 1.", file=_label(name, ws.title), row=1,
                         fix=f"delete rows 1 to {number - 1} (the title above the table) so that the column "
                             "names are on row 1, save, and upload again.")


def _cell_text(value: object) -> str:
    """A saved cell value as CSV text that the CSV importer reads back as the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds() / 86400)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _sheet_csv(values_ws, formulas_ws, name: str) -> bytes:
    label = _label(name, values_ws.title)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    width = 0
    blank_run = []          # blank rows are held back: trailing ones (formatting below the data) are dropped
    for number, (vals, forms) in enumerate(zip(values_ws.iter_rows(), formulas_ws.iter_rows()), start=1):
        texts = []
        for j, (v, f) in enumerate(zip(vals, forms)):
            value = v.value
            column = header[j] if number > 1 and j < len(header) else f"column {j + 1}"
            if getattr(v, "data_type", None) == "e":
                raise InputError(f"holds the Excel error {value}.", file=label, row=number, column=column,
                                 value=value, fix="correct the cell in Excel (or the formula behind it) and save again.")
            if getattr(f, "data_type", None) == "f" and value is None:
                raise InputError("holds a formula with no saved result, so the value Excel would show is unknown.",
                                 file=label, row=number, column=column, value=str(f.value)[:80],
                                 fix="open the file in Excel or LibreOffice, let it calculate and save it; or copy the "
                                     "sheet and paste it as values (Paste Special > Values).")
            texts.append(_cell_text(value))
        if number == 1:
            while texts and not texts[-1].strip():
                texts.pop()
            header, width = [t.strip() for t in texts], len(texts)
            writer.writerow(texts)
            continue
        while len(texts) > width and not texts[-1]:
            texts.pop()
        texts += [""] * (width - len(texts))
        if not any(t.strip() for t in texts):
            blank_run.append(texts)
            continue
        for blank in blank_run:
            writer.writerow(blank)
        blank_run = []
        writer.writerow(texts)
    return out.getvalue().encode("utf-8")
