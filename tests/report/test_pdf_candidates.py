"""The PDF's candidate-index table: every candidate, the one chosen and why."""

from __future__ import annotations

import io
import math

import pypdf

from hedging.report.pdf import build_pdf

from .proposal_fixture import make_proposal


def _block():
    rows = [
        {"index": "Frontier-model basket", "key": "builtin:frontier", "slope": 0.44, "r_squared": 0.70,
         "residual_vol": 0.253, "effectiveness": 0.83, "std_error": 0.0046, "months": 24, "available": True,
         "note": "", "chosen": False, "source": "dated list prices, a dated list of frontier models"},
        {"index": "SIT token index (TPI method)", "key": "builtin", "slope": -0.19, "r_squared": 0.27,
         "residual_vol": 0.394, "effectiveness": 0.0, "std_error": None, "months": 24, "available": True,
         "note": "the company's price moved against this index (negative slope)", "chosen": True},
        {"index": "Licensed <b>H100</b>", "key": "upload:3", "slope": math.nan, "r_squared": None,
         "residual_vol": None, "effectiveness": None, "std_error": None, "months": 0, "available": False,
         "note": "only 4 month(s) where both exist; at least 6 are needed", "chosen": False},
    ]
    return {"underlying": "token", "chosen": "builtin", "recommended": "builtin:frontier",
            "sentence": "Recommended: \u201cFrontier-model basket\u201d.",
            "why_chosen": "The run hedges on \u201cSIT token index (TPI method)\u201d (ranked 2 of 3).",
            "horizon": 12, "paths": 5000, "seed": 7, "rows": rows}


def test_the_basis_section_lists_the_candidates_the_choice_and_why():
    proposal = make_proposal(figures=False)
    proposal["tables"]["index_candidates"] = {"token": _block()}
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(build_pdf(proposal, images={}))).pages]
    text = " ".join(" ".join(pages).split())
    assert "Candidate indices: which index the hedge settles on" in text
    assert "Recommended: \u201cFrontier-model basket\u201d." in text and "(ranked 2 of 3)" in text
    for cell in ("Frontier-model basket", "83.0% ± 0.5%", "SIT token index (TPI method)", "-0.19", "39.4%",
                 "Licensed <b>H100</b>", "5,000 paths (seed 7)"):
        assert cell in text, cell
    assert "at least 6 are needed" in text
    assert "Sources. Frontier-model basket: dated list prices, a dated list of frontier models." in text


def test_a_proposal_without_candidates_prints_as_before():
    pages = [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(build_pdf(make_proposal(figures=False),
                                                                             images={}))).pages]
    assert "Candidate indices" not in " ".join(pages)
