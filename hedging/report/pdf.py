"""The board-ready PDF proposal, rendered from a saved (frozen) proposal payload.

``build_pdf(proposal)`` lays out what the payload holds and computes nothing but display
arithmetic: the decision summary on the first page (:mod:`hedging.report.pdf_decision`; documents
saved before it have none), the cover details with contents, executive summary with the headline
numbers and the points to note, exposure, forecast, the program with its disclosure table,
before/after, stress, liquidity, basis risk, hedge accounting, methodology and assumptions,
disclaimer, and an appendix of the statistics behind the points to note. Charts are the app's own plotly figures (stored as
JSON in the payload), rendered to PNG by one warm Chromium (:mod:`hedging.report.pdf_figures`);
a chart that is missing or cannot be rendered is replaced by a note saying which one.

Contents follow what a CFO-facing hedge proposal holds (budget at risk before and after, exposure
and its bands, risk measures and stress, the program, basis risk, cost and liquidity, accounting,
methodology and data sources).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from fpdf.enums import MethodReturnValue, XPos, YPos

from .pdf_decision import appendix, decision_page
from .pdf_figures import (
    RenderFailure,
    figure_size,
    render_all,
    render_figures,
    renderer_running,
    start_renderer,
    stop_renderer,
)
from . import pdf_approval as approval
from .pdf_memo import memo_section
from .pdf_layout import FAMILY, GREY, INK, NAVY, TINT, FontMissingError, ReportPDF, font_paths
from .pdf_sections import (
    basis_risk,
    before_after,
    disclaimer,
    executive_summary,
    exposure_profile,
    forecast,
    hedge_accounting,
    liquidity,
    methodology,
    program,
    stress,
)

__all__ = ["build_pdf", "render_figures", "render_all", "start_renderer", "stop_renderer", "renderer_running",
           "FontMissingError", "RenderFailure", "SECTIONS", "figure_size"]

#: Section headings in the order they appear (after the cover).
SECTIONS = ("1. Executive summary", "2. Exposure profile", "3. Forecast", "4. The program",
            "5. Before and after", "6. Stress scenarios", "7. Liquidity", "8. Basis risk",
            "9. Hedge accounting tests", "10. Methodology and assumptions", "11. Disclaimer", "12. Approval and policy check",
            "13. Hedge designation memo", "14. Appendix: the statistics behind the points to note")


def _date(value: object) -> str:
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return f"{when.day} {when:%B %Y, %H:%M} UTC"


_COVER_SIGNATURE = {"signed": "verified: unchanged since it was saved (HMAC-SHA256)"}


def _signature_note(status: object) -> str:
    """How the stored record was checked when it was opened for this PDF."""
    if status == "signed":
        return "signature verified"
    if status:
        return str(status)  # "unsigned (saved before signatures)"
    return ""


def _creation_date(value: object) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _cover(doc: ReportPDF, p: Mapping) -> None:
    doc.add_page()
    inputs = p.get("inputs") if isinstance(p.get("inputs"), Mapping) else {}
    doc.set_font(FAMILY, "B", 22)
    company = doc.fit_lines(doc.clean(p.get("company") or "Company not named", 300), doc.epw, 3, 10)
    lines = len(doc.multi_cell(doc.epw, 10, company, dry_run=True, output=MethodReturnValue.LINES))
    band = 40 + 10 * lines
    doc.set_fill_color(*NAVY)
    doc.rect(0, 0, doc.w, band, style="F")
    doc.set_text_color(255, 255, 255)
    doc.set_xy(doc.l_margin, 18)
    doc.set_font(FAMILY, "", 11)
    doc.cell(0, 6, "Compute-cost hedging proposal", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    doc.set_font(FAMILY, "B", 22)
    doc.multi_cell(0, 10, company, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_y(band + 12)
    doc.set_text_color(*NAVY)
    doc.set_font(FAMILY, "B", 17)
    name = doc.clean(p.get("name") or "Untitled proposal", 300)
    doc.multi_cell(0, 8, doc.fit_lines(name, doc.epw, 2, 8), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    if decision_page(doc, p):   # the board reads the decision first; the document's details and contents follow
        doc.add_page()
    doc.set_text_color(*INK)
    doc.set_font(FAMILY, "", 10)
    horizon = inputs.get("horizon")
    fingerprint = str(p.get("fingerprint") or "")
    lines = [("Date", _date(p.get("created_at"))), ("Proposal", doc.label),
             ("Fingerprint", fingerprint or "not saved"),
             ("Signature", _COVER_SIGNATURE.get(p.get("signature"), _signature_note(p.get("signature")) or "not saved")),
             ("Policy", inputs.get("policy_label") or inputs.get("policy") or "not stated"),
             ("Horizon", f"{horizon} months" if horizon is not None else "not stated"),
             ("Application version", p.get("app_version") or "not stated")] + approval.cover_lines(p)
    for label, value in lines:
        doc.set_font(FAMILY, "B", 10)
        doc.cell(42, 6, label)
        doc.set_font(FAMILY, "", 9 if label == "Fingerprint" else 10)  # 64 hex digits on one line
        doc.multi_cell(0, 6, doc.fit_lines(doc.clean(value, 200), doc.epw - 42, 2, 6),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(3)
    doc.set_text_color(*GREY)
    doc.set_font(FAMILY, "", 9.5)
    doc.cell(0, 5, "Prepared with the compute-cost hedging desk", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(6)
    doc.set_text_color(*NAVY)
    doc.set_font(FAMILY, "B", 11)
    doc.cell(0, 6, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.insert_toc_placeholder(_contents, pages=1, reset_page_indices=False)


def _contents(doc: ReportPDF, outline) -> None:
    doc.set_x(doc.l_margin)
    doc.set_font(FAMILY, "", 10)
    doc.set_text_color(*INK)
    doc.set_draw_color(*TINT)
    for entry in outline:
        if entry.level != 0 or doc.y + 6.2 > doc.page_break_trigger - 14:
            continue
        link = doc.add_link(page=entry.page_number)
        doc.cell(doc.epw - 14, 6.2, doc.clean(entry.name, 80), link=link)
        doc.cell(14, 6.2, str(entry.page_number), align="R", link=link, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.line(doc.l_margin, doc.y, doc.w - doc.r_margin, doc.y)
    doc.set_y(doc.page_break_trigger - 12)
    doc.set_font(FAMILY, "", 8)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 4, "All figures are simulations of the stated model with a stated seed; the futures contracts "
                   "are hypothetical. Not investment advice: see section 11.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_text_color(*INK)


def build_pdf(proposal: Mapping, images: Mapping[str, bytes] | None = None) -> bytes:
    """The proposal as an A4 PDF (bytes).

    Parameters
    ----------
    proposal : mapping
        The saved proposal payload (id, name, company, created_at, app_version, inputs, provenance,
        headline, tables, statements, figures); any part may be missing.
    images : mapping of str to bytes, optional
        PNGs already rendered by :func:`render_figures` for ``proposal["figures"]``; when omitted
        the figures are rendered here, in the shared warm Chromium.

    Raises
    ------
    FontMissingError
        When the DejaVu Sans fonts are not installed (fix: install fonts-dejavu-core).
    """
    if not isinstance(proposal, Mapping):
        proposal = {}
    font_paths()
    figures = proposal.get("figures") if isinstance(proposal.get("figures"), Mapping) else {}
    if images is None:
        rendered, problems = render_all(figures)
    else:
        rendered = {k: v for k, v in images.items() if isinstance(v, (bytes, bytearray))}
        problems = {k: "the chart could not be rendered" for k in figures if k not in rendered}
    charts = _Charts(figures, rendered, problems)

    pid = proposal.get("id")
    label = f"Proposal #{pid}" if pid not in (None, "") else "Proposal (not saved)"
    fingerprint = str(proposal.get("fingerprint") or "")
    # the stored document on every page: number, name, fingerprint and whether it is signed
    doc = ReportPDF(label, f"{label} · {proposal.get('name') or 'Untitled proposal'}",
                    str(proposal.get("company") or ""), name=str(proposal.get("name") or "Untitled proposal"),
                    fingerprint=fingerprint, signature=_signature_note(proposal.get("signature")))
    doc.set_title(doc.clean(f"{proposal.get('name') or 'Proposal'} — {proposal.get('company') or ''}", 200))
    doc.set_author(doc.clean(proposal.get("company") or "", 200))
    doc.set_creator("Compute-cost hedging desk")
    doc.set_lang("en")
    doc.watermark = approval.watermark_text(proposal)
    created = _creation_date(proposal.get("created_at"))
    if created is not None:
        doc.set_creation_date(created)

    _cover(doc, proposal)
    def approval_part(doc, proposal, charts, title):
        approval.approval_section(doc, proposal, title)
        approval.policy_check_section(doc, proposal)

    def memo_part(doc, proposal, charts, title):
        memo_section(doc, proposal, title)

    parts = (executive_summary, exposure_profile, forecast, program, before_after, stress, liquidity, basis_risk,
             hedge_accounting, methodology, disclaimer, approval_part, memo_part, appendix)
    for title, part in zip(SECTIONS, parts, strict=True):
        part(doc, proposal, charts, title)
    return bytes(doc.output())


class _Charts:
    """Numbered figures: draws a rendered chart with its caption, or a note saying why it is absent."""

    CAPTIONS = {
        "spend_fan": ("Forecast monthly spend", "actual monthly spend, then the simulated mean and the 50%, 80% "
                      "and 95% bands of monthly spend in USD, against the monthly budget (annual budget / 12)."),
        "hedge_ratios": ("Hedge ratios", "hedged lots as a share of each underlying's expected volume, by "
                         "delivery month."),
        "distribution": ("Spend distribution", "total spend over the horizon across the simulated paths, with and "
                         "without the program; the dashed line is the budget."),
        "fan_compare": ("Monthly spend with and without the program", "median and 5-95% band of monthly spend, "
                        "unhedged and hedged."),
        "margin": ("Initial margin", "initial margin held each month by the program's open positions, USD."),
        "remaining": ("What the hedge did not remove", "each source's share of the variance of horizon spend "
                      "left after the program, labelled with its part of the remaining standard deviation in USD."),
        "volume_token": ("Token volume forecast", "monthly token volume: history, then the forecast mean with its "
                         "50%, 80% and 95% intervals."),
        "volume_gpu": ("GPU-hour volume forecast", "monthly GPU-hours: history, then the forecast mean with its "
                       "50%, 80% and 95% intervals."),
        "basis_token": ("Token basis", "the company's monthly price per million tokens against the token index "
                        "(log axes), with the fitted basis line."),
        "basis_gpu": ("GPU-hour basis", "the company's monthly price per GPU-hour against the GPU index (log axes), "
                      "with the fitted basis line."),
    }

    def __init__(self, figures: Mapping, images: Mapping[str, bytes], problems: Mapping[str, str]) -> None:
        self.figures, self.images, self.problems = figures, images, problems
        self.number = 0
        self.drawn: set[str] = set()

    def draw(self, doc: ReportPDF, key: str) -> None:
        self.drawn.add(key)
        title, text = self.CAPTIONS.get(key, (key.replace("_", " ").capitalize(), "chart stored with the proposal."))
        png = self.images.get(key)
        if png is None:
            why = self.problems.get(key) or "it was not stored with this proposal"
            if key not in self.figures:
                why = "it was not stored with this proposal"
            doc.note(f"Chart unavailable: {title} ({key}); {why}.")
            return
        self.number += 1
        try:
            doc.figure(png, f"Figure {self.number}. {title}. {text[:1].upper()}{text[1:]}", figure_size(key))
        except (RuntimeError, ValueError, OSError) as err:  # an image fpdf2 cannot read
            self.number -= 1
            doc.note(f"Chart unavailable: {title} ({key}); the rendered image could not be embedded ({err}).")

    def others(self) -> list[str]:
        return [k for k in self.figures if k not in self.drawn and k not in self.CAPTIONS]
