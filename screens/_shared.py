"""Session keys and cached wrappers around hedging.service: the only place the screens cache."""

from __future__ import annotations

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens._render import as_text, show_error, spec_caption  # noqa: F401  (pages call them as sh.*)
from screens._state import (  # noqa: F401  (pages read the keys as sh.*)
    AS_OF, CHANGE_COLUMNS, DEFAULT, FC_BUDGET, FC_BY, FC_CHANGES, FC_FISCAL_START, FC_HORIZON, FC_PATHS, FC_RHO,
    FC_SEED, HG_BANDS, HG_DEFAULTS, HG_EXCLUDE, HG_LIMIT, HG_MARGIN, HG_PERCENTILE, HG_POLICY, MARKET_MODEL, RUN_KEYS,
    as_of_control, price_changes, remember, spec_from_state,
)

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
        st.Page("screens/data.py", title="Data", icon=":material/upload_file:", default=True),
        st.Page("screens/market.py", title="Market", icon=":material/candlestick_chart:"),
        st.Page("screens/forecast.py", title="Forecast", icon=":material/query_stats:"),
        st.Page("screens/hedge.py", title="Hedge program", icon=":material/shield:"),
        st.Page("screens/outcome.py", title="Before / after", icon=":material/compare_arrows:"),
        st.Page("screens/proposal.py", title="Proposal", icon=":material/description:"),
        st.Page("screens/audit.py", title="Audit trail", icon=":material/history:"),
    ]


def configure_app() -> None:
    st.set_page_config(page_title="Compute-cost hedging desk", page_icon="📉", layout="wide")


def settings():
    return service.default_settings()


def data_version() -> str:
    """Changes whenever imports are added or deleted; keys every cached usage computation."""
    return service.data_version(settings())


@st.cache_resource(show_spinner=False, max_entries=2)
def _usage_aggregate(version: str):
    """Stored usage summed in the database, read once per data version for every session (the
    frames below are computed from it and never change it)."""
    return service.usage_aggregate(settings())


@st.cache_data(show_spinner=False, max_entries=32)
def monthly_usage(by: str, version: str):
    return service.monthly_usage(settings(), by, stored=_usage_aggregate(version))


RECONCILE_THRESHOLD, RECONCILE_ALL = "data_reconcile_threshold", "data_reconcile_all"


@st.cache_data(show_spinner=False, max_entries=8)
def imports_overview(version: str):
    return service.imports_overview(settings(), stored=_usage_aggregate(version))


@st.cache_data(show_spinner="Reconciling usage at list price with the invoices…", max_entries=4)
def reconciliation(version: str):
    """Computed once per data version; a new threshold only re-flags it (``with_threshold``)."""
    return service.reconciliation(settings(), stored=_usage_aggregate(version))


# --- Market ---------------------------------------------------------------------------------
MARKET_UNDERLYING, MARKET_INDEX = "market_underlying", "market_index"
MARKET_UPLOAD, MARKET_UPLOAD_NAME, MARKET_MESSAGE = "market_upload", "market_upload_name", "market_message"


def market_version() -> str:
    return service.market_version(settings())


@st.cache_data(show_spinner="Pricing the forward curve and checking it by simulation…", max_entries=16)
def market_view(underlying: str, index_key: str, model_choice: str, as_of, version: str):
    return service.market_view(underlying, index_key, model_choice, as_of=as_of, settings=settings())


@st.cache_data(show_spinner="Fitting your price to each candidate index and simulating a hedge on it…", max_entries=8)
def _index_candidates(underlying: str, key: str, version: str, market: str, _spec):
    return service.index_candidates(underlying, _spec, settings())


def index_candidates(underlying: str):
    """The ranked candidate indices of ``underlying`` for the run the widgets describe."""
    spec = spec_from_state()
    key = repr((spec.as_of, spec.horizon, spec.seed, spec.by, spec.model))
    return _index_candidates(underlying, key, data_version(), market_version(), spec)


# --- The run: one spec from the widgets (screens/_state.py), one cached run read by every page ---
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


@st.cache_data(show_spinner="Pricing swaps, caps, collars and binaries on the paths…", max_entries=12)
def _instruments(key: str, version: str, market: str, _view, _result):
    comparison = service.instrument_comparison(_view, _result)
    quotes = service.instrument_quotes(_view, _result.policy.cap_strike)
    return comparison, quotes, service.regret_table(_view, _result)


