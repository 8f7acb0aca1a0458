"""A row repeated anywhere in a file counts once, with a report line naming both rows, whether the
two copies fall in the same part of the file or in parts read far apart; the same request id with
different figures is refused; our template refuses a repeated key across parts too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hedging.ingest import PriceTable, read_usage
from hedging.ingest.distinct import RepeatedRows
from tests.ingest.test_openrouter import generations, gen

ROOT = Path(__file__).resolve().parents[2]
PRICES = PriceTable.load(ROOT / "sample_data" / "list_prices.csv")
OPENAI = ROOT / "sample_data" / "company" / "openai_completions_usage_2024-11-01_2026-10-31.csv"


def _totals(read) -> tuple:
    f = read.frame
    return (len(f), round(float(f["cost_usd"].sum()), 6), int(f["input_tokens"].sum()), int(f["output_tokens"].sum()),
            int(f["requests"].sum()))


@pytest.mark.parametrize("chunk_rows", [250_000, 1_000], ids=["one part", "parts of 1,000 rows"])
def test_an_openai_export_whose_rows_appear_twice_costs_what_it_costs_once(chunk_rows):
    """Before: every repeated bucket was added again, so the file imported at exactly 2x cost."""
    raw = OPENAI.read_bytes()
    lines = raw.splitlines(keepends=True)
    n = len(lines) - 1
    once = read_usage(raw, "openai.csv", prices=PRICES, chunk_rows=chunk_rows)
    twice = read_usage(b"".join(lines + lines[1:]), "openai.csv", prices=PRICES, chunk_rows=chunk_rows)
    assert once.frame["cost_usd"].sum() > 0
    assert _totals(twice) == _totals(once)
    assert twice.rows_read == 2 * n and twice.rows_skipped - once.rows_skipped == n
    [line] = [w.message for w in twice.warnings if w.code == "repeated_rows"]
    # the first data row is spreadsheet row 2; its copy is row n + 2
    assert line.startswith(f"openai.csv: rows 2 and {n + 2:,} are the same row (every column equal); "
                           f"rows 3 and {n + 3:,} are the same row")
    assert line.endswith(f"counted once. {n:,} repeated rows left out.")
    assert not [w for w in once.warnings if w.code == "repeated_rows"]


def test_the_same_request_far_apart_in_a_request_log_counts_once():
    rows = [gen(created=f"2025-10-06 01:{m:02d}:00.000", gen_id=f"gen-{m}") for m in range(40)]
    copy = gen(created="2025-10-06 01:05:00.000", gen_id="gen-5")  # row 7 again, 40 rows later
    once = read_usage(generations(*rows), "gens.csv", chunk_rows=8)
    twice = read_usage(generations(*rows, copy), "gens.csv", chunk_rows=8)
    assert _totals(twice) == _totals(once)
    [line] = [w.message for w in twice.warnings if w.code == "repeated_rows"]
    assert line == "gens.csv: rows 7 and 42 are the same request; counted once. 1 repeated row left out."


def test_the_same_request_id_with_different_figures_is_refused_naming_the_first_row():
    rows = [gen(gen_id=f"gen-{m}") for m in range(10)]
    clash = gen(cost="9.99", gen_id="gen-3")  # row 5's id, another cost
    r = read_usage(generations(*rows, clash), "gens.csv", chunk_rows=4)
    [bad] = r.rejected
    assert (bad.row, bad.column) == (12, "generation_id")
    assert bad.reason == "has the request id of row 5 but different figures"
    assert r.rows_kept == 10


@pytest.mark.parametrize("chunk_rows", [2, 3, 100])
def test_the_template_refuses_a_repeated_key_wherever_the_copies_fall(chunk_rows):
    """Before: refused only when both copies fell in the same 250,000-row part of the file."""
    text = ("usage_date,billing_provider,model,cost_usd\n"
            "2025-03-01,openai,gpt-4o,1\n"
            "2025-03-02,openai,gpt-4o,2\n"
            "2025-03-03,openai,gpt-4o,3\n"
            "2025-03-01,openai,gpt-4o,1\n")
    r = read_usage(text.encode(), "t.csv", chunk_rows=chunk_rows)
    assert [(x.row, x.reason.split(":")[0]) for x in r.rejected] == [(5, "repeats row 2")]
    assert r.frame["cost_usd"].sum() == pytest.approx(6.0)


def test_a_number_read_as_whole_in_one_part_and_decimal_in_another_is_the_same_cell():
    seen = RepeatedRows()
    seen.check(pd.DataFrame({"a": ["x", "y"], "n": np.array([2, 3], dtype=np.int64)}), 2)
    earlier, copy = seen.check(pd.DataFrame({"a": ["y", "x"], "n": [3.0, 2.5]}), 4)
    assert list(earlier) == [3, 0] and list(copy) == [True, False]
    assert seen.copies == [(3, 4)]
