"""Session keys and cached wrappers around hedging.service: the only place the screens cache."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens import _auth as auth
from screens import _workspace
from screens._render import as_text, show_error, spec_caption  # noqa: F401  (pages call them as sh.*)
from screens._state import (  # noqa: F401  (pages read the keys as sh.*)
    AS_OF, CHANGE_COLUMNS, DEFAULT, FC_BUDGET, FC_BY, FC_CHANGES, FC_FISCAL_START, FC_HORIZON, FC_PATHS, FC_RHO,
    FC_SEED, HG_BANDS, HG_DEFAULTS, HG_EXCLUDE, HG_LIMIT, HG_MARGIN, HG_PERCENTILE, HG_POLICY, MARKET_MODEL, RUN_KEYS,
    as_of_control, pin_as_of_from_address, price_changes, remember, spec_from_state,
)
from screens._state import HG_MIN_NOTIONAL  # noqa: F401  (the materiality threshold's key)
from screens._state import CHANGE_ROWS  # noqa: F401  (the announced price changes as entered)

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
        st.Page("screens/compare.py", title="Compare", icon=":material/view_column:"),
        st.Page("screens/sensitivity.py", title="Sensitivity", icon=":material/tune:"),
        st.Page("screens/audit.py", title="Audit trail", icon=":material/history:"),
        st.Page("screens/workspace.py", title="Workspace", icon=":material/group:"),
        st.Page("screens/policy.py", title="Hedge policy", icon=":material/policy:"),
    ]


def configure_app() -> None:
    st.set_page_config(page_title="Compute-cost hedging desk", page_icon="📉", layout="wide")


def settings():
    """The settings every service call of this session gets: they name the acting user (the
    signed-in one; the local user in local mode) and the workspace, which the service checks."""
    return service.default_settings().acting(auth.user(), _workspace.current())


#: The data and market versions read once for a block of a page that writes nothing (versions_read_once).
_PINNED: ContextVar[tuple[str, str] | None] = ContextVar("pinned_versions", default=None)


@contextmanager
def versions_read_once():
    """Within the block, :func:`data_version` and :func:`market_version` are read from the database
    once instead of at every cached call (a dozen queries on the Hedge program page). Only for blocks
    that store nothing: the versions are those of the block's start. Each session's script runs in
    its own thread, so the pinned values are that run's alone."""
    try:
        versions = data_version(), market_version()
    except HedgingError:   # not pinned: the block's own call raises it again where the page shows errors
        yield
        return
    token = _PINNED.set(versions)
    try:
        yield
    finally:
        _PINNED.reset(token)


def data_version() -> str:
    """Changes whenever imports are added or deleted; keys every cached usage computation, and
    starts with the workspace, so no cached result is ever served to another workspace ("empty"
    stays as it is: the pages test for it, and nothing stored means nothing to share)."""
    if (pinned := _PINNED.get()) is not None:
        return pinned[0]
    version = service.data_version(settings())
    return version if version == "empty" else f"{_workspace.current()}|{version}"


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
    if (pinned := _PINNED.get()) is not None:
        return pinned[1]
    return f"{_workspace.current()}|{service.market_version(settings())}"


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


def _hedge(spec, view, stored: str):
    """The program of ``spec`` on the cached simulation, kept by the service by the content of its
    inputs (shared by every session; the other policies and the next slider notches are computed
    ahead there while the page is read: ``compute_ahead``). ``stored``: the data and market versions."""
    if service.is_kept(spec, stored):
        return service.kept_hedge_result(view, spec, stored)
    with st.spinner("Rebuilding the hedge on the simulated paths…"):
        return service.kept_hedge_result(view, spec, stored)


@st.cache_resource(show_spinner="Stressing the hedge program and measuring its margin needs…", max_entries=12)
def _program(key: str, version: str, market: str, _spec, _view):
    return service.build_program_stage(_view, _spec, service.kept_hedge_result(_view, _spec, f"{version}|{market}"))


@st.cache_resource(show_spinner=False, max_entries=32)
def _run(key: str, version: str, market: str, _spec, _view, _program):
    return service.finish_run(_spec, _view, _program)


def forecast_for(spec):
    """The cached forecast of ``spec`` (keyed by the fields that need a new simulation and the data)."""
    return _forecast(repr(spec.simulation_key()), data_version(), market_version(), spec)


def current_hedge(spec=None):
    """The hedge alone on the cached simulation (the Hedge program page): a change of policy, ratios,
    limits or margin budget rebuilds only the program, not its stress, margin paths or backtest,
    which the other pages add from the same cached program. Raises HedgingError for the page to show."""
    spec = spec or spec_from_state()
    version, market = data_version(), market_version()
    view = forecast_for(spec)
    result = _hedge(spec, view, f"{version}|{market}")
    return service.hedge_view(spec, view, result)


def _hedge_key(view, result) -> tuple:
    return repr((view.spec.simulation_key(), result.policy)), data_version(), market_version()


@st.cache_resource(show_spinner="Pricing the instruments per month…", max_entries=12)
def _instrument_quotes(key: str, version: str, market: str, cap_strike: float, _view):
    return service.instrument_quotes(_view, cap_strike)


@st.cache_resource(show_spinner="Measuring the hedge regret when prices fall or rise…", max_entries=12)
def _regret_table(key: str, version: str, market: str, _view, _result):
    return service.regret_table(_view, _result)


def instrument_comparison(view, result):
    """The Hedge program page's instrument tables, computed once per program (not on every rerun),
    or ahead of time with the program (``compute_ahead``)."""
    return service.kept_instrument_comparison(view, result, f"{data_version()}|{market_version()}")


