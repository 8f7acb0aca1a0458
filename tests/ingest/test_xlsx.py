"""Excel workbooks (.xlsx) as usage exports: the same detection, validation and row numbers as CSV.

Every workbook is generated here with openpyxl, so each test states exactly what the file holds.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pandas.testing import assert_frame_equal

from hedging import service
from hedging.errors import InputError, RejectedRowsError
from hedging.ingest import read_usage

DATA = Path(__file__).resolve().parent.parent / "data"
CANONICAL = ["usage_date", "billing_provider", "model", "team", "input_tokens", "output_tokens", "cost_usd"]
ROWS = [["2026-03-01", "openai", "gpt-4o", "research", "1000", "200", "1.5"],
        ["2026-03-02", "openai", "gpt-4o-mini", "=ops", "3000", "400", "0.12"],
        ["2026-03-03", "coreweave", "h100-sxm", "research", "0", "0", "812.25"]]


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


def _typed(value: str):
    """A CSV cell as a finance user's sheet holds it: dates as Excel dates, numbers as numbers."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.datetime.fromisoformat(value)
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d+", value):
        return float(value)
    return value or None


class Text(str):
    """A cell typed as text even when it starts with "=" (as Excel stores '=HYPERLINK(...) typed with a quote)."""


def _xlsx(*sheets: tuple[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for i, r in enumerate(rows, start=1):
            ws.append(r)
            for j, v in enumerate(r, start=1):
                if isinstance(v, Text):
                    ws.cell(row=i, column=j).data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _same_read(csv_bytes: bytes, xlsx_bytes: bytes, sheet: str):
    a, b = read_usage(csv_bytes, "usage.csv"), read_usage(xlsx_bytes, "usage.xlsx")
    assert b.file_name == f'usage.xlsx, sheet "{sheet}"'
    assert (b.format, b.rows_read, b.rejected, b.skipped) == (a.format, a.rows_read, a.rejected, a.skipped)
    assert_frame_equal(a.frame.reset_index(drop=True), b.frame.reset_index(drop=True))
    assert len(b.frame) > 0
    return b


def test_canonical_template_reads_as_its_csv_does():
    rows = [r for r in ROWS if r[3] != "=ops"]
    read = _same_read(_csv(CANONICAL, rows), _xlsx(("Usage", [CANONICAL, *[[_typed(v) for v in r] for r in rows]])),
                      "Usage")
    assert read.format == "canonical"
    assert set(read.frame["billing_provider"]) == {"openai", "coreweave"}


def test_provider_exports_read_as_their_csv_does():
    for path, sheet in ((DATA / "anthropic" / "usage_current.csv", "claude_usage"),
                        (DATA / "openai" / "cost_2025-10-06.csv", "Cost")):
        text = path.read_bytes()
        rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
        book = _xlsx(("Read me", [["Exported from the console"], ["Notes only"]]),
                     (sheet, [rows[0], *[[_typed(v) for v in r] for r in rows[1:]]]))
        read = _same_read(text, book, sheet)   # the notes sheet is passed over: it holds no usage header
        assert read.format in ("anthropic_usage", "openai_cost")


def test_a_formula_counts_by_its_saved_result_and_one_without_a_result_is_refused():
    rows = [CANONICAL, [dt.datetime(2026, 3, 1), "openai", "gpt-4o", "research", 1000, 200, "=1+2"]]
    book = _xlsx(("Usage", rows))
    with pytest.raises(InputError) as err:
        read_usage(book, "finance.xlsx")
    message = str(err.value)
    for part in ('finance.xlsx, sheet "Usage"', "row 2", "cost_usd", "'=1+2'", "no saved result", "Paste Special"):
        assert part in message, message
    # the same file as Excel saves it: the formula with its cached result, which is what Excel shows
    parts = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in parts.infolist():
            body = parts.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body, n = re.subn(rb"<f>1\+2</f><v\s*/>", b"<f>1+2</f><v>3</v>", body)
                assert n == 1
            z.writestr(item, body)
    read = read_usage(out.getvalue(), "finance.xlsx")
    assert read.rejected == () and read.frame["cost_usd"].sum() == pytest.approx(3.0)


def test_an_excel_error_value_is_refused_with_its_cell():
    book = _xlsx(("Usage", [CANONICAL, [dt.datetime(2026, 3, 1), "openai", "gpt-4o", "r", 1000, 200, "#DIV/0!"]]))
    with pytest.raises(InputError, match=r'sheet "Usage", row 2, column `cost_usd`.*#DIV/0!'):
        read_usage(book, "u.xlsx")


def test_a_date_stored_as_text_meets_the_csv_date_check_with_the_excel_row(settings):
    rows = [CANONICAL, [dt.datetime(2026, 3, 1), "openai", "gpt-4o", "r", 1000, 200, 1.5],
            ["2026-03-02", "openai", "gpt-4o", "r", 1000, 200, 1.5],          # ISO text: read like CSV
            ["15/03/2026", "openai", "gpt-4o", "r", 1000, 200, 1.5],          # day-first text: refused
            [dt.datetime(2026, 3, 4), "openai", "gpt-4o", "r", 1000, 200, 1.5]]
    with pytest.raises(RejectedRowsError) as err:
        service.import_files([("team.xlsx", _xlsx(("Usage", rows)))], settings)
    [bad] = err.value.rejected
    assert (bad.row, bad.column, bad.value) == (4, "usage_date", "15/03/2026")
    assert 'team.xlsx, sheet "Usage"' in str(err.value)


def test_rows_keep_excel_numbers_after_a_blank_row_and_bad_cells_name_their_row():
    rows = [CANONICAL, [dt.datetime(2026, 3, 1), "openai", "gpt-4o", "r", 1000, 200, 1.5], [],
            [dt.datetime(2026, 3, 3), "openai", Text('=HYPERLINK("http://x","y")'), "r", 1000, 200, 1.5],
            [dt.datetime(2026, 3, 4), "openai", "gpt-4o", "r", -5, 200, 1.5], [], [], []]
    read = read_usage(_xlsx(("Usage", rows)), "u.xlsx")
    found = {(r.row, r.column) for r in read.rejected}
    # row 3 is blank in Excel (no date); 4 holds a formula-like name (text, not a formula); 5 a negative count;
    # the blank rows below the data are formatting, not rows
    assert found == {(3, "usage_date"), (4, "model"), (5, "input_tokens")}
    assert read.rows_read == 4


def test_two_usage_sheets_are_refused_as_ambiguous():
    sheet = [CANONICAL, [dt.datetime(2026, 3, 1), "openai", "gpt-4o", "r", 1000, 200, 1.5]]
    with pytest.raises(InputError) as err:
        read_usage(_xlsx(("January", sheet), ("February", sheet)), "q1.xlsx")
    assert "2 sheets" in str(err.value) and "'January', 'February'" in str(err.value)
    assert "Fix:" in str(err.value)


def test_no_usage_sheet_reports_the_first_sheets_header_and_a_title_row_says_where_the_header_is():
    with pytest.raises(InputError, match=r'sheet "Data", row 1: the header \(date, amount\)'):
        read_usage(_xlsx(("Data", [["date", "amount"], [dt.datetime(2026, 3, 1), 5]])), "x.xlsx")
    titled = [["Usage report, March 2026"], [], CANONICAL, [dt.datetime(2026, 3, 1), "openai", "gpt-4o", "r", 1, 2, 1.5]]
    with pytest.raises(InputError, match=r"column names are on row 3.*delete rows 1 to 2"):
        read_usage(_xlsx(("Usage", titled)), "x.xlsx")
    with pytest.raises(InputError, match="every sheet is empty"):
        read_usage(_xlsx(("Sheet1", [])), "x.xlsx")


def test_decompressed_size_is_capped_before_anything_is_inflated():
    """A workbook is a ZIP: 2 MB of repeated cells compress to a few KB; with a 1 MB limit the
    workbook is refused from the sizes in the archive's directory."""
    body = ("<row>" + "<c t=\"inlineStr\"><is><t>aaaa</t></is></c>" * 50 + "</row>") * 1100
    book = _xlsx(("Usage", [CANONICAL]))
    parts = zipfile.ZipFile(io.BytesIO(book))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in parts.infolist():
            data = parts.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", body.encode() + b"</sheetData>")
            z.writestr(item.filename, data)
    bomb = out.getvalue()
    assert len(bomb) < 64 * 1024
    with pytest.raises(InputError, match=r"decompress to 2\.\d MB, more than the 1\.0 MB upload limit"):
        read_usage(bomb, "bomb.xlsx", max_bytes=1024 * 1024)


def test_old_xls_and_broken_zip_are_refused_in_words():
    with pytest.raises(InputError, match=r"Excel 97-2003 workbook \(\.xls\)"):
        read_usage(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "old.xls")
    with pytest.raises(InputError, match="damaged"):
        read_usage(b"PK\x03\x04" + b"\x00" * 100, "cut.xlsx")


def test_importing_the_same_workbook_again_changes_nothing(settings):
    rows = [CANONICAL, *[[_typed(v) for v in r] for r in ROWS if r[3] != "=ops"]]
    book = _xlsx(("Usage", rows))
    [first] = service.import_files([("costs.xlsx", book)], settings)
    assert first.import_id is not None and first.read.file_name == 'costs.xlsx, sheet "Usage"'
    [again] = service.import_files([("costs.xlsx", book)], settings)
    assert again.already_imported and again.import_id == first.import_id
