"""The PDF's numbers in the product's one format (hedging/fmt.py): prices at each contract's tick,
dates as 6 Dec 2026, the backtest named after the chosen policy."""

from __future__ import annotations

import copy
import io

import pypdf
import pytest

from hedging import fmt
from hedging.report.pdf import build_pdf

from .proposal_fixture import make_proposal


def _text(proposal: dict) -> str:
    pages = pypdf.PdfReader(io.BytesIO(build_pdf(proposal))).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture(scope="module")
def proposal() -> dict:
    p = make_proposal(figures=False, schedule_rows=6)
    p["provenance"]["contracts"][1]["tick"] = 0.005           # GPUH quoted to half a cent
    p["inputs"]["as_of"] = "2026-12-06"
    p["tables"]["history"] = {"token": {"sd_unhedged": 53117.2, "sd_hedged": 47846.9, "total_unhedged": 2360236.4,
                                        "total_hedged": 2502253.1, "months": 12}}
    return p


@pytest.fixture(scope="module")
def text(proposal) -> str:
    return _text(proposal)


def test_schedule_prices_are_shown_at_each_contracts_tick(proposal, text):
    rows = proposal["tables"]["schedule"]
    assert {r["contract"][:3] for r in rows} >= {"SIT", "GPU"}
    for r in rows:
        tick = 0.01 if r["contract"].startswith("SIT") else 0.005
        shown = fmt.price(r["price"], tick, currency=False)
        assert len(shown.split(".")[1]) == (2 if tick == 0.01 else 3)
        assert f" {shown} " in f" {text} ", (r["contract"], shown)


def test_dates_and_the_backtest_heading(proposal, text):
    assert "As-of date 6 Dec 2026" in text
    assert "Historical backtest (the minimum-variance ratios applied to past months)" in text
    assert "$53,117" in text and "$2,360,236" in text                  # whole dollars, no cents


def test_a_layered_proposal_names_its_ratios(proposal):
    p = copy.deepcopy(proposal)
    p["inputs"]["policy"] = "layered"
    assert "Historical backtest (the layered ratios applied to past months)" in _text(p)


def test_the_volume_models_are_named_as_a_reader_knows_them(proposal):
    p = copy.deepcopy(proposal)
    p["tables"]["backtest_scores"]["token"] += [{"model": "damped_trend", "MASE": 0.9, "80% coverage": 0.8,
                                                  "95% coverage": 0.95, "forecasts": 39, "note": ""}]
    text = _text(p)
    assert "damped trend" in text and "ETS (exponential smoothing)" in text
    assert "damped_trend" not in text
