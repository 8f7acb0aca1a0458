"""Hedge program and Before / after pages through AppTest, with the sample company loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))


def test_hedge_program_page(loaded):
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=240)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Trades"].replace(",", "")) > 0 and metrics["Volatility reduction"].endswith("%")
    at.selectbox(key="hedge_policy").set_value("layered").run()
    assert not at.exception
    at.multiselect(key="hedge_exclude").set_value(["token"]).run()
    schedule = next(d.value for d in at.dataframe if "contract" in d.value.columns)
    assert schedule["contract"].str.startswith("GPUH").all()


def test_before_after_page(loaded):
    at = AppTest.from_file(str(ROOT / "screens" / "outcome.py"), default_timeout=240)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {"Volatility reduction", "Budget at risk, hedged", "Regression slope", "R²"} <= labels
    table = next(d.value for d in at.dataframe if "metric" in d.value.columns)
    assert "CVaR 99%, horizon" in set(table["metric"])
    assert len(at.get("plotly_chart")) >= 3
