"""The trade schedule names its underlying in plain words on every surface (PDF, workbook, CSV)."""

from __future__ import annotations

from hedging import fmt
from hedging.report.pdf_sections import _at_tick


def test_underlying_names_are_plain_and_other_text_passes_through():
    assert fmt.underlying("token") == "LLM tokens"
    assert fmt.underlying("gpu") == "GPU hours"
    assert fmt.underlying("GPU hours") == "GPU hours"            # already plain: unchanged
    assert fmt.underlying(None) == fmt.DASH


def test_the_pdf_schedule_rows_name_the_underlying_and_keep_the_tick():
    p = {"provenance": {"contracts": [{"root": "SIT", "tick": 0.01}, {"root": "GPUH", "tick": 0.001}]}}
    rows = [{"contract": "SITF27", "underlying": "token", "price": 1.234567},
            {"contract": "GPUHF27", "underlying": "gpu", "price": 2.1}]
    out = _at_tick(rows, p)
    assert [r["underlying"] for r in out] == ["LLM tokens", "GPU hours"]
    assert [r["price"] for r in out] == ["1.23", "2.100"]
    assert rows[0]["underlying"] == "token"                       # the saved document is not changed
