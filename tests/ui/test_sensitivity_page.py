"""The Sensitivity page through AppTest: the frontier with the run's point, the tornado on request
(shown again without a click for the same settings), numbers in the product's format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _shown(table_element):
    """A static table's cells and headings as the reader sees them (st.table reads Markdown, so the
    page escapes them: the escapes are taken off here)."""
    frame = table_element.value.astype(str)
    frame.columns = [c.replace("\\", "") for c in frame.columns]
    return frame.apply(lambda c: c.str.replace("\\", "", regex=False))


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
    frontier = _shown(at.table[0])     # static tables: they wrap, so they fit at 1024 px
    assert (frontier["this run"] == "this run").sum() == 1
    assert frontier["hedge ratio"].iloc[0] == "0.0%" and frontier["hedge ratio"].iloc[-1] == "100.0%"
    assert len(at.get("plotly_chart")) == 1 and len(at.table) == 1    # no tornado before the click
    at.button(key="sensitivity_tornado_go").click().run()
    assert not at.exception
    tornado = _shown(at.table[1])
    assert set(tornado["assumption"]) == set(service.SENSITIVITY_MOVES)
    assert all(v.startswith("$") for v in tornado["swing (USD)"])
    assert len(at.get("plotly_chart")) == 2
    at.run()                                   # the same settings: shown again without a click
    assert len(at.table) == 2
