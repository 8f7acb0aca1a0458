"""Ids never reused: SQLite AUTOINCREMENT on imports, index uploads and proposals.

Revision ID: 0002_never_reuse_ids
Revises: 0001_baseline
Create Date: 2026-12-06

Without AUTOINCREMENT SQLite hands out the largest id + 1, so the id of a deleted newest row is
given again. SQLite cannot add AUTOINCREMENT to a table, so each of the three tables is rebuilt
(new table, every row copied with its id, old table dropped, new one renamed) and its
``sqlite_sequence`` entry starts at the largest id kept. A table that already has AUTOINCREMENT
(made by a release that declared it) is left as it is. Nothing to do on PostgreSQL, whose
sequences never hand out an id twice.

The rows of ``usage_daily`` and ``index_points`` refer to ``imports`` and ``index_histories``
with ON DELETE CASCADE: dropping a parent table while foreign keys are enforced would delete them.
The caller (hedging.store.engine) turns ``PRAGMA foreign_keys`` off around the migration (it
cannot be changed inside a transaction); this revision refuses to run if it is on, and checks
afterwards that every table holds the same rows and every reference still resolves.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_never_reuse_ids"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

#: The rebuilt tables and the tables whose rows refer to them.
TABLES = ("imports", "index_histories", "proposals")
CHILDREN = ("usage_daily", "index_points")


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("Rebuilding tables with foreign keys enforced would delete the rows that refer to "
                           "them; run this revision with PRAGMA foreign_keys=OFF.")
    todo = [t for t in TABLES if _has_autoincrement(bind, t) is (not autoincrement)]
    if not todo:
        return
    watched = [t for t in (*TABLES, *CHILDREN) if _sql(bind, t) is not None]
    before = {t: _fingerprint(bind, t) for t in watched}
    for table in todo:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    after = {t: _fingerprint(bind, t) for t in watched}
    if after != before:
        changed = sorted(t for t in watched if after[t] != before[t])
        raise RuntimeError(f"Rebuilding {', '.join(todo)} changed the rows of {', '.join(changed)}; "
                           "nothing was changed.")
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"Rebuilding {', '.join(todo)} left {len(broken)} references unresolved; "
                           "nothing was changed.")
    if autoincrement:
        missing = [t for t in todo if not _has_autoincrement(bind, t)]
        if missing:
            raise RuntimeError(f"{', '.join(missing)} still without AUTOINCREMENT after the rebuild.")


def _sql(bind, table: str) -> str | None:
    return bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                        {"name": table}).scalar()


def _has_autoincrement(bind, table: str) -> bool | None:
    sql = _sql(bind, table)
    return None if sql is None else "AUTOINCREMENT" in sql.upper()


def _fingerprint(bind, table: str) -> tuple[int, int | None, int | None, int | None]:
    """Row count, smallest and largest id, and the sum of ids (cheap, and catches a lost row)."""
    return tuple(bind.exec_driver_sql(
        f'SELECT COUNT(*), MIN(id), MAX(id), TOTAL(id) FROM "{table}"').one())
