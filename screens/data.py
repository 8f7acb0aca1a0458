"""Data: upload exports, see the import report, monthly spend, and manage imports."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError, RejectedRowsError
from screens import _auth as auth
from screens import _render as ui
from screens import _render_data as rd
from screens import _shared as sh


st.title("Data")
st.caption("Upload the usage and cost exports you already have (OpenAI, Anthropic, FOCUS from AWS/Azure/GCP/OCI, "
           "AWS CUR, Azure cost details, GCP billing, LiteLLM, OpenRouter, or the canonical template). The format "
           "is recognised from the header. A file is stored completely or not at all.")


def run_import(pairs, skip_bad_rows):
    bar, imported = st.progress(0.0, text="Reading…"), False
    try:
        outcomes = service.import_files(pairs, sh.settings(), skip_bad_rows=skip_bad_rows,
                                        progress=lambda f, msg: bar.progress(f, text=msg), actor=auth.actor())
        st.session_state[sh.LAST_REPORT], st.session_state[sh.LAST_ERROR] = service.import_report(outcomes), None
        st.session_state[sh.UPLOADER_GENERATION] = st.session_state.get(sh.UPLOADER_GENERATION, 0) + 1
        imported = True
    except RejectedRowsError as err:
        st.session_state[sh.LAST_ERROR], st.session_state[sh.LAST_REPORT] = service.rejected_report(err), None
    except HedgingError as err:
        st.session_state[sh.LAST_ERROR], st.session_state[sh.LAST_REPORT] = {"message": str(err)}, None
    finally:
        bar.empty()
    if imported:
        # draw the page again at once: the uploader above was drawn before the import and still holds the
        # imported files with "Import" enabled, so a second click, or a file added to it, would be lost
        # when the next run replaces it with the fresh, empty one
        st.rerun()


left, right = st.columns([2, 1])
with left:
    files = st.file_uploader("Usage or cost exports (.csv, .csv.gz or .xlsx)", type=["csv", "gz", "xlsx"], accept_multiple_files=True,
                             key=f"{sh.UPLOADER}_{st.session_state.get(sh.UPLOADER_GENERATION, 0)}")
    skip = st.checkbox("Import the valid rows, skip rejected ones", key=sh.SKIP_BAD_ROWS,
                       help="Rows that fail a check are left out and listed in the import report.")
    if st.button("Import", type="primary", disabled=not files, key="data_import"):
        run_import([(f.name, f) for f in files], skip)
with right:
    st.markdown("**No exports at hand?**")
    if st.button("Load sample company", key="data_sample", help="24 months of a fictional company's exports"):
        run_import([(p.name, p) for p in service.sample_files(sh.settings())], False)

error = st.session_state.get(sh.LAST_ERROR)
if error:
    st.error(sh.as_text(error["message"]), icon=":material/error:")
    if error.get("rejected"):
        ui.rejected_table(error["rejected"], error.get("file", "rejected"))
report = st.session_state.get(sh.LAST_REPORT) or []
if report:
    st.subheader("Import report")
    rd.import_summary(report)
for i, item in enumerate(report):
    rd.import_report(item, expanded=len(report) == 1, key=f"data_import_advice_{i}")

version = sh.data_version()
if version == "empty":
    st.info("No usage stored yet. Upload exports above or load the sample company.", icon=":material/info:")
    st.stop()

st.header("Monthly spend")
by = st.radio("Break down by", ["provider", "model", "team"], horizontal=True, key=sh.SPEND_BY)
monthly = sh.monthly_usage(by, version)
ui.spend_metrics(monthly)
charts = service.charts()
st.plotly_chart(charts.monthly_spend(monthly, by, f"Monthly spend by {by} (USD)"), key="data_spend_chart")
st.plotly_chart(charts.effective_price(monthly, by), key="data_price_chart")

st.header("Invoice reconciliation")
st.caption("Per provider and month: usage priced at list prices against the provider's cost export, the billing "
           "file (FOCUS, CUR, Azure, GCP) and a gateway's estimate, with the likely causes of each difference.")
left, right = st.columns([1, 2])
threshold = left.number_input("Flag differences above (%)", min_value=0.1, max_value=1000.0, value=10.0, step=1.0,
                              format="%.1f", key=sh.RECONCILE_THRESHOLD, help="A month is flagged when any figure "
                              "differs from usage at list price by more than this share of it.")
show_all = right.toggle("Show every provider-month, not only the flagged ones", key=sh.RECONCILE_ALL)
rd.reconciliation(sh.reconciliation(version).with_threshold(threshold / 100), threshold, show_all)

st.header("Imports")
imports = service.list_imports(sh.settings())
rd.imports_table(sh.imports_overview(version))
with st.form("data_delete_form"):
    choice = st.selectbox("Delete an import", [i.id for i in imports], key=sh.DELETE_ID,
                          format_func=lambda i: next(f"#{x.id} {x.file_name}" for x in imports if x.id == i))
    sure = st.checkbox("Yes, delete this import and exactly its rows", key="data_delete_sure")
    if st.form_submit_button("Delete import") and sure:
        try:
            removed = service.delete_import(choice, sh.settings(), actor=auth.actor())
        except HedgingError as err:  # e.g. a viewer's or approver's role does not allow it
            st.error(sh.as_text(str(err)), icon=":material/block:")
            st.stop()
        st.session_state[sh.LAST_REPORT] = None
        st.session_state.pop("data_delete_sure", None)  # the next import needs its own tick
        st.toast(f"Deleted import #{choice} ({service.fmt.count(removed)} rows).")
        st.rerun()
