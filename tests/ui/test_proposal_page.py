"""The Proposal page through AppTest: save, reopen, delete (comparison: tests/ui/test_compare_page.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from hedging import service
from hedging.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_save_reopen_delete(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    service.load_sample_company(settings)
    at = AppTest.from_file(str(ROOT / "screens" / "proposal.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)   # pinned as-of date
    at.session_state["forecast_paths"] = 2000
    at.run()
    assert any("No proposal saved yet" in i.value for i in at.info)
    at.text_input(key="proposal_company").set_value("Northwind [Analytics](http://203.0.113.9/wire) **now**")
    at.button[0].click().run()  # the save form's submit button
    assert not at.exception
    assert any("Saved as proposal #1" in s.value for s in at.success)
    saved = service.load_proposal(1, settings)
    # the decision summary the PDF prints on its first page, from the same saved data
    d = service.DecisionSummary.from_dict(saved["decision"])
    assert [(m.label, m.value) for m in at.metric] == [(f.label, f.value.split(" → ")[-1]) for f in d.figures]
    assert {m.delta for m in at.metric if m.delta} == {"before: " + f.value.split(" → ")[0] for f in d.figures
                                                        if " → " in f.value}
    assert any(d.recommendation[:40] in m.value.replace("\\", "") for m in at.markdown)
    bridge = next(x.value for x in at.dataframe if "USD" in x.value.columns)
    assert list(bridge["USD"]) == [v for _, v in d.bridge.lines()]
    assert bridge["USD"].iloc[:-1].sum() == bridge["USD"].iloc[-1] == round(saved["headline"]["expected_cost_of_hedging"])
    disclosure = next(x.value for x in at.dataframe if "quarter" in x.value.columns)
    assert len(disclosure) == len(saved["tables"]["disclosure"])
    assert list(disclosure["quarter"]) == [r["quarter"] for r in saved["tables"]["disclosure"]]
    # warnings say what to do, the statistics behind them are one click away
    advice = saved["statements"]["advice"]
    assert advice and sum("What to do" in w.value for w in at.warning) == len(advice)
    assert any(e.label == "The statistics" for e in at.expander)
    assert saved["company"] == "Northwind [Analytics](http://203.0.113.9/wire) **now**"
    assert saved["inputs"]["paths"] == 2000
    # what a user typed is shown as text: the Markdown is escaped, so no link and no bold
    heading = next(h.value for h in at.subheader if "Northwind" in h.value)
    assert "\\[Analytics\\]\\(http" in heading and "\\*\\*now\\*\\*" in heading
    at.button[0].click().run()  # a second proposal
    assert len(service.list_proposals(settings)) == 2
    # the product's format in the saved metrics table
    metrics = next(d for d in at.dataframe if "metric" in d.value.columns)
    text = dataframe_util.convert_arrow_bytes_to_pandas_df(metrics.proto.arrow_data.styler.display_values)
    first = metrics.value.iloc[0]
    assert text["unhedged"][0] == service.fmt.money(first["unhedged"]) and "." not in text["unhedged"][0]
    at.selectbox(key="proposal_open").set_value(None).run()   # the user clears the choice
    assert not at.exception and any("Choose a proposal" in i.value for i in at.info)
    at.selectbox(key="proposal_open").set_value(2).run()
    at.checkbox(key="proposal_delete_sure").check()
    at.button[-1].click().run()
    assert not at.exception
    assert len(service.list_proposals(settings)) == 1
    # the tick does not carry over: a second click deletes nothing without a new confirmation
    assert at.checkbox(key="proposal_delete_sure").value is False
    at.button[-1].click().run()
    assert len(service.list_proposals(settings)) == 1
