"""Rendering helpers shared by the pages: tables, reports and metric rows (no business logic)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from hedging import service

def money(x: float) -> str:
    """USD for display: -$57,476 (the sign first, so Streamlit's delta arrows point the right way)."""
    sign = "-" if x < 0 else ""
    x = abs(x)
    return f"{sign}${x:,.0f}" if x >= 100 else f"{sign}${x:,.2f}"


def rejected_table(rows: list[dict], file_name: str) -> None:
    frame = pd.DataFrame(rows, columns=["row", "column", "value", "reason", "fix"])
    st.dataframe(frame.head(200), hide_index=True)
    st.download_button("Download rejected rows (CSV)", service.safe_csv(frame), file_name=f"rejected_{file_name}.csv",
                       mime="text/csv", key=f"rejected_dl_{file_name}")


def import_summary(report: list[dict]) -> None:
    """One line per file: what was read, kept, skipped and rejected, the days and the cost."""
    rows = [{
        "file": r["file"], "format": r["format"],
        "result": "already imported" if r["already_imported"] else (
            "nothing to import" if r["import_id"] is None else f"stored as #{r['import_id']}"),
        "rows read": r["rows_read"], "imported": r["rows_imported"], "skipped": r["rows_skipped"],
        "rejected": r["rows_rejected"], "first day": r["first_day"], "last day": r["last_day"],
        "cost (USD)": round(r["cost_usd"], 2), "warnings": len(r["warnings"])} for r in report]
    counts = {c: st.column_config.NumberColumn(format="localized")
              for c in ("rows read", "imported", "skipped", "rejected")}
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="data_report_table",
                 column_config={**counts, "cost (USD)": st.column_config.NumberColumn(format="dollar")})


def import_report(item: dict, expanded: bool = False) -> None:
    """One file's import report: counts, range, totals, replacements, warnings, rejections."""
    needs_eyes = bool(item["warnings"] or item.get("rejected") or item["replaced"])
    label = as_text(item["file"]) + (" · has warnings" if item["warnings"] else "")
    with st.expander(label, expanded=expanded or needs_eyes):
        if item["already_imported"]:
            st.info(f"Already imported as #{item['import_id']}; nothing changed.", icon=":material/check:")
            return
        c = st.columns(5)
        c[0].metric("Rows read", f"{item['rows_read']:,}")
        c[1].metric("Imported", f"{item['rows_imported']:,}")
        c[2].metric("Skipped", f"{item['rows_skipped']:,}")
        c[3].metric("Rejected", f"{item['rows_rejected']:,}")
        c[4].metric("Cost (USD)", money(item["cost_usd"]))
        tokens = item["input_tokens"] + item["cache_read_tokens"] + item["cache_write_tokens"] + item["output_tokens"]
        st.caption(f"Format **{item['format']}** · {item['first_day']} to {item['last_day']} (UTC) · "
                   f"{tokens / 1e6:,.1f} M tokens (uncached input {item['input_tokens'] / 1e6:,.1f} M, cache read "
                   f"{item['cache_read_tokens'] / 1e6:,.1f} M, cache write {item['cache_write_tokens'] / 1e6:,.1f} M, "
                   f"output {item['output_tokens'] / 1e6:,.1f} M) · {item['gpu_hours']:,.0f} GPU-hours")
        for reason, n in item.get("skipped", {}).items():
            st.caption(as_text(f"Skipped {n:,} rows: {reason}."))
        for r in item["replaced"]:
            st.info(f"Replaced {r['rows']:,} rows of import #{r['import_id']} ({r['first_day']} to {r['last_day']}), "
                    "the same source's earlier export of these days.", icon=":material/sync:")
        for w in item["warnings"]:
            st.warning(as_text(w), icon=":material/warning:")
        if item.get("rejected"):
            rejected_table(item["rejected"], item["file"])


def spend_metrics(monthly) -> None:
    if monthly.empty:
        return
    months = sorted(monthly["month"].unique())
    last12 = monthly[monthly["month"].isin(months[-12:])]
    c = st.columns(4)
    c[0].metric("Spend, last 12 months", money(last12["cost_usd"].sum()))
    c[1].metric("Latest month", money(monthly[monthly["month"] == months[-1]]["cost_usd"].sum()),
                help=f"{months[-1]:%B %Y}")
    c[2].metric("Tokens, last 12 months", f"{last12['tokens_m'].sum() / 1e3:,.1f} bn")
    c[3].metric("GPU-hours, last 12 months", f"{last12['gpu_hours'].sum():,.0f}")


def imports_table(imports):
    return pd.DataFrame([{
        "id": i.id, "file": i.file_name, "format": i.format, "rows stored": i.rows_stored,
        "first day": i.first_day, "last day": i.last_day, "cost (USD)": round(i.cost_usd, 2),
        "imported at (UTC)": i.created_at.strftime("%Y-%m-%d %H:%M")} for i in imports])


def contract_table(curve):
    """The contract table as the Market page shows it (money rounded for display only)."""
    table = curve[["symbol", "delivery_month", "last_trading_day", "settlement", "fair", "bid", "ask",
                   "initial_margin", "maintenance_margin", "margin_method"]].copy()
    table.columns = ["contract", "delivery month", "last trading day", "settles on", "fair price", "bid", "ask",
                     "initial margin / lot (USD)", "maintenance / lot (USD)", "margin set by"]
    table["delivery month"] = table["delivery month"].map(lambda d: d.strftime("%b %Y"))
    table["settles on"] = table["settles on"].map({"point": "index on last trading day",
                                                   "monthly_average": "monthly average of daily index"})
    return table


def show_error(err) -> None:
    """A run that cannot be shown: an error when a check refused it, a note when data is missing."""
    if isinstance(err, service.SanityError):
        st.error(as_text(str(err)), icon=":material/error:")
    else:
        st.info(as_text(str(err)), icon=":material/info:")


def as_text(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it literally (no emphasis, links, HTML or
    LaTeX from anything a user typed)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:])", r"\\\1", str(text))


def spec_caption(run) -> None:
    """One line at the top of an analysis page: the spec it is looking at (shown as text)."""
    st.caption(as_text(run.spec_line()))


def metric_slots(n: int) -> list:
    """Places for ``n`` headline metrics, two to a row: four in a row cut six-figure amounts and
    their labels off at 1024 px ("$5,11…")."""
    slots = []
    for _ in range(0, n, 2):
        slots += list(st.columns(2))
    return slots[:n]
