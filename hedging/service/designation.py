"""The designation memo of a saved proposal, as data, as a PDF of its own, and in the board PDF.

The memo's words and numbers come from :func:`hedging.service.memo.designation_memo` (pure); this
module finds where the proposal stands among its workspace's approvals (its :class:`~hedging.service.memo.Lineage`)
from the lifecycle records that exist: the workspace's approval steps, oldest first, are the memo's
versions 1, 2, ...; each approval after the first superseded the one before (a rebalance), so version
n+1 replaces version n. No record is added for the memo itself: its version is derived, never stored,
so it cannot disagree with the approvals.

Every call is checked against the caller's workspace: another workspace's proposal is, from here,
"there is no proposal".
"""

from __future__ import annotations

from sqlalchemy.engine import Connection, Engine

from hedging import store
from hedging.config import Settings
from hedging.errors import HedgingError, InputError
from hedging.service import access, audit, lifecycle
from hedging.service.memo import Lineage, designation_memo
from hedging.store import audit as audit_store
from hedging.store import proposals as proposal_store
from hedging.store import reviews, signing

#: What the audit trail records when the memo is built for download or written to a file.
MEMO_EXPORT = audit.MEMO_EXPORT
#: What the memo's own PDF prints of the proposal beside the memo: its number, name, company and date,
#: and the fingerprint and signature state on every page.
DOCUMENT_KEYS = ("id", "name", "company", "created_at", "fingerprint", "signature")


def _key(settings: Settings) -> signing.SigningKey:
    return signing.load_or_create_key(signing.key_path(settings.data_dir))


def lineage_of(bind: Engine | Connection, proposal_id: int, status: str, workspace_id: int, workspace: str,
               key: signing.SigningKey) -> Lineage:
    """Where proposal ``proposal_id`` (already checked to be the workspace's) stands among the
    workspace's approvals, with the saved document of the version it replaces (or would replace)."""
    approvals = []
    for step in reviews.approvals_in(bind, workspace_id):
        if step["proposal_id"] not in {a["proposal_id"] for a in approvals}:
            approvals.append(step)
    order = [a["proposal_id"] for a in approvals]
    if proposal_id in order:
        version = order.index(proposal_id) + 1
        before, after = approvals[:version - 1], approvals[version:]
    else:
        version, before, after = None, approvals, []
    replaces = None
    if before:
        prior = before[-1]["proposal_id"]
        try:
            doc = proposal_store.load_proposal(bind, prior, key=key, workspace_id=workspace_id)
            replaces = {"version": len(before), "proposal": doc}
        except HedgingError as err:   # changed outside the app: the memo says so instead of comparing
            label, _fp = audit_store.proposal_target(bind, prior, workspace_id)
            replaces = {"version": len(before), "proposal": {"id": prior, "name": label}, "problem": str(err)}
    superseded_by = None
    if after and version is not None:
        nxt = after[0]
        label, _fp = audit_store.proposal_target(bind, nxt["proposal_id"], workspace_id)
        superseded_by = {"version": version + 1, "proposal_id": nxt["proposal_id"], "name": label,
                         "at": lifecycle._when(nxt["at"])}
    return Lineage(status=status, version=version, approvals_before=len(before), workspace=workspace,
                   replaces=replaces, superseded_by=superseded_by)


def memo_for(payload: dict, settings: Settings | None = None) -> dict:
    """The memo of a proposal document already loaded (and checked) by ``load_proposal``."""
    settings = settings or audit._settings(None)
    me = access.authorize(settings, access.READ)
    engine = store.get_engine(settings.database_url)
    status = str((payload.get("approval") or {}).get("status") or "draft")
    lineage = lineage_of(engine, int(payload["id"]), status, me.workspace_id, me.workspace_name, _key(settings))
    return designation_memo(payload, lineage)


def memo_state(proposal_id: int, settings: Settings | None = None) -> str:
    """What the memo's PDF depends on beyond the document's fingerprint: the proposal's status and its
    place among the workspace's approvals (a later approval changes a draft's "would become version n")."""
    settings = settings or audit._settings(None)
    me = access.authorize(settings, access.READ)
    engine = store.get_engine(settings.database_url)
    audit_store.proposal_target(engine, proposal_id, me.workspace_id)
    approvals = [a["proposal_id"] for a in reviews.approvals_in(engine, me.workspace_id)]
    return f"{lifecycle.lifecycle(proposal_id, settings).status}|{approvals}"


def record_memo_export(proposal_id: int, fingerprint: str, settings: Settings | None = None, *,
                       actor: str | None = None, detail: str = "") -> int:
    """Record that the designation memo of proposal ``proposal_id`` (the document ``fingerprint``) was
    built for download or written to a file."""
    settings = settings or audit._settings(None)
    me = access.authorize(settings, access.READ)
    with audit.audited(settings) as conn:
        label, stored = audit_store.proposal_target(conn, proposal_id, me.workspace_id)
        if stored != fingerprint:
            raise InputError(f"proposal #{proposal_id} is no longer the document that was exported.",
                             fix="reopen the proposal from the list and export it again.")
        return audit.record(conn, access.audit_name(settings, actor), MEMO_EXPORT, "proposal", proposal_id, label,
                            fingerprint, detail, workspace_id=me.workspace_id)
