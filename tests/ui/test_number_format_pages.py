"""What a reader sees in the pages' tables and captions is in the product's one number format
(hedging/fmt.py): read from the cells' display text, as the browser shows it, not the numbers behind."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from hedging import fmt, service
from tests.ui.test_hedge_pages import loaded  # noqa: F401  (the sample company in a fresh data folder)

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 12, 6)
RAW = re.compile(r"^-?\d{4,}(\.\d+)?$|e[+-]\d|^None$|^nan$|-0\.0%|\$-|\+ -")   # what must never be shown


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "screens" / f"{name}.py"), default_timeout=300)
    at.session_state["run_as_of"] = AS_OF
    at.session_state["forecast_paths"] = 2000
    at.run()
    assert not at.exception
    return at


def shown(at: AppTest, column: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the values, the text the reader sees) of the table that has ``column``."""
    for d in at.dataframe:
        if column in d.value.columns:
            styler = d.proto.arrow_data.styler
            text = (dataframe_util.convert_arrow_bytes_to_pandas_df(styler.display_values)
                    if styler.display_values else d.value.astype(str))
            return d.value, text
    raise AssertionError(f"no table with {column!r}")


def sideways(at: AppTest, measure: str) -> pd.DataFrame:
    """The static table turned sideways (one row per measure) that has ``measure``, as the reader
    sees it: the Markdown escapes that keep its cells plain text taken out."""
    def plain(text) -> str:
        return re.sub(r"\\(.)", r"\1", str(text))
    for t in at.table:
        frame = t.value.map(plain)
        frame.index = [plain(i) for i in frame.index]
        frame.columns = [plain(c) for c in frame.columns]
        if measure in frame.index:
            return frame
    raise AssertionError(f"no table with {measure!r}")


def never_raw(text: pd.DataFrame) -> None:
    for cell in text.astype(str).to_numpy().ravel():
        assert not RAW.search(cell), cell


def test_forecast_tables_and_caption(loaded):
    at = page("forecast")
    values, text = shown(at, "expected (USD)")
    never_raw(text)
    for col in ("expected (USD)", "80% low (USD)", "80% high (USD)", "95th percentile (USD)"):
        assert list(text[col]) == [fmt.money(v) for v in values[col]]
        assert all("." not in t for t, v in zip(text[col], values[col]) if v >= 1000)   # no cents on big sums
    assert pd.api.types.is_float_dtype(values["expected (USD)"])                        # sorts as numbers
    captions = " ".join(c.value for c in at.caption)
    assert "+ -" not in captions and re.search(r"log\(index\)", captions)
    assert re.search(r"= -?\d\.\d\d [+−] \d\.\d\d × log\(index\)", captions)
    scores_values, scores = shown(at, "MASE")
    assert all(t.endswith("%") for t in scores["80% coverage"])
    assert "damped trend" in set(scores["model"]) and not any("_" in t for t in scores["model"])   # not the keys
    never_raw(scores)
    drill_values, drill = shown(at, "anthropic")      # expected volume by provider: one row a month
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t) for t in drill["month"]) and len(drill) == 12
    assert {"anthropic", "openai"} <= set(drill.columns)
    never_raw(drill)
    metrics = {m.label: m.value for m in at.metric}
    assert re.fullmatch(r"\$\d{1,3}(,\d{3})+", metrics["Expected spend, next 12 months"])


def test_hedge_program_tables(loaded):
    at = page("hedge")
    values, text = shown(at, "lots")
    never_raw(text)
    for (_, row), (_, cells) in zip(values.iterrows(), text.iterrows()):
        tick = service.contract_tick(row["underlying"])
        assert cells["price"] == fmt.price(row["price"], tick, currency=False)        # at the contract's tick
        assert len(cells["price"].split(".")[1]) == fmt.tick_decimals(tick)
        share = fmt.share(row["initial margin (USD)"] / row["notional (USD)"])
        assert cells["initial margin (USD)"] == f"{fmt.money(row['initial margin (USD)'])} ({share})"
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", cells["last trading day"])      # 29 Jan 2027
    exposure = sideways(at, "basis slope")
    assert all(t.endswith("%") for t in exposure.loc["hedgeable share"])
    assert all(re.fullmatch(r"-?\d+\.\d{2}", t) for t in exposure.loc["basis slope"])
    assert all(t.startswith("$") for t in exposure.loc["expected spend (USD)"])
    never_raw(exposure)
    # the margin budget box reads as an amount and keeps a number for the run
    at.text_input(key="hedge_margin_budget_text").set_value("$250k").run()
    assert not at.exception and at.session_state["hedge_margin_budget"] == 250_000
    assert at.text_input(key="hedge_margin_budget_text").value == "$250,000"
    # the position limit box groups its digits and keeps a whole number of lots for the run
    assert at.text_input(key="hedge_position_limit_text").value == fmt.count(service.RunSpec().policy.position_limit)
    at.text_input(key="hedge_position_limit_text").set_value("2.5k").run()
    assert not at.exception and at.session_state["hedge_position_limit"] == 2_500
    assert at.text_input(key="hedge_position_limit_text").value == "2,500"
    lots = at.session_state["hedge_position_limit"]
    at.text_input(key="hedge_position_limit_text").set_value("abc").run()   # a typo: named, nothing recomputed
    assert not at.exception and at.session_state["hedge_position_limit"] == lots
    assert at.text_input(key="hedge_position_limit_text").value == "2,500"
    said = " ".join(re.sub(r"\\(.)", r"\1", c.value) for c in at.caption)
    assert ("Position limit (lots per contract): 'abc' is not a whole number of lots; type it as 1000000, 1,000,000, "
            "1m or 250k. The previous value, 2,500, is kept.") in said
    at.text_input(key="hedge_margin_budget_text").set_value("-5").run()   # the money boxes say the same way
    assert at.session_state["hedge_margin_budget"] == 250_000
    said = " ".join(re.sub(r"\\(.)", r"\1", c.value) for c in at.caption)
    assert "Margin budget (USD): '-5' is negative; type zero or more. The previous value, $250,000, is kept." in said
    # "Leave unhedged" lists readable names, never keys such as token:anthropic
    options = at.multiselect(key="hedge_exclude").options
    assert options and all(":" not in o.split(": ", 1)[0] and "token:" not in o and "gpu:" not in o for o in options)


