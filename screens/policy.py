"""Hedge policy: the workspace's governance limits in force, the admins' form for a new version, and
every version with what it changed. Proposals are checked against the version in force."""

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _auth as auth
from screens import _shared as sh

MESSAGE = "policy_message"
fmt = service.fmt
st.title("Hedge policy")
st.caption("The limits every proposal is checked against, whichever sizing rule built it: authorised instruments, "
           "hedged share of forecast volume by tenor, margin and liquidity, effectiveness and materiality. Admins save "
           "new versions; a version is never changed, and the newest is in force from the moment it is saved. A "
           "proposal that breaches the adopted policy is approved only as an exception, with its reason.")

kind, text = st.session_state.pop(MESSAGE, None) or (None, None)
if kind:
    (st.success if kind == "success" else st.error)(sh.as_text(text))
try:
    current = service.policy_in_force(sh.settings())
    versions = service.policy_versions(sh.settings())
except HedgingError as err:
    st.error(sh.as_text(str(err)), icon=":material/block:")
    st.stop()
(st.info if current.adopted else st.warning)(sh.as_text(f"In force: {current.label()}."
                                                       + (f" Reason: {current.reason}" if current.reason else "")),
                                             icon=":material/policy:")
lines = service.policy_lines_table(current)
st.markdown("**Objectives**")
st.text(current.policy.objectives or "—")
st.markdown("\n".join(f"- **{sh.as_text(limit)}**: {sh.as_text(value)}"
                      for limit, value in lines.itertuples(index=False) if limit != "Objectives"))
if not current.adopted:
    st.caption("The default follows the layered bands of public airline policies (easyJet 65–85% and a Mercatus example "
               "50–75% for months 1–12, declining with tenor as the app's layered programme does), sets no margin or "
               "liquidity limit (no public policy gives one in numbers), asks that a programme does not add volatility, "
               "and authorises futures, swaps and bought caps. It guides the checks but binds approvals only once an "
               "admin saves it (unchanged or edited) as version 1.")

p = current.policy
if service.may_edit_policy(sh.settings()):
    st.subheader("Save a new version", anchor=False)
    with st.form("policy_form"):
        objectives = st.text_area("Objectives", value=p.objectives, max_chars=4000, key="policy_objectives")
        instruments = st.multiselect("Authorised instruments", list(service.POLICY_INSTRUMENTS), default=list(p.instruments),
                                     format_func=service.POLICY_INSTRUMENT_NAMES.get, key="policy_instruments")
        st.markdown("**Tenor bands**: months ahead (1 = the first month after the as-of month) and the share of each "
                    "month's forecast volume hedged, in %")
        bands = st.data_editor(pd.DataFrame([(b.first, b.last, b.low * 100, b.high * 100) for b in p.bands],
                                            columns=["first month", "last month", "minimum %", "maximum %"]),
                               num_rows="dynamic", hide_index=True, key="policy_bands", column_config={
                                   "first month": st.column_config.NumberColumn(min_value=1, max_value=36, step=1),
                                   "last month": st.column_config.NumberColumn(min_value=1, max_value=36, step=1),
                                   "minimum %": st.column_config.NumberColumn(min_value=0, max_value=100, step=5),
                                   "maximum %": st.column_config.NumberColumn(min_value=0, max_value=100, step=5)})
        a, b, c = st.columns(3)
        margin = a.text_input("Peak initial margin, at most (USD)", value=fmt.money(p.max_initial_margin)
                              if p.max_initial_margin else "", placeholder="no limit", key="policy_margin")
        liquidity = b.text_input("Liquidity use, at most (USD)", value=fmt.money(p.max_liquidity)
                                 if p.max_liquidity else "", placeholder="no limit", key="policy_liquidity",
                                 help="Peak initial margin plus the 95th-percentile variation-margin outflow.")
        notional = c.text_input("Materiality: no trade under (USD notional)", value=fmt.money(p.min_notional)
                                if p.min_notional else "", placeholder="no threshold", key="policy_notional")
        a, b = st.columns(2)
        floor = a.text_input("Variance reduction of total spend, at least (%)", key="policy_variance",
                             value="" if p.min_variance_reduction is None else f"{p.min_variance_reduction * 100:g}",
                             placeholder="no minimum")
        prospective = b.checkbox("Require the prospective test",
                                 value=p.require_prospective_test, key="policy_prospective",
                                 help="The hedge must offset 80%–125% of the extra cost when the price doubles "
                                      "within a quarter (dollar offset, measured by the full run).")
        reason = st.text_input("Why this change (recorded with the version)", key="policy_reason")
        if st.form_submit_button("Save as a new version", type="primary"):
            try:
                policy = service.policy_from_form(objectives, instruments, bands.itertuples(index=False), margin,
                                                  liquidity, floor, prospective, notional)
                saved = service.set_policy(policy, sh.settings(), actor=auth.actor(), reason=reason)
                st.session_state[MESSAGE] = ("success", f"Saved {saved.label()}; it is in force from now.")
            except HedgingError as err:
                st.session_state[MESSAGE] = ("error", str(err))
            st.rerun()
else:
    st.caption("Only an admin of the workspace can save a new version of the policy.")

st.subheader("Versions", anchor=False)
if not versions:
    st.caption("No version saved yet: the default above is shown, not adopted.")
for v, changes in versions:
    with st.expander(sh.as_text(f"v{v.version} — {v.author}, {fmt.date(v.created_at)} {v.created_at:%H:%M} UTC"
                                f"{' (in force)' if v.version == current.version else ''}"),
                     expanded=v.version == current.version):
        st.text(f"Reason: {v.reason}\nFingerprint (SHA-256): {v.fingerprint}")
        if changes:
            st.dataframe(pd.DataFrame(changes, columns=["limit", "before", "after"]), hide_index=True,
                         key=f"policy_diff_{v.version}")
        else:
            st.caption("Adopted the default policy unchanged.")
