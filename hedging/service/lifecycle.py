"""A proposal's lifecycle: draft -> submitted -> approved or rejected (with a comment) -> superseded.

- Saving a proposal makes a draft, prepared by whoever saved it.
- A preparer (or admin) submits a draft for approval.
- An approver (or admin) approves or rejects a submitted proposal; a rejection needs a comment.
  Four eyes: nobody approves or rejects a proposal they prepared or submitted.
- Approving a proposal supersedes the workspace's previously approved one.
- An approved (or superseded) proposal is frozen: it cannot be deleted, and its approval is signed
  with the installation's key (:mod:`hedging.store.reviews`); the PDF carries the approval block.

Every step is written with its audit entry, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from hedging import fmt, store
from hedging.config import Settings
from hedging.errors import InputError
from hedging.service import access, audit
from hedging.store import audit as audit_store
from hedging.store import hedge_policy as policy_store
from hedging.store import proposals as proposal_store
from hedging.store import reviews, signing
from hedging.store.reviews import APPROVED, DRAFT, REJECTED, SUBMITTED, SUPERSEDED

#: Who prepared a proposal saved before the lifecycle existed.
NOT_RECORDED = "(not recorded: saved before approvals)"
#: What a draft's PDF pages are marked with.
DRAFT_MARK = "Draft — not approved"
#: What each status means, in the words the pages use.
MEANING = {
    DRAFT: "draft: not yet submitted for approval",
    SUBMITTED: "submitted: waiting for an approver",
    APPROVED: "approved: frozen and signed",
    REJECTED: "rejected",
    SUPERSEDED: "superseded by a later approved proposal",
}


@dataclass(frozen=True)
class Lifecycle:
    """Where a proposal stands and who moved it there."""

    proposal_id: int
    status: str
    prepared_by: str
    prepared_at: dt.datetime | None
    submitted_by: str | None
    submitted_at: dt.datetime | None
    decided_by: str | None  # the approver or the one who rejected
    decided_at: dt.datetime | None
    comment: str
    #: For an approval: whether its signature verifies with this installation's key.
    approval_verified: bool | None
    steps: tuple[tuple[str, str, dt.datetime, str], ...]  # (status, who, when, comment), oldest first
    #: The policy exception the approval was given with (reason, approver, at, policy_version,
    #: breaches), or None when the approval needed none.
    exception: dict | None = None

    @property
    def frozen(self) -> bool:
        return self.status in (APPROVED, SUPERSEDED)

    def approval_block(self, fingerprint: str) -> dict:
        """What the PDF prints about the decision (plain strings)."""
        return {
            "exception": None if self.exception is None else exception_block(self.exception),
            "status": self.status,
            "meaning": MEANING[self.status],
            "prepared_by": self.prepared_by,
            "prepared_at": _when(self.prepared_at),
            "submitted_by": self.submitted_by or fmt.DASH,
            "approved_by": self.decided_by if self.status in (APPROVED, SUPERSEDED) and self.decided_by else fmt.DASH,
            "approved_at": _when(self.decided_at) if self.status in (APPROVED, SUPERSEDED) else fmt.DASH,
            "comment": self.comment,
            "fingerprint": fingerprint,
            "signature": ("verified with this installation's key" if self.approval_verified
                          else "DOES NOT VERIFY: the approval was changed outside the app"
                          if self.approval_verified is False else fmt.DASH),
        }


def _when(value) -> str:
    return fmt.DASH if value is None else f"{fmt.date(value)} {value:%H:%M} UTC"


def exception_block(row: dict) -> dict:
    """A recorded policy exception in plain strings (the Proposal page and the PDF show it)."""
    return {"reason": row["reason"], "approver": row["approver"], "at": _when(row["at"]),
            "policy_version": f"v{row['policy_version']}" if row["policy_version"] else "the default policy",
            "policy_fingerprint": row["policy_fingerprint"],
            "breaches": [f"{b['limit']}: policy {b['policy']}, proposal {b['proposal']}" for b in row["breaches"]]}


def _key(settings: Settings) -> signing.SigningKey:
    return signing.load_or_create_key(signing.key_path(settings.data_dir))


def _of(proposal_id: int, steps: list[dict], key: signing.SigningKey | None,
        exceptions: list[dict] | None = None) -> Lifecycle:
    if not steps:
        return Lifecycle(proposal_id, DRAFT, NOT_RECORDED, None, None, None, None, None, "", None, ())
    first = steps[0]
    prepared = (first["actor"], first["at"]) if first["status"] == DRAFT else (NOT_RECORDED, None)
    submitted = next(((s["actor"], s["at"]) for s in reversed(steps) if s["status"] == SUBMITTED), (None, None))
    decision = next((s for s in reversed(steps) if s["status"] in (APPROVED, REJECTED)), None)
    verified = None
    if decision is not None and decision["status"] == APPROVED:
        verified = reviews.verifies(key, decision) if key is not None else None
    last = steps[-1]
    exception = None
    if decision is not None and decision["status"] == APPROVED:
        exception = next((e for e in (exceptions or []) if e["review_id"] == decision["id"]), None)
    return Lifecycle(proposal_id, last["status"], prepared[0], prepared[1], submitted[0], submitted[1],
                     decision["actor"] if decision else None, decision["at"] if decision else None,
                     (decision or last)["comment"], verified,
                     tuple((s["status"], s["actor"], s["at"], s["comment"]) for s in steps), exception)


def states(bind: Engine | Connection, proposal_ids, key: signing.SigningKey | None = None) -> dict[int, Lifecycle]:
    """The lifecycle of each proposal (ids already checked to be the caller's workspace's)."""
    found = reviews.steps(bind, proposal_ids)
    exceptions = policy_store.exceptions(bind, found)
    return {pid: _of(pid, steps, key, exceptions[pid]) for pid, steps in found.items()}


def record_draft(conn: Connection, proposal_id: int, workspace_id: int, actor: str, fingerprint: str) -> None:
    """The first step of a proposal just saved (called by ``save_proposal`` in its transaction)."""
    reviews.add(conn, proposal_id=proposal_id, workspace_id=workspace_id, status=DRAFT, actor=actor,
                fingerprint=fingerprint)


def check_deletable(conn: Connection, proposal_id: int) -> None:
    """Refuse to delete a proposal under review or decided (called by ``delete_proposal``)."""
    state = _of(proposal_id, reviews.steps(conn, [proposal_id])[proposal_id], None)
    if state.status in (SUBMITTED, APPROVED, SUPERSEDED):
        raise InputError(f"proposal #{proposal_id} is {MEANING[state.status]}, so it is kept as the record of "
                         "that decision and cannot be deleted.",
                         fix="save a new proposal instead; approving it supersedes this one.")


def lifecycle(proposal_id: int, settings: Settings | None = None) -> Lifecycle:
    """Where proposal ``proposal_id`` of the caller's workspace stands."""
    settings = settings or audit._settings(None)
    me = access.authorize(settings, access.READ)
    engine = store.get_engine(settings.database_url)
    audit_store.proposal_target(engine, proposal_id, me.workspace_id)  # another workspace's: "there is no"
    return states(engine, [proposal_id], _key(settings))[proposal_id]


