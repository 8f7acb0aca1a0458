"""The Forecast page through AppTest, with the sample company loaded."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_forecast_page_shows_budget_figures_and_reacts_to_the_budget(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))
    at = AppTest.from_file(str(ROOT / "screens" / "forecast.py"), default_timeout=240)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Expected spend, next 12 months"].startswith("$")
    assert len(at.get("plotly_chart")) >= 5
    at.number_input(key="forecast_budget").set_value(100_000_000).run()
    assert {m.label: m.value for m in at.metric}["P(spend > budget)"] == "0%"


def test_forecast_page_without_data_explains(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "screens" / "forecast.py"), default_timeout=120)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.run()
    assert not at.exception
    assert any("no stored usage" in i.value for i in at.info)
