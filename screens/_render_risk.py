"""Rendering helpers for the Forecast, Hedge program and Before / after pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from screens._render import as_text, money

def np_hstack(*arrays):
    import numpy as np

    return np.hstack(arrays)


def underlying_forecast(part, view, charts) -> None:
    """One underlying's tab on the Forecast page: volume fan, backtest, basis and drill-down."""
    for w in part.warnings:
        st.warning(as_text(w.message), icon=":material/warning:")
    st.plotly_chart(charts.volume_fan(part.months, part.volume, part.steps, part.volume_mean, part.volume_bands,
                                      part.unit, f"{part.label}: volume ({part.unit})"), key=f"fc_vol_{part.underlying}")
    st.markdown(f"**Volume model: {part.model.replace('_', ' ')}**, chosen by rolling-origin backtest (lowest "
                "MASE; below 1 beats a naive forecast).")
    st.dataframe(part.scores, hide_index=True, key=f"fc_scores_{part.underlying}",
                 column_config={"80% coverage": st.column_config.NumberColumn(format="percent"),
                                "95% coverage": st.column_config.NumberColumn(format="percent"),
                                "MASE": st.column_config.NumberColumn(format="%.2f")})
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.basis_scatter(part.index_at_months, part.unit_price, part.months, part.basis.slope,
                                             part.basis.intercept, "USD", "USD", f"Basis: company price vs "
                                             f"{part.index_name.split(' (')[0]}"), key=f"fc_basis_{part.underlying}")
        st.caption(basis_caption(part))
    with right:
        if len(part.drilldown):
            pivot = part.drilldown.pivot(index="label", columns="month", values="volume")
            pivot.columns = [m.strftime("%b %Y") for m in pivot.columns]
            st.markdown(f"**Expected volume by {view.by}** ({part.unit}; sums to the total)")
            st.dataframe(pivot.round(0).astype(int), key=f"fc_drill_{part.underlying}",
                         column_config={c: st.column_config.NumberColumn(format="localized") for c in pivot.columns})


def money_columns(*names: str) -> dict:
    return {n: st.column_config.NumberColumn(format="dollar") for n in names}


def basis_caption(part) -> str:
    b = part.basis
    r2 = "n/a" if b.r_squared != b.r_squared else f"{b.r_squared:.2f}"
    return (f"log(company price) = {b.intercept:.2f} + {b.slope:.2f} × log(index) over {b.n} months; R² {r2}; "
            f"residual volatility {b.annual_residual_vol:.0%} a year. A futures hedge on this index can remove at most "
            f"about {max(0.0, b.max_price_hedge_effectiveness if b.max_price_hedge_effectiveness == b.max_price_hedge_effectiveness else 0.0):.0%} "
            "of the price variance; the rest is basis risk, and volume risk is not hedged by price at all.")


def outcome_table(table: pd.DataFrame) -> pd.DataFrame:
    """Format the before/after table for reading: money as $, shares as %."""
    out = table.copy()
    for col in ("unhedged", "hedged", "change"):
        out[col] = [f"{v:+.1%}" if col == "change" and ("P(" in m or "Coefficient" in m) else
                    f"{v:.1%}" if "P(" in m or "Coefficient" in m else money(v)
                    for m, v in zip(table["metric"], table[col])]
    return out


def effectiveness(e) -> None:
    if e is None:
        st.info("The program holds no lots, so there is no hedge to test.", icon=":material/info:")
        return
    c = st.columns(3)
    c[0].metric("Regression slope", f"{e.slope:.2f}", help="Hedged item changes on hedge changes; passes within ±0.80–1.25.")
    c[1].metric("R²", f"{e.r_squared:.2f}", help="Passes at 0.80 or more.")
    c[2].metric("Dollar offset", "n/a" if e.dollar_offset != e.dollar_offset else f"{e.dollar_offset:.0%}",
                help="Cumulative hedge change over cumulative item change; passes within 80–125%.")
    verdict = st.success if e.passes else st.error
    verdict(("Passes" if e.passes else "Does not pass") + " the 80–125% effectiveness tests. " + e.explanation)
    st.caption(e.ifrs9_note)


def history(backtests: dict, charts) -> None:
    """Each underlying's layered-policy backtest over its own history, with the retrospective test."""
    if not backtests:
        st.info("A historical backtest needs at least 15 months of usage with index history.", icon=":material/info:")
        return
    for u, (months, h) in backtests.items():
        frame = pd.DataFrame({"month": months, "unhedged": list(h.unhedged_cost),
                              "hedged": list(h.hedged_cost)})
        st.plotly_chart(charts.history_chart(frame, f"{u}: monthly cost, layered policy over the last {len(frame)} months"),
                        key=f"outcome_history_{u}")
        eff = h.effectiveness
        test = "" if eff is None else (f" Retrospective regression slope {eff.slope:.2f}, R² {eff.r_squared:.2f}; "
                                       f"dollar offset {eff.dollar_offset:.0%}.")
        st.caption(f"Standard deviation of monthly cost {money(h.sd_unhedged)} unhedged, {money(h.sd_hedged)} hedged "
                   f"({h.sd_reduction:.0%} reduction); total {money(h.total_unhedged)} against {money(h.total_hedged)}."
                   + test)


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
                           format_func=lambda m: pd.Timestamp(m + "-01").strftime("%b %Y"))
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
