"""Audit trail: an append-only log of who imported, deleted, uploaded, chose, saved or exported what.

Revision ID: 0005_audit_log
Revises: 0004_signed_proposals
Create Date: 2026-12-06

Creates the table ``audit_log`` (one row per action: when in UTC, who, the action, the kind, id and
label of the record it touched, that record's fingerprint, a short detail) and the database's
refusal to change it: on SQLite two triggers that abort any UPDATE or DELETE of an entry, on
PostgreSQL a trigger function that raises on UPDATE, DELETE and TRUNCATE. A new database gets the
same statements from ``hedging.store.tables.AUDIT_TRIGGERS`` (a test compares the two); they are
written out here because a revision must keep doing what it did when it was released.

No other table is touched: the revision checks that every other table holds as many rows afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_audit_log"
down_revision = "0004_signed_proposals"
branch_labels = None
depends_on = None

TABLE = "audit_log"
REFUSED = "the audit trail is append-only: its entries cannot be changed or deleted"
TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        f"$body$ BEGIN RAISE EXCEPTION '{REFUSED}' USING ERRCODE = 'insufficient_privilege'; END $body$",
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()",
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_log_no_update", "DROP TRIGGER IF EXISTS audit_log_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
                   "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
                   "DROP FUNCTION IF EXISTS audit_log_refuse_change()"],
}


def upgrade() -> None:
    bind = op.get_bind()
    before = _counts(bind)
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("target_kind", sa.Text(), nullable=False),
        sa.Column("target_id", sa.Text(), nullable=False),
        sa.Column("target_label", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_at", TABLE, ["at"])
    for statement in TRIGGERS.get(bind.dialect.name, []):
        bind.exec_driver_sql(statement)
    if _counts(bind) != before:
        raise RuntimeError("Creating the audit trail changed the rows of another table; nothing was changed.")


def downgrade() -> None:
    bind = op.get_bind()
    for statement in DROP.get(bind.dialect.name, []):
        bind.exec_driver_sql(statement)
    op.drop_index("ix_audit_log_at", TABLE)
    op.drop_table(TABLE)


def _counts(bind) -> dict[str, int]:
    names = sorted(set(sa.inspect(bind).get_table_names()) - {TABLE, "alembic_version"})
    return {name: bind.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar() for name in names}
