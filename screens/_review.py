"""The Proposal page's approval section: where the open proposal stands, its steps, and the submit,
approve and reject actions (the service checks the role and four eyes; a refusal is shown as text)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _auth as auth
from screens._render import as_text

COMMENT, MESSAGE, EXCEPTION = "review_comment", "review_message", "review_exception"


def _act(func, proposal_id: int, settings, done: str) -> None:
    try:
        extra = {"exception": st.session_state.get(EXCEPTION, "")} if func is service.approve_proposal else {}
        func(proposal_id, settings, actor=auth.actor(), comment=st.session_state.get(COMMENT, ""), **extra)
        st.session_state[MESSAGE] = ("success", done)
        st.session_state[COMMENT] = ""
        st.session_state[EXCEPTION] = ""
    except HedgingError as err:
        st.session_state[MESSAGE] = ("error", str(err))


def section(proposal_id: int, settings) -> None:
    st.subheader("Approval", anchor=False)
    try:
        state = service.proposal_lifecycle(proposal_id, settings)
    except HedgingError as err:
        st.error(as_text(str(err)), icon=":material/error:")
        return
    kind, text = st.session_state.pop(MESSAGE, None) or (None, None)
    if kind == "success":
        st.success(as_text(text), icon=":material/check_circle:")
    elif kind:
        st.error(as_text(text), icon=":material/block:")
    status = service.STATUS_MEANING[state.status]
    if state.frozen:
        st.success(as_text(f"Status: {status}. Approved by {state.decided_by} on "
                           f"{service.fmt.date(state.decided_at)} {state.decided_at:%H:%M} UTC"
                           + ("" if state.approval_verified else " — the approval's signature does NOT verify")
                           + "."), icon=":material/verified:")
    else:
        st.warning(as_text(f"Status: {status}. {service.DRAFT_MARK}: its PDF is marked so on every page."),
                   icon=":material/pending:")
    if state.steps:
        steps = pd.DataFrame([(s, who, f"{service.fmt.date(when)} {when:%H:%M} UTC", comment)
                              for s, who, when, comment in state.steps],
                             columns=["step", "by", "when", "comment"])
        st.dataframe(steps, hide_index=True, key="review_steps")
    if not auth.deployment_mode() and state.status in ("draft", "submitted"):
        st.info("Approval needs a second person: nobody approves a proposal they prepared or submitted (four eyes). "
                "Local mode has one user, so here a proposal can be submitted but not approved; approvals happen in "
                "deployment mode, where people sign in and an approver of the workspace reviews it.",
                icon=":material/group:")
    if state.status == "draft":
        st.button("Submit for approval", key="review_submit", type="primary",
                  on_click=_act, args=(service.submit_proposal, proposal_id, settings, "Submitted for approval."))
    elif state.status == "submitted":
        # one form: the comment and the reason reach the server with the click that decides, never
        # a moment after it (text areas outside a form are sent when they lose focus, a rerun of
        # their own that a quick click on a busy server could overtake)
        with st.form("review_decision", border=False, enter_to_submit=False):
            st.text_area("Comment (required to reject)", key=COMMENT, max_chars=2000)
            st.text_area("Policy exception reason (only when the check above shows a breach)",
                         key=EXCEPTION, max_chars=2000,
                         help="A proposal that breaches the adopted hedge policy is approved only with a reason; the "
                              "reason, the policy version and the breached limits are signed with the approval and "
                              "recorded in the audit trail.")
            a, b = st.columns(2)
            a.form_submit_button("Approve", key="review_approve", type="primary",
                                 on_click=_act,
                                 args=(service.approve_proposal, proposal_id, settings, "Approved: frozen and signed."))
            b.form_submit_button("Reject", key="review_reject",
                                 on_click=_act, args=(service.reject_proposal, proposal_id, settings, "Rejected."))
