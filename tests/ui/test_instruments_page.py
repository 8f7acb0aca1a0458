"""Hedge program page: the instruments section and the futures-and-caps policy, through AppTest."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings
from tests.ui.test_number_format_pages import never_raw, sideways

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))


def test_instruments_section_and_caps_policy(loaded):
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.session_state["forecast_paths"] = 2000
    at.session_state["hedge_show_regret"] = True   # the regret table is behind a toggle
    at.run()
    assert not at.exception
    frames = {tuple(d.value.columns)[0]: d.value for d in at.dataframe}
    instruments = sideways(at, "volatility reduction")          # one column per instrument
    assert len(instruments.columns) == 5 and "Monthly fixed-for-floating swap" in instruments.columns
    assert all(t.endswith("%") for t in instruments.loc["volatility reduction"])
    assert all(t.startswith(("$", "-$")) for t in instruments.loc["expected cost (USD)"])
    never_raw(instruments)
    quotes = [t.value for t in at.table if "swap fixed price" in t.value.columns]   # one table per underlying
    assert len(quotes) == 2 and all(len(q) == 12 for q in quotes)
    for q in quotes:
        cells = q.map(lambda c: re.sub(r"\\(.)", r"\1", str(c)))
        assert all(re.fullmatch(r"\d+\.\d{4} ±\u00a0\d+\.\d{4}", c) for c in cells["swap fixed price"])
        assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", c) for c in cells["month"])
    assert {"prices fall 40%", "prices rise 40%"} <= set(frames["scenario"]["scenario"])
    at.selectbox(key="hedge_policy").set_value("min_cvar_caps").run()
    assert not at.exception
    schedule = next(d.value for d in at.dataframe if "contract" in d.value.columns)
    assert (schedule["side"] == "buy cap").any()
    at.slider(key="hedge_cap_strike").set_value(150).run()
    assert not at.exception
