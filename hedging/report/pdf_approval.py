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
from .pdf_tables import draw_table

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
    doc.section(title, keep_with=70)
    if block is None:
        doc.note("No approval is recorded with this document (it was printed before it was saved, or saved "
                 "before proposals were approved in the app). Approve the saved proposal on the Proposal page.")
        return
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
    exception = block.get("exception")
    if isinstance(exception, Mapping):
        rows += [("Policy exception", f"approved despite a breach of hedge policy {exception.get('policy_version')} "
                                      f"by {exception.get('approver')}, {exception.get('at')}"),
                 ("Exception reason", str(exception.get("reason") or "")),
                 ("Limits breached", "; ".join(str(b) for b in exception.get("breaches") or ()))]
    doc.set_draw_color(*GREY)
    for label, value in rows:
        doc.ensure_space(7)
        doc.set_font(FAMILY, "B", 9.5)
        doc.set_text_color(*NAVY)
        doc.cell(45, 6, label)
        doc.set_font(FAMILY, "", 8.5 if label == "Fingerprint" else 9.5)
        doc.set_text_color(*INK)
        doc.multi_cell(0, 6, doc.fit_lines(doc.clean(value, 1200), doc.epw - 45, 8, 6),
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.ln(2)
    doc.set_font(FAMILY, "", 8)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 4, "The approval is signed (HMAC-SHA256 with the installation's key) over the proposal's "
                   "fingerprint, the approver, the time and the comment; the document itself cannot change after it "
                   "was saved. Four eyes: nobody may approve a proposal they prepared or submitted.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    doc.set_text_color(*INK)


RESULT = {"pass": "pass", "breach": "BREACH", "n/a": "n/a"}


def policy_check_section(doc: ReportPDF, proposal: Mapping) -> None:
    """The proposal checked against the workspace's hedge policy in force when the PDF was made:
    which version, one row per limit (policy value, proposal value, pass or BREACH), and the
    explanation of each limit below the table. A document opened without a check says so."""
    report = proposal.get("policy_check")
    doc.ln(3)
    doc.subsection("Hedge policy check", keep_with=60)
    if not isinstance(report, Mapping) or not report.get("checks"):
        doc.paragraph("No hedge policy check is recorded with this document (it was printed before it was saved). "
                      "The Proposal page checks a saved proposal against the policy in force.", size=8.5)
        return
    doc.paragraph(doc.clean(report.get("sentence") or "", 1500), size=9)
    if not report.get("version"):
        doc.paragraph("No admin has adopted a hedge policy in this workspace: the default shown guides the check but "
                      "does not bind the approval.", size=8.5, color=GREY)
    rows = [{"limit": c.get("limit"), "policy": c.get("policy"), "proposal": c.get("proposal"),
             "result": RESULT.get(c.get("result"), c.get("result")), "explanation": c.get("explanation")}
            for c in report["checks"] if isinstance(c, Mapping)]
    draw_table(doc, rows, columns=["limit", "policy", "proposal", "result", "explanation"],
               kinds={"limit": "text", "policy": "text", "proposal": "text", "result": "text", "explanation": "text"},
               notes_title="What each limit found")
