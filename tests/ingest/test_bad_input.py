"""Bad input files: each one is refused with a message a finance analyst can act on.

For every case in :data:`CASES` the file is imported through :func:`hedging.service.import_files`
into a temporary SQLite database that already holds one good import
(``tests/data/bad/_baseline_openai_usage.csv``). The import must raise
:class:`~hedging.errors.InputError` (file-level problems) or
:class:`~hedging.errors.RejectedRowsError` (bad cells); the message must name the file, the row
(spreadsheet numbering: header = row 1), the column and the offending value where they apply, and
say how to fix it; and the stored usage rows and list of imports must be exactly as before.

Small files are committed under ``tests/data/bad/``; large ones (a 50 MB line, a 2 GB sparse
file, ...) are generated into ``tmp_path`` by the builders below.
"""

from __future__ import annotations

import builtins
import csv
import dataclasses
import gzip
import io
import json
import pathlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from hedging import cli, service, store
from hedging.config import Settings
from hedging.errors import InputError, RejectedRowsError

DATA = Path(__file__).resolve().parent.parent / "data" / "bad"
BASELINE = DATA / "_baseline_openai_usage.csv"
MAX_CORPUS_BYTES = 200 * 1024
#: A message is read by a person: it may quote a value, never dump the file.
MAX_MESSAGE_CHARS = 4000


# --- generated files (too large to commit) -------------------------------------------------------


def _usage_lines() -> tuple[str, str]:
    """Header and one good row (2025-10-13) of the OpenAI completions usage export."""
    lines = (DATA / "negative_output_tokens.csv").read_text().splitlines()
    return lines[0], lines[1]


def build_model_name_50mb(tmp: Path) -> Path:
    header, row = _usage_lines()
    bad = row.replace("gpt-4o-2024-08-06", "A" * (50 * 1024 * 1024))
    path = tmp / "huge_model_name.csv"
    path.write_text(f"{header}\n{row}\n{bad}\n")
    return path


def build_sparse_2gb(tmp: Path) -> Path:
    path = tmp / "completions_usage_2gb.csv"
    with open(path, "wb") as f:
        f.truncate(2 * 1024**3)
    return path


def build_header_line_300kb(tmp: Path) -> Path:
    path = tmp / "one_long_line.csv"
    path.write_bytes(b"start_time" + b"x" * (300 * 1024))
    return path


def build_latin1_byte_late_row(tmp: Path) -> Path:
    """5,000 data rows; spreadsheet row 4001 holds a latin-1 'é' (beyond the parser's first block)."""
    header, row = _usage_lines()
    rows = [row.encode()] * 5000
    rows[3999] = row.replace("proj_Bad01", "proj_Caf\x00").encode().replace(b"\x00", b"\xe9")
    path = tmp / "latin1_byte_late.csv"
    path.write_bytes(header.encode() + b"\n" + b"\n".join(rows) + b"\n")
    return path


def build_gzip_over_limit(tmp: Path) -> Path:
    """About 3 MB of CSV that gzip shrinks far below the 1 MB limit the case sets."""
    header, row = _usage_lines()
    text = header + "\n" + "\n".join([row] * 12000) + "\n"
    path = tmp / "completions_usage.csv.gz"
    path.write_bytes(gzip.compress(text.encode(), mtime=0))
    assert path.stat().st_size < 1024 * 1024 < len(text)
    return path


def _canonical_with(column: str, value: str) -> Callable[[Path], Path]:
    """A canonical-template file whose row 3 holds ``value`` in ``column`` (rows 2 and 4 are good)."""
    def build(tmp: Path) -> Path:
        header = ["usage_date", "billing_provider", "model", "team", "project_id", "api_key_id",
                  "input_tokens", "output_tokens", "cost_usd"]
        good = {"usage_date": "2025-10-13", "billing_provider": "openai", "model": "gpt-4o", "team": "research",
                "project_id": "proj_Bad01", "api_key_id": "key-prod", "input_tokens": "1000",
                "output_tokens": "200", "cost_usd": "0.45"}
        rows = [good, {**good, "model": "gpt-4o-mini", column: value}, {**good, "usage_date": "2025-10-14"}]
        path = tmp / f"canonical_formula_{column}.csv"
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, header, lineterminator="\n", quoting=csv.QUOTE_ALL)  # a CR cell too
            writer.writeheader()
            writer.writerows(rows)
        return path
    return build


