"""Every data shape of tests/data/shapes/ through the whole chain, as a finance team would run it.

Each shape (listed in ``tests/data/shapes/manifest.json``, written by ``generate.py`` beside it) is a
set of real-format exports: a lagging close, providers exported at different times, one month of
data, four years, a gap, a spike, overlapping usage and cost exports, ... Three checks:

- ``test_shape_imports_cleanly``: every file is recognised as the format it was written in, no row
  is rejected, and the stored totals (``hedging usage --json``, after consolidation) give the
  generator's own truth for the spend of the last complete month;
- ``test_shape_runs_end_to_end``: ``hedging run`` imports the files, forecasts, hedges, saves a
  proposal and writes its PDF, and the headline numbers are finite and plausible;
- ``test_generator_reproduces_committed_files``: rerunning the generator rewrites the files byte for
  byte.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from hedging import cli

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"
MANIFEST = json.loads((SHAPES / "manifest.json").read_text(encoding="utf-8"))
HEADLINE_NUMBERS = ("expected_spend", "sd_before", "sd_after", "volatility_reduction", "program_cost", "bar_before",
                    "bar_after", "margin_needed", "trades")
DEFAULT_SPEND_RATIO = (0.25, 4.0)


def _ids(shapes: list[dict]) -> list[str]:
    return [s["name"] for s in shapes]


def _files(shape: dict) -> list[str]:
    return [str(SHAPES / shape["name"] / name) for name in shape["files"]]


def _cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A private data directory (and so a private default SQLite file) for one shape."""
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    return tmp_path


def test_manifest_lists_every_shape_folder():
    folders = sorted(p.name for p in SHAPES.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    assert folders == sorted(_ids(MANIFEST))
    assert len(MANIFEST) >= 28
    for shape in MANIFEST:
        assert shape["files"] and len(shape["files"]) == len(shape["formats"])
        assert all((SHAPES / shape["name"] / name).is_file() for name in shape["files"]), shape["name"]
        dt.date.fromisoformat(shape["as_of"])
        assert shape["recent_monthly_spend"] > 0 and isinstance(shape["horizon"], int)
        assert all(isinstance(a, str) for a in shape["args"])
        assert set(shape["expect"]) <= {"warnings_contain", "spend_ratio", "error_contains"}, shape["name"]


@pytest.mark.parametrize("shape", MANIFEST, ids=_ids(MANIFEST))
def test_shape_imports_cleanly(shape, data_dir, capsys):
    url = f"sqlite:///{data_dir / 'h.db'}"
    code, out, err = _cli(["import", *_files(shape), "--db", url, "--json"], capsys)
    assert code == 0, f"{shape['name']}: import exited {code}\n{err}"
    summaries = json.loads(out)
    summaries = summaries if isinstance(summaries, list) else [summaries]
    assert [Path(s["file"]).name for s in summaries] == shape["files"]
    for s, fmt in zip(summaries, shape["formats"]):
        assert s["format"] == fmt, f"{s['file']}: read as {s['format']}, written as {fmt}"
        assert s["rows_rejected"] == 0, f"{s['file']}: {s['rows_rejected']} rows rejected"
        assert s["rows_imported"] > 0, f"{s['file']}: nothing imported"

    code, out, err = _cli(["usage", "--db", url, "--json"], capsys)
    assert code == 0, err
    month = shape["recent_month"]
    total = sum(r["cost_usd"] for r in json.loads(out) if r["month"] == month)
    # No complete month (data starting inside the latest month): the truth is that month scaled to its length.
    first = min(dt.date.fromisoformat(s["first_day"]) for s in summaries)
    year, mon = map(int, month.split("-"))
    if first > dt.date(year, mon, 1):
        last = min(max(dt.date.fromisoformat(s["last_day"]) for s in summaries),
                   dt.date.fromisoformat(shape["as_of"]) - dt.timedelta(days=1))
        total *= calendar.monthrange(year, mon)[1] / ((last - first).days + 1)
    assert total == pytest.approx(shape["recent_monthly_spend"], rel=1e-9, abs=0.01), (
        f"{shape['name']}: stored spend of {month} is {total:,.4f}, the generator says "
        f"{shape['recent_monthly_spend']:,.2f}")


@pytest.mark.parametrize("shape", MANIFEST, ids=_ids(MANIFEST))
def test_shape_runs_end_to_end(shape, data_dir, capsys):
    url = f"sqlite:///{data_dir / 'h.db'}"
    pdf = data_dir / "p.pdf"
    horizon = shape["horizon"]
    expect = shape["expect"]
    code, out, err = _cli(["run", *_files(shape), "--db", url, "--as-of", shape["as_of"], "--paths-sim", "400",
                           "--seed", "1", "--horizon", str(horizon), "--json", "--out", str(pdf), *shape["args"]],
                          capsys)
    if "error_contains" in expect:
        assert code != 0, f"{shape['name']}: expected a clear error, the run succeeded"
        assert expect["error_contains"].lower() in err.lower(), err
        return
    assert code == 0, f"{shape['name']}: hedging run exited {code}\n{err}"
    result = json.loads(out)

    assert result["spec"]["as_of"] == shape["as_of"]
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert result["proposal"]["id"] is not None and result["proposal"]["fingerprint"]
    assert len(result["imports"]) == len(shape["files"])
    for item in result["imports"]:
        assert item["first_day"] and item["last_day"], item

    h = result["headline"]
    for key in HEADLINE_NUMBERS:
        assert isinstance(h[key], (int, float)) and math.isfinite(h[key]), f"{shape['name']}: {key} = {h[key]!r}"
    assert h["bar_before"] >= 0 and h["bar_after"] >= 0, h
    assert h["sd_before"] > 0, h
    assert h["volatility_reduction"] <= 1, h
    low, high = expect.get("spend_ratio", DEFAULT_SPEND_RATIO)
    ratio = h["expected_spend"] / (horizon * shape["recent_monthly_spend"])
    assert low <= ratio <= high, (
        f"{shape['name']}: expected spend ${h['expected_spend']:,.0f} over {horizon} months is {ratio:.2f} x "
        f"{horizon} x the last complete month (${shape['recent_monthly_spend']:,.2f}, {shape['recent_month']}); "
        f"expected between {low} and {high}")

    warnings = [w.lower() for w in result["warnings"]]
    for needle in expect.get("warnings_contain", []):
        assert any(needle.lower() in w for w in warnings), (
            f"{shape['name']}: no warning mentions {needle!r}: {result['warnings']}")


def _generator():
    spec = importlib.util.spec_from_file_location("shapes_generate", SHAPES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # leave no __pycache__ among the data files
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    return module


def test_generator_reproduces_committed_files(tmp_path):
    _generator().write_all(tmp_path)

    def data_files(root: Path) -> list[str]:
        return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                      if p.is_file() and (p.suffix == ".csv" or p.name == "manifest.json"))

    written = data_files(tmp_path)
    assert written == data_files(SHAPES)
    changed = [name for name in written if (tmp_path / name).read_bytes() != (SHAPES / name).read_bytes()]
    assert not changed, f"regenerate with `python tests/data/shapes/generate.py`: {changed}"