def submit(proposal_id: int, settings: Settings | None = None, *, actor: str | None = None,
           comment: str = "") -> Lifecycle:
    """Submit a draft for approval."""
    return _step(proposal_id, settings, actor, SUBMITTED, comment, access.SUBMIT, audit.PROPOSAL_SUBMIT)


def approve(proposal_id: int, settings: Settings | None = None, *, actor: str | None = None,
            comment: str = "", exception: str = "") -> Lifecycle:
    """Approve a submitted proposal (not one the approver prepared or submitted): it is frozen, its
    approval signed, and the workspace's previously approved proposal is superseded.

    The proposal is checked against the hedge policy an admin adopted and in force now
    (:mod:`hedging.service.hedge_policy`; the default policy of a workspace that adopted none guides
    but does not bind). A breach is refused, naming the breached limits, unless ``exception`` gives the reason for
    approving anyway; the exception (reason, approver, policy version, breached limits) is then
    part of the signed approval's comment, stored beside the approval step and written to the
    audit trail, in the same transaction."""
    return _step(proposal_id, settings, actor, APPROVED, comment, access.DECIDE, audit.PROPOSAL_APPROVE,
                 exception=exception)


def reject(proposal_id: int, settings: Settings | None = None, *, actor: str | None = None,
           comment: str = "") -> Lifecycle:
    """Reject a submitted proposal, saying why (not one the reviewer prepared or submitted)."""
    return _step(proposal_id, settings, actor, REJECTED, comment, access.DECIDE, audit.PROPOSAL_REJECT)


#: Which status each step may follow.
_FROM = {SUBMITTED: (DRAFT,), APPROVED: (SUBMITTED,), REJECTED: (SUBMITTED,)}
_VERB = {SUBMITTED: "submitted", APPROVED: "approved", REJECTED: "rejected"}


