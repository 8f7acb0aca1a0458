"""Arrow's reader (the fast path) and pandas' parser (the reference path) read every file of the
corpus alike: the same daily rows, rejected rows, skip counts, warnings and file-level messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hedging.ingest as ingest
from hedging.errors import InputError
from hedging.ingest import arrow_read
from hedging.ingest.arrow_read import FastPathUnavailable

ROOT = Path(__file__).resolve().parents[2]
#: Every export of the corpus and the sample company (the company shapes of tests/data/shapes are
#: the same formats again, over longer histories).
FILES = sorted(p for p in (ROOT / "tests" / "data").rglob("*")
               if p.suffix in (".csv", ".gz", ".xlsx") and "shapes" not in p.parts) + sorted(
    (ROOT / "sample_data" / "company").glob("*.csv"))


def _pandas_only(*_args, **_kwargs):
    raise FastPathUnavailable("the reference path, for comparison")
    yield  # a generator, as the real one


def _read(path: Path, **kwargs):
    try:
        return ingest.read_usage(path, **kwargs), None
    except InputError as exc:
        return None, str(exc)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_both_paths_read_the_file_alike(path, monkeypatch):
    # the corpus' small files in several parts, so the checks across parts run too
    rows = 40 if path.stat().st_size < 200_000 else ingest.CHUNK_ROWS
    fast, fast_error = _read(path, chunk_rows=rows)
    monkeypatch.setattr(ingest, "iter_parts", _pandas_only)
    reference, reference_error = _read(path, chunk_rows=rows)
    assert fast_error == reference_error
    if reference is None:
        return
    assert fast.rows_read == reference.rows_read
    assert fast.rejected == reference.rejected
    assert fast.skipped == reference.skipped
    assert fast.warnings == reference.warnings
    pd.testing.assert_frame_equal(fast.frame, reference.frame, check_exact=False, rtol=1e-12)


def test_a_clean_request_log_is_read_by_arrow(monkeypatch):
    """The comparison above is not between two runs of the same path: a clean log takes Arrow's."""
    parts = []
    real = arrow_read._part
    monkeypatch.setattr(arrow_read, "_part", lambda *a: parts.append(1) or real(*a))
    read = ingest.read_usage(ROOT / "tests" / "data" / "openrouter" / "generations.csv")
    assert parts and read.rows_read > 0 and not read.rejected


def test_hashes_of_text_do_not_depend_on_how_the_column_is_laid_out():
    """Equal text hashes alike whether its column has cells of one width (read as a matrix) or
    not (gathered cell by cell), as a whole or in slices, with or without blanks."""
    import pyarrow as pa

    from hedging.ingest.distinct import hash_arrow_text

    same_width = [f"gen-{i:012d}" for i in range(300)]
    mixed = same_width + ["a-longer-request-id-than-the-others", "x"]
    assert (hash_arrow_text(pa.array(same_width)) == hash_arrow_text(pa.array(mixed))[:300]).all()
    assert (hash_arrow_text(pa.array(mixed).slice(5, 100)) == hash_arrow_text(pa.array(mixed))[5:105]).all()
    with_blank = hash_arrow_text(pa.array(["a", None, "a", "b"]))
    assert with_blank[0] == with_blank[2] != with_blank[3] and with_blank[1] not in (with_blank[0], with_blank[3])
    texts = [f"{i:x}" * (i % 5 + 1) for i in range(5_000)]  # lengths 1 to 20, some texts twice
    every = hash_arrow_text(pa.array(texts))
    assert len(np.unique(every)) == len(set(texts))
    assert all(every[i] == every[texts.index(t)] for i, t in enumerate(texts))


