"""Rendering of the Hedge program page's instruments section: swaps, caps, collars and binaries beside
futures on the same volume, and the hedge-regret table (prices fall or rise 30% and 40%)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _shared as cached
from screens._render import as_text, show_error, sideways_table, table as fmt_table
from screens._state import HG_CAP_STRIKE, HG_TAIL

fmt = service.fmt


def instruments(view, result) -> None:
    """The comparison and regret tables for the run's program, with the cap-strike control."""
    st.subheader("Instruments beside futures")
    left, right = st.columns(2)
    left.slider("Cap strike, % of the month's fair price", 100, 200, step=5, key=HG_CAP_STRIKE,
                help="Strike of the caps (monthly Asian calls) and of the collars' cap. The policies with caps buy "
                     "them at this strike; the tables below compare instruments struck there.")
    right.slider("Spend ceiling for the caps-only policy, % above expected spend", 0, 100, step=5, key=HG_TAIL,
                 help="The caps-only policy buys the least premium that holds the 95th percentile of the horizon's "
                      "spend at or under expected spend plus this share (through its 95% CVaR, which is higher).")
    try:
        table, note = cached.instrument_comparison(view, result)
    except HedgingError as err:   # e.g. a horizon month the index simulation does not cover
        show_error(err)
        return
    money = ("expected cost (USD)", "cost std error (USD)", "premium today (USD)", "fees (USD)",
             "margin or cash needed (USD)", "95th pct spend after (USD)", "CVaR 95% after (USD)")
    # turned sideways (one column per instrument, one row per measure): ten columns side by side scrolled
    # at 1400 px; five instruments fit at 1024
    with st.container(key="hedge_instruments"):
        sideways_table(table.drop(columns=["venue", "credit"]), "instrument",
                       {"volatility reduction": fmt.share, **{c: fmt.money for c in money}})
    st.caption(as_text(note))
    with st.expander("Where each instrument trades, and its counterparty and credit terms"):
        for _, row in table.iterrows():
            st.markdown(f"**{as_text(row['instrument'])}**, {as_text(row['venue'])}")
            st.text(row["credit"])
    with st.expander("Prices per unit and month, with Monte Carlo standard errors"):
        quotes_tables(cached.instrument_quotes(view, result.policy.cap_strike))
    if not st.toggle("Hedge regret: the same hedges when prices fall or rise", key="hedge_show_regret",
                     help="Re-prices every hedge in four price moves (a few seconds for a layered programme); off, "
                          "a change of policy or ratio answers at once."):
        return
    regret = cached.regret_table(view, result)
    fmt_table(regret, "hedge_regret", {c: (fmt.money if c.startswith("unhedged") else fmt.money_change)
                                       for c in regret.columns if c != "scenario"})
    st.caption("Each hedge column is its change to expected spend over the horizon against unhedged: negative is "
               "protection bought, positive the cost of certainty. Terms stay as bought on the as-of date. A cap's "
               "regret is limited to its premium; a swap, futures and a collar give up savings when prices fall. "
               "If unhedged spend rises when the index falls, the company's price moves against the index (see the "
               "basis slope above).")


def quotes_tables(quotes) -> None:
    """The prices per unit and month, one static table per underlying with each Monte Carlo estimate
    and its standard error in one cell (fourteen columns side by side scrolled at 1400 px)."""
    def num(v) -> str:
        return fmt.number(v, 4)

    def with_se(part, value: str, se: str) -> list[str]:
        return [f"{num(v)} ±\u00a0{num(e)}" for v, e in zip(part[value], part[se])]   # wraps before "±", not after

    for name, part in quotes.groupby("underlying", sort=False):
        st.markdown(f"**{as_text(name)}**, USD per {as_text(part['unit'].iloc[0])}")
        shown = pd.DataFrame({"month": part["month"].map(fmt.month),
                              "swap fixed price": with_se(part, "swap fixed price", "swap std error"),
                              "closed-form average": part["closed-form average"].map(num),
                              "cap strike": part["cap strike"].map(num),
                              "cap premium": with_se(part, "cap premium", "cap std error"),
                              "collar floor": part["collar floor"].map(num),
                              "binary strike": part["binary strike"].map(num),
                              "binary price": with_se(part, "binary price", "binary std error")})
        with st.container(key=f"hedge_instrument_quotes_{len(name)}_{part.index[0]}"):
            st.table(shown.map(as_text), hide_index=True, border="horizontal")
    st.caption("Each estimate ± one Monte Carlo standard error. Swap fixed price = the mean monthly average on the "
               "paths; the closed-form column is the model's monthly-average futures price, which it must match within "
               "a few standard errors. Premiums and binary prices are discounted at "
               f"{service.INSTRUMENT_RATE:.0%} a year to each month's end.")
