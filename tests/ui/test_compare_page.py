"""The Compare page through AppTest: two saved proposals and a variant of the current settings side
by side, differences against the first, the distribution chart, removing a variant, the empty state."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 12, 6)


def test_compare_proposals_and_a_variant(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    service.load_sample_company(settings)
    at = AppTest.from_file(str(ROOT / "screens" / "compare.py"), default_timeout=300)
    at.session_state["run_as_of"] = AS_OF
    at.session_state["forecast_paths"] = 2000
    at.run()
    assert not at.exception and any("at least two scenarios" in i.value for i in at.info)

    spec = service.RunSpec(as_of=AS_OF, n_paths=2000)
    ids = [service.save_proposal(service.build_run(spec.with_(policy=service.Policy(name=n)), settings),
                                 f"FY27 [{n}](http://203.0.113.9)", "C", settings) for n in ("min_variance", "layered")]
    at.session_state["hedge_policy"] = "min_cvar"         # the current settings: another policy
    at.run()
    at.multiselect(key="compare_proposals").set_value(ids).run()
    at.button(key="compare_add").click().run()
    assert not at.exception
    inputs = at.table[0].value          # a static table: it wraps, so it fits at 1024 px
    results, differences = at.table[1].value, at.table[2].value   # static tables too: no sideways scroll
    first, variant = f"#{ids[0]}", "Variant 1"
    assert list(inputs.columns) == ["", "\\" + first, f"\\#{ids[1]}", variant]   # headers shown as text
    assert not any(" − " in c for c in inputs.columns)            # no difference columns: the values sit side by side
    # the legend names each scenario; a name someone typed is shown as text
    lines = [t.value for t in at.text]
    saved_on = service.fmt.date(service.load_proposal(ids[0], settings)["created_at"][:10])  # the day it was saved
    assert f"#{ids[0]}: FY27 [min_variance](http://203.0.113.9) (C), saved {saved_on}" in lines
    assert any(line.startswith("Variant 1: minimum CVaR (95%), budget $") for line in lines)
    assert list(results.columns) == list(inputs.columns)          # the scenarios side by side
    assert f"{variant} − \\{first}" in differences.columns       # and their differences in a table of their own
    policy = inputs.set_index("").loc["Policy"]
    assert policy[variant] == "minimum CVaR \\(95%\\)"            # escaped: st.table reads Markdown
    cost = differences.set_index("").loc["Volatility reduction", f"{variant} − \\{first}"].replace("\\", "")
    assert cost.endswith(" pp") and cost[0] in "+-"
    for frame in (results, differences):
        assert not frame.astype(str).apply(lambda c: c.str.contains("e\\\\\\+|_")).any().any()
    assert len(at.get("plotly_chart")) == 1
    # at most four: two proposals and a variant leave room for one more variant only
    at.button(key="compare_add").click().run()          # the same settings again: not added twice
    assert len(at.session_state["compare_variants"]) == 1
    at.button(key="compare_remove_0").click().run()
    assert not at.exception and at.session_state["compare_variants"] == []
    assert variant not in at.table[0].value.columns