def _openai_usage_with(column: str, value: str) -> Callable[[Path], Path]:
    """The OpenAI usage export with ``value`` in ``column`` of row 3 (rows 2 and 4 are good)."""
    def build(tmp: Path) -> Path:
        with open(DATA / "formula_model.csv", newline="") as fh:
            rows = list(csv.reader(fh))
        rows[2][rows[0].index("model")] = rows[1][rows[0].index("model")]
        rows[2][rows[0].index(column)] = value
        path = tmp / f"completions_usage_formula_{column}.csv"
        with open(path, "w", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        return path
    return build


#: Cells a spreadsheet would evaluate (CSV injection), in the text columns that are stored.
FORMULAS = (
    ("formula_eq_number_hyperlink_model", _openai_usage_with, "model", '=1+HYPERLINK("http://x","y")'),
    ("formula_plus_cmd_team", _canonical_with, "team", "+1+cmd|' /C calc'!A0"),
    ("formula_minus_cmd_project", _canonical_with, "project_id", "-2+3+cmd|' /C calc'!A0"),
    ("formula_at_sum_api_key", _openai_usage_with, "api_key_id", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("formula_after_spaces_model", _canonical_with, "model", "   =2+5"),
    ("formula_leading_tab_team", _canonical_with, "team", "\tcmd|' /C calc'!A0"),
    ("formula_leading_cr_project", _canonical_with, "project_id", "\r=1+2"),
    ("formula_minus_name_api_key", _canonical_with, "api_key_id", "-key-prod"),
    ("formula_plus_word_project", _openai_usage_with, "project_id", "+proj_Bad01"),
)


# --- the cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One bad file and what its refusal must say.

    ``rejected``: a cell-level problem, so :class:`RejectedRowsError` listing exactly ``row``.
    ``value``: text that must appear in the message (the value as ``repr`` shows it, or its start).
    ``expect``: further substrings of the message.
    """

    id: str
    file: str | None = None
    build: Callable[[Path], Path] | None = None
    rejected: bool = False
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expect: tuple[str, ...] = ()
    max_upload_bytes: int | None = None
    never_read: bool = False


CASES: tuple[Case, ...] = (
    # --- the file as a whole ----------------------------------------------------------------
    Case("empty_0_bytes", "empty.csv", expect=("empty",)),
    Case("whitespace_only", "whitespace_only.csv", expect=("empty",)),
    Case("utf8_bom_only", "bom_only.csv", expect=("empty",)),
    Case("header_only", "header_only.csv", expect=("no data rows",)),
    Case("header_and_blank_rows", "header_and_blank_rows.csv", expect=("no data rows",)),
    Case("unknown_header", "unknown_header.csv", row=1,
         expect=("Date, Description, Amount, Balance", "not one of the supported")),
    Case("header_capitals_changed", "wrong_capitals.csv", row=1, expect=("capitals",)),
    Case("png_image", "usage_screenshot.png", expect=("binary",)),
    Case("zip_archive", "completions_usage_export.zip", expect=("ZIP",)),
    # a workbook is read like a CSV (tests/ingest/test_xlsx.py); this one lacks a required column
    Case("xlsx_workbook_missing_column", "completions_usage_export.xlsx", row=1,
         expect=('sheet "usage"', "`num_model_requests`", "missing")),
    Case("utf16_le_with_bom", "utf16le_bom.csv", expect=("UTF-16",)),
    Case("semicolon_delimiter", "semicolon_delimited.csv", row=1, expect=("semicolons",)),
    Case("tab_delimiter", "tab_delimited.csv", row=1, expect=("tabs",)),
    Case("html_login_page", "login_page.csv", expect=("HTML",)),
    Case("gzip_corrupt_stream", "corrupt_garbage.csv.gz", expect=("gzip", "decompress")),
    Case("gzip_truncated", "truncated_download.csv.gz", expect=("gzip", "decompress")),
    Case("gzip_bad_checksum", "bad_checksum.csv.gz", expect=("gzip", "decompress")),
    Case("gzip_decompresses_over_limit", build=build_gzip_over_limit, max_upload_bytes=1024 * 1024,
         expect=("1.0 MB", "upload limit")),
    Case("file_2gb_over_size_limit", build=build_sparse_2gb, never_read=True,
         expect=("2,048.0 MB", "1,024.0 MB", "upload limit", "not read")),
    Case("first_line_300kb", build=build_header_line_300kb, row=1, expect=("256 KB",)),
    # --- the header ---------------------------------------------------------------------------
    Case("openai_usage_missing_output_tokens", "missing_output_tokens.csv", row=1,
         expect=("`output_tokens`", "missing")),
    Case("canonical_missing_model", "canonical_missing_model.csv", row=1, expect=("`model`", "missing")),
    Case("duplicated_header_column", "duplicated_header_column.csv", row=1,
         expect=("input_tokens", "repeat")),
    # --- the CSV structure --------------------------------------------------------------------
    Case("latin1_byte_mid_file", "latin1_byte.csv", row=3, expect=("UTF-8",)),
    Case("latin1_byte_row_4001", build=build_latin1_byte_late_row, row=4001, expect=("UTF-8",)),
    Case("ragged_row_extra_field", "ragged_row.csv", row=3, expect=("fields",)),
    Case("truncated_last_row", "truncated_last_row.csv", row=4, expect=("fields",)),
    Case("unclosed_quote", "unclosed_quote.csv", row=3),
    # --- cells (row 3 is the bad one; rows 2 and 4 are good) ------------------------------------
    Case("negative_token_count", "negative_output_tokens.csv", rejected=True, row=3,
         column="output_tokens", value="'-500", expect=("negative",)),
    Case("non_numeric_count_lots", "non_numeric_tokens.csv", rejected=True, row=3, column="input_tokens",
         value="'lots'", expect=("not a number",)),
    Case("fractional_token_count", "fractional_tokens.csv", rejected=True, row=3, column="output_tokens",
         value="'1234.5'", expect=("whole",)),
    Case("nan_cell", "nan_tokens.csv", rejected=True, row=3, column="output_tokens", value="'NaN'"),
    Case("inf_cell", "inf_tokens.csv", rejected=True, row=3, column="output_tokens", value="'inf'"),
    Case("count_overflows_int64", "overflow_tokens.csv", rejected=True, row=3, column="output_tokens",
         value="'99999999999999999999999'"),
    Case("zero_unix_timestamp_1970", "zero_unix_timestamp.csv", rejected=True, row=3, column="start_time",
         value="'0'", expect=("2015",)),
    Case("unparseable_date", "canonical_bad_date.csv", rejected=True, row=3, column="usage_date",
         value="'2025-10-32'", expect=("not a date",)),
    Case("far_future_date_2099", "canonical_future_2099.csv", rejected=True, row=3, column="usage_date",
         value="'2099-10-13'", expect=("future",)),
    Case("day_first_date_after_month_first", "canonical_day_first_dates.csv", rejected=True, row=3,
         column="usage_date", value="'13/10/2025'"),
    Case("formula_in_model", "formula_model.csv", rejected=True, row=3, column="model",
         value="""'=HYPERLINK("http://x","y")'""", expect=("formula",)),
    Case("formula_in_project", "canonical_formula_project.csv", rejected=True, row=3, column="project_id",
         value="""'=HYPERLINK("http://x","y")'""", expect=("formula",)),
    Case("script_tag_in_model", "script_model.csv", rejected=True, row=3, column="model",
         value="'<script>alert(1)</script>'"),
    Case("control_characters_in_model", "control_chars_model.csv", rejected=True, row=3, column="model",
         value="'gpt-4o", expect=("control",)),
    Case("model_name_50mb", build=build_model_name_50mb, rejected=True, row=3, column="model",
         value="'AAAAAAAAAAAAAAAAAAAA", expect=("52,428,800",)),
    Case("cached_input_exceeds_input", "cached_exceeds_input.csv", rejected=True, row=3,
         column="input_cached_tokens", value="'5000", expect=("cached",)),
    Case("cached_input_exceeds_input_no_uncached_column", "cached_exceeds_input_no_uncached_column.csv",
         rejected=True, row=3, column="input_cached_tokens", value="'5000", expect=("cached",)),
    Case("openai_cost_currency_eur", "openai_cost_eur.csv", rejected=True, row=3, column="amount_currency",
         value="'eur'", expect=("USD",)),
    Case("canonical_decimal_comma", "canonical_decimal_comma.csv", rejected=True, row=3, column="cost_usd",
         value="'12,50'"),
    # The template has one row per key; a second row with the same key is ambiguous (a copy-paste
    # slip or two different numbers for one day), so it must not be silently added up.
    Case("canonical_duplicate_key_rows", "canonical_duplicate_rows.csv", rejected=True, row=3,
         expect=("row 2",)),
) + tuple(
    Case(name, build=builder(column, value), rejected=True, row=3, column=column, value=repr(value),
         expect=("formula", "plain name"))
    for name, builder, column, value in FORMULAS
)


# --- fixtures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    settings: Settings
    usage: pd.DataFrame
    imports: list

    @property
    def engine(self):
        return store.get_engine(self.settings.database_url)

    def assert_unchanged(self) -> None:
        assert_frame_equal(store.usage_frame(self.engine), self.usage)
        assert store.list_imports(self.engine) == self.imports


@pytest.fixture
def baseline_store(tmp_path: Path) -> Store:
    """A fresh SQLite database holding one good import of the baseline OpenAI usage file."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db' / 'hedging.db'}", data_dir=tmp_path)
    outcomes = service.import_files([(BASELINE.name, BASELINE)], settings)
    assert [o.read.rows_rejected for o in outcomes] == [0] and outcomes[0].import_id is not None
    engine = store.get_engine(settings.database_url)
    usage = store.usage_frame(engine)
    assert len(usage) == 4
    return Store(settings, usage, store.list_imports(engine))


def _forbid_reading(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make any attempt to open or read ``path`` fail the test."""
    target = str(path.resolve())

    def is_target(p) -> bool:
        try:
            return isinstance(p, (str, bytes, pathlib.PurePath)) and str(Path(p).resolve()) == target
        except (OSError, ValueError, TypeError):
            return False

    real_open = builtins.open
    real_read_bytes = pathlib.Path.read_bytes

    def guarded_open(file, *args, **kwargs):
        if is_target(file):
            raise AssertionError(f"the importer opened {path.name} although it is over the size limit")
        return real_open(file, *args, **kwargs)

    def guarded_read_bytes(self):
        if is_target(self):
            raise AssertionError(f"the importer read {path.name} although it is over the size limit")
        return real_read_bytes(self)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(pathlib.Path, "read_bytes", guarded_read_bytes)


def _case_path(case: Case, tmp_path: Path) -> Path:
    if case.build is not None:
        folder = tmp_path / "generated"
        folder.mkdir(exist_ok=True)
        return case.build(folder)
    return DATA / case.file


def _has_row(message: str, row: int) -> bool:
    return re.search(rf"\brow {row}\b", message) is not None


# --- the corpus ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_file_is_refused_and_nothing_changes(case: Case, baseline_store: Store, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = _case_path(case, tmp_path)
    settings = baseline_store.settings
    if case.max_upload_bytes is not None:
        settings = dataclasses.replace(settings, max_upload_bytes=case.max_upload_bytes)
    if case.never_read:
        _forbid_reading(monkeypatch, path)

    error: InputError | None = None
    try:
        outcomes = service.import_files([(path.name, path)], settings)
    except InputError as exc:
        error = exc
    else:
        stored = [(o.import_id, o.read.rows_read, len(o.read.frame)) for o in outcomes]
        pytest.fail(f"{path.name} was imported without an error (import id, rows read, daily rows): {stored}")
    monkeypatch.undo()

    message = str(error)
    assert path.name in message
    assert "Fix:" in message
    assert len(message) < MAX_MESSAGE_CHARS, message[:500]
    if case.rejected:
        assert isinstance(error, RejectedRowsError), message
        assert [r.row for r in error.rejected] == [case.row], message
        if case.column:
            assert error.rejected[0].column == case.column, message
    else:
        assert not isinstance(error, RejectedRowsError), message
        if case.row is not None:
            assert error.row == case.row, message
    if case.row is not None:
        assert _has_row(message, case.row), message
    if case.column:
        assert f"`{case.column}`" in message, message
    if case.value:
        assert case.value in message, message
    for text in case.expect:
        assert text in message, message

    baseline_store.assert_unchanged()


def test_every_corpus_file_has_a_case() -> None:
    listed = {c.file for c in CASES if c.file}
    on_disk = {p.name for p in DATA.iterdir() if p.is_file() and p != BASELINE}
    assert on_disk == listed
    assert len(CASES) >= 30


def test_corpus_stays_small() -> None:
    assert sum(p.stat().st_size for p in DATA.iterdir() if p.is_file()) < MAX_CORPUS_BYTES


# --- partial imports and the command line --------------------------------------------------------

NEGATIVE = DATA / "negative_output_tokens.csv"


def _without_line(path: Path, row: int, folder: Path) -> Path:
    """A copy of ``path`` without spreadsheet row ``row``."""
    lines = path.read_bytes().splitlines(keepends=True)
    out = folder / f"clean_{path.name}"
    out.write_bytes(b"".join(lines[: row - 1] + lines[row:]))
    return out


def test_skip_bad_rows_stores_exactly_the_good_rows(baseline_store: Store, tmp_path: Path) -> None:
    [outcome] = service.import_files([(NEGATIVE.name, NEGATIVE)], baseline_store.settings, skip_bad_rows=True)

    assert outcome.import_id is not None and not outcome.already_imported and outcome.replaced == ()
    assert [(r.row, r.column) for r in outcome.read.rejected] == [(3, "output_tokens")]
    assert float(outcome.read.rejected[0].value) == -500
    assert "counts cannot be negative" in outcome.read.rejected[0].reason
    assert (outcome.read.rows_read, outcome.read.rows_rejected, outcome.read.rows_kept) == (3, 1, 2)
    summary = outcome.summary()
    assert (summary["rows_imported"], summary["rows_rejected"]) == (2, 1)
    report = service.import_report([outcome])[0]["rejected"]
    assert [(r["row"], r["column"]) for r in report] == [(3, "output_tokens")]

    # What is stored equals the baseline plus an import of the file with row 3 deleted by hand.
    reference = Settings(database_url=f"sqlite:///{tmp_path / 'reference.db'}", data_dir=tmp_path)
    service.import_files([(BASELINE.name, BASELINE)], reference)
    service.import_files([(NEGATIVE.name, _without_line(NEGATIVE, 3, tmp_path))], reference)
    stored = store.usage_frame(baseline_store.engine)
    assert_frame_equal(stored, store.usage_frame(store.get_engine(reference.database_url)))

    old = stored[stored["import_id"] != outcome.import_id].reset_index(drop=True)
    assert_frame_equal(old, baseline_store.usage)
    new = stored[stored["import_id"] == outcome.import_id]
    assert [(str(d.date()), m, o) for d, m, o in zip(new["usage_date"], new["model_raw"], new["output_tokens"])] \
        == [("2025-10-13", "gpt-4o-2024-08-06", 30000), ("2025-10-14", "gpt-4o-2024-08-06", 15000)]

    imports = store.list_imports(baseline_store.engine)
    assert imports[:-1] == baseline_store.imports
    last = imports[-1]
    assert (last.id, last.file_name, last.rows_read, last.rows_imported, last.rows_rejected, last.rows_stored) \
        == (outcome.import_id, NEGATIVE.name, 3, 2, 1, 2)


def test_one_bad_file_stops_the_whole_batch(baseline_store: Store, tmp_path: Path) -> None:
    """Files are stored together or not at all: a good file next to a bad one is not stored either."""
    good = _without_line(NEGATIVE, 3, tmp_path)
    with pytest.raises(RejectedRowsError) as info:
        service.import_files([(good.name, good), (NEGATIVE.name, NEGATIVE)], baseline_store.settings)
    assert NEGATIVE.name in str(info.value)
    baseline_store.assert_unchanged()


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("HEDGING_MAX_UPLOAD_MB", raising=False)


def test_cli_refuses_bad_rows_with_exit_status_2(baseline_store: Store, cli_env, capsys) -> None:
    status = cli.main(["import", str(NEGATIVE), "--db", baseline_store.settings.database_url, "--json"])
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.startswith("error: ")
    for text in (NEGATIVE.name, "row 3", "`output_tokens`", "'-500", "Fix:", "--skip-bad-rows"):
        assert text in err, err
    baseline_store.assert_unchanged()


def test_cli_refuses_a_file_level_problem_with_exit_status_2(baseline_store: Store, cli_env, capsys) -> None:
    path = DATA / "semicolon_delimited.csv"
    status = cli.main(["import", str(path), "--db", baseline_store.settings.database_url, "--json"])
    out, err = capsys.readouterr()
    assert (status, out) == (2, "")
    for text in (path.name, "row 1", "semicolons", "Fix:"):
        assert text in err, err
    baseline_store.assert_unchanged()


def test_cli_skip_bad_rows_imports_the_rest(baseline_store: Store, cli_env, capsys) -> None:
    status = cli.main(["import", str(NEGATIVE), "--db", baseline_store.settings.database_url, "--json",
                       "--skip-bad-rows"])
    out, err = capsys.readouterr()
    assert status == 0, err
    summary = json.loads(out)
    assert (summary["file"], summary["rows_read"], summary["rows_imported"], summary["rows_rejected"]) \
        == (NEGATIVE.name, 3, 2, 1)
    assert len(store.usage_frame(baseline_store.engine)) == len(baseline_store.usage) + 2


@pytest.mark.parametrize("value", ["-5", "+12", "-0.5", "+1.5e3", " -7 "])
def test_signed_plain_numbers_in_names_are_not_formulas(value: str, baseline_store: Store, tmp_path: Path) -> None:
    """A spreadsheet shows "-5" as the number -5: a team or project named so is imported."""
    path = _canonical_with("team", value)(tmp_path)
    [outcome] = service.import_files([(path.name, path)], baseline_store.settings)
    assert outcome.read.rows_rejected == 0
    assert value.strip() in set(outcome.read.frame["team"])
