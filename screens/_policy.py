"""The hedge policy check as the Hedge program and Proposal pages show it: one sentence naming the
version, and one row per limit (policy value, proposal value, pass / breach / n/a, explanation).
Everything is shown as text; the checks come from the service."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from screens._render import as_text

MARK = {"pass": "✓ pass", "breach": "✗ breach", "n/a": "n/a"}


def checks_table(rows: list[dict], key: str) -> None:
    """One row per limit; below it, in full, what each breached or unmeasured limit found."""
    frame = pd.DataFrame(rows, columns=["limit", "policy", "proposal", "result", "explanation"])
    frame["result"] = frame["result"].map(lambda r: MARK.get(r, r))
    # a static table that wraps its cells, so the policy's wording fits the page at 1024 px; the verdict
    # and the proposal's figure sit next to the limit. ``key`` names the block for the page's tests.
    shown = frame[["limit", "result", "proposal", "policy"]].fillna("—").astype(str).map(as_text)
    with st.container(key=key):
        st.table(shown, hide_index=True, border="horizontal")
    notes = [f"{MARK.get(r['result'], r['result'])} — {r['explanation']}" for r in rows
             if r["result"] == "breach" or (r["result"] == "n/a" and "not measured" in r["explanation"])]
    if notes:
        st.markdown("\n".join(f"- {as_text(n)}" for n in notes))


def summary(report: dict, adopted: bool) -> None:
    """The one-line verdict, coloured by whether anything is breached."""
    breaches = [c for c in report["checks"] if c["result"] == "breach"]
    text = report["sentence"]
    if not adopted:
        text += (" No admin has adopted a policy yet, so the default guides and is not enforced at approval; the "
                 "Hedge policy page adopts one.")
    if breaches:
        st.warning(as_text(text), icon=":material/policy:")
    else:
        st.success(as_text(text), icon=":material/policy:")


def block(report, key: str, title: str = "Check against the hedge policy") -> None:
    """A report (``service.policy_check_run``) inside an expander, open when something is breached."""
    data = report.to_dict()
    with st.expander(title, expanded=bool(report.breaches), icon=":material/policy:"):
        summary(data, report.version.adopted)
        checks_table(data["checks"], key)


def saved_block(saved: dict, key: str) -> None:
    """A saved proposal checked against the version in force now (``load_proposal`` adds the check),
    and the policy exception its approval was given with, if any."""
    report = saved.get("policy_check")
    if not report:
        return
    st.subheader("Hedge policy check", anchor=False)
    summary(report, bool(report.get("version")))
    checks_table(report["checks"], key)
    exception = (saved.get("approval") or {}).get("exception")
    if exception:
        st.warning(as_text(f"Approved as an exception to hedge policy {exception['policy_version']} by "
                           f"{exception['approver']} on {exception['at']}. Reason: {exception['reason'].rstrip('.')}. Breached: "
                           + "; ".join(exception["breaches"]) + "."), icon=":material/gpp_maybe:")
