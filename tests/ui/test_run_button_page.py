"""The Run button through AppTest: inputs that need a new simulation wait for "Run", say that the
results are out of date until then, and what is saved is the run on screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 12, 6)
STALE = "Results are out of date — press Run"
SEED = service.RunSpec().seed


def _app(tmp_path, monkeypatch, page: str) -> tuple[AppTest, Settings]:
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    service.load_sample_company(settings)
    at = AppTest.from_file(str(ROOT / "screens" / page), default_timeout=300)
    at.session_state["run_as_of"] = AS_OF
    at.session_state["forecast_paths"] = 2000
    at.run()
    assert not at.exception
    return at, settings


def _stale(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if STALE in w.value]


def _caption(at: AppTest) -> str:
    return next(c.value for c in at.caption if "paths" in c.value and "seed" in c.value)


def test_simulation_inputs_wait_for_run_and_say_so(tmp_path, monkeypatch):
    at, _ = _app(tmp_path, monkeypatch, "forecast.py")
    assert not _stale(at)
    assert at.button(key="run_button_forecast").disabled          # up to date: nothing to run
    before = {m.label: m.value for m in at.metric}
    shown = _caption(at)
    assert f"seed {SEED}," in shown + ","
    at.number_input(key="forecast_seed").set_value(SEED + 4).run()
    assert not at.exception
    stale = _stale(at)
    assert stale and all("Seed" in w for w in stale)                # said on the page and in the sidebar
    assert {m.label: m.value for m in at.metric} == before         # still the run shown, marked out of date
    assert _caption(at) == shown
    assert not at.button(key="run_button_forecast").disabled
    # a change that needs no new simulation applies at once, while the marker stays for the seed
    at.text_input(key="forecast_budget_text").set_value("100,000,000").run()
    assert {m.label: m.value for m in at.metric}["P(spend > budget)"] == "0%"
    assert _stale(at) and f"seed {SEED}," in _caption(at) + ","
    at.button(key="run_button_forecast").click().run()
    assert not at.exception and not _stale(at)
    assert f"seed {SEED + 4}," in _caption(at) + ","
    assert {m.label: m.value for m in at.metric}["Expected spend, next 12 months"] != \
        before["Expected spend, next 12 months"]
    # moving a draft back to the inputs shown clears the marker without a run
    at.number_input(key="forecast_seed").set_value(SEED + 5).run()
    assert _stale(at)
    at.number_input(key="forecast_seed").set_value(SEED + 4).run()
    assert not _stale(at)


def test_as_of_in_the_sidebar_waits_for_run(tmp_path, monkeypatch):
    at, _ = _app(tmp_path, monkeypatch, "hedge.py")
    shown = _caption(at)
    at.sidebar.date_input(key="run_as_of").set_value(dt.date(2026, 11, 2)).run()
    assert not at.exception
    assert any("As of" in w for w in _stale(at))
    assert _caption(at) == shown
    assert any("Results shown are as of 6 Dec 2026" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="run_button_sidebar").click().run()
    assert not at.exception and not _stale(at)
    assert _caption(at) != shown


def test_the_proposal_saved_is_the_run_shown(tmp_path, monkeypatch):
    at, settings = _app(tmp_path, monkeypatch, "proposal.py")
    at.session_state["forecast_seed"] = SEED + 2   # edited, not run: the results on screen keep the first seed
    at.run()
    assert _stale(at)
    next(b for b in at.button if b.label.startswith("Save the current program")).click().run()
    assert not at.exception
    saved = service.load_proposal(1, settings)
    assert saved["inputs"]["seed"] == SEED
    assert saved["inputs"]["paths"] == 2000


def test_no_traceback_on_an_empty_workspace_or_an_as_of_before_any_data(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    for page in ("forecast.py", "hedge.py", "compare.py", "proposal.py", "data.py"):
        at = AppTest.from_file(str(ROOT / "screens" / page), default_timeout=120)
        at.session_state["run_as_of"] = AS_OF
        at.run()
        assert not at.exception, page
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))
    at = AppTest.from_file(str(ROOT / "screens" / "forecast.py"), default_timeout=300)
    at.session_state["run_as_of"] = AS_OF
    at.session_state["forecast_paths"] = 2000
    at.run()
    at.sidebar.date_input(key="run_as_of").set_value(dt.date(2018, 1, 15)).run()   # before any usage or index
    at.button(key="run_button_forecast").click().run()
    assert not at.exception
    assert not _stale(at)                                # the inputs now applied, said in words with the fix
    assert any("choose a later as-of date" in i.value.replace("\\", "") for i in at.info)


def test_the_as_of_date_pinned_by_the_address_survives_opening_another_page(monkeypatch):
    """``?as_of=`` in the address sets the run's as-of date; opening another page drops the
    address's query, and the pages opened after it must still start at the pinned date, not today
    (the router reads the address on every page, the Data page included, which has no as-of control)."""
    monkeypatch.chdir(ROOT)

    def page():
        import streamlit as st

        from screens import _state

        _state.pin_as_of_from_address()      # what the router does on every page run
        if st.session_state.get("open_analysis"):
            _state.remember(_state.AS_OF)    # an analysis page: its as-of control starts from this
            st.write(f"as of {st.session_state[_state.AS_OF]}")

    at = AppTest.from_function(page)
    at.query_params["as_of"] = "2026-01-15"  # not today, whatever day the test runs
    at.run()                                 # the first page: no as-of control
    at.query_params.clear()                  # another page opened: the address has lost its query
    at.session_state["open_analysis"] = True
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown] == ["as of 2026-01-15"]
