"""Sensitivity: volatility reduction and cost against the hedge ratio, and which assumptions move
budget-at-risk most."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _render as base
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Sensitivity")
try:
    run = sh.current_run()
except HedgingError as err:
    sh.show_error(err)
    st.stop()
sh.spec_caption(run)
fmt, charts = service.fmt, service.compare_charts()

st.subheader("How much to hedge: the frontier")
frontier = service.frontier(run)
if frontier is None:
    st.info("This program holds no position, so there is nothing to scale. Choose another policy on the Hedge "
            "program page, or loosen its limits.", icon=":material/info:")
else:
    here = frontier.at(frontier.base_ratio)
    st.caption(f"This run's program scaled up or down on the same {fmt.count(run.forecast.n_paths)} simulated paths "
               f"(nothing is simulated again): it hedges {fmt.share(here['ratio'])} of the expected volume, the diamond. "
               "Between the grid's points the positions are fractional; the program itself trades whole lots.")
    st.plotly_chart(charts.frontier_chart(frontier.ratio, frontier.sd_reduction, frontier.expected_cost,
                                          frontier.base_ratio, "Volatility reduction and expected cost by hedge ratio"),
                    key="sensitivity_frontier")
    with st.expander("The frontier as a table"):
        base.wrapped_table(service.frontier_table(frontier),
                   {"hedge ratio": fmt.share, "volatility reduction": fmt.share,
                    "expected cost of hedging (USD)": fmt.money, "budget at risk, hedged (USD)": fmt.money,
                    "this run": lambda v: "this run" if v else ""})

st.subheader("Which assumptions matter: budget at risk")
st.caption("The program as bought; one assumption moved at a time, low and high, the largest swing on top. "
           "Correlation and the index model need a new simulation from the same seed (about as long as a forecast "
           "each, three in all); volume and basis reuse this run's paths.")
if st.button("Compute the tornado", key=sh.SENS_TORNADO, type="primary") or sh.tornado_ready(run):
    try:
        tornado, notes = sh.tornado_for(run)
    except HedgingError as err:
        sh.show_error(err)
        st.stop()
    st.plotly_chart(charts.tornado_chart(tornado, f"Budget at risk, {run.spec.fiscal_name().split(' (')[0]}, hedged"),
                    key="sensitivity_tornado")
    base.wrapped_table(service.tornado_table(tornado),
               {"budget at risk, low (USD)": fmt.money, "budget at risk, high (USD)": fmt.money,
                "swing (USD)": fmt.money})
    st.caption(sh.as_text("How each is moved: " + "; ".join(f"{k.lower()}: {v}" for k, v in service.SENSITIVITY_MOVES.items())
                          + "."))
    for note in notes:
        st.caption(sh.as_text(note))
