"""Natural hedges on the Hedge program page through AppTest: applied rows reach the exposure table
and the run; a bad row is refused with its row and column and changes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.ui.test_hedge_pages import loaded  # noqa: F401  (fixture: the sample company)
from tests.ui.test_number_format_pages import sideways

ROOT = Path(__file__).resolve().parents[2]
ROW = {"kind": "contracted", "underlying": "gpu", "provider": "", "start month": "2027-01", "end month": "2027-03",
       "volume per month": None, "price (USD per unit)": 2.0, "share of usage %": 100.0, "discount %": None,
       "amount (USD)": None, "label": "*bold* <b>framework</b> deal"}


def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.session_state["forecast_paths"] = 2000
    return at


def test_applied_commitments_show_in_the_exposure_and_natural_tables(loaded):  # noqa: F811
    at = _page()
    at.session_state["natural_hedge_rows"] = [ROW]
    at.run()
    assert not at.exception
    exposure = sideways(at, "hedgeable share")                        # one column per underlying
    [gpu] = [c for c in exposure.columns if exposure.loc["unit", c] == "GPU-hours"]
    fixed = float(exposure.loc["at fixed prices (share of volume)", gpu].rstrip("%")) / 100
    assert 0.15 < fixed < 0.35                                         # three of twelve months fixed
    natural = next(d.value for d in at.dataframe if "effect on price risk" in d.value.columns)
    assert list(natural["label"]) == ["*bold* <b>framework</b> deal"]   # kept as typed, shown as a cell
    schedule = next(d.value for d in at.dataframe if "contract" in d.value.columns)
    months = set(schedule.loc[schedule["contract"].str.startswith("GPUH"), "delivery month"])
    assert not {"Jan 2027", "Feb 2027", "Mar 2027"} & months       # no GPU hedge where the price is fixed


def test_a_commitment_the_data_no_longer_supports_can_be_removed(loaded):  # noqa: F811
    # e.g. the provider's imports were deleted after the row was applied: the page says why and offers a way out
    at = _page()
    at.session_state["natural_hedge_rows"] = [dict(ROW, provider="nebius")]
    at.run()
    assert not at.exception
    assert any("nebius" in e.value for e in at.info)
    at.button(key="natural_hedge_clear").click().run()
    assert not at.exception and not any("nebius" in e.value for e in at.info)
    assert at.session_state["natural_hedge_rows"] == []