def compute_ahead(run) -> None:
    """Start computing, in the background, the programs the user may choose next from the Hedge
    program page's controls (``service.compute_ahead``), while the page is read."""
    service.compute_ahead(run.forecast, run.spec, f"{data_version()}|{market_version()}")


def instrument_quotes(view, cap_strike: float):
    return _instrument_quotes(repr(view.spec.simulation_key()), data_version(), market_version(), cap_strike, view)


def regret_table(view, result):
    return _regret_table(*_hedge_key(view, result), view, result)


def current_run(spec=None):
    """The run every analysis page reads: cached in three stages so that a policy change reuses the
    simulation and a budget change reuses the program. Raises HedgingError for the page to show."""
    spec = spec or spec_from_state()
    version, market = data_version(), market_version()
    view = forecast_for(spec)
    program = _program(repr((spec.simulation_key(), spec.policy)), version, market, spec, view)
    return _run(repr(spec), version, market, spec, view, program)


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
def _proposal_pdf(key: str, fingerprint: str, _proposal_id: int, _progress=None) -> bytes:
    return service.proposal_pdf(_proposal_id, settings(), fingerprint=fingerprint, progress=_progress)


def proposal_pdf(fingerprint: str, signature: str | None, proposal_id: int, progress=None) -> bytes:
    """Cached by the workspace, the document's fingerprint (its content, never its id), its signature
    state and where it stands in its lifecycle (an approval changes the PDF: no draft mark, the
    approval block); sessions asking for the same document at once wait for one build, laid out in
    a worker process (``service.proposal_pdf``)."""
    status = service.memo_state(proposal_id, settings())   # its status and the workspace's approvals (section 13)
    return _proposal_pdf(f"{_workspace.current()}|{fingerprint}|{signature}|{status}", fingerprint, proposal_id,
                         progress)


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


@st.cache_resource(show_spinner=False, max_entries=8)
def _memo_pdf(key: str, fingerprint: str, _proposal_id: int) -> bytes:
    return service.memo_pdf(_proposal_id, settings(), fingerprint=fingerprint)


PR_MEMO_READY = "proposal_memo_ready"


def memo_download(proposal_id: int, fingerprint: str, signature: str | None = None, actor: str | None = None) -> None:
    """The designation memo's own PDF (laid out in under a second), cached like the proposal's PDF by
    the workspace, the document's fingerprint, its signature state and where it stands among the
    workspace's approvals (its version); its first build in a session goes to the audit trail."""
    state = service.memo_state(proposal_id, settings())
    key = f"{_workspace.current()}|{fingerprint}|{signature}|{state}"
    try:
        data = _memo_pdf(key, fingerprint, proposal_id)
    except HedgingError as err:
        st.error(as_text(f"The designation memo of proposal #{proposal_id} could not be built: {err}"),
                 icon=":material/error:")
        return
    if key not in st.session_state.get(PR_MEMO_READY, ()):
        service.record_memo_export(proposal_id, fingerprint, settings(), actor=actor,
                                   detail="built for download on the Proposal page")
        st.session_state[PR_MEMO_READY] = {*st.session_state.get(PR_MEMO_READY, ()), key}
    st.download_button("Designation memo", data, f"proposal_{proposal_id}_designation_memo.pdf",
                       "application/pdf", key="proposal_memo", on_click="ignore", icon=":material/description:",
                       help="The hedge designation memo alone (ASC 815 / IFRS 9 documentation at inception), with "
                            "its version: a draft until the proposal is approved.")


@st.cache_resource(show_spinner=False, max_entries=8)
def proposal_xlsx(fingerprint: str, _proposal_id: int) -> bytes:
    """The proposal's Excel workbook, cached by the document's fingerprint like the PDF."""
    return service.proposal_xlsx(_proposal_id, settings(), fingerprint=fingerprint)


def xlsx_download(proposal_id: int, fingerprint: str) -> None:
    """The Excel workbook's download button (built when the proposal opens: well under a second)."""
    try:
        data = proposal_xlsx(fingerprint, proposal_id)
    except HedgingError as err:
        st.error(as_text(f"The Excel workbook of proposal #{proposal_id} could not be built: {err}"),
                 icon=":material/error:")
        return
    st.download_button("Download Excel", data, f"proposal_{proposal_id}.xlsx", service.XLSX_MIME,
                       key="proposal_xlsx", on_click="ignore", icon=":material/table_view:",
                       help="The whole proposal as a workbook: assumptions, trade schedule with totals, monthly spend, "
                            "metrics, stress and policy check, one sheet each, with number formats set.")


# --- Compare and Sensitivity ----------------------------------------------------------------
CMP_VARIANTS, CMP_PROPOSALS = "compare_variants", "compare_proposals"   # variants: RunSpec.to_dict() each
SENS_TORNADO, SENS_TORNADO_DONE = "sensitivity_tornado_go", "sensitivity_tornado_done"


@st.cache_resource(show_spinner="Moving each assumption low and high (three new simulations)…", max_entries=4)
def _tornado(key: str, version: str, market: str, _run):
    return service.sensitivity_tornado(_run, settings(), forecast_for=forecast_for)


def tornado_for(run):
    """The tornado of ``run`` (cached by its spec and the data); remembered as shown for this spec."""
    out = _tornado(repr(run.spec), data_version(), market_version(), run)
    st.session_state[SENS_TORNADO_DONE] = repr(run.spec)
    return out


def tornado_ready(run) -> bool:
    """True when this session computed the tornado of this very spec (it is shown again without a click)."""
    return st.session_state.get(SENS_TORNADO_DONE) == repr(run.spec)
