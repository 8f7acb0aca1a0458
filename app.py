"""Compute-cost hedging desk: the Streamlit router. Run with `make run`."""

import streamlit as st

from screens import _shared as sh

sh.configure_app()
st.navigation(sh.router_pages()).run()
