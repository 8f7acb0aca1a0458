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
