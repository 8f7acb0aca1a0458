"""Opening an uploaded file safely: size limit before reading, sniffing, header, CSV parsing.

Everything that can be said about a file before its rows are interpreted is said here, with a
message naming the file and the fix: empty, binary, ZIP/Excel, UTF-16, wrong delimiter, header
only, rows with the wrong number of fields, bytes that are not UTF-8.

Lines may end in LF, CRLF or a lone CR (old Mac exports); all three read alike.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import os
import re
import socket
import tempfile
import time
import weakref
import zlib
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Union

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from hedging.errors import InputError

DEFAULT_MAX_BYTES = 1024 * 1024 * 1024
_SNIFF_BYTES = 64 * 1024
_HEAD_BYTES = 1024 * 1024
#: Rows parsed at a time: bounds memory on million-row request logs.
CHUNK_ROWS = 250_000
_DATA_CHAR = re.compile(rb"[^\s,]")
_MAX_HEADER_BYTES = 256 * 1024
#: Uploads and gzip files are copied to disk in blocks of this size (memory stays bounded).
_BLOCK = 8 * 1024 * 1024
#: Hashing the file and the Arrow check of its field counts run beside the parse (they release
#: the interpreter lock: on a machine with two cores they cost almost no wall time).
_BESIDE = ThreadPoolExecutor(max_workers=2, thread_name_prefix="hedging-ingest")
#: The end of a line: LF, CRLF, or a lone CR (spreadsheets on classic Mac OS wrote CR only).
_LINE_END = re.compile(rb"\r\n?|\n")
#: A CR that ends a line by itself (not the CR of a CRLF).
_LONE_CR = re.compile(rb"\r(?!\n)")

Source = Union[str, os.PathLike, bytes, bytearray, BinaryIO]


@dataclass(frozen=True)
class RawFile:
    """An opened export: its identity (name, SHA-256 of the bytes as uploaded), header, and either
    its decompressed bytes in memory or its path on disk (read in place; an upload or a gzip file
    is first copied there, decompressed, and the copy is removed when the RawFile is dropped)."""

    name: str
    digest: "str | Future[str]"
    header: tuple[str, ...]
    data: bytes | None = None
    path: Path | None = None
    size: int = 0
    approx_rows: int = 1

    @property
    def sha256(self) -> str:
        return self.digest if isinstance(self.digest, str) else self.digest.result()

    def handle(self):
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")


def _size_of(source: Source) -> int | None:
    if isinstance(source, (bytes, bytearray)):
        return len(source)
    if isinstance(source, (str, os.PathLike)):
        return os.stat(source).st_size
    size = getattr(source, "size", None)  # Streamlit's UploadedFile
    if isinstance(size, int):
        return size
    try:
        pos = source.tell()
        source.seek(0, os.SEEK_END)
        end = source.tell()
        source.seek(pos)
        return end - pos
    except (AttributeError, OSError):
        return None


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MB"


def open_source(source: Source, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES) -> RawFile:
    """Read ``source`` (path, bytes or file object) after checking its size, and sniff it.

    Raises :class:`InputError` for anything that is not a comma-separated UTF-8 text file with a
    header and at least one data row.
    """
    if name is None:
        name = Path(source).name if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "upload.csv")
    name = Path(str(name)).name
    size = _size_of(source)
    if size is not None and size > max_bytes:
        raise InputError(
            f"the file is {_mb(size)}, larger than the {_mb(max_bytes)} upload limit, so it was not read.",
            file=name,
            fix="split the export by month (every provider's console can export a date range), "
                "or raise HEDGING_MAX_UPLOAD_MB (a file is read in parts, so memory is not the limit; "
                "disk space for a copy of an upload is).",
        )
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
        if head[:2] != b"\x1f\x8b":  # a plain file is hashed and parsed in place, never copied
            _sniff(head, name)
            header = _header(head, name, complete=len(head) < _HEAD_BYTES)
            total = path.stat().st_size
            return RawFile(name=name, digest=_BESIDE.submit(_sha256_file, path), header=header, path=path,
                           size=total, approx_rows=_approx_rows(head, total))
    elif isinstance(source, (bytes, bytearray)) and bytes(source[:2]) != b"\x1f\x8b":
        data = bytes(source)
        _sniff(data, name)
        header = _header(data, name)
        return RawFile(name=name, digest=hashlib.sha256(data).hexdigest(), header=header, data=data,
                       size=len(data), approx_rows=_approx_rows(data[:_HEAD_BYTES], len(data)))
    return _spooled(source, name, max_bytes)


#: Unpacked copies of uploads: ``hedging-upload-<host>-<pid>-<random>.csv`` in the temporary
#: directory, named after the process that owns them, so that one left behind by a process killed
#: part way through an import can be told from one still in use (:func:`remove_leftover_copies`).
#: ``<host>`` tells which machine, boot and process-id namespace the id belongs to: a temporary
#: directory shared by two containers holds ids that mean nothing in the other one.
_COPY_PREFIX = "hedging-upload-"
_COPY_OF_PID = re.compile(r"hedging-upload-([0-9a-f]{8})-(\d+)-[a-z0-9_]+\.csv")
#: A copy named before the process id was part of the name, or one of another machine, boot or
#: container (its process id cannot be asked about here): removed once it is a day old.
_COPY_WITHOUT_PID = re.compile(r"hedging-upload-(?:\d+-)?[a-z0-9_]+\.csv")
_COPY_WITHOUT_PID_AGE_S = 24 * 3600


def _spooled(source: Source, name: str, max_bytes: int) -> RawFile:
    """An upload (file object) or a gzip file, copied to a temporary file in blocks, decompressed
    on the way, hashed as uploaded: memory stays bounded whatever the size."""
    remove_leftover_copies()
    fd, tmp = tempfile.mkstemp(prefix=f"{_COPY_PREFIX}{_host_tag()}-{os.getpid()}-", suffix=".csv")
    path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as out:
            digest, written = _copy(source, out, name, max_bytes)
        with open(path, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
        _sniff(head, name)
        header = _header(head, name, complete=len(head) < _HEAD_BYTES)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    raw = RawFile(name=name, digest=digest, header=header, path=path, size=written,
                  approx_rows=_approx_rows(head, written))
    weakref.finalize(raw, path.unlink, missing_ok=True)
    return raw


def remove_leftover_copies(directory: str | os.PathLike | None = None) -> list[Path]:
    """Delete the unpacked copies of uploads that no live process owns (the removed paths).

    A copy is removed with its reader, but not when the process is killed part way through an
    import. Removed here: copies of this machine and container whose owning process (the id in the
    name) no longer exists, and copies more than a day old that are named without a process id or
    by another machine, boot or container (a process id of theirs means nothing here). Never a copy
    of this process or of another live one, and nothing on Windows, where asking whether a process
    lives is not harmless."""
    if os.name == "nt":
        return []
    folder = Path(directory if directory is not None else tempfile.gettempdir())
    removed = []
    for path in folder.glob(f"{_COPY_PREFIX}*.csv"):
        if (match := _COPY_OF_PID.fullmatch(path.name)) and match.group(1) == _host_tag():
            if _process_lives(int(match.group(2))):
                continue
        elif match or _COPY_WITHOUT_PID.fullmatch(path.name):
            try:
                if time.time() - path.lstat().st_mtime < _COPY_WITHOUT_PID_AGE_S:
                    continue
            except OSError:
                continue
        else:
            continue
        try:
            path.unlink()
        except OSError:  # removed meanwhile by another process, or another user's file
            continue
        removed.append(path)
    return removed


@functools.cache
def _host_tag() -> str:
    """Eight hex digits naming this machine's boot and this process's process-id namespace (a
    container has its own), so that a process id in a copy's name is asked about only where it
    means the same process."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        boot = ""
    try:
        pid_namespace = str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        pid_namespace = ""
    return hashlib.sha256(f"{socket.gethostname()}|{boot}|{pid_namespace}".encode()).hexdigest()[:8]


