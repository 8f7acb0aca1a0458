"""Repository functions over the tables. Each call is one transaction: all or nothing.

Re-importing a file with the same SHA-256 changes nothing. An import that overlaps an earlier
import of the same source (same format, billing provider and account) replaces the earlier
rows on the days it covers, and says which import and how many rows it replaced.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hedging.errors import InputError, StorageError
from hedging.models import (
    COUNT_COLUMNS,
    USAGE_COLUMNS,
    ImportOutcome,
    ImportSummary,
    ReplacedRows,
    UsageRead,
    empty_usage_frame,
)

from .engine import connect
from .tables import CollapsedUsageRecord, ImportRecord, UsageRecord

_STORED_COLUMNS = USAGE_COLUMNS + ("source_row_hash",)


def _records(frame: pd.DataFrame, import_id: int) -> list[dict]:
    out = frame[list(_STORED_COLUMNS)].copy()
    out["usage_date"] = pd.to_datetime(out["usage_date"]).dt.date
    obj = out.astype(object).where(out.notna(), None)
    obj["import_id"] = import_id
    return obj.to_dict("records")


def _overlap(session: Session, read: UsageRead) -> list[ReplacedRows]:
    """Delete rows of earlier imports of the same source on the days ``read`` covers."""
    frame = read.frame
    replaced: dict[int, list] = {}
    table = UsageRecord.__table__
    for (provider, account), part in frame.groupby(["billing_provider", "account_id"], sort=True):
        first = part["usage_date"].min().date()
        last = part["usage_date"].max().date()
        where = (
            (table.c.source_format == read.format)
            & (table.c.billing_provider == provider)
            & (table.c.account_id == account)
            & (table.c.usage_date >= first)
            & (table.c.usage_date <= last)
        )
        stats = session.execute(
            select(table.c.import_id, func.count(), func.min(table.c.usage_date), func.max(table.c.usage_date))
            .where(where).group_by(table.c.import_id)
        ).all()
        for import_id, n, lo, hi in stats:
            acc = replaced.setdefault(import_id, [0, lo, hi])
            acc[0] += n
            acc[1], acc[2] = min(acc[1], lo), max(acc[2], hi)
        if stats:
            session.execute(delete(table).where(where))
    return [ReplacedRows(i, n, _as_date(lo), _as_date(hi)) for i, (n, lo, hi) in sorted(replaced.items())]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def save_imports(engine: Engine, reads: list[UsageRead]) -> list[ImportOutcome]:
    """Store every read in ONE transaction; on any failure nothing is stored."""
    outcomes: list[ImportOutcome] = []
    try:
        with Session(engine) as session, session.begin():
            seen: dict[str, int] = {}
            for read in reads:
                existing = seen.get(read.sha256)
                if existing is None:
                    row = session.execute(
                        select(ImportRecord.id).where(ImportRecord.sha256 == read.sha256)).first()
                    existing = row[0] if row else None
                if existing is not None:
                    outcomes.append(ImportOutcome(read, existing, already_imported=True))
                    continue
                replaced = _overlap(session, read)
                totals = read.totals()
                record = ImportRecord(
                    file_name=read.file_name, sha256=read.sha256, source_format=read.format,
                    rows_read=read.rows_read, rows_imported=read.rows_kept, rows_skipped=read.rows_skipped,
                    rows_rejected=read.rows_rejected, first_day=read.first_day, last_day=read.last_day,
                    cost_usd=float(totals["cost_usd"]), input_tokens=int(totals["input_tokens"]),
                    output_tokens=int(totals["output_tokens"]),
                    report_json=json.dumps({
                        "skipped": dict(read.skipped),
                        "warnings": [w.message for w in read.warnings],
                        "replaced": [r.__dict__ | {"first_day": str(r.first_day), "last_day": str(r.last_day)}
                                     for r in replaced],
                    }),
                )
                session.add(record)
                session.flush()
                if len(read.frame):
                    session.execute(insert(UsageRecord.__table__), _records(read.frame, record.id))
                seen[read.sha256] = record.id
                outcomes.append(ImportOutcome(read, record.id, replaced=tuple(replaced)))
    except SQLAlchemyError as exc:
        raise StorageError(f"The database refused the import, so nothing was stored: {exc.__class__.__name__}: "
                           f"{str(exc).splitlines()[0]}") from exc
    return outcomes


def find_import(engine: Engine, import_id: int) -> ImportSummary:
    for item in list_imports(engine):
        if item.id == import_id:
            return item
    raise InputError(f"there is no import #{import_id}.", fix="list the imports (`hedging imports`) and use "
                     "one of their ids.")


def delete_import(engine: Engine, import_id: int) -> int:
    """Delete an import and exactly its rows; returns how many usage rows were removed."""
    find_import(engine, import_id)
    table = UsageRecord.__table__
    with Session(engine) as session, session.begin():
        n = session.execute(delete(table).where(table.c.import_id == import_id)).rowcount
        session.execute(delete(ImportRecord.__table__).where(ImportRecord.__table__.c.id == import_id))
    return int(n or 0)


def list_imports(engine: Engine) -> list[ImportSummary]:
    table = UsageRecord.__table__
    with Session(engine) as session:
        counts = dict(session.execute(select(table.c.import_id, func.count()).group_by(table.c.import_id)).all())
        rows = session.execute(select(ImportRecord).order_by(ImportRecord.id)).scalars().all()
        out = []
        for r in rows:
            created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.timezone.utc)
            out.append(ImportSummary(
                id=r.id, file_name=r.file_name, sha256=r.sha256, format=r.source_format, rows_read=r.rows_read,
                rows_imported=r.rows_imported, rows_skipped=r.rows_skipped, rows_rejected=r.rows_rejected,
                rows_stored=int(counts.get(r.id, 0)), first_day=r.first_day, last_day=r.last_day,
                cost_usd=r.cost_usd, created_at=created))
        return out


def usage_frame(engine: Engine) -> pd.DataFrame:
    """Every stored usage row as a canonical frame (plus ``import_id``), sorted by day."""
    table = UsageRecord.__table__
    with connect(engine) as conn:
        frame = pd.read_sql(select(table).order_by(table.c.usage_date, table.c.id), conn)
    if frame.empty:
        out = empty_usage_frame()
        out["import_id"] = pd.Series(dtype="int64")
        return out
    frame["usage_date"] = pd.to_datetime(frame["usage_date"]).astype("datetime64[s]")
    for col in COUNT_COLUMNS:
        frame[col] = frame[col].astype(np.int64)
    for col in ("list_cost_usd", "billed_cost_usd"):
        frame[col] = frame[col].astype(float)
    return frame[list(USAGE_COLUMNS) + ["import_id"]]


def collapsed_rows(engine: Engine) -> dict[str, int]:
    """How many usage rows the upgrade to one row per key collapsed, by reason (``{}``: none);
    the rows themselves are kept, whole, in ``usage_daily_collapsed``."""
    table = CollapsedUsageRecord.__table__
    with connect(engine) as conn:
        return {reason: int(n) for reason, n in conn.execute(
            select(table.c.reason, func.count()).where(~table.c.reason.contains("("))
            .group_by(table.c.reason).order_by(table.c.reason))}
