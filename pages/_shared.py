"""Session keys and cached wrappers around hedging.service: the only place pages cache."""

from __future__ import annotations

import streamlit as st

from hedging import service

UPLOADER = "data_uploader"
SKIP_BAD_ROWS = "data_skip_bad_rows"
LAST_REPORT = "data_last_report"
LAST_ERROR = "data_last_error"
SPEND_BY = "data_spend_by"
DELETE_ID = "data_delete_id"
UPLOADER_GENERATION = "data_uploader_generation"


def router_pages() -> list:
    """The app's screens, in menu order (app.py's navigation)."""
    return [
        st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True),
        st.Page("pages/market.py", title="Market", icon=":material/candlestick_chart:"),
        st.Page("pages/forecast.py", title="Forecast", icon=":material/query_stats:"),
    ]


def configure_app() -> None:
    st.set_page_config(page_title="Compute-cost hedging desk", page_icon="📉", layout="wide")


def through_router() -> None:
    """Make sure this page runs inside the app's navigation.

    On a freshly started server, Streamlit serves the first request for a page URL (say a
    bookmarked /market) straight from the pages/ folder, without app.py: no page config, and a
    file list (this module included) as the menu. Streamlit stops doing that once st.navigation
    has run, so run the real navigation here, in the same script run, and stop.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the file-based pages feature: nothing to do
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        configure_app()
        st.navigation(router_pages()).run()
        st.stop()


def settings():
    return service.default_settings()


def data_version() -> str:
    """Changes whenever imports are added or deleted; keys every cached usage computation."""
    return service.data_version(settings())


@st.cache_data(show_spinner=False, max_entries=32)
def monthly_usage(by: str, version: str):
    return service.monthly_usage(settings(), by)


# --- Market ---------------------------------------------------------------------------------
MARKET_UNDERLYING = "market_underlying"
MARKET_INDEX = "market_index"
MARKET_MODEL = "market_model"
MARKET_UPLOAD = "market_upload"
MARKET_UPLOAD_NAME = "market_upload_name"
MARKET_MESSAGE = "market_message"


def market_version() -> str:
    return service.market_version(settings())


@st.cache_data(show_spinner="Pricing the forward curve and checking it by simulation…", max_entries=16)
def market_view(underlying: str, index_key: str, model_choice: str, version: str):
    return service.market_view(underlying, index_key, model_choice, settings=settings())


# --- Forecast -------------------------------------------------------------------------------
FC_HORIZON = "forecast_horizon"
FC_PATHS = "forecast_paths"
FC_SEED = "forecast_seed"
FC_RHO = "forecast_rho"
FC_BY = "forecast_by"
FC_BUDGET = "forecast_budget"
FC_STEP_MONTH = "forecast_step_month_"
FC_STEP_PCT = "forecast_step_pct_"


@st.cache_data(show_spinner="Simulating volume, prices and spend…", max_entries=16)
def forecast_view(horizon: int, n_paths: int, seed: int, rho: float, by: str, steps: tuple, version: str,
                  market: str):
    return service.forecast_view(horizon, n_paths, seed, rho, by, dict(steps), settings=settings())
