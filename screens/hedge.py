"""Hedge program: policy inputs, the trade schedule, hedge ratios, cost and margin."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _render as base
from screens import _render_decision as decide
from screens import _render_instruments as inst
from screens import _policy as policy
from screens import _render_natural as natural
from screens import _render_risk as ui
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Hedge program")
st.caption("A buyer of compute is short the price, so the hedge is long futures: they pay out when the index rises. "
           "Lots are whole; fees and half the bid-ask spread are costs. Horizon, paths, budget and price changes come "
           "from the Forecast page, the model from the Market page. Every control here needs no new simulation: a change "
           "rebuilds the program on the simulated paths at once.")


@st.fragment
def program() -> None:
    """The policy controls and everything they move: a change reruns only this block, on the cached
    simulation (the natural hedges below change the simulation and rerun the page)."""
    with sh.versions_read_once():   # stores nothing: the data and market versions are read once
        _program()


def _program() -> None:
    fmt = service.fmt
    c = st.columns([2, 1, 1, 1])
    policy_name = c[0].selectbox("Policy", list(service.POLICIES), key=sh.HG_POLICY, format_func=service.POLICIES.get)
    c[1].slider("Cap: percentile of forecast volume", 5, 100, step=5, key=sh.HG_PERCENTILE,
                help="No more lots than this percentile of the month's simulated volume (no over-hedging).")
    base.amount_input(c[2], "Position limit (lots per contract)", sh.HG_LIMIT, show=fmt.count, parse=fmt.parse_count,
                      required=True, help="Lots per contract at most. Type 1000000, 1,000,000, 1m or 250k.")
    base.amount_input(c[3], "Margin budget (USD)", sh.HG_MARGIN, placeholder="none",
                      help="Initial margin the program may post at most. Type 250000, 250,000 or $250k; empty: no limit.")
    b = st.columns(4)
    for col, key, label in zip(b, sh.HG_BANDS, ("months 1-3", "months 4-6", "months 7-12")):
        col.slider(f"Layered ratio, {label} (%)", 0, 100, step=5, key=key, disabled=policy_name != "layered",
                   help="Used by the layered policy only." if policy_name != "layered" else None)
    base.amount_input(st.columns(4)[0], "Materiality threshold (USD)", sh.HG_MIN_NOTIONAL, placeholder="none",
                      help="Trades whose notional is below this amount are dropped from the program and listed below "
                           "the schedule. Type 25000 or $25k; empty: keep every trade.")
    try:
        run = sh.current_hedge()   # the program alone: stress and margin paths are added on Before / after
    except HedgingError as err:
        sh.show_error(err)
        natural.clear_after_error()
        st.stop()
    view, result = run.forecast, run.result
    sh.spec_caption(run)
    options = list(view.underlyings) + [f"{u}:{label}" for u, p in view.underlyings.items()
                                        for label in sorted(p.drilldown["label"].unique())]
    b[3].multiselect("Leave unhedged", options, key=sh.HG_EXCLUDE, help="Underlyings or drill-down series to exclude.",
                     format_func=lambda k: (service.UNDERLYINGS[k].label + ", all of it") if ":" not in k else
                     f"{service.UNDERLYINGS[k.split(':', 1)[0]].label}: {k.split(':', 1)[1]}")

    schedule = service.schedule_table(result, view)
    m = base.metric_slots(4)
    m[0].metric("Trades", fmt.count(len(schedule)), help=f"{fmt.count(result.lots.sum())} lots in all")
    m[1].metric("Program cost", fmt.money(run.program_cost),
                help="Fees and half the bid-ask spread, paid whatever happens. Less the expected futures P&L it is the "
                     "expected cost of hedging on Before / after; the Proposal page shows the bridge.")
    m[2].metric("Initial margin, first month", fmt.money(float(run.initial_margin[0])))
    m[3].metric("Volatility reduction", fmt.share(run.sd_reduction), help="1 − hedged sd / unhedged sd of total spend")
    decide.warnings(list(run.warnings), "hedge_advice")   # the program's own warnings, adds_volatility included
    policy.block(service.policy_check_run(run, sh.settings()), "hedge_policy_check")

    st.subheader("Exposure")
    base.sideways_table(service.exposure_table(view, result.policy), "underlying",
                        {"hedgeable share": fmt.share, "expected spend (USD)": fmt.money, "expected volume, horizon": fmt.count,
                         "basis slope": fmt.ratio, "basis R²": fmt.ratio, "volume uncertainty (sd/mean)": fmt.share,
                         "at fixed prices (share of volume)": fmt.share, "price-exposed volume, horizon": fmt.count})
    st.caption("Futures remove only the part of spend that moves with the index: a low basis R² or a negative slope "
               "(the company's price moved against the index, e.g. through model migrations) and volume uncertainty stay "
               "unhedged. The effectiveness reported on Before / after is what the simulation measures.")

    st.subheader("Trade schedule")
    st.plotly_chart(sh.run_chart(run, "hedge_ratios", lambda: service.charts().hedge_ratio_bars(
        service.ratios_by_name(result, view))), key="hedge_ratios")
    ui.schedule(schedule, "hedge_schedule")
    st.download_button("Download the trade schedule (CSV)", service.schedule_csv(schedule), "trade_schedule.csv",
                       "text/csv", key="hedge_schedule_csv")
    dropped = service.dropped_table(result, view)
    if len(dropped):
        st.markdown("**Dropped as immaterial**")
        st.caption(sh.as_text(f"{fmt.count(len(dropped))} trades below the materiality threshold of "
                              f"{fmt.money(result.policy.min_notional)} notional, "
                              f"{fmt.money(dropped['notional (USD)'].sum())} in all, are left out of the program; every "
                              "figure on this page is for the trades above."))
        ui.schedule(dropped, "hedge_dropped")
    st.caption(f"Solver: {result.program.status} — {result.program.message}")
    inst.instruments(view, result)
    sh.compute_ahead(run)   # the other policies and the next slider notches, while the page is read


program()
try:
    natural.natural_hedges(sh.forecast_for(sh.spec_from_state()))   # cached: the simulation the program above used
except HedgingError as err:
    sh.show_error(err)
