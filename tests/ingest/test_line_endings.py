"""Line endings: a CR-only file (old Mac exports) and a CRLF file read exactly like the LF file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

from hedging import service, store
from hedging.errors import InputError
from tests.conftest import DATA, settings_for

FIXTURES = (
    DATA / "openai" / "completions_usage_2025-10-06_2025-10-07.csv",
    DATA / "openrouter" / "generations.csv",
    DATA / "gcp" / "vertex_billing_underscore.csv",  # has rejected rows: their row numbers must agree
    DATA / "azure" / "ea_actual_cost_small.csv",
)
BAD = (  # file-level problems must name the same row whatever the line endings
    DATA / "bad" / "ragged_row.csv",
    DATA / "bad" / "truncated_last_row.csv",
    DATA / "bad" / "latin1_byte.csv",
    DATA / "bad" / "header_only.csv",
)


def _with_endings(path: Path, ending: bytes, folder: Path) -> tuple[bytes, Path]:
    lf = path.read_bytes().replace(b"\r\n", b"\n")
    data = lf.replace(b"\n", ending)
    out = folder / path.name
    out.write_bytes(data)
    return data, out


def _outcome(source, name: str):
    try:
        read = service.read_usage(source, name)
    except InputError as exc:
        return str(exc)
    return read.rows_read, read.rejected, read.skipped, [w.message for w in read.warnings], read.frame


@pytest.mark.parametrize("ending", [b"\r", b"\r\n"], ids=["cr", "crlf"])
@pytest.mark.parametrize("path", FIXTURES + BAD, ids=lambda p: p.name)
def test_other_line_endings_read_like_lf(path, ending, tmp_path):
    lf_bytes, lf_file = _with_endings(path, b"\n", tmp_path)
    assert b"\r" not in lf_bytes
    folder = tmp_path / "other"
    folder.mkdir()
    other_bytes, other_file = _with_endings(path, ending, folder)
    expected = _outcome(lf_file, path.name)
    for source in (other_file, other_bytes):  # read in place, and as an upload's bytes
        got = _outcome(source, path.name)
        if isinstance(expected, str):
            assert got == expected
        else:
            assert got[:4] == expected[:4]
            assert_frame_equal(got[4], expected[4])


def test_cr_only_file_imports_like_the_lf_file(tmp_path):
    path = FIXTURES[0]
    lf_bytes = path.read_bytes().replace(b"\r\n", b"\n")
    cr_path = tmp_path / "cr" / path.name
    cr_path.parent.mkdir()
    cr_path.write_bytes(lf_bytes.replace(b"\n", b"\r"))
    assert b"\n" not in cr_path.read_bytes()
    stored = []
    for name, source in (("lf", path), ("cr", cr_path)):
        settings = settings_for(f"sqlite:///{tmp_path / name / 'hedging.db'}", tmp_path / name)
        [outcome] = service.import_files([(path.name, source)], settings)
        assert outcome.import_id is not None
        frame = store.usage_frame(store.get_engine(settings.database_url))
        stored.append(frame.drop(columns="import_id"))
    assert_frame_equal(stored[1], stored[0])
