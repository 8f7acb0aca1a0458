"""Rendering helpers shared by the pages: tables, reports and metric rows (no business logic)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from hedging import service
from hedging.service import fmt

money = fmt.money   # pages call base.money; the format itself lives in hedging/fmt.py


def whole_dollar_columns(frame: pd.DataFrame, formats: dict) -> dict:
    """``formats`` with a money column written in whole dollars throughout when any of its amounts
    is $1,000 or more: "$0" and "$312" beside "$1,027,038", not "$0.00" and "$312.07"."""
    out = dict(formats)
    for col, func in formats.items():
        if func in (fmt.money, fmt.money_change) and col in frame:
            values = pd.to_numeric(frame[col], errors="coerce").abs()
            if values.notna().any() and values.max() >= fmt.CENTS_BELOW:
                out[col] = lambda v, f=func: f(v, cents=False)
    return out


def table(frame: pd.DataFrame, key: str, formats: dict | None = None, rows: dict | None = None, **kwargs) -> None:
    """``frame`` as a sortable table whose cells read in the product's one format: ``formats`` maps a
    column to a function of its value (e.g. ``fmt.money``), ``rows`` a column to a function of the
    row giving that row's formatter (a price at its own contract's tick). The numbers stay numbers,
    so a column sorts by value; a column with a missing value is written as text, "—" where missing
    (the grid would show "None")."""
    frame = frame.reset_index(drop=True)
    formats = whole_dollar_columns(frame, formats or {})
    for col in list(frame.columns):
        # the grid shows a missing cell as "None", whatever the styler says: such a column is written as text
        if frame[col].isna().any():
            func = formats.pop(col, None)
            if func is not None or frame[col].dtype == object:
                frame[col] = [fmt.DASH if pd.isna(v) else (func(v) if func else v) for v in frame[col]]
    styler = frame.style.format(na_rep=fmt.DASH)
    for col, func in formats.items():
        if col in frame:
            styler = styler.format(func, subset=[col], na_rep=fmt.DASH)
    for col, per_row in (rows or {}).items():
        if col in frame:
            for index, texts in _texts_by_value(frame, col, per_row):
                styler = styler.format(texts.__getitem__, subset=(index, [col]), na_rep=fmt.DASH)
    st.dataframe(styler, hide_index=True, key=key, **kwargs)


def wrapped_table(frame: pd.DataFrame, formats: dict | None = None, breakable: tuple = ()) -> None:
    """``frame`` as a static table whose cells wrap, so it fits the page at 1024 px however many
    columns of text it has (a grid would scroll sideways): each cell in the product's format
    (``formats``: column -> function), "—" where missing, numbers right-aligned, every cell shown as
    text. In the ``breakable`` columns a long name may break after "_", "-", "." or "/" (file names)."""
    frame = frame.reset_index(drop=True)
    formats = whole_dollar_columns(frame, formats or {})
    cells, numeric = {}, []
    for col in frame.columns:
        func = formats.get(col)
        texts = []
        for v in frame[col]:
            missing = not isinstance(v, (str, list, tuple, dict)) and bool(pd.isna(v))
            text = fmt.DASH if missing else (func(v) if func else str(v))
            if col in breakable:
                text = re.sub(r"([_\-./])", "\\1\u200b", text)
            texts.append(as_text(text))
        cells[as_text(col)] = texts
        if func is not None and func not in (fmt.date, fmt.month) and pd.api.types.is_numeric_dtype(frame[col]):
            numeric.append(as_text(col))
    shown = pd.DataFrame(cells)
    styler = shown.style.set_properties(subset=numeric, **{"text-align": "right"}) if numeric else shown
    st.table(styler, hide_index=True, border="horizontal")


def sideways_table(frame: pd.DataFrame, label: str, formats: dict) -> None:
    """A few rows of many measures as a static table turned sideways: one column per row of
    ``frame`` (headed by its ``label`` cell), one row per measure, each cell in the product's
    format. Ten measures of two underlyings fit the page at 1024 px this way; side by side they
    scrolled. Every cell and heading is shown as text."""
    cells = {}
    for col in frame.columns:
        if col == label:
            continue
        func = formats.get(col, str)
        cells[col] = [fmt.DASH if pd.isna(v) else func(v) for v in frame[col]]
    shown = pd.DataFrame(cells, index=[as_text(v) for v in frame[label]]).T
    shown.index = [as_text(i) for i in shown.index]
    st.table(shown.map(as_text), border="horizontal")


def _texts_by_value(frame: pd.DataFrame, col: str, per_row) -> list[tuple[list, dict]]:
    """Each cell of ``col`` as its row's formatter writes it, in as few groups of rows as possible
    (usually one) within which a value always reads the same: one format call per group instead of
    one per cell, which cost a quarter of a second on a 40-trade schedule."""
    groups: list[tuple[list, dict]] = []
    for i, row in frame.iterrows():
        value = row[col]
        if pd.isna(value):
            continue                      # shown as na_rep
        text = per_row(row)(value)
        for index, texts in groups:
            if texts.get(value, text) == text:
                index.append(i)
                texts[value] = text
                break
        else:
            groups.append(([i], {value: text}))
    return groups


def rejected_table(rows: list[dict], file_name: str) -> None:
    frame = pd.DataFrame(rows, columns=["row", "column", "value", "reason", "fix"])
    st.dataframe(frame.head(200), hide_index=True)
    st.download_button("Download rejected rows (CSV)", service.safe_csv(frame), file_name=f"rejected_{file_name}.csv",
                       mime="text/csv", key=f"rejected_dl_{file_name}")


def spend_metrics(monthly) -> None:
    if monthly.empty:
        return
    months = sorted(monthly["month"].unique())
    last12 = monthly[monthly["month"].isin(months[-12:])]
    c = metric_slots(4)
    c[0].metric("Spend, last 12 months", fmt.money(last12["cost_usd"].sum()))
    c[1].metric("Latest month", fmt.money(monthly[monthly["month"] == months[-1]]["cost_usd"].sum()),
                help=fmt.month(months[-1]))
    c[2].metric("Tokens, last 12 months", fmt.number(last12["tokens_m"].sum() / 1e3, 1, unit="bn"))
    c[3].metric("GPU-hours, last 12 months", fmt.count(last12["gpu_hours"].sum()))


def contract_table(curve) -> None:
    """The Market page's contract table: prices at the contract's tick, margins per lot in dollars
    and as a share of the lot's notional."""
    frame = curve[["symbol", "delivery_month", "last_trading_day", "settlement", "fair", "bid", "ask",
                   "initial_margin", "maintenance_margin", "margin_method"]].reset_index(drop=True)
    frame.columns = ["contract", "delivery month", "last trading day", "settles on", "fair price", "bid", "ask",
                     "initial margin / lot", "maintenance / lot", "margin set by"]
    frame["settles on"] = frame["settles on"].map({"point": "index on last trading day",
                                                   "monthly_average": "monthly average of daily index"})
    tick = float(curve["tick"].iloc[0]) if "tick" in curve else None
    notional = list(curve["notional_per_lot"])
    prices = {c: (lambda v: fmt.price(v, tick)) for c in ("fair price", "bid", "ask")}
    margins = {c: (lambda row: lambda v, n=notional[row.name]: fmt.margin(v, n, words=False))
               for c in ("initial margin / lot", "maintenance / lot")}
    # what is the same on every row goes below the table, so the prices and margins fit at 1024 px
    same = [c for c in ("settles on", "margin set by") if frame[c].nunique() == 1]
    shown = [c for c in frame.columns if c not in same and c != "maintenance / lot"]
    short = {"delivery month": "delivers", "last trading day": "last trading", "fair price": "fair"}
    table(frame, "market_contracts", {**prices, "delivery month": fmt.month, "last trading day": fmt.date},
          rows=margins, column_order=shown, column_config={c: st.column_config.Column(t) for c, t in short.items()})
    if len(frame):
        notes = [f"{c.capitalize()}: {frame[c].iloc[0]}." for c in same]
        ratio = frame["maintenance / lot"].iloc[0] / frame["initial margin / lot"].iloc[0]
        st.caption(" ".join(notes) + " Initial margin in brackets as a share of the lot's notional. "
                   f"Maintenance margin is {fmt.share(ratio, 0)} of initial "
                   f"({fmt.money(frame['maintenance / lot'].iloc[0])} a lot on the front contract).")


