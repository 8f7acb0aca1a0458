"""The approval block of a proposal's PDF and the "Draft — not approved" mark of a draft's pages.

A saved proposal opened for its PDF carries ``approval`` (``hedging.service.lifecycle``): its
status, who prepared, submitted and approved it and when, the comment, its fingerprint and whether
the approval's signature verifies. Every page of a proposal that is not approved is marked across
with "Draft — not approved" (drawn by ``ReportPDF.watermark``); an approved proposal's cover names its approver, and the last section
holds the whole block. A document with no ``approval`` (one rendered before it was saved) is left
as it is.
"""

from __future__ import annotations

from collections.abc import Mapping

from fpdf.enums import XPos, YPos

from .pdf_layout import FAMILY, GREY, INK, NAVY, ReportPDF

DRAFT_MARK = "Draft — not approved"
#: Statuses whose pages carry no draft mark: the decision was taken.
DECIDED = ("approved", "superseded")


def approval_of(proposal: Mapping) -> Mapping | None:
    block = proposal.get("approval")
    return block if isinstance(block, Mapping) and block.get("status") else None


def watermark_text(proposal: Mapping) -> str:
    """The mark every page carries ("" for an approved proposal or an unsaved document)."""
    block = approval_of(proposal)
    return "" if block is None or block.get("status") in DECIDED else DRAFT_MARK


def cover_lines(proposal: Mapping) -> list[tuple[str, str]]:
    """What the cover adds to its list of facts: the status, who prepared it, who approved it."""
    block = approval_of(proposal)
    if block is None:
        return []
    status = str(block.get("status"))
    lines = [("Status", DRAFT_MARK if status not in DECIDED else str(block.get("meaning") or status)),
             ("Prepared by", str(block.get("prepared_by") or ""))]
    if status in DECIDED:
        lines.append(("Approved by", f"{block.get('approved_by')}, {block.get('approved_at')}"))
    return lines


def approval_section(doc: ReportPDF, proposal: Mapping, title: str) -> None:
    """The approval block: the decision on this document, by whom and when, and what it covers."""
    block = approval_of(proposal)
    if block is None:
        return
    doc.section(title, keep_with=70)
    status = str(block.get("status"))
    if status not in DECIDED:
        doc.note(f"{DRAFT_MARK}. This document is {block.get('meaning')}. It becomes the approved proposal only when "
                 "a second person, an approver of the workspace who neither prepared nor submitted it, approves it.")
    rows = [("Status", str(block.get("meaning") or status)),
            ("Prepared by", f"{block.get('prepared_by')}, {block.get('prepared_at')}"),
            ("Submitted by", str(block.get("submitted_by"))),
            ("Approved by", str(block.get("approved_by"))),
            ("Approved on", str(block.get("approved_at"))),
            ("Fingerprint", str(block.get("fingerprint") or "")),
            ("Approval signature", str(block.get("signature")))]
    if block.get("comment"):
        rows.append(("Comment", str(block.get("comment"))))
    doc.set_draw_color(*GREY)
    for label, value in rows:
        doc.ensure_space(7)
        doc.set_font(FAMILY, "B", 9.5)
        doc.set_text_color(*NAVY)
        doc.cell(45, 6, label)
        doc.set_font(FAMILY, "", 8.5 if label == "Fingerprint" else 9.5)
        doc.set_text_color(*INK)
        doc.multi_cell(0, 6, doc.fit_lines(doc.clean(value, 600), doc.epw - 45, 4, 6),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(2)
    doc.set_font(FAMILY, "", 8)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 4, "The approval is signed (HMAC-SHA256 with the installation's key) over the proposal's "
                   "fingerprint, the approver, the time and the comment; the document itself cannot change after it "
                   "was saved. Four eyes: nobody may approve a proposal they prepared or submitted.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_text_color(*INK)
