"""Repository functions over the tables. Each call is one transaction: all or nothing.

Re-importing a file with the same SHA-256 changes nothing. An import that overlaps an earlier
import of the same source (same format, billing provider, account or organisation, and project)
replaces the earlier rows on the days it covers and keeps the days it omits, and says which
import's days it replaced and which it kept. Another organisation's or project's export of the
same provider is a different source: both are kept. The database holds one row per key
(``tables.USAGE_KEY``) whatever writes it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from hedging.errors import HedgingWarning, InputError, StorageError
from hedging.models import (
    COUNT_COLUMNS,
    USAGE_COLUMNS,
    ImportOutcome,
    ImportSummary,
    ReplacedRows,
    UsageRead,
    empty_usage_frame,
)

from .engine import connect, write_lock
from .tables import USAGE_KEY, CollapsedUsageRecord, ImportRecord, UsageRecord, utcnow

_STORED_COLUMNS = USAGE_COLUMNS + ("source_row_hash",)


#: Rows sent to the database per statement: bounds the memory of the parameters while storing.
INSERT_CHUNK_ROWS = 5_000
#: What an import replaces in earlier imports of the same source: the days it covers, per billing
#: provider, account (organisation) and project. Other organisations' and projects' rows, and days
#: the new file omits, are kept.
_SCOPE = ("billing_provider", "account_id", "project_id")
_KEY = list(USAGE_KEY)


@dataclass
class _Prepared:
    """An import ready to write: everything computed before the database's write lock is taken."""

    read: UsageRead
    frame: pd.DataFrame  # one row per key, columns as stored
    scopes: list[tuple[tuple[str, str, str], list[dt.date]]]  # the days covered per scope
    record: dict
    notes: list[str] = field(default_factory=list)


def _prepare(read: UsageRead) -> _Prepared:
    """The rows to store (one per key: rows of one file sharing a key are added up), the days
    each scope covers, and the import record; no database involved. The read's frame is not
    copied: rows become statement parameters a chunk at a time (:func:`_chunks`)."""
    frame = read.frame
    notes = []
    repeated = frame.duplicated(_KEY, keep=False) if len(frame) else pd.Series(dtype=bool)
    if repeated.any():  # differing only in a label (such as the cost basis): both were counted
        notes.append(f"{int(repeated.sum()):,} daily rows shared a key with another row and were added up.")
        sums = list(COUNT_COLUMNS) + ["gpu_hours", "cost_usd", "non_token_cost_usd"]
        g = frame.groupby(_KEY, sort=False, dropna=False)
        first = g[[c for c in _STORED_COLUMNS if c not in sums + _KEY + ["list_cost_usd", "billed_cost_usd"]]].first()
        frame = pd.concat([first, g[sums].sum(), g[["list_cost_usd", "billed_cost_usd"]].sum(min_count=1)],
                          axis=1).reset_index()[list(_STORED_COLUMNS)]
    scopes = [(tuple(str(v) for v in key), sorted(pd.to_datetime(part.unique()).date))
              for key, part in frame.groupby(list(_SCOPE), sort=True)["usage_date"]]
    totals = read.totals()
    record = dict(
        file_name=read.file_name, sha256=read.sha256, source_format=read.format, rows_read=read.rows_read,
        rows_imported=read.rows_kept, rows_skipped=read.rows_skipped, rows_rejected=read.rows_rejected,
        first_day=read.first_day, last_day=read.last_day, cost_usd=float(totals["cost_usd"]),
        input_tokens=int(totals["input_tokens"]), output_tokens=int(totals["output_tokens"]))
    return _Prepared(read, frame, scopes, record, notes)


#: The columns of a stored row, in the order :func:`_chunks` gives them.
_INSERT_COLUMNS = ("import_id",) + _STORED_COLUMNS
_OPTIONAL = ("list_cost_usd", "billed_cost_usd")


