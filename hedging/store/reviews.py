"""The steps of each proposal's lifecycle, only ever added to: a proposal's status is its newest step.

A step is written on the connection of its action's transaction (with its audit entry). An
approval is signed: an HMAC-SHA256 with the installation's proposal signing key
(:mod:`hedging.store.signing`) over the proposal's id and fingerprint, the approver, the time and
the comment, so an approval added or edited in the database outside the app does not verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from .engine import connect
from .signing import SigningKey, canonical_time
from .tables import ProposalReview, utcnow

DRAFT, SUBMITTED, APPROVED, REJECTED, SUPERSEDED = "draft", "submitted", "approved", "rejected", "superseded"
STATUSES = (DRAFT, SUBMITTED, APPROVED, REJECTED, SUPERSEDED)
_T = ProposalReview.__table__
_DOMAIN = b"hedging proposal approval v1\n"


def add(conn: Connection, *, proposal_id: int, workspace_id: int, status: str, actor: str, fingerprint: str,
        comment: str = "", key: SigningKey | None = None, at: dt.datetime | None = None) -> dict:
    """Append a step (signed when ``key`` is given) inside the caller's transaction; returns it."""
    if status not in STATUSES:
        raise ValueError(f"unknown proposal status {status!r}")
    if not isinstance(conn, Connection) or not conn.in_transaction():
        raise TypeError("a lifecycle step is written on the connection of its action's transaction")
    step = dict(proposal_id=int(proposal_id), workspace_id=int(workspace_id), status=status, actor=actor,
                at=(at or utcnow()).astimezone(dt.timezone.utc), comment=comment or "", fingerprint=fingerprint)
    step["signature"] = sign(key, step) if key is not None else None
    step["id"] = int(conn.execute(insert(_T).values(**step)).inserted_primary_key[0])
    return step


def steps(bind: Engine | Connection, proposal_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Every step of each proposal, oldest first (an empty list: saved before the lifecycle existed)."""
    ids = sorted({int(i) for i in proposal_ids})
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    with connect(bind) as conn:
        for start in range(0, len(ids), 500):
            rows = conn.execute(select(_T).where(_T.c.proposal_id.in_(ids[start:start + 500]))
                                .order_by(_T.c.id)).all()
            for r in rows:
                step = dict(r._mapping)
                if step["at"].tzinfo is None:
                    step["at"] = step["at"].replace(tzinfo=dt.timezone.utc)
                out[step["proposal_id"]].append(step)
    return out


def approved_in(bind: Engine | Connection, workspace_id: int) -> list[int]:
    """The proposals of a workspace whose newest step is an approval."""
    with connect(bind) as conn:
        rows = conn.execute(select(_T.c.proposal_id, _T.c.status).where(_T.c.workspace_id == workspace_id)
                            .order_by(_T.c.id)).all()
    newest: dict[int, str] = {}
    for pid, status in rows:
        newest[pid] = status
    return sorted(pid for pid, status in newest.items() if status == APPROVED)


def approvals_in(bind: Engine | Connection, workspace_id: int) -> list[dict]:
    """Every approval step of a workspace, oldest first: the order in which its hedge programme was
    approved and rebalanced (each approval supersedes the one before)."""
    with connect(bind) as conn:
        rows = conn.execute(select(_T).where((_T.c.workspace_id == workspace_id) & (_T.c.status == APPROVED))
                            .order_by(_T.c.id)).all()
    out = []
    for r in rows:
        step = dict(r._mapping)
        if step["at"].tzinfo is None:
            step["at"] = step["at"].replace(tzinfo=dt.timezone.utc)
        out.append(step)
    return out


def _message(step: dict) -> bytes:
    fields = {"proposal_id": int(step["proposal_id"]), "workspace_id": int(step["workspace_id"]),
              "status": str(step["status"]), "actor": str(step["actor"]), "at": canonical_time(step["at"]),
              "comment": str(step["comment"]), "fingerprint": str(step["fingerprint"])}
    return _DOMAIN + json.dumps(fields, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def sign(key: SigningKey, step: dict) -> str:
    return f"v1:{key.key_id}:{hmac.new(key.secret, _message(step), hashlib.sha256).hexdigest()}"


def verifies(key: SigningKey, step: dict) -> bool:
    """Whether a signed step's signature is this installation's, over the step as stored."""
    signature = step.get("signature") or ""
    return bool(signature) and hmac.compare_digest(signature, sign(key, step))
