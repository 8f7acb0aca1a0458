"""The proposal as an Excel workbook, rendered from its frozen document (like the PDF).

One sheet per part of the proposal: the assumptions (every input of the run specification, with
its unit, and where the numbers came from), the headline, the trade schedule with real Excel
dates and a totals row, the monthly spend table, the before/after metrics, the stress scenarios,
the policy check, and every other table the document holds. Each number is a value (the workbook
holds no formulas) with its number format set per column: currency ``$#,##0``, shares ``0.0%``,
changes of a share in percentage points, dates ``d mmm yyyy``, months ``mmm yyyy``, prices at
the contract's tick. Header rows are frozen and columns sized to their contents.

Every text cell is written as text: one that a spreadsheet would run as a formula
(:func:`hedging.fmt.runs_as_formula`: ``=``, ``+``, ``-``, ``@``, a tab or a CR, after trimming)
is stored as a string cell with Excel's quote prefix, so it shows as typed and stays text when
edited. A document saved by an older or newer release renders what it holds.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from hedging import fmt

MONEY = "$#,##0"
SHARE = "0.0%"
POINTS = '+0.0" pp";-0.0" pp";0.0" pp"'
DATE = "d mmm yyyy"
MONTH = "mmm yyyy"
COUNT = "#,##0"
NUMBER = "#,##0.00"
RATIO = "0.00"
TEXT = "@"
MAX_TEXT = 32_767          # Excel's limit on the characters of one cell
MAX_WIDTH, WRAP_WIDTH = 60, 60
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
BOLD = Font(bold=True)

#: The columns of the payload's tables whose kind the name alone does not say.
DATE_COLUMNS = {"trade date", "last trading day", "first_day", "last_day", "valuation_date", "created"}
MONTH_COLUMNS = {"delivery month", "month"}
_DAY_FORMATS = ("%d %b %Y", "%Y-%m-%d")
_MONTH_FORMATS = ("%b %Y", "%Y-%m", "%Y-%m-%d")


# --- cells ------------------------------------------------------------------------------------

def _text(value: object) -> str:
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def put(ws, row: int, col: int, value: object, number_format: str | None = None):
    """Write one cell: text always as text (quote-prefixed when it would run as a formula), numbers
    and dates as values with ``number_format``; None as an empty cell."""
    cell = ws.cell(row=row, column=col)
    if value is None:
        return cell
    if isinstance(value, bool):
        value = "yes" if value else "no"
    if isinstance(value, (list, tuple, dict)):   # a nested value of a newer document: shown as text
        value = _listed(value) if isinstance(value, (list, tuple)) else _listed([f"{k}: {v}" for k, v in value.items()])
    if isinstance(value, str):
        text = _text(value)
        cell.value = text
        cell.data_type = "s"             # never a formula, whatever it starts with
        if fmt.runs_as_formula(text):
            cell.quotePrefix = True
        return cell
    cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


def _as_day(value: object, formats=_DAY_FORMATS) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    for f in formats:
        try:
            return dt.datetime.strptime(value.strip()[:10] if f == "%Y-%m-%d" else value.strip(), f)
        except ValueError:
            continue
    return None


def _is_missing(v: object) -> bool:
    return v is None or v == fmt.DASH or v == ""


def column_format(name: str, values: list) -> str | None:
    """The number format of a column of a payload table, from its name and its values: dates and
    months (text in the document) become dates; USD columns currency; shares percentages."""
    present = [v for v in values if not _is_missing(v)]
    low = name.lower()
    if present and (low in DATE_COLUMNS or low.endswith(" date") or low.endswith("_date")) \
            and all(_as_day(v) for v in present):
        return DATE
    if present and low in MONTH_COLUMNS and all(_as_day(v, _MONTH_FORMATS) for v in present):
        return MONTH
    if not present or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return None
    if "usd" in low or low.startswith(("unhedged,", "hedged,", "hedge p&l")) or low.startswith(("sd_", "total_")) \
            or low in ("notional", "cost", "premium"):
        return MONEY
    if low.startswith("p(") or any(k in low for k in ("share", "coverage", "ratio", "r²", "r_squared", "uncertainty",
                                                      "effectiveness", "_vol")):
        return SHARE
    if all(float(v).is_integer() for v in present):
        return COUNT
    return NUMBER


def _cell_value(value: object, number_format: str | None) -> object:
    if number_format in (DATE,):
        return _as_day(value) if not _is_missing(value) else value
    if number_format == MONTH:
        return _as_day(value, _MONTH_FORMATS) if not _is_missing(value) else value
    return value


# --- sheets -----------------------------------------------------------------------------------

def _fit(ws, widths: dict[int, int], wrap: set[int] = frozenset()) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), MAX_WIDTH)
    for col in wrap:
        for (cell,) in ws.iter_rows(min_col=col, max_col=col, min_row=2):
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _shown_width(value: object, number_format: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return max((len(line) for line in value.splitlines()), default=0)
    if number_format in (DATE, MONTH):
        return 11
    if isinstance(value, (int, float)):
        if number_format == MONEY:
            return len(fmt.money(value, cents=False)) + 1
        if number_format in (SHARE, POINTS):
            return 8
        return len(f"{value:,.2f}")
    return len(str(value))


def _header(ws, names: list[str]) -> dict[int, int]:
    for j, name in enumerate(names, start=1):
        cell = put(ws, 1, j, name)
        cell.font, cell.fill = BOLD, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    return {j: min(len(n), 30) for j, n in enumerate(names, start=1)}


def table_sheet(wb: Workbook, title: str, rows: list, *, formats: Mapping[str, str] | None = None,
                totals: tuple[str, ...] = (), wrap: tuple[str, ...] = ()) -> None:
    """A sheet holding one table of the document: a frozen header row, one row per record, number
    formats per column (``formats`` first, then :func:`column_format`), and a totals row adding up
    the ``totals`` columns."""
    rows = [r for r in rows if isinstance(r, Mapping)]
    ws = wb.create_sheet(_sheet_title(wb, title))
    names: list[str] = []
    for r in rows:
        names += [str(k) for k in r if str(k) not in names]
    if not names:
        _fit(ws, _header(ws, ["The proposal holds no rows for this table."]))
        return
    widths = _header(ws, names)
    kinds = {n: (formats or {}).get(n) or column_format(n, [r.get(n) for r in rows]) for n in names}
    for i, r in enumerate(rows, start=2):
        for j, n in enumerate(names, start=1):
            value = _cell_value(r.get(n), kinds[n])
            put(ws, i, j, value, kinds[n])
            widths[j] = max(widths[j], _shown_width(value, kinds[n]))
    if totals:
        last = len(rows) + 2
        put(ws, last, 1, "Total").font = BOLD
        for j, n in enumerate(names, start=1):
            if n in totals:
                numbers = [r.get(n) for r in rows if isinstance(r.get(n), (int, float)) and not isinstance(r.get(n), bool)]
                cell = put(ws, last, j, sum(numbers) if numbers else None, kinds[n])
                cell.font = BOLD
                widths[j] = max(widths[j], _shown_width(cell.value, kinds[n]))
    _fit(ws, widths, {j for j, n in enumerate(names, start=1) if n in wrap})


def key_value_sheet(wb: Workbook, title: str, rows: list[tuple], header=("item", "value", "unit")) -> None:
    """A sheet of (label, value, unit, number format) rows under a frozen header."""
    ws = wb.create_sheet(_sheet_title(wb, title))
    widths = _header(ws, list(header))
    for i, (label, value, unit, number_format) in enumerate(rows, start=2):
        for j, (v, f) in enumerate(((label, None), (value, number_format), (unit, None)), start=1):
            put(ws, i, j, v, f)
            widths[j] = max(widths[j], _shown_width(v, f))
    _fit(ws, widths, {2})


_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(wb: Workbook, title: str) -> str:
    base = _BAD_TITLE.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name in wb.sheetnames:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


# --- the proposal -----------------------------------------------------------------------------

def _map(v: object) -> Mapping:
    return v if isinstance(v, Mapping) else {}


def _list(v: object) -> list:
    return list(v) if isinstance(v, (list, tuple)) else []


def _listed(v: object) -> str:
    items = [str(x) for x in _list(v)]
    return "; ".join(items) if items else "none"


#: The run specification's inputs: key -> (label, unit, number format). A key not listed (a newer
#: document's) is shown by its name.
SPEC_ROWS = {
    "as_of": ("As-of date", "date", DATE),
    "horizon": ("Horizon", "months after the as-of month", COUNT),
    "fiscal_start": ("Fiscal year starts in month", "1 = January", COUNT),
    "fiscal_year": ("Fiscal year (chosen)", "FY, named by the year it ends in; empty = the one holding the first horizon month", None),
    "budget_annual": ("Annual budget", "USD", MONEY),
    "n_paths": ("Simulated paths", "paths", COUNT),
    "seed": ("Random seed", "", None),
    "rho": ("Volume-price correlation", "correlation (-1 to 1)", RATIO),
    "by": ("Drill-down", "", None),
    "price_changes": ("Announced price changes", "", None),
    "index": ("Index per underlying", "", None),
    "model": ("Price model per underlying", "", None),
    "commitments": ("Natural hedges (commitments)", "netted before any hedge is sized", None),
    "horizon_months": ("Horizon months", "delivery months hedged", None),
    "fiscal_year_label": ("Fiscal year compared", "FY", None),
    "fiscal_months": ("Fiscal year months", "first and last month", None),
}
POLICY_ROWS = {
    "name": ("Hedge policy", "", None),
    "volume_percentile": ("Hedge at most this percentile of forecast volume", "percentile", NUMBER),
    "position_limit": ("Position limit", "lots per contract", COUNT),
    "margin_budget": ("Margin budget", "USD of initial margin (empty = no limit)", MONEY),
    "excluded": ("Left unhedged", "underlyings or drill-down series", None),
    "bands": ("Layered ratios by tenor", "share hedged up to month", None),
    "cvar_level": ("CVaR level", "confidence", SHARE),
    "cap_strike": ("Cap strike", "% of the month's fair price", NUMBER),
    "tail_ceiling": ("Spend ceiling (caps policy)", "% above expected spend", NUMBER),
    "min_notional": ("Materiality threshold", "USD notional; smaller trades are dropped (0 = none)", MONEY),
}


def _spec_value(key: str, value: object, number_format: str | None):
    if key == "as_of":
        return _as_day(value)
    if key == "price_changes":
        return _listed([f"{c.get('underlying')}{(' (' + c['provider'] + ')') if c.get('provider') else ''} "
                        f"{fmt.number(c.get('pct'), 1, signed=True)}% from {c.get('month')}"
                        for c in _list(value) if isinstance(c, Mapping)])
    if key == "bands":
        return _listed([f"{fmt.share(b[1], 0)} to month {b[0]}" for b in _list(value) if len(_list(b)) == 2])
    if isinstance(value, Mapping):
        return _listed([f"{k}: {v}" for k, v in value.items()])
    if isinstance(value, (list, tuple)):
        return _listed([", ".join(f"{k} {v}" for k, v in x.items()) if isinstance(x, Mapping) else x for x in value])
    if key == "fiscal_year" and value is None:
        return "default"
    if key == "margin_budget" and value is None:
        return "none"
    return value


def assumption_rows(p: Mapping) -> list[tuple]:
    """Every input of the run specification with its unit, then what the proposal is and came from."""
    spec = _map(p.get("spec"))
    rows = [("Proposal", p.get("name"), f"#{p.get('id')}" if p.get("id") is not None else "", None),
            ("Company", p.get("company"), "", None),
            ("Saved", _as_day(str(p.get("created_at") or "")[:10]), "UTC", DATE),
            ("App version", p.get("app_version"), "", None),
            ("Fingerprint", p.get("fingerprint"), "SHA-256 of the saved document", None),
            ("Signature", p.get("signature"), "", None)]
    for key, value in spec.items():
        if key == "policy":
            continue
        label, unit, f = SPEC_ROWS.get(key, (key.replace("_", " ").capitalize(), "", None))
        rows.append((label, _spec_value(key, value, f), unit, f))
    for key, value in _map(spec.get("policy")).items():
        label, unit, f = POLICY_ROWS.get(key, (key.replace("_", " ").capitalize(), "", None))
        if key == "name":
            value = _map(p.get("inputs")).get("policy_label") or value
        rows.append((label, _spec_value(key, value, f), unit, f))
    for key, d in _map(p.get("data")).items():
        d = _map(d)
        rows.append((f"{key}: usage complete to", _as_day(d.get("last_day")), "last day of usage", DATE))
        rows.append((f"{key}: estimated months", _listed(d.get("estimated_months")), "before the horizon", None))
        rows.append((f"{key}: index last observed", _as_day(d.get("index_last_observed")),
                     f"{d.get('index_age_days')} days before the as-of date", DATE))
    for a in _list(_map(p.get("statements")).get("assumptions")):
        rows.append(("Assumption", str(a), "", None))
    return [r for r in rows if r[1] is not None]


_HEADLINE = {
    "expected_spend": ("Expected spend, horizon", "USD", MONEY), "horizon_months": ("Horizon", "months", COUNT),
    "sd_before": ("Standard deviation, unhedged", "USD", MONEY), "sd_after": ("Standard deviation, hedged", "USD", MONEY),
    "volatility_reduction": ("Volatility reduction (1 - sd ratio)", "share", SHARE),
    "variance_reduction": ("Variance reduction", "share", SHARE),
    "program_cost": ("Program cost (fees and half spreads)", "USD", MONEY),
    "expected_cost_of_hedging": ("Expected cost of hedging", "USD", MONEY),
    "fiscal_year": ("Fiscal year", "", None), "budget": ("Annual budget", "USD", MONEY),
    "budget_compared": ("Budget compared (months covered)", "USD", MONEY),
    "fiscal_months_covered": ("Fiscal months covered", "months", COUNT),
    "fiscal_expected_spend": ("Expected spend, fiscal year", "USD", MONEY),
    "bar_before": ("Budget at risk, unhedged", "USD", MONEY), "bar_after": ("Budget at risk, hedged", "USD", MONEY),
    "prob_over_before": ("P(spend > budget), unhedged", "probability", SHARE),
    "prob_over_after": ("P(spend > budget), hedged", "probability", SHARE),
    "initial_margin_peak": ("Initial margin, peak", "USD", MONEY),
    "vm_p95": ("Variation margin, 95th percentile", "USD", MONEY),
    "margin_needed": ("Margin cash needed", "USD", MONEY), "trades": ("Trades", "count", COUNT),
    "lots": ("Lots", "contracts", COUNT), "run_rate_monthly": ("Latest monthly spend (run-rate)", "USD", MONEY),
    "summary": ("Summary", "", None),
}


def headline_rows(p: Mapping) -> list[tuple]:
    out = []
    for key, value in _map(p.get("headline")).items():
        label, unit, f = _HEADLINE.get(key, (key.replace("_", " ").capitalize(), "", None))
        if isinstance(value, (int, float, str)) or value is None:
            out.append((label, value, unit, f))
    return out


def _is_share_metric(label: str) -> bool:
    return label.startswith("P(") or label.startswith("Coefficient of variation")


def metrics_sheet(wb: Workbook, rows: list) -> None:
    """Before/after metrics: USD rows in currency, probabilities and the coefficient of variation as
    percentages, their changes in percentage points (the value is the change x 100)."""
    ws = wb.create_sheet("Metrics")
    names = ["metric", "unhedged", "hedged", "change"]
    widths = _header(ws, names)
    ws.cell(row=1, column=4).value = "change (USD, or pp for shares)"
    i = 1
    for r in rows:
        if not isinstance(r, Mapping):
            continue
        i += 1
        label = str(r.get("metric", ""))
        share = _is_share_metric(label)
        for j, key in enumerate(names, start=1):
            value = r.get(key)
            f = None if j == 1 else (SHARE if share else MONEY)
            if key == "change" and share and isinstance(value, (int, float)):
                value, f = value * 100.0, POINTS
            put(ws, i, j, value, f)
            widths[j] = max(widths[j], _shown_width(value, f))
    _fit(ws, widths)


def _ticks(p: Mapping) -> dict[str, float]:
    return {str(c.get("root")): float(c["tick"]) for c in _list(_map(p.get("provenance")).get("contracts"))
            if isinstance(c, Mapping) and fmt.as_number(c.get("tick"))}


def price_format(tick: float | None) -> str:
    decimals = fmt.tick_decimals(tick) if tick else 2
    return "$#,##0." + "0" * max(decimals, 2)


def schedule_sheet(wb: Workbook, p: Mapping, rows: list, title: str = "Trade schedule") -> None:
    """The trade schedule: real dates, prices at their contract's tick, the underlying by its plain
    name, a totals row."""
    rows = [{**r, "underlying": fmt.underlying(r["underlying"])} if isinstance(r, Mapping) and "underlying" in r
            else r for r in rows]
    table_sheet(wb, title, rows, totals=("lots", "notional (USD)", "initial margin (USD)", "cost (USD)"),
                formats={"delivery month": MONTH})
    ws = wb[title]
    names = [c.value for c in ws[1]]
    if "price" not in names or "contract" not in names:
        return
    col, contract_col = names.index("price") + 1, names.index("contract") + 1
    ticks = _ticks(p)
    for i in range(2, ws.max_row + 1):
        contract = str(ws.cell(row=i, column=contract_col).value or "")
        root = next((r for r in sorted(ticks, key=len, reverse=True) if contract.startswith(r)), None)
        cell = ws.cell(row=i, column=col)
        if isinstance(cell.value, (int, float)):
            cell.number_format = price_format(ticks.get(root) if root else None)


def policy_rows(p: Mapping) -> list[tuple]:
    """The policy and its limits as run, what materiality dropped, and the effectiveness tests."""
    inputs, st, t = _map(p.get("inputs")), _map(p.get("statements")), _map(p.get("tables"))
    rows = [("Policy", inputs.get("policy_label") or inputs.get("policy"), "", None),
            ("Volume hedged at most", inputs.get("volume_percentile"), "percentile of forecast volume", NUMBER),
            ("Position limit", inputs.get("position_limit"), "lots per contract", COUNT),
            ("Margin budget", inputs.get("margin_budget") if inputs.get("margin_budget") is not None else "none set",
             "USD", MONEY),
            ("Left unhedged", _listed(inputs.get("excluded")), "", None)]
    if "min_notional" in inputs:
        dropped = [r for r in _list(t.get("dropped")) if isinstance(r, Mapping)]
        rows += [("Materiality threshold", inputs.get("min_notional") or 0.0, "USD notional", MONEY),
                 ("Trades dropped as immaterial", len(dropped), "trades (listed on the sheet 'Dropped trades')", COUNT),
                 ("Notional dropped", sum(float(r.get("notional (USD)") or 0) for r in dropped), "USD", MONEY)]
    h = _map(p.get("headline"))
    if h.get("margin_needed") is not None and inputs.get("margin_budget") is not None:
        rows.append(("Margin cash needed within the margin budget",
                     "yes" if (h.get("initial_margin_peak") or 0) <= inputs["margin_budget"] else "no",
                     "peak initial margin against the budget", None))
    eff = st.get("effectiveness")
    if isinstance(eff, Mapping):
        rows += [("Hedge effectiveness: regression slope", eff.get("slope"), "80-125% test: -1.25 to -0.80", RATIO),
                 ("Hedge effectiveness: R²", eff.get("r_squared"), "at least 80%", SHARE),
                 ("Hedge effectiveness: dollar offset", eff.get("dollar_offset"), "80% to 125%", SHARE),
                 ("Hedge effectiveness: passes", eff.get("passes"), "", None),
                 ("Explanation", eff.get("explanation"), "", None), ("IFRS 9", eff.get("ifrs9_note"), "", None)]
    for w in _list(st.get("warnings")):
        rows.append(("Warning", str(w), "", None))
    return [r for r in rows if r[1] is not None]


#: Tables of the document with a sheet of their own above; the rest follow under these names.
OTHER_TABLES = {"exposure": "Exposure", "ratios": "Hedge ratios", "remaining": "Remaining risk",
                "dropped": "Dropped trades", "index_candidates": "Index candidates"}


def build_workbook(p: Mapping) -> bytes:
    """The proposal document ``p`` as .xlsx bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    t = _map(p.get("tables"))
    key_value_sheet(wb, "Assumptions", assumption_rows(p))
    key_value_sheet(wb, "Headline", headline_rows(p))
    schedule_sheet(wb, p, _list(t.get("schedule")))
    table_sheet(wb, "Monthly spend", _list(t.get("monthly_budget")), formats={"month": MONTH})
    metrics_sheet(wb, _list(t.get("metrics")))
    table_sheet(wb, "Stress", _list(t.get("stress")), wrap=("what it assumes",))
    key_value_sheet(wb, "Policy check", policy_rows(p))
    done = {"schedule", "monthly_budget", "metrics", "stress"}
    for key, value in t.items():
        if key in done or not value:
            continue
        title = OTHER_TABLES.get(key, key.replace("_", " ").capitalize())
        if key == "dropped":
            schedule_sheet(wb, p, _list(value), title)
        elif isinstance(value, list):
            table_sheet(wb, title, value)
        elif isinstance(value, Mapping) and all(isinstance(v, list) for v in value.values()):
            table_sheet(wb, title, [{"series": k, **r} for k, rows in value.items() for r in rows if isinstance(r, Mapping)])
        elif isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values()):
            nested = [{"series": k, **r} for k, v in value.items() for rows in v.values()
                      if isinstance(rows, list) for r in rows if isinstance(r, Mapping)]
            table_sheet(wb, title, nested or [{"series": k, **v} for k, v in value.items()])
    prov = _map(p.get("provenance"))
    table_sheet(wb, "Imports", _list(prov.get("imports")))
    table_sheet(wb, "Contracts", _list(prov.get("contracts")), wrap=("assumption_note",),
                formats={"tick": "0.000", "fee_per_lot": "$#,##0.000"})
    table_sheet(wb, "Price models", [{"underlying": m.get("underlying"), "model": m.get("label"), **_map(m.get("parameters"))}
                                     for m in _list(prov.get("models")) if isinstance(m, Mapping)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