def instruments_for(view, result):
    """The Hedge program page's instrument comparison, quotes and regret table, computed once for
    every session looking at the same program: keyed like the program (the simulation's fields, the
    policy, the data and market versions). Raises HedgingError for the page to show."""
    key = repr((view.spec.simulation_key(), result.policy))
    return _instruments(key, data_version(), market_version(), view, result)


@st.cache_resource(show_spinner=False, max_entries=96)
def _run_chart(name: str, key: str, version: str, market: str, _build):
    return _build()


def shared_chart(name: str, key: str, build):
    """A chart that ``key`` (text naming everything ``build()`` reads besides the stored data and
    market) determines, built once for every session: keyed by the chart's name, ``key`` and the
    data and market versions. Figures are shared read-only (``st.plotly_chart`` copies a figure
    before drawing it)."""
    return _run_chart(name, key, data_version(), market_version(), build)


def run_chart(run, name: str, build):
    """A chart drawn from ``run`` alone, built once for every session looking at the same run."""
    return shared_chart(name, repr(run.spec), build)


@st.cache_data(show_spinner="Running the paper's setup…", max_entries=1)
def paper_check():
    return service.paper_reproduction()


# --- Proposal -------------------------------------------------------------------------------
PR_NAME, PR_COMPANY, PR_OPEN = "proposal_name", "proposal_company", "proposal_open"
PR_COMPARE, PR_MESSAGE = "proposal_compare", "proposal_message"


PR_PDF_READY, PR_BUILD_PDF = "proposal_pdf_ready", "proposal_build_pdf"


@st.cache_resource(show_spinner=False, max_entries=8)
def proposal_pdf(fingerprint: str, signature: str | None, proposal_id: int, _progress=None) -> bytes:
    """Cached by the document's fingerprint (its content) and signature state, both printed on every
    page (with the number, which is never reused); sessions asking for the same document at once
    wait for one build, laid out in a worker process (``service.proposal_pdf``)."""
    return service.proposal_pdf(proposal_id, settings(), fingerprint=fingerprint, progress=_progress)


def pdf_download(proposal_id: int, fingerprint: str, signature: str | None = None) -> None:
    """The PDF's download button, given the finished bytes (never a file rendered on the click, which
    can be gone by then); built on "Prepare" or right after a save, each step shown as it runs, and
    a failure said in words."""
    wanted = (st.session_state.get(PR_BUILD_PDF) == proposal_id or fingerprint in st.session_state.get(PR_PDF_READY, ())
              or st.session_state.get("proposal_pdf_retry"))
    slot = st.empty()
    if not wanted and not slot.button("Prepare the PDF proposal", key="proposal_pdf_prepare", type="primary",
                                      help="Draws the charts and lays out the board document (a few seconds)."):
        return
    slot.empty()  # the download button takes its place once the PDF is built
    box = {}

    def step(fraction: float, text: str) -> None:
        if "status" not in box:
            box["status"], box["bar"] = st.status("Building the PDF proposal…", expanded=True), st.progress(0.0)
        box["status"].write(text + "…")
        box["bar"].progress(fraction, text=text)

    try:
        pdf = proposal_pdf(fingerprint, signature, proposal_id, step)
    except HedgingError as err:
        if box:
            box["status"].update(label="The PDF could not be built", state="error")
        st.error(as_text(f"The PDF of proposal #{proposal_id} could not be built: {err} The trade schedule (CSV) "
                         "still downloads."), icon=":material/error:")
        st.session_state.pop(PR_BUILD_PDF, None)
        slot.button("Prepare the PDF proposal", key="proposal_pdf_retry", help="Try again once the cause is fixed.")
        return
    if box:
        box["bar"].empty()
        box["status"].update(label=f"PDF ready ({len(pdf) / 1e6:.1f} MB)", state="complete", expanded=False)
    st.session_state[PR_PDF_READY] = {*st.session_state.get(PR_PDF_READY, ()), fingerprint}
    st.session_state[PR_BUILD_PDF] = None
    st.download_button("Download the PDF proposal", pdf, f"proposal_{proposal_id}.pdf", "application/pdf",
                       key="proposal_pdf", type="primary", on_click="ignore")
