"""The workspace this session acts in: chosen in the sidebar among the user's workspaces (or named by
``?workspace=<short name>`` in the address). Every service call checks it again, so neither the
picker nor the address can open a workspace the user is not a member of."""

from __future__ import annotations

import streamlit as st

from hedging import service
from screens import _auth as auth
from screens._render import as_text

WORKSPACE = "workspace_slug"


def current() -> str | None:
    """The chosen workspace's short name (``None`` before :func:`choose` ran: the default)."""
    return st.session_state.get(WORKSPACE)


def choose() -> dict:
    """Pick the workspace for this session; stops the page with a plain message when the user is a
    member of none, or when the address names one they are not a member of."""
    settings = service.default_settings().acting(auth.user())
    mine = service.my_workspaces(settings)
    by_slug = {w["slug"]: w for w in mine}
    wanted = st.query_params.get("workspace")
    if wanted and wanted not in by_slug:
        st.error(as_text(f"{auth.actor()} is not a member of workspace {wanted!r}, so nothing of it is shown. Fix: "
                         "choose one of your workspaces, or ask that workspace's admin to add you."),
                 icon=":material/block:")
        st.stop()
    if not mine:
        st.title("No workspace yet")
        st.write(as_text(f"{auth.actor()} is not a member of any workspace. Ask the admin of your company's "
                         "workspace to add you (Workspace page), then reload this page."))
        st.stop()
    if wanted:
        st.session_state[WORKSPACE] = wanted
    if st.session_state.get(WORKSPACE) not in by_slug:
        st.session_state[WORKSPACE] = mine[0]["slug"]
    st.session_state[WORKSPACE] = st.session_state[WORKSPACE]  # kept when pages change
    with st.sidebar:
        if len(mine) > 1:
            st.selectbox("Workspace", list(by_slug), key=WORKSPACE,
                         format_func=lambda s: f"{by_slug[s]['name']} ({by_slug[s]['role']})")
        else:
            st.text(f"Workspace: {mine[0]['name']} ({mine[0]['role']})")
    return by_slug[st.session_state[WORKSPACE]]
