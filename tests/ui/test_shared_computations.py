"""Sessions looking at the same program share its computations: the Hedge program page's instrument
comparison, quotes and regret table are computed once for two sessions, and again only when what
they depend on changes (here the cap strike, part of the policy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import streamlit as st
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
    st.cache_data.clear()
    st.cache_resource.clear()


def _session() -> AppTest:
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.session_state["forecast_paths"] = 2000
    at.session_state["hedge_show_regret"] = True   # the regret table is behind a toggle
    return at.run()


def test_two_sessions_compute_the_instruments_once(loaded, monkeypatch):
    calls = {"comparison": 0, "quotes": 0, "regret": 0}
    for name, real in (("comparison", service.instrument_comparison), ("quotes", service.instrument_quotes),
                       ("regret", service.regret_table)):
        def counted(*args, _name=name, _real=real, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(service, {"comparison": "instrument_comparison", "quotes": "instrument_quotes",
                                      "regret": "regret_table"}[name], counted)
    first, second = _session(), _session()
    assert not first.exception and not second.exception
    assert calls == {"comparison": 1, "quotes": 1, "regret": 1}
    tables = [{tuple(d.value.columns)[0]: d.value for d in at.dataframe} for at in (first, second)]
    assert tables[0]["scenario"].equals(tables[1]["scenario"])
    assert tables[0]["instrument"].equals(tables[1]["instrument"])
    second.slider(key="hedge_cap_strike").set_value(150).run()   # another policy: computed for it
    assert not second.exception
    assert calls == {"comparison": 2, "quotes": 2, "regret": 2}
