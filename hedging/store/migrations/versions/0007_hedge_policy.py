"""Hedge policy: versioned governance limits per workspace, and exceptions recorded at approval.

Revision ID: 0007_hedge_policy
Revises: 0006_workspaces_roles
Create Date: 2026-12-06

Creates:

- ``hedge_policies``: the versions of each workspace's hedge policy (version 1, 2, ... per
  workspace, unique), each its content as JSON, that content's SHA-256, who saved it, why and when;
- ``policy_exceptions``: an approval given although the proposal breached the policy in force
  (the approval step, the policy version and fingerprint, the limits breached, the reason, the
  approver and the time).

Both are append-only: on SQLite triggers abort any UPDATE or DELETE, on PostgreSQL a trigger
function raises on UPDATE, DELETE and TRUNCATE (the statements are written out here, as revision
0005 does, because a revision must keep doing what it did when released; a test compares them
with ``hedging.store.tables.APPEND_ONLY_TRIGGERS``). No existing row is touched: the revision
checks that every other table holds as many rows afterwards. A workspace without a stored
version uses the default policy, labelled "default — not yet adopted by an admin".
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_hedge_policy"
down_revision = "0006_workspaces_roles"
branch_labels = None
depends_on = None

NEW = ("hedge_policies", "policy_exceptions")
MESSAGES = {
    "hedge_policies": "hedge policy versions are only ever added: a version cannot be changed or deleted",
    "policy_exceptions": "policy exceptions are only ever added: an exception cannot be changed or deleted",
}


def triggers(table: str, dialect: str) -> list[str]:
    message = MESSAGES[table]
    if dialect == "sqlite":
        return [f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END",
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"]
    if dialect == "postgresql":
        return [f"CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
                f"$body$ BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; END $body$",
                f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_refuse_change()",
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()"]
    return []


def upgrade() -> None:
    bind = op.get_bind()
    before = _counts(bind)
    op.create_table(
        "hedge_policies",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("uq_hedge_policies_version", "hedge_policies", ["workspace_id", "version"], unique=True)
    op.create_table(
        "policy_exceptions",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("proposal_reviews.id"), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
        sa.Column("policy_fingerprint", sa.Text(), nullable=False),
        sa.Column("breaches", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approver", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_policy_exceptions_proposal_id", "policy_exceptions", ["proposal_id"])
    for table in NEW:
        for statement in triggers(table, bind.dialect.name):
            bind.exec_driver_sql(statement)
    if _counts(bind) != before:
        raise RuntimeError("Creating the hedge policy tables changed the rows of another table; nothing was changed.")


def downgrade() -> None:
    bind = op.get_bind()
    for table in NEW:
        if bind.dialect.name == "postgresql":
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_change ON {table}")
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {table}_refuse_change()")
        elif bind.dialect.name == "sqlite":
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_update")
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_delete")
    op.drop_index("ix_policy_exceptions_proposal_id", "policy_exceptions")
    op.drop_table("policy_exceptions")
    op.drop_index("uq_hedge_policies_version", "hedge_policies")
    op.drop_table("hedge_policies")


def _counts(bind) -> dict[str, int]:
    names = sorted(set(sa.inspect(bind).get_table_names()) - {*NEW, "alembic_version"})
    return {name: bind.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar() for name in names}
