"""One stored row per provider-day and key: a unique index on what makes a usage row distinct.

Revision ID: 0003_one_row_per_provider_day
Revises: 0002_never_reuse_ids
Create Date: 2026-12-06

A daily usage row is one source (export format) x billing provider x account or organisation x
project x UTC day x team x model x API key x service tier x region x charge category. The unique
index ``uq_usage_daily_row`` on those columns makes a second copy impossible whatever wrote it;
it starts with source, provider, account, project and day, so it also serves the overlap
replacement of an import (and replaces ``ix_usage_source_day``, whose columns it leads with).

A database written before this revision may hold several rows with one key (two overlapping
imports that ran at the same moment both stayed whole). Before the index is created they are
collapsed, and nothing is lost: every row removed or changed is first copied, whole, into
``usage_daily_collapsed`` with the id of the row that now stands for it and the reason:

- ``exact copy``: every stored figure and label equal to the kept row (same import or not);
- ``replaced by a newer import``: the same key stored by a later import keeps that import's row,
  which is what the later import would have done had the two not run at once;
- ``merged within one import``: rows of ONE import with the same key (they differed only in a
  label, such as the cost basis) were both counted, so they are added up into the first of them.

``hedging.store.repository.collapsed_rows`` says how many rows of each reason the upgrade
collapsed; the upgrade also writes it to the ``hedging.store`` log.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

import sqlalchemy as sa
from alembic import op

revision = "0003_one_row_per_provider_day"
down_revision = "0002_never_reuse_ids"
branch_labels = None
depends_on = None

#: What makes a stored row distinct (``hedging.models.KEY_COLUMNS``, as of this revision).
KEY = ("source_format", "billing_provider", "account_id", "project_id", "usage_date", "team", "model_raw",
       "api_key_id", "service_tier", "region", "charge_category")
LABELS = ("model", "model_developer", "cost_basis", "source_row_hash")
COUNTS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
          "requests")
AMOUNTS = ("gpu_hours", "cost_usd", "non_token_cost_usd")
OPTIONAL = ("list_cost_usd", "billed_cost_usd")  # NULL = not given; a sum stays NULL only if all are
INDEX = "uq_usage_daily_row"
ARCHIVE = "usage_daily_collapsed"
EXACT, REPLACED, MERGED = "exact copy", "replaced by a newer import", "merged within one import"

log = logging.getLogger("hedging.store")


def _archive_table() -> list:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, nullable=False),
        sa.Column("usage_row_id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("kept_row_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("row_json", sa.Text(), nullable=False),
        sa.Column("collapsed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(ARCHIVE, *_archive_table())
    counts = _collapse(bind)
    if any(counts.values()):
        log.warning("Schema upgrade: %s", ", ".join(f"{n:,} {reason}" for reason, n in counts.items() if n)
                    + f" collapsed into one row per key; the originals are kept in {ARCHIVE}.")
    op.drop_index("ix_usage_source_day", table_name="usage_daily")
    op.create_index(INDEX, "usage_daily", list(KEY), unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="usage_daily")
    op.create_index("ix_usage_source_day", "usage_daily", ["source_format", "billing_provider", "usage_date"])
    op.drop_table(ARCHIVE)  # the collapsed rows stay collapsed: putting copies back would count them twice


def _usage(bind) -> sa.Table:
    return sa.Table("usage_daily", sa.MetaData(), autoload_with=bind)


def _collapse(bind) -> dict[str, int]:
    """Collapse every group of rows sharing a key; how many rows each reason removed or merged."""
    usage = _usage(bind)
    archive = sa.Table(ARCHIVE, sa.MetaData(), autoload_with=bind)
    counts = {EXACT: 0, REPLACED: 0, MERGED: 0}
    key_cols = [usage.c[k] for k in KEY]
    dup = (sa.select(*key_cols).group_by(*key_cols).having(sa.func.count() > 1).subquery("dup"))
    joined = usage.join(dup, sa.and_(*[usage.c[k] == dup.c[k] for k in KEY]))
    rows = [dict(r._mapping) for r in bind.execute(
        sa.select(usage).select_from(joined).order_by(*key_cols, usage.c.import_id, usage.c.id))]
    if not rows:
        return counts
    now = dt.datetime.now(dt.timezone.utc)
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in KEY), []).append(row)
    archived: list[dict] = []
    deleted: list[int] = []
    for group in groups.values():
        for kept, removed, reason, merged in _decide(group):
            for row in removed:
                archived.append(dict(usage_row_id=row["id"], import_id=row["import_id"], kept_row_id=kept["id"],
                                     reason=reason, row_json=_as_json(row), collapsed_at=now))
                deleted.append(row["id"])
                counts[reason] += 1
            if merged is not None:
                archived.append(dict(usage_row_id=kept["id"], import_id=kept["import_id"], kept_row_id=kept["id"],
                                     reason=f"{MERGED} (the row before its copies were added)",
                                     row_json=_as_json(kept), collapsed_at=now))
                bind.execute(usage.update().where(usage.c.id == kept["id"]).values(**merged))
    for start in range(0, len(archived), 1000):
        bind.execute(archive.insert(), archived[start:start + 1000])
    for start in range(0, len(deleted), 500):
        bind.execute(usage.delete().where(usage.c.id.in_(deleted[start:start + 500])))
    left = bind.execute(sa.select(sa.func.count()).select_from(
        sa.select(*key_cols).group_by(*key_cols).having(sa.func.count() > 1).subquery())).scalar()
    if left:
        raise RuntimeError(f"{left} keys still have more than one usage row after collapsing; nothing was changed.")
    return counts


def _decide(group: list[dict]) -> list[tuple[dict, list[dict], str, dict | None]]:
    """For one key's rows (ordered by import, then id): (kept row, rows removed, reason, new
    figures of the kept row or ``None``) steps that leave exactly one row."""
    steps = []
    # 1. exact copies: everything but the row and import ids equal
    distinct: list[dict] = []
    for row in reversed(group):  # newest import first: an exact copy keeps the newest import's row
        twin = next((d for d in distinct if _figures(d) == _figures(row)), None)
        if twin is None:
            distinct.append(row)
        else:
            steps.append((twin, [row], EXACT, None))
    # 2. the newest import's rows stand for the key
    newest = distinct[0]["import_id"]
    keep = [r for r in distinct if r["import_id"] == newest]
    older = [r for r in distinct if r["import_id"] != newest]
    if older:
        steps.append((keep[0], older, REPLACED, None))
    # 3. rows of that one import with the same key were all counted: add them up
    if len(keep) > 1:
        steps.append((keep[0], keep[1:], MERGED, _sum(keep)))
    # every removed row points at the row that stands for its key now
    return [(keep[0], removed, reason, merged) for _kept, removed, reason, merged in steps]


def _figures(row: dict) -> tuple:
    """Everything stored but the row's and import's ids (and the key's hash, derived from the key)."""
    return tuple(row[c] for c in row if c not in ("id", "import_id", "source_row_hash"))


def _sum(rows: list[dict]) -> dict:
    out: dict = {c: sum(int(r[c]) for r in rows) for c in COUNTS}
    out.update({c: float(sum(float(r[c]) for r in rows)) for c in AMOUNTS})
    for c in OPTIONAL:
        given = [float(r[c]) for r in rows if r[c] is not None]
        out[c] = sum(given) if given else None
    return out


def _as_json(row: dict) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in row.items()},
                      sort_keys=True)

