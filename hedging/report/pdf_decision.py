"""The PDF's decision page, its disclosure table and the appendix of statistics behind the warnings.

All three draw what the saved proposal holds (``decision``, ``tables.disclosure``,
``statements.advice``: built by :mod:`hedging.service.decision`, :mod:`hedging.service.disclosure`
and :mod:`hedging.service.advice`, the objects the Proposal page renders), so the page and the PDF
say the same; a document saved before they existed prints without them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fpdf.enums import XPos, YPos

from hedging import fmt

from .pdf_layout import FAMILY, GREY, INK, NAVY, TINT, ReportPDF
from .pdf_tables import draw_table


def _map(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else []


def _heading(doc: ReportPDF, text: str) -> None:
    doc.ln(1)
    doc.set_font(FAMILY, "B", 10)
    doc.set_text_color(*NAVY)
    doc.cell(0, 5.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_text_color(*INK)


def _tile(doc: ReportPDF, x: float, y: float, w: float, h: float, label: str, value: str, note: str) -> None:
    doc.set_fill_color(*TINT)
    doc.rect(x, y, w, h, style="F")
    doc.set_fill_color(*NAVY)
    doc.rect(x, y, 1.0, h, style="F")
    doc.set_xy(x + 3, y + 1.6)
    doc.set_font(FAMILY, "", 7)
    doc.set_text_color(*GREY)
    doc.cell(w - 4, 3.4, doc.fit_width(doc.clean(label, 80), w - 4))
    doc.set_xy(x + 3, y + 5.4)
    value = doc.clean(value, 60)
    size = 11.5
    doc.set_font(FAMILY, "B", size)
    while size > 7.5 and doc.get_string_width(value) > w - 5:   # "$1,159,080 → $1,110,599" fits whole
        size -= 0.5
        doc.set_font(FAMILY, "B", size)
    doc.set_text_color(*NAVY)
    doc.cell(w - 4, 5.6, doc.fit_width(value, w - 4))
    doc.set_xy(x + 3, y + 11.6)
    doc.set_font(FAMILY, "", 6.8)
    doc.set_text_color(*INK)
    doc.multi_cell(w - 4, 3.0, doc.fit_lines(doc.clean(note, 200), w - 4, 2, 3.0))


def decision_page(doc: ReportPDF, p: Mapping) -> bool:
    """Draw the decision summary from the cursor down (the cover's first page); False, drawing
    nothing, when the proposal holds none."""
    d = _map(p.get("decision"))
    if not d.get("recommendation"):
        return False
    doc.set_font(FAMILY, "B", 13)
    doc.set_text_color(*NAVY)
    doc.cell(0, 7, "Decision summary", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_text_color(*INK)
    doc.paragraph(d.get("recommendation"), size=10, limit=700, bold=True)
    doc.paragraph(d.get("decision"), size=9, limit=700)
    figures = [f for f in _list(d.get("figures")) if isinstance(f, Mapping)]
    if figures:
        cols, gap, th = 3, 2.5, 17.0
        w = (doc.epw - gap * (cols - 1)) / cols
        rows = (len(figures) + cols - 1) // cols
        top = doc.y + 0.5
        for i, f in enumerate(figures):
            _tile(doc, doc.l_margin + (i % cols) * (w + gap), top + (i // cols) * (th + gap), w, th,
                  str(f.get("label") or ""), str(f.get("value") or ""), str(f.get("note") or ""))
        doc.set_xy(doc.l_margin, top + rows * (th + gap))
    lines = [x for x in _list(d.get("bridge_lines")) if isinstance(x, Sequence) and len(x) == 2]
    if lines:
        _heading(doc, "The cost, reconciled (USD over the horizon)")
        draw_table(doc, [{"": str(label), "USD": fmt.money(value, cents=False)} for label, value in lines],
                   kinds={"USD": "price"})  # written as text already: a price column keeps it and aligns it right
    falls = [f for f in _list(d.get("price_falls")) if isinstance(f, Mapping)]
    if falls:
        _heading(doc, "If prices fall")
        doc.bullets([f.get("sentence") for f in falls], size=8.3)
    risks = _list(d.get("risks"))
    if risks:
        _heading(doc, "Three risks that remain")
        doc.bullets(risks, size=8.3)
    return True


def points_to_note(doc: ReportPDF, p: Mapping) -> bool:
    """The warnings as points to note, each with its consequence and what to do; False when the
    proposal holds no advice (older documents: the caller prints their warnings as saved)."""
    advice = [a for a in _list(_map(p.get("statements")).get("advice")) if isinstance(a, Mapping)]
    if not advice:
        return False
    doc.subsection("Points to note before deciding")
    doc.bullets([f"{a.get('message', '')} {a.get('consequence', '')} What to do: {a.get('action', '')} "
                 f"(statistics: appendix, point {i})" for i, a in enumerate(advice, 1)], size=9)
    return True


def appendix(doc: ReportPDF, p: Mapping, charts, title: str) -> None:
    """The statistics behind each point to note, numbered as in section 1."""
    doc.section(title, keep_with=30)
    advice = [a for a in _list(_map(p.get("statements")).get("advice")) if isinstance(a, Mapping)]
    if not advice:
        doc.paragraph("This proposal holds no points to note, or was saved before their statistics were kept apart; "
                      "any warnings are printed in section 1 as they were saved.", size=9, color=GREY)
        return
    doc.bullets([f"Point {i}: {a.get('statistics', '')}" for i, a in enumerate(advice, 1)], size=8.5)


def disclosure(doc: ReportPDF, p: Mapping) -> None:
    """The disclosure table by quarter, when the proposal holds one."""
    rows = _map(p.get("tables")).get("disclosure")
    if rows is None:
        return
    doc.subsection("Hedge disclosure by quarter", keep_with=40)
    doc.paragraph("As airlines report fuel hedges: the share of expected consumption hedged in each quarter, the "
                  "instrument, its weighted average price (a cap's is its strike) and notional.", size=8.5)
    shown = [{"quarter": r.get("quarter"), "underlying": r.get("underlying"), "instrument": r.get("instrument"),
              "expected consumption": r.get("expected consumption"),
              "% hedged": r.get("% of expected consumption hedged"),
              "weighted average price": fmt.price(r.get("weighted average price"), decimals=3, currency=False),
              "notional (USD)": fmt.money(r.get("notional (USD)"), cents=False)}
             for r in _list(rows) if isinstance(r, Mapping)]
    # prices and amounts written here (three decimals; whole dollars): a price column keeps text as written
    draw_table(doc, shown, kinds={"expected consumption": "count", "% hedged": "share",
                                  "weighted average price": "price", "notional (USD)": "price"})
    doc.paragraph("Prices are USD per million tokens for token rows and USD per GPU-hour for GPU rows; expected "
                  "consumption is in millions of tokens or GPU-hours.", size=8, color=GREY)
