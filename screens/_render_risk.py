"""Rendering helpers for the Forecast, Hedge program and Before / after pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging.service import fmt
from screens._render import as_text, table
from screens._shared import shared_chart

def np_hstack(*arrays):
    import numpy as np

    return np.hstack(arrays)


def underlying_forecast(part, view, charts) -> None:
    """One underlying's tab on the Forecast page: volume fan, backtest, basis and drill-down."""
    from screens._render_decision import warnings

    warnings(part.warnings, f"forecast_{part.underlying}_advice")
    drawn = repr((view.spec.simulation_key(), part.underlying))  # the simulation these charts show
    st.plotly_chart(shared_chart("fc_vol", drawn, lambda: charts.volume_fan(
        part.months, part.volume, part.steps, part.volume_mean, part.volume_bands, part.unit,
        f"{part.label}: volume ({part.unit})")), key=f"fc_vol_{part.underlying}")
    st.markdown(f"**Volume model: {part.model_label}**, chosen by rolling-origin backtest (lowest "
                "MASE; below 1 beats a naive forecast); the bands are calibrated on the same backtest's errors.")
    table(part.scores, f"fc_scores_{part.underlying}",
          {"model": fmt.volume_model, "80% coverage": fmt.share, "95% coverage": fmt.share, "MASE": fmt.ratio,
           "forecasts": fmt.count})
    left, right = st.columns(2)
    with left:
        st.plotly_chart(shared_chart("fc_basis", drawn, lambda: charts.basis_scatter(
            part.index_at_months, part.unit_price, part.months, part.basis.slope, part.basis.intercept, "USD", "USD",
            f"Basis: company price vs {part.index_name.split(' (')[0]}")), key=f"fc_basis_{part.underlying}")
        st.caption(basis_caption(part))
    with right:
        if len(part.drilldown):   # one row a month, one column per provider (or model, team): fits half the page
            pivot = part.drilldown.pivot(index="month", columns="label", values="volume")
            st.markdown(f"**Expected volume by {view.by}** ({part.unit}; sums to the total)")
            table(pivot.reset_index(), f"fc_drill_{part.underlying}",
                  {"month": fmt.month, **{c: fmt.count for c in pivot.columns}})


def basis_caption(part) -> str:
    b = part.basis
    most = b.max_price_hedge_effectiveness if b.max_price_hedge_effectiveness == b.max_price_hedge_effectiveness else 0.0
    return (f"log(company price) = {fmt.ratio(b.intercept)} {fmt.term(b.slope)} × log(index) over {b.n} months; "
            f"R² {fmt.ratio(b.r_squared)}; residual volatility {fmt.share(b.annual_residual_vol, 0)} a year. A futures "
            f"hedge on this index can remove at most about {fmt.share(max(0.0, most), 0)} of the price variance; the "
            "rest is basis risk, and volume risk is not hedged by price at all.")


def outcome_table(frame: pd.DataFrame, key: str = "outcome_metrics") -> None:
    """The before/after table: money as dollars and its change signed, shares as % and their change
    in percentage points (a row's metric decides which)."""
    def shares(row) -> bool:
        return "P(" in str(row["metric"]) or "Coefficient" in str(row["metric"])

    level = lambda row: fmt.share if shares(row) else fmt.money  # noqa: E731
    table(frame, key, rows={"unhedged": level, "hedged": level,
                            "change": lambda row: fmt.points if shares(row) else fmt.money_change})


def effectiveness(e) -> None:
    if e is None:
        st.info("The program holds no lots, so there is no hedge to test.", icon=":material/info:")
        return
    c = st.columns(3)
    c[0].metric("Regression slope", fmt.ratio(e.slope), help="Hedged item changes on hedge changes; passes within ±0.80–1.25.")
    c[1].metric("R²", fmt.ratio(e.r_squared), help="Passes at 0.80 or more.")
    c[2].metric("Dollar offset", fmt.share(e.dollar_offset, 0),
                help="Cumulative hedge change over cumulative item change; passes within 80–125%.")
    if e.passes:
        st.success("Passes the 80–125% effectiveness tests: the hedge can be designated a cash-flow hedge, its gains "
                   "and losses held in equity until the compute is paid for.")
    else:
        st.error("Does not pass the 80–125% effectiveness tests. Consequence: hedge accounting is not available, so "
                 "the futures' gains and losses go through profit and loss each quarter, before the compute cost they "
                 "offset.  \n**What to do:** on the Hedge program page, leave the underlying whose price does not "
                 "follow its index out with “Leave unhedged”, or choose another “Policy”; the PDF states the result "
                 "either way.")
    with st.expander("The statistics", key="effectiveness_statistics"):
        st.text(e.explanation)
    st.caption(e.ifrs9_note)


def history(backtests: dict, charts, policy: str = "layered policy") -> None:
    """Each underlying's backtest of the chosen policy over its own history, with the retrospective test."""
    from hedging import service

    if not backtests:
        st.info("A historical backtest needs at least 15 months of usage with index history.", icon=":material/info:")
        return
    for u, (months, h) in backtests.items():
        frame = pd.DataFrame({"month": months, "unhedged": list(h.unhedged_cost),
                              "hedged": list(h.hedged_cost)})
        name = service.UNDERLYINGS[u].label if u in service.UNDERLYINGS else u
        st.plotly_chart(charts.history_chart(frame, f"{name}: monthly cost, {policy} over the last {len(frame)} months"),
                        key=f"outcome_history_{u}")
        eff = h.effectiveness
        test = "" if eff is None else (f" Retrospective regression slope {fmt.ratio(eff.slope)}, R² "
                                       f"{fmt.ratio(eff.r_squared)}; dollar offset {fmt.share(eff.dollar_offset, 0)}.")
        st.caption(as_text(f"Standard deviation of monthly cost {fmt.money(h.sd_unhedged)} unhedged, "
                           f"{fmt.money(h.sd_hedged)} hedged ({fmt.share(h.sd_reduction, 0)} reduction); total "
                           f"{fmt.money(h.total_unhedged)} against {fmt.money(h.total_hedged)}." + test))


