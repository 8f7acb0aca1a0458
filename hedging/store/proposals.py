"""Proposals are written once and never updated: there is no update function on purpose.

Every record is signed when it is saved (:mod:`hedging.store.signing`: an HMAC-SHA256 over the
whole record with the installation's key) and checked on every open, list and PDF: a record that
fails is refused with a message saying so. The only write after the insert is the signature
itself, in the same transaction (the signature covers the id, which the database hands out on
insert), so no reader ever sees the record unsigned.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hedging.errors import InputError, show_value

from . import signing
from .signing import SIGNED, UNSIGNED, SigningKey, TamperedProposalError
from .tables import ProposalRecord, utcnow

__all__ = ["save_proposal", "list_proposals", "load_proposal", "delete_proposal", "SIGNED", "UNSIGNED",
           "TamperedProposalError"]

_T = ProposalRecord.__table__
#: The stored columns the signature covers (plus ``signature`` itself).
_COLUMNS = (_T.c.id, _T.c.workspace_id, _T.c.name, _T.c.company, _T.c.app_version, _T.c.created_at, _T.c.schema_version,
            _T.c.payload_sha256, _T.c.payload, _T.c.signature)


def save_proposal(engine: Engine, name: str, company: str, app_version: str, payload: dict, *,
                  key: SigningKey, workspace_id: int = 1) -> int:
    """Store ``payload`` as a new, signed proposal; returns its id (never one given before).

    The document's schema version is ``payload["schema_version"]`` (1 when it has none: the
    documents saved before versions were recorded)."""
    text = json.dumps(payload, default=str)  # key order kept: it is the column order of every table
    version = payload.get("schema_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"a proposal document's schema_version must be a whole number from 1, not {version!r}")
    record = ProposalRecord(name=name, company=company, app_version=app_version, payload=text,
                            payload_sha256=hashlib.sha256(text.encode()).hexdigest(), created_at=utcnow(),
                            schema_version=version, workspace_id=workspace_id)
    with Session(engine) as session, session.begin():
        through = _unsigned_through(session, key)
        if through is None:  # the first signed record: the unsigned ones are those there now
            through = session.scalar(select(func.max(_T.c.id)).where(_T.c.signature.is_(None))) or 0
        session.add(record)
        session.flush()
        record.signature = signing.sign(key, _as_mapping(record), through)
        session.flush()
        return int(record.id)


def list_proposals(engine: Engine, *, key: SigningKey, workspace_id: int = 1) -> list[dict]:
    """Every proposal, oldest first, each checked: ``signature`` is "signed", "unsigned (saved
    before signatures)" or, for one that fails, ``None`` with ``problem`` saying why (it is listed
    so that it can be seen and deleted, but it cannot be opened)."""
    with Session(engine) as session:
        rows = [row._mapping for row in session.execute(select(*_COLUMNS).where(_T.c.workspace_id == workspace_id)
                                                        .order_by(_T.c.id)).all()]
        through = _unsigned_through(session, key) if any(r["signature"] is None for r in rows) else None
    out = []
    for row in rows:
        status, problem = _check(row, key, through)
        out.append({"id": row["id"], "name": row["name"], "company": row["company"], "created_at": row["created_at"],
                    "sha256": row["payload_sha256"], "schema_version": row["schema_version"], "signature": status,
                    "problem": None if problem is None else _refusal(row, problem)})
    return out


def load_proposal(engine: Engine, proposal_id: int, *, key: SigningKey, workspace_id: int = 1) -> dict:
    """The stored document of proposal ``proposal_id`` with its ``id``, ``fingerprint`` (the
    payload's SHA-256), ``schema_version`` and ``signature`` ("signed" or "unsigned (saved before
    signatures)"). Raises :class:`TamperedProposalError` when the record fails its checks."""
    with Session(engine) as session:
        row = session.execute(select(*_COLUMNS).where((_T.c.id == proposal_id)
                                                      & (_T.c.workspace_id == workspace_id))).first()
        if row is None:  # another workspace's proposal is, from here, not there
            raise InputError(f"there is no proposal #{proposal_id}.", fix="list the proposals and use one of their ids.")
        row = row._mapping
        through = _unsigned_through(session, key) if row["signature"] is None else None
    status, problem = _check(row, key, through)
    if problem is not None:
        raise TamperedProposalError(_refusal(row, problem))
    try:
        payload = json.loads(row["payload"])
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise TamperedProposalError(_refusal(row, ("changed", "its document is not a proposal")))
    payload["id"] = proposal_id
    payload["fingerprint"] = row["payload_sha256"]
    payload["schema_version"] = row["schema_version"]
    payload["signature"] = status
    return payload


