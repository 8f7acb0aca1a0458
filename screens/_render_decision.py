"""The decision-ready summary, the disclosure table and warnings in a treasurer's words.

Everything shown here comes from the service layer's data (:mod:`hedging.service.decision`,
:mod:`hedging.service.disclosure`, :mod:`hedging.service.advice`), the same objects the PDF prints.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from hedging.service import fmt
from screens._render import as_text, metric_slots, table


def decision(saved: dict) -> bool:
    """The saved proposal's decision summary; False when the document predates it (nothing drawn)."""
    data = saved.get("decision")
    if not isinstance(data, dict):
        return False
    d = service.DecisionSummary.from_dict(data)
    with st.container(border=True):
        st.markdown("**Recommendation.** " + as_text(d.recommendation))
        st.markdown("**Decision requested.** " + as_text(d.decision))
    slots = metric_slots(len(d.figures))
    for slot, f in zip(slots, d.figures):
        before, _, after = f.value.rpartition(" → ")   # "before → after": the after value, the before beneath
        slot.metric(f.label, after, delta=f"before: {before}" if before else None, delta_color="off",
                    delta_arrow="off", help=f.note)
    st.markdown("**The cost, reconciled** (USD over the horizon)")
    lines = pd.DataFrame(d.bridge_lines or d.bridge.lines(), columns=["", "USD"])
    table(lines, "decision_bridge", formats={"USD": lambda v: fmt.money(v, cents=False)}, width="content")
    st.caption("Fees and half spreads (and any cap premiums) are paid whatever happens; the futures' expected "
               "P&L on the simulated paths turns them into the expected cost of hedging.")
    st.markdown("**If prices fall**")
    for p in d.price_falls:
        st.markdown("- " + as_text(p.sentence))
    st.markdown("**Three risks that remain**")
    for i, risk in enumerate(d.risks, 1):
        st.markdown(f"{i}\\. " + as_text(risk))
    return True


def disclosure(saved: dict, key: str) -> None:
    """The disclosure table (by quarter) with its CSV; nothing for documents saved before it existed."""
    rows = (saved.get("tables") or {}).get("disclosure")
    if rows is None:
        return
    st.subheader("Hedge disclosure by quarter", anchor=False)
    st.caption("As airlines report fuel hedges: the share of expected consumption hedged in each quarter, the "
               "instrument, its weighted average price (a cap's is its strike) and notional. Expected use "
               "in millions of tokens or GPU-hours; prices in USD per million tokens (/M) or per GPU-hour (/h).")
    frame = pd.DataFrame(rows, columns=service.DISCLOSURE_COLUMNS)
    tokens = frame["price unit"].astype(str).str.contains("token")
    prices = pd.to_numeric(frame["weighted average price"], errors="coerce")
    shown = frame.assign(  # narrow enough for 1024 px; the CSV and the PDF keep every column
        underlying=["tokens (M)" if t else "GPU-hours" for t in tokens],
        price=[fmt.DASH if p != p else fmt.price(p, decimals=3) + ("/M" if t else "/h") for p, t in zip(prices, tokens)])
    short = {"expected consumption": "expected use", "% of expected consumption hedged": "% hedged",
             "price": "avg price", "notional (USD)": "notional"}
    table(shown, f"{key}_table",
          formats={"expected consumption": fmt.count, "% of expected consumption hedged": fmt.share,
                   "notional (USD)": lambda v: fmt.money(v, cents=False)},
          column_order=["quarter", "underlying", "instrument", "expected consumption",
                        "% of expected consumption hedged", "price", "notional (USD)"],
          column_config={c: st.column_config.Column(t) for c, t in short.items()})
    st.download_button("Download the disclosure table (CSV)", service.disclosure_csv(frame),
                       f"{key}.csv", "text/csv", key=f"{key}_csv")


def warnings(items, key: str, title: str | None = None) -> None:
    """Warnings (``HedgingWarning`` or saved advice dicts): what happened, its consequence and what to do,
    with the statistics behind them in an expander; warnings that read the same are one."""
    advice = [service.Advice.from_dict(a) for a in items if isinstance(a, dict)] + \
        service.advice_list([w for w in items if not isinstance(w, dict)])
    if not advice:
        return
    if title:
        st.markdown(f"**{title}**")
    for a in advice:
        st.warning(as_text(f"{a.message} {a.consequence}") + "  \n**What to do:** " + as_text(a.action),
                   icon=":material/warning:")
    with st.expander("The statistics", key=f"{key}_statistics"):
        for a in advice:
            st.text(a.statistics)
