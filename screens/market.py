"""Market: index history, the price model, simulated paths, the forward curve and contract table."""

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _auth as auth
from screens import _render as ui
from screens import _render_candidates as cand
from screens import _render_decision as decide
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Market")
st.caption("The local contract engine. No exchange has listed compute futures yet, so the contracts below are "
           "this app's assumptions, priced by the mean-reverting jump-diffusion model of arXiv 2603.21690.")

underlying = st.radio("Underlying", list(service.UNDERLYINGS), horizontal=True, key=sh.MARKET_UNDERLYING,
                      format_func=lambda u: f"{service.UNDERLYINGS[u].label} ({service.UNDERLYINGS[u].unit})")
choices = dict(service.index_choices(underlying, sh.settings()))
current = service.chosen_index(underlying, sh.settings())
left, right = st.columns([3, 2])
key = left.selectbox("Index", list(choices), index=list(choices).index(current), format_func=choices.get,
                     key=f"{sh.MARKET_INDEX}_{underlying}")
if key != current:
    try:
        service.choose_index(underlying, key, sh.settings(), actor=auth.actor())
    except HedgingError as err:  # a viewer's or approver's role does not allow it: the page uses the chosen one
        st.error(sh.as_text(str(err)), icon=":material/block:")
        key = current
model_key = f"{sh.MARKET_MODEL}_{underlying}"
model_choice = right.selectbox("Model parameters", list(service.MODEL_CHOICES), key=model_key,
                               format_func=service.MODEL_CHOICES.get,
                               help="Used by the Forecast, Hedge program and Before / after pages and saved proposals.")

try:
    view = sh.market_view(underlying, key, model_choice, st.session_state[sh.AS_OF], sh.market_version())
except HedgingError as err:
    st.error(sh.as_text(str(err)), icon=":material/error:")
    st.stop()
unit = view.index.unit
front = view.curve.iloc[0]
c = ui.metric_slots(4)
age, fmt = (view.as_of - view.valuation_date).days, service.fmt
c[0].metric("Last index print", "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} ago",
            help=f"Printed {fmt.date(view.valuation_date)}. Contracts are listed and priced as of {fmt.date(view.as_of)} "
                 "(the as-of date in the sidebar); the model carries the index forward from its last print.")
c[1].metric("Index", fmt.price(view.spot, front["tick"]), help=unit)
c[2].metric(f"Front contract {front['symbol']}", fmt.price(front["fair"], front["tick"]), help=f"Fair price, {unit}")
c[3].metric("Initial margin, front", fmt.money(front["initial_margin"]) + " / lot",
            help=f"{fmt.share(front['initial_margin'] / front['notional_per_lot'])} of the lot's notional. "
                 + front["margin_reason"])
decide.warnings(view.warnings, "market_advice")

charts = service.charts()
shown = repr((underlying, key, model_choice, st.session_state[sh.AS_OF]))  # what market_view was given
st.plotly_chart(sh.shared_chart("market_index", shown, lambda: charts.index_history(
    view.index.history, view.index.name, unit, view.index.illustrative)), key="market_index_chart")
if view.index.illustrative:
    st.caption("Illustrative: built in this repository from cited facts (see sample_data/indices/README.md); each "
               "point's source is in the hover. Upload a licensed index history below to replace it.")
elif key == "builtin:company":
    st.caption("Built from your imported usage: your token mix of the last 12 months priced at the dated list prices "
               "(sample_data/list_prices.csv), chain-linked. No exchange settles on it.")

cand.candidates(underlying, f"{sh.MARKET_INDEX}_{underlying}", key)

st.subheader("Price model")
st.caption(view.model_label + ". Time in years; the model is for the log of the index. " + view.index.observation_note)
# a static table that wraps its cells (five columns fit the page at 1024 px), every cell shown as text;
# no standard error or interval for the paper's preset: "—"
params = view.parameters
errors = pd.to_numeric(params["std_error"], errors="coerce")
param_rows = params[["parameter"]].assign(value=params["value"].map(lambda v: fmt.number(v, 4)),
                                          **{"standard error": errors.map(lambda v: fmt.number(v, 4))})
if "ci_low" in params:
    param_rows["95% interval"] = [service.interval_text(name, lo, hi) for name, lo, hi
                                  in zip(params["parameter"], params["ci_low"], params["ci_high"])]
param_rows["meaning"] = params["meaning"]
with st.container(key="market_params"):
    st.table(param_rows.astype(str).map(ui.as_text), hide_index=True, border="horizontal")
st.plotly_chart(sh.shared_chart("market_fan", shown, lambda: charts.price_fan(
    view.fan, view.index.history, unit, f"Simulated {view.index.name.split(' (')[0]}, {len(view.fan) - 1} months "
    f"({fmt.count(min(view.n_paths, 5000))} paths)")), key="market_fan")

st.subheader("Forward curve and contracts")
st.plotly_chart(sh.shared_chart("market_curve", shown, lambda: charts.forward_curve(view.curve, unit)),
                key="market_curve")
st.caption(f"Fair prices are the model's closed-form expectation of what each contract settles on; the crosses "
           f"re-estimate them by simulating {fmt.count(view.n_paths)} paths (seed {view.seed}) with ±3 standard errors.")
ui.contract_table(view.curve)
st.info(view.margin_note, icon=":material/account_balance:")
st.caption(view.contract_note)

with st.expander("Upload your own index history"):
    st.caption("A CSV with columns `date` and `value` (and optionally `source`), one row per day (that day's index) or per "
               "month (the average of that month's daily index), in "
               f"{unit}. It is validated like a usage export and stored; then choose it above.")
    upload = st.file_uploader("Index history CSV", type=["csv"], key=sh.MARKET_UPLOAD)
    name = st.text_input("Name (for example: Licensed H100 index)", key=sh.MARKET_UPLOAD_NAME)
    if st.button("Store index", disabled=upload is None, key="market_store"):
        try:
            new_id, already, notes = service.upload_index(underlying, name, upload, upload.name, sh.settings(),
                                                          actor=auth.actor())
            st.session_state[sh.MARKET_MESSAGE] = ("info", f"{'Already stored' if already else 'Stored'} as index "
                                                   f"#{new_id}; choose it in the Index list above. "
                                                   + " ".join(n.message for n in notes))
            st.rerun()
        except HedgingError as err:
            st.session_state[sh.MARKET_MESSAGE] = ("error", str(err))
    kind, message = st.session_state.get(sh.MARKET_MESSAGE) or (None, None)
    if kind:
        (st.error if kind == "error" else st.success)(message)

uploads = [k for k in choices if k.startswith("upload:")]
if uploads:
    with st.expander("Delete an uploaded index"), st.form("market_delete_form"):
        gone = st.selectbox("Uploaded index", uploads, format_func=choices.get, key="market_delete_id")
        sure = st.checkbox("Yes, delete this index history; if it is in use, the built-in index takes its place",
                           key="market_delete_sure")
        if st.form_submit_button("Delete index") and sure:
            service.delete_index(int(gone.split(":", 1)[1]), sh.settings(), actor=auth.actor())
            st.session_state.pop("market_delete_sure", None)   # the next index needs its own tick
            st.session_state.pop(f"{sh.MARKET_INDEX}_{underlying}", None)
            st.session_state[sh.MARKET_MESSAGE] = ("info", f"Deleted index #{gone.split(':', 1)[1]}.")
            st.rerun()
