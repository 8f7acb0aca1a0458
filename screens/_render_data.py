"""The Data page's tables: the import report, the Imports table (which import counts, and why) and
the invoice reconciliation. Counts carry the labels and definitions of ``service.COUNTS``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from screens._render import as_text, rejected_table, whole_dollar_columns
from screens._render_decision import warnings

fmt = service.fmt
_COUNT_KEYS = ("rows_read", "rows_skipped", "rows_rejected", "rows_kept", "rows_stored", "provider_days")


def _signed_pct(value) -> str:
    """A difference already in percent (the CSV's unit) shown as a signed percentage."""
    return fmt.share(None if value is None or value != value else value / 100, signed=True)


def _table(frame: pd.DataFrame, key: str, formats: dict, helps: dict | None = None, pinned: tuple = (),
           **kwargs) -> None:
    """A sortable table whose numbers read in the product's format, right-aligned, with "—" where a
    figure does not apply (a column with a gap holds text there, since the grid shows a missing
    number as "None")."""
    frame = frame.reset_index(drop=True).copy()
    formats = whole_dollar_columns(frame, formats)
    for col in formats:
        if col in frame and pd.api.types.is_numeric_dtype(frame[col]) and frame[col].isna().any():
            frame[col] = frame[col].astype(object).where(frame[col].notna(), fmt.DASH)
    styler = frame.style.format(na_rep=fmt.DASH)
    for col, func in formats.items():
        if col in frame:
            styler = styler.format(lambda v, f=func: v if v == fmt.DASH else f(v), subset=[col], na_rep=fmt.DASH)
    config = {col: st.column_config.Column(help=(helps or {}).get(col), pinned=col in pinned or None,
                                           width="medium" if col == "file" else None,
                                           alignment="right" if formats.get(col) not in (None, fmt.date, fmt.month)
                                           else None)
              for col in frame.columns if col in formats or col in (helps or {}) or col in pinned or col == "file"}
    st.dataframe(styler, hide_index=True, key=key, column_config=config, **kwargs)


def _count_helps() -> dict[str, str]:
    return {service.count_label(k): service.count_help(k) for k in _COUNT_KEYS}


def import_summary(report: list[dict]) -> None:
    """One line per file: rows read = kept + skipped + rejected, the daily rows stored, days, cost."""
    label = service.count_label
    rows = [{
        "file": r["file"], **{label(k): r[k] for k in _COUNT_KEYS},
        "result": "already imported" if r["already_imported"] else (
            "nothing to store" if r["import_id"] is None else f"stored as #{r['import_id']}"),
        "format": r["format"], "first day": r["first_day"], "last day": r["last_day"], "cost (USD)": r["cost_usd"],
        "warnings": len(r["warnings"])} for r in report]
    counts = {label(k): fmt.count for k in _COUNT_KEYS}
    _table(pd.DataFrame(rows), "data_report_table",
           {**counts, "warnings": fmt.count, "first day": fmt.date, "last day": fmt.date, "cost (USD)": fmt.money},
           _count_helps())


def import_report(item: dict, expanded: bool = False, key: str = "data_import_advice") -> None:
    """One file's import report: the counts, range, totals, replacements, warnings (in plain words,
    with the reader's own text under "The statistics"), rejections."""
    needs_eyes = bool(item["warnings"] or item.get("rejected") or item["replaced"])
    with st.expander(as_text(item["file"]) + (" · has warnings" if item["warnings"] else ""),
                     expanded=expanded or needs_eyes):
        if item["already_imported"]:
            st.info(f"Already imported as #{item['import_id']}; nothing changed.", icon=":material/check:")
            return
        slots = list(st.columns(3)) + list(st.columns(3))
        for slot, key in zip(slots, ("rows_read", "rows_skipped", "rows_rejected", "rows_kept", "rows_stored")):
            slot.metric(service.count_label(key).capitalize(), fmt.count(item[key]), help=service.count_help(key))
        slots[5].metric("Cost (USD)", fmt.money(item["cost_usd"]))
        tokens = item["input_tokens"] + item["cache_read_tokens"] + item["cache_write_tokens"] + item["output_tokens"]
        m = lambda key: fmt.number(item[key] / 1e6, 1)  # noqa: E731  (millions of tokens)
        st.caption(f"Format **{as_text(item['format'])}** · {fmt.date(item['first_day'])} to "
                   f"{fmt.date(item['last_day'])} (UTC), {fmt.count(item['provider_days'])} provider-days · "
                   f"{fmt.number(tokens / 1e6, 1)} M tokens (uncached input {m('input_tokens')} M, cache read "
                   f"{m('cache_read_tokens')} M, cache write {m('cache_write_tokens')} M, output {m('output_tokens')} M)"
                   f" · {fmt.number(item['gpu_hours'], unit='GPU-hours')}")
        for reason, n in item.get("skipped", {}).items():
            st.caption(as_text(f"Skipped {fmt.count(n)} rows: {reason}."))
        for r in item["replaced"]:
            st.info(f"Replaced {fmt.count(r['rows'])} daily rows of import #{r['import_id']} "
                    f"({fmt.date(r['first_day'])} to {fmt.date(r['last_day'])}), the same source's earlier export "
                    "of these days.", icon=":material/sync:")
        if item.get("advice") is not None:   # each warning: what happened, what it means, what to do
            warnings(item["advice"], key)
        else:                                # a report kept in the session from before advice existed
            for w in item["warnings"]:
                st.warning(as_text(w), icon=":material/warning:")
        if item.get("rejected"):
            rejected_table(item["rejected"], item["file"])


def imports_table(overview) -> None:
    """The stored imports, what each holds, and which one's cost counts in the totals."""
    counts = {service.count_label(k): fmt.count for k in ("rows_read", "rows_kept", "rows_stored", "provider_days")}
    helps = _count_helps() | {
        "cost counts in": "Provider-months in which this import's cost is the one the totals count.",
        "tokens count in": "Provider-months in which this import's token counts are the ones the totals count.",
        "counted, last 12 months (USD)": "This import's cost that the totals count over the last 12 months; "
                                         "the column adds up to Spend, last 12 months."}
    _table(overview.imports, "data_imports_table",
           {**counts, "first day": fmt.date, "last day": fmt.date, "cost in file (USD)": fmt.money,
            "counted, last 12 months (USD)": fmt.money}, helps, pinned=("id",))
    if overview.last_12:
        first, last = overview.last_12
        st.caption(f"The column “counted, last 12 months” adds up to {fmt.money(overview.counted_last_12_usd)}, the "
                   f"Spend, last 12 months above ({fmt.month(first)} to {fmt.month(last)}). Where several exports "
                   "describe the same provider-day, an invoice's cost counts over an estimate's; usage exports still "
                   "give the tokens.")
    if len(overview.months):
        with st.expander("Which import counts, by provider and month"):
            _table(overview.months, "data_counts_by_month", {"month": fmt.month, "counted (USD)": fmt.money},
                   pinned=("provider", "month"))


def _gap(gap: float, threshold: float) -> str:
    """The largest gap as a share, with a decimal more where one decimal would read as the threshold
    it is compared with (9.96% is not flagged at 10%, so it must not read "10.0%")."""
    for decimals in (1, 2, 3, 4):
        if gap == threshold or fmt.share(gap, decimals) != fmt.share(threshold, decimals):
            break
    return fmt.share(gap, decimals)


def reconciliation(rec, threshold_pct: float, show_all: bool) -> None:
    """Usage at list price against the invoices, per provider and month, with the likely causes."""
    priced = rec.months[rec.months["list_usd"].notna()]
    flagged = rec.flagged
    c = st.columns(3)
    c[0].metric("Provider-months checked", fmt.count(len(priced)),
                help="Provider-months with token usage to price at list price (GPU rental has no list price).")
    c[1].metric(f"Differ by more than {fmt.number(threshold_pct, 1 if threshold_pct % 1 else 0)}%",
                fmt.count(len(flagged)))
    top = priced.loc[priced["max_gap_pct"].idxmax()] if priced["max_gap_pct"].notna().any() else None
    c[2].metric("Largest difference", fmt.DASH if top is None else _gap(top["max_gap_pct"], threshold_pct / 100),
                help="The largest gap between any figure (cost export, billing file, gateway, counted) and usage "
                     "at list price, as a share of the list-price figure"
                     + ("." if top is None else f": {top['provider']}, {fmt.month(top['month'])}."))
    if len(flagged):
        worst = flagged.loc[flagged["max_gap_pct"].fillna(float("inf")).idxmax()]
        times = worst["counted_usd"] / worst["list_usd"] if worst["list_usd"] else None
        ratio = f", {fmt.number(times, 1)} times the list-price figure" if times and times >= 2 else ""
        st.warning(as_text(f"{len(flagged):,} provider-month(s) differ from usage at list price by more than "
                           f"{threshold_pct:g}%. Largest: {worst['provider']}, {fmt.month(worst['month'])}: "
                           f"{fmt.money(worst['counted_usd'])} counted against {fmt.money(worst['list_usd'])} at list "
                           f"price{ratio}. Likely causes: {worst['causes']}."), icon=":material/flag:")
    elif len(priced):
        st.success(f"Every provider-month is within {threshold_pct:g}% of usage at list price.",
                   icon=":material/check:")
    table = rec.table(flagged_only=not show_all)
    empty = [c for c in ("cost export (USD)", "billing file (USD)", "gateway estimate (USD)") if rec.months.empty
             or rec.months[{"cost export (USD)": "cost_export_usd", "billing file (USD)": "billing_usd",
                            "gateway estimate (USD)": "gateway_usd"}[c]].isna().all()]
    table = table.drop(columns=empty)  # a kind of source no import provides
    first = ["provider", "month", "difference vs list (%)", "difference vs list (USD)", "counted in totals (USD)"]
    table = table[first + [c for c in table.columns if c not in first]]  # what matters reads at 1024 px
    money_cols = [c for c in table.columns if c.endswith("(USD)")]
    if len(table):
        _table(table, "data_reconcile_table", {**{col: fmt.money for col in money_cols}, "month": fmt.month,
                                               "difference vs list (USD)": fmt.money_change,
                                               "difference vs list (%)": _signed_pct}, pinned=("provider", "month"))
    if len(rec.causes):
        with st.expander("Causes, and the rows they are read from"):
            causes = rec.causes.drop(columns="key").rename(columns={"usd": "amount (USD)", "share": "share of list"})
            _table(causes, "data_reconcile_causes", {"month": fmt.month, "amount (USD)": fmt.money_change,
                                                     "share of list": lambda v: fmt.share(v, signed=True)},
                   pinned=("provider", "month"))
    if len(rec.gateway):
        with st.expander("Gateway estimate against the invoice: the causes of the difference"):
            st.caption("Per provider and month where a gateway log (LiteLLM) and a bill both exist: gateway minus "
                       "invoice, split into causes read from the rows; they add up to the difference.")
            gw = rec.gateway.drop(columns="key").rename(columns={
                "gateway_usd": "gateway (USD)", "invoice_usd": "invoice (USD)", "difference_usd": "difference (USD)",
                "usd": "amount (USD)"})
            _table(gw, "data_reconcile_gateway", {"month": fmt.month, "gateway (USD)": fmt.money,
                                                  "invoice (USD)": fmt.money, "difference (USD)": fmt.money_change,
                                                  "amount (USD)": fmt.money_change}, pinned=("provider", "month"))
    st.download_button("Download the reconciliation (CSV)", service.reconciliation_csv(rec),
                       file_name="reconciliation.csv", mime="text/csv", key="data_reconcile_csv")