def _step(proposal_id: int, settings: Settings | None, actor: str | None, status: str, comment: str,
          permission: str, action: str, exception: str = "") -> Lifecycle:
    settings = settings or audit._settings(None)
    me = access.authorize(settings, permission)
    who = audit.who(access.audit_name(settings, actor))
    comment = (comment or "").strip()
    if status == REJECTED and not comment:
        raise InputError("a rejection needs a comment saying why.", column="comment",
                         fix="type what must change before the proposal can be approved.")
    key = _key(settings)
    with audit.audited(settings) as conn:
        label, fingerprint = audit_store.proposal_target(conn, proposal_id, me.workspace_id)
        # a record changed outside the app is refused here, before anyone can approve it
        document = proposal_store.load_proposal(conn, proposal_id, key=key, workspace_id=me.workspace_id)
        state = _of(proposal_id, reviews.steps(conn, [proposal_id])[proposal_id], key)
        if state.status not in _FROM[status]:
            raise InputError(f"proposal #{proposal_id} is {MEANING[state.status]}; only a "
                             f"{' or '.join(_FROM[status])} proposal can be {_VERB[status]}.",
                             fix="open the proposal's current status on the Proposal page.")
        if status in (APPROVED, REJECTED):
            _four_eyes(proposal_id, who, state, status)
        gate = _policy_gate(conn, proposal_id, me.workspace_id, document, exception) if status == APPROVED else None
        if gate is not None:
            comment = (comment + "\n" if comment else "") + gate[2]
        step = reviews.add(conn, proposal_id=proposal_id, workspace_id=me.workspace_id, status=status, actor=who,
                           fingerprint=fingerprint, comment=comment, key=key if status == APPROVED else None)
        audit.record(conn, who, action, "proposal", proposal_id, label, fingerprint, comment,
                     workspace_id=me.workspace_id)
        if gate is not None:
            version, report, text = gate
            policy_store.add_exception(conn, workspace_id=me.workspace_id, proposal_id=proposal_id,
                                       review_id=step["id"], policy_version=version.version,
                                       policy_fingerprint=version.fingerprint,
                                       breaches=[c.to_dict() for c in report.breaches], reason=exception.strip(),
                                       approver=who, at=step["at"])
            audit.record(conn, who, audit.POLICY_EXCEPTION, "proposal", proposal_id, label, fingerprint, text,
                         workspace_id=me.workspace_id)
        if status == APPROVED:
            for older in reviews.approved_in(conn, me.workspace_id):
                if older == proposal_id:
                    continue
                old_label, old_fp = audit_store.proposal_target(conn, older, me.workspace_id)
                note = f"superseded by proposal #{proposal_id}"
                reviews.add(conn, proposal_id=older, workspace_id=me.workspace_id, status=SUPERSEDED, actor=who,
                            fingerprint=old_fp, comment=note)
                audit.record(conn, who, audit.PROPOSAL_SUPERSEDE, "proposal", older, old_label, old_fp, note,
                             workspace_id=me.workspace_id)
        return states(conn, [proposal_id], key)[proposal_id]


def _policy_gate(conn: Connection, proposal_id: int, workspace_id: int, document: dict, exception: str):
    """None when the proposal meets the policy in force; (version, report, the exception's words)
    when it breaches it and ``exception`` gives a reason; otherwise the refusal, naming the limits."""
    from hedging.service import hedge_policy

    version = hedge_policy.in_force_on(conn, workspace_id)
    reason = (exception or "").strip()
    if not version.adopted:   # the default guides; only a policy an admin adopted binds an approval
        if reason:
            raise InputError("no hedge policy has been adopted in this workspace (the default is not enforced), so "
                             "there is nothing to make an exception to; nothing was approved.",
                             fix="approve it without an exception reason, or ask an admin to adopt a policy first.")
        return None
    report = hedge_policy.check_document(document, version)
    names = hedge_policy.breach_names(report)
    if not report.breaches:
        if reason:
            raise InputError(f"proposal #{proposal_id} meets {version.label()}, so there is no breach to make an "
                             "exception for; nothing was approved.",
                             fix="approve it without an exception reason.")
        return None
    if not reason:
        raise InputError(f"proposal #{proposal_id} breaches {version.label()}: {names}. A breach is approved only "
                         "as an exception; nothing was approved.",
                         fix="give the reason for the exception (it is signed with the approval and recorded in "
                             "the audit trail), or reject the proposal and ask for one within the policy.")
    text = f"Policy exception to hedge policy {version.short()} (breached: {names}): {reason}"
    return version, report, text


def _four_eyes(proposal_id: int, who: str, state: Lifecycle, status: str) -> None:
    verb = "approve" if status == APPROVED else "reject"
    if who == state.prepared_by or who == state.submitted_by:
        role = "prepared" if who == state.prepared_by else "submitted"
        raise access.AccessDenied(
            f"{who} {role} proposal #{proposal_id}, so {who} cannot {verb} it: a second person must review it "
            "(four eyes). Fix: ask another approver of the workspace.")
