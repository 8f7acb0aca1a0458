"""The hedge designation memo on paper: section 13 of the board PDF, and a PDF of the memo alone.

Both lay out the same plain data (:func:`hedging.service.memo.designation_memo`: header facts, what
changed from the version it replaces, then the memo's parts with their paragraphs, facts, tables and
lists) and compute nothing. A memo that is not approved is marked "Draft — not approved" on every page
of its own document, as a draft proposal's pages are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from fpdf.enums import XPos, YPos

from .pdf_approval import DRAFT_MARK
from .pdf_layout import FAMILY, GREY, INK, NAVY, TINT, ReportPDF, font_paths
from .pdf_tables import draw_key_values, draw_table


def _list(v) -> list:
    return list(v) if isinstance(v, Sequence) and not isinstance(v, (str, bytes)) else []


def _map(v) -> Mapping:
    return v if isinstance(v, Mapping) else {}


def _body(doc: ReportPDF, memo: Mapping, heading) -> None:
    """The memo's header facts, its changes and its parts, each part opened by ``heading(doc, title)``."""
    if memo.get("draft"):
        doc.note(f"{DRAFT_MARK}. This memo documents a proposal that is not approved: it "
                 f"{str(memo.get('version_label') or 'is a draft').removeprefix('draft — ')}. The designation "
                 "takes effect only on approval, on the approval date.")
    draw_key_values(doc, [(str(k), str(v)) for k, v in (tuple(f)[:2] for f in _list(memo.get("facts"))
                                                        if len(tuple(f)) >= 2)], label_width=40)
    changes = [str(c) for c in _list(memo.get("changes"))]
    if changes:
        doc.paragraph("What would change from the approved version" if memo.get("draft")
                      else "What changed from the version it replaces", size=9, bold=True, color=NAVY)
        doc.bullets(changes, size=8.5)
    for number, part in enumerate((p for p in _list(memo.get("sections")) if isinstance(p, Mapping)), start=1):
        heading(doc, number, str(part.get("title") or ""))
        facts = [tuple(f)[:2] for f in _list(part.get("facts")) if len(tuple(f)) >= 2]
        if facts and part.get("facts_first"):
            draw_key_values(doc, [(str(k), str(v)) for k, v in facts], label_width=46)
        for text in _list(part.get("paragraphs")):
            doc.paragraph(text, size=9)
        if facts and not part.get("facts_first"):
            draw_key_values(doc, [(str(k), str(v)) for k, v in facts], label_width=46)
        for table in (t for t in _list(part.get("tables")) if isinstance(t, Mapping)):
            doc.paragraph(table.get("title"), size=8.5, bold=True, color=NAVY)
            draw_table(doc, _list(table.get("rows")), columns=_list(table.get("columns")) or None,
                       kinds=_map(table.get("kinds")))
        if _list(part.get("bullets")):
            doc.bullets([str(b) for b in _list(part.get("bullets"))], size=8.5)


def memo_section(doc: ReportPDF, proposal: Mapping, title: str) -> None:
    """Section 13 of the board PDF: the memo the service attached to the document as ``memo``."""
    memo = proposal.get("memo")
    doc.section(title, keep_with=60)
    if not isinstance(memo, Mapping):
        doc.note("No designation memo is attached to this document (it was printed before it was saved). Save the "
                 "proposal; its memo then prints here and downloads on its own from the Proposal page.")
        return
    doc.paragraph("The documentation a cash-flow hedge needs at inception (ASC 815-20-25-3; IFRS 9 §6.4.1(b)), "
                  "written from this proposal's frozen numbers. It also downloads as a document of its own.",
                  size=8.5, color=GREY)

    def heading(d: ReportPDF, number: int, text: str) -> None:
        d.subsection(f"{title.split('.')[0]}.{number} {text}", keep_with=24)

    _body(doc, memo, heading)


def build_memo_pdf(memo: Mapping, proposal: Mapping) -> bytes:
    """The memo alone as an A4 PDF (bytes): a title block, then its numbered parts."""
    font_paths()
    memo, proposal = _map(memo), _map(proposal)
    pid = proposal.get("id")
    label = f"Proposal #{pid}" if pid not in (None, "") else "Proposal (not saved)"
    name = str(proposal.get("name") or "Untitled proposal")
    doc = ReportPDF(label, f"{memo.get('title') or 'Hedge designation memo'} · {label} · {name}",
                    str(proposal.get("company") or ""), name=name, fingerprint=str(proposal.get("fingerprint") or ""),
                    signature="signature verified" if proposal.get("signature") == "signed"
                    else str(proposal.get("signature") or ""))
    doc.set_title(doc.clean(f"{memo.get('title') or 'Hedge designation memo'} — {name}", 200))
    doc.set_author(doc.clean(proposal.get("company") or "", 200))
    doc.set_creator("Compute-cost hedging desk")
    doc.set_lang("en")
    doc.watermark = DRAFT_MARK if memo.get("draft") else ""
    try:
        doc.set_creation_date(dt.datetime.fromisoformat(str(proposal.get("created_at"))))
    except ValueError:
        pass
    doc.add_page()
    doc.set_fill_color(*NAVY)
    doc.rect(0, 0, doc.w, 34, style="F")
    doc.set_text_color(255, 255, 255)
    doc.set_xy(doc.l_margin, 9)
    doc.set_font(FAMILY, "", 10)
    doc.cell(0, 5, doc.clean(proposal.get("company") or "Company not named", 120), new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    doc.set_font(FAMILY, "B", 18)
    doc.cell(0, 10, str(memo.get("title") or "Hedge designation memo"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_font(FAMILY, "", 10)
    doc.cell(0, 5, doc.fit_width(doc.clean(f"{name} · {memo.get('version_label') or ''}", 200), doc.epw),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_y(40)
    doc.set_text_color(*INK)

    def heading(d: ReportPDF, number: int, text: str) -> None:
        d.section(f"{number}. {text}", keep_with=24)

    _body(doc, memo, heading)
    doc.ln(2)
    doc.ensure_space(14)   # the closing note is not split across pages
    doc.set_font(FAMILY, "", 7.5)
    doc.set_text_color(*GREY)
    doc.set_fill_color(*TINT)
    doc.multi_cell(0, 3.8, "Written by the compute-cost hedging desk from the frozen proposal named above; its numbers "
                   "are the proposal's simulations with a stated seed, and the futures contracts are hypothetical. "
                   "The accounting notes paraphrase the sources cited; they are not accounting advice.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(doc.output())