def _insert_sql(dialect: str, workspace_id: int = 1) -> str:
    """The statement storing one row (the workspace, one number for the whole import, is written in)."""
    mark = "?" if dialect == "sqlite" else "%s"
    return (f"INSERT INTO {UsageRecord.__tablename__} (workspace_id, {', '.join(_INSERT_COLUMNS)}) "
            f"VALUES ({int(workspace_id)}, {', '.join([mark] * len(_INSERT_COLUMNS))})")


def _chunks(frame: pd.DataFrame, import_id: int, dialect: str):
    """The rows as statement parameters (tuples in :data:`_INSERT_COLUMNS` order, plain Python
    values), :data:`INSERT_CHUNK_ROWS` at a time: never all rows at once, and no per-row work
    beyond building the tuple."""
    for start in range(0, len(frame), INSERT_CHUNK_ROWS):
        part = frame.iloc[start:start + INSERT_CHUNK_ROWS]
        days = pd.to_datetime(part["usage_date"])
        columns = [[import_id] * len(part),
                   days.dt.strftime("%Y-%m-%d").tolist() if dialect == "sqlite" else days.dt.date.tolist()]
        for col in _STORED_COLUMNS[1:]:
            values = part[col].tolist()
            if col in _OPTIONAL:
                values = [None if v != v else v for v in values]  # NaN: not given
            columns.append(values)
        yield list(zip(*columns))


def _replace_overlap(conn, prepared: _Prepared, workspace_id: int) -> tuple[list[ReplacedRows], list[str]]:
    """Delete the rows of earlier imports of the same source, provider, account and project on the
    days the new file covers; report per earlier import the days replaced and the days kept
    (inside the new file's span but not in it)."""
    table = UsageRecord.__table__
    fmt = prepared.read.format
    replaced: dict[int, list] = {}
    kept: dict[int, set] = {}
    for (provider, account, project), days in prepared.scopes:
        scope = ((table.c.workspace_id == workspace_id) & (table.c.source_format == fmt)
                 & (table.c.billing_provider == provider)
                 & (table.c.account_id == account) & (table.c.project_id == project))
        held = conn.execute(
            select(table.c.import_id, table.c.usage_date, func.count())
            .where(scope & table.c.usage_date.between(days[0], days[-1]))
            .group_by(table.c.import_id, table.c.usage_date)).all()
        covered = set(days)
        for import_id, day, n in held:
            day = _as_date(day)
            if day in covered:
                acc = replaced.setdefault(import_id, [0, set()])
                acc[0] += n
                acc[1].add(day)
            else:
                kept.setdefault(import_id, set()).add(day)
        hit = sorted({_as_date(d) for _i, d, _n in held} & covered)
        for start in range(0, len(hit), 500):
            conn.execute(delete(table).where(scope & table.c.usage_date.in_(hit[start:start + 500])))
    out = [ReplacedRows(i, n, min(d), max(d)) for i, (n, d) in sorted(replaced.items())]
    lines = [f"Replaced {len(d):,} day{'s' if len(d) != 1 else ''} of import #{i} ({n:,} rows): {_days(d)}."
             for i, (n, d) in sorted(replaced.items())]
    lines += [f"Kept {len(d):,} day{'s' if len(d) != 1 else ''} of import #{i} that this file does not "
              f"cover: {_days(d)}." for i, d in sorted(kept.items())]
    return out, lines


