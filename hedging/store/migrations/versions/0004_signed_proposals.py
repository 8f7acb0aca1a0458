"""Signed proposals: a document schema version and a signature on every proposal record.

Revision ID: 0004_signed_proposals
Revises: 0003_one_row_per_provider_day
Create Date: 2026-12-06

Adds two columns to ``proposals``:

- ``schema_version`` (whole number, not null): the version of the stored document. Every record
  already stored gets 1, the documents saved before versions were recorded.
- ``signature`` (text, null): the HMAC-SHA256 of the whole record with the installation's key
  (``hedging.store.signing``). Records already stored keep NULL: they were saved before
  signatures, and this revision does not sign them (it has no key, and a signature made now
  could not say that the record is unchanged since it was saved). They open marked "unsigned
  (saved before signatures)".

No row is changed otherwise; the revision checks that the table holds the same rows afterwards.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_signed_proposals"
down_revision = "0003_one_row_per_provider_day"
branch_labels = None
depends_on = None


def upgrade() -> None:
    before = _fingerprint()
    op.add_column("proposals", sa.Column("schema_version", sa.Integer(), nullable=False, server_default=sa.text("1")))
    op.add_column("proposals", sa.Column("signature", sa.Text(), nullable=True))
    if _fingerprint() != before:
        raise RuntimeError("Adding the signature columns changed the rows of proposals; nothing was changed.")


def downgrade() -> None:
    # On SQLite the table is rebuilt without the columns, keeping AUTOINCREMENT (revision 0002).
    with op.batch_alter_table("proposals", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_column("signature")
        batch.drop_column("schema_version")


def _fingerprint() -> tuple:
    """Row count, id range and the total length of the stored text: what adding columns must not change."""
    return tuple(op.get_bind().execute(sa.text(
        "SELECT COUNT(*), MIN(id), MAX(id), SUM(LENGTH(payload)), SUM(LENGTH(name)), SUM(LENGTH(payload_sha256)) "
        "FROM proposals")).one())