def _process_lives(pid: int) -> bool:
    if pid <= 0 or pid == os.getpid():
        return True  # never a name of ours with such an id; this process's copies are in use
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return True
    return True


def known_gzip(source: Source, known: Collection[str], max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """The SHA-256 of a gzip file (path, bytes or seekable file object) when it is among ``known``,
    else None, without unpacking it: a .gz is otherwise unpacked in full before its hash, that of
    the bytes as uploaded, can be compared (11 s for a 10M-row log). Anything else, a stream that
    cannot be read twice, or a file over ``max_bytes`` (refused unopened by :func:`open_source`),
    is None at once; a file object is left where it stood."""
    size = _size_of(source) if known else None
    if not known or (size is not None and size > max_bytes):
        return None
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            if fh.read(2) != b"\x1f\x8b":
                return None
        digest = _sha256_file(Path(source))
    elif isinstance(source, (bytes, bytearray)):
        if bytes(source[:2]) != b"\x1f\x8b":
            return None
        digest = hashlib.sha256(source).hexdigest()
    else:
        try:
            if not source.seekable():
                return None
            start = source.tell()
        except (AttributeError, OSError, ValueError):
            return None
        try:
            head = source.read(2)
            if head != b"\x1f\x8b":
                return None
            hashed = hashlib.sha256(head)
            while block := source.read(_BLOCK):
                hashed.update(block)
            digest = hashed.hexdigest()
        finally:
            source.seek(start)
    return digest if digest in known else None


def _copy(source: Source, out, name: str, max_bytes: int) -> tuple[str, int]:
    """Copy ``source`` to ``out`` (gunzipped if it is gzip), refusing more than ``max_bytes`` of
    upload or of decompressed text; the SHA-256 of the bytes as uploaded, and the bytes written."""
    if isinstance(source, (str, os.PathLike)):
        reader = open(source, "rb")
    elif isinstance(source, (bytes, bytearray)):
        reader = io.BytesIO(source)
    else:
        reader = source
    digest = hashlib.sha256()
    read = written = 0
    inflate = None
    try:
        while block := reader.read(_BLOCK):
            if not read and block[:2] == b"\x1f\x8b":
                inflate = zlib.decompressobj(wbits=31)
            read += len(block)
            if read > max_bytes:
                raise InputError(f"the file is larger than the {_mb(max_bytes)} upload limit.", file=name,
                                 fix="split the export by month.")
            digest.update(block)
            if inflate is None:
                out.write(block)
                written += len(block)
                continue
            inflate, written = _inflate(inflate, block, out, written, name, max_bytes)
        if inflate is not None:
            tail = inflate.flush()
            out.write(tail)
            written += len(tail)
            if not inflate.eof:
                raise zlib.error("the compressed stream ends early")
    except (zlib.error, EOFError) as exc:
        raise InputError(f"looks gzip-compressed but could not be decompressed ({exc}).", file=name,
                         fix="download the export again, or decompress it and upload the .csv.") from None
    finally:
        if reader is not source:
            reader.close()
    return digest.hexdigest(), written


def _inflate(inflate, data: bytes, out, written: int, name: str, max_bytes: int):
    """Decompress one block, at most ``_BLOCK`` bytes of output at a time (a gzip bomb never
    fills memory), following a file made of several gzip members."""
    while data:
        if inflate.eof:  # the member before ended: what follows is another member, or padding
            if not data.strip(b"\x00"):
                return inflate, written
            inflate = zlib.decompressobj(wbits=31)
        chunk = inflate.decompress(data, _BLOCK)
        out.write(chunk)
        written += len(chunk)
        if written > max_bytes:
            raise InputError(f"decompresses to more than the {_mb(max_bytes)} upload limit.", file=name,
                             fix="split the export by month.")
        data = inflate.unused_data if inflate.eof else inflate.unconsumed_tail
    return inflate, written


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(4 * 1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _approx_rows(head: bytes, total: int) -> int:
    lines = max(head.count(b"\n") or head.count(b"\r"), 1)
    return max(1, int(total / max(len(head), 1) * lines))


def _sniff(data: bytes, name: str) -> None:
    head = data[:_SNIFF_BYTES]
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError("the file is empty.", file=name,
                         fix="export the usage again and check the date range has data.")
    if head[:4] == b"PK\x03\x04":
        raise InputError("is a ZIP archive or an Excel workbook (.xlsx), not a CSV file.", file=name,
                         fix="unzip it and upload the .csv inside, or in Excel use File > Save As > "
                             "CSV UTF-8 (comma delimited).")
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) > 3 and head[1:2] == b"\x00" and head[3:4] == b"\x00"):
        raise InputError("is encoded as UTF-16; this importer reads UTF-8.", file=name,
                         fix="in Excel use File > Save As > CSV UTF-8 (comma delimited), or convert with "
                             "`iconv -f UTF-16 -t UTF-8`.")
    if b"\x00" in head:
        raise InputError("contains binary data (NUL bytes); it is not a CSV text file.", file=name,
                         fix="upload the CSV export itself, not a PDF, image or database file.")
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise InputError("is an HTML page, not a CSV export (often a login page saved by mistake).",
                         file=name, fix="download the export again from the provider's console.")


