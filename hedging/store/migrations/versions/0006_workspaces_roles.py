"""Workspaces, roles and the proposal lifecycle.

Revision ID: 0006_workspaces_roles
Revises: 0005_audit_log
Create Date: 2026-12-06

Creates:

- ``workspaces`` (id, slug, name, created_at) with workspace 1, "Default" (slug ``default``): every
  row stored before this revision belongs to it, and it is the local mode's only workspace;
- ``workspace_members`` (workspace, user, role: viewer, preparer, approver or admin) with the
  local mode's user, "local user", as admin of "Default";
- ``proposal_reviews``: the steps of each proposal's lifecycle (draft, submitted, approved,
  rejected, superseded), only ever added to.

Adds ``workspace_id`` (whole number, not null, 1 for every existing row) to ``imports``,
``usage_daily``, ``index_histories``, ``proposals`` and ``audit_log``, and makes it part of the
primary key of ``market_choices`` (each workspace chooses its own index). The same file may now
be imported once per workspace: the unique index on ``imports.sha256`` and ``uq_usage_daily_row``
lead with the workspace.

No row is changed otherwise and nothing is lost: the revision checks that every table holds the
same number of rows afterwards. Adding a column does not touch the audit trail's rows, so its
refusal to change them (revision 0005) stays in force.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006_workspaces_roles"
down_revision = "0005_audit_log"
branch_labels = None
depends_on = None

OWNED = ("imports", "usage_daily", "index_histories", "proposals", "audit_log")
INDEXED = ("imports", "index_histories", "proposals", "audit_log")  # usage_daily: leads its unique key
#: The usage key as of this revision (``hedging.store.tables.USAGE_KEY``), now within a workspace.
USAGE_KEY = ("source_format", "billing_provider", "account_id", "project_id", "usage_date", "team", "model_raw",
             "api_key_id", "service_tier", "region", "charge_category")
LOCAL_USER = "local user"


def upgrade() -> None:
    bind = op.get_bind()
    before = _counts(bind)
    now = dt.datetime.now(dt.timezone.utc)
    workspaces = op.create_table(
        "workspaces",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("slug", sa.Text(), nullable=False, unique=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sqlite_autoincrement=True,
    )
    members = op.create_table(
        "workspace_members",
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user", sa.Text(), primary_key=True),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "proposal_reviews",
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.Integer(), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_proposal_reviews_proposal_id", "proposal_reviews", ["proposal_id"])
    op.bulk_insert(workspaces, [{"id": 1, "slug": "default", "name": "Default", "created_at": now}])
    op.bulk_insert(members, [{"workspace_id": 1, "user": LOCAL_USER, "role": "admin", "created_at": now}])
    if bind.dialect.name == "postgresql":  # the sequence must hand out 2 next, not 1 again
        bind.exec_driver_sql("SELECT setval(pg_get_serial_sequence('workspaces', 'id'), 1)")

    for table in OWNED:
        op.add_column(table, sa.Column("workspace_id", sa.Integer(), nullable=False, server_default=sa.text("1")))
    for table in INDEXED:
        op.create_index(f"ix_{table}_workspace_id", table, ["workspace_id"])
    op.drop_index("ix_imports_sha256", "imports")
    op.create_index("ix_imports_sha256", "imports", ["sha256"])
    op.create_index("uq_imports_workspace_sha256", "imports", ["workspace_id", "sha256"], unique=True)
    op.drop_index("uq_usage_daily_row", "usage_daily")
    op.create_index("uq_usage_daily_row", "usage_daily", ["workspace_id", *USAGE_KEY], unique=True)

    # market_choices: the workspace joins the primary key, so the table is rebuilt with its rows.
    op.create_table(
        "market_choices_new",
        sa.Column("workspace_id", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("underlying", sa.String(), nullable=False),
        sa.Column("index_key", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "underlying"),
    )
    bind.exec_driver_sql("INSERT INTO market_choices_new (workspace_id, underlying, index_key) "
                         "SELECT 1, underlying, index_key FROM market_choices")
    op.drop_table("market_choices")
    op.rename_table("market_choices_new", "market_choices")
    if bind.dialect.name == "postgresql":  # the primary key keeps the name its table had when made
        bind.exec_driver_sql("ALTER TABLE market_choices RENAME CONSTRAINT market_choices_new_pkey "
                             "TO market_choices_pkey")

    after = _counts(bind)
    if {k: v for k, v in after.items() if k in before} != before:
        raise RuntimeError("Adding workspaces changed the rows of another table; nothing was changed.")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM workspaces WHERE id <> 1")).scalar():
        raise RuntimeError("Other workspaces than Default hold data; downgrading would merge them. Nothing was "
                           "changed.")
    op.create_table(
        "market_choices_old",
        sa.Column("underlying", sa.String(), primary_key=True, nullable=False),
        sa.Column("index_key", sa.String(), nullable=False),
    )
    bind.exec_driver_sql("INSERT INTO market_choices_old (underlying, index_key) "
                         "SELECT underlying, index_key FROM market_choices WHERE workspace_id = 1")
    op.drop_table("market_choices")
    op.rename_table("market_choices_old", "market_choices")
    op.drop_index("uq_usage_daily_row", "usage_daily")
    op.create_index("uq_usage_daily_row", "usage_daily", list(USAGE_KEY), unique=True)
    op.drop_index("uq_imports_workspace_sha256", "imports")
    op.drop_index("ix_imports_sha256", "imports")
    op.create_index("ix_imports_sha256", "imports", ["sha256"], unique=True)
    for table in INDEXED:
        op.drop_index(f"ix_{table}_workspace_id", table)
    for table in OWNED:
        if bind.dialect.name == "sqlite":
            bind.exec_driver_sql(f'ALTER TABLE "{table}" DROP COLUMN workspace_id')
        else:
            op.drop_column(table, "workspace_id")
    op.drop_index("ix_proposal_reviews_proposal_id", "proposal_reviews")
    op.drop_table("proposal_reviews")
    op.drop_table("workspace_members")
    op.drop_table("workspaces")


def _counts(bind) -> dict[str, int]:
    names = sorted(set(sa.inspect(bind).get_table_names()) - {"alembic_version"})
    return {name: bind.exec_driver_sql(f'SELECT COUNT(*) FROM "{name}"').scalar() for name in names}
