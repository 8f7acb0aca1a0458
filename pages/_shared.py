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
        st.Page("pages/hedge.py", title="Hedge program", icon=":material/shield:"),
        st.Page("pages/outcome.py", title="Before / after", icon=":material/compare_arrows:"),
        st.Page("pages/proposal.py", title="Proposal", icon=":material/description:"),
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
MARKET_UNDERLYING, MARKET_INDEX, MARKET_MODEL = "market_underlying", "market_index", "market_model"
MARKET_UPLOAD, MARKET_UPLOAD_NAME, MARKET_MESSAGE = "market_upload", "market_upload_name", "market_message"


def market_version() -> str:
    return service.market_version(settings())


@st.cache_data(show_spinner="Pricing the forward curve and checking it by simulation…", max_entries=16)
def market_view(underlying: str, index_key: str, model_choice: str, version: str):
    return service.market_view(underlying, index_key, model_choice, settings=settings())


# --- Forecast -------------------------------------------------------------------------------
FC_HORIZON, FC_PATHS, FC_SEED, FC_RHO = "forecast_horizon", "forecast_paths", "forecast_seed", "forecast_rho"
FC_BY, FC_BUDGET = "forecast_by", "forecast_budget"
FC_STEP_MONTH, FC_STEP_PCT = "forecast_step_month_", "forecast_step_pct_"


@st.cache_data(show_spinner="Simulating volume, prices and spend…", max_entries=16)
def forecast_view(horizon: int, n_paths: int, seed: int, rho: float, by: str, steps: tuple, version: str,
                  market: str):
    return service.forecast_view(horizon, n_paths, seed, rho, by, dict(steps), settings=settings())


# --- Hedge program and Before / after -------------------------------------------------------
HG_POLICY, HG_PERCENTILE, HG_LIMIT = "hedge_policy", "hedge_volume_percentile", "hedge_position_limit"
HG_MARGIN, HG_EXCLUDE = "hedge_margin_budget", "hedge_exclude"
HG_BANDS = ("hedge_band_1_3", "hedge_band_4_6", "hedge_band_7_12")
HG_DEFAULTS = {HG_POLICY: "min_variance", HG_PERCENTILE: 25, HG_LIMIT: 1_000_000, HG_MARGIN: 0.0, HG_EXCLUDE: [],
               HG_BANDS[0]: 75, HG_BANDS[1]: 50, HG_BANDS[2]: 25}


def remember(*keys: str) -> None:
    """Keep widget values when the user moves between pages (Streamlit drops unrendered widget state)."""
    for key in keys:
        st.session_state.setdefault(key, HG_DEFAULTS.get(key))
        st.session_state[key] = st.session_state[key]


def policy_from_state():
    s = {k: st.session_state.get(k, v) for k, v in HG_DEFAULTS.items()}
    bands = ((3, s[HG_BANDS[0]] / 100), (6, s[HG_BANDS[1]] / 100), (12, s[HG_BANDS[2]] / 100))
    return service.Policy(name=s[HG_POLICY], volume_percentile=float(s[HG_PERCENTILE]),
                          position_limit=int(s[HG_LIMIT]), margin_budget=float(s[HG_MARGIN]) or None,
                          excluded=tuple(s[HG_EXCLUDE]), bands=bands)


def forecast_settings() -> tuple:
    """The Forecast page's horizon, paths, seed, correlation and budget (defaults if not visited)."""
    g = st.session_state.get
    return (g(FC_HORIZON, 12), g(FC_PATHS, 10_000), int(g(FC_SEED, 7)), g(FC_RHO, 0.3), g(FC_BUDGET))


@st.cache_data(show_spinner="Building the hedge program and evaluating it on every path…", max_entries=8)
def hedge_view(horizon, n_paths, seed, rho, policy, budget, version: str, market: str):
    return service.hedge_view(horizon, n_paths, seed, rho, policy, budget, settings=settings())


@st.cache_data(show_spinner="Running the paper's setup…", max_entries=1)
def paper_check():
    return service.paper_reproduction()


# --- Proposal -------------------------------------------------------------------------------
PR_NAME, PR_COMPANY, PR_OPEN = "proposal_name", "proposal_company", "proposal_open"
PR_COMPARE, PR_MESSAGE = "proposal_compare", "proposal_message"


@st.cache_data(show_spinner="Rendering the PDF (charts through Chromium)…", max_entries=8)
def proposal_pdf(proposal_id: int) -> bytes:
    return service.proposal_pdf(proposal_id, settings())
