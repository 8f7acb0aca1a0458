"""Session keys and cached wrappers around hedging.service: the only place pages cache."""

from __future__ import annotations

import re

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
def market_view(underlying: str, index_key: str, model_choice: str, as_of, version: str):
    return service.market_view(underlying, index_key, model_choice, as_of=as_of, settings=settings())


# --- The run: one spec from the widgets, one cached run read by every analysis page ---------
DEFAULT = service.RunSpec()   # the only home of defaults; widgets start from it
AS_OF = "run_as_of"
FC_HORIZON, FC_PATHS, FC_SEED, FC_RHO = "forecast_horizon", "forecast_paths", "forecast_seed", "forecast_rho"
FC_BY, FC_BUDGET, FC_FISCAL_START, FC_CHANGES = "forecast_by", "forecast_budget", "forecast_fiscal_start", "forecast_changes"
HG_POLICY, HG_PERCENTILE, HG_LIMIT = "hedge_policy", "hedge_volume_percentile", "hedge_position_limit"
HG_MARGIN, HG_EXCLUDE = "hedge_margin_budget", "hedge_exclude"
HG_BANDS = ("hedge_band_1_3", "hedge_band_4_6", "hedge_band_7_12")
CHANGE_COLUMNS = ("underlying", "provider", "from month", "change %")
HG_DEFAULTS = {
    FC_HORIZON: DEFAULT.horizon, FC_PATHS: DEFAULT.n_paths, FC_SEED: DEFAULT.seed, FC_RHO: DEFAULT.rho,
    FC_BY: DEFAULT.by, FC_BUDGET: DEFAULT.budget_annual, FC_FISCAL_START: DEFAULT.fiscal_start,
    HG_POLICY: DEFAULT.policy.name, HG_PERCENTILE: int(DEFAULT.policy.volume_percentile),
    HG_LIMIT: DEFAULT.policy.position_limit, HG_MARGIN: 0.0, HG_EXCLUDE: [],
    **{k: int(round(r * 100)) for k, (_, r) in zip(HG_BANDS, DEFAULT.policy.bands)},
    **{f"{MARKET_MODEL}_{u}": DEFAULT.model_choice(u) for u in service.UNDERLYINGS},
}
RUN_KEYS = tuple(HG_DEFAULTS) + (AS_OF,)


def remember(*keys: str) -> None:
    """Keep widget values when the user moves between pages (Streamlit drops unrendered widget state)."""
    for key in keys or RUN_KEYS:
        if key == AS_OF:
            st.session_state.setdefault(AS_OF, _as_of_from_url() or service.today_utc())
        else:
            st.session_state.setdefault(key, HG_DEFAULTS.get(key))
        st.session_state[key] = st.session_state[key]


def _as_of_from_url():
    """``?as_of=YYYY-MM-DD`` in the address pins the as-of date (bookmarks, demos, browser tests)."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(st.query_params.get("as_of", ""))
    except ValueError:
        return None


def as_of_control() -> None:
    """The as-of date, in the sidebar of every analysis page."""
    st.sidebar.date_input("As of", key=AS_OF, format="YYYY-MM-DD",
                          help="The day the analysis stands on: contracts are listed and priced on it, the hedge "
                               "covers the months after it. Today (UTC) by default.")


def price_changes() -> tuple:
    rows = st.session_state.get(FC_CHANGES + "_rows") or []
    return tuple(service.PriceChange(r["underlying"], r["from month"], float(r["change %"]), r.get("provider") or "")
                 for r in rows if r.get("underlying") and r.get("from month") and r.get("change %") not in (None, ""))


def spec_from_state():
    """The RunSpec the widgets describe (defaults for anything not set yet)."""
    g = st.session_state.get
    bands = tuple((last, g(k, HG_DEFAULTS[k]) / 100) for (last, _), k in zip(DEFAULT.policy.bands, HG_BANDS))
    policy = service.Policy(name=g(HG_POLICY, DEFAULT.policy.name), volume_percentile=float(g(HG_PERCENTILE, 25)),
                            position_limit=int(g(HG_LIMIT, DEFAULT.policy.position_limit)),
                            margin_budget=float(g(HG_MARGIN) or 0) or None, excluded=tuple(g(HG_EXCLUDE, ())),
                            bands=bands)
    models = tuple((u, g(f"{MARKET_MODEL}_{u}", "auto")) for u in service.UNDERLYINGS)
    budget = g(FC_BUDGET)
    return service.RunSpec(as_of=g(AS_OF) or service.today_utc(), horizon=int(g(FC_HORIZON, DEFAULT.horizon)),
                           fiscal_start=int(g(FC_FISCAL_START, DEFAULT.fiscal_start)),
                           budget_annual=float(budget) if budget else None, n_paths=int(g(FC_PATHS, DEFAULT.n_paths)),
                           seed=int(g(FC_SEED, DEFAULT.seed)), rho=float(g(FC_RHO, DEFAULT.rho)),
                           by=g(FC_BY, DEFAULT.by), price_changes=price_changes(), model=models, policy=policy)


@st.cache_resource(show_spinner="Simulating volume, prices and spend on every path…", max_entries=6)
def _forecast(key: str, version: str, market: str, _spec):
    return service.forecast(_spec, settings())


@st.cache_resource(show_spinner="Building the hedge program and stressing it…", max_entries=12)
def _program(key: str, version: str, market: str, _spec, _view):
    return service.build_program_stage(_view, _spec)


@st.cache_resource(show_spinner=False, max_entries=32)
def _run(key: str, version: str, market: str, _spec, _view, _program):
    return service.finish_run(_spec, _view, _program)


def forecast_for(spec):
    """The cached forecast of ``spec`` (keyed by the fields that need a new simulation and the data)."""
    return _forecast(repr(spec.simulation_key()), data_version(), market_version(), spec)


def current_run(spec=None):
    """The run every analysis page reads: cached in three stages so that a policy change reuses the
    simulation and a budget change reuses the program. Raises HedgingError for the page to show."""
    spec = spec or spec_from_state()
    version, market = data_version(), market_version()
    view = forecast_for(spec)
    program = _program(repr((spec.simulation_key(), spec.policy)), version, market, spec, view)
    return _run(repr(spec), version, market, spec, view, program)


def show_error(err) -> None:
    """A run that cannot be shown: an error when a check refused it, a note when data is missing."""
    if isinstance(err, service.SanityError):
        st.error(str(err), icon=":material/error:")
    else:
        st.info(str(err), icon=":material/info:")


def as_text(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it literally (no emphasis, links, HTML or
    LaTeX from anything a user typed)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:])", r"\\\1", str(text))


def spec_caption(run) -> None:
    """One line at the top of an analysis page: the spec it is looking at (shown as text)."""
    st.caption(as_text(run.spec_line()))


@st.cache_data(show_spinner="Running the paper's setup…", max_entries=1)
def paper_check():
    return service.paper_reproduction()


# --- Proposal -------------------------------------------------------------------------------
PR_NAME, PR_COMPANY, PR_OPEN = "proposal_name", "proposal_company", "proposal_open"
PR_COMPARE, PR_MESSAGE = "proposal_compare", "proposal_message"


@st.cache_data(show_spinner="Rendering the PDF (charts through Chromium)…", max_entries=8)
def proposal_pdf(fingerprint: str, _proposal_id: int) -> bytes:
    """Cached by the document's fingerprint (its content), never by its id."""
    return service.proposal_pdf(_proposal_id, settings(), fingerprint=fingerprint)
