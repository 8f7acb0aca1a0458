"""The Sensitivity page through AppTest: the frontier with the run's point, the tornado on request
(shown again without a click for the same settings), numbers in the product's format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _shown(frame_element):
    return dataframe_util.convert_arrow_bytes_to_pandas_df(frame_element.proto.arrow_data.styler.display_values)


def test_frontier_and_tornado(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))
    at = AppTest.from_file(str(ROOT / "screens" / "sensitivity.py"), default_timeout=600)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.session_state["forecast_paths"] = 2000
    at.run()
    assert not at.exception
    frontier = _shown(at.dataframe[0])
    assert (frontier["this run"] == "this run").sum() == 1
    assert frontier["hedge ratio"].iloc[0] == "0.0%" and frontier["hedge ratio"].iloc[-1] == "100.0%"
    assert len(at.get("plotly_chart")) == 1 and len(at.dataframe) == 1    # no tornado before the click
    at.button(key="sensitivity_tornado_go").click().run()
    assert not at.exception
    tornado = _shown(at.dataframe[1])
    assert set(tornado["assumption"]) == set(service.SENSITIVITY_MOVES)
    assert all(v.startswith("$") for v in tornado["swing (USD)"])
    assert len(at.get("plotly_chart")) == 2
    at.run()                                   # the same settings: shown again without a click
    assert len(at.dataframe) == 2
