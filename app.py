"""Compute-cost hedging desk: the Streamlit router. Run with `make run`."""

import streamlit as st

from screens import _auth as auth
from screens import _shared as sh
from screens import _workspace as workspace

sh.configure_app()
auth.signed_in_user()
workspace.choose()
sh.pin_as_of_from_address()   # ?as_of= in the address, kept when another page is opened
st.navigation(sh.router_pages()).run()