def test_before_after_tables_and_the_backtest_of_the_chosen_policy(loaded):
    at = page("outcome")
    values, text = shown(at, "metric")
    never_raw(text)
    row = dict(zip(values["metric"], range(len(values))))
    p = next(i for m, i in row.items() if m.startswith("P(spend > budget)"))
    assert text["change"][p] == fmt.points(values["change"][p]) and text["change"][p].endswith(" pp")
    assert text["unhedged"][p].endswith("%")
    sd = row["Standard deviation, horizon"]
    assert text["change"][sd] == fmt.money_change(values["change"][sd]) and text["change"][sd][0] in "+-"
    for column in ("hedged, 95th pct", "hedge P&L, expected"):          # two narrow tables that fit at 1024 px
        stress_values, stress = shown(at, column)
        never_raw(stress)
        assert "what it assumes" not in stress.columns and len(stress.columns) <= 4
    assert all(t[0] in "+-" for t in stress["hedge P&L, expected"] if t != "$0.00")
    remaining = next(t.value for t in at.table if "share of what remains" in t.value.columns)   # wraps at 1024 px
    remaining = remaining.map(lambda c: re.sub(r"\\(.)", r"\1", str(c)))
    assert list(remaining.columns) == ["source", "share of what remains", "part of the sd (USD)", "what it is"]
    assert all(re.fullmatch(r"-?\d+\.\d%", t) for t in remaining["share of what remains"])
    assert all(t.startswith(("$", "-$")) for t in remaining["part of the sd (USD)"]) and "Volume" in set(remaining["source"])
    never_raw(remaining)
    titles = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("minimum variance policy over the last" in t for t in titles)
    assert not any("layered policy" in t for t in titles)
    delta = {m.label: m.proto.delta for m in at.metric}["P(spend > budget), hedged"]
    assert delta.endswith(" pp")


def test_market_contract_table(loaded):
    at = page("market")
    values, text = shown(at, "contract")
    never_raw(text)
    assert all(re.fullmatch(r"\$\d+\.\d{2}", t) for t in text["fair price"])       # SIT: tick $0.01
    assert all(re.fullmatch(r"\$[\d,.]+ \(\d+\.\d%\)", t) for t in text["initial margin / lot"])   # heading: % of notional
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t) for t in text["delivery month"])
    params = next(t.value for t in at.table if "standard error" in t.value.columns)   # static: fits at 1024 px
    params = params.map(lambda c: re.sub(r"\\(.)", r"\1", str(c)))
    never_raw(params)
    assert set(params["standard error"]) == {"—"}      # the paper's preset has none: a dash, never None
    assert "95% interval" not in params                # nor an interval
    assert all(re.fullmatch(r"-?\d+\.\d{4}", t) for t in params["value"])
    at.radio(key="market_underlying").set_value("gpu").run()
    values, text = shown(at, "contract")
    assert all(re.fullmatch(r"\$\d+\.\d{3}", t) for t in text["fair price"])       # GPUH: tick $0.005
    # the candidate indices: shares as 12.3%, ratios at two decimals, a dash where there is no value
    text = next(t.value for t in at.table if "hedge effectiveness" in t.value.columns)   # static: fits at 1024 px
    text = text.map(lambda c: re.sub(r"\\(.)", r"\1", str(c)))
    never_raw(text)
    assert all(re.fullmatch(r"\d+\.\d%", t) for t in text["hedge effectiveness"])
    assert all(re.fullmatch(r"-?\d+\.\d{2}", t) for t in text["basis slope"])
    assert all(re.fullmatch(r"\d+\.\d%|—", t) for t in text["± s.e."])
