"""The Before / after page's "What the hedge did not remove": one sentence, the bars and the table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging.service import fmt
from screens._render import as_text


def remaining(rem, charts) -> None:
    """The attribution of the remaining variance of horizon spend (``outcome.remaining``)."""
    if rem is None:
        st.caption("This run has no breakdown of what the hedge did not remove.")
        return
    st.markdown(as_text(rem.sentence()))
    frame = rem.table()
    st.plotly_chart(charts.remaining_bars(frame), key="outcome_remaining")
    st.caption(as_text(
        f"The standard deviation left after the hedge, {fmt.money(rem.attribution.sd)}, split by source: each "
        "source is switched off in turn (volume at its expected path, your price following the index, settlement "
        "on the month's average, exact fractions of a lot, nothing excluded, full cover) on the same paths, and "
        "what it adds is averaged over every order (Shapley value), so the parts add up to the total. A negative "
        "part offsets the others."))
    named = frame["source"].str.split(": ", n=1, expand=True)
    # a static table whose cells wrap: numbers first, then what each source is, so it fits at 1024 px
    shown = pd.DataFrame({"source": named[0], "share of what remains": frame["share of what remains"].map(fmt.share),
                          "part of the sd (USD)": frame["part of the sd (USD)"].map(fmt.money),
                          "what it is": named[1].fillna(fmt.DASH)})
    with st.container(key="outcome_remaining_table"):
        st.table(shown.map(as_text), hide_index=True, border="horizontal")
