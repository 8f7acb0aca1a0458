"""Hedge policy versions and policy exceptions: rows only ever added, within one workspace.

:func:`add_version` numbers a workspace's versions 1, 2, ... (the unique index on workspace and
version refuses a second writer that picked the same number, so two admins saving at once cannot
both become version n). :func:`add_exception` records an approval given despite a breach, on the
connection of the approval's own transaction. There is no update or delete: the database refuses
both (``tables.APPEND_ONLY_TRIGGERS``).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine

from .engine import connect
from .tables import HedgePolicyVersion, PolicyException, utcnow

__all__ = ["add_version", "versions", "latest", "add_exception", "exceptions"]

_P = HedgePolicyVersion.__table__
_E = PolicyException.__table__


def _in_transaction(conn) -> None:
    if not isinstance(conn, Connection) or not conn.in_transaction():
        raise TypeError("a hedge policy row is written on the connection of its action's transaction")


def _utc(row: dict, key: str) -> dict:
    if row[key] is not None and row[key].tzinfo is None:
        row[key] = row[key].replace(tzinfo=dt.timezone.utc)
    return row


def add_version(conn: Connection, *, workspace_id: int, content: dict, fingerprint: str, author: str,
                reason: str = "", at: dt.datetime | None = None) -> dict:
    """Append the workspace's next version inside the caller's transaction; returns the stored row."""
    _in_transaction(conn)
    number = int(conn.execute(select(func.coalesce(func.max(_P.c.version), 0))
                              .where(_P.c.workspace_id == workspace_id)).scalar()) + 1
    row = dict(workspace_id=int(workspace_id), version=number, author=author, reason=reason or "",
               content=json.dumps(content, sort_keys=True, ensure_ascii=True, separators=(",", ":")),
               fingerprint=fingerprint, created_at=(at or utcnow()).astimezone(dt.timezone.utc))
    row["id"] = int(conn.execute(insert(_P).values(**row)).inserted_primary_key[0])
    return row | {"content": json.loads(row["content"])}


def versions(bind: Engine | Connection, workspace_id: int) -> list[dict]:
    """Every version of the workspace's policy, oldest first, ``content`` parsed back to a dict."""
    with connect(bind) as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(_P).where(_P.c.workspace_id == workspace_id)
                                                      .order_by(_P.c.version))]
    for r in rows:
        r["content"] = json.loads(r["content"])
        _utc(r, "created_at")
    return rows


def latest(bind: Engine | Connection, workspace_id: int) -> dict | None:
    """The version in force (the newest), or None when no admin has saved one."""
    with connect(bind) as conn:
        row = conn.execute(select(_P).where(_P.c.workspace_id == workspace_id)
                           .order_by(_P.c.version.desc()).limit(1)).first()
    if row is None:
        return None
    out = dict(row._mapping)
    out["content"] = json.loads(out["content"])
    return _utc(out, "created_at")


def add_exception(conn: Connection, *, workspace_id: int, proposal_id: int, review_id: int, policy_version: int,
                  policy_fingerprint: str, breaches: list[dict], reason: str, approver: str,
                  at: dt.datetime) -> int:
    """Record an approval given despite ``breaches`` (the checks that failed) inside the approval's transaction."""
    _in_transaction(conn)
    values = dict(workspace_id=int(workspace_id), proposal_id=int(proposal_id), review_id=int(review_id),
                  policy_version=int(policy_version), policy_fingerprint=policy_fingerprint,
                  breaches=json.dumps(breaches, ensure_ascii=False), reason=reason, approver=approver,
                  at=at.astimezone(dt.timezone.utc))
    return int(conn.execute(insert(_E).values(**values)).inserted_primary_key[0])


def exceptions(bind: Engine | Connection, proposal_ids) -> dict[int, list[dict]]:
    """The exceptions recorded for each proposal (ids already checked to be the caller's workspace's),
    oldest first, ``breaches`` parsed back to a list."""
    ids = sorted({int(i) for i in proposal_ids})
    out: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return out
    with connect(bind) as conn:
        for start in range(0, len(ids), 500):
            for r in conn.execute(select(_E).where(_E.c.proposal_id.in_(ids[start:start + 500])).order_by(_E.c.id)):
                row = dict(r._mapping)
                row["breaches"] = json.loads(row["breaches"])
                out[row["proposal_id"]].append(_utc(row, "at"))
    return out