def _header(data: bytes, name: str, complete: bool = True) -> tuple[str, ...]:
    found = _LINE_END.search(data, 0, _MAX_HEADER_BYTES)
    end = found.start() if found else -1
    if end < 0 and len(data) > _MAX_HEADER_BYTES:
        raise InputError(f"the first line is longer than {_MAX_HEADER_BYTES // 1024} KB, so it is not a "
                         "CSV header.", file=name, row=1, fix="upload the CSV export itself.")
    line = data[: end if end >= 0 else len(data)]
    try:
        text = line.decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        raise InputError("the header is not UTF-8 text.", file=name, row=1,
                         fix="save the file as CSV UTF-8 (comma delimited).") from None
    if "," not in text:
        for sep, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "pipes")):
            if sep in text:
                raise InputError(
                    f"columns are separated by {label}, not commas.", file=name, row=1,
                    fix="export again as comma-separated CSV (in Excel: Save As > CSV UTF-8 "
                        "(comma delimited); some European locales write semicolons by default).")
    header = tuple(c.strip() for c in next(csv.reader([text])))
    if not any(header):
        raise InputError("the header row is empty.", file=name, row=1,
                         fix="the first line must hold the column names of the export.")
    if complete and (end < 0 or not _DATA_CHAR.search(data, found.end())):
        raise InputError("has a header but no data rows, so there is nothing to import.", file=name,
                         fix="check the export's date range covers days with usage.")
    dupes = sorted({c for c in header if c and header.count(c) > 1})
    if dupes:
        raise InputError(f"the header repeats column(s) {', '.join(dupes)}.", file=name, row=1,
                         fix="remove the duplicated columns; each column name must appear once.")
    return header


