"""Workspace: who is a member with which role; admins add members, change roles and remove them."""

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _auth as auth
from screens import _render as base
from screens import _shared as sh

MESSAGE = "workspace_message"
st.title("Workspace")
st.caption("A workspace is one company or business unit: its imports, indices, proposals and audit trail are seen "
           "only by its members. Roles: " + "; ".join(f"{r}: {h}" for r, h in service.ROLE_HELP.items()) + ".")


def act(func, *args, done: str) -> None:
    try:
        func(*args, sh.settings(), actor=auth.actor())
        st.session_state[MESSAGE] = ("success", done)
    except HedgingError as err:
        st.session_state[MESSAGE] = ("error", str(err))


kind, text = st.session_state.pop(MESSAGE, None) or (None, None)
if kind:
    (st.success if kind == "success" else st.error)(sh.as_text(text))
try:
    members = service.workspace_members(sh.settings())
except HedgingError as err:
    st.error(sh.as_text(str(err)), icon=":material/block:")
    st.stop()
base.table(members, "workspace_members", column_config={"may": st.column_config.TextColumn(width="large")})

st.subheader("Add a member or change a role", anchor=False)
st.caption("Admins only. The user is the e-mail address they sign in with.")
with st.form("workspace_member"):
    a, b = st.columns([3, 1])
    user = a.text_input("User (e-mail)", key="workspace_member_user")
    role = b.selectbox("Role", list(service.ROLES), key="workspace_member_role")
    if st.form_submit_button("Save the member", type="primary"):
        act(service.set_member, user, role, done=f"{user} is now {role}.")
        st.rerun()
with st.form("workspace_remove"):
    who = st.selectbox("Remove a member", list(members["user"]), key="workspace_remove_user")
    if st.form_submit_button("Remove") and who:
        act(service.remove_member, who, done=f"Removed {who}.")
        st.rerun()

if auth.deployment_mode():
    with st.expander("Create another workspace"):
        with st.form("workspace_create"):
            slug = st.text_input("Short name (letters, digits, hyphens)", key="workspace_new_slug")
            name = st.text_input("Full name", key="workspace_new_name")
            if st.form_submit_button("Create; I become its admin"):
                act(service.create_workspace, slug, name, done=f"Created workspace {slug}; choose it in the sidebar.")
                st.rerun()
