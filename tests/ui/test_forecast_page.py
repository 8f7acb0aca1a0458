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
    budget = at.text_input(key="forecast_budget_text")
    assert budget.value == ""                                   # empty: the expected spend, rounded up
    budget.set_value("100,000,000").run()
    assert {m.label: m.value for m in at.metric}["P(spend > budget)"] == "0%"
    # the box reads as an amount, however it was typed, and a typo keeps the amount and says how to type it
    assert at.text_input(key="forecast_budget_text").value == "$100,000,000"
    assert at.session_state["forecast_budget"] == 100_000_000
    at.text_input(key="forecast_budget_text").set_value("$4.9m").run()
    assert at.text_input(key="forecast_budget_text").value == "$4,900,000"
    assert "budget $4,900,000 for FY2027" in " ".join(c.value.replace("\\", "") for c in at.caption)
    at.text_input(key="forecast_budget_text").set_value("five million").run()
    assert not at.exception and at.session_state["forecast_budget"] == 4_900_000
    assert at.text_input(key="forecast_budget_text").value == "$4,900,000"
    assert any("is not an amount; type it as" in c.value for c in at.caption)


def test_forecast_page_without_data_explains(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "screens" / "forecast.py"), default_timeout=120)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.run()
    assert not at.exception
    assert any("no stored usage" in i.value for i in at.info)
