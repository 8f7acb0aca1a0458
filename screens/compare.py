"""Compare: up to four saved proposals or unsaved variants side by side (inputs, results, distributions)."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _shared as sh

sh.remember()
sh.as_of_control()

st.title("Compare scenarios")
st.caption(f"Up to {service.MAX_COMPARED} scenarios side by side: saved proposals as they were frozen, and variants "
           "of the settings on the other pages, kept for this session until you remove them. Differences are "
           "against the first scenario; rows where the scenarios differ are shaded.")

variants = st.session_state.setdefault(sh.CMP_VARIANTS, [])
if st.button("Add the current settings as a variant", key="compare_add", type="primary",
            disabled=len(variants) >= service.MAX_COMPARED,
            help="Policy, ratios, budget and every other setting as they stand now on the other pages."):
    spec = sh.spec_from_state()
    if spec.to_dict() not in variants:
        variants.append(spec.to_dict())
proposals = [p for p in service.list_proposals(sh.settings()) if p["signature"]]   # only those that open
names = {p["id"]: f"#{p['id']} {p['name']} ({service.fmt.date(p['created_at'])})" for p in proposals}
if st.session_state.get(sh.CMP_PROPOSALS):
    st.session_state[sh.CMP_PROPOSALS] = [i for i in st.session_state[sh.CMP_PROPOSALS] if i in names]
chosen = st.multiselect("Saved proposals", list(names), format_func=names.get, key=sh.CMP_PROPOSALS,
                       max_selections=max(service.MAX_COMPARED - len(variants), 1),
                       placeholder="choose proposals" if names else "no proposal saved yet")

docs, legend = [], []
try:
    for pid in chosen[:service.MAX_COMPARED - len(variants)]:
        doc = service.load_proposal(pid, sh.settings())
        docs.append((f"#{pid}", doc))
        legend.append(f"#{pid}: {doc['name']} ({doc['company']}), saved {service.fmt.date(doc['created_at'][:10])}")
    for i, saved in enumerate(variants, start=1):
        run = sh.current_run(service.RunSpec.from_dict(saved))
        docs.append((f"Variant {i}", service.variant_document(run, f"Variant {i}")))
        legend.append(service.variant_label(run, i) + " (not saved)")
except HedgingError as err:
    sh.show_error(err)
    st.stop()

first_variant = len(docs) - len(variants)
for i, line in enumerate(legend):
    c = st.columns([4, 1], vertical_alignment="center")   # "Remove" whole at 1024 px
    c[0].text(line)
    if i >= first_variant and c[1].button("Remove", key=f"compare_remove_{i - first_variant}"):
        variants.pop(i - first_variant)
        st.rerun()
if len(docs) < 2:
    st.info("Choose at least two scenarios: saved proposals above, or variants added from the current settings "
            "(change a setting on the Hedge program or Forecast page, come back, add it again).", icon=":material/info:")
    st.stop()

table = service.compare_documents(docs)
shown = table.drop(columns=["same", "section"])


def _shade(row):
    return ["" if table.loc[row.name, "same"] else "background-color: #fff4d6"] * len(row)


st.subheader("Inputs")
# a static table that wraps its cells, so the inputs fit the page at 1024 px; no difference columns (the
# values sit side by side and rows that differ are shaded); cells and headers are shown as text
inputs = shown[table["section"] == "inputs"]
inputs = inputs[[""] + [label for label, _ in docs]]
st.table(inputs.map(sh.as_text).rename(columns=sh.as_text).style.apply(_shade, axis=1), hide_index=True,
         border="horizontal")
st.subheader("Results")
# scenarios side by side, then their differences against the first in a table of their own: two
# static tables that wrap fit the page at 1024 px, where one wide grid had to scroll sideways
part = shown[table["section"] == "results"]
differences = [c for c in part.columns if c.endswith(f" − {docs[0][0]}")]
st.table(part[[""] + [label for label, _ in docs]].map(sh.as_text).rename(columns=sh.as_text)
         .style.apply(_shade, axis=1), hide_index=True, border="horizontal")
changed = part[(part[differences] != "").any(axis=1)] if differences else part.iloc[0:0]
if len(changed):
    st.markdown(f"**Differences against {sh.as_text(docs[0][0])}**")
    st.table(changed[[""] + differences].map(sh.as_text).rename(columns=sh.as_text), hide_index=True,
             border="horizontal")
st.plotly_chart(service.scenario_figure(docs), key="compare_distributions")
st.caption("Each scenario's total spend over its horizon on a sample of 3,000 of its simulated paths (the sample a "
           "saved proposal keeps): dotted without the hedge, solid with it. Further left and narrower is cheaper "
           "and steadier.")
