"""Rendering of the Hedge program page's natural hedges: the editable table of contracted prices and
commitments, its CSV template and import, and what the applied ones do to the exposure."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from hedging.errors import HedgingError
from screens._render import as_text, table as fmt_table
from screens._state import NATURAL_ROWS

fmt = service.fmt
EDITOR = "natural_hedge_editor"
GENERATION = "natural_hedge_generation"
UPLOAD = "natural_hedge_upload"
MESSAGE = "natural_hedge_message"
NUMBER_COLUMNS = ("volume per month", "price (USD per unit)", "share of usage %", "discount %", "amount (USD)")


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(service.COMMITMENT_COLUMNS))
    for c in NUMBER_COLUMNS:
        frame[c] = pd.to_numeric(frame[c], errors="coerce")
    return frame


def _apply(rows: list[dict], what: str, view) -> None:
    """Check every row; keep them only if all pass (a bad row changes nothing)."""
    try:
        checked = service.commitments_from_rows(rows)
        service.check_commitment_providers(checked, view)
    except HedgingError as err:
        st.session_state[MESSAGE] = ("error", str(err))
        return
    st.session_state[NATURAL_ROWS] = service.commitment_rows(checked)
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    st.session_state[MESSAGE] = ("success", f"{what}: {len(checked)} commitment{'s' if len(checked) != 1 else ''} "
                                            "applied to the run.")


def natural_hedges(view) -> None:
    """The Natural hedges section: entered per provider and period, applied before the hedge is sized."""
    st.subheader("Natural hedges: what is already fixed")
    st.caption("Contracted prices and commitments are netted first: the hedge is sized on the volume whose price "
               "still floats. Reserved capacity or provisioned throughput at a fixed rate (take-or-pay) and a "
               "contracted price on a share of usage remove price risk on what they cover; a negotiated discount "
               "lowers price and dollar risk by the discount but leaves the percentage risk; prepaid credits drawn at "
               "the floating price save cash outflow, not price risk (with a fixed unit price they are fixed-price "
               "volume until used). Leave the provider empty for all providers of the underlying.")
    providers = service.commitment_providers(view)
    applied = list(st.session_state.get(NATURAL_ROWS) or [])
    generation = st.session_state.get(GENERATION, 0)
    columns = {
        "kind": st.column_config.SelectboxColumn("kind", options=list(service.COMMITMENT_KINDS), required=True,
                                                 help="; ".join(f"{k}: {v}" for k, v in
                                                                service.COMMITMENT_KINDS.items())),
        "underlying": st.column_config.SelectboxColumn("underlying", options=list(service.UNDERLYINGS),
                                                       required=True),
        "provider": st.column_config.SelectboxColumn(
            "provider", options=sorted({p for ps in providers.values() for p in ps}),
            help="A provider in your usage; empty: every provider of the underlying."),
        "start month": st.column_config.TextColumn("start month", help="YYYY-MM, e.g. 2027-01", max_chars=7),
        "end month": st.column_config.TextColumn("end month", help="YYYY-MM, the last month covered", max_chars=7),
        "volume per month": st.column_config.NumberColumn("volume per month", min_value=0.0, format="localized",
                                                          help="Reserved: units a month (GPU-hours or M tokens)."),
        "price (USD per unit)": st.column_config.NumberColumn("price (USD per unit)", min_value=0.0, format="%.4f",
                                                              help="Reserved, contracted, or a prepaid block."),
        "share of usage %": st.column_config.NumberColumn("share of usage %", min_value=0.0, max_value=100.0,
                                                          format="%.4g", help="Contracted: share of that usage."),
        "discount %": st.column_config.NumberColumn("discount %", min_value=0.0, max_value=99.99, format="%.4g"),
        "amount (USD)": st.column_config.NumberColumn("amount (USD)", min_value=0.0, format="localized",
                                                      help="Prepaid: the amount paid in advance."),
        "label": st.column_config.TextColumn("label", max_chars=80, help="Your name for the contract."),
    }
    edited = st.data_editor(_frame(applied), key=f"{EDITOR}_{generation}", num_rows="dynamic",
                            hide_index=True, column_config=columns, width="stretch")
    left, right = st.columns(2, vertical_alignment="bottom")
    if left.button("Apply commitments", key="natural_hedge_apply", type="primary", width="stretch"):
        _apply(edited.to_dict("records"), "Table", view)
        st.rerun()
    right.download_button("Download the CSV template", service.commitments_template(), "commitments_template.csv",
                          "text/csv", key="natural_hedge_template", width="stretch")
    upload = st.file_uploader("Import commitments (CSV template)", type=["csv"], key=UPLOAD,
                              help="Replaces the table when every row is valid; a bad row changes nothing.")
    if upload is not None and st.session_state.get(UPLOAD + "_done") != upload.file_id:
        st.session_state[UPLOAD + "_done"] = upload.file_id
        try:
            rows = service.commitment_rows(service.commitments_from_csv(upload.getvalue(), upload.name))
        except HedgingError as err:
            st.session_state[MESSAGE] = ("error", str(err))
        else:
            _apply(rows, upload.name, view)
        st.rerun()
    kind, text = st.session_state.pop(MESSAGE, (None, None))
    if kind == "error":
        st.error(as_text(text), icon=":material/error:")
    elif kind:
        st.success(as_text(text))
    rows = service.natural_table(view)
    if not rows.empty:
        fmt_table(rows, "natural_hedges",
                  {"volume at a fixed price, horizon": fmt.count, "paid at fixed prices (USD)": fmt.money,
                   "discount saved (USD)": fmt.money, "paid from prepaid credits (USD)": fmt.money})
        st.caption("Expected over the horizon on the simulated paths. The exposure table above and every number on "
                   "this page and Before / after start from what these leave floating.")


def clear_after_error() -> None:
    """When the run cannot be built and natural hedges are applied, offer to remove them (a
    commitment may name a provider whose usage has since been deleted)."""
    if st.session_state.get(NATURAL_ROWS) and st.button("Remove the natural hedges and run again",
                                                        key="natural_hedge_clear"):
        st.session_state[NATURAL_ROWS] = []
        st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
        st.rerun()
