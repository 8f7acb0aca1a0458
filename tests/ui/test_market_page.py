"""The Market page through AppTest: both underlyings, model choices, uploading an index."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.service.test_market import _history

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def market(tmp_path, monkeypatch):
    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "screens" / "market.py"), default_timeout=180)
    at.session_state["run_as_of"] = dt.date(2026, 11, 2)   # pinned: contracts are listed as of this day
    at.run()
    assert not at.exception
    return at


def table(at, column):
    """The dataframe, or the static table as the reader sees it (Markdown escapes taken out), that has
    ``column`` (AppTest does not expose st.dataframe keys)."""
    for d in at.dataframe:
        if column in d.value.columns:
            return d.value
    return next(t.value.map(lambda c: re.sub(r"\\(.)", r"\1", str(c))).reset_index(drop=True)
                for t in at.table if column in t.value.columns)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_token_market_shows_curve_and_contracts(market):
    m = metrics(market)
    assert m["Last index print"] == "1 day ago" and m["Front contract SITX26"].startswith("$")
    assert len(market.get("plotly_chart")) == 3
    contracts = table(market, "contract")
    assert len(contracts) == 10 and list(contracts["contract"])[0] == "SITX26"
    assert any("constructed" in w.value for w in market.warning)


def test_gpu_calibrated_shows_standard_errors_and_warnings(market):
    market.radio(key="market_underlying").set_value("gpu").run()
    market.selectbox(key="market_model_gpu").set_value("calibrated").run()
    assert not market.exception
    # a static table (it wraps, so it fits at 1024 px) of text; the escapes that keep it plain text taken out
    params = next(t.value for t in market.table if "parameter" in t.value.columns).map(
        lambda v: re.sub(r"\\(.)", r"\1", str(v)))
    assert (params["standard error"] != "—").any()
    sigma = params.set_index("parameter").loc["sigma"]
    low, high = (float(v) for v in sigma["95% interval"].split(" to "))
    assert low < float(sigma["value"]) < high
    assert any("95% intervals" in c.value for c in market.caption)
    assert "Front contract GPUHX26" in metrics(market)


def test_upload_an_index_and_use_it(market):
    market.radio(key="market_underlying").set_value("gpu").run()
    market.file_uploader(key="market_upload").set_value(("h100.csv", _history().encode(), "text/csv"))
    market.text_input(key="market_upload_name").set_value("Licensed H100").run()
    market.button(key="market_store").click().run()
    assert not market.exception
    assert any("Stored as index" in s.value for s in market.success)
    options = market.selectbox(key="market_index_gpu").options
    assert any("Licensed H100" in o for o in options)


def test_bad_index_upload_shows_the_row(market):
    bad = _history().replace("2023-03-01,", "2023-03-01,abc,").encode()
    market.file_uploader(key="market_upload").set_value(("bad.csv", bad, "text/csv"))
    market.run()
    market.button(key="market_store").click().run()
    assert market.error and "bad.csv" in market.error[0].value and "row" in market.error[0].value


def test_deleting_an_index_needs_a_new_tick_each_time(market, tmp_path):
    """After a delete the confirmation is cleared: a second click on Delete deletes nothing."""
    from hedging import service
    from hedging.config import Settings

    settings = Settings.from_env({"HEDGING_DATA_DIR": str(tmp_path)})
    first, _, _ = service.upload_index("gpu", "First H100", _history().encode(), "a.csv", settings)
    second, _, _ = service.upload_index("gpu", "Second H100", _history(seed=6).encode(), "b.csv",
                                        settings)
    market.radio(key="market_underlying").set_value("gpu").run()
    assert not market.exception
    market.selectbox(key="market_delete_id").set_value(f"upload:{first}")
    market.checkbox(key="market_delete_sure").check()
    market.button[-1].click().run()   # the form's submit button
    assert not market.exception
    left = [k for k, _ in service.index_choices("gpu", settings) if k.startswith("upload:")]
    assert left == [f"upload:{second}"]
    assert market.checkbox(key="market_delete_sure").value is False
    market.button[-1].click().run()
    assert [k for k, _ in service.index_choices("gpu", settings) if k.startswith("upload:")] == [f"upload:{second}"]


def test_candidate_indices_are_ranked_for_the_sample_company_and_the_best_can_be_chosen(tmp_path, monkeypatch):
    from hedging import service

    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    service.load_sample_company(service.default_settings())
    at = AppTest.from_file(str(ROOT / "screens" / "market.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.run()
    assert not at.exception
    ranked = table(at, "hedge effectiveness")
    assert len(ranked) == 3 and list(ranked["in use"]).count("yes") == 1
    assert any(m.value.startswith("**Recommended") for m in at.markdown)
    best = ranked["index"].iloc[0]
    at.button(key="market_use_recommended").click().run()
    assert not at.exception
    ranked = table(at, "hedge effectiveness")
    assert ranked.loc[ranked["in use"] == "yes", "index"].tolist() == [best]
    assert service.chosen_index("token", service.default_settings()) != "builtin"


def test_one_month_of_usage_ranks_no_index_and_draws_no_empty_ranking_chart(tmp_path, monkeypatch):
    """One month of usage pairs no month with any index: the table says why for each, and no chart
    of no bars is drawn under it; the caption does not call an index ranked or recommended."""
    from hedging import service

    monkeypatch.setenv("HEDGING_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.chdir(ROOT)
    shape = ROOT / "tests" / "data" / "shapes" / "one_month"
    service.import_files([(p.name, p) for p in sorted(shape.glob("*.csv"))], service.default_settings())
    at = AppTest.from_file(str(ROOT / "screens" / "market.py"), default_timeout=300)
    at.session_state["run_as_of"] = dt.date(2026, 12, 6)
    at.run()
    assert not at.exception
    ranked = table(at, "hedge effectiveness")
    assert len(ranked) == 3 and set(ranked["hedge effectiveness"]) == {"—"}
    assert any(m.value.startswith("**No candidate index could be fitted") for m in at.markdown)
    captions = " ".join(c.value for c in at.caption)
    assert "none is ranked yet" in captions and "recommended" not in captions and "ranked 1" not in captions
    charts = at.get("plotly_chart")
    assert len(charts) == 3   # the index history, its simulated paths and the forward curve; no ranking chart