def test_a_cell_that_is_not_a_number_turns_its_column_to_text_from_its_part_on(monkeypatch):
    """Arrow's reader converts number columns itself; a cell it cannot convert (text, or infinity)
    in a later part sends that column, from that part on, to the text path, and the file still
    reads as pandas reads it: earlier parts are not read twice, later parts keep the other
    columns as numbers."""
    header = ("generation_id,created_at,cost_total,tokens_prompt,tokens_completion,tokens_cached,"
              "model_permaslug,api_key_name,app_name")
    rows = [f"gen-{i},2025-10-0{1 + i % 7} 10:00:00.000,0.0{1 + i % 9},{100 + i},{10 + i % 5},{i % 50},"
            f"openai/gpt-4o,key-{i % 3},app" for i in range(200)]
    rows[130] = rows[130].replace(",0.05,", ",twelve cents,", 1)
    rows[170] = rows[170].replace(f",{100 + 170},", ",inf,", 1)
    data = ("\n".join([header] + rows) + "\n").encode()
    monkeypatch.setattr(arrow_read, "_BLOCK_BYTES", 1024)  # batches of about 15 rows, as a large file's
    monkeypatch.setattr(arrow_read, "_RANGE_BYTES", 2048)  # ranges of about 30 rows, parsed ahead
    calls = []
    real = arrow_read._parts
    monkeypatch.setattr(arrow_read, "_parts", lambda raw, present, text, numbers, chunk_rows, **kw: (
        calls.append((kw["skip"], sorted(numbers))) or real(raw, present, text, numbers, chunk_rows, **kw)))
    fast = ingest.read_usage(data, "gens.csv", chunk_rows=40)
    numbers = sorted({"cost_total", "tokens_prompt", "tokens_completion", "tokens_cached"})
    assert [numbers for _skip, numbers in calls] == [
        numbers, [c for c in numbers if c != "cost_total"], [c for c in numbers if c not in ("cost_total", "tokens_prompt")]]
    skips = [skip for skip, _numbers in calls]
    # the parts before the one holding row 130 (data row 131) are handed over once, as numbers
    assert skips[0] == 0 < skips[1] <= 120 <= skips[2] <= 160 and skips[1] % 40 == skips[2] % 40 == 0
    monkeypatch.setattr(ingest, "iter_parts", _pandas_only)
    reference = ingest.read_usage(data, "gens.csv", chunk_rows=40)
    assert [(r.row, r.column, r.value) for r in fast.rejected] == [(132, "cost_total", "twelve cents"),
                                                                    (172, "tokens_prompt", "inf")]
    assert fast.rejected == reference.rejected and fast.rows_read == reference.rows_read == 200
    pd.testing.assert_frame_equal(fast.frame, reference.frame, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("path", FILES[::3], ids=[str(p.relative_to(ROOT)) for p in FILES[::3]])
def test_a_file_cut_into_many_ranges_reads_as_pandas_reads_it(path, monkeypatch):
    """The fast path cuts the file at line ends into byte ranges parsed in threads of their own;
    ranges of a few lines (so that most cuts fall mid-part and some parts span several ranges)
    change nothing."""
    monkeypatch.setattr(arrow_read, "_RANGE_BYTES", 700)
    monkeypatch.setattr(arrow_read, "_WINDOW", 64)  # a line end further than one window from the cut
    monkeypatch.setattr(arrow_read, "_BLOCK_BYTES", 4096)
    test_both_paths_read_the_file_alike(path, monkeypatch)


@pytest.mark.parametrize("ending", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_ranges_are_cut_at_line_ends_whatever_the_line_ending(ending):
    lines = [b"a,b", *[f"{i},{'x' * (i % 7)}".encode() for i in range(300)]]
    raw = arrow_read.RawFile(name="t.csv", digest="", header=("a", "b"), data=ending.join(lines) + ending)
    ranges = arrow_read._Ranges(raw)
    cuts = list(ranges)
    assert len(cuts) == 1 and cuts[0] == (len(lines[0]) + len(ending), len(raw.data))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(arrow_read, "_RANGE_BYTES", 50)
        m.setattr(arrow_read, "_WINDOW", 4)
        cuts = list(arrow_read._Ranges(raw))
    assert len(cuts) > 20 and cuts[0][0] == len(lines[0]) + len(ending) and cuts[-1][1] == len(raw.data)
    assert all(end == start for (_s, end), (start, _e) in zip(cuts, cuts[1:]))  # no byte lost or read twice
    assert all(raw.data[end - len(ending):end] == ending for _s, end in cuts)  # each range ends a line


def test_a_header_with_a_line_break_inside_quotes_is_left_to_pandas():
    raw = arrow_read.RawFile(name="t.csv", digest="", header=("a", "b\nc"), data=b'a,"b\nc"\n1,2\n')
    with pytest.raises(FastPathUnavailable):
        arrow_read._Ranges(raw)


def test_a_log_read_in_many_parts_and_ranges_keeps_every_check(monkeypatch):
    """A bad cell in a late part, the same request twice far apart (a copy) and once with other
    figures (refused), times out of order, and a model seen only in the last part: read through
    many ranges and parts, the fast path finds what pandas' path finds."""
    from tests.ingest.test_openrouter import gen, generations

    rows = [gen(created=f"2025-10-{1 + (i * 11) % 28:02d} {i % 24:02d}:00:00.000", gen_id=f"gen-{i:05d}",
                prompt=str(1000 + i), cached=str(i % 300)) for i in range(3000)]  # days out of order
    rows[2600] = gen(created="2025-10-05 10:00:00.000", gen_id="gen-02600", cached="5000", prompt="100")  # cached > prompt
    rows[2700] = rows[12]                                         # the same request again (a copy)
    rows[2800] = gen(cost="9.99", gen_id="gen-00040")             # request id of row 42, other figures
    rows[-1] = gen(created="2025-10-20 10:00:00.000", model="google/gemini-2.5-flash", gen_id="gen-last")
    data = generations(*rows)
    monkeypatch.setattr(arrow_read, "_RANGE_BYTES", 5000)
    fast = ingest.read_usage(data, "gens.csv", chunk_rows=250)
    monkeypatch.setattr(ingest, "iter_parts", _pandas_only)
    reference = ingest.read_usage(data, "gens.csv", chunk_rows=250)
    assert [(r.row, r.column) for r in fast.rejected] == [(2602, "tokens_cached"), (2802, "generation_id")]
    assert fast.rejected[1].reason == "has the request id of row 42 but different figures"
    assert fast.rejected == reference.rejected and fast.warnings == reference.warnings
    assert dict(fast.skipped) == {"repeats an earlier row of the file (counted once)": 1}
    assert any("rows 14 and 2,702 are the same request" in w.message for w in fast.warnings)
    assert fast.rows_read == 3000 and fast.rows_kept == 2997
    assert "gemini-2.5-flash" in set(fast.frame["model"]) and "google" in set(fast.frame["model_developer"])
    assert fast.frame["usage_date"].is_monotonic_increasing and fast.frame["usage_date"].nunique() == 28
    pd.testing.assert_frame_equal(fast.frame, reference.frame, check_exact=False, rtol=1e-12)


def test_ranges_read_into_reused_buffers_keep_every_table_they_gave(tmp_path, monkeypatch):
    """A range of a file on disk is read into a buffer used again for the next range: the tables
    parsed before must not change when it is overwritten (Arrow copies what it keeps)."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    lines = ["id,name,amount,note"] + [f'r{i},"{"name, quoted " * (i % 3)}{i}",{i * 0.25},{"x" * (i % 11)}'
                                         for i in range(4000)]
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(arrow_read, "_RANGE_BYTES", 2000)
    raw = ingest.open_source(path)
    types = {"id": pa.large_string(), "name": pa.large_string(), "amount": pa.float64(), "note": pa.large_string()}
    options = arrow_read.reader_options(raw, types)
    with arrow_read._Ranges(raw) as ranges:
        tables = [ranges.parse(start, end, options) for start, end in ranges]  # one buffer, used again each time
        body = path.read_bytes()[ranges.first:]
    assert len(tables) > 40
    expected = pa_csv.read_csv(pa.BufferReader(body), **options)  # the same rows parsed from memory of their own
    assert expected.num_rows == 4000 and expected["name"][2].as_py() == "name, quoted name, quoted 2"
    assert pa.concat_tables(tables).equals(expected)


def _log_with(name_of_row: dict[int, bytes], n: int = 3000) -> bytes:
    lines = [b"generation_id,created_at,cost_total,tokens_prompt,tokens_completion,model_permaslug,api_key_name,"
             b"app_name"]
    for i in range(n):
        app = name_of_row.get(i + 2, b"app")  # spreadsheet row numbers
        lines.append(b"gen-%d,2025-10-0%d 10:00:00.000,0.01,%d,10,openai/gpt-4o,key-%d,%s"
                     % (i, 1 + i % 7, 100 + i, i % 3, app))
    return b"\n".join(lines) + b"\n"


def test_a_range_of_ascii_is_parsed_without_the_utf8_check_and_any_other_with_it(monkeypatch):
    """The UTF-8 check is skipped only for a range whose every byte is ASCII: a range holding
    a name in UTF-8 ("Café") is read with the check and keeps the name, and one holding a
    latin-1 byte later in the file is refused as before, naming its row."""
    monkeypatch.setattr(arrow_read, "_RANGE_BYTES", 16_384)  # ranges of about 200 rows
    checked = []
    real = arrow_read._Ranges.parse

    def parse(self, start, end, options, ascii_options=None):
        table = real(self, start, end, options, ascii_options)
        chosen = arrow_read._options_for(self.read(start, end - start), options, ascii_options)
        checked.append(chosen["convert_options"].check_utf8)
        return table

    monkeypatch.setattr(arrow_read._Ranges, "parse", parse)
    good = ingest.read_usage(_log_with({1500: "Café".encode()}), "log.csv")
    assert not good.rejected and good.rows_read == 3000
    assert checked.count(True) == 1 and checked.count(False) >= 10  # only the range holding "Café"
    assert "Café" in set(good.frame["project_id"])

    monkeypatch.setattr(ingest, "iter_parts", _pandas_only)
    reference, reference_error = _read_bytes(_log_with({2500: b"Caf\xe9"}))
    monkeypatch.undo()
    fast, fast_error = _read_bytes(_log_with({2500: b"Caf\xe9"}))
    assert reference is None and fast is None
    assert fast_error == reference_error and "row 2500:" in fast_error and "UTF-8" in fast_error


def _read_bytes(data: bytes):
    try:
        return ingest.read_usage(data, "log.csv"), None
    except InputError as exc:
        return None, str(exc)


def test_the_options_without_the_utf8_check_differ_from_the_others_in_that_alone():
    options = arrow_read.reader_options(ingest.source.open_source(_log_with({}), "log.csv"),
                                        {"cost_total": arrow_read.pa.float64()})
    plain = arrow_read._without_utf8_check(options)
    assert options["convert_options"].check_utf8 and not plain["convert_options"].check_utf8
    plain["convert_options"].check_utf8 = True
    assert plain["convert_options"].equals(options["convert_options"])
    assert plain["read_options"] is options["read_options"] and plain["parse_options"] is options["parse_options"]
    assert arrow_read._options_for(b"abc,1\n", options, plain) is plain
    assert arrow_read._options_for("é,1\n".encode(), options, plain) is options
    assert arrow_read._options_for(b"abc", options, None) is options