def _days(days) -> str:
    """Days as runs: "2025-03-01 to 2025-03-14, 2025-03-16"."""
    days = sorted(days)
    runs, start, prev = [], days[0], days[0]
    for d in days[1:] + [None]:
        if d is not None and (d - prev).days == 1:
            prev = d
            continue
        runs.append(str(start) if start == prev else f"{start} to {prev}")
        if d is not None:
            start = prev = d
    return ", ".join(runs)


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def save_imports(engine: Engine | Connection, reads: list[UsageRead], progress=None,
                 timeout_s: float | None = None, *, workspace_id: int = 1) -> list[ImportOutcome]:
    """Store every read in ONE transaction; on any failure nothing is stored.

    The rows are prepared first, with no lock held; then the database's write lock is taken
    (:func:`hedging.store.engine.write_lock`) only for the write: the overlap replacement, the
    import records and the rows, so two imports never interleave and each provider-day of a
    source, account and project is stored once. A writer that has to wait says so through
    ``progress(fraction, message)``; one that waits longer than ``timeout_s`` stores nothing and
    raises :class:`StorageError` with a plain message. Everything is stored in workspace
    ``workspace_id``; a file already imported there is not stored again (another workspace may hold
    the same file: workspaces share nothing).
    """
    prepared = [_prepare(read) for read in reads]
    outcomes: list[ImportOutcome] = []
    try:
        with write_lock(engine, progress, timeout_s) as conn:
            seen: dict[str, int] = {}
            imports = ImportRecord.__table__
            for item in prepared:
                read = item.read
                existing = seen.get(read.sha256)
                if existing is None:
                    existing = conn.execute(select(imports.c.id).where(
                        (imports.c.sha256 == read.sha256) & (imports.c.workspace_id == workspace_id))).scalar()
                if existing is not None:
                    outcomes.append(ImportOutcome(read, existing, already_imported=True))
                    continue
                replaced, lines = _replace_overlap(conn, item, workspace_id)
                lines = item.notes + lines
                report = json.dumps({
                    "skipped": dict(read.skipped),
                    "warnings": [w.message for w in read.warnings] + lines,
                    "replaced": [r.__dict__ | {"first_day": str(r.first_day), "last_day": str(r.last_day)}
                                 for r in replaced],
                    # the read as reported, for a later upload of the same file (:func:`known_import`)
                    "read": {"figures": read.figures(), "warnings": [[w.code, w.message] for w in read.warnings]},
                })
                import_id = conn.execute(insert(imports).values(**item.record, report_json=report,
                                                                workspace_id=workspace_id,
                                                                created_at=utcnow())).inserted_primary_key[0]
                sql = _insert_sql(conn.dialect.name, workspace_id)
                for params in _chunks(item.frame, import_id, conn.dialect.name):
                    conn.exec_driver_sql(sql, params)
                seen[read.sha256] = import_id
                if lines:
                    read = replace(read, warnings=read.warnings + tuple(HedgingWarning("replaced_days", f"{read.file_name}: {line}")
                                                                         for line in lines))
                outcomes.append(ImportOutcome(read, import_id, replaced=tuple(replaced)))
    except SQLAlchemyError as exc:
        raise StorageError(f"The database refused the import, so nothing was stored: {exc.__class__.__name__}: "
                           f"{str(exc).splitlines()[0]}") from exc
    return outcomes


def stored_sha256(engine: Engine | Connection, workspace_id: int = 1, *, without_rejected: bool = False) -> frozenset[str]:
    """The SHA-256s of the files imported in workspace ``workspace_id`` (``without_rejected``: only
    of imports that rejected no row), so that a file already there is known before it is read."""
    imports = ImportRecord.__table__
    query = select(imports.c.sha256).where(imports.c.workspace_id == workspace_id)
    if without_rejected:
        query = query.where(imports.c.rows_rejected == 0)
    with connect(engine) as conn:
        return frozenset(conn.execute(query).scalars())


