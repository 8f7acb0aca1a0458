"""Forecast: volume and spend with honest uncertainty, against the budget."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from pages import _render as base
from pages import _render_risk as ui
from pages import _shared as sh

sh.through_router()

st.title("Forecast")
st.caption("Spend = volume × unit price, simulated jointly. Volume follows the model that forecast best in a "
           "rolling backtest; the index follows the Market model; the company's price follows the index through "
           "its fitted basis. Every band below comes from the same simulated paths.")

c = st.columns(5)
horizon = c[0].selectbox("Horizon (months)", [12, 18, 24], key=sh.FC_HORIZON)
n_paths = c[1].selectbox("Simulated paths", [2_000, 10_000, 50_000], index=1, key=sh.FC_PATHS,
                         format_func=lambda n: f"{n:,}")
seed = c[2].number_input("Seed", min_value=0, value=7, step=1, key=sh.FC_SEED)
rho = c[3].slider("Volume-price correlation", -1.0, 1.0, 0.3, 0.05, key=sh.FC_RHO,
                  help="Correlation of monthly volume shocks with index shocks: positive when a demand surge raises "
                       "both. An assumption; 0.3 by default.")
by = c[4].selectbox("Drill down by", ["provider", "model", "team"], key=sh.FC_BY)
steps = []
with st.expander("Announced price changes"):
    st.caption("A provider's announced price change, applied to the company's unit price from that month on.")
    for u, spec in service.UNDERLYINGS.items():
        a, b = st.columns(2)
        month = a.selectbox(f"{spec.label}: from month", list(range(horizon)), key=sh.FC_STEP_MONTH + u,
                            format_func=lambda i: f"month {i + 1}")
        pct = b.number_input(f"{spec.label}: change (%)", -90.0, 500.0, 0.0, 1.0, key=sh.FC_STEP_PCT + u)
        if pct:
            steps.append((u, ((int(month), 1 + pct / 100),)))

try:
    view = sh.forecast_view(horizon, n_paths, int(seed), rho, by, tuple(steps), sh.data_version(), sh.market_version())
except HedgingError as err:
    st.info(str(err), icon=":material/info:")
    st.stop()

budget_annual = st.number_input("Annual budget for AI compute (USD)", min_value=0.0, value=view.default_budget(),
                                step=50_000.0, format="%.0f", key=sh.FC_BUDGET,
                                help="Compared with the first 12 forecast months (pro-rated for other horizons).")
budget = view.budget(annual=budget_annual)
t = budget.total
m = st.columns(4)
m[0].metric(f"Expected spend, next {horizon} months", base.money(t.expected))
m[1].metric("95th percentile", base.money(t.p95))
m[2].metric("Budget at risk (95%)", base.money(t.budget_at_risk), help="95th percentile minus expected spend.")
m[3].metric("P(spend > budget)", f"{t.prob_over_budget:.0%}", help=f"± {t.prob_over_budget_se:.1%} (Monte Carlo)")
for w in budget.warnings:
    st.warning(w.message, icon=":material/warning:")

charts = service.charts()
st.plotly_chart(charts.spend_fan(view.history_months, view.history_spend, view.future, view.total_spend,
                                 budget_annual / 12 if budget_annual else None,
                                 f"AI compute spend: actual and {view.n_paths:,} simulated paths"), key="fc_spend")
st.dataframe(ui.budget_table(view, budget), hide_index=True, key="fc_budget_table",
             column_config={**ui.money_columns("expected", "80% low", "80% high", "95th percentile", "budget",
                                               "budget at risk"),
                            "P(over budget)": st.column_config.NumberColumn(format="percent")})

for tab, part in zip(st.tabs([p.label for p in view.underlyings.values()]), view.underlyings.values()):
    with tab:
        for w in part.warnings:
            st.warning(w.message, icon=":material/warning:")
        st.plotly_chart(charts.volume_fan(part.months, part.volume, part.future, part.volume_mean, part.volume_bands,
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
            st.caption(ui.basis_caption(part))
        with right:
            if len(part.drilldown):
                pivot = part.drilldown.pivot(index="label", columns="month", values="volume")
                pivot.columns = [m.strftime("%b %Y") for m in pivot.columns]
                st.markdown(f"**Expected volume by {view.by}** ({part.unit}; sums to the total)")
                st.dataframe(pivot.round(0).astype(int), key=f"fc_drill_{part.underlying}",
                             column_config={c: st.column_config.NumberColumn(format="localized") for c in pivot.columns})
