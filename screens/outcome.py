"""Before / after: the budget's volatility with and without the program, liquidity, effectiveness."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _render as base
from screens import _render_decision as decide
from screens import _render_attribution as attribution
from screens import _render_risk as ui
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Before / after")
try:
    run = sh.current_run()
except HedgingError as err:
    sh.show_error(err)
    st.stop()
view, result, outcome = run.forecast, run.result, run.outcome
horizon = view.horizon
sh.spec_caption(run)
fmt = service.fmt
st.caption(f"Policy: {service.POLICIES[run.spec.policy.name]}. The same {fmt.count(view.n_paths)} simulated paths with and "
           "without the program. Budget figures are for " + run.spec.fiscal_name() + ".")

u, h = outcome.fiscal_unhedged, outcome.fiscal_hedged
m = base.metric_slots(4)
m[0].metric("Volatility reduction", fmt.share(outcome.sd_reduction), help=f"Variance reduction {fmt.share(outcome.variance_reduction)}")
m[1].metric("Budget at risk, hedged", fmt.money(h.budget_at_risk_95),
            delta=fmt.money_change(h.budget_at_risk_95 - u.budget_at_risk_95), delta_color="inverse")
m[2].metric("P(spend > budget), hedged", fmt.share(h.prob_exceed_budget, 0),
            delta=fmt.points(h.prob_exceed_budget - u.prob_exceed_budget), delta_color="inverse")
m[3].metric("Expected cost of hedging", fmt.money(outcome.hedged.mean - outcome.unhedged.mean),
            help="Expected hedged minus unhedged spend over the horizon.")

if outcome.sd_reduction < 0:
    decide.warnings([w for w in run.warnings if w.code == "adds_volatility"], "outcome_advice")
table = service.metrics_table(outcome, run.spec.fiscal_name().split(" (")[0])
ui.outcome_table(table)
charts = service.charts()
total_budget = None
left, right = st.columns(2)
left.plotly_chart(sh.run_chart(run, "outcome_dist", lambda: charts.distribution_overlay(
    result.unhedged.sum(axis=1), result.hedged.sum(axis=1), total_budget, f"Total spend over {horizon} months")),
    key="outcome_dist")
right.plotly_chart(sh.run_chart(run, "outcome_fan", lambda: charts.fan_compare(
    view.future, result.unhedged, result.hedged, "Monthly spend, 5–95%")), key="outcome_fan")

st.subheader("What the hedge did not remove")
attribution.remaining(outcome.remaining, charts)

st.subheader("Liquidity")
liq = outcome.liquidity
st.plotly_chart(sh.run_chart(run, "outcome_margin", lambda: charts.margin_chart(liq.initial_margin)), key="outcome_margin")
st.caption(sh.as_text(f"Variation margin: the largest cumulative outflow along a path (prices falling after the hedge is "
                      f"bought) is {fmt.money(liq.peak_variation_margin_p50)} in a typical path and "
                      f"{fmt.money(liq.peak_variation_margin_p95)} in 1 path in 20 (weekly marks on {fmt.count(liq.n_paths)} "
                      "paths). Keep that much cash available on top of initial margin."))


st.subheader("Stress scenarios")
st.caption("The program stays as bought; the world moves. The paper's scenarios re-simulate the index with stressed "
           "parameters from the same random draws; the others ramp the index or volume over three months.")
ui.stress(outcome.stress)

st.subheader("Historical backtest")
ui.history(outcome.history or {}, charts, service.POLICY_SHORT[run.spec.policy.name] + " policy")

st.subheader("Hedge effectiveness")
st.caption("Prospective test: on each path, the extra cost if the price doubled within a quarter against what the "
           "program would gain (regression across paths, and the cumulative dollar offset).")
ui.effectiveness(outcome.effectiveness)
with st.expander("How this engine compares with the paper's claim (arXiv 2603.21690, §8)"):
    st.markdown(sh.as_text(sh.paper_check().explanation()))