def known_import(engine: Engine | Connection, read: UsageRead, workspace_id: int = 1) -> ImportOutcome | None:
    """The outcome of a file recognised as already imported before it was read (``read.known``):
    the existing import of the same SHA-256 in workspace ``workspace_id``, with the read figures it
    kept, exactly as :func:`save_imports` reports a file already imported; None if there is no such
    import (any more). An import stored before its read figures were kept reports those of its
    record, and the token classes, requests and GPU-hours the record lacks as summed over its rows."""
    imports, usage = ImportRecord.__table__, UsageRecord.__table__
    with connect(engine) as conn:
        record = conn.execute(select(imports).where(
            (imports.c.sha256 == read.sha256) & (imports.c.workspace_id == workspace_id))).mappings().first()
        if record is None:
            return None
        report = json.loads(record["report_json"] or "{}")
        kept = report.get("read")
        if kept is None:
            sums = conn.execute(select(*(func.coalesce(func.sum(usage.c[c]), 0) for c in _UNRECORDED)).where(
                usage.c.import_id == record["id"])).one()
    if kept is not None:
        figures = dict(kept["figures"])
        warnings = tuple(HedgingWarning(code, message) for code, message in kept["warnings"])
    else:
        figures = {"rows_rejected": int(record["rows_rejected"]),
                   "first_day": _iso(record["first_day"]), "last_day": _iso(record["last_day"]),
                   "cost_usd": round(float(record["cost_usd"]), 6), "input_tokens": int(record["input_tokens"]),
                   "output_tokens": int(record["output_tokens"])}
        figures |= {c: int(v) if c != "gpu_hours" else round(float(v), 6) for c, v in zip(_UNRECORDED, sums)}
        warnings = tuple(HedgingWarning("kept_with_import", m) for m in report.get("warnings", []))
    stored = replace(read, format=record["source_format"], rows_read=int(record["rows_read"]), rejected=(),
                     skipped=tuple(sorted((str(k), int(v)) for k, v in report.get("skipped", {}).items())),
                     warnings=warnings)
    return ImportOutcome(stored, int(record["id"]), already_imported=True, figures=figures)


#: Figures of a read that the import record has no column for.
_UNRECORDED = ("cache_read_tokens", "cache_write_tokens", "requests", "gpu_hours")


def _iso(day) -> str | None:
    return None if day is None else _as_date(day).isoformat()


def find_import(engine: Engine, import_id: int, workspace_id: int = 1) -> ImportSummary:
    """Import ``import_id`` of workspace ``workspace_id``; one of another workspace is reported as
    not there, exactly like one that never existed."""
    for item in list_imports(engine, workspace_id):
        if item.id == import_id:
            return item
    raise InputError(f"there is no import #{import_id}.", fix="list the imports (`hedging imports`) and use "
                     "one of their ids.")


def delete_import(engine: Engine, import_id: int, progress=None, timeout_s: float | None = None, *,
                  workspace_id: int = 1) -> int:
    """Delete an import and exactly its rows; returns how many usage rows were removed. Waits for
    a running import like another import does (see :func:`save_imports`)."""
    find_import(engine, import_id, workspace_id)
    table = UsageRecord.__table__
    with write_lock(engine, progress, timeout_s) as conn:
        n = conn.execute(delete(table).where(table.c.import_id == import_id)).rowcount
        conn.execute(delete(ImportRecord.__table__).where(ImportRecord.__table__.c.id == import_id))
    return int(n or 0)


def list_imports(engine: Engine, workspace_id: int = 1) -> list[ImportSummary]:
    """The imports of workspace ``workspace_id``, oldest first."""
    table = UsageRecord.__table__
    with Session(engine) as session:
        counts = dict(session.execute(select(table.c.import_id, func.count())
                                      .where(table.c.workspace_id == workspace_id)
                                      .group_by(table.c.import_id)).all())
        rows = session.execute(select(ImportRecord).where(ImportRecord.workspace_id == workspace_id)
                               .order_by(ImportRecord.id)).scalars().all()
        out = []
        for r in rows:
            created = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.timezone.utc)
            out.append(ImportSummary(
                id=r.id, file_name=r.file_name, sha256=r.sha256, format=r.source_format, rows_read=r.rows_read,
                rows_imported=r.rows_imported, rows_skipped=r.rows_skipped, rows_rejected=r.rows_rejected,
                rows_stored=int(counts.get(r.id, 0)), first_day=r.first_day, last_day=r.last_day,
                cost_usd=r.cost_usd, created_at=created))
        return out


def usage_frame(engine: Engine, workspace_id: int = 1) -> pd.DataFrame:
    """Every usage row of workspace ``workspace_id`` as a canonical frame (plus ``import_id``), sorted by day."""
    table = UsageRecord.__table__
    with connect(engine) as conn:
        frame = pd.read_sql(select(table).where(table.c.workspace_id == workspace_id)
                            .order_by(table.c.usage_date, table.c.id), conn)
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