def price_change_editor(sh) -> None:
    """Add and remove announced price changes (kept in the session; part of the run's spec)."""
    from hedging import service
    from hedging.errors import HedgingError

    st.caption("A provider's announced price change, applied to the company's unit price from that month on. Leave "
               "the provider empty for every provider of the underlying; several changes compound.")
    rows = list(st.session_state.get(sh.FC_CHANGES + "_rows") or [])
    first = pd.Timestamp(st.session_state[sh.AS_OF]).to_period("M").to_timestamp()
    months = pd.date_range(first, periods=48, freq="MS")
    c = st.columns([1, 1, 1, 1, 1], vertical_alignment="bottom")
    underlying = c[0].selectbox("Underlying", list(service.UNDERLYINGS), key=sh.FC_CHANGES + "_u",
                                format_func=lambda u: service.UNDERLYINGS[u].label)
    provider = c[1].text_input("Provider or model (optional)", key=sh.FC_CHANGES + "_p", placeholder="all")
    month = c[2].selectbox("From month", [m.strftime("%Y-%m") for m in months], key=sh.FC_CHANGES + "_m",
                           format_func=fmt.month)
    pct = c[3].number_input("Change (%)", -95.0, 1000.0, 0.0, 1.0, key=sh.FC_CHANGES + "_pct")
    if c[4].button("Add price change", key=sh.FC_CHANGES + "_add"):
        try:
            service.PriceChange(underlying, month, float(pct), provider.strip().lower())
            rows.append({"underlying": underlying, "provider": provider.strip().lower(), "from month": month,
                         "change %": float(pct)})
            st.session_state[sh.FC_CHANGES + "_rows"] = rows
        except HedgingError as err:
            st.error(sh.as_text(str(err)))
    for i, r in enumerate(rows):
        left, right = st.columns([5, 1], vertical_alignment="center")
        change = service.PriceChange(r["underlying"], r["from month"], float(r["change %"]), r.get("provider") or "")
        left.text(change.label())
        if right.button("Remove", key=f"{sh.FC_CHANGES}_remove_{i}"):
            st.session_state[sh.FC_CHANGES + "_rows"] = rows[:i] + rows[i + 1:]
            st.rerun()


def schedule(frame: pd.DataFrame, key: str) -> None:
    """The trade schedule: prices at each contract's tick, initial margin with its share of the
    trade's notional; the underlying shows in the contract's symbol, every trade is a purchase, and
    what a price is goes in the caption (all stay in the CSV)."""
    from hedging import service

    ticks = {u: service.contract_tick(u) for u in set(frame.get("underlying", ())) if u in service.UNDERLYINGS}

    def tick(row):
        return ticks.get(row["underlying"])

    one_day = len(frame) > 0 and frame["trade date"].nunique() == 1
    hidden = ("underlying", "side", "price is") + (("trade date",) if one_day else ())
    shown = [c for c in frame.columns if c not in hidden]
    short = {"delivery month": "delivers", "last trading day": "last trading", "notional (USD)": "notional",
             "initial margin (USD)": "initial margin", "cost (USD)": "cost"}
    table(frame, key, {"lots": fmt.count, "notional (USD)": fmt.money, "cost (USD)": fmt.money},
          rows={"price": lambda row: lambda v, t=tick(row): fmt.price(v, t, currency=False),
                "initial margin (USD)": lambda row: lambda v, n=row["notional (USD)"]: fmt.margin(v, n, words=False)},
          column_order=shown, column_config={c: st.column_config.Column(t) for c, t in short.items()})
    if len(frame):
        kinds = sorted(set(frame["price is"]))
        when = f" All are bought on {frame['trade date'].iloc[0]}." if one_day else ""
        st.caption("All trades buy futures; amounts in USD." + when + " Price in the contract's quote units (USD per "
                   f"million tokens or per GPU-hour) at its tick: {'; '.join(kinds)}. Initial margin in brackets as a "
                   "share of notional.")


def stress(frame: pd.DataFrame) -> None:
    """The stress table as two narrow tables (expected spend with the hedge's P&L, then the 95th
    percentile) with what each scenario assumes below, so the dollar columns fit at 1024 px."""
    label = {c: st.column_config.Column(c.split(",")[0]) for c in frame.columns if "," in c}
    parts = (("Expected spend over the horizon", ["unhedged, expected", "hedged, expected", "hedge P&L, expected"]),
             ("95th percentile of spend over the horizon", ["unhedged, 95th pct", "hedged, 95th pct"]))
    for (title, cols), key in zip(parts, ("outcome_stress", "outcome_stress_p95")):
        cols = [c for c in cols if c in frame]
        st.markdown(f"**{title}**")
        formats = {c: (fmt.money_change if "P&L" in c else fmt.money) for c in cols}
        table(frame[["scenario", *cols]], key, formats, column_config=label)
    if "what it assumes" in frame:
        with st.expander("What each scenario assumes"):
            for name, text in zip(frame["scenario"], frame["what it assumes"]):
                st.markdown(f"**{as_text(name)}**: {as_text(text)}")
