"""The audit trail: append-only entries of who did what to which record, and when.

:func:`record` is the only write, and it takes the open connection of the action's own transaction,
so an entry is committed with its action or not at all. There is no update or delete function on
purpose, and the database refuses both whatever writes them (triggers created with the table:
``tables.AUDIT_TRIGGERS``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from hedging.errors import InputError

from .engine import connect
from .tables import AuditRecord, ImportRecord, IndexRecord, ProposalRecord, utcnow

__all__ = ["record", "entries", "actors", "import_target", "index_target", "proposal_target"]

_T = AuditRecord.__table__
#: Longest text kept per field (a label or detail longer than this is cut and marked with "…").
MAX_TEXT = 2000


def _text(value) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…"


def record(conn: Connection, *, actor: str, action: str, kind: str, target_id, label: str = "",
           fingerprint: str = "", detail: str = "", at: dt.datetime | None = None, workspace_id: int = 1) -> int:
    """Append one entry inside the transaction open on ``conn``; returns its id.

    ``conn`` must be the connection the action itself wrote through (a :class:`Connection` inside
    a transaction): an entry is never committed on its own."""
    if not isinstance(conn, Connection) or not conn.in_transaction():
        raise TypeError("an audit entry is written on the connection of its action's transaction")
    if not str(actor or "").strip():
        raise ValueError("an audit entry needs the user who acted")
    at = at or utcnow()
    if at.tzinfo is None:
        raise ValueError("audit times are timezone-aware UTC")
    values = dict(workspace_id=workspace_id, at=at.astimezone(dt.timezone.utc), actor=_text(actor.strip()), action=action,
                  target_kind=kind, target_id=str(target_id), target_label=_text(label),
                  fingerprint=fingerprint or "", detail=_text(detail))
    return int(conn.execute(insert(_T).values(**values)).inserted_primary_key[0])


def entries(bind: Engine | Connection, *, actor: str | None = None, action: str | None = None,
            start: dt.date | None = None, end: dt.date | None = None, workspace_id: int = 1) -> list[dict]:
    """Entries, newest first, filtered by who, what and the UTC days from ``start`` to ``end``
    (both included); each a dict of the table's columns with ``at`` timezone-aware UTC."""
    query = select(_T).where(_T.c.workspace_id == workspace_id).order_by(_T.c.at.desc(), _T.c.id.desc())
    if actor:
        query = query.where(_T.c.actor == actor)
    if action:
        query = query.where(_T.c.action == action)
    if start is not None:
        query = query.where(_T.c.at >= _midnight(start))
    if end is not None:
        query = query.where(_T.c.at < _midnight(end + dt.timedelta(days=1)))
    with connect(bind) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["at"] = r["at"] if r["at"].tzinfo else r["at"].replace(tzinfo=dt.timezone.utc)
    return rows


def actors(bind: Engine | Connection, workspace_id: int = 1) -> list[str]:
    """Everyone who appears in the workspace's trail, alphabetically."""
    with connect(bind) as conn:
        return sorted(conn.execute(select(_T.c.actor).where(_T.c.workspace_id == workspace_id).distinct()).scalars())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


# --- what an entry names: (label, fingerprint) of the record as stored ------------------------------

def import_target(bind: Engine | Connection, import_id: int, workspace_id: int = 1) -> tuple[str, str]:
    """An import's file name and the SHA-256 of the file."""
    t = ImportRecord.__table__
    return _target(bind, select(t.c.file_name, t.c.sha256).where((t.c.id == import_id) & (t.c.workspace_id == workspace_id)),
                   "import", import_id)


def index_target(bind: Engine | Connection, index_id: int, workspace_id: int = 1) -> tuple[str, str]:
    """An uploaded index's name (with its underlying) and the SHA-256 of its file."""
    t = IndexRecord.__table__
    label, sha, underlying = _target(bind, select(t.c.name, t.c.sha256, t.c.underlying).where(
        (t.c.id == index_id) & (t.c.workspace_id == workspace_id)), "uploaded index", index_id)
    return f"{label} ({underlying})", sha


def proposal_target(bind: Engine | Connection, proposal_id: int, workspace_id: int = 1) -> tuple[str, str]:
    """A proposal's name and its fingerprint (the SHA-256 of its stored document)."""
    t = ProposalRecord.__table__
    return _target(bind, select(t.c.name, t.c.payload_sha256).where(
        (t.c.id == proposal_id) & (t.c.workspace_id == workspace_id)), "proposal", proposal_id)


def _target(bind, query, what: str, target_id: int) -> tuple:
    with connect(bind) as conn:
        row = conn.execute(query).first()
    if row is None:
        raise InputError(f"there is no {what} #{target_id}.", fix=f"list the {what.split()[-1]}s and use one of "
                         "their ids.")
    return tuple(row)