def iter_tables(raw: RawFile, usecols: Iterable[str], text_columns: Iterable[str],
                chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Parse the CSV in chunks of ``chunk_rows`` rows holding only the wanted columns.

    Numbers are left to pandas' C parser (fast path); cells it cannot read as numbers stay as
    strings and are validated cell by cell later. Blank and ``NULL`` cells become missing. Each
    chunk's index starts at 0.
    """
    wanted = set(usecols)
    present = [c for c in raw.header if c in wanted]
    # explicit: never inferred
    text = {c: object for c in text_columns if c in present}
    ragged = _BESIDE.submit(_arrow_sees_ragged_rows, raw)  # beside the parse, not after it
    try:
        with raw.handle() as handle, pd.read_csv(
            handle,
            usecols=present,
            dtype=text,
            encoding="utf-8-sig",
            keep_default_na=False,
            na_values=["", "NULL", "null", "None"],
            chunksize=chunk_rows,
        ) as reader:
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                yield chunk.reset_index(drop=True)
        _check_field_counts(raw, ragged.result())
    except UnicodeDecodeError:
        raise InputError("contains bytes that are not UTF-8 text.", file=raw.name, row=_first_bad_line(raw),
                         fix="save the file as CSV UTF-8; the provider's own export already is.") from None
    except pd.errors.ParserError as exc:
        row, problem = _parser_problem(exc)
        raise InputError(f"is not a well-formed CSV: {problem}.", file=raw.name, row=row, fix=_CSV_FIX) from None


_CSV_FIX = ("rows must have as many fields as the header; a cell containing a comma must be quoted. "
            "Export the file again rather than editing it by hand.")
_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_EOF_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def _parser_problem(exc: Exception) -> tuple[int | None, str]:
    """Spreadsheet row and plain words for a pandas tokenizer error."""
    detail = _parser_detail(exc)
    if m := _FIELDS.search(detail):  # pandas numbers these lines from 1 (header = 1)
        return int(m.group(2)), f"the row has {m.group(3)} fields but the header has {m.group(1)}"
    if m := _EOF_QUOTE.search(detail):  # pandas numbers these rows from 0 (header = 0)
        return int(m.group(1)) + 1, "a quoted cell that starts on this row is never closed"
    return None, detail


def _check_field_counts(raw: RawFile, ragged: bool) -> None:
    """Refuse rows with more or fewer fields than the header.

    pandas pads a short row (a truncated download) with blanks and, with ``usecols``, drops extra
    fields (a row shifted by an unquoted comma), so both would be imported as if they were fine.
    A streaming Arrow pass, run beside the parse, finds such rows quickly (about 0.2 s per 200 MB,
    constant memory); only then is the file walked with the csv module, whose rules match
    pandas', to name the row.
    """
    if not ragged:
        return
    csv.field_size_limit(max(csv.field_size_limit(), raw.size + 1))  # one cell may be the whole file
    with raw.handle() as handle:
        reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline=""), skipinitialspace=True)
        width = len(next(reader, ()))
        for row, fields in enumerate(reader, start=2):
            if len(fields) != width and any(f.strip() for f in fields):
                raise InputError(f"is not a well-formed CSV: the row has {len(fields)} fields but the header "
                                 f"has {width}.", file=raw.name, row=row, fix=_CSV_FIX)


def _arrow_sees_ragged_rows(raw: RawFile) -> bool:
    found: list[bool] = []

    def on_bad_row(_row) -> str:
        found.append(True)
        return "skip"

    try:
        # Arrow reads a file on disk itself, without the interpreter lock
        with (pa.BufferReader(raw.data) if raw.data is not None else pa.OSFile(str(raw.path))) as handle:
            reader = pa_csv.open_csv(
                handle,
                read_options=pa_csv.ReadOptions(use_threads=False, autogenerate_column_names=True),
                parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_bad_row),
                convert_options=pa_csv.ConvertOptions(include_columns=["f0"], column_types={"f0": pa.string()},
                                                      check_utf8=False),
            )
            for _ in reader:
                if found:
                    break
    except pa.ArrowException:
        return True  # let the csv module decide
    return bool(found)


def _first_bad_line(raw: RawFile) -> int | None:
    number = 0
    with raw.handle() as handle:
        for chunk in handle:  # split at LF; a CR-only file is then split at its lone CRs
            lines = _LONE_CR.split(chunk.removesuffix(b"\r")) if b"\r" in chunk else [chunk]
            for line in lines:
                number += 1
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    return None


def _parser_detail(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text.replace("C error: ", "")
