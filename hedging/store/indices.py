"""Repository functions for uploaded index histories and the index chosen per underlying."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from hedging.errors import InputError

from .engine import connect
from .tables import IndexPointRecord, IndexRecord, MarketChoice


def save_index(engine: Engine, *, name: str, underlying: str, unit: str, file_name: str, sha256: str,
               history: pd.DataFrame, workspace_id: int = 1) -> tuple[int, bool]:
    """Store a validated history (date, value, source) in one transaction.

    Returns ``(id, already)``: uploading the same file for the same underlying again stores nothing.
    """
    with Session(engine) as session, session.begin():
        found = session.execute(select(IndexRecord.id).where(
            (IndexRecord.sha256 == sha256) & (IndexRecord.underlying == underlying)
            & (IndexRecord.workspace_id == workspace_id))).first()
        if found:
            return found[0], True
        dates = pd.to_datetime(history["date"])
        record = IndexRecord(workspace_id=workspace_id, name=name, underlying=underlying, unit=unit, file_name=file_name, sha256=sha256,
                             points=len(history), first_date=dates.min().date(), last_date=dates.max().date())
        session.add(record)
        session.flush()
        sources = history["source"] if "source" in history else pd.Series([""] * len(history))
        rows = [{"index_id": record.id, "date": d.date(), "value": float(v), "source": str(s or "")}
                for d, v, s in zip(dates, history["value"], sources)]
        session.execute(insert(IndexPointRecord.__table__), rows)
        return record.id, False


def list_indices(engine: Engine, underlying: str | None = None, workspace_id: int = 1) -> list[IndexRecord]:
    """The uploaded indices of workspace ``workspace_id`` (of one underlying when given)."""
    with Session(engine) as session:
        query = select(IndexRecord).where(IndexRecord.workspace_id == workspace_id).order_by(IndexRecord.id)
        if underlying:
            query = query.where(IndexRecord.underlying == underlying)
        rows = session.execute(query).scalars().all()
        for r in rows:
            session.expunge(r)
        return list(rows)


def index_points(engine: Engine, index_id: int, workspace_id: int = 1) -> pd.DataFrame:
    table, owner = IndexPointRecord.__table__, IndexRecord.__table__
    with connect(engine) as conn:
        frame = pd.read_sql(select(table.c.date, table.c.value, table.c.source)
                            .join(owner, owner.c.id == table.c.index_id)
                            .where((table.c.index_id == index_id) & (owner.c.workspace_id == workspace_id))
                            .order_by(table.c.date), conn)
    if frame.empty:
        raise InputError(f"there is no uploaded index #{index_id}.", fix="choose one of the listed indices.")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def delete_index(engine: Engine, index_id: int, workspace_id: int = 1) -> None:
    with Session(engine) as session, session.begin():
        if session.scalar(select(IndexRecord.id).where((IndexRecord.id == index_id)
                                                       & (IndexRecord.workspace_id == workspace_id))) is None:
            raise InputError(f"there is no uploaded index #{index_id}.", fix="choose one of the listed indices.")
        session.execute(delete(IndexPointRecord.__table__).where(IndexPointRecord.__table__.c.index_id == index_id))
        session.execute(delete(IndexRecord.__table__).where(IndexRecord.__table__.c.id == index_id))
        choices = MarketChoice.__table__
        session.execute(delete(choices).where((choices.c.index_key == f"upload:{index_id}")
                                              & (choices.c.workspace_id == workspace_id)))


def get_choice(engine: Engine, underlying: str, workspace_id: int = 1) -> str:
    with Session(engine) as session:
        row = session.get(MarketChoice, (workspace_id, underlying))
        return row.index_key if row else "builtin"


def set_choice(engine: Engine, underlying: str, index_key: str, workspace_id: int = 1) -> None:
    with Session(engine) as session, session.begin():
        row = session.get(MarketChoice, (workspace_id, underlying))
        if row:
            row.index_key = index_key
        else:
            session.add(MarketChoice(workspace_id=workspace_id, underlying=underlying, index_key=index_key))
