"""Compute-cost hedging desk: the Streamlit router. Run with `make run`."""

import streamlit as st

st.set_page_config(page_title="Compute-cost hedging desk", page_icon="📉", layout="wide")

pages = [
    st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True),
]
st.navigation(pages).run()
