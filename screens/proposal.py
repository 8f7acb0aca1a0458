"""Proposal: save the current program frozen, reopen it exactly, export PDF, Excel and CSV (comparison: screens/compare.py)."""

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _auth as auth
from screens import _render as base
from screens import _render_decision as decide
from screens import _policy as policy
from screens import _render_risk as ui
from screens import _review as review
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Proposal")
st.caption("A saved proposal freezes its inputs, the data it used (import file hashes, index histories, model "
           "parameters, contract specs), every result and chart. Reopening it shows exactly what was saved.")

with st.form("proposal_save"):
    a, b = st.columns(2)
    name = a.text_input("Proposal name", key=sh.PR_NAME, value="FY27 compute hedge")
    company = b.text_input("Company", key=sh.PR_COMPANY, value="")
    if st.form_submit_button("Save the current program as a proposal", type="primary"):
        try:
            run = sh.current_run()
            with st.spinner("Freezing the run on screen as a proposal…"):
                new_id = service.save_proposal(run, name, company, sh.settings(), actor=auth.actor())
            st.session_state[sh.PR_MESSAGE], st.session_state[sh.PR_OPEN] = ("success", f"Saved as proposal #{new_id}."), new_id
            st.session_state[sh.PR_BUILD_PDF] = new_id  # its PDF is built right away, each step shown
        except HedgingError as err:
            st.session_state[sh.PR_MESSAGE] = ("error", str(err))
kind, message = st.session_state.get(sh.PR_MESSAGE) or (None, None)
if kind:
    if kind == "success":
        st.success(message)
    else:
        st.error(sh.as_text(message))

proposals = service.list_proposals(sh.settings())
if not proposals:
    st.info("No proposal saved yet.", icon=":material/info:")
    st.stop()
ids = [p["id"] for p in proposals]
marks = {"signed": "", None: " — cannot be opened"}  # None: its signature check failed
labels = {p["id"]: f"#{p['id']} {p['name']} ({p['company'] or 'no company'}, {service.fmt.date(p['created_at'])} {p['created_at']:%H:%M})"
          + f" · {p['status']}" + marks.get(p["signature"], f" — {p['signature']}") for p in proposals}
chosen = st.selectbox("Open a proposal", ids, format_func=labels.get, key=sh.PR_OPEN,
                      index=len(ids) - 1 if st.session_state.get(sh.PR_OPEN) not in ids else None)
if chosen is None:
    st.info("Choose a proposal to open.", icon=":material/info:")
    st.stop()
try:
    saved = service.load_proposal(chosen, sh.settings())
except HedgingError as err:  # changed outside the app, signed elsewhere, or saved by a newer release
    st.error(sh.as_text(str(err)))
    if st.button(f"Delete proposal #{chosen}", key="proposal_delete_refused"):
        try:
            service.delete_proposal(chosen, sh.settings(), actor=auth.actor())
        except HedgingError as err:  # under review or decided, or the role does not allow it
            st.error(sh.as_text(str(err)))
            st.stop()
        st.session_state.pop(sh.PR_OPEN, None)
        st.rerun()
    st.stop()
if saved.get("signature") != "signed":
    st.warning(f"This proposal is {saved.get('signature')}: its fingerprint is checked, but unlike a signed "
               "proposal it cannot prove that nobody changed it in the database.", icon=":material/warning:")
h = saved["headline"]
st.subheader(sh.as_text(f"{saved['name']} — {saved['company']}"), anchor=False)
if saved.get("spec_line"):
    st.caption(sh.as_text(saved["spec_line"]))
if not decide.decision(saved):  # first, as on the PDF's first page (documents saved before it: a sentence, 4 numbers)
    st.markdown(sh.as_text(h["summary"]))
    m, fmt = base.metric_slots(4), service.fmt
    m[0].metric("Volatility reduction", fmt.share(h["volatility_reduction"]))
    m[1].metric("Budget at risk", fmt.money(h["bar_after"]), delta=fmt.money_change(h["bar_after"] - h["bar_before"]),
                delta_color="inverse")
    m[2].metric("Program cost", fmt.money(h["program_cost"]))
    m[3].metric("Margin needed", fmt.money(h["initial_margin_peak"] + h["vm_p95"]), help="Peak initial + 95th pct variation")
policy.saved_block(saved, f"proposal_{chosen}_policy")
review.section(chosen, sh.settings())
decide.warnings(saved["statements"].get("advice") or [], "proposal_advice", "Points to note before deciding")
for key in ("spend_fan", "distribution"):   # full width: a half-width column cuts the charts' titles off
    if key in saved["figures"]:
        st.plotly_chart(service.figure(saved["figures"][key]), key=f"proposal_{key}")
schedule = pd.DataFrame(saved["tables"]["schedule"])
ui.outcome_table(pd.DataFrame(saved["tables"]["metrics"]), key="proposal_metrics")
decide.disclosure(saved, f"proposal_{chosen}_disclosure")
c = st.columns(3)
with c[1]:
    sh.xlsx_download(chosen, saved["fingerprint"])
    sh.memo_download(chosen, saved["fingerprint"], saved.get("signature"), actor=auth.actor())
c[2].download_button("Trade schedule CSV", service.schedule_csv(schedule), f"proposal_{chosen}_schedule.csv",
                     "text/csv", key="proposal_csv", icon=":material/download:",
                     help="The trade schedule alone, one row per trade, for a spreadsheet or an order system.")
with c[0]:
    built = saved["fingerprint"] in st.session_state.get(sh.PR_PDF_READY, ())
    sh.pdf_download(chosen, saved["fingerprint"], saved.get("signature"))
    if not built and saved["fingerprint"] in st.session_state.get(sh.PR_PDF_READY, ()):  # built for download now
        service.record_pdf_export(chosen, saved["fingerprint"], sh.settings(), actor=auth.actor(),
                                  detail="built for download on the Proposal page")

st.caption("To set this proposal beside others, or beside variants of the current settings, open the Compare page.")

with st.form("proposal_delete"):
    sure = st.checkbox(f"Yes, delete proposal #{chosen}; it cannot be recovered", key="proposal_delete_sure")
    if st.form_submit_button("Delete proposal") and sure:
        try:
            service.delete_proposal(chosen, sh.settings(), actor=auth.actor())
        except HedgingError as err:  # under review or decided, or the role does not allow it
            st.error(sh.as_text(str(err)))
            st.stop()
        st.session_state.pop(sh.PR_OPEN, None)
        st.session_state.pop("proposal_delete_sure", None)  # the next proposal needs its own tick
        st.rerun()
