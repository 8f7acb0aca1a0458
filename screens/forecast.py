"""Forecast: volume and spend with honest uncertainty, against the fiscal-year budget."""

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _render as base
from screens import _render_decision as decide
from screens import _render_risk as ui
from screens import _run_controls as runs
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Forecast")
st.caption("Spend = volume × unit price, simulated jointly. Volume follows the model that forecast best in a "
           "rolling backtest; the index follows the Market model; the company's price follows the index through "
           "its fitted basis. Every band below comes from the same simulated paths, and every page reads this run.")

@st.fragment
def simulation_inputs() -> None:
    """The inputs that need a new simulation: an edit reruns only this block, which says when the
    results below are out of date; "Run" simulates again (screens/_run_controls.py)."""
    c = st.columns(4)
    c[0].selectbox("Horizon (months after the as-of month)", service.HORIZONS, key=sh.FC_HORIZON)
    c[1].selectbox("Simulated paths", [2_000, 10_000, 50_000], key=sh.FC_PATHS, format_func=service.fmt.count)
    c[2].number_input("Seed", min_value=0, step=1, key=sh.FC_SEED)
    c[3].slider("Volume-price correlation", -1.0, 1.0, step=0.05, key=sh.FC_RHO,
                help="Correlation of monthly volume shocks with index shocks: positive when a demand surge raises both.")
    c = st.columns(4)
    c[0].selectbox("Drill down by", service.DRILL_DOWNS, key=sh.FC_BY)
    c[1].selectbox("Fiscal year starts in", list(range(1, 13)), key=sh.FC_FISCAL_START,
                   format_func=lambda m: pd.Timestamp(2000, m, 1).strftime("%B"))
    with st.expander("Announced price changes", expanded=bool(st.session_state.get(sh.CHANGE_ROWS))):
        ui.price_change_editor(sh)
    runs.run_bar("forecast", always=True)


@st.fragment
def budget_and_results():
    """The annual budget and what it moves (headline, fan chart, monthly table): a new budget needs no
    new simulation, so typing one reruns only this block on the cached run."""
    with sh.versions_read_once():   # stores nothing: the data and market versions are read once
        _budget_and_results()


def _budget_and_results():
    base.amount_input(st.columns(4)[0], "Annual budget for AI compute (USD)", sh.FC_BUDGET,
                      placeholder="expected spend, rounded up",
                      help="Compared with the fiscal year that contains the first horizon month. Type 4900000, "
                           "4,900,000 or $4.9m. Empty: the expected fiscal-year spend rounded up to $50,000.")
    try:
        run = sh.current_run()
    except HedgingError as err:
        sh.show_error(err)
        st.stop()
    view = run.forecast
    sh.spec_caption(run)
    h = run.headline()
    m = base.metric_slots(4)
    fmt = service.fmt
    m[0].metric(f"Expected spend, next {view.horizon} months", fmt.money(h["expected_spend"]))
    m[1].metric(f"Expected spend, {run.spec.fiscal_name().split(' (')[0]}", fmt.money(h["fiscal_expected_spend"]),
                help="Reported months + estimated months not yet reported + forecast.")
    m[2].metric("Budget at risk (95%)", fmt.money(h["bar_before"]), help="95th percentile minus expected fiscal-year spend.")
    m[3].metric("P(spend > budget)", fmt.share(h["prob_over_before"], 0),
                help=f"Fiscal-year spend against {fmt.money(h['budget_compared'])} "
                     f"({h['fiscal_months_covered']} of 12 months covered).")
    decide.warnings(view.warnings, "forecast_advice")

    charts = service.charts()
    st.plotly_chart(sh.run_chart(run, "fc_spend", lambda: charts.spend_fan(
        view.history_months, view.history_spend, view.estimate_months.append(view.future),
        ui.np_hstack(view.estimate_spend, view.total_spend), run.budget / 12,
        f"AI compute spend: actual, estimated and {fmt.count(view.n_paths)} simulated paths",
        estimated=len(view.estimate_months), budget_months=view.fiscal_months)), key="fc_spend")
    monthly = service.monthly_table(view)
    money = ("expected (USD)", "80% low (USD)", "80% high (USD)", "95th percentile (USD)")
    base.table(monthly, "fc_budget_table", {c: fmt.money for c in money},   # "what" goes in the caption: fits at 1024 px
               column_order=[c for c in monthly.columns if c != "what"],
               column_config={c: st.column_config.Column(c.replace(" (USD)", "").replace("percentile", "pct"))
                              for c in money})
    estimated = list(monthly.loc[monthly["what"].str.startswith("estimate"), "month"])
    st.caption("Spend in USD a month. " + (f"{estimated[0]} – {estimated[-1]}: estimates of months not yet reported; "
                                            "the rest is the forecast for the hedge horizon." if estimated else ""))


simulation_inputs()
budget_and_results()
run = sh.current_run()   # cached: the same run the block above drew (it stopped the page on an error)
view, charts = run.forecast, service.charts()

for tab, part in zip(st.tabs([p.label for p in view.underlyings.values()]), view.underlyings.values()):
    with tab:
        ui.underlying_forecast(part, view, charts)
