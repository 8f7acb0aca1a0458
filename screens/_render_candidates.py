"""The Market page's candidate-index section: the ranking table, its chart and the recommendation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _render as base
from screens import _shared as sh


def _use(widget_key: str, key: str) -> None:
    st.session_state[widget_key] = key   # the Index box above picks it up and stores the choice


def candidates(underlying: str, index_widget: str, current: str) -> None:
    """Rank every index offered for ``underlying`` against the company's price and offer the best."""
    st.subheader("Which index to hedge with")
    st.caption("Each index the hedge could settle on, fitted to the price your company paid (log-log basis: slope, "
               "R², residual volatility) and tested by simulation: the share of the variance of the horizon's spend "
               "that a minimum-variance long hedge on it removes, with volume held at its recent level so only price "
               "and basis risk count. The run's own figure on Before / after adds volume risk and lot rounding.")
    try:
        found = sh.index_candidates(underlying)
    except HedgingError as err:
        st.info(sh.as_text(base.error_text(err)), icon=":material/info:")
        return
    fmt = service.fmt
    st.markdown("**" + sh.as_text(found.sentence) + "**")
    table = found.table().drop(columns=["key", "rank", "sources", "note"])
    formats = {"hedge effectiveness": fmt.share, "± s.e.": fmt.share, "basis R²": fmt.ratio, "basis slope": fmt.ratio,
               "residual vol (a year)": fmt.share, "months": fmt.count}
    # a static table whose cells and headings wrap: eight columns scrolled sideways at 1024 px as a grid
    shown = pd.DataFrame({c: [fmt.DASH if pd.isna(v) else formats.get(c, str)(v) for v in table[c]] for c in table})
    with st.container(key="market_candidates"):
        st.table(shown.map(sh.as_text), hide_index=True, border="horizontal")
    notes = [f"{s.name}: {service.candidate_source(underlying, s.key)}" + (f". Note: {s.note}" if s.note else "")
             for s in found.ranked]
    st.caption("\n".join("- " + sh.as_text(n) for n in notes))
    if found.recommended is None:  # nothing fitted: a chart of no bars would say nothing
        st.caption(sh.as_text(found.why_chosen()))
        return
    st.plotly_chart(service.candidates_figure(found), key="market_candidates_chart")
    st.caption(f"{fmt.count(found.n_paths)} simulated paths per index (seed {found.seed}), "
               f"{found.horizon} months from the as-of date, each index carried forward by the model chosen below; error "
               "bars are ±2 standard errors of the simulation. The simulated share can exceed R²: the index moves as that "
               "model says (for the built-in, constructed histories the paper's parameters, more volatile than the "
               "histories), so index moves weigh more against the basis residual than in the fitted months. "
               + sh.as_text(found.why_chosen()))
    best = found.recommended
    if best and best != current:
        name = next(s.name for s in found.ranked if s.key == best)
        st.button(f"Use the recommended index: {name}", key="market_use_recommended", on_click=_use,
                  args=(index_widget, best), type="primary")
