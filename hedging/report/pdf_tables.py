"""Number formats and tables for the PDF report.

Money is shown in whole dollars ("$1,234,567", negatives "-$1,234"), shares with one decimal
("12.3%"), changes of a share in percentage points ("+2.0 pp"). A column's format follows its
name (the app's frames name money columns "... (USD)" or expected/hedged/budget/...), and a row
label can override it (the before/after table mixes dollars and probabilities). Tables use
fpdf2's ``table()``: numbers right-aligned, the heading row repeated on every page the table
runs onto, long text wrapped inside its column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from fpdf.enums import TableBordersLayout, TableCellFillMode
from fpdf.fonts import FontFace

from hedging import fmt

from .pdf_layout import FAMILY, NAVY, RULE, TINT, ReportPDF

TABLE_PT = 7.5
SMALLER_PT = (7.5, 6.8, 6.2)
PAD_X, PAD_Y = 1.2, 0.8
CELL_CHARS = 160                 # longest text shown in one cell
NOTE_CHARS = 90                  # text columns longer than this move below the table as notes
MAX_NUMBER_MM = 45.0             # widest a number column grows (longer numbers wrap)
HUGE = 1e15                      # numbers this large are shown in scientific notation
SMALL_MONEY = 100.0              # a money column whose values are all below this shows cents

SHARE_WORDS = {"share", "ratio", "coverage", "probability", "reduction", "percent"}
PLAIN_WORDS = {"slope", "r²", "r2", "r_squared", "mase", "offset", "rho", "intercept", "correlation"}
COUNT_WORDS = {"lots", "rows", "forecasts", "points", "volume", "tokens", "paths", "hours", "count", "months",
               "horizon", "trades"}
PRICE_WORDS = {"price", "spot", "tick", "level"}
MONEY_WORDS = {"expected", "hedged", "unhedged", "budget", "spend", "cost", "costs", "notional", "margin", "p&l",
               "pnl", "change", "pct", "percentile", "var", "cvar", "low", "high", "total", "sd", "mean", "median",
               "fees", "fee", "cash", "usd", "payment", "value"}
ISO_DAY = r"\d{4}-\d{2}-\d{2}(?:[T ]00:00:00(?:\.0+)?(?:Z|[+-]00:00)?)?"
SHARE_ROW_WORDS = ("p(", "probability", "coefficient of variation", "reduction", "ratio", "share")


def _num(value: object) -> float | None:
    return fmt.as_number(value)


def _huge(x: float, signed: bool, prefix: str = "", suffix: str = "") -> str:
    """An absurd value (|x| >= 1e15) in scientific notation, so it cannot stretch a table off the page."""
    sign = "-" if x < 0 else ("+" if signed else "")
    return f"{sign}{prefix}{abs(x):.3g}{suffix}"


def money(value: object, signed: bool = False, decimals: int | None = None) -> str:
    """US dollars in the product's format (:func:`hedging.fmt.money`): ``money(1234567.4) == "$1,234,567"``,
    ``money(-1234) == "-$1,234"``; ``decimals`` above 2 for a per-lot fee (``money(0.005, decimals=3) == "$0.005"``)."""
    x = _num(value)
    if x is not None and abs(x) >= HUGE:
        return _huge(x, signed, "$")
    if decimals is not None and decimals > 2:
        return fmt.price(value, decimals=decimals, signed=signed)
    return fmt.money(value, signed, cents=None if decimals is None else decimals > 0)


def share(value: object, signed: bool = False) -> str:
    """A fraction as a percentage with one decimal: ``share(0.123) == "12.3%"``; signed: points."""
    x = _num(value)
    if x is not None and abs(x) * 100 >= HUGE:
        return _huge(x * 100, signed, suffix=" pp" if signed else "%")
    return fmt.points(value) if signed else fmt.share(value)


def count(value: object, signed: bool = False) -> str:
    x = _num(value)
    return _huge(x, signed) if x is not None and abs(x) >= HUGE else fmt.count(value, signed)


def price_decimals(values: Iterable[object]) -> int:
    """Decimals (2 to 4) that show every unit price in ``values`` exactly to 4 places."""
    need = 2
    for v in values:
        x = _num(v)
        if x is not None:
            frac = f"{abs(x):.4f}".split(".")[1].rstrip("0")
            need = max(need, len(frac))
    return need


def price(value: object, signed: bool = False, decimals: int | None = None) -> str:
    """A unit price with 2 to 4 decimals: 0.6977 -> "0.6977", 2.15 -> "2.15"."""
    x = _num(value)
    if x is not None and abs(x) >= HUGE:
        return _huge(x, signed)
    return fmt.price(value, decimals=decimals, currency=False, signed=signed)


def plain(value: object, signed: bool = False) -> str:
    x = _num(value)
    if x is None:
        return fmt.DASH
    if abs(x) >= HUGE:
        return _huge(x, signed)
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.count(value, signed)
    return fmt.number(x, 0 if abs(x) >= 1000 else 2, signed)


FORMATS = {"money": money, "share": share, "count": count, "price": price, "plain": plain}


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9²%&]+", name.lower().replace("_", " "))


def column_kind(name: str, values: Iterable[object]) -> str:
    """"text", "money", "share", "count", "price" or "plain", from the column name and its values."""
    values = list(values)
    if not any(_num(v) is not None and not isinstance(v, str) for v in values):
        return "text"
    low, words = name.lower(), set(_words(name))
    if "(usd)" in low:
        return "money"
    if words & SHARE_WORDS or low.startswith("p(") or "(%)" in low or "sd/mean" in low:
        return "share"
    if words & PLAIN_WORDS or "r²" in low:
        return "plain"
    if words & COUNT_WORDS:
        return "count"
    if words & PRICE_WORDS:
        return "price"
    if words & MONEY_WORDS:
        return "money"
    return "plain"


def row_kind(label: object) -> str | None:
    """The format a before/after row forces on its numbers ("share" for probabilities), else None."""
    low = str(label).lower()
    return "share" if any(w in low for w in SHARE_ROW_WORDS) else None


def is_signed(column: str) -> bool:
    return column.lower().startswith(("change", "difference"))


def format_value(value: object, kind: str, signed: bool = False, doc: ReportPDF | None = None,
                 decimals: int | None = None) -> str:
    if kind == "text" or (isinstance(value, str) and _num(value) is None):
        if isinstance(value, bool):
            return "yes" if value else "no"
        text = "" if value is None else value
        return doc.clean(text, CELL_CHARS) if doc is not None else str(text)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if kind == "price":
        # a price already written at its contract's tick (text) stays as written
        return value if isinstance(value, str) else price(value, signed, decimals)
    if kind == "money" and decimals:
        return money(value, signed, decimals)
    return FORMATS[kind](value, signed)


def _month(value: object) -> object:
    """An ISO date (``2026-11-01`` or ``2026-11-01T00:00:00``) as "Nov 2026"; anything else unchanged."""
    if isinstance(value, str) and re.fullmatch(ISO_DAY, value):
        return fmt.month(value[:10]) if fmt.month(value[:10]) != fmt.DASH else value
    return value


def _day(value: object) -> object:
    """An ISO date as "6 Dec 2026"; anything else unchanged."""
    if isinstance(value, str) and re.fullmatch(ISO_DAY, value):
        return fmt.date(value[:10]) if fmt.date(value[:10]) != fmt.DASH else value
    return value


def _columns(records: Sequence[Mapping]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in records:
        for key in rec:
            seen.setdefault(str(key), None)
    return list(seen)


def _widths(doc: ReportPDF, header: list[str], body: list[list[str]], kinds: list[str], avail: float,
            size: float) -> tuple[list[float], list[float]]:
    """Column widths in mm, and the least width of each column, at font ``size``."""
    pad = 2 * PAD_X + 0.6
    want, least, full_head = [], [], []
    for j, head in enumerate(header):
        doc.set_font(FAMILY, "B", size)
        head_word = min(max((doc.get_string_width(w) for w in head.split()), default=0) + pad, 40)
        full_head.append(min(doc.get_string_width(head) + pad, 60))
        doc.set_font(FAMILY, "", size)
        natural = max((doc.get_string_width(row[j]) for row in body), default=0) + pad
        if kinds[j] == "text":
            low = max(head_word, 16.0)
            want.append(max(min(natural, 62.0), low))
            least.append(low)
        else:
            w = min(max(natural, head_word), MAX_NUMBER_MM)
            want.append(w)
            least.append(w)
    total = sum(want)
    if total <= avail:
        widths = want[:]
        spare = avail - total
        grow = [max(f - w, 0) for f, w in zip(full_head, widths)]      # unwrap headings first
        if sum(grow) > 0:
            take = min(spare, sum(grow))
            widths = [w + take * g / sum(grow) for w, g in zip(widths, grow)]
            spare -= take
        widths = [w + spare * w / sum(widths) for w in widths]
    elif sum(least) <= avail:
        # cap the widest text columns first: find the cap at which the widths fill the page exactly
        lo, hi = 0.0, max(want)
        for _ in range(40):
            cap = (lo + hi) / 2
            if sum(max(min(w, cap), m) for w, m in zip(want, least)) > avail:
                hi = cap
            else:
                lo = cap
        widths = [max(min(w, lo), m) for w, m in zip(want, least)]
        widths[0] += avail - sum(widths)
    else:
        widths = [m * avail / sum(least) for m in least]
    return widths, least


def _table_pen(doc: ReportPDF) -> None:
    """Thin grey rules and a white fill: fpdf2 draws cell borders and fills with the current colours."""
    doc.set_fill_color(255, 255, 255)
    doc.set_draw_color(*RULE)
    doc.set_line_width(0.15)


def _table_width(doc: ReportPDF, header: list[str], body: list[list[str]], size: float) -> float:
    """The full text width, or less for a narrow table (2-3 short columns look lost across a page)."""
    doc.set_font(FAMILY, "B", size)
    natural = 0.0
    for j, head in enumerate(header):
        doc.set_font(FAMILY, "B", size)
        w = doc.get_string_width(head)
        doc.set_font(FAMILY, "", size)
        w = max([w] + [doc.get_string_width(row[j]) for row in body])
        natural += w + 2 * PAD_X + 0.6
    return doc.epw if natural > 0.5 * doc.epw else min(doc.epw, max(1.6 * natural, 100.0))


def draw_table(doc: ReportPDF, records: Sequence[Mapping], *, columns: Sequence[str] | None = None,
               kinds: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
               label_column: str | None = None, notes_title: str | None = None) -> None:
    """Draw ``records`` (one dict per row) as a table across the text width.

    With ``notes_title``, text columns longer than ``NOTE_CHARS`` move below the table as a list
    keyed by the first column, so the numbers stay on one line each; otherwise long text wraps in
    its column (cut at ``CELL_CHARS``). ``headers`` renames columns for display;
    ``label_column`` names the column whose value may force a row's format (see :func:`row_kind`).
    """
    records = [r for r in records if isinstance(r, Mapping)]
    if not records:
        doc.paragraph("No rows.", size=8.5)
        return
    columns = [c for c in (list(columns) if columns else _columns(records))
               if any(r.get(c) not in (None, "") for r in records)]          # all-empty columns say nothing
    if not columns:
        doc.paragraph("No values.", size=8.5)
        return
    kind_of = {c: (kinds or {}).get(c) or column_kind(c, [r.get(c) for r in records]) for c in columns}
    long_text = [c for c in columns[1:] if notes_title and kind_of[c] == "text"
                 and max(len(str(r.get(c) or "")) for r in records) > NOTE_CHARS]
    shown = [c for c in columns if c not in long_text]
    header = [doc.clean((headers or {}).get(c, c), 60) for c in shown]
    places = {c: price_decimals(r.get(c) for r in records) for c in shown if kind_of[c] == "price"}
    places.update({c: price_decimals(r.get(c) for r in records) for c in shown if kind_of[c] == "money"
                   and all(abs(_num(r.get(c)) or 0) < SMALL_MONEY for r in records)})   # fees: show the cents
    months = [c for c in shown if kind_of[c] == "text" and _words(c)[-1:] == ["month"]]
    days = [c for c in shown if kind_of[c] == "text" and _words(c)[-1:] in (["day"], ["date"])]
    records = [{**r, **{c: _month(r.get(c)) for c in months}, **{c: _day(r.get(c)) for c in days}} for r in records]
    body = []
    for rec in records:
        force = row_kind(rec.get(label_column)) if label_column else None
        body.append([format_value(rec.get(c), force if force and kind_of[c] != "text" else kind_of[c],
                                  is_signed(c), doc, places.get(c)) for c in shown])
    aligns = ["LEFT" if kind_of[c] == "text" else "RIGHT" for c in shown]
    kinds_shown = [kind_of[c] for c in shown]
    for group in _column_groups(doc, header, body, kinds_shown):
        _render(doc, [header[j] for j in group], [[row[j] for j in group] for row in body],
                [kinds_shown[j] for j in group], [aligns[j] for j in group])
    for col in long_text:
        doc.paragraph(notes_title, size=8.5, bold=True)
        doc.bullets([f"{doc.clean(rec.get(columns[0]), 80)}: {doc.clean(rec.get(col), 1500)}" for rec in records
                     if rec.get(col)], size=8.5)


def _column_groups(doc: ReportPDF, header: list[str], body: list[list[str]], kinds: list[str]) -> list[list[int]]:
    """Column indexes of each table to draw: all columns, or, for a table too wide for the page
    even at the smallest font, consecutive groups that fit, each starting with the first column."""
    _, least = _widths(doc, header, body, kinds, doc.epw, SMALLER_PT[-1])
    if sum(least) <= doc.epw or len(header) < 3:
        return [list(range(len(header)))]
    groups, current, used = [], [0], least[0]
    for j in range(1, len(header)):
        if used + least[j] > doc.epw and len(current) > 1:
            groups.append(current)
            current, used = [0], least[0]
        current.append(j)
        used += least[j]
    groups.append(current)
    return groups


def _render(doc: ReportPDF, header: list[str], body: list[list[str]], kinds: list[str], aligns: list[str]) -> None:
    for size in SMALLER_PT:
        width = _table_width(doc, header, body, size)
        widths, least = _widths(doc, header, body, kinds, width, size)
        if sum(least) <= width:
            break
    line_h = size * 0.46
    doc.ensure_space(line_h * 6)
    doc.set_font(FAMILY, "", size)
    _table_pen(doc)
    style = FontFace(family=FAMILY, emphasis="BOLD", color=(255, 255, 255), fill_color=NAVY, size_pt=size)
    with doc.table(width=min(sum(widths), doc.epw), col_widths=tuple(widths), text_align=tuple(aligns), align="LEFT",
                   headings_style=style, line_height=line_h, padding=(PAD_Y, PAD_X),
                   borders_layout=TableBordersLayout.HORIZONTAL_LINES, cell_fill_color=TINT,
                   cell_fill_mode=TableCellFillMode.EVEN_ROWS, repeat_headings=1, v_align="TOP") as table:
        table.row(header)
        for row in body:
            table.row(row)
    doc.ln(3)
    doc.set_font(FAMILY, "", 9.5)


def draw_key_values(doc: ReportPDF, pairs: Iterable[tuple[str, object]], label_width: float = 58.0) -> None:
    """A two-column table of labels (bold) and values (wrapped), without a heading row."""
    rows = [(doc.clean(k, 120), doc.clean(v, 1500)) for k, v in pairs]
    if not rows:
        return
    doc.ensure_space(14)
    doc.set_font(FAMILY, "", 8.5)
    _table_pen(doc)
    with doc.table(width=doc.epw, col_widths=(label_width, doc.epw - label_width), text_align=("LEFT", "LEFT"),
                   align="LEFT", first_row_as_headings=False, line_height=4.1, padding=(1.0, PAD_X),
                   borders_layout=TableBordersLayout.HORIZONTAL_LINES, v_align="TOP") as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    doc.ln(3)
    doc.set_font(FAMILY, "", 9.5)
