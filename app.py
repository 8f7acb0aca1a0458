"""Compute-cost hedging desk: the Streamlit router. Run with `make run`."""

import streamlit as st

from screens import _auth as auth
from screens import _shared as sh

sh.configure_app()
auth.signed_in_user()
st.navigation(sh.router_pages()).run()
