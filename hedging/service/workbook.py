"""The proposal as an Excel workbook, from its saved document (nothing is recomputed)."""

from __future__ import annotations

from hedging.config import Settings
from hedging.errors import HedgingError, InputError
from hedging.service.proposal import load_proposal

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def proposal_xlsx(proposal_id: int, settings: Settings | None = None, fingerprint: str | None = None) -> bytes:
    """The workbook of a saved proposal (see :mod:`hedging.report.workbook`), after its signature
    and fingerprint are checked. With ``fingerprint``, the document stored under ``proposal_id``
    must be that one (a page that opened it never gets another document's workbook)."""
    from hedging.report.workbook import build_workbook

    payload = load_proposal(proposal_id, settings)
    if fingerprint is not None and payload.get("fingerprint") != fingerprint:
        raise InputError(f"proposal #{proposal_id} is no longer the document that was opened.",
                         fix="reopen the proposal from the list and download again.")
    try:
        return build_workbook(payload)
    except (ValueError, TypeError, KeyError) as err:
        raise HedgingError(f"the workbook of proposal #{proposal_id} could not be written ({type(err).__name__}: "
                           f"{str(err)[:200]}). Fix: the PDF and the trade schedule (CSV) still download; report "
                           "this proposal number to the person who maintains the app.") from err
