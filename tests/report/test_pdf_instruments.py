"""Natural hedges, the instrument book and the hedge regret in the PDF: drawn from the saved tables
with their units and the swap's counterparty and credit terms, skipped for older documents."""

from __future__ import annotations

import copy
import io

import pypdf

from hedging.report.pdf import build_pdf
from tests.report.proposal_fixture import make_proposal

NATURAL = [{"underlying": "GPU rental price", "provider": "coreweave", "kind": "reserved at a fixed rate",
            "period": "Jan 2027 – Jun 2027", "terms": "15,000 GPU-hours a month at $2.10 per GPU-hour, take-or-pay",
            "label": "<b>=HYPERLINK(\"x\")</b> 20 H100s", "volume at a fixed price, horizon": 89_969.0,
            "unit": "GPU-hours", "paid at fixed prices (USD)": 189_000.0, "discount saved (USD)": 0.0,
            "paid from prepaid credits (USD)": 0.0,
            "effect on price risk": "removes price risk on the hours it covers; unused capacity is still paid"}]
SUMMARY = [{"underlying": "GPU rental price", "unit": "GPU-hours", "expected volume, horizon": 356_753.0,
            "at fixed prices": 89_969.0, "share at fixed prices": 0.252, "price-exposed volume, horizon": 266_784.0,
            "reserved and unused": 31.0, "paid from prepaid credits (USD)": 0.0}]
INSTRUMENTS = [
    {"instrument": "Futures (listed, as the policy trades them)", "terms": "long futures at today's prices",
     "volatility reduction": 0.036, "expected cost (USD)": 13_703.2, "cost std error (USD)": 2_410.0,
     "premium today (USD)": 0.0, "fees (USD)": 0.0, "margin or cash needed (USD)": 86_039.6,
     "95th pct spend after (USD)": 6_070_397.9, "CVaR 95% after (USD)": 6_363_241.0},
    {"instrument": "Monthly fixed-for-floating swap", "terms": "pay fixed 3.875 (weighted), receive the monthly average",
     "volatility reduction": 0.035, "expected cost (USD)": 0.0, "cost std error (USD)": 0.0,
     "premium today (USD)": 0.0, "fees (USD)": 0.0, "margin or cash needed (USD)": 181_564.0,
     "95th pct spend after (USD)": 6_060_498.0, "CVaR 95% after (USD)": 6_351_452.0}]
CREDIT = [{"instrument": "Futures (listed, as the policy trades them)", "venue": "listed futures",
           "credit": "cleared: daily variation margin, no dealer credit"},
          {"instrument": "Monthly fixed-for-floating swap", "venue": "OTC, bilateral with a dealer",
           "credit": "Counterparty credit: the dealer is not a clearing house."}]
REGRET = [{"scenario": "prices fall 40%", "unhedged, expected (USD)": 5_099_105.0, "program as run (USD)": 270_984.0,
           "futures (USD)": 270_984.0, "swap (USD)": 257_281.0, "cap (USD)": 42_219.0, "collar (USD)": 218_033.0,
           "binaries (USD)": 43_202.0},
          {"scenario": "prices rise 30%", "unhedged, expected (USD)": 5_097_539.0, "program as run (USD)": -179_257.0,
           "futures (USD)": -179_257.0, "swap (USD)": -192_961.0, "cap (USD)": -113_048.0, "collar (USD)": -149_877.0,
           "binaries (USD)": -99_959.0}]


def _text(proposal) -> str:
    pages = pypdf.PdfReader(io.BytesIO(build_pdf(proposal))).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _with_parts() -> dict:
    p = make_proposal(figures=False)
    p["tables"].update({"natural": NATURAL, "natural_summary": SUMMARY, "instruments": INSTRUMENTS,
                        "instrument_credit": CREDIT, "regret": REGRET})
    p["statements"].update({"instruments": "Each instrument hedges 166,000 units. Quantities are in GPU rental price: "
                                           "GPU-hours; money in USD.",
                            "swap_credit": "Monthly fixed-for-floating swap: OTC, bilateral with a dealer. ISDA/CSA."})
    return p


def test_the_pdf_shows_natural_hedges_instruments_credit_and_regret():
    text = _text(_with_parts())
    for heading in ("Natural hedges: contracted prices and commitments", "Instruments beside futures",
                    "Counterparty and credit", "Hedge regret: the same hedges when prices fall or rise"):
        assert heading in text
    assert "$189,000" in text and "266,784" in text and "25.2%" in text          # natural hedges, formatted
    assert "take-or-pay" in text and "=HYPERLINK" in text                        # user's label printed as text
    assert "$181,564" in text and "ISDA/CSA" in text                             # the swap's credit exposure
    assert "-$192,961" in text and "prices fall 40%" in text and "$257,281" in text
    assert "Quantities are in GPU rental price: GPU-hours" in text


def test_older_documents_without_the_parts_skip_them():
    p = copy.deepcopy(make_proposal(figures=False))
    for key in ("natural", "instruments", "regret"):
        p["tables"].pop(key, None)
    text = _text(p)
    assert "Natural hedges" not in text and "Instruments beside futures" not in text and "Hedge regret" not in text


def test_no_commitments_says_so():
    p = _with_parts()
    p["tables"]["natural"] = []
    assert "None entered: all of the exposure above floats with the market price." in _text(p)
