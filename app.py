"""Compute-cost hedging desk: the Streamlit router. Run with `make run`."""

import streamlit as st

from screens import _auth as auth
from screens import _shared as sh
from screens import _workspace as workspace

sh.configure_app()
auth.signed_in_user()
workspace.choose()
st.navigation(sh.router_pages()).run()
