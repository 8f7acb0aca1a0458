"""Proposals are written once and never updated: there is no update function on purpose."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hedging.errors import InputError

from .tables import ProposalRecord


def save_proposal(engine: Engine, name: str, company: str, app_version: str, payload: dict) -> int:
    text = json.dumps(payload, default=str)  # key order kept: it is the column order of every table
    record = ProposalRecord(name=name, company=company, app_version=app_version, payload=text,
                            payload_sha256=hashlib.sha256(text.encode()).hexdigest())
    with Session(engine) as session, session.begin():
        session.add(record)
        session.flush()
        return int(record.id)


def list_proposals(engine: Engine) -> list[dict]:
    with Session(engine) as session:
        rows = session.execute(select(ProposalRecord.id, ProposalRecord.name, ProposalRecord.company,
                                      ProposalRecord.created_at, ProposalRecord.payload_sha256)
                               .order_by(ProposalRecord.id)).all()
    return [{"id": r[0], "name": r[1], "company": r[2], "created_at": r[3], "sha256": r[4]} for r in rows]


def load_proposal(engine: Engine, proposal_id: int) -> dict:
    with Session(engine) as session:
        record = session.get(ProposalRecord, proposal_id)
        if record is None:
            raise InputError(f"there is no proposal #{proposal_id}.", fix="list the proposals and use one of their ids.")
        payload = json.loads(record.payload)
        if hashlib.sha256(record.payload.encode()).hexdigest() != record.payload_sha256:
            raise InputError(f"proposal #{proposal_id} no longer matches its fingerprint; it was changed outside the app.",
                             fix="restore the database from a backup.")
    payload["id"] = proposal_id
    payload["fingerprint"] = record.payload_sha256
    return payload


def delete_proposal(engine: Engine, proposal_id: int) -> None:
    load_proposal(engine, proposal_id)
    with Session(engine) as session, session.begin():
        session.execute(delete(ProposalRecord.__table__).where(ProposalRecord.__table__.c.id == proposal_id))
