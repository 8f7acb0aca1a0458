"""The materiality threshold on the Hedge program page: typed as an amount, it drops the small trades,
lists them under the schedule and says so; it is part of the run spec."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _schedules(at):
    frames = [d.value for d in at.dataframe if "contract" in d.value.columns]
    return frames[0], (frames[1] if len(frames) > 1 else None)


def test_threshold_drops_lists_and_counts_small_trades(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.session_state["forecast_paths"] = 2000
    at.session_state["hedge_policy"] = "layered"
    at.run()
    assert not at.exception
    full, dropped = _schedules(at)
    assert dropped is None and len(full) >= 4
    notional = sorted(full["notional (USD)"])
    threshold = round((notional[len(notional) // 2 - 1] + notional[len(notional) // 2]) / 2)
    at.text_input(key="hedge_min_notional_text").set_value(f"${threshold:,}").run()
    assert not at.exception
    assert at.session_state["hedge_min_notional"] == threshold
    kept, dropped = _schedules(at)
    assert dropped is not None
    assert (kept["notional (USD)"] >= threshold).all() and (dropped["notional (USD)"] < threshold).all()
    assert len(kept) + len(dropped) == len(full)
    assert {m.label: m.value for m in at.metric}["Trades"] == service.fmt.count(len(kept))
    count = service.fmt.count(len(dropped))
    assert any("too small to be worth booking" in w.value and "Materiality threshold (USD)" in w.value.replace("\\", "")
               for w in at.warning)   # the treasurer's reading, naming the control
    assert any(t.value.startswith(f"{count} trades below the materiality threshold") for t in at.text)  # statistics
    assert any("Dropped as immaterial" in m.value for m in at.markdown)
    # the box shows the amount in the product's format, and the run's spec line carries it
    assert at.text_input(key="hedge_min_notional_text").value == service.fmt.money(threshold)
    assert any(f"trades under {service.fmt.money(threshold)} notional dropped" in c.value.replace("\\", "")
               for c in at.caption)
