"""The designation memo of a saved proposal read by its id: as data, and as a PDF of its own.

Kept apart from :mod:`hedging.service.designation` (which the proposal's own PDF uses to attach the
memo as its section 13) so that the proposal module and the memo module do not import each other.
"""

from __future__ import annotations

from hedging.config import Settings
from hedging.errors import HedgingError, InputError
from hedging.service import audit
from hedging.service.designation import DOCUMENT_KEYS, memo_for
from hedging.service.proposal import load_proposal


def designation_memo_of(proposal_id: int, settings: Settings | None = None) -> dict:
    """The designation memo of saved proposal ``proposal_id`` of the caller's workspace (plain data,
    see :func:`hedging.service.memo.designation_memo`)."""
    settings = settings or audit._settings(None)
    return memo_for(load_proposal(proposal_id, settings), settings)


def memo_pdf(proposal_id: int, settings: Settings | None = None, fingerprint: str | None = None) -> bytes:
    """The designation memo of proposal ``proposal_id`` as a PDF document of its own."""
    from hedging.service.pdf_worker import build_memo_pdf  # laid out in a worker process, as the proposal's PDF

    settings = settings or audit._settings(None)
    payload = load_proposal(proposal_id, settings)
    if fingerprint is not None and payload.get("fingerprint") != fingerprint:
        raise InputError(f"proposal #{proposal_id} is no longer the document that was opened.",
                         fix="reopen the proposal from the list and download again.")
    memo = memo_for(payload, settings)
    try:
        return build_memo_pdf(memo, {k: payload.get(k) for k in DOCUMENT_KEYS})
    except (ValueError, TypeError, KeyError, RuntimeError) as err:
        raise HedgingError(f"the designation memo of proposal #{proposal_id} could not be laid out "
                           f"({type(err).__name__}: {str(err)[:200]}). Fix: the full PDF proposal still downloads; "
                           "report this proposal number to the person who maintains the app.") from err
