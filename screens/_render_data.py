"""The Data page's tables: the import report, the Imports table (which import counts, and why) and
the invoice reconciliation. Counts carry the labels and definitions of ``service.COUNTS``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from hedging import service
from screens._render import as_text, rejected_table, wrapped_table
from screens._render_decision import warnings

fmt = service.fmt
_COUNT_KEYS = ("rows_read", "rows_skipped", "rows_rejected", "rows_kept", "rows_stored", "provider_days")


def _signed_pct(value) -> str:
    """A difference already in percent (the CSV's unit) shown as a signed percentage."""
    return fmt.share(None if value is None or value != value else value / 100, signed=True)


def _table(frame: pd.DataFrame, formats: dict, helps: dict | None = None, breakable: tuple = ()) -> None:
    """A static table that wraps (it fits the page at 1024 px), numbers in the product's format and
    "—" where a figure does not apply; ``helps`` (column -> what it means) are listed under it."""
    wrapped_table(frame, formats, breakable)
    shown = {col: text for col, text in (helps or {}).items() if col in frame.columns}
    if shown:
        with st.expander("What the columns mean"):
            for col, text in shown.items():
                st.markdown(f"**{as_text(col)}**: {as_text(text)}")


def _rows(r, keys) -> str:
    """The counts of one import in a line: "10,702 rows read, 10,702 rows kept, …"."""
    return ", ".join(f"{fmt.count(r[service.count_label(k)])} {service.count_label(k)}" for k in keys)


def _days(first, last) -> str:
    return fmt.DASH if first is None or last is None else f"{fmt.date(first)} – {fmt.date(last)}"


def _rows_help(keys) -> str:
    """What each count in the "rows" cell means."""
    return " ".join(f"{service.count_label(k).capitalize()}: {service.count_help(k)}" for k in keys)


def import_summary(report: list[dict]) -> None:
    """One line per file: rows read = kept + skipped + rejected, the daily rows stored, days, cost."""
    label = service.count_label
    rows = [{
        "file": r["file"], **{label(k): r[k] for k in _COUNT_KEYS},
        "result": "already imported" if r["already_imported"] else (
            "nothing to store" if r["import_id"] is None else f"stored as #{r['import_id']}"),
        "format": r["format"], "first day": r["first_day"], "last day": r["last_day"], "cost (USD)": r["cost_usd"],
        "warnings": len(r["warnings"])} for r in report]
    frame = pd.DataFrame(rows)
    shown = pd.DataFrame({
        "file": frame["file"], "result": frame["result"], "format": frame["format"],
        "rows": [_rows(r, _COUNT_KEYS) for _, r in frame.iterrows()],
        "days": [_days(a, b) for a, b in zip(frame["first day"], frame["last day"])],
        "cost (USD)": frame["cost (USD)"], "warnings": frame["warnings"]})
    _table(shown, {"cost (USD)": fmt.money, "warnings": fmt.count}, {"rows": _rows_help(_COUNT_KEYS)},
           breakable=("file",))


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
    """The stored imports, what each holds, and which one's cost counts in the totals: one wrapping
    row per import (its counts in one cell), so the table fits the page at 1024 px."""
    imports = overview.imports
    if imports.empty:
        return
    keys = ("rows_read", "rows_kept", "rows_stored", "provider_days")
    shown = pd.DataFrame({
        "import": [f"#{i} {f} ({fm}), {_days(a, b)}" for i, f, fm, a, b in
                   zip(imports["id"], imports["file"], imports["format"], imports["first day"], imports["last day"])],
        "rows": [_rows(r, keys) for _, r in imports.iterrows()],
        "cost in file (USD)": imports["cost in file (USD)"],
        "counted, last 12 months (USD)": imports["counted, last 12 months (USD)"],
        "counts in, and why": [f"Cost: {c}. Tokens: {t}. Why: {w}." for c, t, w in
                               zip(imports["cost counts in"], imports["tokens count in"], imports["why"])]})
    helps = {
        "rows": _rows_help(keys),
        "counts in, and why": "The provider-months in which this import's cost, and its token counts, are the "
                              "ones the totals count, and why (an invoice counts over an estimate).",
        "counted, last 12 months (USD)": "This import's cost that the totals count over the last 12 months; the "
                                         "column adds up to Spend, last 12 months."}
    _table(shown, {"cost in file (USD)": fmt.money, "counted, last 12 months (USD)": fmt.money}, helps,
           breakable=("import",))
    if overview.last_12:
        first, last = overview.last_12
        st.caption(f"The column “counted, last 12 months” adds up to {fmt.money(overview.counted_last_12_usd)}, the "
                   f"Spend, last 12 months above ({fmt.month(first)} to {fmt.month(last)}). Where several exports "
                   "describe the same provider-day, an invoice's cost counts over an estimate's; usage exports still "
                   "give the tokens.")
    if len(overview.months):
        with st.expander("Which import counts, by provider and month"):
            _table(overview.months, {"month": fmt.month, "counted (USD)": fmt.money},
                   breakable=("cost counted from", "not counted", "tokens from"))


def _reconciliation_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation as it reads at 1024 px: provider and month in one cell, the difference in
    dollars and percent in one, the sources' figures each in its own column, and which figure counts,
    the flag and the likely causes in a sentence."""
    flag = next((c for c in table.columns if c.startswith("flagged")), None)
    sources = [c for c in ("usage at list price (USD)", "counted in totals (USD)", "cost export (USD)",
                           "billing file (USD)", "gateway estimate (USD)") if c in table.columns]
    out = pd.DataFrame({"provider and month": [f"{p}, {fmt.month(m)}" for p, m in
                                               zip(table["provider"], table["month"])]})
    out["difference vs list"] = [
        fmt.DASH if pd.isna(usd) else f"{fmt.money_change(usd, cents=False)} ({_signed_pct(pct)})"
        for usd, pct in zip(table["difference vs list (USD)"], table["difference vs list (%)"])]
    for col in sources:
        out[col] = table[col].to_numpy()
    out["counted from, and why"] = [
        f"Counted from the {src} export." + (f" Flagged ({flag.removeprefix('flagged ').strip('()')})." if flag and bool(f) else "")
        + (f" Likely causes: {why}." if isinstance(why, str) and why else "")
        for src, f, why in zip(table["counted from"], table[flag] if flag else [False] * len(table),
                               table["likely causes"])]
    return out


def _gap(gap: float, threshold: float) -> str:
    """The largest gap as a share, with a decimal more where one decimal would read as the threshold
    it is compared with (9.96% is not flagged at 10%, so it must not read "10.0%")."""
    if round(gap, 6) == round(threshold, 6):      # equal as the flags compare them: not "more than"
        return fmt.share(gap)
    for decimals in (1, 2, 3):
        if fmt.share(gap, decimals) != fmt.share(threshold, decimals):
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
    if len(table):
        _table(_reconciliation_rows(table), {col: fmt.money for col in table.columns if col.endswith("(USD)")
                                             and not col.startswith("difference")},
               {"difference vs list": "Counted in totals less usage at list price, in dollars and as a share of the "
                                      "list-price figure.",
                "counted from, and why": "Which figure the totals count, whether the month is flagged, and the "
                                         "likely causes of the difference (see “Causes” below)."})
    if len(rec.causes):
        with st.expander("Causes, and the rows they are read from"):
            causes = rec.causes.drop(columns="key").rename(columns={"usd": "amount (USD)", "share": "share of list"})
            _table(causes, {"month": fmt.month, "amount (USD)": fmt.money_change,
                            "share of list": lambda v: fmt.share(v, signed=True)})
    if len(rec.gateway):
        with st.expander("Gateway estimate against the invoice: the causes of the difference"):
            st.caption("Per provider and month where a gateway log (LiteLLM) and a bill both exist: gateway minus "
                       "invoice, split into causes read from the rows; they add up to the difference.")
            gw = rec.gateway.drop(columns="key").rename(columns={
                "gateway_usd": "gateway (USD)", "invoice_usd": "invoice (USD)", "difference_usd": "difference (USD)",
                "usd": "amount (USD)"})
            _table(gw, {"month": fmt.month, "gateway (USD)": fmt.money, "invoice (USD)": fmt.money,
                        "difference (USD)": fmt.money_change, "amount (USD)": fmt.money_change})
    st.download_button("Download the reconciliation (CSV)", service.reconciliation_csv(rec),
                       file_name="reconciliation.csv", mime="text/csv", key="data_reconcile_csv")
