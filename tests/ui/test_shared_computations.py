"""Sessions looking at the same program share its computations: the Hedge program page's instrument
comparison, quotes and regret table are computed once for two sessions, and again only when what
they depend on changes (here the cap strike, part of the policy). The programs a user may pick
next are computed ahead, so picking one computes nothing on the page."""

from __future__ import annotations

import datetime as dt
import importlib
import threading
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings
from hedging.service import instruments as instrument_service

kept_programs = importlib.import_module("hedging.service.hedge_view")   # the package names a function so

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)}))
    st.cache_data.clear()
    st.cache_resource.clear()
    kept_programs.KEPT.idle(120)
    kept_programs.KEPT.clear()


def _session() -> AppTest:
    at = AppTest.from_file(str(ROOT / "screens" / "hedge.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.session_state["forecast_paths"] = 2000
    at.session_state["hedge_show_regret"] = True   # the regret table is behind a toggle
    return at.run()


def _shown(policy, strike: float) -> bool:
    """The program the page shows with its default controls and the cap strike ``strike``."""
    return policy.name == "min_variance" and policy.volume_percentile == 25 and policy.cap_strike == strike


def test_two_sessions_compute_the_instruments_once(loaded, monkeypatch):
    calls = {"comparison": [], "quotes": 0, "regret": 0}
    real_comparison = instrument_service.instrument_comparison

    def comparison(view, result, *args, **kwargs):   # also called ahead for the other policies
        calls["comparison"].append(result.policy)
        return real_comparison(view, result, *args, **kwargs)

    monkeypatch.setattr(instrument_service, "instrument_comparison", comparison)
    for name, real in (("quotes", service.instrument_quotes), ("regret", service.regret_table)):
        def counted(*args, _name=name, _real=real, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)
        monkeypatch.setattr(service, {"quotes": "instrument_quotes", "regret": "regret_table"}[name], counted)
    first, second = _session(), _session()
    assert not first.exception and not second.exception
    assert kept_programs.KEPT.idle(120)
    assert sum(_shown(p, 110) for p in calls["comparison"]) == 1
    assert calls["quotes"] == 1 and calls["regret"] == 1
    assert {p.name for p in calls["comparison"]} == set(service.POLICIES)   # the others, computed ahead
    tables = [{tuple(d.value.columns)[0]: d.value for d in at.dataframe} for at in (first, second)]
    assert tables[0]["scenario"].equals(tables[1]["scenario"])
    assert [t.value.to_dict() for t in first.table] == [t.value.to_dict() for t in second.table]   # instruments
    second.slider(key="hedge_cap_strike").set_value(150).run()   # another policy: computed for it
    assert not second.exception
    assert kept_programs.KEPT.idle(120)
    assert sum(_shown(p, 150) for p in calls["comparison"]) == 1
    assert calls["quotes"] == 2 and calls["regret"] == 2


def test_a_policy_or_a_notch_picked_next_was_computed_ahead(loaded, monkeypatch):
    at = _session()
    assert not at.exception and kept_programs.KEPT.idle(120)
    assert kept_programs.KEPT.computed_ahead >= 2 * (len(service.POLICIES) - 1)

    refuse = {"on": False}
    real = kept_programs.hedge_result

    def not_on_the_page(view, spec):      # the background thread computes; the page must not
        if refuse["on"] and threading.current_thread() is not kept_programs.KEPT.worker:
            raise AssertionError(f"the page computed the program of {spec.policy}")
        return real(view, spec)

    monkeypatch.setattr(kept_programs, "hedge_result", not_on_the_page)
    refuse["on"] = True
    at.selectbox(key="hedge_policy").set_value("min_cvar").run()
    assert not at.exception
    assert service.fmt.parse_amount(next(m.value for m in at.metric if m.label == "Program cost")) is not None
    assert kept_programs.KEPT.idle(120)        # the next notches of min_cvar's controls
    at.slider(key="hedge_volume_percentile").set_value(30).run()
    assert not at.exception
    # two notches from 30 was not computed ahead: the page computes it, which the patch refuses
    at.slider(key="hedge_volume_percentile").set_value(40).run()
    assert at.exception and "computed the program" in at.exception[0].message