def error_text(err) -> str:
    """An error's message as a sentence: one that names no file, row or column starts with a capital
    ("There is no stored usage…"); one that starts with a file name keeps it as the file is named."""
    text = str(err)
    if any(getattr(err, k, None) is not None for k in ("file", "row", "column")):
        return text
    return text[:1].upper() + text[1:]


def show_error(err) -> None:
    """A run that cannot be shown: an error when a check refused it, a note when data is missing."""
    if isinstance(err, service.SanityError):
        st.error(as_text(error_text(err)), icon=":material/error:")
    else:
        st.info(as_text(error_text(err)), icon=":material/info:")


#: Where Markdown makes a link of bare text (``http://…``, ``www.…``, ``name@host``): a word joiner
#: (U+2060, invisible) goes in, since a backslash does not stop these links.
_AUTOLINK = re.compile(r"(?i)(?<=://)|(?<=\bwww)(?=\.)|(?<=@)")


def as_text(text: str) -> str:
    """``text`` escaped so that Streamlit's Markdown shows it literally (no emphasis, links, HTML or
    LaTeX from anything a user typed; a bare web address or e-mail address is not made a link)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$:])", r"\\\1", _AUTOLINK.sub("\u2060", str(text)))


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


def amount_input(container, label: str, key: str, show=fmt.money, minimum: float = 0.0, parse=fmt.parse_amount,
                 required: bool = False, **kwargs) -> None:
    """A box for an amount that reads like one ("$4,900,000"; a number box shows 4900000). Typed as
    4900000, 4,900,000, $4.9m or 250k; kept as a number under ``key`` (the run reads that); an empty
    box leaves None, and zero reads as empty (no limit), unless ``required``. ``show`` and ``parse``
    write and read the box (``fmt.count`` and ``fmt.parse_count`` for lots). A typo, or an amount
    below ``minimum``, keeps the previous amount (nothing is recomputed) and says, under the box,
    which box, what was typed and how to type it."""
    text_key, shown_for = key + "_text", key + "_text_for"
    value = st.session_state.get(key)

    def written(v) -> str:
        return "" if v is None or (not v and not required) else show(v)

    if st.session_state.get(shown_for, "unset") != value:       # set elsewhere (defaults, another page)
        st.session_state[text_key] = written(value)
        st.session_state[shown_for] = value

    def read() -> None:
        typed = st.session_state[text_key]
        try:
            amount = parse(typed)
            if amount is None and required:
                raise ValueError("the box is empty; type a value.")
            if amount is not None and amount < minimum:
                raise ValueError(f"'{typed.strip()}' is negative; type zero or more." if minimum == 0 else
                                 f"'{typed.strip()}' is below {show(minimum)}; type at least {show(minimum)}.")
        except ValueError as err:
            kept = written(value) or "none"
            st.session_state[key + "_error"] = f"{label}: {err} The previous value, {kept}, is kept."
            st.session_state[text_key] = written(value)
            return
        st.session_state.pop(key + "_error", None)
        st.session_state[key] = st.session_state[shown_for] = amount
        st.session_state[text_key] = written(amount)

    container.text_input(label, key=text_key, on_change=read, **kwargs)
    if st.session_state.get(key + "_error"):
        container.caption(as_text(st.session_state[key + "_error"]))
