"""Rendering helpers for the Forecast, Hedge program and Before / after pages."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._render import money

def budget_table(view, budget) -> pd.DataFrame:
    """By month and for the horizon: expected spend, bands, P(over budget), budget at risk."""
    rows = []
    for month, m in zip(view.future, budget.monthly):
        rows.append({"month": month.strftime("%b %Y"), "expected": m.expected, "80% low": m.lower_80,
                     "80% high": m.upper_80, "95th percentile": m.p95, "budget": m.budget,
                     "P(over budget)": m.prob_over_budget, "budget at risk": m.budget_at_risk})
    t = budget.total
    rows.append({"month": f"Total, {len(view.future)} months", "expected": t.expected, "80% low": t.lower_80,
                 "80% high": t.upper_80, "95th percentile": t.p95, "budget": t.budget,
                 "P(over budget)": t.prob_over_budget, "budget at risk": t.budget_at_risk})
    return pd.DataFrame(rows)


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
