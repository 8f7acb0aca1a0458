"""Sign-in. Local mode (no ``[auth]`` section in .streamlit/secrets.toml, the default of `make run`):
one user, no sign-in. Deployment mode (an ``[auth]`` section): single sign-on through OpenID
Connect with Streamlit's st.login; nothing of the app runs until the visitor has signed in."""

from __future__ import annotations

import streamlit as st

from hedging import service


def deployment_mode() -> bool:
    """True when .streamlit/secrets.toml configures a sign-in provider (st.user then reports
    whether the visitor is signed in; without one it carries no sign-in state at all)."""
    return "is_logged_in" in st.user


def signed_in_user() -> str | None:
    """The signed-in user's e-mail (or name, or subject) in deployment mode, None in local mode.
    A visitor who has not signed in sees the sign-in screen and nothing else."""
    if not deployment_mode():
        return None
    if not st.user.is_logged_in:
        st.title("Compute-cost hedging desk")
        st.write("Sign in with your organisation's account to see your company's data and proposals.")
        st.button("Sign in", type="primary", on_click=st.login, key="auth_sign_in")
        st.stop()
    who = _who()
    with st.sidebar:
        st.text(f"Signed in as {who}")  # literal text: no Markdown, no e-mail autolink
        st.button("Sign out", on_click=st.logout, key="auth_sign_out")
    return who


def _who() -> str:
    return str(st.user.get("email") or st.user.get("name") or st.user.get("sub") or "signed-in user")


def user() -> str | None:
    """Whom the service layer checks: the signed-in user in deployment mode, ``None`` (the local
    user) in local mode."""
    if not deployment_mode():
        return None
    return _who() if st.user.is_logged_in else "not signed in"


def actor() -> str:
    """Who the audit trail names for this session's actions: the signed-in user in deployment
    mode, "local user" in local mode. Draws nothing (app.py has already asked for a sign-in)."""
    if not deployment_mode():
        return service.LOCAL_USER
    return _who() if st.user.is_logged_in else "not signed in"