def delete_proposal(engine: Engine, proposal_id: int, workspace_id: int = 1) -> None:
    """Delete proposal ``proposal_id``; one that fails its checks can be deleted too."""
    with Session(engine) as session, session.begin():
        if session.scalar(select(_T.c.id).where((_T.c.id == proposal_id)
                                                & (_T.c.workspace_id == workspace_id))) is None:
            raise InputError(f"there is no proposal #{proposal_id}.", fix="list the proposals and use one of their ids.")
        session.execute(delete(_T).where(_T.c.id == proposal_id))


def _as_mapping(record: ProposalRecord) -> dict:
    return {c.name: getattr(record, c.name) for c in _COLUMNS}


def _unsigned_through(session: Session, key: SigningKey) -> int | None:
    """The highest id accepted without a signature, as the signed records say (each carries it
    under its signature): the newest one that verifies, else the smallest claim (when none
    verifies, the cautious answer). ``None`` when no record is signed yet."""
    signed = session.execute(select(_T.c.id, _T.c.signature).where(_T.c.signature.is_not(None))
                             .order_by(_T.c.id.desc())).all()
    if not signed:
        return None
    claims = [(rid, parsed.unsigned_through) for rid, sig in signed if (parsed := signing.parse(sig)) is not None]
    for rid, claim in claims:
        row = session.execute(select(*_COLUMNS).where(_T.c.id == rid)).first()
        if row is not None and signing.check(key, row._mapping) is None:
            return claim
    return min((claim for _rid, claim in claims), default=0)


def _check(row, key: SigningKey, through: int | None) -> tuple[str | None, tuple[str, str] | None]:
    """(status, None) for a record that passes, (None, (kind, why)) for one that fails.

    A valid signature covers the payload and the fingerprint computed from it at save time, so
    the fingerprint is recomputed only for unsigned records and to say what failed."""
    def fingerprint_ok() -> bool:
        return hashlib.sha256(str(row["payload"]).encode()).hexdigest() == row["payload_sha256"]

    if row["signature"] is None:
        if through is not None and row["id"] > through:
            return None, ("unsigned", f"it has no signature, but only proposals up to #{through} were saved "
                                      "before signatures existed")
        if not fingerprint_ok():
            return None, ("changed", "its document no longer matches its fingerprint")
        return UNSIGNED, None
    why = signing.check(key, row)
    if why is None:
        return SIGNED, None
    if not fingerprint_ok():  # the document itself was edited: say so, whatever else was
        return None, ("changed", "its document no longer matches its fingerprint")
    parsed = signing.parse(row["signature"])
    return None, ("other key" if parsed is not None and parsed.key_id != key.key_id else "changed", why)


def _refusal(row, problem: tuple[str, str]) -> str:
    kind, why = problem
    who = f"Proposal {show_value(row['name'])} (#{row['id']})"
    if kind == "other key":
        return (f"{who} cannot be checked: {why}. It cannot be opened or printed. Fix: set "
                f"{signing.KEY_FILE_ENV} to the key file of the installation that saved it.")
    if kind == "unsigned":
        return (f"{who} was added or changed outside the app: {why}. It cannot be opened or printed. "
                "Fix: restore the database from a backup, or delete this proposal.")
    return (f"{who} was changed outside the app after it was saved: {why}. It cannot be opened or printed. "
            "Fix: restore the database from a backup, or delete this proposal.")
