"""Alembic environment for hedging's schema revisions.

Run only through :mod:`hedging.store.migrate` (every first open of a database, and
``hedging db upgrade``), which passes the open connection in ``config.attributes["connection"]``
while holding the database's write lock, and commits. No ``alembic.ini`` is read and the
application's logging configuration is left untouched.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from hedging.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("hedging's schema revisions run on an open connection: use `hedging db upgrade` "
                       "(or hedging.store.migrate.upgrade).")

context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True,
                  compare_type=True)
with context.begin_transaction():  # joins the caller's transaction: nothing is committed here
    context.run_migrations()
