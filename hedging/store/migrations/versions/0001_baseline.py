"""Baseline: the schema of the last release made before schema revisions.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-12-06

The tables as hedging created them before revisions were tracked (``imports``, ``index_histories``
and ``proposals`` without SQLite AUTOINCREMENT; the next revision adds it). A database made before
revisions has these tables already and is adopted at this revision: only a table that is missing
(a database of an earlier release without index uploads or proposals) is created here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[tuple[str, list, list[tuple[str, list[str], bool]]]]:
    """(table, columns and constraints, indexes as (name, columns, unique)), parents first."""
    big = sa.BigInteger
    return [
        ("imports", [
            sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
            sa.Column("file_name", sa.String(), nullable=False),
            sa.Column("sha256", sa.String(), nullable=False),
            sa.Column("source_format", sa.String(), nullable=False),
            sa.Column("rows_read", sa.Integer(), nullable=False),
            sa.Column("rows_imported", sa.Integer(), nullable=False),
            sa.Column("rows_skipped", sa.Integer(), nullable=False),
            sa.Column("rows_rejected", sa.Integer(), nullable=False),
            sa.Column("first_day", sa.Date(), nullable=True),
            sa.Column("last_day", sa.Date(), nullable=True),
            sa.Column("cost_usd", sa.Float(), nullable=False),
            sa.Column("input_tokens", big(), nullable=False),
            sa.Column("output_tokens", big(), nullable=False),
            sa.Column("report_json", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ], [("ix_imports_sha256", ["sha256"], True)]),
        ("usage_daily", [
            sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
            sa.Column("import_id", sa.Integer(), sa.ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
            sa.Column("usage_date", sa.Date(), nullable=False),
            *[sa.Column(name, sa.String(), nullable=False) for name in (
                "source_format", "billing_provider", "account_id", "model_raw", "team", "project_id",
                "api_key_id", "service_tier", "region", "charge_category", "model", "model_developer",
                "cost_basis")],
            *[sa.Column(name, big(), nullable=False) for name in (
                "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens",
                "reasoning_tokens", "requests")],
            sa.Column("gpu_hours", sa.Float(), nullable=False),
            sa.Column("cost_usd", sa.Float(), nullable=False),
            sa.Column("list_cost_usd", sa.Float(), nullable=True),
            sa.Column("billed_cost_usd", sa.Float(), nullable=True),
            sa.Column("non_token_cost_usd", sa.Float(), nullable=False),
            sa.Column("source_row_hash", sa.String(), nullable=False),
        ], [("ix_usage_daily_import_id", ["import_id"], False),
            ("ix_usage_source_day", ["source_format", "billing_provider", "usage_date"], False)]),
        ("index_histories", [
            sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("underlying", sa.String(), nullable=False),
            sa.Column("unit", sa.String(), nullable=False),
            sa.Column("file_name", sa.String(), nullable=False),
            sa.Column("sha256", sa.String(), nullable=False),
            sa.Column("points", sa.Integer(), nullable=False),
            sa.Column("first_date", sa.Date(), nullable=False),
            sa.Column("last_date", sa.Date(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ], [("ix_index_histories_sha256", ["sha256"], False)]),
        ("index_points", [
            sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
            sa.Column("index_id", sa.Integer(), sa.ForeignKey("index_histories.id", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("date", sa.Date(), nullable=False),
            sa.Column("value", sa.Float(), nullable=False),
            sa.Column("source", sa.String(), nullable=False),
        ], [("ix_index_points_index_id", ["index_id"], False)]),
        ("market_choices", [
            sa.Column("underlying", sa.String(), primary_key=True, nullable=False),
            sa.Column("index_key", sa.String(), nullable=False),
        ], []),
        ("proposals", [
            sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
            sa.Column("name", sa.String(), nullable=False),
            sa.Column("company", sa.String(), nullable=False),
            sa.Column("app_version", sa.String(), nullable=False),
            sa.Column("payload_sha256", sa.String(), nullable=False),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        ], []),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, columns, indexes in _tables():
        if name in existing:
            continue
        op.create_table(name, *columns)
        for index, cols, unique in indexes:
            op.create_index(index, name, cols, unique=unique)


def downgrade() -> None:
    for name, _columns, _indexes in reversed(_tables()):
        op.drop_table(name)
